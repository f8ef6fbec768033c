"""Reads. Every query here starts from the scope module."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from inspections.filters import FindingFilter, HallFilter
from inspections.models import Department, Evidence, Finding, ServiceHall, Staff, Visit, Window
from inspections.scope import (
    can_see_business_records,
    findings_visible_to,
    halls_changeable_by,
    halls_visible_to,
    visits_visible_to,
)


def _count_in_hall(model) -> Coalesce:
    # A correlated subquery per count: joining departments, windows and staff
    # at once would multiply the rows and the counts with them.
    counts = (
        model.objects.filter(hall=OuterRef("pk"), active=True)
        .order_by()
        .values("hall")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def hall_list(*, user, params=None) -> HallFilter:
    halls = (
        halls_visible_to(user)
        .select_related("region")
        .annotate(
            department_count=_count_in_hall(Department),
            window_count=_count_in_hall(Window),
            staff_count=_count_in_hall(Staff),
        )
        .order_by("region__path", "name")
    )
    return HallFilter(params, queryset=halls, user=user)


def hall_for_user(*, user, pk) -> ServiceHall:
    """The hall, or 404 when it does not exist or is outside the user's scope."""
    return get_object_or_404(halls_visible_to(user).select_related("region"), pk=pk)


def hall_for_change(*, user, pk) -> ServiceHall | None:
    """The hall if the user may change it; None if they may only see it; 404 otherwise."""
    hall = hall_for_user(user=user, pk=pk)
    return hall if halls_changeable_by(user).filter(pk=hall.pk).exists() else None


def hall_departments(hall: ServiceHall) -> QuerySet[Department]:
    return hall.departments.annotate(
        window_count=Count("windows", distinct=True), staff_count=Count("staff", distinct=True)
    ).order_by("-active", "name")


def hall_windows(hall: ServiceHall) -> QuerySet[Window]:
    return hall.windows.select_related("department").order_by("-active", "number")


def hall_staff(hall: ServiceHall) -> QuerySet[Staff]:
    return hall.staff.select_related("department", "window", "backup").order_by(
        "-active", "department__name", "badge_number"
    )


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


def finding_history(finding: Finding) -> list[dict]:
    return history_entries(finding, excluded=["submitted_at", "reviewed_at"])


def history_entries(obj, excluded=()) -> list[dict]:
    """Each saved version of a record with who, when and which fields changed (old → new)."""
    records = list(obj.history.select_related("history_user").order_by("history_date", "history_id"))
    fields = {f.name: f for f in type(obj)._meta.get_fields() if hasattr(f, "verbose_name")}
    entries = []
    for previous, record in zip([None, *records], records, strict=False):
        changes = []
        if previous is not None:
            delta = record.diff_against(previous, excluded_fields=list(excluded))
            for change in delta.changes:
                field = fields.get(change.field)
                changes.append({
                    "field": field.verbose_name if field else change.field,
                    "old": _display(field, change.old), "new": _display(field, change.new),
                })
        entries.append({"record": record, "changes": changes, "created": previous is None})
    return entries


def _display(field, value):
    if value in (None, ""):
        return "—"
    if field is not None and getattr(field, "choices", None):
        return dict(field.choices).get(value, value)
    if field is not None and field.is_relation and field.related_model:
        obj = field.related_model._base_manager.filter(pk=value).first()
        return str(obj) if obj else value
    return value


def evidence_for_user(*, user, pk) -> Evidence:
    """Evidence is visible exactly when what it belongs to is: its finding, or the
    ledger item whose progress or revisit it proves."""
    from inspections.scope import items_visible_to

    items = items_visible_to(user)
    visible = (
        Q(finding__in=findings_visible_to(user))
        | Q(progress_entries__item__in=items)
        | Q(revisits__items__in=items)
    )
    return get_object_or_404(Evidence.objects.filter(visible).distinct(), pk=pk)


def dashboard_tiles(*, user) -> list[dict]:
    """The work-bench numbers for the user's role, each a link to the list behind it.

    Every number comes from the scoped querysets, so an embargoed finding is
    never counted for someone who may not see it.
    """
    from django.urls import reverse
    from django.utils.translation import gettext as _

    halls = halls_visible_to(user).filter(active=True).count()
    tiles = []
    if can_see_business_records(user):
        Status = Finding.Status
        counts = findings_visible_to(user).aggregate(
            submitted=Count("pk", filter=Q(status=Status.SUBMITTED)),
            confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
            published=Count("pk", filter=Q(status=Status.PUBLISHED)),
            my_drafts=Count("pk", filter=Q(status=Status.DRAFT, created_by=user)),
        )
        findings_url = reverse("finding_list")
        if user.role == "office":
            tiles.append({"n": counts["submitted"], "label": _("待审核问题"), "url": reverse("review_queue")})
            tiles.append({"n": counts["confirmed"], "label": _("已确认待通报"), "url": f"{findings_url}?status=confirmed"})
        if user.role == "inspector":
            open_visits = visits_visible_to(user).filter(ended_at__isnull=True).count()
            tiles.append({"n": open_visits, "label": _("进行中的走访"), "url": reverse("visit_list")})
            tiles.append({"n": counts["my_drafts"], "label": _("我的草稿"), "url": f"{findings_url}?status=draft"})
        tiles.append({"n": counts["published"], "label": _("已通报问题"), "url": f"{findings_url}?status=published"})
        tiles.extend(_ledger_tiles(user))
    tiles.append({"n": halls, "label": _("在用服务大厅"), "url": reverse("hall_list")})
    return tiles


def _ledger_tiles(user) -> list[dict]:
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from inspections.scope import items_visible_to
    from rectification.models import WORKING_STATUSES, RectificationItem

    items = items_visible_to(user)
    if user.role == "inspector":
        from rectification.selectors import awaiting_revisit

        return [{"n": awaiting_revisit(user=user).count(), "label": _("待回访事项"), "url": reverse("revisit_list")}]
    counts = items.aggregate(
        working=Count("pk", filter=Q(status__in=WORKING_STATUSES)),
        overdue=Count("pk", filter=Q(status__in=WORKING_STATUSES, deadline__lt=timezone.localdate())),
        closure=Count("pk", filter=Q(status=RectificationItem.Status.CLOSURE_REQUESTED)),
    )
    ledger = reverse("ledger")
    return [
        {"n": counts["working"], "label": _("整改中事项"), "url": ledger},
        {"n": counts["overdue"], "label": _("逾期事项"), "url": reverse("overdue") if user.role == "office" else f"{ledger}?overdue=true"},
        {"n": counts["closure"], "label": _("申请销号"), "url": f"{ledger}?status=closure_requested"},
    ]
