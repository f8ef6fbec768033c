"""Excel exports of the ledger, accountability and statistics (framework: core.exporting).

The ledger's columns are declared once here and serve the export, the
import (``rectification.imports``) and the import template. The ledger goes
out to the units and comes back filled in, so each of its rows also carries
what it said when it was written (``L.CHECK``, core.roundtrip): the import
tells the cells a unit edited from those it left alone.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core import roundtrip
from core.exporting import (
    Column,
    Exporter,
    Sheet,
    choice_labels,
    grouped,
    in_chunks,
    joined,
    rows_per_chunk,
)
from inspections.models import Finding
from inspections.scope import HALL_SIDE_Q
from inspections.services.evidence import download_for
from rectification.models import (
    ITEM_TRANSITIONS,
    PROVISIONAL_LABEL,
    WORKING_STATUSES,
    ProgressEntry,
    RectificationItem,
    RectificationKind,
    Revisit,
)
from registry.models import Window

# The one status a unit sets in its ledger file: it asks for close-out (rectification.imports).
LEDGER_SET_STATUS = RectificationItem.Status.CLOSURE_REQUESTED


def ledger_status_choices() -> tuple[str, ...]:
    """The 状态 drop-down: what a unit may choose in the file, as Chinese labels.

    Each row's own list (its status and 申请销号 where allowed) would need one
    validation range per row, hundreds of thousands in a large ledger. So the
    one list offers the statuses a unit may keep while it works on an item —
    those from which ITEM_TRANSITIONS lets it ask for close-out (已交办, 整改中)
    — and the one it may set, 申请销号; never the office's 待下发 or 已销号. A
    row already 申请销号 or 已销号 keeps its value (Excel checks only what is
    typed or picked there), and the import reads a cell left as exported as
    no change; one picked wrongly is refused with the reason.
    """
    labels = choice_labels(RectificationItem.Status.choices)
    kept = [status for status in RectificationItem.Status if LEDGER_SET_STATUS in ITEM_TRANSITIONS.get(status, ())]
    return tuple(labels[status] for status in [*kept, LEDGER_SET_STATUS])



class L:
    """Ledger column titles, referred to by the import."""

    ID = "系统编号"
    NUMBER = "序号"
    CODE = "事项编号"
    FINDINGS = "问题编号"
    SOURCE = "问题来源"
    FOUND = "发现日期"
    UNIT = "单位/窗口"
    CATEGORY = "问题类别"
    DESCRIPTION = "问题描述"
    KIND = "整改类型"
    MEASURES = "整改措施"
    RESPONSIBLE_UNIT = "责任单位"
    LEADER = "责任领导"
    PERSON = "责任人"
    DEADLINE = "整改时限"
    PROGRESS = "整改进展"
    PROGRESS_DATE = "进展日期"
    COMPLETION = "完成情况"
    PROOF = "佐证材料"
    REVISIT = "回访结果"
    STATUS = "状态"
    CLOSED = "是否销号"
    CLOSED_ON = "销号日期"
    CLOSED_BY = "核销人"
    NOTES = "备注"
    CHECK = "导出核对"


LEDGER_COLUMNS = [
    Column(L.ID, 8, "int", hidden=True), Column(L.NUMBER, 6, "int"), Column(L.CODE, 12),
    Column(L.FINDINGS, 13), Column(L.SOURCE, 16), Column(L.FOUND, 12, "date"), Column(L.UNIT, 24),
    Column(L.CATEGORY, 16), Column(L.DESCRIPTION, 40), Column(L.KIND, 10), Column(L.MEASURES, 36),
    Column(L.RESPONSIBLE_UNIT, 18), Column(L.LEADER, 10), Column(L.PERSON, 10), Column(L.DEADLINE, 12, "date"),
    Column(L.PROGRESS, 36), Column(L.PROGRESS_DATE, 12, "date"), Column(L.COMPLETION, 30), Column(L.PROOF, 24), Column(L.REVISIT, 12),
    Column(L.STATUS, 11, choices=ledger_status_choices()), Column(L.CLOSED, 8), Column(L.CLOSED_ON, 12, "date"),
    Column(L.CLOSED_BY, 10), Column(L.NOTES, 14), Column(L.CHECK, 10, hidden=True),
]
# What a unit fills in and the import reads back.
LEDGER_EDITABLE = (L.MEASURES, L.LEADER, L.PERSON, L.PROGRESS, L.PROGRESS_DATE, L.COMPLETION, L.PROOF, L.STATUS)

# 佐证材料 holds the unit's own words (proof_notes) and, on a line of its own, the proof files
# uploaded with its progress in the system. The import reads the words back; the files are
# uploaded on the item's page, never through the file.
PROOF_FILES_PREFIX = "系统中已上传："


def proof_cell(notes: str, files: list[str]) -> str:
    listed = PROOF_FILES_PREFIX + "；".join(files) if files else ""
    return "\n".join(part for part in (notes, listed) if part)


def split_proof_cell(text: str) -> tuple[str, str]:
    """A 佐证材料 cell (canonical text) → the unit's words and the line listing the files."""
    lines = text.split("\n")
    files = [line for line in lines if line.strip().startswith(PROOF_FILES_PREFIX)]
    notes = [line for line in lines if not line.strip().startswith(PROOF_FILES_PREFIX)]
    return "\n".join(notes).strip(), "\n".join(line.strip() for line in files)


# What the round trip compares (core.roundtrip), in the order of the row's fingerprints: every
# column but the row's id, its running number and the stamp itself; 佐证材料 as its two parts,
# the words under L.PROOF and the files under PROOF_FILES.
PROOF_FILES = "佐证材料·已上传文件"
_STAMPED = [(index, column) for index, column in enumerate(LEDGER_COLUMNS)
            if column.title not in (L.ID, L.NUMBER, L.CHECK)]
STAMPED_KEYS = (*(column.title for _index, column in _STAMPED), PROOF_FILES)
STAMPED_COLUMNS = {key: key for key in STAMPED_KEYS} | {PROOF_FILES: L.PROOF}  # key → the column it is in


def stamped_texts(row: list) -> list[str]:
    """A ledger row (LEDGER_COLUMNS order) → the canonical texts of STAMPED_KEYS."""
    texts, files = [], ""
    for index, column in _STAMPED:
        text = roundtrip.canonical(row[index], column.kind)
        if column.title == L.PROOF:
            text, files = split_proof_cell(text)
        texts.append(text)
    texts.append(files)
    return texts


# What the ledger reads: each item with each of its findings (one row per pair), in ledger order.
_ITEM_VALUES = (
    "pk", "hall__name", "department__name", "kind", "measures", "responsible_leader", "responsible_person",
    "deadline", "deadline_estimated", "completion_note", "proof_notes", "status", "closed_on", "closed_by__display_name",
    "closed_by__username", "ledger_progress_text", "ledger_progress_date", "ledger_revisit_verdict",
    "findings__id", "findings__source", "findings__observed_at", "findings__window__label",
    "findings__window__number", "findings__category__name", "findings__description",
)
_FINDING_START = _ITEM_VALUES.index("findings__id")


class _ItemFinding(NamedTuple):
    """The finding part of a ``_ITEM_VALUES`` row."""

    id: int
    source: str
    observed_at: datetime.datetime
    window_label: str | None
    window_number: int | None
    category: str
    description: str


def ledger_values(items: QuerySet) -> QuerySet:
    """Every (item, finding) pair of the items, in ledger order; newest finding first, as item.findings.all().

    The items are taken by id, so that a filter on their findings (a list
    filtered by category, say) does not also narrow the findings shown.
    """
    latest = ProgressEntry.objects.filter(item=OuterRef("pk")).order_by("-date", "-id")
    revisit = Revisit.objects.filter(items=OuterRef("pk")).order_by("-date", "-id")
    return (
        RectificationItem.objects.filter(pk__in=items.values("pk"))
        .annotate(
            ledger_progress_text=Subquery(latest.values("text")[:1]),
            ledger_progress_date=Subquery(latest.values("date")[:1]),
            ledger_revisit_verdict=Subquery(revisit.values("verdict")[:1]),
        )
        .order_by("hall__name", "deadline", "id", "-findings__observed_at", "-findings__id")
        .values_list(*_ITEM_VALUES)
    )


def _item_and_findings(rows: list[tuple]) -> tuple[tuple, list[_ItemFinding]]:
    """An item's (item, finding) rows → the item's values and its findings."""
    findings = [_ItemFinding._make(row[_FINDING_START:]) for row in rows if row[_FINDING_START] is not None]
    return rows[0][:_FINDING_START], findings


def _finding_cells(mine: list[_ItemFinding], hall: str, circulars: dict, sources: dict) -> list:
    """问题编号, 问题来源 (with the published circulars), 发现日期, 单位/窗口, 问题类别, 问题描述."""
    if len(mine) == 1:  # most items: none of the sets and sorts below
        f = mine[0]
        return [
            Finding.code_for(f.id), joined([sources[f.source], *sorted(circulars.get(f.id, ()))]), f.observed_at,
            joined([hall, Window.label_for(f.window_label, f.window_number)]), f.category or "", f.description or "",
        ]
    windows = {Window.label_for(f.window_label, f.window_number) for f in mine} - {""}
    numbers = {doc for f in mine for doc in circulars.get(f.id, ())}
    return [
        joined(Finding.code_for(f.id) for f in mine),
        joined([joined(sorted({sources[f.source] for f in mine})), *sorted(numbers)]),
        min((f.observed_at for f in mine), default=None), joined([hall, *sorted(windows)]),
        joined(sorted({f.category for f in mine})), joined(f.description for f in mine),
    ]


# The published circulars that named each finding, for 问题来源. Circulars stand above the ledger
# (publishing opens its items), so that app adds the lookup here (circulars.apps): each entry
# takes finding ids and yields (finding id, document number) pairs.
CIRCULAR_NUMBERS: list[Callable[[list[int]], Iterable[tuple[int, str]]]] = []


def _circular_numbers(finding_ids: list[int]) -> dict[int, list[str]]:
    return grouped(pair for lookup in CIRCULAR_NUMBERS for pair in lookup(finding_ids))


def _proof_files(item_ids: list[int], viewer) -> dict[int, list[str]]:
    """Each item's proof files by the name the viewer knows them by (what their download is
    called: inspections.services.evidence.download_for), leaving out those the viewer gets
    nothing of; without a viewer (a server command), by their neutral codes. Oldest first."""
    links = (
        ProgressEntry.proof.through.objects.filter(progressentry__item_id__in=item_ids)
        .select_related("evidence__hall__region").annotate(item_id=F("progressentry__item_id"))
        .order_by("progressentry__date", "progressentry_id", "evidence_id")
    )
    names: dict[int, list[str]] = {}
    for link in links:
        if viewer is None:
            name = link.evidence.code
        else:
            served = download_for(viewer, link.evidence)
            if served is None:
                continue
            name = served.filename
        names.setdefault(link.item_id, []).append(name)
    return names


def ledger_rows(items: QuerySet, viewer=None) -> Iterator[list]:
    """One row per item in LEDGER_COLUMNS order, as ``viewer`` may see it; a few queries per
    thousand items.

    The close-out (是否销号, 销号日期, 核销人) is the current one: an item reopened after
    its close-out (a failed revisit) shows none; the earlier one stays in its history.
    """
    kinds, statuses = choice_labels(RectificationKind.choices), choice_labels(RectificationItem.Status.choices)
    sources, verdicts = choice_labels(Finding.Source.choices), choice_labels(Revisit.Verdict.choices)
    size = rows_per_chunk()
    pairs = groupby(ledger_values(items).iterator(chunk_size=size), key=itemgetter(0))
    by_item = (_item_and_findings(list(rows)) for _pk, rows in pairs)
    number = 0
    for chunk in in_chunks(by_item, size):
        circulars = _circular_numbers([f.id for _item, mine in chunk for f in mine])
        files = _proof_files([item[0] for item, _mine in chunk], viewer)
        for item, mine in chunk:
            (pk, hall, department, kind, measures, leader, person, deadline, estimated, completion, proof, status, closed_on,
             closer_name, closer_username, progress_text, progress_date, verdict) = item
            number += 1
            closed = status == RectificationItem.Status.CLOSED
            row = [
                pk, number, RectificationItem.code_for(pk), *_finding_cells(mine, hall, circulars, sources),
                kinds.get(kind, kind), measures, department or hall, leader, person, deadline,
                progress_text or "", progress_date, completion, proof_cell(proof, files.get(pk, ())),
                verdicts[verdict] if verdict else "", statuses.get(status, status),
                "是" if closed else "否", closed_on if closed else None,
                (closer_name or closer_username or "") if closed else "", ESTIMATED_NOTE if estimated else "",
            ]
            row.append(roundtrip.stamp(pk, stamped_texts(row)))
            yield row


# 备注 of an item whose deadline was counted through a year not yet announced.
ESTIMATED_NOTE = f"整改时限为{PROVISIONAL_LABEL}：该年放假安排公布后重新计算"


@dataclass
class LedgerExporter(Exporter):
    queryset: QuerySet | None = None
    viewer: object = None  # whose ledger it is: the proof files are named as they know them
    title: str = "整改台账"
    sheet_name: str = "整改台账"
    columns: list[Column] = field(default_factory=lambda: list(LEDGER_COLUMNS))

    def __post_init__(self):
        self.subtitle = f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}    请勿修改表头和隐藏的“系统编号”“导出核对”两列"

    def count(self):
        return self.queryset.count()

    def rows(self):
        return ledger_rows(self.queryset, self.viewer)


@dataclass
class AccountabilityExporter(Exporter):
    queryset: QuerySet | None = None
    title: str = "问责情况统计表"
    sheet_name: str = "问责"
    columns: list[Column] = field(default_factory=lambda: [
        Column("序号", 6, "int"), Column("决定日期", 12, "date"), Column("对象", 12), Column("职务", 14),
        Column("单位", 24), Column("部门", 14), Column("问责方式", 16), Column("处理类型", 12),
        Column("决定机关", 20), Column("决定文号", 18), Column("相关问题", 20), Column("备注", 20),
    ])

    def __post_init__(self):
        self.subtitle = f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"

    def count(self):
        return self.queryset.count()

    def rows(self):
        # Only findings the hall side may know of are named (never one under embargo).
        public = Finding.objects.filter(HALL_SIDE_Q)
        records = self.queryset.select_related("hall", "department", "staff").prefetch_related(
            Prefetch("findings", queryset=public)
        )
        for number, r in enumerate(records.order_by("-decision_date", "id").iterator(chunk_size=1000), start=1):
            yield [
                number, r.decision_date, r.subject_label, r.person_title, r.hall.name,
                r.department.name if r.department_id else "", r.get_track_display(), r.type, r.deciding_body,
                r.decision_number, joined(f.code for f in r.findings.all()), r.notes,
            ]


@dataclass
class StatisticsExporter(Exporter):
    """Counts by region, hall, department, category and month; rectification and overdue rates."""

    findings: QuerySet | None = None
    items: QuerySet | None = None
    title: str = "作风问题统计"

    def sheets(self):
        subtitle = f"统计时间：{timezone.localtime():%Y-%m-%d %H:%M}"
        counted = self.findings.exclude(status__in=[Finding.Status.DRAFT, Finding.Status.REJECTED])

        def by(field_name, label, width=28):
            rows = counted.values(field_name).annotate(n=Count("pk")).order_by("-n", field_name)
            total = sum(r["n"] for r in rows) or 1
            return Sheet(
                f"按{label}", f"问题数量（按{label}）", [Column(label, width), Column("问题数", 10, "int"),
                                                      Column("占比", 10, "percent")],
                ([r[field_name] or "—", r["n"], r["n"] / total] for r in rows), subtitle,
            )

        months = (
            counted.annotate(month=TruncMonth("observed_at")).values("month").annotate(n=Count("pk")).order_by("month")
        )
        today = timezone.localdate()
        rates = (
            self.items.exclude(status=RectificationItem.Status.PREPARED).values("hall__name").annotate(
                total=Count("pk"),
                closed=Count("pk", filter=Q(status=RectificationItem.Status.CLOSED)),
                overdue=Count("pk", filter=Q(status__in=WORKING_STATUSES, deadline__lt=today)),
            ).order_by("hall__name")
        )
        return [
            by("hall__region__full_name", "地区", 32),
            by("hall__name", "大厅"),
            by("department__name", "部门", 20),
            by("category__parent__name", "问题大类", 20),
            by("category__name", "问题子项", 30),
            Sheet("按月份", "问题数量（按月份）", [Column("月份", 12), Column("问题数", 10, "int")],
                  ([f"{m['month']:%Y-%m}" if m["month"] else "—", m["n"]] for m in months), subtitle),
            Sheet("整改情况", "整改完成率与逾期率", [
                Column("单位", 28), Column("整改事项", 10, "int"), Column("已销号", 10, "int"),
                Column("整改完成率", 12, "percent"), Column("逾期", 10, "int"), Column("逾期率", 10, "percent"),
            ], ([r["hall__name"], r["total"], r["closed"], r["closed"] / r["total"], r["overdue"],
                 r["overdue"] / r["total"]] for r in rates), subtitle),
        ]
