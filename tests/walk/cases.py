"""What every URL must answer every persona, about every kind of object it takes.

The URLs come from the URL conf, the action each performs from its view
(``@action``), the objects from the world (tests/walk/world.py). What is
decided here, by hand, is the outcome: who may see each object (``VISIBLE``,
the rules of sight) and, per URL and object, who may act (the rules of
action). Written apart from the policy, so that the walk fails when the
policy or a view drifts from these decisions.

Outcomes: ``OK`` — a GET answers 200, a POST (with a valid body) 200 or 302
and changes the database; ``NOOP`` — allowed, but the record's state or the
data refuses the step: 200 or 302 and nothing changes; a number — that status,
nothing changes. Everyone not named is refused: 404 when the object is out of
their sight, 403 when they see it; the anonymous visitor goes to the login
page. A refused request never changes the database.
"""

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from openpyxl import Workbook

from tests.factories import category, jpeg_bytes
from tests.walk.world import PASSWORD, PERSONAS

OK, NOOP = "ok", "noop"
SIGNED = frozenset(PERSONAS) - {"anonymous"}
BUSINESS = frozenset({"inspector", "inspector_other", "manager", "manager_2", "office", "office_b", "office_p",
                      "auditor"})
REGISTRY_ALL = frozenset({"sysadmin", "secadmin"})
# Signed in, yet seeing no hall nor reference data: no role yet, or the audit administrator's.
NO_SIGHT = frozenset({"unassigned", "audit_admin"})
CITY_A = frozenset({"inspector", "inspector_other", "office", "office_p", "auditor"})

# --- The rules of sight: who sees each object ----------------------------------------------
_ITEM_A = CITY_A | {"manager"}
VISIBLE = {
    "hall": {"a": CITY_A | {"manager"} | REGISTRY_ALL, "a2": CITY_A | {"manager_2"} | REGISTRY_ALL,
             "b": {"office_b", "office_p"} | REGISTRY_ALL},
    "visit": {"undercover_a": {"inspector", "office", "office_p"},
              "open_a": {"inspector", "office", "office_p", "auditor"}, "visit_b": {"office_b", "office_p"}},
    "finding": {
        "draft": {"inspector"},
        "submitted_uc": {"inspector", "office", "office_p"},
        "confirmed_uc": {"inspector", "office", "office_p"},
        "confirmed_open": {"inspector", "office", "office_p", "auditor", "manager"},
        "confirmed_free": {"inspector", "office", "office_p", "auditor", "manager"},
        "published": CITY_A | {"manager"},
        "self": {"office", "office_p", "auditor", "manager"},
        "self_free": {"office", "office_p", "auditor", "manager"},
        "submitted_b": {"office_b", "office_p"},
        "confirmed_b": {"office_b", "office_p"},
    },
    "evidence": {"uc": {"inspector", "office", "office_p"}, "published": CITY_A | {"manager"},
                 "video": CITY_A | {"manager"}, "proof": _ITEM_A, "b": {"office_b", "office_p"}},
    "item": {"working": _ITEM_A, "extending": _ITEM_A, "closure": _ITEM_A, "prepared": {"office", "office_p"},
             "a2": CITY_A | {"manager_2"}, "b": {"office_b", "office_p"}},
    "extension": {"a": _ITEM_A, "b": {"office_b", "office_p"}},
    "circular": {"draft_a": {"office", "office_p"}, "published_p": BUSINESS,
                 "draft_b": {"office_b", "office_p"}, "published_b": {"office_b", "office_p"}},
    "job": {"office": {"office"}, "manager": {"manager"}},
    # Campaigns reach where one works: city A's, the province's, city B's.
    "campaign": {"a": CITY_A | {"manager", "manager_2"}, "p": BUSINESS, "b": {"office_b", "office_p"}},
    "batch": {"ledger": {"manager"}, "roster": {"manager"}},
}
# Accounts are seen by the administrators who keep them.
VISIBLE["account"] = {name: REGISTRY_ALL for name in SIGNED}
for _kind in ("window", "staff", "department"):
    VISIBLE[_kind] = {**VISIBLE["hall"], "spare": VISIBLE["hall"]["a"]}


def ok(*personas, outcome=OK):
    return {persona: outcome for persona in personas}


def noop(*personas):
    return ok(*personas, outcome=NOOP)


def status(code, *personas):
    return ok(*personas, outcome=code)


KEEPERS = {"a": {"manager", "office", "office_p", "sysadmin"}, "a2": {"manager_2", "office", "office_p", "sysadmin"},
           "b": {"office_b", "office_p", "sysadmin"}}


# --- Bodies a browser would send ----------------------------------------------------------------

def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def finding_form(world, visit=None):
    start = visit.started_at if visit is not None else timezone.now() - datetime.timedelta(hours=1)
    return {
        "category": category("C02").pk, "observed_at": _local(start + datetime.timedelta(minutes=10)),
        "severity": "general", "description": "窗口无人值守", "fact_minutes_off_post": "5",
        "window": "", "department": "", "staff": "", "staff_description": "女，约30岁", "submit": "",
    }


def _finding_edit_body(world, persona, kwargs):
    finding = world.get("finding", kwargs["finding"])
    return finding_form(world, finding.visit)


def photo(name="现场.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def xlsx(rows, name="台账.xlsx"):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def ledger_file(world, persona, kwargs):
    item = world.get("item", "working")
    return {"file": xlsx([["整改台账"], ["系统编号", "整改措施", "责任人", "整改进展", "完成情况", "状态"],
                          [item.pk, "增设引导岗，调整排班", "王建国", "", "", "整改中"]])}


def roster_file(world, persona, kwargs):
    return {"file": xlsx([["名册"], ["工号", "姓名"], ["N-001", "新同事"]], "名册.xlsx")}


def window_body(world, persona, kwargs):
    return {"number": 77, "label": "", "name": "新窗口", "department": "", "kind": "general", "active": "on"}


def _own_region(world, persona):
    user = world.personas[persona]
    return user.region_id if user is not None and user.region_id else world.get("region", "city_a").pk


def hall_body(world, persona, kwargs):
    """A new unit in the persona's own region; or the hall of the URL made a stationed window at a
    new address (its managers may change only the address: the rest is fixed for them)."""
    if kwargs:
        hall = world.get("hall", kwargs["hall"])
        return {"name": hall.name, "kind": "stationed_window", "region": hall.region_id, "address": "新地址",
                "active": "on"}
    return {"name": f"新单位{persona}", "kind": "agency_office", "region": _own_region(world, persona),
            "address": "", "active": "on"}


def hall_in_city_b(world, persona, kwargs):
    """The same, in 牡丹江市: outside city A's office, within city B's and the province's."""
    city_b = world.get("region", "city_b").pk
    if kwargs:
        hall = world.get("hall", kwargs["hall"])
        return {"name": hall.name, "kind": hall.kind, "region": city_b, "address": hall.address, "active": "on"}
    return {"name": f"新单位{persona}", "kind": "agency_office", "region": city_b, "address": "", "active": "on"}


def campaign_body(world, persona, kwargs):
    """A new campaign for the persona's own region; or the campaign of the URL ten days longer."""
    if kwargs:
        campaign = world.get("campaign", kwargs["campaign"])
        return {"name": campaign.name, "issuer": campaign.issuer, "doc_number": "",
                "start_date": campaign.start_date.isoformat(),
                "end_date": (campaign.end_date + datetime.timedelta(days=10)).isoformat(),
                "regions": list(campaign.regions.values_list("pk", flat=True)), "notes": "延长十天"}
    return {"name": f"新行动{persona}", "issuer": "作风办", "doc_number": f"测{persona}〔2026〕1号",
            "start_date": world.today.isoformat(), "end_date": (world.today + datetime.timedelta(days=30)).isoformat(),
            "regions": [_own_region(world, persona)], "focus_categories": [category("C02").parent_id], "notes": ""}


def campaign_reaching_city_b(world, persona, kwargs):
    """The same, reaching 牡丹江市 too: outside city A's office, within city B's and the province's."""
    body = campaign_body(world, persona, kwargs)
    body["regions"] = [*body["regions"], world.get("region", "city_b").pk] if kwargs else [world.get("region", "city_b").pk]
    return body


def visit_body(campaign=None):
    def body(world, persona, kwargs):
        return {"hall": world.get("hall", "a").pk, "mode": "undercover",
                "started_at": _local(timezone.now() - datetime.timedelta(minutes=30)),
                "campaign": world.get("campaign", campaign).pk if campaign else "", "team_name": "暗访组", "notes": ""}
    return body


def department_body(world, persona, kwargs):
    return {"name": "新进驻部门", "active": "on"}


def staff_body(world, persona, kwargs):
    return {"name": "新同事", "badge_number": "N-77", "department": "", "window": "", "post": "window_staff",
            "phone": "", "backup": "", "active": "on"}


def circular_body(world, persona, kwargs):
    user = world.personas[persona]
    region = user.region_id if user is not None and user.region_id else world.get("region", "city_a").pk
    return {"issuer": "作风办", "issuer_code": f"测{persona[:2]}", "year": 2026, "serial": "", "region": region,
            "title": "关于明察暗访情况的通报", "date": "2026-11-21", "lead": "", "requirements": "",
            "accountability_tally": "", "naming": "surname"}


def circular_edit_body(world, persona, kwargs):
    circular = world.get("circular", kwargs["circular"])
    return {**circular_body(world, persona, kwargs), "issuer_code": circular.issuer_code, "serial": circular.serial,
            "region": circular.region_id, "title": "改过的标题",
            "findings": list(circular.findings.values_list("pk", flat=True))}


def circular_arrange_body(world, persona, kwargs):
    circular = world.get("circular", kwargs["circular"])
    body = {"new1_title": "新开的章节", "new1_order": 9, "new2_title": "", "new2_order": 10}
    for section in circular.sections.all():
        body |= {f"s{section.pk}_title": "改过的章节", f"s{section.pk}_order": section.order}
    for entry in circular.entries.all():
        body |= {f"e{entry.pk}_section": "new1", f"e{entry.pk}_order": 1, f"e{entry.pk}_text": "改过的表述。",
                 f"e{entry.pk}_opinion": "talk"}
    return body


def item_edit_body(world, persona, kwargs):
    item = world.get("item", kwargs["item"])
    return {"version": item.version, "measures": "新的整改措施", "standard": "", "responsible_leader": "",
            "responsible_person": "李四", "completion_note": "", "kind": "deadline",
            "deadline": (item.deadline or world.today + datetime.timedelta(days=30)).isoformat()}


def accountability_body(world, persona, kwargs):
    hall = world.get("hall", kwargs["hall"])
    return {"subject": "unit", "staff": "", "person_name": "", "person_title": "", "department": "",
            "track": "hall", "type": "约谈", "deciding_body": f"{hall.name}管理办", "decision_number": "",
            "decision_date": world.today.isoformat()}


def constant(**values):
    return lambda world, persona, kwargs: dict(values)


def today_is(**values):
    return lambda world, persona, kwargs: {**values, "date": world.today.isoformat()}


# --- The cases --------------------------------------------------------------------------------

@dataclass
class UrlCase:
    name: str
    methods: tuple[str, ...]
    variants: dict  # label → (URL kwargs {argument: variant}, {persona: outcome}[, POST body of this variant])
    body: object = None  # (world, persona, kwargs) → POST data
    query: object = None  # (world) → query string
    subject: str | None = None  # the argument whose object decides 404 or 403 (the first one)
    django: bool = False  # one of Django's own views: not a policy action


def review_confirm_body(world, persona, kwargs):
    return {"findings": [world.get("finding", "submitted_uc").pk], "rectify": "1"}


def locked_account(world, persona, kwargs):
    """An account locked out by five wrong passwords, for the administrators to unlock."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update_or_create(
        username="inspector", ip_address="10.9.8.7",
        defaults={"user_agent": "walk", "failures_since_start": 5, "get_data": "", "post_data": "",
                  "http_accept": "", "path_info": "/accounts/login/"},
    )
    return {"username": "inspector"}


def locked_address(world, persona, kwargs):
    """The same lockout, lifted by its address: the administrators' only."""
    locked_account(world, persona, kwargs)
    return {"address": "10.9.8.7"}


def enrolled_account(world, persona, kwargs):
    """The account whose lost phone is reset has an authenticator to lose."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.get_or_create(user=world.get("account", kwargs["account"]), confirmed=True)
    return {}


def case(name, methods, *, body=None, query=None, django=False, **variants):
    return UrlCase(name, tuple(methods.split()), variants, body, query, django=django)


def alone(expect):
    """A URL about no object."""
    return {"_": ({}, expect)}


ALL = {p: OK for p in SIGNED}

CASES = [
    # Django's own pages
    case("login", "get", django=True, **alone({"anonymous": 200, **{p: 302 for p in SIGNED}})),
    case("logout", "post", django=True, **alone({p: 302 for p in PERSONAS})),
    case("password_change", "get", django=True, **alone(ok(*SIGNED))),
    case("password_change_done", "get", django=True, **alone(ok(*SIGNED))),
    case("set_language", "post", django=True, body=constant(language="en"), **alone({p: 302 for p in PERSONAS})),
    # Work bench, exports
    case("home", "get", **alone(ALL)),
    case("dashboard", "get", **alone(ok("office", "office_b", "office_p", "auditor"))),
    case("dashboard_export", "get", **alone(ok("office", "office_b", "office_p", "auditor"))),
    case("export_job", "get", office=({"job": "office"}, ok("office")), manager=({"job": "manager"}, ok("manager"))),
    case("export_download", "get", office=({"job": "office"}, ok("office")),
         manager=({"job": "manager"}, ok("manager"))),
    # Lockouts: the security and system administrators', and an office's for the accounts of its
    # region (the body locks city A's inspector first; city B's office finds no lockout of its own
    # to lift). An address only the administrators lift.
    case("lockout_list", "get", **alone(ok("secadmin", "sysadmin", "office", "office_b", "office_p"))),
    case("lockout_lift", "post", body=locked_account,
         **alone({**ok("secadmin", "sysadmin", "office", "office_p"), **noop("office_b")})),
    case("lockout_lift", "post", address=({}, ok("secadmin", "sysadmin"), locked_address)),
    # The second factor: everyone's own (signed in by force_login, each has passed it: enrolling
    # again and verifying again change nothing); a lost phone is reset by the system administrator,
    # not for an administrator nor for themselves.
    case("two_factor", "get post", **alone(noop(*SIGNED))),
    case("two_factor_qr", "get", **alone(ok(*SIGNED))),
    case("two_factor_verify", "get post", **alone(noop(*SIGNED))),
    case("two_factor_codes", "post", **alone(ok(*SIGNED))),
    case("two_factor_accounts", "get", **alone(ok("sysadmin"))),
    case("two_factor_reset", "post", body=enrolled_account, office=({"account": "office"}, ok("sysadmin")),
         administrator=({"account": "secadmin"}, {}), own=({"account": "sysadmin"}, {})),
    # Registry
    case("hall_list", "get", **alone(ok(*(SIGNED - NO_SIGHT)))),
    *[case("hall_detail", "get", **{v: ({"hall": v}, ok(*VISIBLE["hall"][v]))}) for v in ("a", "a2", "b")],
    case("hall_create", "get post", body=hall_body, **alone(ok("office", "office_b", "office_p", "sysadmin"))),
    # A region outside one's own is refused with a message on the form; nothing is saved.
    case("hall_create", "post", elsewhere=({}, {**ok("office_b", "office_p", "sysadmin"), **noop("office")},
                                           hall_in_city_b)),
    case("hall_edit", "get post", body=hall_body, **{v: ({"hall": v}, ok(*KEEPERS[v])) for v in ("a", "a2", "b")}),
    # Moving hall a to city B: the province's office and the system administrator may; city A's office
    # may not (outside its region), nor the hall's manager (the region is fixed for them).
    case("hall_edit", "post", moved_out=({"hall": "a"}, {**ok("office_p", "sysadmin"), **noop("office", "manager")},
                                         hall_in_city_b)),
    case("department_create", "get post", body=department_body,
         **{v: ({"hall": v}, ok(*KEEPERS[v])) for v in ("a", "a2", "b")}),
    case("department_edit", "get post", body=department_body,
         a=({"hall": "a", "department": "a"}, ok(*KEEPERS["a"])),
         b=({"hall": "b", "department": "b"}, ok(*KEEPERS["b"])),
         mismatched=({"hall": "a", "department": "b"}, status(404, *KEEPERS["a"]))),
    case("window_create", "get post", body=window_body,
         **{v: ({"hall": v}, ok(*KEEPERS[v])) for v in ("a", "a2", "b")}),
    case("window_edit", "get post", body=window_body,
         a=({"hall": "a", "window": "a"}, ok(*KEEPERS["a"])),
         b=({"hall": "b", "window": "b"}, ok(*KEEPERS["b"])),
         mismatched=({"hall": "a", "window": "b"}, status(404, *KEEPERS["a"]))),
    case("staff_create", "get post", body=staff_body, **{v: ({"hall": v}, ok(*KEEPERS[v])) for v in ("a", "b")}),
    case("staff_edit", "get post", body=staff_body,
         a=({"hall": "a", "staff": "a"}, ok(*KEEPERS["a"])),
         b=({"hall": "b", "staff": "b"}, ok(*KEEPERS["b"])),
         mismatched=({"hall": "a", "staff": "b"}, status(404, *KEEPERS["a"]))),
    case("roster_import", "get post", body=roster_file, **{v: ({"hall": v}, ok(*KEEPERS[v])) for v in ("a", "b")}),
    case("roster_import_preview", "get post",
         own=({"hall": "a", "batch": "roster"}, {"manager": OK, **status(404, "office", "office_p", "sysadmin")}),
         other_hall=({"hall": "b", "batch": "roster"}, status(404, *KEEPERS["b"]))),
    case("staff_profile", "get",
         a=({"staff": "a"}, ok(*(VISIBLE["hall"]["a"] - REGISTRY_ALL))),
         b=({"staff": "b"}, ok("office_b", "office_p"))),
    # Visits and findings
    case("hall_options", "get", query=lambda w: "q=政务", **alone(ok("inspector", "inspector_other"))),
    case("self_inspection_create", "get post", body=lambda w, p, k: finding_form(w),
         a=({"hall": "a"}, ok("manager")), a2=({"hall": "a2"}, ok("manager_2")), b=({"hall": "b"}, {})),
    case("visit_list", "get", **alone(ok("inspector", "inspector_other", "office", "office_b", "office_p", "auditor"))),
    case("visit_create", "get post", body=visit_body(), **alone(ok("inspector", "inspector_other"))),
    # Within a campaign that covers hall a (city A's, the province's); city B's is not offered them.
    case("visit_create", "post",
         in_campaign=({}, ok("inspector", "inspector_other"), visit_body("a")),
         in_province_campaign=({}, ok("inspector", "inspector_other"), visit_body("p")),
         in_campaign_elsewhere=({}, noop("inspector", "inspector_other"), visit_body("b"))),
    # Campaigns: everyone with business records reads those that reach them; offices open and change
    # them within their own region.
    case("campaign_list", "get", **alone(ok(*BUSINESS))),
    case("campaign_create", "get post", body=campaign_body, **alone(ok("office", "office_b", "office_p"))),
    case("campaign_create", "post",
         elsewhere=({}, {**ok("office_b", "office_p"), **noop("office")}, campaign_reaching_city_b)),
    case("campaign_edit", "get post", body=campaign_body,
         a=({"campaign": "a"}, ok("office", "office_p")), p=({"campaign": "p"}, ok("office_p")),
         b=({"campaign": "b"}, ok("office_b", "office_p"))),
    case("campaign_edit", "post",
         a_widened=({"campaign": "a"}, {**ok("office_p"), **noop("office")}, campaign_reaching_city_b)),
    *[case("visit_detail", "get", **{v: ({"visit": v}, ok(*VISIBLE["visit"][v]))})
      for v in ("undercover_a", "open_a", "visit_b")],
    case("visit_end", "post", **{v: ({"visit": v}, ok("inspector") if v != "visit_b" else {})
                                 for v in ("undercover_a", "open_a", "visit_b")}),
    case("finding_create", "get post", body=lambda w, p, k: finding_form(w, w.get("visit", k["visit"])),
         **{v: ({"visit": v}, ok("inspector") if v != "visit_b" else {}) for v in ("undercover_a", "open_a", "visit_b")}),
    case("finding_list", "get", **alone(ok(*BUSINESS))),
    case("findings_export", "get", **alone(ok(*BUSINESS))),
    case("finding_facts", "get",
         query=lambda w: f"hall={w.get('hall', 'a').pk}&category={category('C02').pk}",
         **alone({**ok(*BUSINESS), **status(404, "manager_2", "office_b")})),
    *[case("finding_detail", "get", **{v: ({"finding": v}, ok(*VISIBLE["finding"][v]))})
      for v in VISIBLE["finding"]],
    case("finding_edit", "get post", body=_finding_edit_body,
         draft=({"finding": "draft"}, ok("inspector")),
         submitted_uc=({"finding": "submitted_uc"}, ok("office", "office_p")),
         published=({"finding": "published"}, {}),
         submitted_b=({"finding": "submitted_b"}, ok("office_b", "office_p"))),
    case("finding_submit", "post",
         draft=({"finding": "draft"}, ok("inspector")),
         published=({"finding": "published"}, noop("inspector"))),
    case("finding_confirm", "post",
         submitted_uc=({"finding": "submitted_uc"}, ok("office", "office_p")),
         self=({"finding": "self"}, ok("office", "office_p")),
         submitted_b=({"finding": "submitted_b"}, ok("office_b", "office_p")),
         published=({"finding": "published"}, noop("office", "office_p"))),
    case("finding_confirm_rectify", "post",
         submitted_uc=({"finding": "submitted_uc"}, ok("office", "office_p")),
         # Confirmed, but the finding has a ledger item already: neither step is kept.
         submitted_b=({"finding": "submitted_b"}, noop("office_b", "office_p"))),
    case("finding_reject", "get post", body=constant(reason="证据不足"),
         submitted_uc=({"finding": "submitted_uc"}, ok("office", "office_p")),
         self=({"finding": "self"}, ok("office", "office_p")),
         submitted_b=({"finding": "submitted_b"}, ok("office_b", "office_p"))),
    case("evidence_upload", "post", body=lambda w, p, k: {"files": photo()},
         draft=({"finding": "draft"}, ok("inspector")),
         submitted_uc=({"finding": "submitted_uc"}, ok("office", "office_p")),
         published=({"finding": "published"}, {})),
    case("review_queue", "get", **alone(ok("office", "office_b", "office_p"))),
    # 确认所选: city A's submitted finding is in the queue of city A's and the province's office;
    # city B's office does not have it, so nothing is confirmed (a message, no change).
    case("review_confirm", "post", body=review_confirm_body,
         **alone({**ok("office", "office_p"), **noop("office_b")})),
    *[case("evidence_download", "get", **{v: ({"evidence": v}, ok(*VISIBLE["evidence"][v]))})
      for v in ("uc", "published", "proof", "b")],
    # The hall side gets nothing of a video the office has not shared.
    # A video goes to those who have the original (the office, its takers) and to the hall side once
    # the office has shared it; to nobody else.
    case("evidence_download", "get", video=({"evidence": "video"}, {
        **status(404, *VISIBLE["evidence"]["video"]), **ok("inspector", "office", "office_p")})),
    *[case("evidence_thumbnail", "get", **{v: ({"evidence": v}, ok(*VISIBLE["evidence"][v]))})
      for v in ("uc", "published", "proof", "b")],
    case("evidence_share", "post", body=constant(shared="1"),
         video=({"evidence": "video"}, ok("office", "office_p")),
         photo=({"evidence": "published"}, noop("office", "office_p")),
         b=({"evidence": "b"}, noop("office_b", "office_p"))),
    # Ledger
    case("ledger", "get", **alone(ok("manager", "manager_2", "office", "office_b", "office_p", "auditor"))),
    case("overdue", "get", **alone(ok("manager", "manager_2", "office", "office_b", "office_p", "auditor"))),
    case("ledger_export", "get", **alone(ok("manager", "manager_2", "office", "office_b", "office_p", "auditor"))),
    case("accountability_export", "get",
         **alone(ok("manager", "manager_2", "office", "office_b", "office_p", "auditor"))),
    case("statistics_export", "get", **alone(ok("office", "office_b", "office_p", "auditor"))),
    # The security log: the audit administrator's alone (三员分立).
    case("audit_log", "get", **alone(ok("audit_admin"))),
    case("audit_export", "get", **alone(ok("audit_admin"))),
    case("ledger_import", "get post", body=ledger_file,
         **alone({**ok("manager", "office", "office_p"), **noop("manager_2", "office_b")})),
    case("ledger_import_preview", "get post", own=({"batch": "ledger"}, {
        "manager": OK, **status(404, "manager_2", "office", "office_b", "office_p")})),
    case("closures_approve", "post", body=lambda w, p, k: {"items": [w.get("item", "closure").pk]},
         **alone({**ok("office", "office_p"), **noop("office_b")})),
    *[case("item_detail", "get", **{v: ({"item": v}, ok(*VISIBLE["item"][v]))}) for v in VISIBLE["item"]],
    case("item_edit", "get post", body=item_edit_body,
         working=({"item": "working"}, ok("manager", "office", "office_p")),
         prepared=({"item": "prepared"}, ok("office", "office_p")),
         a2=({"item": "a2"}, ok("manager_2", "office", "office_p")),
         b=({"item": "b"}, ok("office_b", "office_p"))),
    case("progress_add", "post", body=today_is(text="已调整排班"),
         working=({"item": "working"}, ok("manager", "office", "office_p")),
         prepared=({"item": "prepared"}, noop("office", "office_p")),
         b=({"item": "b"}, ok("office_b", "office_p"))),
    case("closure_request", "post", body=constant(completion_note="已整改到位"),
         working=({"item": "working"}, ok("manager")), b=({"item": "b"}, {})),
    case("closure_approve", "post",
         closure=({"item": "closure"}, ok("office", "office_p")),
         working=({"item": "working"}, noop("office", "office_p"))),
    case("closure_return", "post", body=constant(reason="佐证不足"),
         closure=({"item": "closure"}, ok("office", "office_p")),
         working=({"item": "working"}, noop("office", "office_p"))),
    case("extension_request", "post",
         body=lambda w, p, k: {"reason": "需采购设备",
                               "proposed_deadline": (w.get("item", k["item"]).deadline
                                                     + datetime.timedelta(days=30)).isoformat()},
         working=({"item": "working"}, ok("manager")),
         extending=({"item": "extending"}, noop("manager")),
         b=({"item": "b"}, {})),
    case("extension_decide", "post", body=constant(decision="approve", note=""),
         a=({"extension": "a"}, ok("office", "office_p")), b=({"extension": "b"}, ok("office_b", "office_p"))),
    case("item_create", "get post", body=constant(kind="deadline", working_days=10, deadline="",
                                                  responsible_leader="", responsible_person="", measures=""),
         confirmed_free=({"finding": "confirmed_free"}, ok("office", "office_p")),
         self_free=({"finding": "self_free"}, {"manager": OK, **noop("office", "office_p")}),
         confirmed_b=({"finding": "confirmed_b"}, ok("office_b", "office_p"))),
    case("revisit_list", "get", **alone(ok("inspector", "inspector_other"))),
    case("revisit_create", "get post",
         body=lambda w, p, k: {"items": [w.get("item", "closure").pk], "date": w.today.isoformat(),
                               "verdict": "done", "observation": "已整改到位"},
         **alone(ok("inspector", "inspector_other"))),
    case("accountability_list", "get",
         **alone(ok("manager", "manager_2", "office", "office_b", "office_p", "auditor"))),
    case("accountability_create", "get post", body=accountability_body,
         a=({"hall": "a"}, ok("office", "office_p")), a2=({"hall": "a2"}, ok("office", "office_p")),
         b=({"hall": "b"}, ok("office_b", "office_p"))),
    case("notification_list", "get", **alone(ALL)),
    case("notifications_read", "post", **alone(ALL)),
    # Circulars
    case("circular_list", "get", **alone(ok(*BUSINESS))),
    case("circular_create", "get post", body=circular_body, **alone(ok("office", "office_b", "office_p"))),
    *[case("circular_detail", "get", **{v: ({"circular": v}, ok(*VISIBLE["circular"][v]))})
      for v in VISIBLE["circular"]],
    *[case("circular_export", "get", **{v: ({"circular": v}, ok(*VISIBLE["circular"][v]))})
      for v in VISIBLE["circular"]],
    *[case("circular_document", "get", **{v: ({"circular": v}, ok(*VISIBLE["circular"][v]))})
      for v in VISIBLE["circular"]],
    case("circular_arrange", "get post", body=circular_arrange_body,
         draft_a=({"circular": "draft_a"}, ok("office", "office_p")),
         draft_b=({"circular": "draft_b"}, ok("office_b", "office_p")),
         published_p=({"circular": "published_p"}, {})),
    case("circular_edit", "get post", body=circular_edit_body,
         draft_a=({"circular": "draft_a"}, ok("office", "office_p")),
         draft_b=({"circular": "draft_b"}, ok("office_b", "office_p")),
         published_p=({"circular": "published_p"}, {})),
    case("circular_publish", "post",
         draft_a=({"circular": "draft_a"}, ok("office", "office_p")),
         draft_b=({"circular": "draft_b"}, ok("office_b", "office_p")),
         published_p=({"circular": "published_p"}, noop("office_p"))),
]


def merged_cases():
    """One UrlCase per URL name, its variants gathered from every entry above."""
    merged: dict[str, UrlCase] = {}
    for entry in CASES:
        if entry.name in merged:
            merged[entry.name].variants.update(entry.variants)
        else:
            merged[entry.name] = UrlCase(entry.name, entry.methods, dict(entry.variants), entry.body, entry.query,
                                         django=entry.django)
    return merged


# --- Running one case -----------------------------------------------------------------------------

def expected(url_case: UrlCase, variant: str, persona: str):
    kwargs, decided, *_body = url_case.variants[variant]
    if persona in decided:
        return decided[persona]
    if persona == "anonymous":
        return "login"
    if not kwargs:
        return 403
    argument = next(iter(kwargs))
    return 403 if persona in VISIBLE[argument][kwargs[argument]] else 404


def fingerprint(world, kwargs, persona):
    """Every row of every table but the sessions' (with the list of who signed in with which) and the security log's (which records the
    request itself, refusals included — tests/test_audit.py): what a refused request must leave
    as it was.

    The world is small, so the whole content is compared, not only the counts; an update that
    leaves no history row (marking notifications read) shows too."""
    tables = _tables()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one round trip: a digest of each table's rows
            cursor.execute("SELECT " + ", ".join(
                f"(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM {quote(t)} r)"
                for t in tables))
            return dict(zip(tables, cursor.fetchone(), strict=True))
        content = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {quote(table)}")
            content[table] = hash(tuple(sorted(map(repr, cursor.fetchall()))))
        return content


_TABLES: list[str] = []
UNWATCHED = {"django_session", "registry_signedinsession", "audit_securityevent"}


def _tables() -> list[str]:
    if not _TABLES:
        _TABLES.extend(sorted(t for t in connection.introspection.table_names() if t not in UNWATCHED))
    return _TABLES


def run(client, world, url_case: UrlCase, variant: str, persona: str, method: str) -> list[str]:
    """Make the request and say what differs from the decision (empty when all is as decided)."""
    from django.urls import reverse

    kwargs, _decided, *variant_body = url_case.variants[variant]
    body = variant_body[0] if variant_body else url_case.body
    arguments = {name: world.get(name, value).pk for name, value in kwargs.items()}
    url = reverse(url_case.name, kwargs=arguments or None)
    if url_case.query:
        url += "?" + url_case.query(world)
    user = world.personas[persona]
    client.logout()
    if user is not None:
        client.force_login(user)
    data = body(world, persona, kwargs) if (method == "post" and body) else {}
    if url_case.name == "password_change" and method == "post":
        data = {"old_password": PASSWORD, "new_password1": "Nn3w-Passw0rd!", "new_password2": "Nn3w-Passw0rd!"}
    before = fingerprint(world, kwargs, persona)
    response = getattr(client, method)(url, data)
    changed = fingerprint(world, kwargs, persona) != before
    want = expected(url_case, variant, persona)
    got = response.status_code
    problems = []
    where = f"{method.upper()} {url} as {persona}"
    if want == "login":
        if got != 302 or "login" not in response.get("Location", ""):
            problems.append(f"{where}: {got}, not the login page")
    elif want == OK:
        if method == "get" and got != 200:
            problems.append(f"{where}: {got}, expected 200")
        if method == "post" and got not in (200, 302):
            problems.append(f"{where}: {got}, expected 200 or 302")
        if method == "post" and not changed and not url_case.django:
            problems.append(f"{where}: allowed, but the database did not change")
    elif want == NOOP:
        if got not in (200, 302):
            problems.append(f"{where}: {got}, expected 200 or 302 with nothing changed")
    elif got != want:
        problems.append(f"{where}: {got}, expected {want}")
    if want != OK and changed:
        problems.append(f"{where}: {want} — and yet the database changed")
    if method == "get" and changed and url_case.name != "login":
        problems.append(f"{where}: a GET changed the database")
    return problems
