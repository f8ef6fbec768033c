"""The security event log: each kind of event lands in it with who, from where, on what and how
it went; nothing in the application changes or removes a row (on PostgreSQL the database
itself refuses); only the audit administrator reads it, filters it and exports it."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from access.audit_log import at_text
from audit.models import AppendOnly, Event, Result, SecurityEvent
from circulars import services as circular_services
from registry.models import Role
from tests.factories import FindingFactory, UserFactory, category
from tests.test_self_elevation import _post_change
from tests.walk.world import PASSWORD

ADDRESS = "10.20.30.40"


@pytest.fixture
def audit_admin(db):
    return UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN)


@pytest.fixture
def secadmin(db):
    return UserFactory(username="secadmin", role=Role.SECADMIN)


def _events(kind, **filters):
    return list(SecurityEvent.objects.filter(event=kind, **filters).order_by("pk"))


def _one(kind, **filters):
    [event] = _events(kind, **filters)
    return event


def _content(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.mark.django_db
class TestEachEventLands:
    def test_a_login_and_a_failed_one_with_the_address_and_the_name_as_typed(self, client, inspector):
        inspector.set_password(PASSWORD)
        inspector.save()
        client.post(reverse("login"), {"username": "inspector", "password": "wrong"}, REMOTE_ADDR=ADDRESS)
        client.post(reverse("login"), {"username": "nobody-such", "password": "wrong"}, REMOTE_ADDR=ADDRESS)
        client.post(reverse("login"), {"username": "inspector", "password": PASSWORD}, REMOTE_ADDR=ADDRESS)
        failed = _events(Event.LOGIN_FAILED)
        assert [(e.username, e.user, e.address, e.result) for e in failed] == [
            ("inspector", None, ADDRESS, Result.FAILURE), ("nobody-such", None, ADDRESS, Result.FAILURE),
        ]
        login = _one(Event.LOGIN)
        assert (login.user, login.address, login.result) == (inspector, ADDRESS, Result.SUCCESS)
        client.post(reverse("logout"), REMOTE_ADDR=ADDRESS)
        assert _one(Event.LOGOUT).user == inspector

    def test_a_refusal_names_the_path(self, client, inspector):
        client.force_login(inspector)
        response = client.get(reverse("statistics_export"), REMOTE_ADDR=ADDRESS)
        assert response.status_code == 403
        refused = _one(Event.REFUSED)
        assert (refused.user, refused.result, refused.address) == (inspector, Result.REFUSED, ADDRESS)
        assert refused.detail == {"path": reverse("statistics_export"), "method": "GET"}

    def test_an_export_says_which_list_which_filter_and_how_many_rows(self, client, office, findings):
        client.force_login(office)
        response = client.get(reverse("findings_export") + "?status=submitted")
        assert response.status_code == 200
        rows = load_workbook(io.BytesIO(_content(response))).active.max_row - 3
        exported = _one(Event.EXPORTED)
        assert exported.user == office and exported.object_type == "findings"
        assert exported.detail["filter"] == {"status": ["submitted"]} and exported.detail["rows"] == rows > 0

    def test_a_circular_exported_as_workbook_and_as_document_names_the_circular(self, client, office, regions,
                                                                                 undercover_visit):
        circular = _published(office, regions, undercover_visit)
        client.force_login(office)
        assert client.get(reverse("circular_export", args=[circular.pk])).status_code == 200
        assert client.get(reverse("circular_document", args=[circular.pk])).status_code == 200
        events = _events(Event.EXPORTED)
        assert [(e.object_type, e.object_id) for e in events] == [("circulars.circular", str(circular.pk))] * 2
        assert events[1].detail["file"].endswith(".docx")

    def test_publishing_is_logged_with_the_number(self, office, regions, undercover_visit):
        circular = _published(office, regions, undercover_visit)
        published = _one(Event.PUBLISHED)
        assert published.user == office and published.object_id == str(circular.pk)
        assert published.detail == {"doc_number": circular.doc_number, "findings": 1}

    def test_the_original_of_a_photo_and_the_hall_side_copy_are_told_apart(self, client, inspector, hall_manager,
                                                                            undercover_visit):
        from inspections import services
        from tests.factories import jpeg_bytes, upload

        finding = services.finding_record(
            actor=inspector, visit=undercover_visit,
            values={"category": category("A01"), "observed_at": undercover_visit.started_at, "description": "x"},
            facts_raw={}, files=[upload("现场.jpg", jpeg_bytes())],
        )
        photo = finding.evidence.get()
        client.force_login(inspector)
        assert client.get(reverse("evidence_download", args=[photo.pk])).status_code == 200
        original = _one(Event.EVIDENCE_ORIGINAL)
        assert original.user == inspector and original.object_id == str(photo.pk)
        assert original.detail == {"file": "现场.jpg", "original": True}
        finding.status = "published"
        finding.save()
        client.force_login(hall_manager)
        assert client.get(reverse("evidence_download", args=[photo.pk])).status_code == 200
        copy = _one(Event.DOWNLOADED)
        assert copy.user == hall_manager and copy.detail["original"] is False

    def test_an_import_is_logged_with_its_rows(self, client, hall_manager, ledger):
        from tests.test_imports import _exported_ledger, _set, _upload

        wb = _exported_ledger(client, hall_manager)
        _set(wb.active, ledger["working"], "责任人", "李四")
        client.post(reverse("ledger_import"), {"file": _upload(wb, "台账.xlsx")})
        from core.models import ImportBatch

        batch = ImportBatch.objects.get()
        client.post(reverse("ledger_import_preview", args=[batch.pk]))
        imported = _one(Event.IMPORTED)
        assert imported.user == hall_manager and imported.object_type == "ledger"
        assert imported.detail == {"rows": 1, "file": "台账.xlsx"}

    def test_role_scope_and_active_changes_name_the_account(self, client, secadmin, sysadmin, regions):
        target = UserFactory(username="newcomer", role=Role.NONE)
        _post_change(client, secadmin, target, role=Role.INSPECTOR, region=regions["city_a"].pk)
        changed = _one(Event.ROLE_CHANGED)
        assert changed.user == secadmin and changed.object_id == str(target.pk)
        assert changed.detail["role"] == Role.INSPECTOR and changed.detail["region"] == regions["city_a"].pk
        _post_change(client, sysadmin, target, is_active=None)  # the box unticked
        assert _one(Event.ACCOUNT_ACTIVE).detail == {"active": False}

    def test_calendar_changes_are_logged(self, client, sysadmin):
        client.force_login(sysadmin)
        response = client.post(reverse("admin:rectification_calendarday_add"), {"date": "2027-01-04", "name": "元旦"})
        assert response.status_code == 302
        change = _one(Event.CALENDAR_CHANGED)
        assert change.user == sysadmin and change.detail["change"] == "added"
        assert change.object_type == "rectification.calendarday"


def _published(office, regions, visit):
    from circulars.models import Circular

    finding = FindingFactory(visit=visit, status="confirmed", category=category("C02"))
    circular = Circular.objects.create(
        issuer="佳木斯市深化机关作风整顿领导小组办公室", issuer_code="佳作整办", year=2026,
        region=regions["city_a"], title="关于作风问题的通报", date=datetime.date(2026, 11, 2), created_by=office,
    )
    circular.findings.set([finding])
    return circular_services.circular_publish(actor=office, circular=circular, today=datetime.date(2026, 11, 2))


def _event(**fields):
    values = {"at": timezone.now(), "event": Event.LOGIN, "username": "x", **fields}
    return SecurityEvent.objects.create(**values)


@pytest.mark.django_db
class TestAppendOnly:
    def test_the_application_cannot_change_or_delete_a_row(self):
        event = _event()
        event.username = "someone else"
        with pytest.raises(AppendOnly):
            event.save()
        with pytest.raises(AppendOnly):
            event.delete()
        with pytest.raises(AppendOnly):
            SecurityEvent.objects.filter(pk=event.pk).update(username="y")
        with pytest.raises(AppendOnly):
            SecurityEvent.objects.all().delete()
        assert SecurityEvent.objects.get(pk=event.pk).username == "x"

    def test_the_database_refuses_update_and_delete_in_sql(self):
        event = _event()
        for sql in ("UPDATE audit_securityevent SET username = 'y' WHERE id = %s",
                    "DELETE FROM audit_securityevent WHERE id = %s"):
            with pytest.raises(DatabaseError, match="audit_securityevent"), transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute(sql, [event.pk])
        assert SecurityEvent.objects.filter(pk=event.pk, username="x").exists()

    def test_purge_removes_only_rows_older_than_the_kept_days(self, settings):
        now = timezone.now()
        old = _event(at=now - datetime.timedelta(days=181))
        kept = _event(at=now - datetime.timedelta(days=179))
        call_command("purge_audit", stdout=io.StringIO())
        assert not SecurityEvent.objects.filter(pk=old.pk).exists()
        assert SecurityEvent.objects.filter(pk=kept.pk).exists()
        assert _one(Event.AUDIT_PURGED).detail["removed"] == 1

    def test_purge_never_keeps_less_than_180_days(self, settings):
        from django.core.management.base import CommandError

        settings.AUDIT_KEEP_DAYS = 30
        old = _event(at=timezone.now() - datetime.timedelta(days=60))
        with pytest.raises(CommandError, match="180"):
            call_command("purge_audit", stdout=io.StringIO())
        assert SecurityEvent.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
class TestTheAuditAdministratorsPage:
    @pytest.fixture
    def logged(self, inspector, office):
        day = timezone.make_aware(datetime.datetime(2026, 11, 10, 9, 30))
        return [
            _event(at=day, user=inspector, username="inspector", event=Event.LOGIN, address=ADDRESS),
            _event(at=day + datetime.timedelta(days=1), user=office, username="office", event=Event.EXPORTED,
                   object_type="findings", detail={"rows": 12}),
            _event(at=day + datetime.timedelta(days=2), username="ghost", event=Event.LOGIN_FAILED,
                   result=Result.FAILURE),
        ]

    def test_filters_by_user_event_and_period(self, client, audit_admin, logged):
        client.force_login(audit_admin)
        page = client.get(reverse("audit_log"), {"user": "office"}).content.decode()
        assert "office" in page and "ghost" not in page and ADDRESS not in page
        page = client.get(reverse("audit_log"), {"event": [Event.LOGIN_FAILED]}).content.decode()
        assert "ghost" in page and ADDRESS not in page
        page = client.get(reverse("audit_log"), {"date_from": "2026-11-10", "date_to": "2026-11-10"}).content.decode()
        assert ADDRESS in page and "ghost" not in page
        assert at_text(logged[0].at) == "2026-11-10T09:30:00+08:00" and at_text(logged[0].at) in page

    def test_exports_what_the_filter_finds_and_logs_the_export(self, client, audit_admin, logged):
        client.force_login(audit_admin)
        response = client.get(reverse("audit_export"), {"user": "o"})  # all three names hold an "o"
        ws = load_workbook(io.BytesIO(_content(response))).active
        header = [c.value for c in ws[3]]
        assert header[:5] == ["时间", "账号", "姓名", "地址", "事件"]
        rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
        assert [row[1] for row in rows] == ["ghost", "office", "inspector"]
        assert rows[2][0] == "2026-11-10T09:30:00+08:00" and rows[1][4] == "导出" and '"rows": 12' in rows[1][9]
        exported = _one(Event.EXPORTED, user=audit_admin)
        assert exported.object_type == "audit" and exported.detail["rows"] == 3

    @pytest.mark.parametrize("role", [Role.SYSADMIN, Role.SECADMIN, Role.OFFICE, Role.AUDITOR])
    def test_no_other_role_reads_it(self, client, role, regions, logged):
        user = UserFactory(role=role, region=regions["city_a"] if role in (Role.OFFICE, Role.AUDITOR) else None)
        client.force_login(user)
        assert client.get(reverse("audit_log")).status_code == 403
        assert client.get(reverse("audit_export")).status_code == 403

    def test_the_audit_administrator_reads_no_business_record(self, audit_admin, findings):
        from inspections.scope import findings_visible_to
        from registry.scope import halls_visible_to

        assert not findings_visible_to(audit_admin).exists()
        assert not halls_visible_to(audit_admin).exists()
        for action in ("finding.list", "hall.list", "item.list", "circular.list", "reference.view", "user.view"):
            assert not audit_admin.has_perm(action)


@pytest.mark.django_db
def test_a_username_with_a_line_break_cannot_forge_a_line_of_the_forwarded_log(caplog):
    """The `audit` logger goes to the office's log server one line per event."""
    import logging

    from audit.log import record

    with caplog.at_level(logging.INFO, logger="audit"):
        record(Event.LOGIN_FAILED, username="x\nlogin admin 10.0.0.1  success", result=Result.FAILURE)
    (line,) = [r.getMessage() for r in caplog.records if r.name == "audit"]
    assert "\n" not in line and "x\\nlogin admin" in line
    assert SecurityEvent.objects.get().username == "x\nlogin admin 10.0.0.1  success"  # kept as typed
