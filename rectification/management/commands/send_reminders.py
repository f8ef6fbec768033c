from django.core.management.base import BaseCommand

from core.jobs import delete_expired
from rectification import reminders


class Command(BaseCommand):
    help = "Create due-soon and overdue reminders and send the daily digests. Safe to run from cron often."

    def handle(self, *args, **options):
        counts = reminders.run()
        counts["expired_exports"] = delete_expired()
        self.stdout.write(
            f"reminders: {counts['due_soon']} due soon, {counts['overdue']} overdue; "
            f"{counts['attached']} notifications queued; {counts['mails']} digests sent; "
            f"{counts['expired_exports']} expired export files removed"
        )
        if counts["calendar_error"]:
            self.stderr.write(counts["calendar_error"])
