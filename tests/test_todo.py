"""What waits for each user (待办 on the home page) and the unread count beside 通知.

Each kind is counted with the very selector or ledger filter its link opens, within the user's
scope and the embargo: the count equals the rows the linked list shows, and the other region's
work and the office's undercover findings never reach the hall's manager."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rectification.models import Accountability, ExtensionRequest, Notification, RectificationItem
from registry.models import Role
from tests.factories import FindingFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def _item(finding, status, office, deadline_in=20, **fields):
    row = RectificationItem.objects.create(
        hall=finding.hall, kind="deadline", status=status, created_by=office,
        assigned_date=TODAY - 10 * DAY, deadline=TODAY + deadline_in * DAY, **fields)
    row.findings.set([finding])
    return row


@pytest.fixture
def work(office, hall_manager, inspector, own_hall, other_hall, undercover_visit, taxonomy):
    """Work of every kind in city A (the office's, hall a's), and the same in city B, out of reach."""
    visit_b = VisitFactory(hall=other_hall, mode="open", created_by=inspector, inspectors=[inspector])
    made = {}
    for place, visit in (("a", undercover_visit), ("b", visit_b)):
        published = [FindingFactory(visit=visit, status="published") for _ in range(7)]
        made[place] = {
            "submitted": FindingFactory(visit=visit, status="submitted"),
            "draft": FindingFactory(visit=visit, status="draft", created_by=inspector),
            "closure": _item(published[0], "closure_requested", office, closure_requested_on=TODAY),
            "extension": _item(published[1], "in_progress", office),
            "flagged": _item(published[2], "in_progress", office, needs_accountability=True),
            "overdue": _item(published[3], "in_progress", office, deadline_in=-1),
            "due_today": _item(published[4], "in_progress", office, deadline_in=0),
            "assigned": _item(published[5], "assigned", office),
        }
        ExtensionRequest.objects.create(item=made[place]["extension"], reason="需采购设备",
                                        current_deadline=TODAY + 20 * DAY, proposed_deadline=TODAY + 30 * DAY,
                                        requested_by=hall_manager)
    return made


def _todo(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {waiting.key: waiting for waiting in response.context["todo"]}, response.content.decode()


def _rows_on_the_linked_page(client, waiting):
    context = client.get(waiting.url).context
    return len(context["page"].object_list)


def test_the_office_sees_its_regions_reviews_and_decisions(client, office, work):
    todo, page = _todo(client, office)
    assert {key: w.count for key, w in todo.items()} == {"review": 1, "closure": 1, "extension": 1,
                                                         "accountability": 1}
    assert work["a"]["submitted"].code in page and work["b"]["submitted"].code not in page
    assert todo["closure"].rows == [(f"{work['a']['closure'].code} · {work['a']['closure'].hall.name} · 时限 "
                                     f"{work['a']['closure'].deadline:%Y-%m-%d}",
                                     work["a"]["closure"].get_absolute_url())]
    for waiting in todo.values():  # each number opens the list it counts
        assert _rows_on_the_linked_page(client, waiting) == waiting.count, waiting.key


def test_recording_the_accountability_takes_the_item_off_the_list(client, office, own_hall, work):
    record = Accountability.objects.create(
        subject="staff", staff=own_hall.staff.first(), hall=own_hall, track="first_form", type="谈话提醒",
        deciding_body="汤原县纪委监委", decision_date=TODAY, created_by=office)
    record.items.add(work["a"]["flagged"])
    todo, _page = _todo(client, office)
    assert "accountability" not in todo


def test_the_hall_manager_sees_its_items_overdue_due_soon_and_not_started(client, hall_manager, work):
    todo, page = _todo(client, hall_manager)
    assert {key: w.count for key, w in todo.items()} == {"overdue": 1, "due_soon": 1, "to_start": 1}
    assert [url for _text, url in todo["overdue"].rows] == [work["a"]["overdue"].get_absolute_url()]
    for waiting in todo.values():
        assert _rows_on_the_linked_page(client, waiting) == waiting.count, waiting.key
    # The office's queue is not the hall's: no submitted (embargoed) finding, no decision.
    assert work["a"]["submitted"].code not in page and "待审核问题" not in page


def test_the_inspector_sees_revisits_and_own_drafts(client, inspector, office, work):
    todo, page = _todo(client, inspector)
    assert todo["drafts"].url.endswith("status=draft&mine=true")  # the list of their own, as counted
    # City A's only: hall b is outside the inspector's region, whoever made the draft.
    assert todo["drafts"].count == 1 and todo["revisit"].count == 1
    assert [url for _text, url in todo["revisit"].rows] == [work["a"]["closure"].get_absolute_url()]
    for waiting in todo.values():
        assert _rows_on_the_linked_page(client, waiting) == waiting.count, waiting.key
    assert "closure" not in todo and "review" not in todo


def test_nothing_waiting_says_so(client, regions):
    user = UserFactory(role=Role.AUDITOR, region=regions["city_a"])
    todo, page = _todo(client, user)
    assert todo == {} and "现在没有等您处理的事项" in page


def test_the_home_page_takes_the_same_queries_as_work_grows(client, office, inspector, hall_manager, work,
                                                            undercover_visit):
    def queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("home"))
        return len(captured)

    before = {user.username: queries(user) for user in (office, inspector, hall_manager)}
    published = [FindingFactory(visit=undercover_visit, status="published") for _ in range(12)]
    for n, finding in enumerate(published):
        _item(finding, ["closure_requested", "in_progress", "assigned"][n % 3], office, deadline_in=n % 5 - 2,
              closure_requested_on=TODAY, needs_accountability=n % 2 == 0)
        FindingFactory(visit=undercover_visit, status="submitted")
    assert {user.username: queries(user) for user in (office, inspector, hall_manager)} == before


class TestUnreadCount:
    def test_the_menu_counts_the_unread_and_reading_clears_it(self, client, hall_manager, office, work):
        for n in range(3):
            Notification.objects.create(recipient=hall_manager, kind="assigned", text=f"交办{n}", key=f"k{n}")
        Notification.objects.create(recipient=office, kind="assigned", text="别人的", key="other")
        client.force_login(hall_manager)
        page = client.get(reverse("home")).content.decode()
        assert '通知 <span class="badge" title="3 条未读">3</span>' in page
        assert 'class="badge-dot"' in page  # on the folded menu's button too
        client.post(reverse("notifications_read"))
        page = client.get(reverse("home")).content.decode()
        assert 'class="badge"' not in page and 'class="badge-dot"' not in page
        assert Notification.objects.get(recipient=office).read_at is None


class TestHallOverview:
    def _overview(self, client, user):
        client.force_login(user)
        response = client.get(reverse("home"))
        return response.context["overview"], response.content.decode()

    def test_the_items_by_traffic_light_each_opening_its_list(self, client, hall_manager, work):
        overview, _page = self._overview(client, hall_manager)
        counts = {light: count for light, _label, count, _url in overview.lights}
        working = [work["a"][k] for k in ("extension", "flagged", "overdue", "due_today", "assigned")]
        assert counts == {"red": 1, "yellow": 1, "green": len(working) - 2}
        for _light, _label, count, url in overview.lights:
            assert len(client.get(url).context["page"].object_list) == count

    def test_this_weeks_deadlines(self, client, hall_manager, work):
        overview, _page = self._overview(client, hall_manager)
        monday = TODAY - datetime.timedelta(days=TODAY.weekday())
        expected = RectificationItem.objects.filter(hall=work["a"]["overdue"].hall, deadline__gte=monday,
                                                    deadline__lte=monday + 6 * DAY).count()
        assert overview.due_this_week.count == expected >= 1  # today's deadline is always this week
        assert len(client.get(overview.due_this_week.url).context["page"].object_list) == expected

    def test_recent_findings_and_circulars_are_the_published_ones(self, client, hall_manager, office, work,
                                                                  undercover_visit, regions):
        from circulars import services as circular_services
        from inspections.models import Finding

        finding = FindingFactory(visit=undercover_visit, status="confirmed")
        draft = circular_services.circular_save(actor=office, findings=[finding], values={
            "issuer": "佳木斯市作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"],
            "title": "关于窗口服务明察暗访情况的通报", "date": datetime.date(2026, 11, 21), "naming": "surname"})
        overview, page = self._overview(client, hall_manager)
        assert overview.recent_circulars == [] and "暂无" in page
        circular_services.circular_publish(actor=office, circular=draft, today=datetime.date(2026, 11, 21))
        overview, page = self._overview(client, hall_manager)
        assert [url for _text, url in overview.recent_circulars] == [draft.get_absolute_url()]
        shown = {url for _text, url in overview.recent_findings}
        assert len(shown) == 5
        hidden = Finding.objects.exclude(status="published").filter(hall=work["a"]["overdue"].hall)
        assert not shown & {f.get_absolute_url() for f in hidden}
        assert work["a"]["submitted"].code not in page

    def test_the_office_and_inspectors_have_no_hall_overview(self, client, office, inspector, work):
        assert self._overview(client, office)[0] is None
        assert self._overview(client, inspector)[0] is None
