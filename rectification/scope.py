"""Which ledger items and accountability records a user sees. Built on registry.scope.

Items waiting for their circular ("prepared") are the office's alone: they may
stand for embargoed findings. Accountability names people: the office and
auditors of the region, and the hall's managers; never the inspectors.
"""

from django.db.models import Q, QuerySet

from rectification.models import Accountability, RectificationItem
from registry.models import Role
from registry.scope import NOTHING, hall_q, sees_business_records


def item_q(user, field: str = "") -> Q:
    prefix = f"{field}__" if field else ""
    if not sees_business_records(user):
        return NOTHING
    in_scope = hall_q(user, f"{prefix}hall")
    if user.role == Role.OFFICE:
        return in_scope
    return in_scope & ~Q(**{f"{prefix}status": RectificationItem.Status.PREPARED})


def items_visible_to(user) -> QuerySet[RectificationItem]:
    return RectificationItem.objects.filter(item_q(user))


def accountability_q(user) -> Q:
    if not sees_business_records(user) or user.role == Role.INSPECTOR:
        return NOTHING
    return hall_q(user, "hall")


def accountability_visible_to(user) -> QuerySet[Accountability]:
    return Accountability.objects.filter(accountability_q(user))


def evidence_of_items_q(user) -> Q:
    """Proof of progress and a revisit's evidence are visible with their item
    (added to inspections.scope.EVIDENCE_OWNERS by this app's AppConfig)."""
    items = items_visible_to(user)
    return Q(progress_entries__item__in=items) | Q(revisits__items__in=items)
