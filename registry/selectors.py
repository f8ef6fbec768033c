"""Reads of the registry, all through registry.scope."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from registry.filters import HallFilter
from registry.models import Department, ServiceHall, Staff, Window
from registry.scope import accounts_visible_to, halls_visible_to


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


def account_for_user(*, user, pk):
    """The account, or 404 when the user does not keep accounts."""
    return get_object_or_404(accounts_visible_to(user), pk=pk)


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


def staff_for_user(*, user, pk) -> Staff:
    return get_object_or_404(
        Staff.objects.filter(hall__in=halls_visible_to(user)).select_related("hall", "department", "window"), pk=pk
    )
