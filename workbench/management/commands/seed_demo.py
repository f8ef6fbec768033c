from django.core.management.base import BaseCommand

from registry.models import Role
from workbench.demo import DEMO_PASSWORD, seed_demo


class Command(BaseCommand):
    help = "Load the demo regions, halls, staff and one account per role (safe to run again)."

    def handle(self, *args, **options):
        result = seed_demo()
        self.stdout.write(
            f"Demo data: {result['regions']} regions, {result['halls']} halls, "
            f"{result['staff']} staff, {result['findings']} new findings."
        )
        self.stdout.write("")
        self.stdout.write("演示账号 / demo accounts (http://127.0.0.1:8000/):")
        for account, _created in result["accounts"]:
            scope = account.organisation
            role = Role(account.role).label
            self.stdout.write(f"  {account.username:<16} {DEMO_PASSWORD:<11} {role}\t{scope}")
        self.stdout.write("  (a password changed after the first run is kept)")
