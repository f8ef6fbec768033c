"""The circular as a document: what the page, the Word document and the workbook all show.

``document_of(circular)`` is the one way to read it: a draft is built from its
sections and entries as they stand; a published circular is read back from
the JSON publishing froze (``Circular.issued``), so that nothing recorded
later (an accountability, a moved deadline, a renamed hall) changes what was
issued.
"""

import dataclasses
import datetime
from collections.abc import Iterator

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from circulars.models import Circular, CircularEntry, CircularSection, Opinion
from core.exporting import choice_labels, grouped, in_chunks, rows_per_chunk
from inspections.exports import other_units, person_label, person_text
from inspections.facts import describe_facts, fact_describer
from inspections.models import Finding
from rectification.models import Accountability, RectificationKind
from rectification.services import deadline_words
from registry.models import Window

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
    count: int = 0  # the items, also when they are not loaded (outline_and_items)

    @property
    def size(self) -> int:
        return len(self.items) or self.count


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
        sections = [Section(s["number"], s["title"], [Item(**i) for i in s["items"]], len(s["items"]))
                    for s in data["sections"]]
        return cls(**(data | {"sections": sections}))


def compose_sentence(*, hall: str, departments: str, window: str, person: str, description: str,
                     facts: str) -> str:
    """One sentence of the notice from its parts, saying nothing twice: hall, departments, window,
    （person）, description, （facts: those the description does not say, see describe_facts）. A description that starts with the hall's name names its
    unit its own way ("安达市市民公共服务中心工商、医保窗口…"), so no unit or window is put before it;
    otherwise the departments and the window go in unless the description names them already."""
    text = (description or "").strip().rstrip("。；;.")
    parts = []
    if not (hall and text.startswith(hall)):
        parts.append(hall)
        if departments and departments not in text:
            parts.append(departments)
        if window and window not in text:
            parts.append(window)
    if person and person not in text:
        parts.append(f"（{person}）")
    parts.append(text)
    if facts:
        parts.append(f"（{facts}）")
    sentence = "".join(parts)
    return sentence + "。" if sentence else ""


def default_opinion(finding: Finding) -> str:
    """立行立改 when the finding's ledger item says so, else 责令整改 (the office picks another)."""
    kinds = {item.kind for item in finding.rectification_items.all()}
    return Opinion.IMMEDIATE if kinds == {RectificationKind.IMMEDIATE} else Opinion.RECTIFY


def default_sentence(finding: Finding, surname_only: bool) -> str:
    return compose_sentence(
        hall=finding.hall.name, departments=finding.departments_text, window=finding.windows_text,
        person=person_label(finding, surname_only), description=finding.description,
        facts=describe_facts(finding.facts, said=finding.description),
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


def _outline(circular: Circular) -> list[Section]:
    """The sections that hold entries, numbered, each with its entry count and no items yet."""
    counted = (CircularSection.objects.filter(circular=circular).annotate(n=Count("entries")).filter(n__gt=0)
               .order_by("order", "id"))  # (a GROUP BY drops Meta.ordering)
    return [Section(chinese_number(rank), section.title, [], count=section.n)
            for rank, section in enumerate(counted, start=1)]


# What an entry's Item is made of, read as plain values (model instances cost three times the
# writing of the row in a 200,000-finding export; bench/README.md).
_ENTRY_VALUES = (
    "finding_id", "text", "opinion", "finding__hall__name", "finding__hall__region__full_name",
    "finding__department__name", "finding__window__label", "finding__window__number", "finding__observed_at",
    "finding__category__parent__name", "finding__category__name", "finding__severity", "finding__facts",
    "finding__staff__name", "finding__staff_description", "finding__description", "finding__source",
)


def _chunk_lookups(ids: list[int]) -> tuple[dict, dict, dict]:
    """Other windows, other departments and ledger deadlines of a chunk of findings, a query each."""
    more_windows, more_departments = other_units(ids)
    items = Finding.rectification_items.through.objects.filter(finding_id__in=ids).order_by(
        "rectificationitem__deadline", "rectificationitem_id").values_list(
        "finding_id", "rectificationitem__deadline", "rectificationitem__deadline_estimated", "rectificationitem__kind")
    return more_windows, more_departments, grouped((pk, deadline_words(*rest)) for pk, *rest in items)


def _live_items(circular: Circular, sections: list[Section]) -> Iterator[tuple[Section, Item]]:
    """Each entry as an Item with its section, in order, a chunk at a time (a circular of 200,000
    findings stays within a few dozen MB)."""
    values = CircularEntry.objects.filter(circular=circular).values_list(*_ENTRY_VALUES)
    sources, opinions = choice_labels(Finding.Source.choices), choice_labels(Opinion.choices)
    severities = choice_labels(Finding.Severity.choices)
    describe = fact_describer()
    surname_only = circular.names_surname_only
    titles = iter(sections)
    section, left, number = None, 0, 0
    size = rows_per_chunk()
    for chunk in in_chunks(values.iterator(chunk_size=size), size):
        more_windows, more_departments, deadlines = _chunk_lookups([row[0] for row in chunk])
        for (pk, text, opinion, hall, region, department, window_label, window_number, observed_at, parent,
             category, severity, facts, staff_name, staff_description, description, source) in chunk:
            while left == 0:
                section = next(titles)
                left = section.count
            left -= 1
            number += 1
            departments = Finding.units_text(department, more_departments.get(pk, ()))
            windows = Finding.units_text(Window.label_for(window_label, window_number), more_windows.get(pk, ()))
            person = person_text(staff_name, staff_description, surname_only)
            yield section, Item(
                number=number, finding_code=Finding.code_for(pk), region=region, unit=hall + departments,
                window=windows, observed_at=timezone.localtime(observed_at).isoformat(timespec="minutes"),
                category_class=parent or category, category=category, severity=severities[severity],
                facts=describe(facts), person=person,
                text=text or compose_sentence(hall=hall, departments=departments, window=windows, person=person,
                                              description=description, facts=describe(facts, description)),
                opinion=opinions[opinion], deadline="；".join(deadlines.get(pk, ())) or "—", source=sources[source],
            )


def _head(circular: Circular, sections: list[Section]) -> CircularDocument:
    return CircularDocument(
        issuer=circular.issuer, number=circular.number_text, title=circular.title, date=circular.date.isoformat(),
        lead=circular.lead, sections=sections, tally=tally_text(circular), requirements=circular.requirements,
        corrects=circular.corrects.number_text if circular.corrects_id else "",
    )


def build(circular: Circular) -> CircularDocument:
    """The document as the circular now stands (a draft, or the moment of publishing)."""
    sections = _outline(circular)
    for section, item in _live_items(circular, sections):
        section.items.append(item)
    return _head(circular, sections)


def outline_and_items(circular: Circular) -> tuple[CircularDocument, Iterator[tuple[Section, Item]]]:
    """For exports of any size: the document without its items (sections carry their counts), and
    the items one by one. A frozen circular reads both from what publishing stored."""
    if circular.issued:
        document = CircularDocument.from_json(circular.issued)
        return document, ((section, item) for section in document.sections for item in section.items)
    sections = _outline(circular)
    return _head(circular, sections), _live_items(circular, sections)


def document_of(circular: Circular) -> CircularDocument:
    """The frozen document of a published circular; the live one of a draft."""
    if circular.issued:
        return CircularDocument.from_json(circular.issued)
    return build(circular)


def document_filename(circular: Circular, extension: str) -> str:
    """"佳作整办〔2026〕3号 关于….docx"; a draft is named by its title alone."""
    name = f"{circular.doc_number} {circular.title}" if circular.doc_number else f"{circular.title}（草稿）"
    return f"{name}.{extension}".replace("/", "／")
