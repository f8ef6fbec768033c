"""The circular as a workbook (see core.exporting for the framework): a first sheet with the
notice's own paragraphs (lead, tally, requirements), then the findings table, both read from
circulars.document, so that the workbook says what the page and the Word document say."""

import datetime
from dataclasses import dataclass, field

from circulars.document import CircularDocument, outline_and_items
from circulars.models import Circular
from core.exporting import Column, Exporter, Sheet

FINDING_COLUMNS = [
    Column("序号", 6, "int"), Column("地区", 18), Column("单位", 24), Column("窗口", 12),
    Column("暗访时间", 17, "datetime"), Column("问题类别", 14), Column("问题子项", 18), Column("严重程度", 8),
    Column("通报表述", 50), Column("量化事实", 22), Column("责任人", 10), Column("处理意见", 12),
    Column("整改时限", 14), Column("章节", 20), Column("来源", 8),
]
NOTICE_COLUMNS = [Column("项目", 12), Column("内容", 90)]


def notice_rows(document: CircularDocument) -> list[list]:
    rows = [["文号", document.number], ["标题", document.title], ["发文机关", document.issuer],
            ["发文日期", f"{document.issue_date:%Y年%-m月%-d日}"]]
    if document.corrects:
        rows.append(["更正", f"本通报更正{document.corrects}"])
    rows += [["导语", document.lead], ["问题总数", f"{sum(section.size for section in document.sections)} 个"]]
    rows += [[f"{section.number}、", f"{section.title}（{section.size} 个）"] for section in document.sections]
    rows += [["问责情况", document.tally], ["工作要求", document.requirements]]
    return rows


def finding_rows(items):
    """(section, item) pairs → rows of the findings sheet."""
    for section, item in items:
        yield [
            item.number, item.region, item.unit, item.window, datetime.datetime.fromisoformat(item.observed_at),
            item.category_class, item.category, item.severity, item.text, item.facts, item.person,
            item.opinion, item.deadline, f"{section.number}、{section.title}", item.source,
        ]


@dataclass
class CircularExporter(Exporter):
    """The circular as offices circulate it: 通报 (the paragraphs) and 问题清单 (the table)."""

    circular: Circular | None = None
    sheet_name: str = "问题清单"
    columns: list[Column] = field(default_factory=lambda: list(FINDING_COLUMNS))

    def __post_init__(self):
        # The outline now, the items as the rows are written: memory stays flat however many.
        self.document, self._items = outline_and_items(self.circular)
        self.title = f"{self.document.title}问题清单"
        self.subtitle = f"{self.document.number}    {self.document.issue_date:%Y年%m月%d日}"

    def count(self):
        return sum(section.size for section in self.document.sections)

    def rows(self):
        return finding_rows(self._items)

    def sheets(self):
        notice = Sheet("通报", self.document.title, NOTICE_COLUMNS, notice_rows(self.document), self.subtitle)
        return [notice, *super().sheets()]


def published_numbers(finding_ids: list[int]):
    """(finding id, document number) of the published circulars naming these findings: the ledger's
    问题来源 column (rectification.exports.CIRCULAR_NUMBERS)."""
    return Circular.findings.through.objects.filter(
        circular__status=Circular.Status.PUBLISHED, finding_id__in=finding_ids
    ).values_list("finding_id", "circular__doc_number")
