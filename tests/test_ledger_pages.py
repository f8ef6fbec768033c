"""Ledger, item, revisit, accountability and profile pages through the test client."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rectification.models import Accountability, RectificationItem, Revisit
from tests.factories import FindingFactory, jpeg_bytes, upload

TODAY = timezone.localdate()


def _make_items(hall, office, finding_visit, n, **fields):
    made = []
    for i in range(n):
        item = RectificationItem.objects.create(
            hall=hall, kind="deadline", status=fields.get("status", "in_progress"), created_by=office,
            assigned_date=TODAY - datetime.timedelta(days=30),
            deadline=TODAY + datetime.timedelta(days=fields.get("days", (i * 7) % 40 - 5)),
        )
        item.findings.set([FindingFactory(visit=finding_visit, status="confirmed")])
        made.append(item)
    return made


def _queries(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.django_db
class TestLedger:
    def test_query_count_is_flat_as_the_ledger_grows(self, client, office, own_hall, open_visit):
        client.force_login(office)
        _make_items(own_hall, office, open_visit, 5)
        _queries(client, reverse("ledger"))  # warm the calendar cache
        small, _ = _queries(client, reverse("ledger"))
        _make_items(own_hall, office, open_visit, 60)
        large, response = _queries(client, reverse("ledger"))
        assert small == large
        assert len(response.context["page"]) == 50

    def test_sorted_by_urgency_with_traffic_lights(self, client, hall_manager, office, own_hall, open_visit):
        later = _make_items(own_hall, office, open_visit, 1, days=30)[0]
        overdue = _make_items(own_hall, office, open_visit, 1, days=-3)[0]
        soon = _make_items(own_hall, office, open_visit, 1, days=0)[0]
        closed = _make_items(own_hall, office, open_visit, 1, days=-20, status="closure_requested")[0]
        client.force_login(hall_manager)
        rows = list(client.get(reverse("ledger")).context["page"])
        assert [r.pk for r in rows] == [overdue.pk, soon.pk, later.pk, closed.pk]
        assert [r.light.colour for r in rows] == ["red", "yellow", "green", "grey"]

    def test_overdue_and_due_soon_filters(self, client, office, own_hall, open_visit):
        later = _make_items(own_hall, office, open_visit, 1, days=30)[0]
        overdue = _make_items(own_hall, office, open_visit, 1, days=-3)[0]
        soon = _make_items(own_hall, office, open_visit, 1, days=0)[0]
        client.force_login(office)
        shown = {i.pk for i in client.get(reverse("overdue")).context["page"]}
        assert shown == {overdue.pk}
        shown = {i.pk for i in client.get(reverse("ledger"), {"due_soon": "true"}).context["page"]}
        assert shown == {soon.pk}
        assert later.pk not in shown

    def test_the_hall_manager_sees_only_their_halls_items(self, client, hall_manager, office, own_hall, other_hall,
                                                          open_visit):
        mine = _make_items(own_hall, office, open_visit, 1)[0]
        from tests.factories import UserFactory, VisitFactory

        other_inspector = UserFactory(role="inspector", region=other_hall.region)
        other_visit = VisitFactory(hall=other_hall, mode="open", created_by=other_inspector)
        theirs = _make_items(other_hall, office, other_visit, 1)[0]
        client.force_login(hall_manager)
        shown = {i.pk for i in client.get(reverse("ledger")).context["page"]}
        assert mine.pk in shown and theirs.pk not in shown
        assert client.get(theirs.get_absolute_url()).status_code == 404


@pytest.mark.django_db
class TestItemPage:
    @pytest.fixture
    def item(self, ledger):
        return ledger["working"]

    def test_the_manager_reports_progress_with_proof_and_asks_for_close_out(self, client, hall_manager, item, office):
        client.force_login(hall_manager)
        client.post(reverse("progress_add", args=[item.pk]),
                    {"date": TODAY.isoformat(), "text": "已组织全员培训", "files": [upload("培训.jpg", jpeg_bytes())]})
        assert item.progress.get().proof.count() == 1
        response = client.post(reverse("closure_request", args=[item.pk]), {"completion_note": "已整改到位"}, follow=True)
        assert "已申请销号" in response.content.decode()
        item.refresh_from_db()
        assert item.status == "closure_requested"
        client.force_login(office)
        client.post(reverse("closure_approve", args=[item.pk]))
        item.refresh_from_db()
        assert item.status == "closed"

    def test_close_out_without_proof_says_why(self, client, hall_manager, item):
        client.force_login(hall_manager)
        response = client.post(reverse("closure_request", args=[item.pk]), {"completion_note": "好了"}, follow=True)
        assert "请先在整改进展中上传佐证材料" in response.content.decode()

    def test_a_stale_edit_is_refused_and_the_typed_text_kept(self, client, hall_manager, office, item):
        client.force_login(office)
        client.post(reverse("item_edit", args=[item.pk]), {"version": item.version, "measures": "作风办的措施",
                                                           "kind": "deadline", "deadline": item.deadline.isoformat()})
        client.force_login(hall_manager)
        response = client.post(reverse("item_edit", args=[item.pk]), {"version": item.version, "measures": "大厅的措施"})
        page = response.content.decode()
        assert response.status_code == 200 and "已被其他人修改" in page and "大厅的措施" in page
        item.refresh_from_db()
        assert item.measures == "作风办的措施"

    def test_extension_request_and_decision(self, client, hall_manager, office, item):
        client.force_login(hall_manager)
        new = item.deadline + datetime.timedelta(days=20)
        item.extensions.all().delete()
        client.post(reverse("extension_request", args=[item.pk]), {"proposed_deadline": new.isoformat(), "reason": "设备采购"})
        extension = item.extensions.get()
        client.force_login(office)
        client.post(reverse("extension_decide", args=[extension.pk]), {"decision": "approve", "note": "同意"})
        item.refresh_from_db()
        assert item.deadline == new

    def test_office_rectifies_a_confirmed_finding_from_its_page(self, client, office, open_visit):
        finding = FindingFactory(visit=open_visit, status="confirmed")
        client.force_login(office)
        assert "下发整改" in client.get(finding.get_absolute_url()).content.decode()
        response = client.post(reverse("item_create", args=[finding.pk]), {"kind": "deadline", "working_days": "5"})
        item = finding.rectification_items.get()
        assert response["Location"] == item.get_absolute_url() and item.status == "assigned"


@pytest.mark.django_db
class TestRevisitPages:
    def test_inspector_revisits_an_item_awaiting_a_revisit(self, client, inspector, ledger):
        client.force_login(inspector)
        awaiting = {i.pk for i in client.get(reverse("revisit_list")).context["page"]}
        assert awaiting == {ledger["closure"].pk}
        client.post(reverse("revisit_create"), {
            "items": [ledger["closure"].pk], "date": TODAY.isoformat(), "verdict": "perfunctory",
            "observation": "整改流于形式",
        })
        ledger["closure"].refresh_from_db()
        assert ledger["closure"].status == "in_progress" and ledger["closure"].needs_accountability

    def test_an_item_not_awaiting_a_revisit_gets_a_clear_message(self, client, inspector, ledger):
        client.force_login(inspector)
        response = client.post(reverse("revisit_create"), {
            "items": [ledger["working"].pk], "date": TODAY.isoformat(), "verdict": "done", "observation": "好",
        })
        assert "不在待回访状态" in response.content.decode()
        assert not Revisit.objects.exists()


@pytest.mark.django_db
class TestAccountabilityPages:
    def test_office_records_and_the_profile_shows_the_history(self, client, office, own_hall, ledger, findings):
        staff = own_hall.staff.first()
        client.force_login(office)
        response = client.post(reverse("accountability_create", args=[own_hall.pk]), {
            "subject": "staff", "staff": staff.pk, "track": "hall", "type": "实名通报",
            "deciding_body": "汤原县政务服务中心", "decision_date": TODAY.isoformat(),
            "findings": [findings["open"].pk],
        })
        assert response.status_code == 302
        assert Accountability.objects.filter(staff=staff).count() == 2  # with the ledger fixture's one
        page = client.get(reverse("staff_profile", args=[staff.pk])).content.decode()
        assert "实名通报" in page and "谈话提醒" in page and "多次被查" in page

    def test_a_wrong_type_for_the_track_is_a_form_error(self, client, office, own_hall):
        client.force_login(office)
        response = client.post(reverse("accountability_create", args=[own_hall.pk]), {
            "subject": "unit", "track": "party", "type": "扣分", "deciding_body": "x",
            "decision_date": TODAY.isoformat(),
        })
        assert "不是“党纪处分”的处理类型" in response.content.decode()

    def test_accountability_list_query_count_is_flat(self, client, office, own_hall, ledger):
        client.force_login(office)
        small, _ = _queries(client, reverse("accountability_list"))
        for _ in range(20):
            Accountability.objects.create(subject="unit", hall=own_hall, track="hall", type="约谈",
                                          deciding_body="x", decision_date=TODAY, created_by=office)
        large, _ = _queries(client, reverse("accountability_list"))
        assert small == large


@pytest.mark.django_db
def test_notifications_page_lists_and_marks_read(client, hall_manager, ledger):
    from rectification.models import Notification

    Notification.objects.create(recipient=hall_manager, kind="assigned", text="新事项", key="k1", item=ledger["working"])
    client.force_login(hall_manager)
    assert "新事项" in client.get(reverse("notification_list")).content.decode()
    client.post(reverse("notifications_read"))
    assert not Notification.objects.filter(recipient=hall_manager, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_confirm_and_rectify_in_one_step(client, office, findings):
    client.force_login(office)
    finding = findings["undercover"]
    response = client.post(reverse("finding_confirm_rectify", args=[finding.pk]), follow=True)
    assert "并已下发整改" in response.content.decode()
    item = finding.rectification_items.get()
    assert item.status == "prepared"  # undercover: it waits for the circular


@pytest.mark.django_db
def test_only_the_office_sets_the_deadline_and_the_kind(client, hall_manager, office, ledger):
    """item.set_deadline: the hall fills in measures and people; the office also the deadline and the kind."""
    item = ledger["working"]
    later = item.deadline + datetime.timedelta(days=30)
    client.force_login(hall_manager)
    assert "deadline" not in client.get(reverse("item_edit", args=[item.pk])).context["form"].fields
    client.post(reverse("item_edit", args=[item.pk]), {"version": item.version, "measures": "大厅的措施",
                                                       "deadline": later.isoformat(), "kind": "ongoing"})
    item.refresh_from_db()
    assert item.measures == "大厅的措施" and item.deadline != later and item.kind == "deadline"
    assert not hall_manager.has_perm("item.set_deadline", item) and office.has_perm("item.set_deadline", item)
    client.force_login(office)
    client.post(reverse("item_edit", args=[item.pk]), {"version": item.version, "measures": "大厅的措施",
                                                       "deadline": later.isoformat(), "kind": "deadline"})
    item.refresh_from_db()
    assert item.deadline == later


INSPECTOR_NAME, TEAM = "周卫东", "省作风办第一暗访组"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


def _close_and_fail_revisit(item, *, hall_manager, office, inspector, days_ago=1, files=None):
    """One round: proof, a close-out request, the office's approval, and a revisit that finds it fake."""
    from rectification import services

    services.progress_add(actor=hall_manager, item=item, date=TODAY, text="已调整排班",
                          files=[upload("排班表.jpg", jpeg_bytes())])
    services.closure_request(actor=hall_manager, item=item, completion_note="已整改")
    services.closure_approve(actor=office, item=item)
    return services.revisit_record(
        actor=inspector, items=[item], date=TODAY - datetime.timedelta(days=days_ago), observation="窗口仍无人值守",
        verdict="fake", files=files if files is not None else [upload("IMG_zhou.jpg", jpeg_bytes())],
    )


@pytest.mark.django_db
class TestTheItemTellsItsStory:
    @pytest.fixture
    def item(self, ledger, inspector):
        inspector.display_name, inspector.organisation = INSPECTOR_NAME, TEAM
        inspector.save()
        return ledger["working"]

    def test_a_closed_item_shows_its_close_out(self, client, hall_manager, office, item):
        from rectification import services

        services.progress_add(actor=hall_manager, item=item, date=TODAY, text="已调整排班",
                              files=[upload("排班表.jpg", jpeg_bytes())])
        services.closure_request(actor=hall_manager, item=item, completion_note="已整改")
        services.closure_approve(actor=office, item=item)
        client.force_login(hall_manager)
        page = client.get(item.get_absolute_url()).content.decode()
        assert f"<dt>销号</dt><dd>{TODAY.isoformat()} · {office}</dd>" in page

    def test_revisits_show_their_verdict_and_proof_and_never_the_inspector_to_the_hall(
            self, client, hall_manager, office, inspector, item):
        revisit = _close_and_fail_revisit(item, hall_manager=hall_manager, office=office, inspector=inspector,
                                          files=[upload("IMG_zhou.jpg", jpeg_bytes()), upload("VID_0001.mp4", MP4, "video/mp4")])
        photo, video = revisit.evidence.get(kind="photo"), revisit.evidence.get(kind="video")
        client.force_login(hall_manager)
        page = client.get(item.get_absolute_url()).content.decode()
        revisits = page[page.index('id="revisits"'):page.index('id="story"')]
        assert (TODAY - datetime.timedelta(days=1)).isoformat() in revisits
        assert "回访结论：虚假整改" in revisits and "窗口仍无人值守" in revisits
        assert TEAM in revisits and INSPECTOR_NAME not in page and inspector.username not in page
        # The photo as its clean copy under a neutral name; the video not until the office shares it.
        assert reverse("evidence_download", args=[photo.pk]) in revisits and f"{photo.code}.jpg" in revisits
        assert "IMG_zhou" not in page and reverse("evidence_download", args=[video.pk]) not in page
        assert client.get(reverse("evidence_download", args=[photo.pk])).status_code == 200

        client.force_login(office)
        page = client.get(item.get_absolute_url()).content.decode()
        assert INSPECTOR_NAME in page and "IMG_zhou.jpg" in page and "VID_0001.mp4" in page
        assert reverse("evidence_download", args=[video.pk]) in page

    def test_a_reopened_item_shows_its_earlier_close_out_as_history(self, client, hall_manager, office, inspector,
                                                                    item):
        _close_and_fail_revisit(item, hall_manager=hall_manager, office=office, inspector=inspector)
        item.refresh_from_db()
        assert item.status == "in_progress" and item.closed_on is None and item.closed_by is None
        client.force_login(hall_manager)
        page = client.get(item.get_absolute_url()).content.decode()
        assert "<dt>销号</dt>" not in page  # not its current state any more
        story = page[page.index('id="story"'):]
        steps = ["申请销号", f"销号（销号日期 {TODAY.isoformat()}，核销人 {office}）", "回访认定“虚假整改”，销号撤销，重新整改"]
        positions = [story.index(step) for step in steps]
        assert positions == sorted(positions)
        # The reopening is the inspector's, named as the hall knows them.
        assert TEAM in story and INSPECTOR_NAME not in story

    def test_a_returned_close_out_reads_as_returned(self, client, hall_manager, office, item):
        from rectification import services

        services.progress_add(actor=hall_manager, item=item, date=TODAY, text="已调整排班",
                              files=[upload("排班表.jpg", jpeg_bytes())])
        services.closure_request(actor=hall_manager, item=item, completion_note="已整改")
        services.closure_return(actor=office, item=item, reason="佐证不足")
        client.force_login(hall_manager)
        story = client.get(item.get_absolute_url()).content.decode().split('id="story"')[1]
        assert "申请销号" in story and "销号申请被退回，重新整改" in story

    def test_the_history_reads_in_words(self, client, hall_manager, office, inspector, item):
        _close_and_fail_revisit(item, hall_manager=hall_manager, office=office, inspector=inspector)
        client.force_login(hall_manager)
        history = client.get(item.get_absolute_url()).content.decode().split("变更记录")[1]
        assert "需问责：否 → 是" in history
        assert "状态：申请销号 → 已销号" in history and "状态：已销号 → 整改中" in history
        assert f"销号日期：— → {TODAY.isoformat()}" in history and f"销号日期：{TODAY.isoformat()} → —" in history
        assert f"核销人：— → {office}" in history
        assert "True" not in history and "False" not in history

    def test_the_page_takes_the_same_queries_however_long_its_story(self, client, hall_manager, office, inspector,
                                                                     item):
        def count(user):
            client.force_login(user)
            _queries(client, item.get_absolute_url())  # warm the calendar cache
            return _queries(client, item.get_absolute_url())[0]

        _close_and_fail_revisit(item, hall_manager=hall_manager, office=office, inspector=inspector, days_ago=9)
        short = {user.username: count(user) for user in (hall_manager, office, inspector)}
        for days_ago in (8, 7, 6):
            _close_and_fail_revisit(item, hall_manager=hall_manager, office=office, inspector=inspector,
                                    days_ago=days_ago, files=[upload("a.jpg", jpeg_bytes()), upload("b.jpg", jpeg_bytes())])
        assert item.revisits.count() == 4 and item.history.count() > 12
        long = {user.username: count(user) for user in (hall_manager, office, inspector)}
        assert long == short
