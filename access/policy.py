"""Who may do what: every action a user can take, named once, as a predicate over (user, object).

``ACTIONS`` below is the whole policy. Each entry is registered as a
django-rules permission, so every view (``@action``), service (``require``),
template (``{% has_perm %}``), admin screen (``PolicyAdmin``), import and menu
entry asks for an action by its name (``core.permissions``) and none of them
compares roles. The admin's own permission names ("registry.change_window")
are mapped onto these actions at the end (``ADMIN``).

Which rows a user sees stays with the scope modules (``registry.scope`` and
each app's ``scope.py``): views load their object through them first, so an
object out of scope is 404 before any rule here runs. Where a rule also needs
"is this hall within the user's reach", it uses ``registry.scope.in_reach``,
the in-memory twin of ``hall_q`` (tests/test_scope.py checks that they agree).
The state a record must be in for a step (a draft to submit, a request to
approve) is the transition tables' (``FINDING_TRANSITIONS``, ``ITEM_TRANSITIONS``):
a refused step says why in Chinese instead of answering 403.

Decisions written down here:

- National reference data — the working-day calendar, the deadline rules and
  the problem taxonomy — is kept by a province-level discipline office; the
  calendar (the State Council's notice, typed in) also by the system
  administrator. Regions (statutory codes) by the system administrator only.
- Halls and other units (股室, brigades, stationed windows…) are opened by the discipline
  office within its region and by the system administrator anywhere (``hall.add``); what a
  hall is and where — its name, region, type — and whether it is in use are changed by the
  same (``hall.relocate``). A hall's keepers, its managers too, keep its address, departments,
  windows and staff (``hall.edit_registry``); a manager does not take their own hall out of
  use, which would drop it from the inspectors' pickers.
- Campaigns (专项整治行动) are documents an office issues (发文机关, 文号): a discipline
  office opens them for regions within its own (``campaign.add``) and changes those whose
  every region is within its own (``campaign.edit``). Inspectors — team leaders included —
  do not open campaigns: they work within them, choosing one that covers the hall when they
  start a visit, and a visit needs none (``visit.start``). Everyone with business records
  reads the campaigns that reach where they work (``campaign.view``, ``inspections.scope``).
- 三员分立: the system administrator opens accounts and keeps their profile and
  the registry; the security administrator gives roles and scopes, sets
  passwords and lifts lockouts (an office, those of its region's accounts); a lost second-factor device is reset by the system
  administrator, never by the one who sets passwords; the audit administrator reads the security log
  (``audit.view``) and nothing else — no other role reads it, not even the
  other two. None of the three reads a business record; each is a role of its
  own account (``User.role`` holds one, and ``manage.py create_admin`` will not
  turn an account of one role into another); nobody changes their own role,
  scope or active flag; administrators' roles come from the server's command
  line; there are no superusers.
- The hall side (a hall manager) never identifies an inspector: it sees the
  visit's team instead (``person.identify``), and of the evidence only what
  ``inspections.services.evidence.download_for`` gives it.
"""

import rules

from circulars.models import Circular
from inspections.models import Evidence, Finding, Visit
from rectification.models import ExtensionRequest
from registry.models import ROLES, Reach, Region, Role, ServiceHall, role_spec
from registry.scope import in_reach

# --- Who the user is ---------------------------------------------------------------------

def _role(*roles):
    wanted = frozenset(roles)

    @rules.predicate(name=f"is_{'_or_'.join(sorted(wanted))}")
    def has_role(user):
        return _active(user) and user.role in wanted

    return has_role


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


signed_in = rules.predicate(_active, name="signed_in")
is_inspector = _role(Role.INSPECTOR)
is_hall_manager = _role(Role.HALL_MANAGER)
is_office = _role(Role.OFFICE)
is_auditor = _role(Role.AUDITOR)
is_sysadmin = _role(Role.SYSADMIN)
is_secadmin = _role(Role.SECADMIN)
is_audit_admin = _role(Role.AUDIT_ADMIN)


@rules.predicate
def has_a_role(user):
    """Holds any role: "未分配角色" reaches nothing until the security administrator gives one."""
    return _active(user) and user.role != Role.NONE


@rules.predicate
def sees_business(user):
    return role_spec(user).business


@rules.predicate
def has_reach(user):
    return role_spec(user).reach != Reach.NONE


@rules.predicate
def is_province_office(user):
    return is_office(user) and user.region_id is not None and user.region.level == Region.Level.PROVINCE


# --- Where the object is -----------------------------------------------------------------

def hall_of(obj) -> ServiceHall | None:
    """The hall an object is about: a hall itself, or the hall of a window, person, finding,
    piece of evidence, ledger item, extension request or accountability record."""
    if obj is None or isinstance(obj, ServiceHall):
        return obj
    if isinstance(obj, ExtensionRequest):
        return obj.item.hall
    return getattr(obj, "hall", None)


@rules.predicate
def within_reach(user, obj):
    hall = hall_of(obj)
    return hall is not None and in_reach(user, hall)


office_covering = is_office & within_reach
manager_of = is_hall_manager & within_reach


@rules.predicate
def no_object(user, obj):
    return obj is None


# --- Visits and findings -------------------------------------------------------------------

@rules.predicate
def inspector_of_visit(user, visit):
    """One of the visit's inspectors (a finding's or a piece of evidence's visit also counts)."""
    if isinstance(visit, Evidence):
        visit = visit.finding.visit if visit.finding_id else None
    if isinstance(visit, Finding):
        visit = visit.visit
    return (
        isinstance(visit, Visit) and is_inspector(user)
        and visit.inspectors.filter(pk=user.pk).exists()
    )


@rules.predicate
def authors_finding(user, finding):
    """Its author, or one of its visit's inspectors."""
    return finding is not None and (finding.created_by_id == user.pk or inspector_of_visit(user, finding))


@rules.predicate
def drafts_finding(user, finding):
    """A draft is edited by its authors."""
    return finding is not None and finding.status == Finding.Status.DRAFT and authors_finding(user, finding)


@rules.predicate
def reviews_finding(user, finding):
    """A submitted finding, before the office decides: the office covering the hall."""
    return finding is not None and finding.status == Finding.Status.SUBMITTED and office_covering(user, finding)


@rules.predicate
def own_self_inspection(user, finding):
    return finding is not None and finding.source == Finding.Source.SELF_INSPECTION and manager_of(user, finding)


# --- Evidence -------------------------------------------------------------------------------

@rules.predicate
def took_evidence(user, evidence):
    return evidence is not None and evidence.uploaded_by_id == user.pk


@rules.predicate
def hall_gave_evidence(user, evidence):
    """Material a hall gave itself (self-inspection, proof): its own managers may have the original."""
    return evidence is not None and evidence.from_hall and manager_of(user, evidence)


# --- Accounts -------------------------------------------------------------------------------

@rules.predicate
def is_someone_else(user, target):
    return target is not None and target.pk != user.pk


@rules.predicate
def role_is_its_own(account, role):
    """三员分立: an account keeps the role it was made for; another role needs another account."""
    return account.role in (Role.NONE, role)


# Asked by ``manage.py create_admin`` (no one requests it, so it is a rule, not an action).
ACCOUNT_MAY_TAKE_ROLE = "account.may_take_role"


@rules.predicate
def target_is_administrator(user, target):
    return target is not None and ROLES.get(target.role, ROLES[Role.NONE]).administrator


@rules.predicate
def identifiable(user, person):
    """The hall side knows the people it deals with openly (its own managers and the office),
    never an inspector or anyone else behind a finding."""
    if not role_spec(user).hall_side:
        return True
    return person is not None and person.role in (Role.HALL_MANAGER, Role.OFFICE)


# --- Circulars ------------------------------------------------------------------------------

@rules.predicate
def issues_circular(user, circular):
    """An office whose region is the circular's or above it."""
    return (
        isinstance(circular, Circular) and is_office(user)
        and user.region_id is not None and circular.region.path.startswith(user.region.path)
    )


@rules.predicate
def drafts_circular(user, circular):
    """A draft, by its issuing office: a published circular is the issued document, edited by no one."""
    return isinstance(circular, Circular) and circular.status == Circular.Status.DRAFT and issues_circular(user, circular)


@rules.predicate
def covers_campaign(user, campaign):
    """An office whose region holds every region of the campaign."""
    if campaign is None:
        return False
    return is_office(user) and user.region_id is not None and all(
        region.path.startswith(user.region.path) for region in campaign.regions.all()
    )


never = rules.always_deny

ledger_readers = is_office | is_hall_manager | is_auditor
registry_keepers = is_office | is_hall_manager | is_sysadmin

ACTIONS: dict[str, rules.Predicate] = {
    "home.view": signed_in,
    "export.download": signed_in,
    "notification.list": signed_in,
    # Registry
    "hall.list": has_reach,
    "hall.view": has_reach,
    "hall.add": is_office | is_sysadmin,
    "hall.relocate": (is_office | is_sysadmin) & within_reach,
    "hall.edit_registry": registry_keepers & within_reach,
    "hall.self_inspect": manager_of,
    "region.view": has_reach,
    "region.edit": is_sysadmin,
    "staff.view_phone": registry_keepers & within_reach,
    "staff.view_record": sees_business,
    # Accounts
    "user.view": is_sysadmin | is_secadmin,
    "user.add": is_sysadmin,
    "user.edit_profile": is_sysadmin,
    "user.change_role": is_secadmin & is_someone_else & ~target_is_administrator,
    "user.change_active": is_sysadmin & is_someone_else & ~target_is_administrator,
    "user.set_password": is_secadmin & is_someone_else & ~target_is_administrator,
    # Lockouts (registry.identity): the security administrator's, and the system administrator's
    # who keeps the accounts; a discipline office lifts those of the accounts in its region (the
    # user who rings it after five wrong passwords; registry.scope.lockouts_visible_to), but not
    # a lockout by address, which also stops other accounts there that only the administrators
    # oversee.
    "lockout.list": is_secadmin | is_sysadmin | is_office,
    "lockout.lift": is_secadmin | is_sysadmin | is_office,
    "lockout.lift_address": is_secadmin | is_sysadmin,
    # The second factor (registry.two_factor): each user's own; a lost device is reset by the
    # system administrator, because the security administrator sets passwords and the two
    # together would let one administrator take over an account alone. An administrator's
    # device is reset on the server (``manage.py reset_two_factor``), as their role is given.
    "two_factor.own": signed_in,
    "two_factor.accounts": is_sysadmin,
    "two_factor.reset": is_sysadmin & is_someone_else & ~target_is_administrator,
    "person.identify": identifiable,
    # Reference data
    "reference.view": has_a_role & ~is_audit_admin,
    "taxonomy.edit": is_province_office,
    "deadline_rule.edit": is_province_office,
    "calendar.edit": is_province_office | is_sysadmin,
    "campaign.view": sees_business,
    "campaign.add": is_office,
    "campaign.edit": is_office & (no_object | covers_campaign),
    # Visits and findings
    "visit.list": is_inspector | is_office | is_auditor,
    "visit.start": is_inspector & (no_object | within_reach),
    "visit.view": sees_business,
    "visit.end": inspector_of_visit,
    "visit.record_finding": inspector_of_visit,
    "finding.list": sees_business,
    "finding.view": sees_business,
    "finding.export": sees_business,
    "finding.edit": drafts_finding | reviews_finding,
    "finding.submit": authors_finding,
    "finding.review": is_office,
    "finding.confirm": office_covering,
    "finding.reject": office_covering,
    "finding.rectify": office_covering | own_self_inspection,
    "evidence.view": sees_business,
    "evidence.view_original": took_evidence | office_covering | inspector_of_visit | hall_gave_evidence,
    "evidence.share": office_covering,
    # Rectification
    "item.list": ledger_readers,
    "item.watch_overdue": is_office,
    "item.export": ledger_readers,
    "item.import": is_office | is_hall_manager,
    "item.view": sees_business,
    "item.edit": office_covering | manager_of,
    "item.set_deadline": office_covering,
    "item.add_progress": office_covering | manager_of,
    "item.request_closure": manager_of,
    "item.request_extension": manager_of,
    "item.approve_closure": is_office & (no_object | within_reach),
    "item.return_closure": office_covering,
    "extension.decide": office_covering,
    "item.revisit": is_inspector & within_reach,
    "revisit.record": is_inspector,
    "accountability.list": ledger_readers,
    "accountability.export": ledger_readers,
    "accountability.record": office_covering,
    "statistics.export": is_office | is_auditor,
    # The dashboard (workbench.dashboard): the office's over its region, and its auditor's.
    "dashboard.view": is_office | is_auditor,
    "dashboard.export": is_office | is_auditor,
    # Circulars
    "circular.list": sees_business,
    "circular.view": sees_business,
    "circular.export": sees_business,
    "circular.add": is_office,
    "circular.edit": drafts_circular,
    "circular.publish": issues_circular,
    "circular.view_history": is_office,
    # The security log (audit.models): the audit administrator's, and only theirs (三员分立).
    "audit.view": is_audit_admin,
    "audit.export": is_audit_admin,
}

# The admin asks "<app>.<verb>_<model>" (core.permissions.PolicyAdmin); each is one of the actions
# above, or never. Business records in the admin are for the office side only (the hall side
# has its pages, which know what it may see of a record).
records_in_admin = is_office | is_auditor
# The admin also asks with no object ("may this user change windows at all?", for its lists).
keeps_registry_rows = registry_keepers & (no_object | within_reach)
ADMIN: dict[str, dict[str, rules.Predicate]] = {
    "registry.region": {"view": ACTIONS["region.view"], "add": ACTIONS["region.edit"],
                        "change": ACTIONS["region.edit"], "delete": never},
    "registry.servicehall": {"view": ACTIONS["hall.view"], "add": ACTIONS["hall.add"],
                             "change": keeps_registry_rows, "delete": never},
    **{
        f"registry.{model}": {"view": ACTIONS["hall.view"], "add": registry_keepers,
                              "change": keeps_registry_rows, "delete": keeps_registry_rows}
        for model in ("department", "window", "staff")
    },
    # Which fields of an account each may change is the user.* actions (registry.admin.UserAdmin).
    "registry.user": {"view": ACTIONS["user.view"], "add": ACTIONS["user.add"],
                      "change": ACTIONS["user.view"], "delete": never},
    # A category is retired with "active": findings keep pointing at it.
    "inspections.problemcategory": {"view": ACTIONS["reference.view"], "add": ACTIONS["taxonomy.edit"],
                                    "change": ACTIONS["taxonomy.edit"], "delete": never},
    "inspections.campaign": {"view": ACTIONS["campaign.view"], "add": ACTIONS["campaign.add"],
                             "change": ACTIONS["campaign.edit"], "delete": never},
    **{
        f"rectification.{model}": {"view": ACTIONS["reference.view"], "add": ACTIONS["calendar.edit"],
                                   "change": ACTIONS["calendar.edit"], "delete": ACTIONS["calendar.edit"]}
        for model in ("calendaryear", "calendarday")
    },
    "rectification.deadlinerule": {"view": ACTIONS["reference.view"], "add": ACTIONS["deadline_rule.edit"],
                                   "change": ACTIONS["deadline_rule.edit"],
                                   "delete": ACTIONS["deadline_rule.edit"]},
    **{
        label: {"view": records_in_admin, "add": never, "change": never, "delete": never}
        for label in (
            "inspections.visit", "inspections.finding", "inspections.evidence", "circulars.circular",
            "rectification.rectificationitem", "rectification.progressentry", "rectification.extensionrequest",
            "rectification.revisit", "rectification.accountability",
        )
    },
    # A person's own notifications and digests (the admin lists only theirs).
    **{
        f"rectification.{model}": {"view": signed_in, "add": never, "change": never, "delete": never}
        for model in ("notification", "digest")
    },
}


def admin_permission(label: str, verb: str) -> str:
    app_label, model = label.split(".")
    return f"{app_label}.{verb}_{model}"


def register():
    rules.set_rule(ACCOUNT_MAY_TAKE_ROLE, role_is_its_own)
    for name, predicate in ACTIONS.items():
        rules.set_perm(name, predicate)
    for label, verbs in ADMIN.items():
        for verb, predicate in verbs.items():
            rules.set_perm(admin_permission(label, verb), predicate)
