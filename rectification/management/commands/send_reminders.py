from django.core.management.base import BaseCommand

from core.jobs import delete_expired
from rectification import reminders
from rectification import services as ledger


class Command(BaseCommand):
    help = "Create due-soon and overdue reminders and send the daily digests. Safe to run from cron often."

    def handle(self, *args, **options):
        recounted = ledger.estimated_deadlines_recount(actor=None)  # a year the library now knows
        counts = reminders.run()
        counts["expired_exports"] = delete_expired()
        self.stdout.write(
            f"reminders: {counts['due_soon']} due soon, {counts['overdue']} overdue; "
            f"{counts['attached']} notifications queued; {counts['mails']} digests sent; "
            f"{counts['expired_exports']} expired export files removed; "
            f"{len(recounted)} provisional deadlines counted again"
        )
