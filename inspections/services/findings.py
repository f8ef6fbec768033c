"""Visits and findings: record, edit, submit, review.

Every write asks the policy who may do it (``core.permissions.require``) and
checks that the step is legal (``FINDING_TRANSITIONS``), runs in one
transaction, and leaves nothing half-written when it refuses.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.permissions import require
from inspections.facts import clean_facts
from inspections.models import FINDING_TRANSITIONS, Finding, ProblemCategory, Visit
from inspections.services.evidence import check_uploads, removed_on_failure, store_files
from registry.models import ServiceHall

# Phones' clocks drift; a minute or two "in the future" is not worth refusing.
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)

# The fields a finding's form edits; the rest come from the visit and the workflow.
EDITABLE_FIELDS = (
    "category", "observed_at", "window", "department", "staff", "staff_description",
    "severity", "description",
)
# The other windows and departments a finding names, besides its first (set after saving).
MANY_FIELDS = ("other_windows", "other_departments")


# --- Visits ---------------------------------------------------------------------

@transaction.atomic
def visit_start(*, actor, hall: ServiceHall, mode: str, started_at=None, campaign=None,
                team_name: str = "", notes: str = "", co_inspectors=()) -> Visit:
    require(actor, "visit.start", hall)
    started_at = started_at or timezone.now()
    if started_at > timezone.now() + CLOCK_TOLERANCE:
        raise ValidationError({"started_at": _("开始时间不能晚于现在。")})
    if campaign is not None and not campaign.covers(hall):
        raise ValidationError({"campaign": _("所选专项整治行动不覆盖该单位所在区划。")})
    visit = Visit(
        hall=hall, mode=mode, started_at=started_at, campaign=campaign,
        team_name=team_name, notes=notes, created_by=actor,
    )
    visit.full_clean()
    visit.save()
    visit.inspectors.add(actor, *co_inspectors)
    return visit


@transaction.atomic
def visit_end(*, actor, visit: Visit, ended_at=None) -> Visit:
    require(actor, "visit.end", visit)
    if visit.ended_at:
        raise ValidationError(_("这次走访已经结束。"))
    ended_at = ended_at or timezone.now()
    latest = visit.findings.order_by("-observed_at").values_list("observed_at", flat=True).first()
    if ended_at < visit.started_at or (latest and ended_at < latest):
        raise ValidationError(_("结束时间不能早于开始时间或已登记问题的发现时间。"))
    visit.ended_at = ended_at
    visit.save(update_fields=["ended_at"])
    return visit


# --- Validation shared by the forms and the services ---------------------------

def validate_finding(*, hall: ServiceHall, visit: Visit | None, values: dict, facts_raw: dict) -> dict:
    """Check a finding's fields against its hall, visit and category; return the clean facts.

    Raises ValidationError keyed by form field, with Chinese messages.
    """
    errors: dict[str, list] = {}
    for field in ("window", "department", "staff"):
        obj = values.get(field)
        if obj is not None and obj.hall_id != hall.pk:
            errors[field] = [_("所选项目不属于本大厅。")]
    for field in MANY_FIELDS:
        if any(obj.hall_id != hall.pk for obj in values.get(field) or ()):
            errors[field] = [_("所选项目不属于本大厅。")]
    category: ProblemCategory | None = values.get("category")
    if category is not None and (category.parent_id is None or not category.active):
        errors["category"] = [_("请选择一个具体的问题子项。")]
    observed_at = values.get("observed_at")
    if observed_at is not None:
        now = timezone.now()
        if observed_at > now + CLOCK_TOLERANCE:
            errors["observed_at"] = [_("发现时间不能晚于现在。")]
        elif visit is not None and observed_at < visit.started_at:
            errors["observed_at"] = [_("发现时间早于本次走访的开始时间。")]
        elif visit is not None and visit.ended_at and observed_at > visit.ended_at:
            errors["observed_at"] = [_("发现时间晚于本次走访的结束时间。")]
    facts = {}
    if category is not None and "category" not in errors:
        try:
            facts = clean_facts(category, facts_raw)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    return facts


def _with_department_of_window(values: dict) -> dict:
    """A window belongs to a department: fill it in when the inspector left it empty."""
    window = values.get("window")
    if window is not None and values.get("department") is None and window.department_id:
        return {**values, "department": window.department}
    return values


def _save_with_files(*, actor, finding: Finding, files, values: dict) -> Finding:
    checked = check_uploads(files) if files else []
    with removed_on_failure() as written, transaction.atomic():
        finding.full_clean()
        finding._history_user = actor  # who, for the change history, also outside a request
        finding.save()
        _set_many(finding, values)
        _store_evidence(actor=actor, checked=checked, written=written, finding=finding)
    return finding


def _set_many(finding: Finding, values: dict):
    """The other windows and departments, less the first one (it is named already)."""
    firsts = {"other_windows": finding.window_id, "other_departments": finding.department_id}
    for field in MANY_FIELDS:
        if field in values:
            getattr(finding, field).set([obj for obj in values[field] or () if obj.pk != firsts[field]])


def _store_evidence(*, actor, checked, written, finding: Finding):
    store_files(actor=actor, checked=checked, written=written, finding=finding, hall=finding.hall,
                from_hall=finding.source == Finding.Source.SELF_INSPECTION)


# --- Findings --------------------------------------------------------------------

def finding_record(*, actor, visit: Visit, values: dict, facts_raw: dict, files=(),
                   submit: bool = False) -> Finding:
    """An inspector records a finding during (or right after) a visit."""
    require(actor, "visit.record_finding", visit)
    values = _with_department_of_window(values)
    facts = validate_finding(hall=visit.hall, visit=visit, values=values, facts_raw=facts_raw)
    finding = Finding(
        visit=visit, hall=visit.hall, source=visit.mode,
        undercover=visit.mode == Visit.Mode.UNDERCOVER, created_by=actor, facts=facts,
        **{field: values.get(field) for field in EDITABLE_FIELDS if field in values},
    )
    _mark_submitted(finding, submit)
    return _save_with_files(actor=actor, finding=finding, files=list(files), values=values)


def finding_self_inspect(*, actor, hall: ServiceHall, values: dict, facts_raw: dict, files=(),
                         submit: bool = False) -> Finding:
    """A hall manager records a self-inspection (自查) finding about their own hall."""
    require(actor, "hall.self_inspect", hall)
    values = _with_department_of_window(values)
    facts = validate_finding(hall=hall, visit=None, values=values, facts_raw=facts_raw)
    finding = Finding(
        hall=hall, source=Finding.Source.SELF_INSPECTION, created_by=actor, facts=facts,
        **{field: values.get(field) for field in EDITABLE_FIELDS if field in values},
    )
    _mark_submitted(finding, submit)
    return _save_with_files(actor=actor, finding=finding, files=list(files), values=values)


def finding_update(*, actor, finding: Finding, values: dict, facts_raw: dict, files=()) -> Finding:
    """Edit a draft (its authors) or a submitted finding before confirming (the office)."""
    files = list(files)
    with removed_on_failure() as written, transaction.atomic():
        finding = _locked(finding)
        require(actor, "finding.edit", finding)
        finding.facts = validate_finding(
            hall=finding.hall, visit=finding.visit, values=values, facts_raw=facts_raw
        )
        for field in EDITABLE_FIELDS:
            if field in values:
                setattr(finding, field, values[field])
        sizes = list(finding.evidence.values_list("size", flat=True))
        checked = check_uploads(files, existing_count=len(sizes), existing_bytes=sum(sizes)) if files else []
        finding.full_clean()
        finding._history_user = actor
        finding.save()
        _set_many(finding, values)
        _store_evidence(actor=actor, checked=checked, written=written, finding=finding)
    return finding


def evidence_attach(*, actor, finding: Finding, files) -> Finding:
    """Add files to a finding its author or reviewer may still edit."""
    return finding_update(
        actor=actor, finding=finding,
        values={field: getattr(finding, field) for field in EDITABLE_FIELDS},
        facts_raw=finding.facts, files=files,
    )


def _mark_submitted(finding: Finding, submit: bool):
    if submit:
        finding.status = Finding.Status.SUBMITTED
        finding.submitted_at = timezone.now()


def _locked(finding: Finding) -> Finding:
    """The row, locked for this transaction, so two reviewers cannot both decide it."""
    return Finding.objects.select_for_update(of=("self",)).select_related("visit", "hall").get(pk=finding.pk)


def _check_transition(finding: Finding, to: str):
    if to not in FINDING_TRANSITIONS[finding.status]:
        raise ValidationError(
            _("问题当前为“%(current)s”，不能改为“%(target)s”。")
            % {"current": finding.get_status_display(), "target": Finding.Status(to).label}
        )


@transaction.atomic
def finding_submit(*, actor, finding: Finding) -> Finding:
    finding = _locked(finding)
    require(actor, "finding.submit", finding)
    _check_transition(finding, Finding.Status.SUBMITTED)
    finding.status = Finding.Status.SUBMITTED
    finding.submitted_at = timezone.now()
    finding._history_user = actor
    finding.save(update_fields=["status", "submitted_at"])
    return finding


@transaction.atomic
def finding_confirm(*, actor, finding: Finding) -> Finding:
    finding = _locked(finding)
    require(actor, "finding.confirm", finding)
    _check_transition(finding, Finding.Status.CONFIRMED)
    finding.status = Finding.Status.CONFIRMED
    finding.reviewed_by, finding.reviewed_at = actor, timezone.now()
    finding._history_user = actor
    finding.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return finding


@transaction.atomic
def finding_reject(*, actor, finding: Finding, reason: str) -> Finding:
    finding = _locked(finding)
    require(actor, "finding.reject", finding)
    _check_transition(finding, Finding.Status.REJECTED)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明不予认定的理由。")})
    finding.status = Finding.Status.REJECTED
    finding.rejection_reason = reason
    finding.reviewed_by, finding.reviewed_at = actor, timezone.now()
    finding._history_user = actor
    finding.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    return finding


def finding_publish(*, actor, finding: Finding) -> Finding:
    """Confirmed → published. Only the circular's publishing service calls this, inside its
    transaction, having asked the policy for circular.publish."""
    finding = _locked(finding)
    _check_transition(finding, Finding.Status.PUBLISHED)
    finding.status = Finding.Status.PUBLISHED
    finding._history_user = actor
    finding.save(update_fields=["status"])
    return finding
