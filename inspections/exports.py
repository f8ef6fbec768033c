"""Excel exports of findings and circulars (see inspections.exporting for the framework)."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from inspections.exporting import Column, Exporter
from inspections.facts import describe_facts
from inspections.models import Circular, Finding


def person_label(finding: Finding, naming: str = Circular.Naming.FULL) -> str:
    """The person as a circular names them: in full, or as "张某"."""
    if finding.staff_id:
        name = finding.staff.name
        return name if naming == Circular.Naming.FULL else f"{name[0]}某"
    return finding.staff_description


def region_label(finding: Finding) -> str:
    return finding.hall.region.full_name


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
        for f in self.queryset.select_related(*FINDING_RELATED).iterator(chunk_size=2000):
            yield [
                f.code, f.observed_at, region_label(f), f.hall.name,
                f.department.name if f.department_id else "",
                str(f.window.display_label) if f.window_id else "",
                f"{f.category.code} {f.category.name}", f.description, describe_facts(f.facts),
                person_label(f), f.get_severity_display(), f.get_source_display(), f.get_status_display(),
            ]


def handling_opinion(finding: Finding) -> str:
    """处理意见: the accountability decided for the finding, or the standing order to fix it."""
    decided = [f"{a.get_track_display()}（{a.type}）" for a in finding.accountability.all()]
    return "；".join(decided) or "责令整改"


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

    def findings(self):
        return (
            self.circular.findings.select_related(*FINDING_RELATED)
            .prefetch_related("accountability", "rectification_items")
            .order_by("category__parent__order", "category__order", "observed_at", "id")
        )

    def count(self):
        return self.circular.findings.count()

    def rows(self):
        for number, f in enumerate(self.findings().iterator(chunk_size=2000), start=1):
            items = list(f.rectification_items.all())
            deadline = items[0].deadline if items else None
            yield [
                number, region_label(f), f.hall.name + (f" {f.department.name}" if f.department_id else ""),
                str(f.window.display_label) if f.window_id else "", f.observed_at,
                f.category.parent.name if f.category.parent_id else f.category.name, f.description,
                describe_facts(f.facts), person_label(f, self.circular.naming), handling_opinion(f), deadline,
                f.get_source_display(),
            ]
