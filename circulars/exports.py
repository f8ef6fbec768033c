"""The circular's findings table in Excel (see core.exporting for the framework)."""

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import OuterRef, Subquery

from circulars.models import Circular
from core.exporting import Column, Exporter, choice_labels, grouped, in_chunks, rows_per_chunk
from inspections.exports import person_text
from inspections.facts import fact_describer
from inspections.models import Finding
from rectification.models import Accountability
from registry.models import Window


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
        sources = choice_labels(Finding.Source.choices)
        tracks = choice_labels(Accountability.Track.choices)
        describe_facts = fact_describer()
        decided = Accountability.findings.through.objects.order_by(
            "finding_id", "-accountability__decision_date", "-accountability_id"  # as finding.accountability.all()
        ).values_list("finding_id", "accountability__track", "accountability__type")
        surname_only = self.circular.names_surname_only
        number, size = 0, rows_per_chunk()
        for chunk in in_chunks(self.values().iterator(chunk_size=size), size):
            ids = [row[0] for row in chunk]
            opinions = grouped((i, f"{tracks[track]}（{kind}）") for i, track, kind in decided.filter(finding_id__in=ids))
            for f in map(_CircularFinding._make, chunk):
                number += 1
                yield [
                    number, f.region, f.hall + (f" {f.department}" if f.department else ""),
                    Window.label_for(f.window_label, f.window_number), f.observed_at, f.category_class or f.category,
                    f.description, describe_facts(f.facts), person_text(f.staff_name, f.staff_description, surname_only),
                    "；".join(opinions.get(f.id, ())) or "责令整改", f.deadline, sources[f.source],
                ]


def published_numbers(finding_ids: list[int]):
    """(finding id, document number) of the published circulars naming these findings: the ledger's
    问题来源 column (rectification.exports.CIRCULAR_NUMBERS)."""
    return Circular.findings.through.objects.filter(
        circular__status=Circular.Status.PUBLISHED, finding_id__in=finding_ids
    ).values_list("finding_id", "circular__doc_number")
