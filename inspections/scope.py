"""The one place that decides which halls and regions a user may see and change.

Every page, admin queryset, export and import filters through these functions.
Anything outside a user's scope answers 404 — "not yours" looks the same as
"does not exist".

Scope by role:

==============  ====================================  ===========================
role            sees                                  changes (registry)
==============  ====================================  ===========================
督查人员         halls in their region subtree          nothing
大厅负责人       the halls assigned to them             those halls
作风办           halls in their region subtree          those halls
审计员           halls in their region subtree          nothing (read-only)
系统管理员       every hall (registry only)             every hall
==============  ====================================  ===========================

A system administrator keeps users and the registry but sees no business
records (findings, ledgers, accountability): ``can_see_business_records``.

Findings add the undercover embargo (``finding_q``): until it is published, a
finding from an undercover (暗访) visit is seen only by that visit's inspectors
and the discipline office whose region covers the hall. Everyone else gets
404 for it and never finds it counted.
"""

from django.db.models import Q, QuerySet

from inspections.models import (
    REGION_SCOPED_ROLES,
    Finding,
    Region,
    Role,
    ServiceHall,
    Visit,
)

_NOTHING = Q(pk__in=[])


def _is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def hall_q(user, field: str = "") -> Q:
    """A Q that keeps the rows whose hall the user may see.

    ``field`` is the path from the filtered model to its hall ("" for halls
    themselves, "hall" for windows and staff, "finding__hall" further on).
    """
    prefix = f"{field}__" if field else ""
    if not _is_signed_in(user):
        return _NOTHING
    if user.role == Role.SYSADMIN:
        return Q()
    if user.role in REGION_SCOPED_ROLES:
        if user.region_id is None:
            return _NOTHING
        return Q(**{f"{prefix}region__path__startswith": user.region.path})
    if user.role == Role.HALL_MANAGER:
        return Q(**{f"{field or 'pk'}__in": user.halls.values("pk")})
    return _NOTHING


def hall_change_q(user, field: str = "") -> Q:
    """A Q that keeps the rows whose hall the user may change (registry upkeep)."""
    if not _is_signed_in(user) or user.role in (Role.AUDITOR, Role.INSPECTOR):
        return _NOTHING
    return hall_q(user, field)


def halls_visible_to(user) -> QuerySet[ServiceHall]:
    return ServiceHall.objects.filter(hall_q(user))


def halls_changeable_by(user) -> QuerySet[ServiceHall]:
    return ServiceHall.objects.filter(hall_change_q(user))


def regions_visible_to(user) -> QuerySet[Region]:
    """Regions a user may pick in filters: their subtree, or their halls' regions."""
    if not _is_signed_in(user):
        return Region.objects.none()
    if user.role == Role.SYSADMIN:
        return Region.objects.all()
    if user.role in REGION_SCOPED_ROLES:
        if user.region_id is None:
            return Region.objects.none()
        return Region.objects.filter(path__startswith=user.region.path)
    if user.role == Role.HALL_MANAGER:
        return Region.objects.filter(pk__in=user.halls.values("region"))
    return Region.objects.none()


def can_change_hall(user, hall: ServiceHall) -> bool:
    return halls_changeable_by(user).filter(pk=hall.pk).exists()


def can_see_business_records(user) -> bool:
    """Findings, ledgers and accountability: everyone signed in but the system administrator."""
    return _is_signed_in(user) and user.role != Role.SYSADMIN


def can_view_staff_phone(user) -> bool:
    """Staff phone numbers are personal data: only for those who contact staff.

    The hall's own managers, the discipline office and the system
    administrator see them; inspectors and auditors see a masked number.
    """
    return _is_signed_in(user) and user.role in (Role.HALL_MANAGER, Role.OFFICE, Role.SYSADMIN)


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def scope_description(user) -> str:
    """A short human description of the user's scope, for the page header."""
    from django.utils.translation import gettext as _

    if not _is_signed_in(user):
        return ""
    if user.role == Role.SYSADMIN:
        return _("全部区划（仅登记信息）")
    if user.role in REGION_SCOPED_ROLES:
        return user.region.full_name if user.region_id else _("未指定区划")
    names = [hall.name for hall in user.halls.all()[:3]]
    return "、".join(names) or _("未指定大厅")


# --- Visits and findings --------------------------------------------------------

Status = Finding.Status


def visit_q(user) -> Q:
    """Visits: an inspector's own; the office's region; open visits for auditors."""
    if not can_see_business_records(user):
        return _NOTHING
    in_scope = hall_q(user, "hall")
    if user.role == Role.INSPECTOR:
        return in_scope & Q(pk__in=Visit.inspectors.through.objects.filter(user=user).values("visit"))
    if user.role == Role.OFFICE:
        return in_scope
    if user.role == Role.AUDITOR:
        return in_scope & Q(mode=Visit.Mode.OPEN)
    return _NOTHING


def visits_visible_to(user) -> QuerySet[Visit]:
    return Visit.objects.filter(visit_q(user))


def finding_q(user) -> Q:
    """The findings a user may see, embargo included. Every list, count and export uses it."""
    if not can_see_business_records(user):
        return _NOTHING
    in_scope = hall_q(user, "hall")
    published = Q(status=Status.PUBLISHED)
    if user.role == Role.OFFICE:
        # Everything in the region except other people's unsent drafts.
        return in_scope & (~Q(status=Status.DRAFT) | Q(created_by=user))
    if user.role == Role.INSPECTOR:
        own_visits = Visit.inspectors.through.objects.filter(user=user).values("visit")
        return in_scope & (Q(visit__in=own_visits) | Q(created_by=user) | published)
    if user.role == Role.AUDITOR:
        return in_scope & ((Q(undercover=False) & ~Q(status=Status.DRAFT)) | published)
    if user.role == Role.HALL_MANAGER:
        return in_scope & HALL_SIDE_Q
    return _NOTHING


# What the hall side may know of a finding: undercover ones once published;
# those of an open inspection (made in front of the hall) once the office
# confirms them; its own self-inspection at once. ``known_to_hall`` is the same
# rule for one finding in memory; both must change together.
HALL_SIDE_Q = (
    Q(status=Status.PUBLISHED)
    | Q(status=Status.CONFIRMED, undercover=False)
    | Q(source=Finding.Source.SELF_INSPECTION)
)


def known_to_hall(finding: Finding) -> bool:
    return (
        finding.status == Status.PUBLISHED
        or (finding.status == Status.CONFIRMED and not finding.undercover)
        or finding.source == Finding.Source.SELF_INSPECTION
    )


def findings_visible_to(user) -> QuerySet[Finding]:
    return Finding.objects.filter(finding_q(user))


def is_visit_inspector(user, visit: Visit) -> bool:
    return visit.inspectors.filter(pk=user.pk).exists()


def can_record_findings(user, visit: Visit) -> bool:
    return _is_signed_in(user) and user.role == Role.INSPECTOR and is_visit_inspector(user, visit)


def can_review_finding(user, finding: Finding) -> bool:
    """Confirm, reject or edit before confirming: the office whose region covers the hall."""
    return (
        _is_signed_in(user)
        and user.role == Role.OFFICE
        and halls_visible_to(user).filter(pk=finding.hall_id).exists()
    )


def can_edit_finding(user, finding: Finding) -> bool:
    """Drafts by their authors (or the visit's inspectors); submitted ones by the reviewing office."""
    if not _is_signed_in(user):
        return False
    if finding.status == Status.DRAFT:
        if finding.created_by_id == user.pk:
            return True
        return finding.visit_id is not None and can_record_findings(user, finding.visit)
    if finding.status == Status.SUBMITTED:
        return can_review_finding(user, finding)
    return False


def can_self_inspect(user, hall: ServiceHall) -> bool:
    """A hall manager records self-inspection (自查) findings about their own halls."""
    return (
        _is_signed_in(user)
        and user.role == Role.HALL_MANAGER
        and user.halls.filter(pk=hall.pk).exists()
    )


# --- Rectification -------------------------------------------------------------------

def item_q(user, field: str = "") -> Q:
    """Ledger items. Items waiting for their circular ("prepared") are the office's alone:
    they may stand for embargoed findings."""
    from rectification.models import RectificationItem

    prefix = f"{field}__" if field else ""
    if not can_see_business_records(user):
        return _NOTHING
    in_scope = hall_q(user, f"{prefix}hall")
    if user.role == Role.OFFICE:
        return in_scope
    return in_scope & ~Q(**{f"{prefix}status": RectificationItem.Status.PREPARED})


def items_visible_to(user):
    from rectification.models import RectificationItem

    return RectificationItem.objects.filter(item_q(user))


def accountability_q(user) -> Q:
    """Accountability names people: the office and auditors of the region, and the hall's managers."""
    if not can_see_business_records(user) or user.role == Role.INSPECTOR:
        return _NOTHING
    return hall_q(user, "hall")


def accountability_visible_to(user):
    from rectification.models import Accountability

    return Accountability.objects.filter(accountability_q(user))


def is_office_for_hall(user, hall_id) -> bool:
    return (
        _is_signed_in(user) and user.role == Role.OFFICE
        and halls_visible_to(user).filter(pk=hall_id).exists()
    )


def is_manager_of_hall(user, hall_id) -> bool:
    return (
        _is_signed_in(user) and user.role == Role.HALL_MANAGER
        and user.halls.filter(pk=hall_id).exists()
    )


def offices_covering(hall: ServiceHall):
    """The discipline-office users whose region contains the hall."""
    from inspections.models import User

    codes = [code for code in hall.region.path.split("/") if code]
    return User.objects.filter(role=Role.OFFICE, is_active=True, region__code__in=codes)


# --- Circulars -------------------------------------------------------------------------

def circular_q(user) -> Q:
    """Drafts: the issuing office and offices above it. Published: everyone whose area it covers."""
    from inspections.models import Circular

    if not can_see_business_records(user):
        return _NOTHING
    drafts_of_mine = Q(pk__in=[])
    if user.role == Role.OFFICE and user.region_id:
        drafts_of_mine = Q(status=Circular.Status.DRAFT, region__path__startswith=user.region.path)
    published = Q(status=Circular.Status.PUBLISHED)
    if user.role in REGION_SCOPED_ROLES and user.region_id:
        path = user.region.path
        ancestors = [p for p in _ancestor_paths(path)]
        covers = Q(region__path__startswith=path) | Q(region__path__in=ancestors)
        return drafts_of_mine | (published & covers)
    if user.role == Role.HALL_MANAGER:
        paths = {hall.region.path for hall in user.halls.select_related("region")}
        ancestors = {a for p in paths for a in _ancestor_paths(p)}
        return published & Q(region__path__in=ancestors)
    return _NOTHING


def _ancestor_paths(path: str) -> list[str]:
    """"230000/230800/230828/" → the paths of itself and every region above it."""
    codes = [c for c in path.split("/") if c]
    return ["".join(f"{c}/" for c in codes[:n]) for n in range(1, len(codes) + 1)]


def circulars_visible_to(user):
    from inspections.models import Circular

    return Circular.objects.filter(circular_q(user))


def can_edit_circular(user, circular) -> bool:
    return (
        _is_signed_in(user) and user.role == Role.OFFICE and user.region_id is not None
        and circular.status == "draft" and circular.region.path.startswith(user.region.path)
    )
