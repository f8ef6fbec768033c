"""Circulars: numbering, drafting and publishing (which lifts the embargo and opens the ledger)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import Event
from circulars import document
from circulars.models import Circular, CircularEntry, CircularSection, NumberLock
from core.permissions import require
from inspections.models import Finding
from inspections.scope import findings_visible_to
from inspections.services import finding_publish
from rectification import services as ledger


def next_serial(issuer_code: str, year: int) -> int:
    """The next free serial for an issuer and year: after every number already issued or reserved
    by a draft (a paper circular entered with its own number)."""
    latest = Circular.objects.filter(issuer_code=issuer_code, year=year).aggregate(n=Max("serial"))["n"]
    return (latest or 0) + 1


def _take_serial(issuer_code: str, year: int) -> int:
    """next_serial while holding the issuer's year lock, so that two offices publishing at the same
    moment get consecutive numbers, never the same one (PostgreSQL waits on the row; SQLite
    writes one at a time anyway)."""
    try:
        with transaction.atomic():
            NumberLock.objects.get_or_create(issuer_code=issuer_code, year=year)
    except IntegrityError:  # created by the other one in between: it exists now
        pass
    NumberLock.objects.select_for_update().get(issuer_code=issuer_code, year=year)
    return next_serial(issuer_code, year)


def _check_findings(actor, circular_region, findings):
    visible = findings_visible_to(actor)
    errors = []
    for finding in findings:
        if not visible.filter(pk=finding.pk).exists() or not finding.hall.region.path.startswith(circular_region.path):
            errors.append(_("问题 %(code)s 不在本通报的区划或您的查看范围内。") % {"code": finding.code})
        elif finding.status != Finding.Status.CONFIRMED:
            errors.append(
                _("问题 %(code)s 当前为“%(status)s”，只有已确认的问题才能通报。")
                % {"code": finding.code, "status": finding.get_status_display()}
            )
    if errors:
        raise ValidationError({"findings": errors})


FIELDS = ("issuer", "issuer_code", "year", "serial", "region", "title", "date", "lead", "requirements",
          "accountability_tally", "naming", "corrects")


@transaction.atomic
def circular_save(*, actor, circular: Circular | None = None, values: dict, findings) -> Circular:
    """Create or edit a draft circular."""
    findings = list(findings)
    if circular is None:
        require(actor, "circular.add")
        circular = Circular(created_by=actor)
    else:
        require(actor, "circular.edit", circular)
    for field in FIELDS:
        if field in values:
            setattr(circular, field, values[field])
    if not circular.region.path.startswith(actor.region.path):
        raise ValidationError({"region": _("只能以本区划或下级区划的名义发通报。")})
    if circular.corrects_id and (circular.corrects.status != Circular.Status.PUBLISHED
                                 or not actor.has_perm("circular.view", circular.corrects)):
        raise ValidationError({"corrects": _("只能更正已发布的通报。")})
    _check_findings(actor, circular.region, findings)
    circular.full_clean(exclude=["doc_number"])
    circular._history_user = actor
    circular.save()
    circular.findings.set(findings)
    entries_follow_findings(circular, findings)
    return circular


def entries_follow_findings(circular: Circular, findings: list[Finding]):
    """Keep one entry per finding: a finding taken out loses its entry, a new one joins the section
    of its problem class (opened, titled by the class, after the others, when there is none) with
    the sentence composed from its parts. What the office arranged stays as it arranged it."""
    wanted = {f.pk: f for f in findings}
    CircularEntry.objects.filter(circular=circular).exclude(finding__in=list(wanted)).delete()
    have = set(CircularEntry.objects.filter(circular=circular).values_list("finding_id", flat=True))
    new = sorted((f for pk, f in wanted.items() if pk not in have),
                 key=lambda f: (f.category.parent.order if f.category.parent_id else f.category.order,
                                f.category.order, f.hall.name, f.observed_at, f.pk))
    sections = {s.category_id: s for s in CircularSection.objects.filter(circular=circular, category__isnull=False)}
    last = CircularSection.objects.filter(circular=circular).aggregate(n=Max("order"))["n"] or 0
    for finding in new:
        finding = Finding.objects.select_related(*document.FINDING_PARTS).prefetch_related(
            "other_windows", "other_departments").get(pk=finding.pk)
        top = finding.category.parent or finding.category
        section = sections.get(top.pk)
        if section is None:
            last += 1
            section = sections[top.pk] = CircularSection.objects.create(
                circular=circular, order=last, title=top.name, category=top)
        place = CircularEntry.objects.filter(section=section).aggregate(n=Max("order"))["n"] or 0
        CircularEntry.objects.create(
            circular=circular, finding=finding, section=section, order=place + 1,
            opinion=document.default_opinion(finding),
        )
    CircularSection.objects.filter(circular=circular, entries__isnull=True).delete()


@transaction.atomic
def circular_publish(*, actor, circular: Circular, today: datetime.date | None = None) -> Circular:
    """One transaction: the findings become published (visible to the halls), their ledger items open."""
    circular = Circular.objects.select_for_update(of=("self",)).select_related("region").get(pk=circular.pk)
    require(actor, "circular.publish", circular)
    if circular.status != Circular.Status.DRAFT:
        raise ValidationError(_("这份通报已经发布过了。"))
    findings = list(circular.findings.select_related("hall", "hall__region", "category"))
    if not findings:
        raise ValidationError(_("通报里还没有问题。"))
    _check_findings(actor, circular.region, findings)
    today = today or timezone.localdate()
    if circular.date > today:
        raise ValidationError({"date": _("发文日期 %(date)s 晚于今天，不能发布。") % {"date": circular.date}})
    # Deadlines count from the date the circular bears: today's, or the earlier date of a paper
    # circular entered afterwards.
    issued = circular.date
    for finding in findings:
        published = finding_publish(actor=actor, finding=finding)
        prepared = published.rectification_items.filter(status="prepared")
        if prepared.exists():
            for item in prepared:
                # An item bundling a finding of a later circular waits for that one.
                if ledger.ready_for_hall(item):
                    ledger.item_assign(actor=actor, item=item, today=issued)
        elif not published.rectification_items.exists():
            ledger.item_create(actor=actor, findings=[published], today=issued)
    if circular.serial is None:
        circular.serial = _take_serial(circular.issuer_code, circular.year)
    circular.doc_number = Circular.format_number(circular.issuer_code, circular.year, circular.serial)
    circular.issued = document.build(circular).as_json()  # bearing its number; frozen from now on
    circular.status = Circular.Status.PUBLISHED
    circular.published_at, circular.published_by = timezone.now(), actor
    circular._history_user = actor
    circular.full_clean(exclude=["doc_number"])
    circular.save()
    record(Event.PUBLISHED, user=actor, obj=circular, doc_number=circular.doc_number, findings=len(findings))
    return circular


@transaction.atomic
def circular_arrange(*, actor, circular: Circular, sections: dict, new_sections: dict, entries: dict) -> Circular:
    """The office's arrangement of a draft, all at once or not at all.

    ``sections``: {section id: (title, order)}; ``new_sections``: {key: (title, order)} for sections
    to open (a blank title opens none); ``entries``: {entry id: (section id or new key, order, text,
    opinion)}. A section left without entries goes (that is how two are merged); a sentence left as
    composed is stored blank, so that it follows the finding until publishing.
    """
    circular = Circular.objects.select_for_update().get(pk=circular.pk)
    require(actor, "circular.edit", circular)
    mine = {s.pk: s for s in CircularSection.objects.filter(circular=circular)}
    rows = {e.pk: e for e in CircularEntry.objects.filter(circular=circular).select_related(
        *document.ENTRY_RELATED).prefetch_related(*document.ENTRY_PREFETCH)}
    if set(sections) - set(mine) or set(entries) - set(rows):
        raise ValidationError(_("页面已过期：通报的内容在您编辑期间有变化，请刷新后重试。"))
    errors = []
    for pk, (title, order) in sections.items():
        if not title.strip():
            errors.append(_("第 %(n)s 个章节的标题不能为空。") % {"n": order})
        mine[pk].title, mine[pk].order = title.strip(), order
    opened = {}
    for key, (title, order) in new_sections.items():
        if title.strip():
            opened[key] = CircularSection(circular=circular, title=title.strip(), order=order)
    for pk, (target, *_rest) in entries.items():
        if target not in mine and target not in opened:
            errors.append(_("问题 %(code)s 选择的章节不存在（新章节须填写标题）。") % {"code": rows[pk].finding.code})
    if errors:
        raise ValidationError(errors)
    for section in mine.values():
        section._history_user = actor
        section.save()
    for section in opened.values():
        section._history_user = actor
        section.save()
    for pk, (target, order, text, opinion) in entries.items():
        entry = rows[pk]
        composed = document.default_sentence(entry.finding, circular.names_surname_only)
        entry.section = mine.get(target) or opened[target]
        entry.order, entry.opinion = order, opinion
        entry.text = "" if text.strip() in ("", composed) else text.strip()
        entry._history_user = actor
        entry.full_clean(exclude=["circular", "finding", "section"])
        entry.save()
    CircularSection.objects.filter(circular=circular, entries__isnull=True).delete()
    return circular
