"""Excel export of the findings list (see core.exporting for the framework)."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from core.exporting import Column, Exporter, choice_labels, grouped, in_chunks, rows_per_chunk
from inspections.facts import fact_describer
from inspections.models import Finding
from registry.models import Window


def person_text(staff_name: str | None, staff_description: str, surname_only: bool = False) -> str:
    """The person as a finding names them: the registered name, in full or as "张某" (a circular
    may ask for that), else the inspector's description of them (exports read the two columns)."""
    if staff_name is None:
        return staff_description
    return f"{staff_name[0]}某" if surname_only else staff_name


def person_label(finding: Finding, surname_only: bool = False) -> str:
    return person_text(finding.staff.name if finding.staff_id else None, finding.staff_description, surname_only)


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
        size = rows_per_chunk()
        for chunk in in_chunks(values.iterator(size), size):
            more_windows, more_departments = other_units([row[0] for row in chunk])
            for (pk, observed_at, region, hall, department, window_label, window_number, category_code, category,
                 description, facts, staff_name, staff_description, severity, source, status) in chunk:
                yield [
                    Finding.code_for(pk), observed_at, region, hall,
                    Finding.units_text(department, more_departments.get(pk, ())),
                    Finding.units_text(Window.label_for(window_label, window_number), more_windows.get(pk, ())),
                    f"{category_code} {category}", description, describe_facts(facts),
                    person_text(staff_name, staff_description),
                    severities[severity], sources[source], statuses[status],
                ]


def other_units(finding_ids: list[int]) -> tuple[dict, dict]:
    """The other windows' labels and departments' names of each finding ({id: [...]}), one query
    each: exports look them up a chunk at a time (also the circular's, circulars.document)."""
    windows = Finding.other_windows.through.objects.filter(finding_id__in=finding_ids).order_by("id").values_list(
        "finding_id", "window__label", "window__number")
    departments = Finding.other_departments.through.objects.filter(finding_id__in=finding_ids).order_by(
        "id").values_list("finding_id", "department__name")
    return (grouped((pk, Window.label_for(label, number)) for pk, label, number in windows),
            grouped(departments))
