"""Recording and reviewing findings: the transition table and every bad input."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from inspections import services
from inspections.models import FINDING_TRANSITIONS, Evidence, Finding
from inspections.services.evidence import evidence_storage
from tests.factories import FindingFactory, StaffFactory, category, jpeg_bytes, png_bytes, upload

S = Finding.Status


def _values(visit, **overrides):
    values = {
        "category": category("C02"),
        "observed_at": visit.started_at + datetime.timedelta(minutes=20),
        "window": visit.hall.windows.first(), "department": None, "staff": None,
        "staff_description": "女，约30岁，10号窗口", "severity": "general",
        "description": "离岗27分钟，3名群众等候。",
    }
    return values | overrides


def _stored_files(path=""):
    storage = evidence_storage()
    if path and not storage.exists(path):
        return []
    directories, files = storage.listdir(path)
    found = [f"{path}/{name}".lstrip("/") for name in files]
    for directory in directories:
        found += _stored_files(f"{path}/{directory}".lstrip("/"))
    return found


def _snapshot():
    return Finding.objects.count(), Evidence.objects.count(), sorted(_stored_files())


@pytest.fixture
def record(undercover_visit, inspector):
    def _record(values=None, facts=None, files=(), submit=False):
        return services.finding_record(
            actor=inspector, visit=undercover_visit, values=values or _values(undercover_visit),
            facts_raw={"minutes_off_post": 27, "people_waiting": 3} if facts is None else facts,
            files=files, submit=submit,
        )

    return _record


@pytest.mark.django_db
class TestRecording:
    def test_an_inspector_records_an_undercover_finding_with_a_photo(self, record, undercover_visit):
        finding = record(files=[upload("现场.jpg", jpeg_bytes())], submit=True)
        assert finding.status == S.SUBMITTED and finding.undercover and finding.source == "undercover"
        assert finding.facts == {"minutes_off_post": 27, "people_waiting": 3}
        evidence = finding.evidence.get()
        assert evidence.kind == "photo" and evidence.content_type == "image/jpeg"
        assert len(evidence.sha256) == 64 and evidence.thumbnail
        assert evidence.file.name.startswith("evidence/") and "现场" not in evidence.file.name

    def test_a_draft_stays_a_draft(self, record):
        assert record().status == S.DRAFT

    def test_only_the_visits_inspectors_may_record(self, undercover_visit, office, regions):
        from tests.factories import UserFactory

        stranger = UserFactory(role="inspector", region=regions["province"])
        for actor in (office, stranger):
            with pytest.raises(PermissionDenied):
                services.finding_record(actor=actor, visit=undercover_visit,
                                        values=_values(undercover_visit), facts_raw={"minutes_off_post": 5})

    def test_the_hall_manager_records_self_inspection_without_embargo(self, hall_manager, own_hall, taxonomy):
        finding = services.finding_self_inspect(
            actor=hall_manager, hall=own_hall,
            values={"category": category("A02"), "observed_at": timezone.now(), "description": "未佩戴工作牌"},
            facts_raw={},
        )
        assert finding.source == "self_inspection" and not finding.undercover and finding.visit is None

    def test_a_hall_manager_cannot_self_inspect_another_hall(self, hall_manager, other_hall, taxonomy):
        with pytest.raises(PermissionDenied):
            services.finding_self_inspect(
                actor=hall_manager, hall=other_hall,
                values={"category": category("A02"), "observed_at": timezone.now(), "description": "x"},
                facts_raw={},
            )


@pytest.mark.django_db
class TestBadInputSavesNothing:
    """Each refusal names the problem in Chinese and leaves no row and no file behind."""

    def _refused(self, record, message, **kwargs):
        before = _snapshot()
        with pytest.raises(ValidationError) as caught:
            record(**kwargs)
        assert message in " ".join(caught.value.messages)
        assert _snapshot() == before
        return caught.value

    def test_window_from_another_hall(self, record, undercover_visit, other_hall):
        values = _values(undercover_visit, window=other_hall.windows.first())
        error = self._refused(record, "所选项目不属于本大厅", values=values)
        assert "window" in error.message_dict

    def test_staff_from_another_hall(self, record, undercover_visit, other_hall):
        values = _values(undercover_visit, staff=StaffFactory(hall=other_hall))
        self._refused(record, "所选项目不属于本大厅", values=values)

    def test_observed_time_in_the_future(self, record, undercover_visit):
        values = _values(undercover_visit, observed_at=timezone.now() + datetime.timedelta(hours=1))
        self._refused(record, "发现时间不能晚于现在", values=values)

    def test_observed_before_the_visit(self, record, undercover_visit):
        values = _values(undercover_visit, observed_at=undercover_visit.started_at - datetime.timedelta(minutes=1))
        self._refused(record, "早于本次走访的开始时间", values=values)

    def test_observed_after_the_visit_ended(self, record, undercover_visit):
        undercover_visit.ended_at = undercover_visit.started_at + datetime.timedelta(minutes=30)
        undercover_visit.save()
        values = _values(undercover_visit, observed_at=undercover_visit.started_at + datetime.timedelta(minutes=45))
        self._refused(record, "晚于本次走访的结束时间", values=values)

    def test_negative_minutes(self, record):
        self._refused(record, "不能为负数", facts={"minutes_off_post": -5})

    def test_missing_required_fact(self, record):
        error = self._refused(record, "“离岗时长”为本类问题的必填项", facts={"people_waiting": 3})
        assert "fact_minutes_off_post" in error.message_dict

    def test_unanswered_calls_cannot_exceed_calls_made(self, record, undercover_visit):
        values = _values(undercover_visit, category=category("F02"))
        self._refused(record, "未接通次数不能多于拨打次数", values=values,
                      facts={"calls_made": 3, "calls_unanswered": 5})

    def test_a_class_instead_of_a_sub_item(self, record, undercover_visit):
        from inspections.models import ProblemCategory

        values = _values(undercover_visit, category=ProblemCategory.objects.get(code="C"))
        self._refused(record, "请选择一个具体的问题子项", values=values)

    def test_disguised_file_type(self, record):
        fake = upload("photo.jpg", b"MZ\x90\x00 this is a windows program", "image/jpeg")
        self._refused(record, "不是允许的文件类型", files=[fake])

    def test_script_named_as_a_picture(self, record):
        self._refused(record, "不是允许的文件类型", files=[upload("a.png", b"<script>alert(1)</script>", "image/png")])

    def test_truncated_image(self, record):
        self._refused(record, "不是完整的图片", files=[upload("a.png", png_bytes()[:30], "image/png")])

    @pytest.mark.parametrize("side", [9000, 13000])  # 81 MP (Pillow only warns) and 169 MP (Pillow refuses)
    def test_a_picture_over_80_megapixels(self, record, side):
        import io

        from PIL import Image

        out = io.BytesIO()
        Image.new("1", (side, side)).save(out, "PNG")  # a few kilobytes of one colour
        self._refused(record, "超过 80 百万像素", files=[upload("huge.png", out.getvalue(), "image/png")])

    def test_a_picture_of_80_megapixels_is_accepted(self):
        import io

        from PIL import Image

        from inspections.services.evidence import check_uploads

        out = io.BytesIO()
        Image.new("1", (10000, 8000)).save(out, "PNG")
        assert len(check_uploads([upload("ok.png", out.getvalue(), "image/png")])) == 1

    def test_zero_byte_file(self, record):
        self._refused(record, "是空文件", files=[upload("empty.jpg", b"")])

    def test_oversized_file(self, record, settings):
        settings.EVIDENCE_MAX_FILE_MB = 0
        self._refused(record, "超过单个文件", files=[upload("big.jpg", jpeg_bytes())])

    def test_too_much_for_one_finding(self, record, settings):
        settings.EVIDENCE_MAX_FINDING_MB = 0
        self._refused(record, "超过每个问题", files=[upload("a.jpg", jpeg_bytes())])

    def test_too_many_files(self, record, settings):
        settings.EVIDENCE_MAX_FILES = 1
        files = [upload("a.jpg", jpeg_bytes()), upload("b.jpg", jpeg_bytes())]
        self._refused(record, "最多 1 个", files=files)

    def test_one_bad_file_refuses_the_good_ones_too(self, record):
        files = [upload("good.jpg", jpeg_bytes()), upload("bad.jpg", b"")]
        self._refused(record, "是空文件", files=files)

    def test_a_database_failure_after_writing_files_removes_them(self, record, monkeypatch):
        record(files=[upload("earlier.jpg", jpeg_bytes())])  # the folders exist already
        before = _snapshot()
        assert len(before[2]) == 3  # the photo, its thumbnail and its clean copy
        original = Evidence.objects.create

        def failing_create(**kwargs):
            original(**kwargs)
            raise RuntimeError("disk full")

        monkeypatch.setattr(Evidence.objects, "create", failing_create)
        with pytest.raises(RuntimeError):
            record(files=[upload("a.jpg", jpeg_bytes())])
        assert _snapshot() == before


@pytest.mark.django_db
class TestTransitions:
    """Every (from, to) pair: the legal ones succeed for the right actor, the rest are refused."""

    ACTIONS = {
        S.SUBMITTED: lambda f, actors: services.finding_submit(actor=actors["inspector"], finding=f),
        S.CONFIRMED: lambda f, actors: services.finding_confirm(actor=actors["office"], finding=f),
        S.REJECTED: lambda f, actors: services.finding_reject(actor=actors["office"], finding=f, reason="证据不足"),
        S.PUBLISHED: lambda f, actors: services.finding_publish(actor=actors["office"], finding=f),
    }

    @pytest.mark.parametrize("source", list(S))
    @pytest.mark.parametrize("target", [S.SUBMITTED, S.CONFIRMED, S.REJECTED, S.PUBLISHED])
    def test_transition(self, source, target, undercover_visit, inspector, office):
        finding = FindingFactory(visit=undercover_visit, status=source,
                                 rejection_reason="理由" if source == S.REJECTED else "")
        actors = {"inspector": inspector, "office": office}
        legal = target in FINDING_TRANSITIONS[source]
        if legal:
            with transaction.atomic():
                result = self.ACTIONS[target](finding, actors)
            assert result.status == target
        else:
            with pytest.raises(ValidationError, match="不能改为"), transaction.atomic():
                self.ACTIONS[target](finding, actors)
            finding.refresh_from_db()
            assert finding.status == source

    def test_rejecting_needs_a_reason(self, undercover_visit, office):
        finding = FindingFactory(visit=undercover_visit, status=S.SUBMITTED)
        with pytest.raises(ValidationError, match="请写明不予认定的理由"):
            services.finding_reject(actor=office, finding=finding, reason="  ")
        finding.refresh_from_db()
        assert finding.status == S.SUBMITTED

    def test_a_rejected_finding_keeps_its_reason(self, undercover_visit, office):
        finding = FindingFactory(visit=undercover_visit, status=S.SUBMITTED)
        services.finding_reject(actor=office, finding=finding, reason="所拍照片无法辨认窗口")
        finding.refresh_from_db()
        assert finding.rejection_reason == "所拍照片无法辨认窗口" and finding.reviewed_by == office

    def test_the_inspector_cannot_confirm_their_own_finding(self, undercover_visit, inspector):
        finding = FindingFactory(visit=undercover_visit, status=S.SUBMITTED)
        with pytest.raises(PermissionDenied):
            services.finding_confirm(actor=inspector, finding=finding)

    def test_an_office_of_another_city_cannot_confirm(self, undercover_visit, regions):
        from tests.factories import UserFactory

        office_b = UserFactory(role="office", region=regions["city_b"])
        finding = FindingFactory(visit=undercover_visit, status=S.SUBMITTED)
        with pytest.raises(PermissionDenied):
            services.finding_confirm(actor=office_b, finding=finding)


@pytest.mark.django_db
def test_edits_are_recorded_in_the_history(undercover_visit, inspector, office):
    finding = services.finding_record(
        actor=inspector, visit=undercover_visit, values=_values(undercover_visit),
        facts_raw={"minutes_off_post": 27}, submit=True,
    )
    services.finding_update(
        actor=office, finding=finding, values=_values(undercover_visit, severity="serious"),
        facts_raw={"minutes_off_post": 30},
    )
    services.finding_confirm(actor=office, finding=finding)
    from inspections.selectors import finding_history

    history = finding_history(finding)
    assert len(history) == 3
    changed = {c["field"] for c in history[1]["changes"]}
    assert {"严重程度", "量化事实"} <= {str(f) for f in changed}
