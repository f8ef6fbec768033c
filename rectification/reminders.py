"""Deadline reminders and the daily digest e-mail (``manage.py send_reminders``).

Safe to run from cron every few minutes:

- A reminder is a Notification with a unique key per item, deadline and kind,
  so a second run (or two runs at once) adds nothing.
- Each person gets one Digest a day. Notifications are attached to it in one
  transaction; the mail is sent and the digest marked sent in another, with
  the digest row locked. If the process dies before marking, the digest is
  still pending and the next run sends it: nothing is lost. The one window in
  which a mail could go twice is between the mail server accepting it and
  the commit that marks it sent.
"""

import datetime
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rectification.calendar import due_soon_horizon
from rectification.models import WORKING_STATUSES, Digest, Notification, RectificationItem
from rectification.services import _hall_managers, _offices, deadline_text, notify

log = logging.getLogger(__name__)


def create_reminders(today: datetime.date) -> dict:
    """Due-soon and overdue notifications for every open item with a deadline."""
    counts = {"due_soon": 0, "overdue": 0}
    open_items = RectificationItem.objects.filter(
        status__in=WORKING_STATUSES,
        deadline__isnull=False,
    ).select_related("hall", "hall__region")
    for item in open_items.filter(deadline__lt=today).iterator():
        notify(
            recipients=[*_hall_managers(item), *_offices(item)], kind=Notification.Kind.OVERDUE, item=item,
            text=_("整改事项 %(code)s（%(hall)s）已超过整改时限 %(deadline)s。")
            % {"code": item.code, "hall": item.hall, "deadline": deadline_text(item)},
            key=f"overdue:{item.pk}:{item.deadline}",
        )
        counts["overdue"] += 1
    horizon = due_soon_horizon(today)
    for item in open_items.filter(deadline__gte=today, deadline__lte=horizon).iterator():
        notify(
            recipients=_hall_managers(item), kind=Notification.Kind.DUE_SOON, item=item,
            text=_("整改事项 %(code)s 将于 %(deadline)s 到期，请抓紧整改。") % {"code": item.code, "deadline": deadline_text(item)},
            key=f"due_soon:{item.pk}:{item.deadline}",
        )
        counts["due_soon"] += 1
    return counts


def collect_digests(today: datetime.date) -> int:
    """Attach every notification not yet in a digest to its recipient's digest of today."""
    pending = (
        Notification.objects.filter(digest__isnull=True)
        .values_list("recipient", flat=True).distinct()
    )
    made = 0
    for recipient_id in list(pending):
        with transaction.atomic():
            digest, _created = Digest.objects.get_or_create(recipient_id=recipient_id, day=today)
            if digest.sent_at is not None:
                continue  # today's mail has gone; these wait for tomorrow's
            made += Notification.objects.filter(recipient_id=recipient_id, digest__isnull=True).update(digest=digest)
    return made


def send_digests(today: datetime.date, *, send=send_mail) -> int:
    """Send each pending digest once."""
    sent = 0
    for digest_id in list(Digest.objects.filter(sent_at__isnull=True, day__lte=today).values_list("pk", flat=True)):
        with transaction.atomic():
            digest = (
                Digest.objects.select_for_update(skip_locked=True)
                .select_related("recipient").filter(pk=digest_id, sent_at__isnull=True).first()
            )
            if digest is None:
                continue  # another run has it, or sent it
            notes = list(digest.notifications.order_by("created_at", "id"))
            if notes and digest.recipient.email:
                send(
                    subject=_("【作风督查】%(day)s 整改提醒（%(n)d 条）") % {"day": digest.day, "n": len(notes)},
                    message=_digest_body(digest, notes),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    recipient_list=[digest.recipient.email],
                )
                sent += 1
            digest.sent_at = timezone.now()
            digest.save(update_fields=["sent_at"])
    return sent


def _digest_body(digest, notes) -> str:
    lines = [_("%(name)s：") % {"name": digest.recipient}, ""]
    for number, note in enumerate(notes, start=1):
        url = f"{settings.SITE_URL}{note.item.get_absolute_url()}" if note.item_id else ""
        lines.append(f"{number}. [{note.get_kind_display()}] {note.text} {url}".rstrip())
    lines += ["", _("请登录系统查看详情。本邮件由系统自动发送，每天最多一封。")]
    return "\n".join(lines)


def run(today: datetime.date | None = None) -> dict:
    today = today or timezone.localdate()
    counts = create_reminders(today)
    counts["attached"] = collect_digests(today)
    counts["mails"] = send_digests(today)
    return counts

