"""Reads of campaigns, visits, findings and evidence. Every query here starts from inspections.scope."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.history import history_entries
from inspections.filters import FindingFilter
from inspections.models import Campaign, Evidence, Finding, Visit
from inspections.scope import (
    campaigns_visible_to,
    evidence_visible_to,
    findings_visible_to,
    visits_visible_to,
)
from inspections.services.evidence import download_for

# --- Campaigns ---------------------------------------------------------------------

def campaign_list(*, user) -> QuerySet[Campaign]:
    return campaigns_visible_to(user).prefetch_related("regions", "focus_categories").order_by("-start_date", "name")


def campaign_for_user(*, user, pk) -> Campaign:
    """The campaign, or 404 when it does not exist or reaches nowhere the user works."""
    return get_object_or_404(campaigns_visible_to(user), pk=pk)


# --- Visits and findings ---------------------------------------------------------

FINDING_LIST_RELATED = (
    "hall", "hall__region", "category", "category__parent", "window", "department", "staff", "visit",
)
# The list page joins only what it shows; the rest comes in one query each for the
# page's rows. Ten joins cost PostgreSQL more to plan than to run (bench/README.md).
FINDING_PAGE_JOINS = ("hall", "hall__region", "category")
FINDING_PAGE_PREFETCH = ("window", "department", "staff")


def finding_list(*, user, params=None) -> FindingFilter:
    findings = (
        findings_visible_to(user).select_related(*FINDING_PAGE_JOINS).prefetch_related(*FINDING_PAGE_PREFETCH)
    )
    return FindingFilter(params, queryset=findings, user=user)


def finding_for_user(*, user, pk) -> Finding:
    """The finding, or 404 when it does not exist, is out of scope or under embargo."""
    return get_object_or_404(
        findings_visible_to(user).select_related(*FINDING_LIST_RELATED, "created_by", "reviewed_by"),
        pk=pk,
    )


def review_queue(*, user) -> QuerySet[Finding]:
    return (
        findings_visible_to(user)
        .filter(status=Finding.Status.SUBMITTED)
        .select_related(*FINDING_PAGE_JOINS).prefetch_related(*FINDING_PAGE_PREFETCH)
        .order_by("submitted_at", "id")
    )


def review_thumbnails(*, user, findings, per_finding: int = 3) -> dict[int, list]:
    """The first few photos' thumbnails of each finding on a review-queue page (one query): the
    findings come from the user's queue, so their evidence is theirs to see."""
    shown: dict[int, list] = {}
    photos = Evidence.objects.filter(finding__in=findings).exclude(thumbnail="").order_by("finding_id", "id")
    for evidence in photos.only("pk", "finding_id"):
        row = shown.setdefault(evidence.finding_id, [])
        if len(row) < per_finding:
            row.append(evidence)
    return shown


def visit_list(*, user) -> QuerySet[Visit]:
    # Count only the findings this user may see: a count must not betray a
    # draft or an embargoed finding either.
    visible = (
        findings_visible_to(user).filter(visit=OuterRef("pk")).order_by()
        .values("visit").annotate(n=Count("pk")).values("n")
    )
    return (
        visits_visible_to(user)
        .select_related("hall", "hall__region", "campaign")
        .annotate(finding_count=Coalesce(Subquery(visible, output_field=IntegerField()), 0))
        .order_by("-started_at")
    )


def visit_for_user(*, user, pk) -> Visit:
    return get_object_or_404(visits_visible_to(user).select_related("hall", "campaign"), pk=pk)


def visit_findings(*, user, visit: Visit) -> QuerySet[Finding]:
    return findings_visible_to(user).filter(visit=visit).select_related(*FINDING_LIST_RELATED)


def finding_history(finding: Finding, who=str) -> list[dict]:
    return history_entries(finding, excluded=["submitted_at", "reviewed_at"], who=who)


def evidence_for_user(*, user, pk) -> Evidence:
    """Evidence is visible exactly when what it belongs to is (inspections.scope.evidence_q)."""
    return get_object_or_404(
        evidence_visible_to(user).select_related("hall__region", "finding__visit", "uploaded_by"), pk=pk
    )


# --- What the hall side may know of the people and files behind a finding ------------------

def person_as_seen(viewer, person, *, finding: Finding | None = None) -> str:
    """A person as the viewer may know them. The inspected hall never learns who inspected it:
    where the policy does not let the viewer identify the person (person.identify), the visit's
    team stands in ("省作风办暗访组"), or the person's organisation, or "督查组"."""
    if person is None:
        return ""
    if viewer.has_perm("person.identify", person):
        return str(person)
    team = finding.visit.team_name if finding is not None and finding.visit_id else ""
    return team or person.organisation or _("督查组")


def evidence_as_seen(viewer, evidence) -> list[Evidence]:
    """The pieces of evidence the viewer gets something of, each with ``served`` (what its
    download is: the original, or a clean copy under a neutral name) and ``can_share``."""
    shown = []
    for item in evidence:
        item.served = download_for(viewer, item)
        if item.served is not None:
            item.can_share = item.kind != Evidence.Kind.PHOTO and viewer.has_perm("evidence.share", item)
            shown.append(item)
    return shown
