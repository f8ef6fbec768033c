"""Excel exports of the ledger, accountability and statistics (framework: inspections.exporting).

The ledger's columns are declared once here and serve the export, the
import (``rectification.imports``) and the import template.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from inspections.exporting import Column, Exporter, Sheet
from inspections.models import Finding
from rectification.models import WORKING_STATUSES, RectificationItem


def status_labels() -> tuple[str, ...]:
    """The status names as the ledger file carries them: always Chinese (see inspections.exporting)."""
    with translation.override(settings.LANGUAGE_CODE):
        return tuple(str(label) for label in RectificationItem.Status.labels)



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


LEDGER_COLUMNS = [
    Column(L.ID, 8, "int", hidden=True), Column(L.NUMBER, 6, "int"), Column(L.CODE, 12),
    Column(L.FINDINGS, 13), Column(L.SOURCE, 16), Column(L.FOUND, 12, "date"), Column(L.UNIT, 24),
    Column(L.CATEGORY, 16), Column(L.DESCRIPTION, 40), Column(L.KIND, 10), Column(L.MEASURES, 36),
    Column(L.RESPONSIBLE_UNIT, 18), Column(L.LEADER, 10), Column(L.PERSON, 10), Column(L.DEADLINE, 12, "date"),
    Column(L.PROGRESS, 36), Column(L.PROGRESS_DATE, 12, "date"), Column(L.COMPLETION, 30), Column(L.PROOF, 24), Column(L.REVISIT, 12),
    Column(L.STATUS, 11, choices=status_labels()), Column(L.CLOSED, 8), Column(L.CLOSED_ON, 12, "date"),
    Column(L.CLOSED_BY, 10), Column(L.NOTES, 14),
]
# What a unit fills in and the import reads back.
LEDGER_EDITABLE = (L.MEASURES, L.LEADER, L.PERSON, L.PROGRESS, L.PROGRESS_DATE, L.COMPLETION, L.PROOF, L.STATUS)


def ledger_queryset(items: QuerySet) -> QuerySet:
    return (
        items.prefetch_related(None)  # the page's own prefetches are replaced by these
        .select_related("hall", "department", "closed_by")
        .prefetch_related(
            Prefetch("findings", queryset=Finding.objects.select_related("category", "window").prefetch_related("circulars")),
            "progress", "revisits",
        )
        .order_by("hall__name", "deadline", "id")
    )


def _joined(values):
    return "；".join(v for v in values if v)


def ledger_row(number: int, item: RectificationItem) -> list:
    findings = list(item.findings.all())
    progress = list(item.progress.all())
    revisits = list(item.revisits.all())
    circulars = {c.doc_number for f in findings for c in f.circulars.all() if c.status == "published"}
    windows = {str(f.window.display_label) for f in findings if f.window_id}
    return [
        item.pk, number, item.code, _joined(f.code for f in findings),
        _joined([_joined(sorted({f.get_source_display() for f in findings})), *sorted(circulars)]),
        min((f.observed_at for f in findings), default=None), _joined([item.hall.name, *sorted(windows)]),
        _joined(sorted({f.category.name for f in findings})), _joined(f.description for f in findings),
        item.get_kind_display(), item.measures,
        item.department.name if item.department_id else item.hall.name,
        item.responsible_leader, item.responsible_person, item.deadline,
        progress[-1].text if progress else "", progress[-1].date if progress else None,
        item.completion_note, item.proof_notes,
        revisits[0].get_verdict_display() if revisits else "", item.get_status_display(),
        "是" if item.status == RectificationItem.Status.CLOSED else "否", item.closed_on,
        str(item.closed_by) if item.closed_by_id else "", "",
    ]


@dataclass
class LedgerExporter(Exporter):
    queryset: QuerySet | None = None
    title: str = "整改台账"
    sheet_name: str = "整改台账"
    columns: list[Column] = field(default_factory=lambda: list(LEDGER_COLUMNS))

    def __post_init__(self):
        self.subtitle = f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}    请勿修改“系统编号”列和表头"

    def count(self):
        return self.queryset.count()

    def rows(self):
        for number, item in enumerate(ledger_queryset(self.queryset).iterator(chunk_size=1000), start=1):
            yield ledger_row(number, item)


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
        public = Finding.objects.filter(Q(undercover=False) | Q(status=Finding.Status.PUBLISHED))
        records = self.queryset.select_related("hall", "department", "staff").prefetch_related(
            Prefetch("findings", queryset=public)
        )
        for number, r in enumerate(records.order_by("-decision_date", "id").iterator(chunk_size=1000), start=1):
            yield [
                number, r.decision_date, r.subject_label, r.person_title, r.hall.name,
                r.department.name if r.department_id else "", r.get_track_display(), r.type, r.deciding_body,
                r.decision_number, _joined(f.code for f in r.findings.all()), r.notes,
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
