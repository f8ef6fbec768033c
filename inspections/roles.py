"""What each role may do, as Django model permissions.

Permissions answer "may this role ever add/change/view this kind of thing";
``inspections.scope`` answers "which rows". Both are needed: a hall manager may
change windows, but only those of their own halls.

The table is code, not rows in the auth tables, so that a role means the same
on every installation and a review of this file is a review of the policy.
"""

from django.contrib.auth.backends import ModelBackend

from inspections.models import Role

REGISTRY_MODELS = ("region", "servicehall", "department", "window", "staff")
# Business records. Admin screens for findings, visits and evidence are
# read-only for everyone: their changes go through the services and pages.
RECORD_MODELS = ("visit", "finding", "evidence", "circular")
REFERENCE_MODELS = ("problemcategory", "campaign")


def _perms(models, actions, app="inspections"):
    return frozenset(f"{app}.{action}_{model}" for model in models for action in actions)


LEDGER_MODELS = ("rectificationitem", "progressentry", "extensionrequest", "revisit", "accountability")
CALENDAR_MODELS = ("calendaryear", "calendarday", "deadlinerule")
PERSONAL_MODELS = ("notification", "digest")


def _rect(models, actions):
    return _perms(models, actions, app="rectification")


ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Keeps users and the registry; sees no business records (scope.py).
    Role.SYSADMIN: _perms(REGISTRY_MODELS + ("user",), ("view", "add", "change", "delete")),
    # The discipline office keeps the registry of its region up to date.
    Role.OFFICE: _perms(REGISTRY_MODELS + RECORD_MODELS + REFERENCE_MODELS, ("view",))
    | _perms(("servicehall", "department", "window", "staff"), ("add", "change"))
    | _perms(REFERENCE_MODELS, ("add", "change"))
    | _rect(LEDGER_MODELS + CALENDAR_MODELS + PERSONAL_MODELS, ("view",))
    | _rect(CALENDAR_MODELS, ("add", "change", "delete")),
    # Hall managers keep their own hall's departments, windows and roster.
    Role.HALL_MANAGER: _perms(REGISTRY_MODELS + ("finding", "evidence", "circular", "problemcategory"), ("view",))
    | _perms(("department", "window", "staff"), ("add", "change"))
    | _perms(("servicehall",), ("change",))
    | _rect(LEDGER_MODELS + ("notification",), ("view",)),
    Role.AUDITOR: _perms(REGISTRY_MODELS + RECORD_MODELS + REFERENCE_MODELS, ("view",))
    | _rect(LEDGER_MODELS + CALENDAR_MODELS + PERSONAL_MODELS, ("view",)),
    Role.INSPECTOR: _perms(REGISTRY_MODELS + RECORD_MODELS + REFERENCE_MODELS, ("view",))
    | _rect(("rectificationitem", "progressentry", "revisit", "calendaryear", "calendarday") + PERSONAL_MODELS, ("view",)),
}


def role_permissions(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


class RoleBackend(ModelBackend):
    """ModelBackend plus the permissions that come with the user's role."""

    def get_all_permissions(self, user_obj, obj=None):
        perms = super().get_all_permissions(user_obj, obj)
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return perms
        return perms | role_permissions(user_obj.role)
