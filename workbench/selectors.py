"""The work-bench numbers: what each user's lists hold, each a link to the list behind it.

Every number comes from the scoped querysets, so an embargoed finding is never
counted for someone who may not see it; which tiles a user gets is the policy's.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from circulars.scope import circulars_visible_to
from inspections.models import Finding
from inspections.scope import findings_visible_to, visits_visible_to
from inspections.selectors import finding_list, review_queue
from rectification.models import WORKING_STATUSES, RectificationItem
from rectification.scope import items_visible_to
from rectification.selectors import awaiting_revisit, ledger
from registry.scope import hall_side, halls_visible_to


def dashboard_tiles(*, user) -> list[dict]:
    tiles = []
    if user.has_perm("finding.list"):
        Status = Finding.Status
        counts = findings_visible_to(user).aggregate(
            submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            published=Count("pk", filter=Q(status=Status.PUBLISHED)),
            my_drafts=Count("pk", filter=Q(status=Status.DRAFT, created_by=user)),
        )
        findings_url = reverse("finding_list")
        if user.has_perm("finding.review"):
            tiles.append({"n": counts["submitted"], "label": _("待审核问题"), "url": reverse("review_queue")})
            tiles.append({"n": counts["confirmed"], "label": _("已确认待通报"), "url": f"{findings_url}?status=confirmed"})
        if user.has_perm("visit.start"):
            open_visits = visits_visible_to(user).filter(ended_at__isnull=True).count()
            tiles.append({"n": open_visits, "label": _("进行中的走访"), "url": reverse("visit_list")})
            tiles.append({"n": counts["my_drafts"], "label": _("我的草稿"), "url": f"{findings_url}?status=draft&mine=true"})
        tiles.append({"n": counts["published"], "label": _("已通报问题"), "url": f"{findings_url}?status=published"})
    if user.has_perm("revisit.record"):
        tiles.append({"n": awaiting_revisit(user=user).count(), "label": _("待回访事项"), "url": reverse("revisit_list")})
    elif user.has_perm("item.list"):
        tiles.extend(_ledger_tiles(user))
    halls = halls_visible_to(user).filter(active=True).count()
    tiles.append({"n": halls, "label": _("在用服务大厅"), "url": reverse("hall_list")})
    return tiles


def _ledger_tiles(user) -> list[dict]:
    counts = items_visible_to(user).aggregate(
        working=Count("pk", filter=Q(status__in=WORKING_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=WORKING_STATUSES, deadline__lt=timezone.localdate())),
        closure=Count("pk", filter=Q(status=RectificationItem.Status.CLOSURE_REQUESTED)),
    )
    ledger_url = reverse("ledger")
    return [
        {"n": counts["working"], "label": _("整改中事项"), "url": ledger_url},
        {"n": counts["overdue"], "label": _("逾期事项"), "url": reverse("overdue")},
        {"n": counts["closure"], "label": _("申请销号"), "url": f"{ledger_url}?status=closure_requested"},
    ]


# --- What waits for this user (待办) -------------------------------------------------------------

TODO_ROWS = 3  # the first few of each kind on the home page; the link opens them all


@dataclass
class Waiting:
    """One kind of work waiting for the user: how many, where the list is, the first few."""

    key: str
    label: str
    count: int
    url: str
    rows: list = field(default_factory=list)  # (text, url)


def _waiting(key, label, queryset, url, row) -> Waiting | None:
    count = queryset.count()
    if not count:
        return None
    return Waiting(key, label, count, url, [(row(obj), obj.get_absolute_url()) for obj in queryset[:TODO_ROWS]])


def _finding_row(finding) -> str:
    return f"{finding.code} · {finding.hall.name} · {finding.category.name}"


def _item_row(item) -> str:
    deadline = f" · {_('时限')} {item.deadline:%Y-%m-%d}" if item.deadline else ""
    return f"{item.code} · {item.hall.name}{deadline}"


def _ledger_waiting(user, key, label, **params) -> Waiting | None:
    """A kind of work that is a filter of the ledger: counted with the very filter its link opens."""
    rows = ledger(user=user, params=params).qs
    return _waiting(key, label, rows, f"{reverse('ledger')}?{urlencode(params)}", _item_row)


def todo_for(*, user) -> list[Waiting]:
    """Every kind of work that waits for ``user`` now, each within their scope and the embargo
    (the scoped querysets, the same selectors as the pages the links open), which kinds a user
    gets being the policy's: reviews, close-out and extension decisions and items flagged for
    accountability for the office; revisits for the inspectors, and their drafts; for a hall's
    manager the items overdue, due soon and not yet started."""
    found = []
    if user.has_perm("finding.review"):
        found.append(_waiting("review", _("待审核问题"), review_queue(user=user), reverse("review_queue"), _finding_row))
    if user.has_perm("item.approve_closure"):  # the office's decisions on its region's items
        found += [
            _ledger_waiting(user, "closure", _("待审批销号"), status=RectificationItem.Status.CLOSURE_REQUESTED),
            _ledger_waiting(user, "extension", _("待审批延期"), extension="pending"),
            _ledger_waiting(user, "accountability", _("待记录问责"), needs_accountability="true"),
        ]
    if user.has_perm("revisit.record"):
        found.append(_waiting("revisit", _("待回访事项"), awaiting_revisit(user=user), reverse("revisit_list"),
                              _item_row))
    if user.has_perm("finding.list") and user.has_perm("visit.start"):
        params = {"status": Finding.Status.DRAFT, "mine": "true"}
        drafts = finding_list(user=user, params=params).qs.order_by("-observed_at", "-id")
        found.append(_waiting("drafts", _("我的草稿"), drafts, f"{reverse('finding_list')}?{urlencode(params)}",
                              _finding_row))
    if hall_side(user) and user.has_perm("item.list"):
        found += [
            _ledger_waiting(user, "overdue", _("已逾期事项"), overdue="true"),
            _ledger_waiting(user, "due_soon", _("即将到期事项"), due_soon="true"),
            _ledger_waiting(user, "to_start", _("待填报整改措施"), status=RectificationItem.Status.ASSIGNED),
        ]
    return [waiting for waiting in found if waiting is not None]


# --- A hall manager's overview of their halls ------------------------------------------------------

@dataclass
class HallOverview:
    lights: list  # (light, label, count, url): red, yellow, green
    due_this_week: Waiting | None
    recent_findings: list  # (text, url)
    recent_circulars: list  # (text, url)


RECENT_ROWS = 5


def hall_overview(*, user) -> HallOverview | None:
    """The hall side's picture of its halls: the items by traffic light, the deadlines of this
    week, the latest published findings and circulars (all within scope and the embargo)."""
    if not (hall_side(user) and user.has_perm("item.list")):
        return None
    today = timezone.localdate()
    lights = []
    for light, label in (("red", _("红灯（逾期）")), ("yellow", _("黄灯（即将到期）")), ("green", _("绿灯"))):
        params = {"light": light}
        lights.append((light, label, ledger(user=user, params=params).qs.count(),
                       f"{reverse('ledger')}?{urlencode(params)}"))
    monday = today - datetime.timedelta(days=today.weekday())
    due = _ledger_waiting(user, "this_week", _("本周到期"), working="true", deadline_from=monday.isoformat(),
                          deadline_to=(monday + datetime.timedelta(days=6)).isoformat())
    findings = findings_visible_to(user).select_related("hall", "category").order_by("-observed_at", "-id")[
        :RECENT_ROWS]
    circulars = circulars_visible_to(user).filter(status="published").order_by("-published_at", "-id")[:RECENT_ROWS]
    return HallOverview(
        lights=lights, due_this_week=due,
        recent_findings=[(_finding_row(f), f.get_absolute_url()) for f in findings],
        recent_circulars=[(f"{c.doc_number} {c.title}", c.get_absolute_url()) for c in circulars],
    )
