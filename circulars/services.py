"""Circulars: numbering, drafting and publishing (which lifts the embargo and opens the ledger)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from circulars.models import Circular
from core.permissions import require
from inspections.models import Finding
from inspections.scope import findings_visible_to
from inspections.services import finding_publish
from rectification import services as ledger


def next_serial(issuer_code: str, year: int) -> int:
    """The next free serial for an issuer and year (a suggestion; the office may choose another)."""
    latest = Circular.objects.filter(issuer_code=issuer_code, year=year).aggregate(n=Max("serial"))["n"]
    return (latest or 0) + 1


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
          "accountability_tally", "naming")


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
    if circular.serial is None:
        circular.serial = next_serial(circular.issuer_code, circular.year)
    _check_findings(actor, circular.region, findings)
    circular.full_clean(exclude=["doc_number"])
    circular._history_user = actor
    circular.save()
    circular.findings.set(findings)
    return circular


@transaction.atomic
def circular_publish(*, actor, circular: Circular, today: datetime.date | None = None) -> Circular:
    """One transaction: the findings become published (visible to the halls), their ledger items open."""
    circular = Circular.objects.select_for_update().select_related("region").get(pk=circular.pk)
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
    circular.status = Circular.Status.PUBLISHED
    circular.published_at, circular.published_by = timezone.now(), actor
    circular._history_user = actor
    circular.save()
    return circular
