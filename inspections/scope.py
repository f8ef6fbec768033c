"""Which campaigns, visits, findings and evidence a user sees, the undercover embargo included.

Built on ``registry.scope`` (the halls a user sees). Every list, count,
export, admin screen and import of these records filters through here.

The embargo (``finding_q``): until its circular is published, a finding from
an undercover (暗访) visit is seen only by that visit's inspectors and the
discipline office whose region covers the hall. Everyone else gets 404 for
it and never finds it counted.
"""

from collections.abc import Callable

from django.db.models import Q, QuerySet

from inspections.models import Campaign, Evidence, Finding, Visit
from registry.models import Reach, Role, role_spec
from registry.scope import NOTHING, ancestor_paths, hall_q, sees_business_records

Status = Finding.Status


# --- Campaigns ------------------------------------------------------------------------------

def campaign_q(user) -> Q:
    """Campaigns that reach where the user works: one of their regions lies within the user's
    region or above it (a province's campaign reaches a county's office and inspectors), or, for
    a hall manager, holds one of their halls. A campaign is a published plan, not a record under
    embargo; the administrators, who read no business records, see none."""
    if not sees_business_records(user):
        return NOTHING
    reach = role_spec(user).reach
    if reach == Reach.REGION and user.region_id is not None:
        path = user.region.path
        touching = Q(region__path__startswith=path) | Q(region__path__in=ancestor_paths(path))
    elif reach == Reach.HALLS:
        paths = {p for hall in user.halls.values_list("region__path", flat=True) for p in ancestor_paths(hall)}
        touching = Q(region__path__in=paths)
    else:
        return NOTHING
    return Q(pk__in=Campaign.regions.through.objects.filter(touching).values("campaign"))


def campaigns_visible_to(user) -> QuerySet[Campaign]:
    return Campaign.objects.filter(campaign_q(user))


# --- Visits and findings ------------------------------------------------------------------

def _own_visits(user):
    return Visit.inspectors.through.objects.filter(user=user).values("visit")


def visit_q(user) -> Q:
    """Visits: an inspector's own; the office's region; open visits for auditors."""
    if not sees_business_records(user):
        return NOTHING
    in_scope = hall_q(user, "hall")
    if user.role == Role.INSPECTOR:
        return in_scope & Q(pk__in=_own_visits(user))
    if user.role == Role.OFFICE:
        return in_scope
    if user.role == Role.AUDITOR:
        return in_scope & Q(mode=Visit.Mode.OPEN)
    return NOTHING


def visits_visible_to(user) -> QuerySet[Visit]:
    return Visit.objects.filter(visit_q(user))


# What the hall side may know of a finding: undercover ones once published;
# those of an open inspection (made in front of the hall) once the office
# confirms them; its own self-inspection at once. ``known_to_hall`` is the same
# rule for one finding in memory (tests/test_scope.py checks that they agree).
HALL_SIDE_Q = (
    Q(status=Status.PUBLISHED)
    | Q(status=Status.CONFIRMED, undercover=False)
    | Q(source=Finding.Source.SELF_INSPECTION)
)


def known_to_hall(finding: Finding) -> bool:
    return (
        finding.status == Status.PUBLISHED
        or (finding.status == Status.CONFIRMED and not finding.undercover)
        or finding.source == Finding.Source.SELF_INSPECTION
    )


def finding_q(user) -> Q:
    """The findings a user may see, embargo included. Every list, count and export uses it."""
    if not sees_business_records(user):
        return NOTHING
    in_scope = hall_q(user, "hall")
    published = Q(status=Status.PUBLISHED)
    if user.role == Role.OFFICE:
        # Everything in the region except other people's unsent drafts.
        return in_scope & (~Q(status=Status.DRAFT) | Q(created_by=user))
    if user.role == Role.INSPECTOR:
        return in_scope & (Q(visit__in=_own_visits(user)) | Q(created_by=user) | published)
    if user.role == Role.AUDITOR:
        return in_scope & ((Q(undercover=False) & ~Q(status=Status.DRAFT)) | published)
    if user.role == Role.HALL_MANAGER:
        return in_scope & HALL_SIDE_Q
    return NOTHING


def findings_visible_to(user) -> QuerySet[Finding]:
    return Finding.objects.filter(finding_q(user))


def is_visit_inspector(user, visit: Visit | None) -> bool:
    return visit is not None and user.is_authenticated and visit.inspectors.filter(pk=user.pk).exists()


# --- Evidence ------------------------------------------------------------------------------

# Evidence may also prove the records of apps above this one (a ledger item's progress, a
# revisit); each of those apps adds the rule for its own records here (in its AppConfig.ready),
# so that this app need not know them.
EVIDENCE_OWNERS: list[Callable[[object], Q]] = []


def evidence_q(user) -> Q:
    """Evidence is visible exactly when what it belongs to is."""
    visible = Q(finding__in=findings_visible_to(user))
    for owner in EVIDENCE_OWNERS:
        visible |= owner(user)
    return visible


def evidence_visible_to(user) -> QuerySet[Evidence]:
    return Evidence.objects.filter(evidence_q(user)).distinct()
