"""One truth per rule: the calendar every process sees, "due soon" from its setting, a ledger
item's status only along ITEM_TRANSITIONS, and rules written twice that agree."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.signals import request_started
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from inspections.models import Finding
from inspections.scope import HALL_SIDE_Q, known_to_hall
from rectification import calendar, reminders, selectors
from rectification import services as ledger
from rectification.models import CalendarDay, RectificationItem
from registry.models import ServiceHall
from registry.scope import hall_q, in_reach
from tests.factories import FindingFactory, UserFactory

TODAY = timezone.localdate()


@pytest.mark.django_db
class TestTheCalendarEverywhere:
    def test_an_edit_made_by_another_process_counts_from_the_next_request(self):
        """Another process (a second gunicorn worker, the task worker) saves a holiday: no cache of
        this process is cleared, yet its next request sees the new calendar."""
        day = datetime.date(2026, 6, 3)  # a Wednesday
        calendar.recheck()
        assert calendar.is_workday(day)
        CalendarDay.objects.create(date=day, is_workday=False, name="地方假日")  # not through this process's cache
        assert calendar.is_workday(day)  # still the cached answer within this request
        # As Django's test client does: the test's transaction must outlive the "request".
        request_started.disconnect(close_old_connections)
        try:
            request_started.send(sender=None)
        finally:
            request_started.connect(close_old_connections)
        assert not calendar.is_workday(day)

    def test_the_worker_sees_it_within_seconds_without_a_request(self, monkeypatch):
        day = datetime.date(2026, 6, 4)
        calendar.recheck()
        assert calendar.is_workday(day)
        CalendarDay.objects.create(date=day, is_workday=False, name="地方假日")
        clock = [calendar.time.monotonic() + calendar.RECHECK_SECONDS + 1]
        monkeypatch.setattr(calendar.time, "monotonic", lambda: clock[0])
        assert not calendar.is_workday(day)


@pytest.fixture
def items(open_visit, office):
    """Items due in 1, 4 and 8 working days from a Monday (2026-06-01 has no holiday that week)."""
    made = {}
    monday = datetime.date(2026, 6, 1)
    for name, days in (("one", 1), ("four", 4), ("eight", 8)):
        finding = FindingFactory(visit=open_visit, status="confirmed")
        item = RectificationItem.objects.create(
            hall=finding.hall, kind="deadline", status="in_progress", created_by=office,
            assigned_date=monday - datetime.timedelta(days=7), deadline=calendar.add_working_days(monday, days))
        item.findings.set([finding])
        made[name] = item
    return monday, made


@pytest.mark.django_db
@pytest.mark.parametrize("due_soon_days,soon", [(3, {"one"}), (5, {"one", "four"})])
def test_due_soon_comes_from_its_setting_everywhere(settings, client, office, hall_manager, items, monkeypatch,
                                                    due_soon_days, soon):
    settings.RECTIFICATION_DUE_SOON_DAYS = due_soon_days
    monday, made = items
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: monday)
    yellow = {name for name, item in made.items() if selectors.traffic_light(item, monday).colour == "yellow"}
    assert yellow == soon
    client.force_login(office)
    response = client.get(reverse("ledger"), {"due_soon": "true"})
    assert {i.pk for i in response.context["page"]} == {made[name].pk for name in soon}
    assert f"{due_soon_days} 个工作日内到期" in response.content.decode()
    reminders.create_reminders(monday)
    reminded = set(hall_manager.notifications.filter(kind="due_soon").values_list("item", flat=True))
    assert reminded == {made[name].pk for name in soon}


@pytest.mark.django_db
class TestEveryStatusChangeGoesThroughTheTable:
    """With one step taken out of ITEM_TRANSITIONS, the service that takes it refuses."""

    def _without(self, monkeypatch, source, target):
        from rectification import models

        table = {status: set(targets) for status, targets in models.ITEM_TRANSITIONS.items()}
        table[source].discard(target)
        monkeypatch.setattr(ledger, "ITEM_TRANSITIONS", table)

    def _item(self, finding, status, office):
        item = RectificationItem.objects.create(
            hall=finding.hall, kind="deadline", status=status, created_by=office, assigned_date=TODAY,
            deadline=TODAY + datetime.timedelta(days=10), closure_requested_on=TODAY if status != "assigned" else None,
            closed_on=TODAY if status == "closed" else None, closed_by=office if status == "closed" else None)
        item.findings.set([finding])
        return item

    def test_a_revisit_reopens_only_along_the_table(self, monkeypatch, open_visit, office, inspector):
        item = self._item(FindingFactory(visit=open_visit, status="confirmed"), "closed", office)
        self._without(monkeypatch, "closed", "in_progress")
        with pytest.raises(ValidationError, match="不能改为"):
            ledger.revisit_record(actor=inspector, items=[item], date=TODAY, observation="未整改", verdict="fake")
        assert RectificationItem.objects.get(pk=item.pk).status == "closed"
        assert inspector.has_perm("item.revisit", item)

    def test_the_first_progress_starts_the_work_only_along_the_table(self, monkeypatch, open_visit, office, hall_manager):
        item = self._item(FindingFactory(visit=open_visit, status="confirmed"), "assigned", office)
        self._without(monkeypatch, "assigned", "in_progress")
        with pytest.raises(ValidationError, match="不能改为"):
            ledger.progress_add(actor=hall_manager, item=item, date=TODAY, text="开始整改")
        assert not item.progress.exists()

    def test_the_ledger_import_moves_an_item_only_along_the_table(self, monkeypatch, open_visit, office, hall_manager):
        item = self._item(FindingFactory(visit=open_visit, status="confirmed"), "assigned", office)
        self._without(monkeypatch, "assigned", "in_progress")
        found = ledger.items_for_ledger(actor=hall_manager, ids=[item.pk])[item.pk]
        with pytest.raises(ValidationError, match="不能改为"):
            ledger.ledger_fill(actor=hall_manager, item=found, values={}, progress=(TODAY, "开始整改"))

    def test_returning_a_close_out_goes_along_the_table(self, monkeypatch, open_visit, office):
        item = self._item(FindingFactory(visit=open_visit, status="confirmed"), "closure_requested", office)
        self._without(monkeypatch, "closure_requested", "in_progress")
        with pytest.raises(ValidationError, match="不能改为"):
            ledger.closure_return(actor=office, item=item, reason="佐证不足")


@pytest.mark.django_db
class TestRulesWrittenTwiceAgree:
    def test_the_hall_sides_rule_for_a_finding_in_memory_and_as_a_query(self, undercover_visit, open_visit, hall_manager):
        made = [
            FindingFactory(visit=visit, status=status)
            for visit in (undercover_visit, open_visit) for status, _label in Finding.Status.choices
            if status != "rejected"
        ] + [FindingFactory(visit=None, hall=undercover_visit.hall, created_by=hall_manager, status=status)
             for status in ("draft", "submitted", "confirmed", "published")]
        by_query = set(Finding.objects.filter(HALL_SIDE_Q).values_list("pk", flat=True))
        assert {f.pk for f in made if known_to_hall(f)} == by_query
        assert by_query and len(by_query) < len(made)

    def test_a_halls_reach_in_memory_and_as_a_query(self, regions, own_hall, other_hall, inspector, hall_manager,
                                                    office, auditor, sysadmin):
        from registry.models import Role

        people = [inspector, hall_manager, office, auditor, sysadmin, UserFactory(role=Role.SECADMIN),
                  UserFactory(role=Role.NONE), UserFactory(role=Role.OFFICE, region=regions["province"])]
        for user in people:
            by_query = set(ServiceHall.objects.filter(hall_q(user)).values_list("pk", flat=True))
            in_memory = {hall.pk for hall in ServiceHall.objects.select_related("region") if in_reach(user, hall)}
            assert in_memory == by_query, user.role
