"""The main menu: each entry is shown to whoever the policy lets take its action."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rectification.selectors import unread_count


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    action: str
    admin: bool = False  # the admin site also wants the staff flag
    badge: Callable | None = None  # user → the number shown beside it (none when 0)


NAV_ITEMS = [
    NavItem(_("工作台"), "home", "home.view"),
    NavItem(_("待审核"), "review_queue", "finding.review"),
    NavItem(_("专项行动"), "campaign_list", "campaign.view"),
    NavItem(_("走访"), "visit_list", "visit.list"),
    NavItem(_("问题"), "finding_list", "finding.list"),
    NavItem(_("通报"), "circular_list", "circular.list"),
    NavItem(_("整改台账"), "ledger", "item.list"),
    NavItem(_("逾期"), "overdue", "item.watch_overdue"),
    NavItem(_("待回访"), "revisit_list", "revisit.record"),
    NavItem(_("问责"), "accountability_list", "accountability.list"),
    NavItem(_("统计分析"), "dashboard", "dashboard.view"),
    NavItem(_("通知"), "notification_list", "notification.list", badge=unread_count),
    NavItem(_("服务大厅"), "hall_list", "hall.list"),
    NavItem(_("审计日志"), "audit_log", "audit.view"),
    NavItem(_("登录锁定"), "lockout_list", "lockout.list"),
    NavItem(_("双因素认证"), "two_factor_accounts", "two_factor.accounts"),
    NavItem(_("用户管理"), "admin:registry_user_changelist", "user.view", admin=True),
    NavItem(_("后台管理"), "admin:index", "home.view", admin=True),
]


def items_for(request):
    user = request.user
    items = []
    for item in NAV_ITEMS:
        if not user.has_perm(item.action) or (item.admin and not user.is_staff):
            continue
        url = reverse(item.url_name)
        active = request.path == url if url in ("/", "/ledger/") else request.path.startswith(url)
        items.append({"label": item.label, "url": url, "active": active,
                      "badge": item.badge(user) if item.badge else 0})
    return items
