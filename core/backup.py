"""Backups and restores: ``manage.py backup`` and ``manage.py restore`` (README "Backups").

The archive is one uncompressed tar file (``zuofeng-YYYYmmdd-HHMMSS.tar`` under
``VAR_DIR/backups/`` unless a path is given), written beside its final name as ``….partial`` and
renamed when complete, readable only by its owner (0600: it holds password hashes, two-factor
secrets and the evidence originals), with a ``….tar.sha256`` beside it in ``sha256sum`` format.
Its members:

- ``database.jsonl.gz``: every row of every model, in Django's serialisation (dumpdata's JSON
  Lines, gzipped; one object a line, so neither writing nor reading holds the database in
  memory). Many-to-many links are written as the rows of their through tables, not inside their
  owners. Models are identified by label and rows keep their primary keys, so the dump loads
  into SQLite or PostgreSQL alike, whichever it came from.
- ``files/<app.model>/<field>/<name>``: every file a FileField of a dumped row names (evidence
  originals, their metadata-free copies and thumbnails — which also serve as the ledger's proof
  and the revisits' evidence — and finished background exports), read through the field's
  storage (``field.storage.open``), never by filesystem path, so that the same code serves a
  storage on S3 later.
- ``manifest.json`` (last): the format, when and from which database it was written, the app and
  Django versions, the applied migrations, the row count of every model, the models left out,
  and the name, size and SHA-256 of every other member.

Left out, and ignored by restore's emptiness check: sessions (``sessions.session`` and
``registry.signedinsession``: everyone signs in again after a restore) and django-axes' login
attempt and access logs (``axes.*``: lockouts are short-lived; the security log keeps every
failure and lockout anyway).

Consistency. The rows, the migration state and the list of files are read in ONE transaction:
on PostgreSQL ``REPEATABLE READ READ ONLY`` (a snapshot; writers go on undisturbed), on SQLite
the project's ``BEGIN IMMEDIATE`` (readers go on, writers wait for the dump — seconds at the
sizes SQLite serves — or get the busy page). The files are read after that transaction, so that
SQLite's writers are not held up by copying gigabytes of video: stored files are never changed
(each is saved under a new generated name before its row commits), so the snapshot's list is
exactly what is needed, and a file deleted in between (an expired export) makes the backup stop
with a message to run it again rather than write an archive that does not restore.

Restore refuses, with nothing written, when: a member is missing, unlisted or differs in size or
SHA-256 from the manifest (or the archive from its ``.sha256`` beside it); the database has
migrations not applied or applied migrations other than the archive's; the database holds any row
of its own (only the rows ``migrate`` itself writes — content types, permissions, the taxonomy
and the default deadline rules — may be there, and are replaced by the archive's, whose ids the
rows refer to); or the storage already holds a file of the archive. Then, in one transaction, it
inserts every row — by INSERT only and past every signal (no history rows, no ``auto_now``, no
``save()``), so that the security log (``audit.securityevent``) is restored row for row without
ever being updated, its triggers staying on — checks the count of every model and the dump's
SHA-256 once more as it reads it, resets PostgreSQL's sequences so that new rows get fresh ids,
installs the security log's triggers again, writes every file through its storage, reads it back
and checks its SHA-256 against the manifest, and records the restore in the security log. Any
failure rolls the database back and deletes the files already written.

Smaller choices: times are written to the microsecond (Django's JSON encoder keeps milliseconds);
a backup records itself in the security log after its snapshot, so an archive never holds its
own entry; a new data migration that writes rows must add its model to ``WRITTEN_BY_MIGRATE``,
or restore will (safely) call a new database not empty, naming the table.
"""

from __future__ import annotations

import datetime
import gzip
import hashlib
import importlib.metadata
import io
import json
import os
import posixpath
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.files import File
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.serializers.jsonl import Serializer as JSONLSerializer
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import triggers
from audit.log import record
from audit.models import Event

FORMAT = "zuofeng-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.jsonl.gz"
FILES = "files"
ARCHIVE_PATTERN = "zuofeng-*.tar"

# Ephemeral state, not backed up (see the module docstring).
SKIPPED = frozenset({
    "sessions.session",
    "registry.signedinsession",
    "axes.accessattempt",
    "axes.accessattemptexpiration",
    "axes.accesslog",
    "axes.accessfailurelog",
})
# The rows `migrate` writes into a new database (post_migrate and the data migrations): a database
# holding only these counts as empty, and restore replaces them with the archive's.
WRITTEN_BY_MIGRATE = (
    "contenttypes.contenttype",
    "auth.permission",
    "inspections.problemcategory",
    "rectification.deadlinerule",
)
CHUNK = 1024 * 1024
ROWS_PER_QUERY = 2000
SHOWN = 10  # problems named in a refusal; the rest are counted


class BackupError(Exception):
    """A backup or restore refused or failed; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    sha256: str
    size: int
    records: int
    files: int
    removed: tuple[Path, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    records: int
    files: int
    created_at: str


# --- What is backed up ------------------------------------------------------------------------

def backed_up_models() -> list[type[models.Model]]:
    """Every table the app's models own (through tables included), in a fixed order."""
    found = [
        model for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and model._meta.label_lower not in SKIPPED
    ]
    return sorted(found, key=lambda model: model._meta.label_lower)


def _file_fields(model) -> list[models.FileField]:
    return [field for field in model._meta.local_concrete_fields if isinstance(field, models.FileField)]


def _storage(label: str, field_name: str):
    return apps.get_model(label)._meta.get_field(field_name).storage


class _RowsOnly(JSONLSerializer):
    """dumpdata's JSON Lines, without many-to-many lists: those are their through tables' rows."""

    def handle_m2m_field(self, obj, field):
        pass


class _ExactJSONEncoder(DjangoJSONEncoder):
    """Times to the microsecond: Django's encoder cuts them to milliseconds, which would change
    every restored timestamp (and the order of security events logged in the same millisecond)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


def _applied_migrations(connection) -> list[str]:
    return sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations())


def _app_version() -> str:
    try:
        return importlib.metadata.version("zuofeng")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class _HashingReader:
    """Reads through to ``raw``, keeping the SHA-256 and the size of what was read."""

    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def read(self, size=-1):
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data

    def drain(self):
        while self.read(CHUNK):
            pass
        return self


class _HashingWriter:
    def __init__(self, raw):
        self.raw, self.sha256, self.size = raw, hashlib.sha256(), 0

    def write(self, data):
        self.sha256.update(data)
        self.size += len(data)
        return self.raw.write(data)

    def flush(self):
        self.raw.flush()


def _file_digest(fileobj) -> tuple[str, int]:
    reader = _HashingReader(fileobj).drain()
    return reader.sha256.hexdigest(), reader.size


# --- Backup -----------------------------------------------------------------------------------

def default_path(now=None) -> Path:
    return Path(settings.VAR_DIR) / "backups" / f"zuofeng-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"


def backup_create(*, path: Path | str | None = None, keep: int | None = None,
                  using: str = DEFAULT_DB_ALIAS) -> BackupResult:
    """Write the archive (see the module docstring); with ``keep``, then remove all but the
    newest ``keep`` archives named like ours in its directory."""
    connection = connections[using]
    if keep is not None and keep < 1:
        raise BackupError(_("保留份数至少为 1。"))
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        # SET TRANSACTION must open the transaction; inside another one it would fail or lie.
        raise BackupError(_("备份须在事务之外运行。"))
    path = Path(path) if path else default_path()
    if path.exists():
        raise BackupError(_("%(path)s 已存在，备份不会覆盖它。") % {"path": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".backup-") as scratch:
        dump = Path(scratch) / DUMP
        snapshot = _dump(connection, using, dump)
        try:
            archive = _write_archive(partial, dump, snapshot)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, path)
    digest_file = path.with_name(path.name + ".sha256")
    digest_file.write_text(f"{archive.sha256.hexdigest()}  {path.name}\n", encoding="utf-8")
    records = sum(snapshot["counts"].values())
    files = len(snapshot["files"])
    record(Event.BACKUP, object_type="backup", action="backup", archive=str(path),
           sha256=archive.sha256.hexdigest(), records=records, files=files, command=True)
    removed = _prune(path.parent, keep) if keep else ()
    return BackupResult(path=path, sha256=archive.sha256.hexdigest(), size=archive.size,
                        records=records, files=files, removed=removed)


def _dump(connection, using: str, dump: Path) -> dict:
    """Every row into ``dump`` and the list of files, from one snapshot of the database."""
    counts: dict[str, int] = {}
    files: dict[tuple[str, str, str], None] = {}  # ordered and without repeats
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        migrations = _applied_migrations(connection)
        with gzip.open(dump, "wt", encoding="utf-8") as out:
            for model in backed_up_models():
                label = model._meta.label_lower
                rows = model._base_manager.using(using).order_by("pk")
                counted = _Counted(rows.iterator(chunk_size=ROWS_PER_QUERY))
                _RowsOnly().serialize(counted, stream=out, cls=_ExactJSONEncoder)
                counts[label] = counted.count
                for field in _file_fields(model):
                    names = (rows.exclude(**{field.attname: ""}).exclude(**{f"{field.attname}__isnull": True})
                             .order_by(field.attname).values_list(field.attname, flat=True).distinct())
                    for name in names.iterator(chunk_size=ROWS_PER_QUERY):
                        files[(label, field.name, name)] = None
    return {"migrations": migrations, "counts": counts, "files": list(files),
            "vendor": connection.vendor, "created_at": timezone.localtime().isoformat()}


class _Counted:
    def __init__(self, rows):
        self.rows, self.count = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.count += 1
            yield row


def _write_archive(partial: Path, dump: Path, snapshot: dict) -> _HashingWriter:
    members = []
    now = timezone.now().timestamp()
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        hashed = _HashingWriter(raw)
        with tarfile.open(fileobj=hashed, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            with open(dump, "rb") as source:
                members.append(_add(tar, DUMP, source, dump.stat().st_size, now))
            missing = []
            for label, field_name, name in snapshot["files"]:
                storage = _storage(label, field_name)
                member = posixpath.join(FILES, label, field_name, name)
                try:
                    size = storage.size(name)
                    with storage.open(name, "rb") as source:
                        entry = _add(tar, member, source, size, now)
                except FileNotFoundError:
                    missing.append(f"{label}.{field_name}: {name}")
                    continue
                members.append(entry | {"model": label, "field": field_name, "storage_name": name})
            if missing:
                raise BackupError(
                    _("数据库中登记的 %(count)s 个文件在存储中找不到（可能刚被删除），请重新运行备份：%(names)s")
                    % {"count": len(missing), "names": "；".join(missing[:SHOWN])}
                )
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "created_at": snapshot["created_at"],
                "database_vendor": snapshot["vendor"],
                "app_version": _app_version(),
                "django_version": django.get_version(),
                "migrations": snapshot["migrations"],
                "counts": snapshot["counts"],
                "skipped_models": sorted(SKIPPED),
                "members": members,
            }
            content = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            _add(tar, MANIFEST, io.BytesIO(content), len(content), now)
        raw.flush()
        os.fsync(raw.fileno())
    return hashed


def _add(tar, name: str, source, size: int, mtime: float) -> dict:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o600
    reader = _HashingReader(source)
    tar.addfile(info, reader)
    return {"name": name, "size": reader.size, "sha256": reader.sha256.hexdigest()}


def _prune(directory: Path, keep: int) -> tuple[Path, ...]:
    """All but the newest ``keep`` archives of ours (their names sort by time)."""
    archives = sorted(directory.glob(ARCHIVE_PATTERN))
    old = archives[:-keep]
    for archive in old:
        archive.unlink()
        archive.with_name(archive.name + ".sha256").unlink(missing_ok=True)
    return tuple(old)


# --- Checking an archive ------------------------------------------------------------------------

def backup_verify(*, path: Path | str) -> dict:
    """The archive's manifest, once every member is found to be as the manifest says."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(_("找不到备份文件 %(path)s。") % {"path": path})
    try:
        with tarfile.open(path, "r:") as tar:
            manifest = _manifest(tar)
            problems = _member_problems(tar, manifest)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise BackupError(_("%(path)s 不是可读的备份文件：%(error)s") % {"path": path, "error": error}) from error
    problems += _digest_file_problems(path)
    if problems:
        raise BackupError(_refusal(_("备份文件未通过校验，未恢复任何内容"), problems))
    return manifest


def _manifest(tar) -> dict:
    try:
        member = tar.getmember(MANIFEST)
        if not member.isfile():
            raise KeyError(MANIFEST)
        manifest = json.loads(tar.extractfile(member).read().decode())
    except (KeyError, ValueError) as error:
        raise BackupError(_("备份文件中没有可读的清单 %(name)s。") % {"name": MANIFEST}) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(_("这不是本系统的备份文件。"))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(_("备份格式版本为 %(found)s，本版本只能恢复版本 %(expected)s。")
                          % {"found": manifest.get("format_version"), "expected": FORMAT_VERSION})
    return manifest


def _member_problems(tar, manifest: dict) -> list[str]:
    problems = []
    listed = {entry["name"] for entry in manifest["members"]}
    if DUMP not in listed:
        problems.append(_("清单中没有数据库转储 %(name)s") % {"name": DUMP})
    for entry in manifest["members"]:
        try:
            member = tar.getmember(entry["name"])
        except KeyError:
            problems.append(_("%(name)s：缺失") % {"name": entry["name"]})
            continue
        if not member.isfile():
            problems.append(_("%(name)s：不是普通文件") % {"name": entry["name"]})
            continue
        sha256, size = _file_digest(tar.extractfile(member))
        if size != entry["size"] or sha256 != entry["sha256"]:
            problems.append(_("%(name)s：大小或 SHA-256 与清单不符") % {"name": entry["name"]})
    for member in tar.getmembers():
        if member.name not in listed and member.name != MANIFEST:
            problems.append(_("%(name)s：不在清单中") % {"name": member.name})
    return problems


def _digest_file_problems(path: Path) -> list[str]:
    """The archive against the ``.sha256`` written beside it, when that came along."""
    beside = path.with_name(path.name + ".sha256")
    if not beside.is_file():
        return []
    expected = beside.read_text(encoding="utf-8").split()[:1]
    with open(path, "rb") as archive:
        actual, _size = _file_digest(archive)
    if expected != [actual]:
        return [_("整个备份文件的 SHA-256 与 %(name)s 不符") % {"name": beside.name}]
    return []


def _refusal(headline: str, problems: list[str]) -> str:
    shown = "\n".join(f"- {problem}" for problem in problems[:SHOWN])
    more = len(problems) - SHOWN
    tail = ("\n" + _("……另有 %(count)s 处。") % {"count": more}) if more > 0 else ""
    return f"{headline}：\n{shown}{tail}"


# --- Restore ----------------------------------------------------------------------------------

def backup_restore(*, path: Path | str, using: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Bring an archive back into an empty database and storage (see the module docstring)."""
    path = Path(path)
    connection = connections[using]
    manifest = backup_verify(path=path)
    _check_migrations(connection, manifest)
    _check_database_empty(using)
    files = [entry for entry in manifest["members"] if "storage_name" in entry]
    _check_storage_free(files)
    written: list[tuple[object, str]] = []
    try:
        with transaction.atomic(using=using), tarfile.open(path, "r:") as tar:
            _clear_rows_written_by_migrate(connection)
            records = _load(tar, manifest, connection, using)
            triggers.install(connection)
            for entry in files:
                _restore_file(tar, entry, written)
            record(Event.BACKUP, object_type="backup", action="restore", archive=str(path),
                   backup_created_at=manifest["created_at"], records=records, files=len(files), command=True)
    except BaseException as error:
        for storage, name in written:
            storage.delete(name)
        if isinstance(error, DatabaseError):
            raise BackupError(_("数据库拒绝了恢复的数据，已全部撤销：%(error)s") % {"error": error}) from error
        raise
    finally:
        ContentType.objects.clear_cache()  # the ids are the archive's now
    return RestoreResult(path=path, records=records, files=len(files), created_at=manifest["created_at"])


def _check_migrations(connection, manifest: dict):
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        raise BackupError(_("数据库还有 %(count)s 个迁移未执行：请先运行 manage.py migrate，再恢复。")
                          % {"count": len(pending)})
    ours, theirs = set(_applied_migrations(connection)), set(manifest["migrations"])
    if ours != theirs:
        problems = [_("备份有、本库没有：%(name)s") % {"name": name} for name in sorted(theirs - ours)]
        problems += [_("本库有、备份没有：%(name)s") % {"name": name} for name in sorted(ours - theirs)]
        raise BackupError(_refusal(
            _("备份的数据库结构与本库不同（备份来自版本 %(version)s），请用与备份相同的版本执行 migrate 后再恢复")
            % {"version": manifest.get("app_version", "?")}, problems))


def _check_database_empty(using: str):
    problems = []
    for model in backed_up_models():
        label = model._meta.label_lower
        if label in WRITTEN_BY_MIGRATE:
            continue
        count = model._base_manager.using(using).count()
        if count:
            problems.append(_("%(model)s：%(count)s 行") % {"model": label, "count": count})
    if problems:
        raise BackupError(_refusal(_("数据库不是空的，恢复只能在刚执行过 migrate 的空库中进行，未做任何改动"), problems))


def _check_storage_free(files: list[dict]):
    taken = [f"{entry['model']}.{entry['field']}: {entry['storage_name']}" for entry in files
             if _storage(entry["model"], entry["field"]).exists(entry["storage_name"])]
    if taken:
        raise BackupError(_refusal(_("存储中已有备份里的文件，恢复不会覆盖它们，未做任何改动"), taken))


def _clear_rows_written_by_migrate(connection):
    # Plain DELETEs: no signal, so no history row. Foreign keys are checked at commit, by which
    # time the archive's rows of these tables are back under the same ids.
    with connection.cursor() as cursor:
        for label in WRITTEN_BY_MIGRATE:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(apps.get_model(label)._meta.db_table)}")


def _load(tar, manifest: dict, connection, using: str) -> int:
    known = {model._meta.label_lower for model in backed_up_models()}
    entry = next(entry for entry in manifest["members"] if entry["name"] == DUMP)
    reader = _HashingReader(tar.extractfile(DUMP))
    counts: dict[str, int] = {}
    batch: list[models.Model] = []
    try:
        with io.TextIOWrapper(gzip.GzipFile(fileobj=reader, mode="rb"), encoding="utf-8") as text:
            for item in serializers.deserialize("jsonl", text):
                row = item.object
                if row._meta.label_lower not in known:
                    raise BackupError(_("数据库转储中有本版本没有的表：%(model)s") % {"model": row._meta.label_lower})
                if batch and (type(batch[0]) is not type(row) or len(batch) >= ROWS_PER_QUERY):
                    _insert(batch, connection, using)
                    batch = []
                batch.append(row)
                counts[row._meta.label_lower] = counts.get(row._meta.label_lower, 0) + 1
            if batch:
                _insert(batch, connection, using)
            reader.drain()
    except (DeserializationError, OSError, EOFError, UnicodeDecodeError) as error:
        raise BackupError(_("数据库转储无法读取：%(error)s") % {"error": error}) from error
    if reader.sha256.hexdigest() != entry["sha256"]:
        raise BackupError(_("数据库转储在恢复过程中被改动，已全部撤销。"))
    expected = {label: count for label, count in manifest["counts"].items() if count}
    if counts != expected:
        differ = sorted(label for label in set(counts) | set(expected) if counts.get(label) != expected.get(label))
        raise BackupError(_refusal(_("读入的行数与清单不符，已全部撤销"), differ))
    models_loaded = [apps.get_model(label) for label in counts]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models_loaded):
            cursor.execute(statement)
    return sum(counts.values())


def _insert(rows: list[models.Model], connection, using: str):
    """INSERT the rows as they are: raw, as loaddata saves (values untouched by pre_save, such as
    auto_now), but without its signals (history, hooks) and without its UPDATE-first, so that an
    append-only table is only ever inserted into. ``_insert`` is the step save() and
    bulk_create() share."""
    model = type(rows[0])
    fields = [field for field in model._meta.local_concrete_fields if not field.generated]
    size = max(connection.ops.bulk_batch_size(fields, rows), 1)
    for start in range(0, len(rows), size):
        model._base_manager._insert(rows[start:start + size], fields=fields, raw=True, using=using)


def _restore_file(tar, entry: dict, written: list):
    storage, name = _storage(entry["model"], entry["field"]), entry["storage_name"]
    content = File(tar.extractfile(entry["name"]), name=posixpath.basename(name))
    content.size = entry["size"]
    saved = storage.save(name, content)
    written.append((storage, saved))
    if saved != name:
        raise BackupError(_("存储把 %(name)s 存成了 %(saved)s，已全部撤销。") % {"name": name, "saved": saved})
    with storage.open(saved, "rb") as back:
        sha256, size = _file_digest(back)
    if (sha256, size) != (entry["sha256"], entry["size"]):
        raise BackupError(_("写入存储后读回的 %(name)s 与清单的 SHA-256 不符，已全部撤销。") % {"name": name})
