"""Reads for the ledger, revisits, accountability and notifications, all through inspections.scope."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, F, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.history import history_entries, history_records
from inspections.models import Finding
from inspections.scope import evidence_visible_to, findings_visible_to
from inspections.selectors import evidence_as_seen, person_as_seen
from rectification.calendar import due_soon_horizon, working_days_left
from rectification.filters import AccountabilityFilter, LedgerFilter
from rectification.models import WORKING_STATUSES, Notification, RectificationItem, Revisit
from rectification.scope import accountability_visible_to, items_visible_to
from registry.models import Staff, User

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



# --- An item's page: what happened to it, as the viewer may know it -------------------------
# Every list below is read in a fixed number of queries, however many entries, revisits and
# close-outs the item has had (tests/test_ledger_pages.py counts them).

def _evidence_for(user):
    """The evidence the user may see (inspections.scope), with what download_for and the policy
    read of each piece."""
    return evidence_visible_to(user).select_related("hall__region")


def item_progress(*, user, item) -> list:
    """Progress entries, oldest first, each with ``shown_author`` and ``shown_proof``
    (evidence_as_seen: what the viewer gets of each file, under which name)."""
    progress = list(item.progress.select_related("author").prefetch_related(
        Prefetch("proof", queryset=_evidence_for(user))))
    for entry in progress:
        entry.shown_author = person_as_seen(user, entry.author)
        entry.shown_proof = evidence_as_seen(user, entry.proof.all())
    return progress


def item_revisits(*, user, item) -> list[Revisit]:
    """Revisits, newest first: date, verdict and observation, ``shown_inspector`` (the hall side
    never learns who inspected: the team or organisation stands in, person_as_seen) and
    ``shown_evidence`` (a photo as its clean copy under a neutral name, other files once shared)."""
    revisits = list(item.revisits.select_related("inspector").prefetch_related(
        Prefetch("evidence", queryset=_evidence_for(user))))
    for revisit in revisits:
        revisit.shown_inspector = person_as_seen(user, revisit.inspector)
        revisit.shown_evidence = evidence_as_seen(user, revisit.evidence.all())
    return revisits


@dataclass(frozen=True)
class StoryEvent:
    """One step in an item's life, in words: when, who (as the viewer may know them), what."""

    when: datetime.datetime
    who: str
    text: str
    kind: str  # the status it led to: the page colours by it


def item_story(*, user, item, records: list, revisits: list[Revisit]) -> list[StoryEvent]:
    """The item's status changes from its history, oldest first, each said in words: 交办, 开始整改,
    申请销号, 销号 (with its date and who approved it), and what reopened it — a revisit's verdict
    or a returned request. A close-out that a failed revisit undid stays here, as history; the
    page shows a close-out as current only while the item is closed."""
    Status = RectificationItem.Status
    closers = User.objects.in_bulk({r.closed_by_id for r in records if r.closed_by_id})
    negative = {r.date: r for r in revisits if r.is_negative}
    events = []
    for previous, record in zip([None, *records], records, strict=False):
        if previous is not None and previous.status == record.status:
            continue
        was, now = (previous.status if previous else None), record.status
        reopened_by = negative.get(record.last_revisit_on) if (
            previous is not None and record.last_revisit_on != previous.last_revisit_on) else None
        if previous is None and now == Status.PREPARED:
            text = _("登记整改事项，待通报发布后下发")
        elif now == Status.ASSIGNED:
            text = _("交办，整改时限 %(deadline)s") % {
                "deadline": record.deadline.isoformat() if record.deadline else _("长期坚持")}
        elif now == Status.IN_PROGRESS and reopened_by is not None:
            text = (_("回访认定“%(verdict)s”，销号撤销，重新整改") if was == Status.CLOSED
                    else _("回访认定“%(verdict)s”，重新整改")) % {"verdict": reopened_by.get_verdict_display()}
        elif now == Status.IN_PROGRESS and was == Status.CLOSURE_REQUESTED:
            text = _("销号申请被退回，重新整改")
        elif now == Status.IN_PROGRESS and was == Status.CLOSED:
            text = _("销号撤销，重新整改")
        elif now == Status.IN_PROGRESS:
            text = _("开始整改")
        elif now == Status.CLOSURE_REQUESTED:
            text = _("申请销号")
        elif now == Status.CLOSED:
            closer = closers.get(record.closed_by_id)
            text = _("销号（销号日期 %(date)s，核销人 %(who)s）") % {
                "date": record.closed_on.isoformat() if record.closed_on else "—",
                "who": person_as_seen(user, closer) if closer else "—"}
        else:
            text = RectificationItem.Status(now).label
        who = person_as_seen(user, record.history_user) if record.history_user_id else ""
        events.append(StoryEvent(record.history_date, who, str(text), now))
    return events


def item_page(*, user, item) -> dict:
    """What the item's page shows of its past: progress, revisits, its story and its history."""
    records = history_records(item)
    revisits = item_revisits(user=user, item=item)
    who = lambda person: person_as_seen(user, person)  # noqa: E731
    return {
        "progress": item_progress(user=user, item=item),
        "revisits": revisits,
        "story": item_story(user=user, item=item, records=records, revisits=revisits),
        "history": history_entries(item, excluded=["version"], who=who, records=records),
    }


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


def unread_count(user) -> int:
    """The number beside 通知 in the menu (one indexed count a page)."""
    return notifications_for(user=user).filter(read_at__isnull=True).count()
