"""Remove security events older than AUDIT_KEEP_DAYS (at least 180 days: the database refuses
younger ones on PostgreSQL anyway). Run it daily from cron, beside send_reminders.

    manage.py purge_audit [--dry-run]
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from audit.log import record
from audit.models import AUDIT_MIN_KEEP_DAYS, Event, SecurityEvent


def purge(now=None, *, dry_run=False) -> int:
    keep = settings.AUDIT_KEEP_DAYS
    if keep < AUDIT_MIN_KEEP_DAYS:
        raise CommandError(f"AUDIT_KEEP_DAYS is {keep}: security events are kept at least {AUDIT_MIN_KEEP_DAYS} days.")
    before = (now or timezone.now()) - datetime.timedelta(days=keep)
    old = SecurityEvent.objects.filter(at__lt=before)
    if dry_run:
        return old.count()
    with transaction.atomic():
        # A plain DELETE of the rows, past the queryset's refusal: the trigger still checks age.
        sql, params = old.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {SecurityEvent._meta.db_table} WHERE id IN ({sql})", params)
            removed = cursor.rowcount
        record(Event.AUDIT_PURGED, object_type="audit.securityevent", removed=removed,
               before=before.isoformat())
    return removed


class Command(BaseCommand):
    help = "Remove security events older than AUDIT_KEEP_DAYS (never younger than 180 days)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, remove nothing")

    def handle(self, *args, dry_run=False, **options):
        count = purge(dry_run=dry_run)
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} {count} security events older than {settings.AUDIT_KEEP_DAYS} days")
