"""Reads for the ledger, revisits, accountability and notifications, all through inspections.scope."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import Finding
from inspections.scope import findings_visible_to
from rectification.calendar import due_soon_horizon, working_days_left
from rectification.filters import AccountabilityFilter, LedgerFilter
from rectification.models import WORKING_STATUSES, Notification, RectificationItem
from rectification.scope import accountability_visible_to, items_visible_to
from registry.models import Staff

Status = RectificationItem.Status


@dataclass(frozen=True)
class Light:
    colour: str  # red, yellow, green, grey
    label: str


def traffic_light(item: RectificationItem, today: datetime.date) -> Light:
    """Red when overdue, yellow with RECTIFICATION_DUE_SOON_DAYS working days or fewer left,
    computed, never stored."""
    if item.status not in WORKING_STATUSES or item.deadline is None:
        return Light("grey", item.get_status_display())
    if item.deadline < today:
        return Light("red", _("逾期 %(days)d 天") % {"days": (today - item.deadline).days})
    left = working_days_left(today, item.deadline)
    soon = item.deadline <= due_soon_horizon(today)
    if soon:
        return Light("yellow", _("剩 %(days)d 个工作日") % {"days": left})
    return Light("green", _("剩 %(days)d 个工作日") % {"days": left})


def _with_lights(items, today):
    for item in items:
        item.light = traffic_light(item, today)
    return items


def _urgency():
    """Working items first (earliest deadline first), then those awaiting close-out, then the rest."""
    return Case(
        When(status__in=WORKING_STATUSES, then=Value(0)),
        When(status=Status.CLOSURE_REQUESTED, then=Value(1)),
        When(status=Status.PREPARED, then=Value(2)),
        default=Value(3), output_field=IntegerField(),
    )


def ledger(*, user, params=None) -> LedgerFilter:
    items = (
        items_visible_to(user)
        .select_related("hall", "hall__region", "department")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("category")))
        .annotate(urgency=_urgency())
        .order_by("urgency", F("deadline").asc(nulls_last=True), "id")
    )
    return LedgerFilter(params, queryset=items, user=user)


def with_lights(items):
    return _with_lights(list(items), timezone.localdate())


def item_for_user(*, user, pk) -> RectificationItem:
    return get_object_or_404(
        items_visible_to(user).select_related("hall", "hall__region", "department", "closed_by", "created_by"),
        pk=pk,
    )



def item_findings(*, user, item) -> QuerySet[Finding]:
    """The item's findings the user may see (an office-only "prepared" item may hold embargoed ones)."""
    return findings_visible_to(user).filter(rectification_items=item).select_related("category", "window", "staff")


def awaiting_revisit(*, user) -> QuerySet[RectificationItem]:
    return (
        items_visible_to(user)
        .filter(status__in=[Status.CLOSURE_REQUESTED, Status.CLOSED])
        .filter(Q(last_revisit_on__isnull=True) | Q(last_revisit_on__lt=F("closure_requested_on")))
        .select_related("hall", "department")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.select_related("category")))
        .order_by("closure_requested_on", "id")
    )


def accountability_list(*, user, params=None) -> AccountabilityFilter:
    records = accountability_visible_to(user).select_related("hall", "staff", "department")
    return AccountabilityFilter(params, queryset=records, user=user)


def staff_record(*, user, staff: Staff) -> dict:
    """A person's findings and accountability history, as far as the user may see them."""
    return {
        "findings": findings_visible_to(user).filter(staff=staff).select_related("category", "hall").order_by("-observed_at"),
        "accountability": accountability_visible_to(user).filter(staff=staff).order_by("-decision_date"),
    }


def notifications_for(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("item")
