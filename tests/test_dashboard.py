"""The office's dashboard (统计分析): every number equals a direct count of the rows under the
user's scope, with embargoed findings about, and opens the list it counts; drill-down from the
province to the halls; the Excel export holds the same numbers; bad periods are refused."""

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from audit.models import Event, SecurityEvent
from inspections.models import Finding
from rectification.models import RectificationItem
from registry.models import Role
from tests.factories import FindingFactory, UserFactory, VisitFactory, category

pytestmark = pytest.mark.django_db
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-06-30"}
ESTABLISHED = ("confirmed", "published")


def _at(month, day=10):
    return timezone.make_aware(datetime.datetime(2026, month, day, 10, 0))


@pytest.fixture
def world(own_hall, other_hall, inspector, office, taxonomy):
    """Findings of every state in hall a (city A) and hall b (city B), inside and outside the
    period; ledger items assigned in the period, overdue, closed and not yet due."""
    visits = {name: VisitFactory(hall=hall, mode="undercover", created_by=inspector, inspectors=[inspector])
              for name, hall in (("a", own_hall), ("b", other_hall))}
    made = []
    for visit in visits.values():
        for month, status, code in ((1, "published", "C02"), (3, "confirmed", "C02"), (3, "published", "A02"),
                                    (5, "submitted", "C02"), (5, "rejected", "C03"), (8, "published", "C02")):
            made.append(FindingFactory(visit=visit, status=status, category=category(code), observed_at=_at(month),
                                       rejection_reason="证据不足" if status == "rejected" else ""))
    today = timezone.localdate()
    for finding, status, deadline in ((made[0], "in_progress", today - datetime.timedelta(days=30)),
                                      (made[2], "closed", today - datetime.timedelta(days=60)),
                                      (made[1], "assigned", today + datetime.timedelta(days=30)),
                                      (made[6], "in_progress", today - datetime.timedelta(days=5))):
        closed = {"closed_on": deadline, "closed_by": office} if status == "closed" else {}
        item = RectificationItem.objects.create(hall=finding.hall, kind="deadline", status=status, created_by=office,
                                                assigned_date=datetime.date(2026, 2, 1), deadline=deadline, **closed)
        item.findings.set([finding])
    return made


def _board(client, user, **query):
    client.force_login(user)
    response = client.get(reverse("dashboard"), {**PERIOD, **query})
    assert response.status_code == 200
    return {table.key: table for table in response.context["tables"]}, response


def _direct(user_region_path, **extra):
    """Counted by hand, not through the dashboard's selectors."""
    start, end = _at(1, 1) - datetime.timedelta(hours=10), _at(6, 30) + datetime.timedelta(hours=14)
    return Finding.objects.filter(status__in=ESTABLISHED, observed_at__gte=start, observed_at__lt=end,
                                  hall__region__path__startswith=user_region_path, **extra).count()


def _list_count(client, url):
    return client.get(url).context["page"].count


class TestNumbers:
    def test_by_class_equals_a_direct_count_and_opens_its_list(self, client, office, world):
        tables, _response = _board(client, office)
        rows = {row[0]: (row[1], links[1]) for row, links in zip(tables["class"].rows, tables["class"].links,
                                                                 strict=True)}
        c, a = category("C02").parent, category("A02").parent
        assert rows[f"{c.code} {c.name}"][0] == _direct(office.region.path, category__parent=c) == 2
        assert rows[f"{a.code} {a.name}"][0] == _direct(office.region.path, category__parent=a) == 1
        for n, url in rows.values():
            assert _list_count(client, url) == n

    def test_the_undercover_and_unreviewed_are_the_offices_only(self, client, office, auditor, hall_manager, world):
        assert sum(row[1] for row in _board(client, office)[0]["class"].rows) == 3
        # The auditor reads an undercover finding once its circular is out, as everywhere else.
        assert sum(row[1] for row in _board(client, auditor)[0]["class"].rows) == _direct(
            auditor.region.path, status="published") == 2
        client.force_login(hall_manager)
        assert client.get(reverse("dashboard"), PERIOD).status_code == 403

    def test_another_regions_office_counts_its_own(self, client, world, regions):
        office_b = UserFactory(role=Role.OFFICE, region=regions["city_b"])
        tables, _response = _board(client, office_b)
        assert sum(row[1] for row in tables["class"].rows) == _direct(regions["city_b"].path) == 3

    def test_the_months_of_the_period(self, client, office, world):
        month = _board(client, office)[0]["month"]
        assert [row[0] for row in month.rows] == [f"2026-{m:02}" for m in range(1, 7)]
        assert [row[1] for row in month.rows] == [1, 0, 2, 0, 0, 0]
        assert _list_count(client, month.links[2][1]) == 2

    def test_rectification_rates(self, client, office, world):
        from rectification.calendar import working_days_left

        (row,) = _board(client, office)[0]["rectification"].rows
        total, due, closed, rate, overdue, overdue_rate, average_days = row
        assert (total, due, closed, overdue) == (3, 2, 1, 1)
        assert rate == 0.5 and overdue_rate == 0.5
        closed_item = RectificationItem.objects.get(status="closed", hall=world[2].hall)
        assert average_days == working_days_left(closed_item.assigned_date, closed_item.closed_on)
        (links,) = _board(client, office)[0]["rectification"].links
        assert _list_count(client, links[0]) == 3 and _list_count(client, links[4]) == 1
        overdue = _board(client, office)[0]["overdue"]
        assert [r[1] for r in overdue.rows] == [1] and _list_count(client, overdue.links[0][1]) == 1


class TestDrillDown:
    def test_province_to_city_to_county_to_halls(self, client, world, regions, own_hall):
        province_office = UserFactory(role=Role.OFFICE, region=regions["province"])
        place = _board(client, province_office)[0]["place"]
        assert [row[0] for row in place.rows] == [regions["city_a"].name, regions["city_b"].name]
        assert [row[1] for row in place.rows] == [3, 3]
        city = _board(client, province_office, region=regions["city_a"].pk)[0]["place"]
        assert [row[0] for row in city.rows] == [regions["county_a"].name]
        county = _board(client, province_office, region=regions["county_a"].pk)[0]["place"]
        assert county.title == "按服务大厅" and county.rows == [[own_hall.name, 3]]
        assert _list_count(client, county.links[0][1]) == 3


class TestExport:
    def test_the_workbook_holds_the_same_numbers_and_is_logged(self, client, office, world):
        tables, _response = _board(client, office)
        response = client.get(reverse("dashboard_export"), PERIOD)
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        sheet = book[tables["class"].title]
        values = [row for row in sheet.iter_rows(values_only=True) if row and isinstance(row[1], int)]
        assert [(r[0], r[1]) for r in values] == [(row[0], row[1]) for row in tables["class"].rows]
        assert SecurityEvent.objects.filter(event=Event.EXPORTED, object_type="dashboard", user=office).exists()


class TestBadInput:
    def test_an_end_before_the_start_is_said_on_the_field(self, client, office, world):
        client.force_login(office)
        response = client.get(reverse("dashboard"), {"date_from": "2026-06-30", "date_to": "2026-01-01"})
        assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()
        assert client.get(reverse("dashboard_export"), {"date_from": "2026-06-30", "date_to": "2026-01-01"}
                          ).status_code == 400

    @pytest.mark.parametrize("query", [{"date_from": "not-a-date"}, {"region": "999999"}, {"region": "x"}])
    def test_nonsense_is_a_form_error_not_a_500(self, client, office, query):
        client.force_login(office)
        response = client.get(reverse("dashboard"), {**PERIOD, **query})
        assert response.status_code == 200 and response.context["board"] is None

    def test_a_region_outside_ones_own_is_refused(self, client, office, regions):
        client.force_login(office)
        response = client.get(reverse("dashboard"), {**PERIOD, "region": regions["city_b"].pk})
        assert response.context["board"] is None


def test_the_page_takes_the_same_queries_as_findings_grow(client, office, world, own_hall, inspector):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboard"), PERIOD).status_code == 200
        return len(captured)

    client.force_login(office)
    queries()  # the working-day calendar is read once a process, then kept
    few = queries()
    visit = VisitFactory(hall=own_hall, mode="open", created_by=inspector, inspectors=[inspector])
    for n in range(30):
        FindingFactory(visit=visit, status="published", category=category(["C02", "A02", "C03"][n % 3]),
                       observed_at=_at(n % 6 + 1))
    assert queries() == few


class TestFairRanking:
    """Halls ranked by findings per visit, never by raw counts; below the minimum sample 样本不足."""

    @pytest.fixture
    def halls(self, regions, inspector, taxonomy):
        from tests.factories import HallFactory, WindowFactory

        plan = {"甲中心": (4, 8, 4), "乙中心": (3, 6, 2), "丙中心": (3, 3, 0), "丁中心": (1, 5, 1)}
        made = {}
        for name, (visits, findings, windows) in plan.items():
            hall = made[name] = HallFactory(name=name, region=regions["county_a"])
            for number in range(windows):
                WindowFactory(hall=hall, number=number + 1, label=f"{number + 1}号窗口")
            self.add(hall, inspector, visits, findings)
        return made

    @staticmethod
    def add(hall, inspector, visits, findings):
        made = [VisitFactory(hall=hall, mode="open", created_by=inspector, inspectors=[inspector],
                             started_at=_at(2, 1 + n)) for n in range(visits)]
        for n in range(findings):
            FindingFactory(visit=made[n % visits], status="published", observed_at=_at(2, 1 + n % visits))

    def _ranking(self, client, office):
        table = _board(client, office)[0]["ranking"]
        return [(row[0], row[1], row[4], row[6]) for row in table.rows]

    def test_by_findings_per_visit_with_ties_and_too_small_a_sample(self, client, office, halls, settings):
        settings.RANKING_MIN_VISITS = 3
        assert self._ranking(client, office) == [
            (1, "乙中心", 2.0, 3.0), (1, "甲中心", 2.0, 2.0), (3, "丙中心", 1.0, None), ("样本不足", "丁中心", None, None),
        ]

    def test_doubling_every_count_changes_no_rank(self, client, office, halls, inspector, settings):
        settings.RANKING_MIN_VISITS = 3
        before = [(rank, name) for rank, name, _per_visit, _per_window in self._ranking(client, office)]
        plan = {"甲中心": (4, 8), "乙中心": (3, 6), "丙中心": (3, 3), "丁中心": (1, 5)}
        for name, (visits, findings) in plan.items():
            self.add(halls[name], inspector, visits, findings)
        assert [(rank, name) for rank, name, _v, _w in self._ranking(client, office)] == before

    def test_regions_are_ranked_by_the_same_rule(self, client, halls, regions, inspector, settings):
        from tests.factories import HallFactory

        settings.RANKING_MIN_VISITS = 3
        self.add(HallFactory(name="海林中心", region=regions["county_b"]), inspector, 5, 15)
        province_office = UserFactory(role=Role.OFFICE, region=regions["province"])
        table = _board(client, province_office)[0]["region_ranking"]
        # City A: 11 visits, 22 findings (2.0 a visit); city B: 5 visits, 15 findings (3.0).
        assert [(row[0], row[1], row[2], row[3], row[4]) for row in table.rows] == [
            (1, regions["city_b"].name, 5, 15, 3.0), (2, regions["city_a"].name, 11, 22, 2.0)]
        for row, links in zip(table.rows, table.links, strict=True):
            assert _list_count(client, links[3]) == row[3]

    def test_each_count_opens_its_findings(self, client, office, halls):
        table = _board(client, office)[0]["ranking"]
        for row, links in zip(table.rows, table.links, strict=True):
            assert _list_count(client, links[3]) == row[3]

    def test_the_export_ranks_every_hall(self, client, office, halls, settings):
        settings.RANKING_MIN_VISITS = 3
        client.force_login(office)
        response = client.get(reverse("dashboard_export"), PERIOD)
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        sheet = book["大厅问题率排名"]
        names = [row[1] for row in sheet.iter_rows(values_only=True) if row and row[1] in halls]
        assert names == ["乙中心", "甲中心", "丙中心", "丁中心"]


def test_accountability_by_track_and_type_opens_its_list(client, office, world, own_hall, other_hall):
    from rectification.models import Accountability

    def record(hall, track, kind, day):
        return Accountability.objects.create(
            subject="staff", staff=hall.staff.first(), hall=hall, track=track, type=kind,
            deciding_body="纪委监委", decision_date=day, created_by=office)

    for day in (datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)):
        record(own_hall, "first_form", "谈话提醒", day)
    record(own_hall, "first_form", "批评教育", datetime.date(2026, 4, 1))
    record(own_hall, "first_form", "谈话提醒", datetime.date(2026, 9, 1))  # after the period
    record(other_hall, "first_form", "谈话提醒", datetime.date(2026, 2, 1))  # another region
    table = _board(client, office)[0]["accountability"]
    assert table.rows == [["诫勉谈话等（第一种形态）", "谈话提醒", 2], ["诫勉谈话等（第一种形态）", "批评教育", 1]]
    for row, links in zip(table.rows, table.links, strict=True):
        assert _list_count(client, links[2]) == row[2]
    # The track's label is a lazy translation: the workbook writes its text.
    response = client.get(reverse("dashboard_export"), PERIOD)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))[table.title[:31]]
    assert ("诫勉谈话等（第一种形态）", "谈话提醒", 2) in list(sheet.iter_rows(values_only=True))


def test_repeat_offenders_twice_within_90_days(client, office, own_hall, inspector, taxonomy):
    from tests.factories import StaffFactory, WindowFactory

    window = WindowFactory(hall=own_hall, number=21, label="21号窗口")
    often = StaffFactory(hall=own_hall, name="王小明", badge_number="R1", window=window)
    seldom = StaffFactory(hall=own_hall, name="李大华", badge_number="R2")
    visit = VisitFactory(hall=own_hall, mode="open", created_by=inspector, inspectors=[inspector])

    def found(staff, at, window=None):
        FindingFactory(visit=visit, status="published", staff=staff, window=window, observed_at=at)

    found(often, _at(1, 5), window)
    found(often, _at(3, 20), window)  # 74 days later: a repeat, at the same window too
    found(seldom, _at(1, 5))
    found(seldom, _at(6, 1))  # 147 days later: not within 90
    table = _board(client, office)[0]["repeat"]
    assert [row[:3] for row in table.rows] == [["人员", f"王小明（{own_hall.name}）", 2],
                                               ["窗口", f"21号窗口（{own_hall.name}）", 2]]
    for row, links in zip(table.rows, table.links, strict=True):
        assert _list_count(client, links[2]) == row[2]


@pytest.mark.parametrize("start, end", [
    (datetime.date(2026, 9, 30), datetime.date(2026, 10, 9)),  # over National Day and its make-up days
    (datetime.date(2026, 2, 1), datetime.date(2026, 3, 2)),  # over the Spring Festival
    (datetime.date(2026, 5, 6), datetime.date(2026, 5, 6)),
])
def test_working_days_between_counts_as_deadlines_do(start, end):
    from rectification.calendar import working_days_left
    from workbench.dashboard import working_days_between

    assert working_days_between([(start, end), (start, start)]) == [working_days_left(start, end), 0]


@pytest.mark.parametrize("query, message", [
    ({"date_from": "2026-01-01", "date_to": "9999-12-31"}, "日期须在"),
    ({"date_from": "0001-01-01", "date_to": "2026-01-01"}, "日期须在"),
    ({"date_from": "2001-01-01", "date_to": "2099-12-31"}, "统计期间最长"),
])
def test_far_off_or_overlong_periods_are_refused_with_a_message(client, office, query, message):
    client.force_login(office)
    response = client.get(reverse("dashboard"), query)
    assert response.status_code == 200 and message in response.content.decode()
    assert client.get(reverse("dashboard_export"), query).status_code == 400


def test_the_findings_list_takes_the_last_date_there_is(client, office):
    client.force_login(office)
    assert client.get(reverse("finding_list"), {"date_to": "9999-12-31"}).status_code == 200
