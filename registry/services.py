"""Writes to the registry. Each service asks the policy itself, so no view or admin screen can skip it."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from core.permissions import require
from registry.models import ROLES, Role, Staff, User, Window


@transaction.atomic
def registry_row_save(*, actor, row: Window | Staff) -> Window | Staff:
    """Validate and save a window or staff member of a hall the actor may keep."""
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
