"""send_reminders: each reminder once, one digest a day, nothing lost when a run dies half-way."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from rectification import reminders
from rectification.models import Digest, Notification, RectificationItem

TODAY = timezone.localdate()


@pytest.fixture
def items(findings, office, hall_manager, own_hall):
    """Three working items of the manager's hall: overdue, due tomorrow, due in a month."""
    from tests.factories import FindingFactory

    hall_manager.email = "manager@example.gov.cn"
    hall_manager.save()
    office.email = "office@example.gov.cn"
    office.save()
    made = {}
    for name, days in (("overdue", -2), ("soon", 1), ("later", 40)):
        finding = FindingFactory(visit=findings["open"].visit, status="confirmed")
        item = RectificationItem.objects.create(
            hall=own_hall, kind="deadline", status="in_progress", created_by=office,
            assigned_date=TODAY - datetime.timedelta(days=30), deadline=TODAY + datetime.timedelta(days=days),
        )
        item.findings.set([finding])
        made[name] = item
    return made


def _keys(user):
    return set(Notification.objects.filter(recipient=user).values_list("key", flat=True))


@pytest.mark.django_db
def test_reminders_for_overdue_and_due_soon(items, hall_manager, office):
    reminders.run(TODAY)
    keys = _keys(hall_manager)
    assert f"overdue:{items['overdue'].pk}:{items['overdue'].deadline}" in keys
    assert f"due_soon:{items['soon'].pk}:{items['soon'].deadline}" in keys
    assert not any(str(items["later"].pk) + ":" in k for k in keys if k.startswith(("due_soon", "overdue")))
    assert any(k.startswith("overdue:") for k in _keys(office))  # the office watches overdue items too


@pytest.mark.django_db
def test_one_digest_a_day_per_person_not_one_mail_per_item(items, hall_manager, office):
    reminders.run(TODAY)
    to_manager = [m for m in mail.outbox if m.to == [hall_manager.email]]
    assert len(to_manager) == 1
    assert "整改提醒" in to_manager[0].subject and items["soon"].code in to_manager[0].body
    assert len([m for m in mail.outbox if m.to == [office.email]]) == 1


@pytest.mark.django_db
def test_running_again_sends_nothing_twice(items):
    reminders.run(TODAY)
    notifications, mails = Notification.objects.count(), len(mail.outbox)
    for _ in range(3):
        reminders.run(TODAY)
        call_command("send_reminders")
    assert Notification.objects.count() == notifications
    assert len(mail.outbox) == mails


@pytest.mark.django_db
def test_new_events_after_todays_digest_wait_for_tomorrow(items, hall_manager):
    reminders.run(TODAY)
    sent = len(mail.outbox)
    Notification.objects.create(recipient=hall_manager, kind="assigned", text="新事项", key="assigned:extra")
    reminders.run(TODAY)
    assert len(mail.outbox) == sent
    reminders.run(TODAY + datetime.timedelta(days=1))
    tomorrow = [m for m in mail.outbox[sent:] if m.to == [hall_manager.email]]
    assert len(tomorrow) == 1 and "新事项" in tomorrow[0].body


@pytest.mark.django_db
def test_a_crash_while_sending_loses_nothing_and_repeats_nothing(items, hall_manager, office):
    reminders.create_reminders(TODAY)
    reminders.collect_digests(TODAY)
    delivered = []

    def flaky_send(**message):
        if message["recipient_list"] == [office.email]:
            raise ConnectionError("mail server went away")
        delivered.append(message["recipient_list"])

    with pytest.raises(ConnectionError):
        reminders.send_digests(TODAY, send=flaky_send)
    # Whatever was sent before the crash is marked sent; the failed one is still pending.
    pending = set(Digest.objects.filter(sent_at__isnull=True).values_list("recipient__username", flat=True))
    assert "office" in pending
    assert all(["manager@example.gov.cn"] != r for r in delivered) or "manager" not in pending

    reminders.run(TODAY)  # the next cron run
    assert not Digest.objects.filter(sent_at__isnull=True).exists()
    manager_mails = delivered.count([hall_manager.email]) + len([m for m in mail.outbox if m.to == [hall_manager.email]])
    assert manager_mails == 1
    assert len([m for m in mail.outbox if m.to == [office.email]]) == 1


@pytest.mark.django_db
def test_a_crash_before_sending_keeps_the_reminders(items, hall_manager, monkeypatch):
    def dies(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(reminders, "collect_digests", dies)
    with pytest.raises(SystemExit):
        reminders.run(TODAY)
    monkeypatch.undo()
    assert Notification.objects.filter(recipient=hall_manager, digest__isnull=True).exists()
    reminders.run(TODAY)
    assert len([m for m in mail.outbox if m.to == [hall_manager.email]]) == 1


@pytest.mark.django_db
def test_an_extended_deadline_gets_fresh_reminders(items, hall_manager):
    reminders.run(TODAY)
    item = items["overdue"]
    item.deadline = TODAY + datetime.timedelta(days=1)
    item.save()
    reminders.run(TODAY + datetime.timedelta(days=1))
    assert f"due_soon:{item.pk}:{item.deadline}" in _keys(hall_manager)
