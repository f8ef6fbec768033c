"""The menu shows each person the entries whose action the policy lets them take."""

import pytest
from django.urls import reverse

from access.navigation import NAV_ITEMS
from registry.models import Role
from tests.factories import UserFactory

EXPECTED = {
    "inspector": {"工作台", "专项行动", "走访", "问题", "通报", "待回访", "通知", "服务大厅"},
    "hall_manager": {"工作台", "专项行动", "问题", "通报", "整改台账", "问责", "通知", "服务大厅", "后台管理"},
    "office": {"工作台", "待审核", "专项行动", "走访", "问题", "通报", "整改台账", "逾期", "问责", "统计分析", "通知", "服务大厅",
               "登录锁定", "后台管理"},
    "auditor": {"工作台", "专项行动", "走访", "问题", "通报", "整改台账", "问责", "统计分析", "通知", "服务大厅", "后台管理"},
    "sysadmin": {"工作台", "通知", "服务大厅", "登录锁定", "双因素认证", "用户管理", "后台管理"},
    "audit_admin": {"工作台", "通知", "审计日志"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(EXPECTED))
def test_each_role_gets_the_menu_of_its_actions(client, request, role):
    user = UserFactory(role=Role.AUDIT_ADMIN, is_staff=False) if role == "audit_admin" else request.getfixturevalue(role)
    client.force_login(user)
    shown = {str(item["label"]) for item in client.get(reverse("home")).context["nav_items"]}
    assert shown == EXPECTED[role]


@pytest.mark.django_db
def test_the_overdue_list_is_in_the_menu_of_who_watches_overdue_items(client, office, hall_manager):
    """item.watch_overdue: the office watches its region's overdue items."""
    assert office.has_perm("item.watch_overdue") and not hall_manager.has_perm("item.watch_overdue")


@pytest.mark.django_db
def test_every_menu_entry_leads_to_a_page_its_viewers_may_open(client, office, hall_manager, inspector, auditor):
    for user in (office, hall_manager, inspector, auditor, UserFactory(role=Role.SECADMIN),
                 UserFactory(role=Role.AUDIT_ADMIN)):
        client.force_login(user)
        for item in client.get(reverse("home")).context["nav_items"]:
            assert client.get(item["url"]).status_code == 200, (user.role, item["url"])
    assert all(entry.action for entry in NAV_ITEMS)
