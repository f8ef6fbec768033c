"""The main menu, by role. Later features add their entries here."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inspections.models import Role

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    staff_only: bool = False


BUSINESS_ROLES = ALL_ROLES - {Role.SYSADMIN}

NAV_ITEMS = [
    NavItem(_("工作台"), "home", ALL_ROLES),
    NavItem(_("待审核"), "review_queue", frozenset({Role.OFFICE})),
    NavItem(_("走访"), "visit_list", frozenset({Role.INSPECTOR, Role.OFFICE, Role.AUDITOR})),
    NavItem(_("问题"), "finding_list", BUSINESS_ROLES),
    NavItem(_("通报"), "circular_list", BUSINESS_ROLES - {Role.INSPECTOR}),
    NavItem(_("整改台账"), "ledger", frozenset({Role.OFFICE, Role.HALL_MANAGER, Role.AUDITOR})),
    NavItem(_("逾期"), "overdue", frozenset({Role.OFFICE})),
    NavItem(_("待回访"), "revisit_list", frozenset({Role.INSPECTOR})),
    NavItem(_("问责"), "accountability_list", frozenset({Role.OFFICE, Role.HALL_MANAGER, Role.AUDITOR})),
    NavItem(_("通知"), "notification_list", BUSINESS_ROLES),
    NavItem(_("服务大厅"), "hall_list", ALL_ROLES),
    NavItem(_("用户管理"), "admin:inspections_user_changelist", frozenset({Role.SYSADMIN}), staff_only=True),
    NavItem(_("后台管理"), "admin:index", ALL_ROLES, staff_only=True),
]


def items_for(request):
    user = request.user
    items = []
    for item in NAV_ITEMS:
        if user.role not in item.roles or (item.staff_only and not user.is_staff):
            continue
        url = reverse(item.url_name)
        active = request.path == url if url in ("/", "/ledger/") else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active})
    return items
