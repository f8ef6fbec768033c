"""The ledger's rules: creation, transitions, bad input, stale edits, revisits, accountability, history."""

import datetime
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from inspections.services.evidence import check_uploads, store_files
from rectification import services
from rectification.models import (
    ITEM_TRANSITIONS,
    Accountability,
    ExtensionRequest,
    Notification,
    RectificationItem,
    Revisit,
)
from tests.factories import FindingFactory, jpeg_bytes, upload

S = RectificationItem.Status
TODAY = datetime.date(2026, 11, 23)  # a Monday with a known calendar around it


@pytest.fixture
def confirmed_open(open_visit):
    return FindingFactory(visit=open_visit, status="confirmed")


@pytest.fixture
def item(confirmed_open, office, hall_manager):
    return services.item_create(actor=office, findings=[confirmed_open], today=TODAY)


def _proof(item, hall_manager):
    services.progress_add(actor=hall_manager, item=item, date=timezone.localdate(), text="已组织培训",
                          files=[upload("培训.jpg", jpeg_bytes())])


@pytest.mark.django_db
class TestCreating:
    def test_a_confirmed_open_finding_is_assigned_at_once_with_a_working_day_deadline(self, item, hall_manager):
        assert item.status == S.ASSIGNED and item.assigned_date == TODAY
        # C02 falls under class C: 10 working days (the default rules).
        assert item.deadline == datetime.date(2026, 12, 7)
        assert Notification.objects.filter(recipient=hall_manager, kind="assigned", item=item).exists()

    def test_an_embargoed_finding_waits_as_prepared(self, undercover_visit, office, hall_manager):
        finding = FindingFactory(visit=undercover_visit, status="confirmed")
        item = services.item_create(actor=office, findings=[finding], today=TODAY)
        assert item.status == S.PREPARED and item.deadline is None
        from rectification.scope import items_visible_to

        assert not items_visible_to(hall_manager).filter(pk=item.pk).exists()
        assert not Notification.objects.filter(recipient=hall_manager).exists()

    def test_several_findings_of_one_unit_make_one_item(self, open_visit, office):
        findings = [FindingFactory(visit=open_visit, status="confirmed") for _ in range(3)]
        item = services.item_create(actor=office, findings=findings, today=TODAY)
        assert item.findings.count() == 3

    def test_findings_of_two_units_cannot_share_an_item(self, open_visit, findings, office):
        with pytest.raises(ValidationError, match="同一单位"):
            services.item_create(actor=office, findings=[FindingFactory(visit=open_visit, status="confirmed"),
                                                         findings["other"]], today=TODAY)

    def test_a_submitted_finding_cannot_be_rectified_yet(self, findings, office):
        with pytest.raises(ValidationError, match="不能下发整改"):
            services.item_create(actor=office, findings=[findings["undercover"]], today=TODAY)

    def test_a_finding_gets_one_item_only(self, item, confirmed_open, office):
        with pytest.raises(ValidationError, match="已有整改事项"):
            services.item_create(actor=office, findings=[confirmed_open], today=TODAY)

    def test_the_hall_manager_opens_items_for_own_self_inspection(self, findings, hall_manager):
        item = services.item_create(actor=hall_manager, findings=[findings["self"]], today=TODAY)
        assert item.status == S.ASSIGNED

    def test_the_hall_manager_cannot_open_items_for_inspection_findings(self, confirmed_open, hall_manager):
        with pytest.raises(PermissionDenied):
            services.item_create(actor=hall_manager, findings=[confirmed_open], today=TODAY)

    def test_ongoing_items_have_no_deadline(self, confirmed_open, office):
        item = services.item_create(actor=office, findings=[confirmed_open], kind="ongoing", today=TODAY)
        assert item.deadline is None

    def test_a_deadline_before_the_assigned_date_is_refused(self, confirmed_open, office):
        with pytest.raises(ValidationError, match="整改时限不能早于交办日期"):
            services.item_create(actor=office, findings=[confirmed_open], deadline=TODAY - datetime.timedelta(days=1),
                                 today=TODAY)
        assert not RectificationItem.objects.exists()

    def test_the_database_refuses_a_deadline_before_the_assigned_date(self, item):
        from django.db import IntegrityError

        with pytest.raises(IntegrityError), transaction.atomic():
            RectificationItem.objects.filter(pk=item.pk).update(deadline=TODAY - datetime.timedelta(days=5))


@pytest.mark.django_db
class TestCloseOut:
    def test_close_out_without_proof_is_refused(self, item, hall_manager):
        services.progress_add(actor=hall_manager, item=item, date=timezone.localdate(), text="口头提醒")
        with pytest.raises(ValidationError, match="佐证材料"):
            services.closure_request(actor=hall_manager, item=item, completion_note="已完成")
        item.refresh_from_db()
        assert item.status == S.IN_PROGRESS

    def test_close_out_with_proof_and_approval(self, item, hall_manager, office):
        _proof(item, hall_manager)
        services.closure_request(actor=hall_manager, item=item, completion_note="已整改到位")
        assert Notification.objects.filter(recipient=office, kind="closure_requested").exists()
        services.closure_approve(actor=office, item=item)
        item.refresh_from_db()
        assert item.status == S.CLOSED and item.closed_by == office and item.closed_on

    def test_return_puts_it_back_in_progress_with_the_reason_logged(self, item, hall_manager, office):
        _proof(item, hall_manager)
        services.closure_request(actor=hall_manager, item=item, completion_note="已整改")
        services.closure_return(actor=office, item=item, reason="佐证照片看不清")
        item.refresh_from_db()
        assert item.status == S.IN_PROGRESS
        assert item.progress.filter(text__contains="佐证照片看不清").exists()

    def test_the_hall_cannot_approve_its_own_close_out(self, item, hall_manager):
        _proof(item, hall_manager)
        services.closure_request(actor=hall_manager, item=item, completion_note="已整改")
        with pytest.raises(PermissionDenied):
            services.closure_approve(actor=hall_manager, item=item)


@pytest.mark.django_db
class TestTransitionTable:
    ACTIONS = {
        S.ASSIGNED: lambda item, a: services.item_assign(actor=a["office"], item=item, today=TODAY),
        S.CLOSURE_REQUESTED: lambda item, a: services.closure_request(actor=a["manager"], item=item, completion_note="完成"),
        S.CLOSED: lambda item, a: services.closure_approve(actor=a["office"], item=item),
        S.IN_PROGRESS: lambda item, a: services.closure_return(actor=a["office"], item=item, reason="退回"),
    }

    @pytest.mark.parametrize("source", list(S))
    @pytest.mark.parametrize("target", [S.ASSIGNED, S.CLOSURE_REQUESTED, S.CLOSED, S.IN_PROGRESS])
    def test_transition(self, source, target, confirmed_open, office, hall_manager):
        item = RectificationItem.objects.create(
            hall=confirmed_open.hall, kind="deadline", status=source, created_by=office,
            assigned_date=None if source == S.PREPARED else TODAY, deadline=None if source == S.PREPARED else TODAY,
            closed_on=TODAY if source == S.CLOSED else None, closed_by=office if source == S.CLOSED else None,
        )
        item.findings.set([confirmed_open])
        if source != S.PREPARED:
            entry = item.progress.create(date=TODAY, text="x", author=hall_manager)
            entry.proof.set(store_files(actor=hall_manager, checked=check_uploads([upload("p.jpg", jpeg_bytes())]),
                                        written=[], hall=item.hall))
        actors = {"office": office, "manager": hall_manager}
        # Returning is only from a close-out request; reopening a closed item is the revisit's job.
        legal = target in ITEM_TRANSITIONS[source] and not (target == S.IN_PROGRESS and source != S.CLOSURE_REQUESTED)
        if legal:
            with transaction.atomic():
                self.ACTIONS[target](item, actors)
            item.refresh_from_db()
            assert item.status == target
        else:
            with pytest.raises(ValidationError), transaction.atomic():
                self.ACTIONS[target](item, actors)
            item.refresh_from_db()
            assert item.status == source


@pytest.mark.django_db
class TestExtensions:
    def test_approved_extension_moves_the_deadline_and_keeps_the_old_one(self, item, hall_manager, office):
        old = item.deadline
        extension = services.extension_request(actor=hall_manager, item=item, reason="需采购设备",
                                               proposed_deadline=old + datetime.timedelta(days=14))
        services.extension_decide(actor=office, extension=extension, approve=True, note="同意")
        item.refresh_from_db()
        assert item.deadline == old + datetime.timedelta(days=14)
        extension.refresh_from_db()
        assert extension.current_deadline == old and extension.status == "approved"
        assert old in set(item.history.values_list("deadline", flat=True))

    def test_an_extension_to_an_earlier_date_is_refused(self, item, hall_manager):
        with pytest.raises(ValidationError, match="必须晚于原整改时限"):
            services.extension_request(actor=hall_manager, item=item, reason="x",
                                       proposed_deadline=item.deadline - datetime.timedelta(days=1))
        assert not ExtensionRequest.objects.exists()

    def test_refused_extension_keeps_the_deadline(self, item, hall_manager, office):
        extension = services.extension_request(actor=hall_manager, item=item, reason="x",
                                               proposed_deadline=item.deadline + datetime.timedelta(days=3))
        services.extension_decide(actor=office, extension=extension, approve=False, note="理由不充分")
        old = item.deadline
        item.refresh_from_db()
        assert item.deadline == old

    def test_deciding_twice_is_refused(self, item, hall_manager, office):
        extension = services.extension_request(actor=hall_manager, item=item, reason="x",
                                               proposed_deadline=item.deadline + datetime.timedelta(days=3))
        services.extension_decide(actor=office, extension=extension, approve=True)
        with pytest.raises(ValidationError, match="已经审批过"):
            services.extension_decide(actor=office, extension=extension, approve=False)


@pytest.mark.django_db
class TestStaleEdits:
    def test_the_second_of_two_edits_from_the_same_version_is_refused(self, item, hall_manager, office):
        services.item_update(actor=hall_manager, item=item, version=1, values={"measures": "A：加强巡查"})
        with pytest.raises(services.StaleEdit, match="已被其他人修改"):
            services.item_update(actor=office, item=item, version=1, values={"measures": "B：约谈"})
        item.refresh_from_db()
        assert item.measures == "A：加强巡查" and item.version == 2

    @pytest.mark.django_db(transaction=True)
    def test_two_connections_saving_at_once(self, taxonomy, own_hall, inspector, office, hall_manager):
        """Two people, two database connections, both starting from version 1."""
        from tests.factories import VisitFactory

        visit = VisitFactory(hall=own_hall, mode="open", created_by=inspector, inspectors=[inspector])
        finding = FindingFactory(visit=visit, status="confirmed")
        item = services.item_create(actor=office, findings=[finding], today=TODAY)
        if connection.vendor != "postgresql":
            # SQLite has one writer; the version check is exercised in turn.
            outcomes = []
            for actor, text in ((hall_manager, "甲"), (office, "乙")):
                try:
                    services.item_update(actor=actor, item=item, version=1, values={"measures": text})
                    outcomes.append("saved")
                except services.StaleEdit:
                    outcomes.append("stale")
        else:
            barrier = threading.Barrier(2)
            outcomes = []

            def edit(actor, text):
                try:
                    barrier.wait(timeout=10)
                    services.item_update(actor=actor, item=item, version=1, values={"measures": text})
                    outcomes.append("saved")
                except services.StaleEdit:
                    outcomes.append("stale")
                finally:
                    connections.close_all()

            threads = [threading.Thread(target=edit, args=(a, t)) for a, t in ((hall_manager, "甲"), (office, "乙"))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        assert sorted(outcomes) == ["saved", "stale"]
        item.refresh_from_db()
        assert item.version == 2 and item.measures in ("甲", "乙")


@pytest.mark.django_db
class TestRevisits:
    @pytest.fixture
    def requested(self, item, hall_manager):
        _proof(item, hall_manager)
        services.closure_request(actor=hall_manager, item=item, completion_note="已整改")
        return item

    def test_a_negative_verdict_reopens_the_item_for_accountability(self, requested, inspector, hall_manager):
        services.revisit_record(actor=inspector, items=[requested], date=timezone.localdate(),
                                observation="仍有人离岗", verdict=Revisit.Verdict.FAKE)
        requested.refresh_from_db()
        assert requested.status == S.IN_PROGRESS and requested.needs_accountability
        assert Notification.objects.filter(recipient=hall_manager, kind="revisit").exists()

    def test_a_good_verdict_keeps_the_close_out_request(self, requested, inspector):
        services.revisit_record(actor=inspector, items=[requested], date=timezone.localdate(),
                                observation="秩序良好", verdict=Revisit.Verdict.DONE)
        requested.refresh_from_db()
        assert requested.status == S.CLOSURE_REQUESTED and not requested.needs_accountability

    def test_an_item_not_awaiting_a_revisit_is_refused(self, item, inspector):
        with pytest.raises(ValidationError, match="不在待回访状态"):
            services.revisit_record(actor=inspector, items=[item], date=timezone.localdate(),
                                    observation="x", verdict="done")
        assert not Revisit.objects.exists()

    def test_the_same_close_out_is_not_revisited_twice(self, requested, inspector):
        services.revisit_record(actor=inspector, items=[requested], date=timezone.localdate(),
                                observation="好", verdict="done")
        with pytest.raises(ValidationError, match="不在待回访状态"):
            services.revisit_record(actor=inspector, items=[requested], date=timezone.localdate(),
                                    observation="好", verdict="done")

    def test_the_hall_does_not_revisit_itself(self, requested, hall_manager):
        with pytest.raises(PermissionDenied):
            services.revisit_record(actor=hall_manager, items=[requested], date=timezone.localdate(),
                                    observation="好", verdict="done")


@pytest.mark.django_db
class TestAccountability:
    def test_record_against_a_staff_member(self, confirmed_open, office, own_hall):
        staff = own_hall.staff.first()
        record = services.accountability_record(
            actor=office, hall=own_hall, subject="staff", staff=staff, track="government", type="警告",
            deciding_body="汤原县监委", decision_number="汤监发〔2026〕5号", decision_date=TODAY - datetime.timedelta(days=1),
            findings=[confirmed_open],
        )
        assert record.person_name == staff.name and list(record.findings.all()) == [confirmed_open]

    def test_a_type_from_another_track_is_refused(self, office, own_hall):
        with pytest.raises(ValidationError, match="不是“党纪处分”的处理类型"):
            services.accountability_record(
                actor=office, hall=own_hall, subject="unit", track="party", type="记过",
                deciding_body="x", decision_date=TODAY - datetime.timedelta(days=1),
            )
        assert not Accountability.objects.exists()

    def test_staff_of_another_hall_is_refused(self, office, own_hall, other_hall):
        with pytest.raises(ValidationError, match="不属于本单位"):
            services.accountability_record(
                actor=office, hall=own_hall, subject="staff", staff=other_hall.staff.first(), track="hall",
                type="约谈", deciding_body="x", decision_date=TODAY - datetime.timedelta(days=1),
            )

    def test_only_the_office_records(self, hall_manager, own_hall):
        with pytest.raises(PermissionDenied):
            services.accountability_record(
                actor=hall_manager, hall=own_hall, subject="unit", track="hall", type="约谈",
                deciding_body="x", decision_date=TODAY,
            )


@pytest.mark.django_db
class TestHistory:
    def test_every_change_is_recorded_with_who(self, item, hall_manager, office):
        services.item_update(actor=hall_manager, item=item, version=item.version, values={"measures": "加强巡查"})
        records = list(item.history.order_by("history_date"))
        assert [r.history_user for r in records][-1] == hall_manager
        assert records[-1].measures == "加强巡查"

    def test_bulk_close_out_records_a_history_row_per_item(self, open_visit, office, hall_manager):
        items = []
        for _ in range(3):
            item = services.item_create(actor=office, findings=[FindingFactory(visit=open_visit, status="confirmed")],
                                        today=TODAY)
            _proof(item, hall_manager)
            services.closure_request(actor=hall_manager, item=item, completion_note="完成")
            items.append(item)
        services.closures_approve(actor=office, items=items)
        for item in items:
            last = item.history.order_by("-history_date").first()
            assert last.status == S.CLOSED and last.history_user == office

    def test_bulk_close_out_is_all_or_nothing(self, open_visit, office, hall_manager):
        ready = services.item_create(actor=office, findings=[FindingFactory(visit=open_visit, status="confirmed")], today=TODAY)
        _proof(ready, hall_manager)
        services.closure_request(actor=hall_manager, item=ready, completion_note="完成")
        not_ready = services.item_create(actor=office, findings=[FindingFactory(visit=open_visit, status="confirmed")], today=TODAY)
        with pytest.raises(ValidationError):
            services.closures_approve(actor=office, items=[ready, not_ready])
        ready.refresh_from_db()
        assert ready.status == S.CLOSURE_REQUESTED

    def test_records_are_never_deleted_from_the_admin(self, client, office, item):
        from django.urls import reverse

        client.force_login(office)
        response = client.post(reverse("admin:rectification_rectificationitem_delete", args=[item.pk]), {"post": "yes"})
        assert response.status_code in (302, 403)
        assert RectificationItem.objects.filter(pk=item.pk).exists()
