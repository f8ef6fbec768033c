"""Excel exports of findings and circulars (see inspections.exporting for the framework)."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from inspections.exporting import (
    Column,
    Exporter,
    choice_labels,
    grouped,
    in_chunks,
    rows_per_chunk,
)
from inspections.facts import fact_describer
from inspections.models import Circular, Finding, Window


def person_text(staff_name: str | None, staff_description: str, naming: str = Circular.Naming.FULL) -> str:
    """The person as a circular names them: the registered name in full or as "张某", else the
    inspector's description of them (exports read the two columns)."""
    if staff_name is None:
        return staff_description
    return staff_name if naming == Circular.Naming.FULL else f"{staff_name[0]}某"


def person_label(finding: Finding, naming: str = Circular.Naming.FULL) -> str:
    return person_text(finding.staff.name if finding.staff_id else None, finding.staff_description, naming)


FINDING_RELATED = ("hall", "hall__region", "window", "department", "staff", "category", "category__parent", "visit")


@dataclass
class FindingListExporter(Exporter):
    """Exactly the rows the findings list's filter selects, within the user's scope."""

    queryset: QuerySet | None = None
    title: str = "问题清单"
    sheet_name: str = "问题清单"
    columns: list[Column] = field(default_factory=lambda: [
        Column("问题编号", 12), Column("发现时间", 17, "datetime"), Column("地区", 22), Column("单位", 26),
        Column("部门", 14), Column("窗口", 10), Column("问题类别", 20), Column("问题描述", 48),
        Column("量化事实", 24), Column("人员", 12), Column("严重程度", 9), Column("问题来源", 9),
        Column("状态", 9),
    ])

    def __post_init__(self):
        self.subtitle = f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}"

    def count(self):
        return self.queryset.count()

    def rows(self):
        severities, sources = choice_labels(Finding.Severity.choices), choice_labels(Finding.Source.choices)
        statuses = choice_labels(Finding.Status.choices)
        describe_facts = fact_describer()
        values = self.queryset.prefetch_related(None).values_list(
            "pk", "observed_at", "hall__region__full_name", "hall__name", "department__name", "window__label",
            "window__number", "category__code", "category__name", "description", "facts", "staff__name",
            "staff_description", "severity", "source", "status",
        )
        for (pk, observed_at, region, hall, department, window_label, window_number, category_code, category,
             description, facts, staff_name, staff_description, severity, source, status) in values.iterator(rows_per_chunk()):
            yield [
                Finding.code_for(pk), observed_at, region, hall, department or "",
                Window.label_for(window_label, window_number),
                f"{category_code} {category}", description, describe_facts(facts),
                person_text(staff_name, staff_description),
                severities[severity], sources[source], statuses[status],
            ]


class _CircularFinding(NamedTuple):
    """What a circular's findings table reads of each finding (``CircularExporter.values``)."""

    id: int
    region: str
    hall: str
    department: str | None
    window_label: str | None
    window_number: int | None
    observed_at: datetime.datetime
    category_class: str | None
    category: str
    description: str
    facts: dict
    staff_name: str | None
    staff_description: str
    source: str
    deadline: datetime.date | None


@dataclass
class CircularExporter(Exporter):
    """The circular's findings table, in the layout offices already circulate."""

    circular: Circular | None = None
    sheet_name: str = "问题清单"
    columns: list[Column] = field(default_factory=lambda: [
        Column("序号", 6, "int"), Column("地区", 18), Column("单位", 24), Column("窗口", 12),
        Column("暗访时间", 17, "datetime"), Column("问题类别", 16), Column("问题描述", 46),
        Column("量化事实", 22), Column("责任人", 10), Column("处理意见", 18), Column("整改时限", 12, "date"),
        Column("备注", 14),
    ])

    def __post_init__(self):
        self.title = f"{self.circular.title}问题清单"
        self.subtitle = f"{self.circular.doc_number}    {self.circular.date:%Y年%m月%d日}"

    def count(self):
        return self.circular.findings.count()

    def values(self):
        """The findings in taxonomy order as plain rows (``_CircularFinding``); the deadline is that of the
        first item, as finding.rectification_items.all()."""
        item = Finding.rectification_items.through.objects.filter(finding=OuterRef("pk")).order_by(
            "rectificationitem__deadline", "rectificationitem_id"
        )
        return (
            self.circular.findings.annotate(circular_deadline=Subquery(item.values("rectificationitem__deadline")[:1]))
            .order_by("category__parent__order", "category__order", "observed_at", "id")
            .values_list(
                "pk", "hall__region__full_name", "hall__name", "department__name", "window__label", "window__number",
                "observed_at", "category__parent__name", "category__name", "description", "facts", "staff__name",
                "staff_description", "source", "circular_deadline",
            )
        )

    def rows(self):
        from rectification.models import Accountability  # rectification builds on inspections

        sources = choice_labels(Finding.Source.choices)
        tracks = choice_labels(Accountability.Track.choices)
        describe_facts = fact_describer()
        decided = Accountability.findings.through.objects.order_by(
            "finding_id", "-accountability__decision_date", "-accountability_id"  # as finding.accountability.all()
        ).values_list("finding_id", "accountability__track", "accountability__type")
        naming = self.circular.naming
        number, size = 0, rows_per_chunk()
        for chunk in in_chunks(self.values().iterator(chunk_size=size), size):
            ids = [row[0] for row in chunk]
            opinions = grouped((i, f"{tracks[track]}（{kind}）") for i, track, kind in decided.filter(finding_id__in=ids))
            for f in map(_CircularFinding._make, chunk):
                number += 1
                yield [
                    number, f.region, f.hall + (f" {f.department}" if f.department else ""),
                    Window.label_for(f.window_label, f.window_number), f.observed_at, f.category_class or f.category,
                    f.description, describe_facts(f.facts), person_text(f.staff_name, f.staff_description, naming),
                    "；".join(opinions.get(f.id, ())) or "责令整改", f.deadline, sources[f.source],
                ]
