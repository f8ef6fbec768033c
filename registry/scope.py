"""Which halls and regions a user sees: the root of every other scope.

Each app keeps the row rules for its own records in its own ``scope.py``,
built on these (``inspections.scope`` for visits, findings and evidence,
``rectification.scope`` for the ledger, ``circulars.scope`` for circulars).
Pages, admin querysets, exports and imports all filter through them;
anything outside answers 404 — "not yours" looks the same as "does not exist".

Reach by role (``registry.models.ROLES``):

==============  ====================================
role            sees the halls
==============  ====================================
督查人员         in their region subtree
大厅负责人       assigned to them
作风办           in their region subtree
审计员           in their region subtree
系统管理员       all (registry only, no business records)
安全管理员       all (registry only, to assign scopes)
==============  ====================================

What a user may *do* with what they see is ``access.policy``.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from registry.models import ROLES, Reach, Region, Role, ServiceHall, User, role_spec

NOTHING = Q(pk__in=[])


def hall_q(user, field: str = "") -> Q:
    """A Q that keeps the rows whose hall the user may see.

    ``field`` is the path from the filtered model to its hall ("" for halls
    themselves, "hall" for windows and staff, "finding__hall" further on).
    """
    prefix = f"{field}__" if field else ""
    reach = role_spec(user).reach
    if reach == Reach.ALL:
        return Q()
    if reach == Reach.REGION:
        if user.region_id is None:
            return NOTHING
        return Q(**{f"{prefix}region__path__startswith": user.region.path})
    if reach == Reach.HALLS:
        return Q(**{f"{field or 'pk'}__in": user.halls.values("pk")})
    return NOTHING


def halls_visible_to(user) -> QuerySet[ServiceHall]:
    return ServiceHall.objects.filter(hall_q(user))


def in_reach(user, hall: ServiceHall) -> bool:
    """``hall_q`` for one hall in memory (``hall.region`` loaded); tests/test_scope.py checks
    that the two agree for every role."""
    reach = role_spec(user).reach
    if reach == Reach.ALL:
        return True
    if reach == Reach.REGION:
        return user.region_id is not None and hall.region.path.startswith(user.region.path)
    if reach == Reach.HALLS:
        return hall.pk in managed_hall_ids(user)
    return False


def managed_hall_ids(user) -> frozenset[int]:
    """The ids of the halls a hall manager keeps, read once per user object (a request)."""
    cached = getattr(user, "_managed_hall_ids", None)
    if cached is None:
        cached = user._managed_hall_ids = frozenset(user.halls.values_list("pk", flat=True))
    return cached


def regions_visible_to(user) -> QuerySet[Region]:
    """Regions a user may pick in filters: their subtree, or their halls' regions."""
    reach = role_spec(user).reach
    if reach == Reach.ALL:
        return Region.objects.all()
    if reach == Reach.REGION:
        if user.region_id is None:
            return Region.objects.none()
        return Region.objects.filter(path__startswith=user.region.path)
    if reach == Reach.HALLS:
        return Region.objects.filter(pk__in=user.halls.values("region"))
    return Region.objects.none()


def accounts_visible_to(user) -> QuerySet[User]:
    """The accounts a user sees (the administrators who keep them; the policy's ``user.view``)."""
    users = User.objects.all()
    return users if user.has_perm("user.view") else users.none()


def region_accounts(user) -> QuerySet[User]:
    """The accounts of a discipline office's region: those placed in its subtree and the managers
    of its halls, the administrators apart."""
    if user.region_id is None:
        return User.objects.none()
    path = user.region.path
    administrators = [role for role, spec in ROLES.items() if spec.administrator]
    return User.objects.filter(
        Q(region__path__startswith=path) | Q(halls__region__path__startswith=path)
    ).exclude(role__in=administrators)


def lockouts_visible_to(user, attempts: QuerySet) -> QuerySet:
    """The lockouts (django-axes attempts) a user oversees: every one for the administrators who
    lift addresses too; for a discipline office, those of its region's accounts."""
    if user.has_perm("lockout.lift_address"):
        return attempts
    if not user.has_perm("lockout.lift"):
        return attempts.none()
    return attempts.filter(username__in=region_accounts(user).values("username"))


def sees_business_records(user) -> bool:
    """Findings, ledgers and accountability: every role but the administrators (and no role)."""
    return role_spec(user).business


def hall_side(user) -> bool:
    """Whether the user is on the inspected side of the embargo (a hall manager)."""
    return role_spec(user).hall_side


def offices_covering(hall: ServiceHall) -> QuerySet[User]:
    """The discipline-office users whose region contains the hall."""
    codes = [code for code in hall.region.path.split("/") if code]
    return User.objects.filter(role=Role.OFFICE, is_active=True, region__code__in=codes)


def ancestor_paths(path: str) -> list[str]:
    """"230000/230800/230828/" → the paths of itself and every region above it."""
    codes = [c for c in path.split("/") if c]
    return ["".join(f"{c}/" for c in codes[:n]) for n in range(1, len(codes) + 1)]


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def scope_description(user) -> str:
    """A short human description of the user's scope, for the page header."""
    reach = role_spec(user).reach
    if reach == Reach.ALL:
        return _("全部区划（仅登记信息）")
    if reach == Reach.REGION:
        return user.region.full_name if user.region_id else _("未指定区划")
    if reach == Reach.HALLS:
        names = [hall.name for hall in user.halls.all()[:3]]
        return "、".join(names) or _("未指定大厅")
    return ""
