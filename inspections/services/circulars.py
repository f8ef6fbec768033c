"""Circulars: numbering, drafting and publishing (which lifts the embargo and opens the ledger)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import scope
from inspections.models import Circular, Finding, Role
from inspections.services.findings import finding_publish


def next_serial(issuer_code: str, year: int) -> int:
    """The next free serial for an issuer and year (a suggestion; the office may choose another)."""
    latest = Circular.objects.filter(issuer_code=issuer_code, year=year).aggregate(n=Max("serial"))["n"]
    return (latest or 0) + 1


def _check_findings(actor, circular_region, findings):
    visible = scope.findings_visible_to(actor)
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
    if actor.role != Role.OFFICE or actor.region_id is None:
        raise PermissionDenied
    circular = circular or Circular(created_by=actor)
    if circular.pk and not scope.can_edit_circular(actor, circular):
        raise PermissionDenied
    for field in FIELDS:
        if field in values:
            setattr(circular, field, values[field])
    if not circular.region.path.startswith(actor.region.path):
        raise ValidationError({"region": _("只能以本区划或下级区划的名义发通报。")})
    if circular.serial is None:
        circular.serial = next_serial(circular.issuer_code, circular.year)
    _check_findings(actor, circular.region, findings)
    circular.full_clean(exclude=["doc_number"])
    circular.save()
    circular.findings.set(findings)
    return circular


@transaction.atomic
def circular_publish(*, actor, circular: Circular, today: datetime.date | None = None) -> Circular:
    """One transaction: the findings become published (visible to the halls), their ledger items open."""
    from rectification.services import item_assign, item_create, ready_for_hall

    circular = Circular.objects.select_for_update().select_related("region").get(pk=circular.pk)
    if circular.status != Circular.Status.DRAFT:
        raise ValidationError(_("这份通报已经发布过了。"))
    if not scope.can_edit_circular(actor, circular):
        raise PermissionDenied
    findings = list(circular.findings.select_related("hall", "hall__region", "category"))
    if not findings:
        raise ValidationError(_("通报里还没有问题。"))
    _check_findings(actor, circular.region, findings)
    today = today or timezone.localdate()
    for finding in findings:
        published = finding_publish(finding=finding)
        prepared = published.rectification_items.filter(status="prepared")
        if prepared.exists():
            for item in prepared:
                # An item bundling a finding of a later circular waits for that one.
                if ready_for_hall(item):
                    item_assign(actor=actor, item=item, today=today)
        elif not published.rectification_items.exists():
            item_create(actor=actor, findings=[published], today=today)
    circular.status = Circular.Status.PUBLISHED
    circular.published_at, circular.published_by = timezone.now(), actor
    circular.save()
    return circular
