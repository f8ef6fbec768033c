"""No one raises their own power, and the system administrator reaches no business record.

Accounts are the system administrator's to open and describe (user.add,
user.edit_profile), roles and scopes the security administrator's to give
(user.change_role), with passwords (user.set_password); the active flag is the
system administrator's (user.change_active); nobody acts so on their own
account or on an administrator's; the superuser flag does not exist in the
app. Each is tried here as every role, through the admin's own forms.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from registry import services
from registry.models import Role, User
from tests.factories import FindingFactory, UserFactory
from tests.walk.admin_cases import FormFields

ROLES = ["inspector", "hall_manager", "office", "auditor", "sysadmin", "secadmin"]


@pytest.fixture
def secadmin(db):
    return UserFactory(username="secadmin", role=Role.SECADMIN)


@pytest.fixture
def people(inspector, hall_manager, office, auditor, sysadmin, secadmin):
    for user in (inspector, hall_manager):
        user.is_staff = True  # let everyone reach the admin: the policy must still say no
        user.save()
    return {"inspector": inspector, "hall_manager": hall_manager, "office": office, "auditor": auditor,
            "sysadmin": sysadmin, "secadmin": secadmin}


def _change_page(client, target):
    return reverse("admin:registry_user_change", args=[target.pk])


def _post_change(client, actor, target, **changes):
    """Post the account's change form as the actor's page shows it, with ``changes`` written over it
    (also fields the page does not show: a crafted request)."""
    client.force_login(actor)
    url = _change_page(client, target)
    page = client.get(url)
    data = {}
    if page.status_code == 200:
        parser = FormFields("user_form")
        parser.feed(page.content.decode())
        data = parser.data
    data.update(changes)
    return client.post(url, {k: v for k, v in data.items() if v is not None})


def _state(user):
    user = User.objects.get(pk=user.pk)
    return user.role, user.region_id, set(user.halls.values_list("pk", flat=True)), user.is_active, user.is_superuser


ELEVATIONS = {
    "role": {"role": Role.OFFICE},
    "region": {"region": None},  # filled in with the province
    "halls": {"halls": None},  # filled in with another hall
    "active": {"is_active": None},  # switched off
    "superuser": {"is_superuser": "on"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", list(ELEVATIONS))
def test_nobody_changes_their_own_role_scope_active_or_superuser_flag(client, people, regions, other_hall, role, what):
    actor = people[role]
    changes = dict(ELEVATIONS[what])
    if what == "region":
        changes["region"] = regions["province"].pk
    if what == "halls":
        changes["halls"] = [other_hall.pk]
    before = _state(actor)
    data = dict(changes)
    if what == "active":
        data = {"is_active": ""}
    with transaction.atomic():
        _post_change(client, actor, actor, **data)
    assert _state(actor) == before


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_security_administrator_gives_another_user_a_role_and_scope(client, people, regions, role):
    target = UserFactory(username="target", role=Role.INSPECTOR, region=regions["county_a"])
    before = _state(target)
    _post_change(client, people[role], target, role=Role.AUDITOR, region=regions["city_a"].pk)
    after = _state(target)
    if role == "secadmin":
        assert after[:2] == (Role.AUDITOR, regions["city_a"].pk)
        assert target.history.filter(role=Role.AUDITOR, history_user=people["secadmin"]).exists()
    else:
        assert after == before
    assert people[role].has_perm("user.change_role", target) == (role == "secadmin")


@pytest.mark.django_db
def test_administrators_roles_come_from_the_command_line_only(client, people, sysadmin, secadmin):
    # The security administrator cannot make anyone an administrator, nor change one.
    target = UserFactory(username="target", role=Role.NONE)
    response = _post_change(client, secadmin, target, role=Role.SYSADMIN)
    assert _state(target)[0] == Role.NONE and response.status_code == 200  # not one of the choices
    before = _state(sysadmin)
    _post_change(client, secadmin, sysadmin, role=Role.NONE)
    assert _state(sysadmin) == before
    assert not secadmin.has_perm("user.change_role", sysadmin)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_system_administrator_switches_another_account_off(client, people, role):
    target = UserFactory(username="target", role=Role.INSPECTOR, region=people["office"].region)
    _post_change(client, people[role], target, is_active="")
    assert User.objects.get(pk=target.pk).is_active == (role != "sysadmin")
    assert people[role].has_perm("user.change_active", target) == (role == "sysadmin")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_only_the_system_administrator_edits_profiles(client, people, role):
    target = UserFactory(username="target", role=Role.INSPECTOR, region=people["office"].region, display_name="甲")
    _post_change(client, people[role], target, display_name="乙")
    assert User.objects.get(pk=target.pk).display_name == ("乙" if role == "sysadmin" else "甲")
    assert people[role].has_perm("user.edit_profile", target) == (role == "sysadmin")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_setting_another_users_password_is_the_security_administrators(client, people, role):
    target = UserFactory(username="target", role=Role.INSPECTOR, region=people["office"].region)
    old = User.objects.get(pk=target.pk).password
    client.force_login(people[role])
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    response = client.post(url, {"password1": "Zz-98765432", "password2": "Zz-98765432", "usable_password": "true"})
    changed = User.objects.get(pk=target.pk).password != old
    assert changed == (role == "secadmin"), response.status_code
    assert people[role].has_perm("user.set_password", target) == (role == "secadmin")
    # Nobody sets their own through the admin (the password change page asks for the old one).
    own = reverse("admin:auth_user_password_change", args=[people[role].pk])
    assert client.post(own, {"password1": "Zz-98765432", "password2": "Zz-98765432"}).status_code in (403, 404)


@pytest.mark.django_db
def test_the_superuser_flag_cannot_be_stored(sysadmin):
    sysadmin.is_superuser = True
    with pytest.raises(IntegrityError), transaction.atomic():
        sysadmin.save()


@pytest.mark.django_db
def test_the_service_refuses_a_crafted_change_whatever_the_form(sysadmin, secadmin, hall_manager):
    for changed in (["role"], ["region"], ["halls"], ["is_superuser"], ["groups"], ["user_permissions"]):
        with pytest.raises(PermissionDenied):
            services.user_admin_check(actor=sysadmin, user=hall_manager, changed=changed, adding=False)
    with pytest.raises(PermissionDenied):
        services.user_admin_check(actor=secadmin, user=secadmin, changed=["role"], adding=False)
    with pytest.raises(PermissionDenied):
        services.user_admin_check(actor=sysadmin, user=User(username="x", role=Role.OFFICE), changed=["role"],
                                  adding=True)


@pytest.mark.django_db
def test_the_system_administrator_reaches_no_business_record_by_any_of_its_own_actions(
    client, sysadmin, secadmin, office, regions, undercover_visit, hall_manager
):
    """Everything the admin's forms let a system administrator try, and then every way in."""
    finding = FindingFactory(visit=undercover_visit, status="submitted")
    client.force_login(sysadmin)
    # 1. It opens an account (it gets no role), and tries to give it the office's role and scope.
    client.post(reverse("admin:registry_user_add"), {
        "username": "helper", "usable_password": "true", "password1": "Xx-12345678", "password2": "Xx-12345678",
        "display_name": "帮手", "organisation": "", "email": "", "is_staff": "on", "role": Role.OFFICE,
        "region": regions["province"].pk,
    })
    helper = User.objects.get(username="helper")
    assert helper.role == Role.NONE and helper.region_id is None
    _post_change(client, sysadmin, helper, role=Role.OFFICE, region=regions["province"].pk)
    assert User.objects.get(pk=helper.pk).role == Role.NONE
    # 2. It gives itself the role, a region, the superuser flag.
    _post_change(client, sysadmin, sysadmin, role=Role.OFFICE, region=regions["province"].pk, is_superuser="on")
    assert _state(sysadmin)[:2] == (Role.SYSADMIN, None) and not _state(sysadmin)[4]
    # 3. It takes over the office's account by setting its password.
    old = User.objects.get(pk=office.pk).password
    client.post(reverse("admin:auth_user_password_change", args=[office.pk]),
                {"password1": "Zz-98765432", "password2": "Zz-98765432", "usable_password": "true"})
    assert User.objects.get(pk=office.pk).password == old
    # 4. It replays an old version of its own account through the history form.
    version = sysadmin.history.earliest("history_id")
    url = reverse("admin:registry_user_simple_history", args=[sysadmin.pk, version.history_id])
    assert client.post(url, {"role": Role.OFFICE}).status_code == 403
    # 5. None of it let it in.
    for path in (reverse("finding_detail", args=[finding.pk]), reverse("finding_list"), reverse("ledger"),
                 reverse("review_queue"), reverse("circular_list")):
        assert client.get(path).status_code in (403, 404), path
    for name in ("inspections_finding", "inspections_evidence", "rectification_rectificationitem",
                 "circulars_circular", "rectification_accountability"):
        assert client.get(reverse(f"admin:{name}_changelist")).status_code == 403
