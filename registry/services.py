"""Writes to the registry. Each service asks the policy itself, so no view or admin screen can skip it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import Event
from core.permissions import require
from registry import identity
from registry.models import ROLES, Department, Role, ServiceHall, Staff, User, Window

# What a hall is and where (its name, region, kind) and whether it is in use belong to those who
# may move it (hall.relocate: the office within its region, the system administrator anywhere);
# its keepers (hall.edit_registry, its managers too) keep the rest up to date. A hall's own
# manager does not take it out of use: it would drop out of the inspectors' pickers.
RELOCATING_FIELDS = ("name", "region", "kind", "active")


@transaction.atomic
def hall_save(*, actor, hall: ServiceHall) -> ServiceHall:
    """Open a hall (or another unit) or change one, with its history.

    A new hall, or a hall moved, must be in a region within the actor's reach: refused with a
    message on the region field (the forms offer only such regions; this holds for any caller).
    """
    if hall.pk is None:
        require(actor, "hall.add")
        changed = set(RELOCATING_FIELDS)
    else:
        stored = ServiceHall.objects.select_for_update().select_related("region").get(pk=hall.pk)
        require(actor, "hall.edit_registry", stored)
        changed = {name for name in RELOCATING_FIELDS if _value(stored, name) != _value(hall, name)}
        if changed:
            require(actor, "hall.relocate", stored)  # where it is now must be theirs to move
    if changed and hall.region_id and not actor.has_perm("hall.relocate", hall):
        raise ValidationError({"region": _("所选区划不在您的管辖范围内。")})
    hall.full_clean()
    hall._history_user = actor
    hall.save()
    return hall


def _value(hall: ServiceHall, name: str):
    return getattr(hall, "region_id" if name == "region" else name)


@transaction.atomic
def registry_row_save(*, actor, row: Department | Window | Staff) -> Department | Window | Staff:
    """Validate and save a department, window or staff member of a hall the actor may keep."""
    require(actor, "hall.edit_registry", row.hall)
    row.full_clean()
    row._history_user = actor
    row.save()
    return row


# --- Accounts ---------------------------------------------------------------------------

# Which fields of an account belong to which action of the policy.
ACCOUNT_FIELDS = {
    "user.edit_profile": {"username", "display_name", "organisation", "email", "is_staff"},
    "user.change_role": {"role", "region", "halls"},
    "user.change_active": {"is_active"},
}
# Never through the app: the superuser flag (there are no superusers) and Django's own
# permission tables (the policy is code, the same on every installation).
NEVER_CHANGED = {"is_superuser", "groups", "user_permissions"}


def assignable_roles() -> list[tuple[str, str]]:
    """The roles the app assigns: all but the administrators', which are given on the server's
    command line (``manage.py create_admin``)."""
    return [(role.value, role.label) for role in Role if not ROLES[role].administrator]


def user_admin_check(*, actor, user: User, changed, adding: bool):
    """Refuse an account change the actor may not make (the admin form shows only the fields the
    actor may change; this holds even for a request that posts others)."""
    changed = set(changed)
    if changed & NEVER_CHANGED or user.is_superuser:
        raise PermissionDenied
    if adding:
        require(actor, "user.add")
        changed -= ACCOUNT_FIELDS["user.edit_profile"] | {"usable_password", "password1", "password2", "password"}
        if changed:
            raise PermissionDenied  # a new account has no role until the security administrator gives one
        return
    stored = User.objects.get(pk=user.pk)
    for name, fields in ACCOUNT_FIELDS.items():
        if changed & fields:
            require(actor, name, stored)
    if "role" in changed and ROLES[user.role].administrator:
        raise PermissionDenied
    if changed - set().union(*ACCOUNT_FIELDS.values()):
        raise PermissionDenied


def user_admin_record(*, user: User, changed, adding: bool):
    """The security log's entries for an account change: opened, role or scope, active or not."""
    changed = set(changed)
    if adding:
        record(Event.ACCOUNT_CREATED, obj=user)
        return
    scope = changed & set(ACCOUNT_FIELDS["user.change_role"])
    if scope:
        record(Event.ROLE_CHANGED, obj=user, fields=sorted(scope), role=user.role, region=user.region_id,
               halls=sorted(user.halls.values_list("pk", flat=True)))
    if "is_active" in changed:
        record(Event.ACCOUNT_ACTIVE, obj=user, active=user.is_active)
        if not user.is_active:
            identity.end_sessions(user)
