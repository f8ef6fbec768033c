"""The circular as a document: what the page, the Word document and the workbook all show.

``document_of(circular)`` is the one way to read it: a draft is built from its
sections and entries as they stand; a published circular is read back from
the JSON publishing froze (``Circular.issued``), so that nothing recorded
later (an accountability, a moved deadline, a renamed hall) changes what was
issued.
"""

import dataclasses
import datetime

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from circulars.models import Circular, CircularEntry, CircularSection, Opinion
from inspections.exports import person_label
from inspections.facts import describe_facts
from inspections.models import Finding
from rectification.models import Accountability, RectificationKind
from rectification.services import deadline_text

CHINESE_NUMERALS = "一二三四五六七八九十"


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十 (sections rarely pass ten)."""
    if n <= 10:
        return CHINESE_NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (CHINESE_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (CHINESE_NUMERALS[ones - 1] if ones else "")


@dataclasses.dataclass
class Item:
    number: int
    finding_code: str
    region: str
    unit: str
    window: str
    observed_at: str  # ISO, local time
    category_class: str
    category: str
    severity: str
    facts: str
    person: str
    text: str
    opinion: str
    deadline: str
    source: str


@dataclasses.dataclass
class Section:
    number: str  # 一, 二, …
    title: str
    items: list[Item]


@dataclasses.dataclass
class CircularDocument:
    issuer: str
    number: str
    title: str
    date: str  # ISO
    lead: str
    sections: list[Section]
    tally: str
    requirements: str
    corrects: str  # the number of the circular this one corrects, or ""
    frozen: bool = False

    @property
    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    @property
    def closing(self) -> list[tuple[str, str, str]]:
        """(number, heading, text) of 问责情况 and 工作要求, numbered after the sections."""
        parts = [(title, text) for title, text in ((_("问责情况"), self.tally), (_("工作要求"), self.requirements))
                 if text]
        return [(chinese_number(len(self.sections) + n), str(title), text)
                for n, (title, text) in enumerate(parts, start=1)]

    @property
    def issue_date(self) -> datetime.date:
        return datetime.date.fromisoformat(self.date)

    def as_json(self) -> dict:
        return dataclasses.asdict(self) | {"frozen": True}

    @classmethod
    def from_json(cls, data: dict) -> "CircularDocument":
        sections = [Section(s["number"], s["title"], [Item(**i) for i in s["items"]]) for s in data["sections"]]
        return cls(**(data | {"sections": sections}))


def compose_sentence(*, unit: str, window: str, person: str, description: str, facts: str) -> str:
    """One sentence of the notice from its parts, saying nothing twice: unit, window, （person）,
    description, （facts）. The unit is left out when the description starts with it, the window
    and the person when the description names them already."""
    text = (description or "").strip().rstrip("。；;.")
    parts = []
    if unit and not text.startswith(unit):
        parts.append(unit)
    if window and window not in text:
        parts.append(window)
    if person and person not in text:
        parts.append(f"（{person}）")
    parts.append(text)
    facts = _unsaid(facts, text)
    if facts:
        parts.append(f"（{facts}）")
    sentence = "".join(parts)
    return sentence + "。" if sentence else ""


def _unsaid(facts: str, text: str) -> str:
    """The facts ("离岗时长 27 分钟；所做无关事 闲聊、吃东西") the description does not say already."""
    flat = text.replace(" ", "")
    kept = [part for part in facts.split("；")
            if part and part.split(" ", 1)[-1].replace(" ", "") not in flat]
    return "；".join(kept)


def _unit(finding: Finding) -> str:
    return finding.hall.name + finding.departments_text


def default_opinion(finding: Finding) -> str:
    """立行立改 when the finding's ledger item says so, else 责令整改 (the office picks another)."""
    kinds = {item.kind for item in finding.rectification_items.all()}
    return Opinion.IMMEDIATE if kinds == {RectificationKind.IMMEDIATE} else Opinion.RECTIFY


def default_sentence(finding: Finding, surname_only: bool) -> str:
    return compose_sentence(
        unit=_unit(finding), window=finding.windows_text,
        person=person_label(finding, surname_only), description=finding.description,
        facts=describe_facts(finding.facts),
    )


FINDING_PARTS = ("hall", "hall__region", "department", "window", "staff", "category", "category__parent")
ENTRY_PREFETCH = ("finding__rectification_items", "finding__other_windows", "finding__other_departments")
ENTRY_RELATED = ("finding__hall", "finding__hall__region", "finding__department", "finding__window",
                 "finding__staff", "finding__category", "finding__category__parent", "section")


def tally_text(circular: Circular) -> str:
    """The office's own 问责情况, else a count of the accountability recorded for its findings."""
    if circular.accountability_tally:
        return circular.accountability_tally
    count = Accountability.objects.filter(findings__circulars=circular).aggregate(n=Count("pk", distinct=True))["n"]
    return _("对上述问题，有关单位共问责 %(n)d 人（次）。") % {"n": count} if count else ""


def build(circular: Circular) -> CircularDocument:
    """The document as the circular now stands (a draft, or the moment of publishing)."""
    entries = (CircularEntry.objects.filter(circular=circular).select_related(*ENTRY_RELATED)
               .prefetch_related(*ENTRY_PREFETCH))
    by_section: dict[int, list[CircularEntry]] = {}
    for entry in entries:
        by_section.setdefault(entry.section_id, []).append(entry)
    sources = dict(Finding.Source.choices)
    opinions = dict(Opinion.choices)
    sections, number = [], 0
    for section in CircularSection.objects.filter(circular=circular):
        mine = by_section.get(section.pk, [])
        if not mine:
            continue
        items = []
        for entry in mine:
            f = entry.finding
            number += 1
            items.append(Item(
                number=number, finding_code=f.code, region=f.hall.region.full_name, unit=_unit(f),
                window=f.windows_text,
                observed_at=timezone.localtime(f.observed_at).isoformat(timespec="minutes"),
                category_class=f.category.parent.name if f.category.parent_id else f.category.name,
                category=f.category.name, severity=str(f.get_severity_display()), facts=describe_facts(f.facts),
                person=person_label(f, circular.names_surname_only),
                text=entry.text or default_sentence(f, circular.names_surname_only),
                opinion=str(opinions[entry.opinion]),
                deadline="；".join(deadline_text(i) for i in f.rectification_items.all()) or "—",
                source=str(sources[f.source]),
            ))
        sections.append(Section(chinese_number(len(sections) + 1), section.title, items))
    return CircularDocument(
        issuer=circular.issuer, number=circular.number_text, title=circular.title, date=circular.date.isoformat(),
        lead=circular.lead, sections=sections, tally=tally_text(circular), requirements=circular.requirements,
        corrects=circular.corrects.number_text if circular.corrects_id else "",
    )


def document_of(circular: Circular) -> CircularDocument:
    """The frozen document of a published circular; the live one of a draft."""
    if circular.issued:
        return CircularDocument.from_json(circular.issued)
    return build(circular)


def document_filename(circular: Circular, extension: str) -> str:
    """"佳作整办〔2026〕3号 关于….docx"; a draft is named by its title alone."""
    name = f"{circular.doc_number} {circular.title}" if circular.doc_number else f"{circular.title}（草稿）"
    return f"{name}.{extension}".replace("/", "／")
