"""The work-bench numbers: what each user's lists hold, each a link to the list behind it.

Every number comes from the scoped querysets, so an embargoed finding is never
counted for someone who may not see it; which tiles a user gets is the policy's.
"""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import Finding
from inspections.scope import findings_visible_to, visits_visible_to
from rectification.models import WORKING_STATUSES, RectificationItem
from rectification.scope import items_visible_to
from rectification.selectors import awaiting_revisit
from registry.scope import halls_visible_to


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
            tiles.append({"n": counts["my_drafts"], "label": _("我的草稿"), "url": f"{findings_url}?status=draft"})
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
    ledger = reverse("ledger")
    return [
        {"n": counts["working"], "label": _("整改中事项"), "url": ledger},
        {"n": counts["overdue"], "label": _("逾期事项"), "url": reverse("overdue")},
        {"n": counts["closure"], "label": _("申请销号"), "url": f"{ledger}?status=closure_requested"},
    ]
