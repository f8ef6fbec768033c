"""manage.py backup and restore (core/backup.py): a backup restored into an empty database and
storage brings back every record and every file; a damaged archive, a database that is not empty,
a storage that holds the files and another schema are refused with nothing written.

The tests empty the database (Django's flush), so they run transactionally; the security log's
triggers are taken off for each flush and put back, as ``audit_triggers_off_for_flush`` does.
"""

import hashlib
import io
import json
import tarfile

import pytest
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit import triggers
from audit.log import record
from audit.models import Event, SecurityEvent
from circulars import services as circular_services
from circulars.models import Circular
from core.backup import DUMP, MANIFEST, SKIPPED, WRITTEN_BY_MIGRATE, backed_up_models
from core.models import ExportJob
from inspections.models import Evidence, Finding
from rectification import services as ledger_services
from rectification.models import DeadlineRule, ProgressEntry
from registry.models import Region
from tests.factories import FindingFactory, category, jpeg_bytes, stored_evidence, upload

# Naming transactional_db too lets conftest's audit_triggers_off_for_flush see these tests as
# transactional, so that it takes the security log's triggers off before the final flush.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("transactional_db")]


def _load_what_migrate_loads():
    """The taxonomy and the default deadline rules, loaded by their data migrations with the
    migrations' own models (so, as in a new database, without history rows)."""
    import importlib

    migrated = MigrationExecutor(connection).loader.project_state().apps
    if not migrated.get_model("inspections", "ProblemCategory").objects.exists():
        importlib.import_module("inspections.migrations.0002_taxonomy").load(migrated, None)
    if not migrated.get_model("rectification", "DeadlineRule").objects.exists():
        importlib.import_module("rectification.migrations.0002_default_deadline_rules").load(migrated, None)


def _empty_database():
    """The database as `migrate` leaves a new one: no rows but content types, permissions
    (flush's post_migrate puts them back), the taxonomy and the deadline rules; triggers on."""
    triggers.remove(connection)
    call_command("flush", interactive=False, verbosity=0)
    _load_what_migrate_loads()
    triggers.install(connection)


def _file_fields():
    for model in backed_up_models():
        for field in model._meta.local_concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


@pytest.fixture
def empty_storages(fresh_evidence_storage):
    """Every FileField on empty in-memory storages (those sharing a storage keep sharing one);
    ``empty_storages()`` again swaps in new empty ones, as on a new machine."""
    originals = {field: field.storage for _model, field in _file_fields()}

    def swap():
        fresh = {}
        for _model, field in _file_fields():
            field.storage = fresh.setdefault(id(field.storage), InMemoryStorage())
        return list(fresh.values())

    swap()
    yield swap
    for field, storage in originals.items():
        field.storage = storage


def _rows():
    """Every row of every backed-up model, as Django's serialiser sees it (m2m lists included)."""
    return {model._meta.label_lower: serializers.serialize("python", model._base_manager.order_by("pk"))
            for model in backed_up_models()}


def _files():
    found = {}
    for model, field in _file_fields():
        for name in model._base_manager.exclude(**{field.attname: ""}).values_list(field.attname, flat=True):
            with field.storage.open(name, "rb") as stored:
                found[(model._meta.label_lower, field.name, name)] = stored.read()
    return found


def _business_rows():
    return {label: len(rows) for label, rows in _rows().items() if rows and label not in WRITTEN_BY_MIGRATE}


@pytest.fixture
def world(empty_storages, office, inspector, hall_manager, own_hall, regions, undercover_visit, open_visit):
    """A visit's findings with photos, published in a circular that opened their ledger items, a
    progress entry with a proof photo, a finished export's file and security events."""
    _load_what_migrate_loads()
    today = timezone.localdate()
    late = FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"),
                          description="窗口工作人员离岗27分钟，群众排队等候。")
    rude = FindingFactory(visit=open_visit, status="confirmed", category=category("A02"), facts={})
    FindingFactory(visit=undercover_visit, status="draft")
    for finding, color in ((late, (200, 30, 30)), (rude, (30, 200, 30))):
        stored_evidence(inspector, own_hall, name="现场.jpg", content=jpeg_bytes(color=color), finding=finding)
    circular = Circular.objects.create(
        issuer="佳木斯市深化机关作风整顿领导小组办公室", issuer_code="佳作整办", year=today.year,
        region=regions["city_a"], title="关于窗口作风问题的通报", date=today, created_by=office,
    )
    circular.findings.set([late, rude])
    circular = circular_services.circular_publish(actor=office, circular=circular)
    item = late.rectification_items.get()
    entry = ledger_services.progress_add(actor=hall_manager, item=item, date=today, text="已调整排班，落实AB岗。",
                                         files=[upload("整改后.jpg", jpeg_bytes(color=(10, 10, 250)))])
    export = ExportJob.objects.create(requester=office, kind="ledger", status=ExportJob.Status.DONE,
                                      filename="整改台账.xlsx", finished_at=timezone.now())
    export.file.save("ledger/台账.xlsx", ContentFile(b"PK\x03\x04 a workbook"), save=True)
    record(Event.LOGIN, user=office)
    record(Event.LOGIN_FAILED, username="nobody", result="failure")
    return {"circular": circular, "late": late, "entry": entry, "export": export}


def _backup(tmp_path, name="backup.tar"):
    path = tmp_path / name
    out = io.StringIO()
    call_command("backup", "-o", str(path), stdout=out)
    assert "已写入备份" in out.getvalue()
    return path


def _restore(path):
    out = io.StringIO()
    call_command("restore", str(path), stdout=out)
    return out.getvalue()


class TestRoundTrip:
    def test_a_restored_backup_has_every_record_and_every_file(self, world, tmp_path, empty_storages):
        rows, files = _rows(), _files()
        events = rows["audit.securityevent"]
        assert len(files) >= 8  # 3 photos × (original, clean copy, thumbnail) + the export
        assert rows["inspections.finding"] and rows["rectification.progressentry_proof"] and events
        highest_region = max(row["pk"] for row in rows["registry.region"])
        path = _backup(tmp_path)

        _empty_database()
        storages = empty_storages()
        assert not _business_rows() and all(storage.listdir("") == ([], []) for storage in storages)
        assert "SHA-256 全部相符" in _restore(path)

        restored = _rows()
        for label, before in rows.items():
            if label == "audit.securityevent":
                continue
            assert restored[label] == before, label
        # The security log: every row as it was, then the restore's own entry, under a fresh id.
        assert restored["audit.securityevent"][:len(events)] == events
        (restore_entry,) = restored["audit.securityevent"][len(events):]
        assert restore_entry["fields"]["detail"]["action"] == "restore"
        assert restore_entry["pk"] > max(row["pk"] for row in events)

        assert _files() == files
        for evidence in Evidence.objects.all():
            with evidence.file.open("rb") as original:
                assert hashlib.sha256(original.read()).hexdigest() == evidence.sha256

        late = Finding.objects.get(pk=world["late"].pk)
        assert late.description == "窗口工作人员离岗27分钟，群众排队等候。" and late.status == "published"
        circular = Circular.objects.get(pk=world["circular"].pk)
        assert circular.doc_number == world["circular"].doc_number and circular.issued == world["circular"].issued
        entry = ProgressEntry.objects.get(pk=world["entry"].pk)
        assert entry.proof.count() == 1 and entry.item.findings.get() == late
        assert ExportJob.objects.get(pk=world["export"].pk).file.read() == b"PK\x03\x04 a workbook"
        assert SecurityEvent.objects.filter(event=Event.LOGIN_FAILED, username="nobody").exists()
        assert DeadlineRule.objects.count() == len(rows["rectification.deadlinerule"])
        # New rows get fresh ids (PostgreSQL's sequences were reset after the load).
        assert Region.objects.create(code="990000", name="新区划", level=Region.Level.PROVINCE).pk > highest_region

    def test_the_security_log_refuses_update_again_after_a_restore(self, world, tmp_path, empty_storages):
        path = _backup(tmp_path)
        _empty_database()
        triggers.remove(connection)  # the restore must put them on itself
        empty_storages()
        _restore(path)
        event = SecurityEvent.objects.filter(event=Event.LOGIN).get()
        with pytest.raises(DatabaseError, match="audit_securityevent"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE audit_securityevent SET username = 'y' WHERE id = %s", [event.pk])
        assert SecurityEvent.objects.get(pk=event.pk).username == "office"

    def test_the_archive_holds_a_manifest_of_every_member(self, world, tmp_path):
        path = _backup(tmp_path)
        assert path.stat().st_mode & 0o777 == 0o600
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.with_name("backup.tar.sha256").read_text() == f"{digest}  backup.tar\n"
        with tarfile.open(path) as tar:
            manifest = json.loads(tar.extractfile(MANIFEST).read())
            names = set(tar.getnames())
            for entry in manifest["members"]:
                content = tar.extractfile(entry["name"]).read()
                assert (len(content), hashlib.sha256(content).hexdigest()) == (entry["size"], entry["sha256"])
        assert names == {entry["name"] for entry in manifest["members"]} | {MANIFEST}
        assert DUMP in names and manifest["counts"]["inspections.evidence"] == 3
        assert "audit.0001_security_event" in manifest["migrations"]
        assert set(manifest["skipped_models"]) == SKIPPED and "sessions.session" not in manifest["counts"]
        originals = {e.file.name for e in Evidence.objects.all()}
        assert originals <= {e.get("storage_name") for e in manifest["members"]}

    def test_check_verifies_an_archive_without_writing(self, world, tmp_path):
        path = _backup(tmp_path)
        before = _rows()
        out = io.StringIO()
        call_command("restore", "--check", str(path), stdout=out)
        assert "SHA-256 全部相符" in out.getvalue() and _rows() == before


def _flip_a_bit(path, member, at):
    """Change one bit of ``member``'s bytes inside the archive, ``at`` bytes in: a tampered copy."""
    with tarfile.open(path) as tar:
        offset = tar.getmember(member).offset_data + at
    with open(path, "r+b") as archive:
        archive.seek(offset)
        byte = archive.read(1)
        archive.seek(offset)
        archive.write(bytes([byte[0] ^ 0x01]))


class TestRefusals:
    def test_a_tampered_file_is_refused_and_the_database_stays_empty(self, world, tmp_path, empty_storages):
        path = _backup(tmp_path)
        original = Evidence.objects.first().file.name
        member = f"files/inspections.evidence/file/{original}"
        _flip_a_bit(path, member, 100)
        _empty_database()
        storages = empty_storages()
        with pytest.raises(CommandError, match="未通过校验") as refused:
            _restore(path)
        assert member in str(refused.value) and "backup.tar.sha256" in str(refused.value)
        assert not _business_rows()
        assert all(storage.listdir("") == ([], []) for storage in storages)

    def test_a_tampered_archive_without_its_digest_file_is_refused_by_the_manifest(self, world, tmp_path,
                                                                                   empty_storages):
        path = _backup(tmp_path)
        path.with_name("backup.tar.sha256").unlink()
        _flip_a_bit(path, DUMP, 20)
        _empty_database()
        empty_storages()
        with pytest.raises(CommandError, match=f"{DUMP}：大小或 SHA-256 与清单不符"):
            _restore(path)
        assert not _business_rows()

    def test_a_database_that_is_not_empty_is_refused_and_nothing_changes(self, world, tmp_path):
        path = _backup(tmp_path)
        rows, files = _rows(), _files()
        with pytest.raises(CommandError, match="数据库不是空的") as refused:
            _restore(path)
        assert "inspections.finding" in str(refused.value)
        assert _rows() == rows and _files() == files

    def test_a_storage_that_holds_the_files_is_refused(self, world, tmp_path):
        path = _backup(tmp_path)
        _empty_database()
        with pytest.raises(CommandError, match="存储中已有备份里的文件"):
            _restore(path)
        assert not _business_rows()

    def test_an_archive_of_other_migrations_is_refused(self, world, tmp_path, empty_storages):
        path = _backup(tmp_path)
        other = tmp_path / "other.tar"
        with tarfile.open(path) as tar, tarfile.open(other, "w") as out:
            for member in tar.getmembers():
                content = tar.extractfile(member).read()
                if member.name == MANIFEST:
                    manifest = json.loads(content)
                    manifest["migrations"].remove("circulars.0002_sections_entries_frozen")
                    content = json.dumps(manifest).encode()
                    member.size = len(content)
                out.addfile(member, io.BytesIO(content))
        _empty_database()
        empty_storages()
        with pytest.raises(CommandError, match="数据库结构与本库不同") as refused:
            _restore(other)
        assert "circulars.0002_sections_entries_frozen" in str(refused.value)
        assert not _business_rows()


def test_backup_keeps_the_newest_archives_when_asked(world, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    folder = tmp_path / "backups"
    folder.mkdir()
    for day in ("20200101", "20200102"):
        (folder / f"zuofeng-{day}-020000.tar").write_bytes(b"old")
        (folder / f"zuofeng-{day}-020000.tar.sha256").write_text("x")
    out = io.StringIO()
    call_command("backup", "--keep", "2", stdout=out)
    kept = sorted(path.name for path in folder.glob("zuofeng-*.tar"))
    assert len(kept) == 2 and kept[0] == "zuofeng-20200102-020000.tar"
    assert kept[1].startswith(f"zuofeng-{timezone.localtime():%Y%m%d}-")  # the local time of the backup
    assert not (folder / "zuofeng-20200101-020000.tar.sha256").exists()
    assert "已删除旧备份" in out.getvalue()
