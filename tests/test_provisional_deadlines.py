"""Deadlines for a year the State Council has not announced yet: publishing is never blocked, the
deadline is marked 预估 wherever it is shown, and entering the year counts it again; a paper
circular entered later counts its deadlines from its own date."""

import datetime

import pytest
from django.urls import reverse

from circulars import services as circular_services
from circulars.models import Circular
from rectification import calendar, reminders
from rectification import services as ledger
from rectification.exports import ESTIMATED_NOTE, LEDGER_COLUMNS, L, LedgerExporter
from rectification.models import (
    CalendarDay,
    CalendarYear,
    DeadlineRule,
    Notification,
    RectificationItem,
)
from tests.factories import FindingFactory, category

D = datetime.date


@pytest.fixture(autouse=True)
def library_stops_at_2026(monkeypatch):
    shipped = calendar._library_is_workday
    monkeypatch.setattr(calendar, "_library_is_workday", lambda day: None if day.year > 2026 else shipped(day))
    calendar.clear_cache()
    yield
    calendar.clear_cache()


pytestmark = [pytest.mark.django_db, pytest.mark.calendar_as_shipped]


@pytest.fixture
def twenty_days(taxonomy):
    DeadlineRule.objects.update_or_create(category=category("C02"), severity="",
                                          defaults={"kind": "deadline", "working_days": 20})


def _publish(office, regions, findings, *, date, today):
    circular = circular_services.circular_save(actor=office, findings=findings, values={
        "issuer": "佳木斯市深化机关作风整顿领导小组办公室", "issuer_code": "佳作整办", "year": date.year,
        "region": regions["city_a"], "title": "关于窗口服务明察暗访情况的通报", "date": date,
        "naming": Circular.Naming.SURNAME,
    })
    return circular_services.circular_publish(actor=office, circular=circular, today=today)


@pytest.fixture
def published(office, regions, undercover_visit, twenty_days, hall_manager):
    """A circular published on 10 December 2026 whose 20-working-day deadline reaches into 2027."""
    finding = FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"))
    _publish(office, regions, [finding], date=D(2026, 12, 10), today=D(2026, 12, 10))
    return finding.rectification_items.get()


def test_publishing_in_december_succeeds_with_a_provisional_deadline(published):
    assert published.deadline == D(2027, 1, 8) and published.deadline_estimated
    assert published.deadline_working_days == 20 and published.assigned_date == D(2026, 12, 10)


def test_publishing_on_2_december_with_20_working_days_stays_in_2026_and_is_exact(
        office, regions, undercover_visit, twenty_days):
    finding = FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"))
    _publish(office, regions, [finding], date=D(2026, 12, 2), today=D(2026, 12, 2))
    item = finding.rectification_items.get()
    assert item.deadline == D(2026, 12, 30) and not item.deadline_estimated


def test_the_item_page_the_ledger_the_export_and_the_reminders_say_provisional(
        client, published, hall_manager, office):
    client.force_login(hall_manager)
    for url in (reverse("item_detail", args=[published.pk]), reverse("ledger")):
        page = client.get(url).content.decode()
        assert "2027-01-08" in page and "tag-estimated" in page, url
    assert "（预估）" in Notification.objects.get(recipient=hall_manager, kind="assigned").text
    row = next(LedgerExporter(queryset=RectificationItem.objects.all()).rows())
    assert row[[c.title for c in LEDGER_COLUMNS].index(L.NOTES)] == ESTIMATED_NOTE
    reminders.create_reminders(D(2027, 1, 6))
    assert "2027-01-08（预估）" in Notification.objects.get(recipient=hall_manager, kind="due_soon").text


def test_an_exact_deadline_is_not_marked(client, published, hall_manager):
    RectificationItem.objects.filter(pk=published.pk).update(deadline_estimated=False, deadline_working_days=None)
    client.force_login(hall_manager)
    assert "tag-estimated" not in client.get(reverse("item_detail", args=[published.pk])).content.decode()


def test_entering_the_year_counts_again_writes_history_and_tells_the_hall(client, published, hall_manager, sysadmin):
    """The office enters the official 2027 schedule in the admin: 1 and 4–8 January off in this
    made-up one, so the 20th working day moves from 8 to 15 January."""
    client.force_login(sysadmin)
    for day in (1, 4, 5, 6, 7, 8):
        response = client.post(reverse("admin:rectification_calendarday_add"), {
            "date": f"2027-01-0{day}", "name": "元旦"})
        assert response.status_code == 302, response.content.decode()[:2000]
    item = RectificationItem.objects.get(pk=published.pk)
    assert item.deadline == D(2027, 1, 8) and item.deadline_estimated  # the year is not complete yet
    assert not Notification.objects.filter(kind="deadline_changed").exists()
    response = client.post(reverse("admin:rectification_calendaryear_add"), {
        "year": 2027, "complete": "on", "source": "国办发明电〔2026〕7号"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.deadline == D(2027, 1, 15) and not item.deadline_estimated
    latest = item.history.order_by("-history_id").first()
    assert latest.history_change_reason == "按公布的放假安排重新计算整改时限" and latest.history_user == sysadmin
    told = Notification.objects.filter(recipient=hall_manager, kind="deadline_changed").values_list("text", flat=True)
    assert any("2027-01-08 → 2027-01-15。" in text for text in told)
    assert ledger.estimated_deadlines_recount(actor=sysadmin) == []  # nothing left to count


def test_a_deadline_someone_chose_is_never_counted_again(published, office):
    item = ledger.item_update(actor=office, item=published, version=published.version,
                              values={"deadline": D(2027, 2, 26)})
    assert not item.deadline_estimated and item.deadline_working_days is None
    CalendarYear.objects.create(year=2027, complete=True)
    CalendarDay.objects.create(date=D(2027, 2, 26), is_workday=False, name="假日")
    assert ledger.estimated_deadlines_recount(actor=office) == []
    item.refresh_from_db()
    assert item.deadline == D(2027, 2, 26)


def test_a_paper_circular_counts_its_deadlines_from_its_own_date(office, regions, undercover_visit, twenty_days):
    finding = FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"))
    _publish(office, regions, [finding], date=D(2026, 9, 1), today=D(2026, 12, 2))
    item = finding.rectification_items.get()
    assert item.assigned_date == D(2026, 9, 1)
    assert item.deadline == calendar.add_working_days(D(2026, 9, 1), 20) and not item.deadline_estimated


def test_a_circular_dated_after_today_is_not_published(office, regions, undercover_visit, twenty_days):
    finding = FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"))
    with pytest.raises(Exception, match="晚于今天"):
        _publish(office, regions, [finding], date=D(2026, 12, 9), today=D(2026, 12, 2))
    finding.refresh_from_db()
    assert finding.status == "confirmed" and not RectificationItem.objects.exists()
