"""Excel export and import: speed and peak memory, against the writer's own limit and django-import-export.

    .venv/bin/python -m bench.exports [--rows 200000] [--halls 400] [--import-rows 10000]
    .venv/bin/python -m bench.exports --rows 5000 --profile a   # cProfile one scenario, in-process

One run, one set of data. The first ``--rows`` bench findings (by id; the
filler in ``bench.fill_findings`` adds what is missing) each get a
rectification item ("in_progress", with a deadline), and all of them go into
one published circular of the bench province (机关代字 "基准办"). Then:

a)  ``LedgerExporter`` over those N items, and again over the first N/4
    (memory must not grow with the row count);
b)  ``CircularExporter`` over the circular;
c)  the writer's own limit: ``write_workbook`` with the same rows as (a) and
    (b), computed beforehand (untimed) into a list;
d)  django-import-export: a ``ModelResource`` for the same N findings with
    the finding list's 13 columns, ``export()`` then ``.export("xlsx")``;
e)  our ``FindingListExporter`` over the same findings and columns as (d);
import) a ledger of ``--import-rows`` items exported by (a)'s exporter, with
    责任人 and 整改进展 changed on every row, read back with ``parse_ledger``
    and written with ``apply_ledger`` as the bench province's office (作风办).

Each measurement runs in a fresh child process (multiprocessing, "spawn"):
seconds are wall time of the measured call alone; peak MB is the child's
peak RSS (``VmHWM``; see ``_peak_rss_mb`` for why not ``ru_maxrss``) minus
its own baseline taken after ``django.setup()`` and the imports, so it
counts what the measurement (and its untimed preparation) made. Children log
no SQL (``settings.DEBUG`` off), as in production. Files go to a temporary
directory and are removed. ``--profile`` runs in this process at ``--rows``,
which also narrows the bench circular to those rows.
"""

import argparse
import contextlib
import datetime
import gc
import importlib
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass

from bench.common import bench_office, bench_province, ensure_taxonomy, setup_django

TARGET_RATIO = 1.25  # exporter time ÷ the writer's own time for the same rows
TARGET_PEAK_MB = 200  # at 200,000 rows
TARGET_IMPORT_SECONDS = 20  # parse + apply, 10,000 rows
FLAT_TOLERANCE_MB = 20  # (a) at N and at N/4 may differ by this much and still count as flat

ISSUER_CODE = "基准办"
ISSUER = "基准测试省作风整顿办公室"
CIRCULAR_TITLE = "关于基准测试省政务服务窗口作风问题的通报"
MEASURES = "召开窗口作风整顿专题会，逐条对照问题整改，落实首问负责制和一次性告知制。"
LEADER = "王副主任"
PERSON = "李建华"


# --- The data ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class BenchData:
    """What the measurements need, as plain values a child process can be handed."""

    rows: int
    circular_id: int
    office_id: int
    last_finding_id: int  # of the N findings, by id
    quarter_finding_id: int  # the last of the first N/4
    import_finding_id: int  # the last of the first --import-rows


def _say(verbose):
    return (lambda *a: print(*a, flush=True)) if verbose else (lambda *a: None)


def ensure_data(rows: int, halls: int = 400, *, import_rows: int = 10_000, verbose: bool = True) -> BenchData:
    """N bench findings, an item for each, and one published circular holding exactly them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from bench import fill_findings
    from circulars.models import Circular, CircularEntry, CircularSection
    from inspections.models import Finding
    from rectification.models import RectificationItem, RectificationKind

    if rows < 4:
        raise ValueError("rows must be at least 4")
    say = _say(verbose)
    ensure_taxonomy()
    province = bench_province()
    office = bench_office(province)
    in_bench = Finding.objects.filter(hall__region__path__startswith=province.path)
    have = in_bench.count()
    if have < rows:
        say(f"The bench province has {have:,} findings; adding {rows - have:,}.")
        fill_findings.fill(rows - have, halls, verbose=verbose)

    started = time.perf_counter()
    findings = list(in_bench.order_by("id").values_list("id", "hall_id", "department_id", "observed_at")[:rows])
    ids = [f[0] for f in findings]
    ItemFindings = RectificationItem.findings.through
    covered = set(
        ItemFindings.objects.filter(finding__hall__region__path__startswith=province.path)
        .values_list("finding_id", flat=True)
    )
    missing = [f for f in findings if f[0] not in covered]
    if missing:
        today = timezone.localdate()
        items = []
        for finding_id, hall_id, department_id, observed_at in missing:
            assigned = min(timezone.localtime(observed_at).date() + datetime.timedelta(days=3), today)
            items.append(RectificationItem(
                hall_id=hall_id, department_id=department_id, kind=RectificationKind.DEADLINE,
                status=RectificationItem.Status.IN_PROGRESS, assigned_date=assigned,
                deadline=assigned + datetime.timedelta(days=15 + finding_id % 31),
                measures=MEASURES, responsible_leader=LEADER, responsible_person=PERSON, created_by=office,
            ))
        with transaction.atomic():
            # Both backends return the new keys from bulk_create; no history rows (no save signals).
            RectificationItem.objects.bulk_create(items, batch_size=2000)
            ItemFindings.objects.bulk_create(
                [ItemFindings(rectificationitem_id=item.pk, finding_id=f[0]) for item, f in zip(items, missing, strict=True)],
                batch_size=5000,
            )
        say(f"Created {len(items):,} rectification items (in_progress, with deadlines) "
            f"in {time.perf_counter() - started:.1f} s.")

    started = time.perf_counter()
    circular = Circular.objects.filter(issuer_code=ISSUER_CODE, region=province).first()
    if circular is None:
        now = timezone.now()
        circular = Circular.objects.create(
            issuer=ISSUER, issuer_code=ISSUER_CODE, year=timezone.localdate().year, serial=1, region=province,
            title=CIRCULAR_TITLE, date=timezone.localdate(), naming=Circular.Naming.SURNAME,
            status=Circular.Status.PUBLISHED, published_at=now, published_by=office, created_by=office,
        )
    CircularFindings = Circular.findings.through
    with transaction.atomic():
        # Exactly the N findings: drop those of an earlier, larger run (they come after the N by id).
        CircularFindings.objects.filter(circular=circular, finding_id__gt=ids[-1]).delete()
        listed = set(CircularFindings.objects.filter(circular=circular).values_list("finding_id", flat=True))
        new = [CircularFindings(circular_id=circular.pk, finding_id=i) for i in ids if i not in listed]
        CircularFindings.objects.bulk_create(new, batch_size=5000)
        # Each finding as the circular states it: one section, sentences composed when read.
        CircularEntry.objects.filter(circular=circular, finding_id__gt=ids[-1]).delete()
        section = CircularSection.objects.get_or_create(circular=circular, order=1, defaults={"title": "作风问题"})[0]
        CircularEntry.objects.bulk_create(
            [CircularEntry(circular=circular, finding_id=i, section=section, order=n)
             for n, i in enumerate(ids, start=1) if i not in listed], batch_size=5000)
    if new:
        say(f"Put {len(new):,} findings into circular {circular.doc_number} in {time.perf_counter() - started:.1f} s.")
    if connection.vendor == "postgresql" and (missing or new):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE rectification_rectificationitem, rectification_rectificationitem_findings, "
                           f"{CircularFindings._meta.db_table}")
    return BenchData(
        rows=rows, circular_id=circular.pk, office_id=office.pk, last_finding_id=ids[-1],
        quarter_finding_id=ids[max(rows // 4, 1) - 1], import_finding_id=ids[min(import_rows, rows) - 1],
    )


def items_queryset(data: BenchData, last_finding_id: int | None = None):
    """The bench items: those of the circular's findings, up to a finding id."""
    from rectification.models import RectificationItem

    return RectificationItem.objects.filter(
        findings__circulars=data.circular_id, findings__id__lte=last_finding_id or data.last_finding_id
    )


def findings_queryset(data: BenchData):
    from inspections.models import Finding

    return Finding.objects.filter(circulars=data.circular_id)


# --- django-import-export ---------------------------------------------------------------------

def finding_resource():
    """A ModelResource with the finding list's 13 columns (related names through attributes and dehydrate_)."""
    from import_export import fields, resources

    from inspections.exports import person_label
    from inspections.facts import describe_facts
    from inspections.models import Finding

    class FindingResource(resources.ModelResource):
        code = fields.Field(column_name="问题编号")
        observed_at = fields.Field(attribute="observed_at", column_name="发现时间")
        region = fields.Field(attribute="hall__region__full_name", column_name="地区")
        hall_name = fields.Field(attribute="hall__name", column_name="单位")
        department_name = fields.Field(attribute="department__name", column_name="部门")
        window_label = fields.Field(column_name="窗口")
        category_label = fields.Field(column_name="问题类别")
        description = fields.Field(attribute="description", column_name="问题描述")
        facts_text = fields.Field(column_name="量化事实")
        person = fields.Field(column_name="人员")
        severity_label = fields.Field(attribute="get_severity_display", column_name="严重程度")
        source_label = fields.Field(attribute="get_source_display", column_name="问题来源")
        status_label = fields.Field(attribute="get_status_display", column_name="状态")

        class Meta:
            model = Finding
            fields = (
                "code", "observed_at", "region", "hall_name", "department_name", "window_label",
                "category_label", "description", "facts_text", "person", "severity_label", "source_label",
                "status_label",
            )
            export_order = fields
            chunk_size = 2000  # as our exporters

        def dehydrate_code(self, f):
            return f.code

        def dehydrate_window_label(self, f):
            return str(f.window.display_label) if f.window_id else ""

        def dehydrate_category_label(self, f):
            return f"{f.category.code} {f.category.name}"

        def dehydrate_facts_text(self, f):
            return describe_facts(f.facts)

        def dehydrate_person(self, f):
            return person_label(f)

    return FindingResource


def import_export_available() -> bool:
    try:
        importlib.import_module("import_export.resources")
    except ImportError:
        return False
    return True


# --- The measured scenarios -----------------------------------------------------------------
# Each has a prepare step (untimed; inside the peak-memory window) and a measured step.

def _circular(data):
    from circulars.models import Circular

    return Circular.objects.get(pk=data.circular_id)


def _exporter(kind: str, data: BenchData, last_finding_id=None):
    from circulars.exports import CircularExporter
    from inspections.exports import FindingListExporter
    from rectification.exports import LedgerExporter

    if kind == "ledger":
        return LedgerExporter(queryset=items_queryset(data, last_finding_id))
    if kind == "circular":
        return CircularExporter(circular=_circular(data))
    if kind == "findings":
        return FindingListExporter(queryset=findings_queryset(data))
    raise ValueError(kind)


class _Counter:
    """The exporter's on_row callback: the last count it is told is the number of data rows."""

    rows = 0

    def __call__(self, count):
        self.rows = count


def _prepare(scenario: str, data: BenchData, params: dict):
    if scenario == "exporter":
        return _exporter(params["kind"], data, params.get("last_finding_id"))
    if scenario == "writer":
        from core.exporting import Sheet

        exporter = _exporter(params["kind"], data)
        rows = list(exporter.rows())
        return Sheet(exporter.sheet_name, exporter.title, exporter.columns, rows, exporter.subtitle)
    if scenario == "import_export":
        from inspections.selectors import FINDING_LIST_RELATED

        return finding_resource()(), findings_queryset(data).select_related(*FINDING_LIST_RELATED)
    if scenario == "import":
        from django.core.files.uploadedfile import SimpleUploadedFile

        from registry.models import User

        with open(params["source"], "rb") as source:
            upload = SimpleUploadedFile(os.path.basename(params["source"]), source.read())
        return User.objects.get(pk=data.office_id), upload
    raise ValueError(scenario)


def _measured(scenario: str, prepared, path: str) -> dict:
    """Run the measured step; returns {"seconds", "rows", ...}."""
    if scenario == "exporter":
        counter = _Counter()
        started = time.perf_counter()
        with open(path, "wb") as out:
            prepared.write(out, on_row=counter)
        return {"seconds": time.perf_counter() - started, "rows": counter.rows}
    if scenario == "writer":
        from core.exporting import write_workbook

        counter = _Counter()
        started = time.perf_counter()
        with open(path, "wb") as out:
            write_workbook([prepared], out, on_row=counter)
        return {"seconds": time.perf_counter() - started, "rows": counter.rows}
    if scenario == "import_export":
        resource, queryset = prepared
        started = time.perf_counter()
        dataset = resource.export(queryset=queryset)
        content = dataset.export("xlsx")
        with open(path, "wb") as out:
            out.write(content)
        return {"seconds": time.perf_counter() - started, "rows": len(dataset)}
    if scenario == "import":
        from rectification.imports import apply_ledger, parse_ledger

        user, upload = prepared
        started = time.perf_counter()
        preview = parse_ledger(user=user, upload=upload)
        parsed = time.perf_counter()
        if preview.errors or preview.batch is None:
            raise RuntimeError(f"The ledger did not parse: {[str(e) for e in preview.errors[:5]]}")
        changed = apply_ledger(user=user, batch=preview.batch)
        done = time.perf_counter()
        return {"seconds": done - started, "rows": changed, "parse_seconds": parsed - started,
                "apply_seconds": done - parsed, "changes": len(preview.changes)}
    raise ValueError(scenario)


def _import_modules(scenario: str):
    """Load what a scenario uses before the memory baseline: imports are not what is measured."""
    import openpyxl  # noqa: F401

    import inspections.exports  # noqa: F401
    import rectification.exports  # noqa: F401
    import rectification.imports  # noqa: F401

    if scenario == "import_export":
        importlib.import_module("import_export.resources")
        importlib.import_module("tablib")


def _peak_rss_mb() -> float:
    """This process's peak resident set size, in MB.

    Linux's ``VmHWM`` from /proc/self/status: the high-water mark of this
    process's own memory. ``getrusage(RUSAGE_SELF).ru_maxrss`` is not used on
    Linux because it survives fork+exec: a spawned child starts with its
    parent's peak (here the parent holds the 200,000 ids and is larger than
    most children), so the child's own growth would not show.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(scenario: str, data: BenchData, params: dict, path: str) -> dict:
    """One measurement in a fresh process: its own Django, its own high-water mark."""
    setup_django()
    from django.conf import settings

    settings.DEBUG = False  # no SQL log in memory, as in production
    _import_modules(scenario)
    gc.collect()
    baseline = _peak_rss_mb()
    prepared = _prepare(scenario, data, params)
    result = _measured(scenario, prepared, path)
    result["peak_mb"] = _peak_rss_mb() - baseline
    result["baseline_mb"] = baseline
    result["memory"] = "peak RSS"
    return result


def in_process(scenario: str, data: BenchData, params: dict, path: str) -> dict:
    """The same measurement in this process (for the test).

    Peak MB is then only the growth of this process's high-water mark, which
    a small run seldom moves: a number, not a measurement.
    """
    _import_modules(scenario)
    gc.collect()
    baseline = _peak_rss_mb()
    prepared = _prepare(scenario, data, params)
    result = _measured(scenario, prepared, path)
    result["peak_mb"] = _peak_rss_mb() - baseline
    result["baseline_mb"] = baseline
    result["memory"] = "peak RSS, in-process"
    return result


def measure(scenario: str, data: BenchData, params: dict, path: str, *, isolate: bool) -> dict:
    if not isolate:
        return in_process(scenario, data, params, path)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from django.db import connections

    connections.close_all()  # nothing half-open while a child works on the same tables
    # By module, not through __main__, so that the child imports bench.exports by its name.
    target = importlib.import_module("bench.exports").child
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(target, scenario, data, params, path).result()


# --- The import file ------------------------------------------------------------------------------

def _stamp() -> str:
    """To the microsecond: two runs in the same second must still change something."""
    return datetime.datetime.now().strftime("%m%d%H%M%S%f")


def build_import_file(data: BenchData, path: str, stamp: str) -> int:
    """Export the first --import-rows items and change 责任人 and 整改进展 on every row, as a unit would."""
    import io

    from openpyxl import load_workbook

    from core.exporting import HEADER_ROW
    from rectification.exports import L

    buffer = io.BytesIO()
    _exporter("ledger", data, data.import_finding_id).write(buffer)
    buffer.seek(0)
    workbook = load_workbook(buffer)
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW]}
    rows = 0
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row, columns[L.ID]).value is None:
            continue
        sheet.cell(row, columns[L.PERSON]).value = f"周立新{stamp[-8:]}"
        sheet.cell(row, columns[L.PROGRESS]).value = (
            f"已召开专题整改会，涉事人员作出书面检查，窗口纪律每日巡查（{stamp}批次，第{row - HEADER_ROW}行）"
        )
        rows += 1
    workbook.save(path)
    return rows


# --- The run -----------------------------------------------------------------------------------------

def plan(data: BenchData, import_export: bool) -> list[dict]:
    quarter = max(data.rows // 4, 1)
    steps = [
        {"key": "a", "name": f"LedgerExporter, {data.rows:,} items", "scenario": "exporter",
         "params": {"kind": "ledger"}, "expect": data.rows},
        {"key": "a/4", "name": f"LedgerExporter, {quarter:,} items (N/4)", "scenario": "exporter",
         "params": {"kind": "ledger", "last_finding_id": data.quarter_finding_id}, "expect": quarter},
        {"key": "b", "name": f"CircularExporter, {data.rows:,} findings", "scenario": "exporter",
         "params": {"kind": "circular"}, "expect": data.rows},
        {"key": "c-a", "name": "write_workbook, (a)'s rows precomputed", "scenario": "writer",
         "params": {"kind": "ledger"}, "expect": data.rows},
        {"key": "c-b", "name": "write_workbook, (b)'s rows precomputed", "scenario": "writer",
         "params": {"kind": "circular"}, "expect": data.rows},
        {"key": "e", "name": "FindingListExporter, same findings", "scenario": "exporter",
         "params": {"kind": "findings"}, "expect": data.rows},
    ]
    if import_export:
        steps.append({"key": "d", "name": "django-import-export, same findings", "scenario": "import_export",
                      "params": {}, "expect": data.rows})
    return steps


PAIRS = (("a", "c-a"), ("b", "c-b"))  # exporter, the writer alone on the same rows


def run(rows: int = 200_000, *, halls: int = 400, import_rows: int = 10_000, isolate: bool = True,
        out_dir: str | None = None, only: list[str] | None = None, repeat: int = 1, verbose: bool = True) -> dict:
    """Fill what is missing, then take every measurement. Returns the data and one dict per measurement.

    Each exporter and its writer-alone twin are measured ``repeat`` times, back to back (a, c-a, a,
    c-a, …): this machine's speed drifts by ±20 % over minutes, and a pair taken together shares
    the drift. Their seconds are the median of the runs; the ratio is the median of the pairs' ratios.
    """
    from django.db import connection

    say = _say(verbose)
    data = ensure_data(rows, halls, import_rows=import_rows, verbose=verbose)
    available = import_export_available()
    if not available:
        say("django-import-export is not installed: scenario (d) is left out "
            "(pip install -e '.[bench]').")
    steps = {step["key"]: step for step in plan(data, available) if not only or step["key"] in only}
    paired = {key for pair in PAIRS for key in pair}
    order = [key for key in ("a/4",) if key in steps]
    for pair in PAIRS:
        order += [key for _ in range(repeat) for key in pair if key in steps]
    order += [key for key in steps if key not in paired and key not in order]
    with contextlib.ExitStack() as stack:
        if out_dir is None:
            out_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-exports-"))
        runs: dict[str, list[dict]] = {}
        for key in order:
            step = steps[key]
            say(f"  {key}) {step['name']} …")
            path = os.path.join(out_dir, f"{key.replace('/', '_')}.xlsx")
            result = measure(step["scenario"], data, step["params"], path, isolate=isolate)
            result.update(step, path=path, size_mb=os.path.getsize(path) / 1024 / 1024, load=os.getloadavg()[0])
            say(f"     {result['rows']:,} rows in {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB "
                f"(load average {result['load']:.1f})")
            if result["rows"] != step["expect"]:
                raise RuntimeError(f"{key}) wrote {result['rows']} rows, not {step['expect']}")
            runs.setdefault(key, []).append(result)
        results = [_combined(runs[key]) for key in steps if key in runs]
        ratios = {
            exporter: [e["seconds"] / w["seconds"] for e, w in zip(runs[exporter], runs[writer], strict=True)]
            for exporter, writer in PAIRS if exporter in runs and writer in runs
        }
        imported = None
        if not only or "import" in only:
            stamp = _stamp()
            source = os.path.join(out_dir, "import-source.xlsx")
            count = build_import_file(data, source, stamp)
            say(f"  import) parse_ledger + apply_ledger, {count:,} edited rows …")
            imported = measure("import", data, {"source": source}, source, isolate=isolate)
            imported.update(key="import", name=f"parse_ledger + apply_ledger, {count:,} rows", file_rows=count,
                            path=source, size_mb=os.path.getsize(source) / 1024 / 1024, load=os.getloadavg()[0])
            say(f"     {imported['rows']:,} items changed in {imported['seconds']:.1f} s "
                f"(parse {imported['parse_seconds']:.1f} s, apply {imported['apply_seconds']:.1f} s)")
    return {"vendor": connection.vendor, "data": asdict(data), "results": results, "import": imported,
            "import_export": available, "ratios": ratios}


def _combined(runs: list[dict]) -> dict:
    """One result for several runs of a measurement: the median seconds, the highest peak."""
    result = dict(runs[-1])
    result["runs"] = [r["seconds"] for r in runs]
    result["seconds"] = statistics.median(result["runs"])
    result["peak_mb"] = max(r["peak_mb"] for r in runs)
    return result


def _ratio(outcome: dict, key: str, writer: str, by: dict) -> float:
    pairs = outcome.get("ratios", {}).get(key)
    return statistics.median(pairs) if pairs else by[key]["seconds"] / by[writer]["seconds"]


# --- The report ----------------------------------------------------------------------------------------

def verdicts(outcome: dict) -> list[tuple[str, bool, str]]:
    """(target, met, detail) for each target that the run could check."""
    by = {r["key"]: r for r in outcome["results"]}
    checks = []
    for key, writer in PAIRS:
        if key in by and writer in by:
            ratio = _ratio(outcome, key, writer, by)
            checks.append((f"({key}) within {TARGET_RATIO}× of the writer ({writer})", ratio <= TARGET_RATIO,
                           f"{ratio:.2f}×"))
    for key in ("a", "b"):
        if key in by:
            peak = by[key]["peak_mb"]
            checks.append((f"({key}) peak memory under {TARGET_PEAK_MB} MB", peak < TARGET_PEAK_MB, f"{peak:.0f} MB"))
    if "a" in by and "a/4" in by:
        grow = by["a"]["peak_mb"] - by["a/4"]["peak_mb"]
        checks.append((f"(a) memory flat: N vs N/4 within {FLAT_TOLERANCE_MB} MB", grow <= FLAT_TOLERANCE_MB,
                       f"{by['a/4']['peak_mb']:.0f} MB → {by['a']['peak_mb']:.0f} MB"))
    if outcome["import"]:
        seconds = outcome["import"]["seconds"]
        checks.append((f"import under {TARGET_IMPORT_SECONDS} s", seconds < TARGET_IMPORT_SECONDS, f"{seconds:.1f} s"))
    return checks


def report(outcome: dict) -> bool:
    """Print the table and the targets; True when every target checked was met."""
    by = {r["key"]: r for r in outcome["results"]}
    rows = outcome["data"]["rows"]
    memory = outcome["results"][0]["memory"] if outcome["results"] else "peak RSS"
    print()
    print(f"Exports of {rows:,} rows on {outcome['vendor']}; peak MB by {memory} "
          f"({'each in its own process, above its baseline after django.setup()' if memory == 'peak RSS' else 'in-process'}).")
    print()
    header = (f"{'':4} {'measurement':<42} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MB':>8} {'file MB':>8} "
              f"{'load':>5}  vs writer")
    print(header)
    print("-" * len(header))
    writer_of = dict(PAIRS)
    for r in outcome["results"]:
        ratio = ""
        writer = writer_of.get(r["key"])
        if writer in by:
            pairs = outcome.get("ratios", {}).get(r["key"], [])
            ratio = f"{_ratio(outcome, r['key'], writer, by):.2f}×"
            if len(pairs) > 1:
                ratio += f" (median of {', '.join(f'{p:.2f}' for p in pairs)})"
        elif r["key"] == "d" and "e" in by:
            ratio = f"{r['seconds'] / by['e']['seconds']:.2f}× of (e)"
        print(f"{r['key'] + ')':<4} {r['name']:<42} {r['rows']:>8,} {r['seconds']:>8.1f} "
              f"{r['rows'] / max(r['seconds'], 1e-9):>8,.0f} {r['peak_mb']:>8.0f} {r['size_mb']:>8.1f} "
              f"{r.get('load', 0):>5.1f}  {ratio}")
    if not outcome["import_export"]:
        print("d)   django-import-export: not installed, not measured")
    imported = outcome["import"]
    if imported:
        print(f"{'imp)':<4} {imported['name']:<42} {imported['rows']:>8,} {imported['seconds']:>8.1f} "
              f"{imported['rows'] / max(imported['seconds'], 1e-9):>8,.0f} {imported['peak_mb']:>8.0f} "
              f"{imported['size_mb']:>8.1f} {imported.get('load', 0):>5.1f}  "
              f"parse {imported['parse_seconds']:.1f} s + apply {imported['apply_seconds']:.1f} s")
    print("load: the 1-minute load average when the measurement ended (2 cores; other work on the machine shows here)")
    print()
    met = True
    for target, ok, detail in verdicts(outcome):
        met &= ok
        print(f"  {'meets ' if ok else 'MISSES'}  {target}: {detail}")
    if rows != 200_000:
        print(f"  (the memory target is stated for 200,000 rows; this run had {rows:,})")
    return met


# --- Profiling -----------------------------------------------------------------------------------------

def profile(key: str, rows: int, *, halls: int = 400, top: int = 25) -> None:
    """cProfile one scenario in this process, at ``rows``; prints the heaviest functions."""
    import cProfile
    import pstats

    data = ensure_data(rows, halls, import_rows=min(10_000, rows))
    steps = {s["key"]: s for s in plan(data, import_export_available())}
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as out_dir:
        path = os.path.join(out_dir, "profiled.xlsx")
        if key == "import":
            scenario, params = "import", {"source": os.path.join(out_dir, "import-source.xlsx")}
            build_import_file(data, params["source"], _stamp())
        else:
            scenario, params = steps[key]["scenario"], steps[key]["params"]
        prepared = _prepare(scenario, data, params)
        profiler = cProfile.Profile()
        profiler.enable()
        result = _measured(scenario, prepared, path)
        profiler.disable()
    print(f"{key}) {result['rows']:,} rows in {result['seconds']:.1f} s under cProfile")
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="findings, items and circular rows (default 200,000)")
    parser.add_argument("--halls", type=int, default=400, help="bench halls, when the filler has to make them (default 400)")
    parser.add_argument("--import-rows", type=int, default=10_000, help="rows of the edited ledger (default 10,000)")
    parser.add_argument("--only", nargs="+", metavar="KEY", help="only these measurements: a a/4 b c-a c-b d e import")
    parser.add_argument("--profile", metavar="KEY", help="cProfile this one measurement in-process instead")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each exporter and its writer-alone twin, back to back (default 3)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.rows < 4 or args.import_rows < 1 or args.repeat < 1:
        parser.error("--rows must be at least 4, --import-rows and --repeat at least 1")
    setup_django()
    if args.profile:
        profile(args.profile, args.rows, halls=args.halls)
        return
    outcome = run(args.rows, halls=args.halls, import_rows=args.import_rows, only=args.only, repeat=args.repeat)
    if not report(outcome) and args.strict:
        sys.exit(1)


if __name__ == "__main__":
    main()
