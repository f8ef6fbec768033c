"""Every URL × every role, with the status each must answer.

Adding a URL (or registering a model in the admin) without adding it here
fails ``test_every_url_has_a_decided_access``: access is decided on purpose,
never by accident.

Statuses: 200 shown; 302 redirect (to the login page when anonymous); 403 the
role may see this hall but not change it; 404 out of scope (looks like "does
not exist"); 405 wrong method.
"""

import pytest
from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ["anonymous", "inspector", "hall_manager", "office", "auditor", "sysadmin"]


def _expect(anonymous, inspector, hall_manager, office, auditor, sysadmin):
    return dict(zip(ROLES, (anonymous, inspector, hall_manager, office, auditor, sysadmin), strict=True))


def _own(world):
    return {"pk": world["own_hall"].pk}


def _other(world):
    return {"pk": world["other_hall"].pk}


def _own_row(attr):
    return lambda world: {"hall_pk": world["own_hall"].pk, "pk": getattr(world["own_hall"], attr).first().pk}


def _other_row(attr):
    return lambda world: {
        "hall_pk": world["other_hall"].pk, "pk": getattr(world["other_hall"], attr).first().pk
    }


def _finding(state):
    return lambda world: {"pk": world["findings"][state].pk}


def _visit(mode):
    key = "undercover" if mode == "undercover" else "open"
    return lambda world: {"pk": world["findings"][key].visit_id}


def _item(state):
    return lambda world: {"pk": world["ledger"][state].pk}


def _circular(state):
    return lambda world: {"pk": world["circulars"][state].pk}


def _evidence(state):
    return lambda world: {"pk": world["evidence"][state].pk}


# (url name, case, method, kwargs builder, expected statuses)
LOGIN = 302
ACCESS = [
    ("login", "", "get", None, _expect(200, 302, 302, 302, 302, 302)),
    ("logout", "", "post", None, _expect(302, 302, 302, 302, 302, 302)),
    ("password_change", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 200)),
    ("password_change_done", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 200)),
    ("set_language", "", "post", None, _expect(302, 302, 302, 302, 302, 302)),
    ("home", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 200)),
    ("hall_list", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 200)),
    ("hall_detail", "own", "get", _own, _expect(LOGIN, 200, 200, 200, 200, 200)),
    ("hall_detail", "other", "get", _other, _expect(LOGIN, 404, 404, 404, 404, 200)),
    ("window_create", "own", "get",
     lambda w: {"hall_pk": w["own_hall"].pk}, _expect(LOGIN, 403, 200, 200, 403, 200)),
    ("window_create", "other", "get",
     lambda w: {"hall_pk": w["other_hall"].pk}, _expect(LOGIN, 404, 404, 404, 404, 200)),
    ("window_edit", "own", "get", _own_row("windows"), _expect(LOGIN, 403, 200, 200, 403, 200)),
    ("window_edit", "other", "get", _other_row("windows"), _expect(LOGIN, 404, 404, 404, 404, 200)),
    ("staff_create", "own", "get",
     lambda w: {"hall_pk": w["own_hall"].pk}, _expect(LOGIN, 403, 200, 200, 403, 200)),
    ("staff_create", "other", "get",
     lambda w: {"hall_pk": w["other_hall"].pk}, _expect(LOGIN, 404, 404, 404, 404, 200)),
    ("staff_edit", "own", "get", _own_row("staff"), _expect(LOGIN, 403, 200, 200, 403, 200)),
    ("staff_edit", "other", "get", _other_row("staff"), _expect(LOGIN, 404, 404, 404, 404, 200)),
    ("admin:index", "", "get", None, _expect(LOGIN, LOGIN, 200, 200, 200, 200)),
    ("admin:auth_user_password_change", "", "get",
     lambda w: {"id": w["hall_manager"].pk}, _expect(LOGIN, LOGIN, 403, 403, 403, 200)),
    # --- Visits ---
    ("visit_list", "", "get", None, _expect(LOGIN, 200, 403, 200, 200, 403)),
    ("visit_create", "", "get", None, _expect(LOGIN, 200, 403, 403, 403, 403)),
    ("hall_options", "", "get", None, _expect(LOGIN, 200, 403, 200, 403, 403)),
    ("visit_detail", "undercover", "get", _visit("undercover"), _expect(LOGIN, 200, 404, 200, 404, 404)),
    ("visit_detail", "open", "get", _visit("open"), _expect(LOGIN, 200, 404, 200, 200, 404)),
    ("visit_end", "undercover", "post", _visit("undercover"), _expect(LOGIN, 302, 404, 403, 404, 404)),
    ("finding_create", "undercover", "get",
     lambda w: {"visit_pk": w["findings"]["undercover"].visit_id}, _expect(LOGIN, 200, 404, 403, 404, 404)),
    # --- Findings: the undercover embargo, state by state ---
    ("finding_list", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 403)),
    ("review_queue", "", "get", None, _expect(LOGIN, 403, 403, 200, 403, 403)),
    ("finding_facts", "", "get",
     lambda w: {"_query": f"hall={w['own_hall'].pk}&category={w['findings']['draft'].category_id}"},
     _expect(LOGIN, 200, 200, 200, 200, 403)),
    ("finding_detail", "draft", "get", _finding("draft"), _expect(LOGIN, 200, 404, 404, 404, 404)),
    ("finding_detail", "undercover", "get", _finding("undercover"), _expect(LOGIN, 200, 404, 200, 404, 404)),
    ("finding_detail", "open", "get", _finding("open"), _expect(LOGIN, 200, 200, 200, 200, 404)),
    ("finding_detail", "published", "get", _finding("published"), _expect(LOGIN, 200, 200, 200, 200, 404)),
    ("finding_detail", "self", "get", _finding("self"), _expect(LOGIN, 404, 200, 200, 200, 404)),
    ("finding_detail", "other", "get", _finding("other"), _expect(LOGIN, 404, 404, 404, 404, 404)),
    ("finding_edit", "draft", "get", _finding("draft"), _expect(LOGIN, 200, 404, 404, 404, 404)),
    ("finding_edit", "undercover", "get", _finding("undercover"), _expect(LOGIN, 403, 404, 200, 404, 404)),
    ("finding_edit", "published", "get", _finding("published"), _expect(LOGIN, 403, 403, 403, 403, 404)),
    ("finding_submit", "draft", "post", _finding("draft"), _expect(LOGIN, 302, 404, 404, 404, 404)),
    ("finding_confirm", "undercover", "post", _finding("undercover"), _expect(LOGIN, 403, 404, 302, 404, 404)),
    ("finding_reject", "undercover", "get", _finding("undercover"), _expect(LOGIN, 403, 404, 200, 404, 404)),
    ("finding_reject", "other", "get", _finding("other"), _expect(LOGIN, 404, 404, 404, 404, 404)),
    ("evidence_upload", "undercover", "post", _finding("undercover"), _expect(LOGIN, 403, 404, 302, 404, 404)),
    ("self_inspection_create", "own", "get",
     lambda w: {"hall_pk": w["own_hall"].pk}, _expect(LOGIN, 403, 200, 403, 403, 403)),
    ("self_inspection_create", "other", "get",
     lambda w: {"hall_pk": w["other_hall"].pk}, _expect(LOGIN, 404, 404, 404, 404, 403)),
    ("evidence_download", "undercover", "get", _evidence("undercover"), _expect(LOGIN, 200, 404, 200, 404, 404)),
    ("evidence_download", "published", "get", _evidence("published"), _expect(LOGIN, 200, 200, 200, 200, 404)),
    ("evidence_thumbnail", "undercover", "get", _evidence("undercover"), _expect(LOGIN, 200, 404, 200, 404, 404)),
    # --- Rectification ledger ---
    ("ledger", "", "get", None, _expect(LOGIN, 403, 200, 200, 200, 403)),
    ("overdue", "", "get", None, _expect(LOGIN, 403, 200, 200, 200, 403)),
    ("closures_approve", "", "post", None, _expect(LOGIN, 302, 302, 302, 302, 302)),
    ("item_detail", "working", "get", _item("working"), _expect(LOGIN, 200, 200, 200, 200, 404)),
    ("item_detail", "prepared", "get", _item("prepared"), _expect(LOGIN, 404, 404, 200, 404, 404)),
    ("item_edit", "working", "get", _item("working"), _expect(LOGIN, 403, 200, 200, 403, 404)),
    ("item_edit", "prepared", "get", _item("prepared"), _expect(LOGIN, 404, 404, 200, 404, 404)),
    ("progress_add", "working", "post", _item("working"), _expect(LOGIN, 302, 302, 302, 302, 404)),
    ("closure_request", "working", "post", _item("working"), _expect(LOGIN, 403, 302, 403, 403, 404)),
    ("closure_approve", "closure", "post", _item("closure"), _expect(LOGIN, 403, 403, 302, 403, 404)),
    ("closure_return", "closure", "post", _item("closure"), _expect(LOGIN, 403, 403, 302, 403, 404)),
    ("extension_request", "working", "post", _item("working"), _expect(LOGIN, 302, 302, 302, 302, 404)),
    ("extension_decide", "", "post",
     lambda w: {"pk": w["ledger"]["extension"].pk}, _expect(LOGIN, 403, 403, 302, 403, 404)),
    ("item_create", "open", "get",
     lambda w: {"finding_pk": w["findings"]["published"].pk}, _expect(LOGIN, 403, 403, 200, 403, 404)),
    ("item_create", "undercover", "get",
     lambda w: {"finding_pk": w["findings"]["undercover"].pk}, _expect(LOGIN, 403, 404, 200, 404, 404)),
    ("revisit_list", "", "get", None, _expect(LOGIN, 200, 403, 403, 403, 403)),
    ("revisit_create", "", "get", None, _expect(LOGIN, 200, 403, 403, 403, 403)),
    ("accountability_list", "", "get", None, _expect(LOGIN, 403, 200, 200, 200, 403)),
    ("accountability_create", "own", "get",
     lambda w: {"hall_pk": w["own_hall"].pk}, _expect(LOGIN, 403, 403, 200, 403, 403)),
    ("accountability_create", "other", "get",
     lambda w: {"hall_pk": w["other_hall"].pk}, _expect(LOGIN, 404, 404, 404, 404, 403)),
    ("staff_profile", "own", "get",
     lambda w: {"pk": w["own_hall"].staff.first().pk}, _expect(LOGIN, 200, 200, 200, 200, 403)),
    ("staff_profile", "other", "get",
     lambda w: {"pk": w["other_hall"].staff.first().pk}, _expect(LOGIN, 404, 404, 404, 404, 403)),
    ("notification_list", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 200)),
    ("notifications_read", "", "post", None, _expect(LOGIN, 302, 302, 302, 302, 302)),
    # --- Circulars, Excel and imports ---
    ("circular_list", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 403)),
    ("circular_create", "", "get", None, _expect(LOGIN, 403, 403, 200, 403, 403)),
    ("circular_detail", "draft", "get", _circular("draft"), _expect(LOGIN, 404, 404, 200, 404, 404)),
    ("circular_detail", "published", "get", _circular("published"), _expect(LOGIN, 200, 200, 200, 200, 404)),
    ("circular_edit", "draft", "get", _circular("draft"), _expect(LOGIN, 404, 404, 200, 404, 404)),
    ("circular_edit", "published", "get", _circular("published"), _expect(LOGIN, 403, 403, 403, 403, 404)),
    ("circular_publish", "draft", "post", _circular("draft"), _expect(LOGIN, 404, 404, 302, 404, 404)),
    ("circular_export", "published", "get", _circular("published"), _expect(LOGIN, 200, 200, 200, 200, 404)),
    ("findings_export", "", "get", None, _expect(LOGIN, 200, 200, 200, 200, 403)),
    ("ledger_export", "", "get", None, _expect(LOGIN, 403, 200, 200, 200, 403)),
    ("accountability_export", "", "get", None, _expect(LOGIN, 403, 200, 200, 200, 403)),
    ("statistics_export", "", "get", None, _expect(LOGIN, 403, 403, 200, 200, 403)),
    ("export_job", "", "get", lambda w: {"pk": w["job"].pk}, _expect(LOGIN, 404, 404, 200, 404, 404)),
    ("export_download", "", "get", lambda w: {"pk": w["job"].pk}, _expect(LOGIN, 404, 404, 200, 404, 404)),
    ("ledger_import", "", "get", None, _expect(LOGIN, 403, 200, 200, 403, 403)),
    ("ledger_import_preview", "", "get", lambda w: {"pk": w["ledger_batch"].pk}, _expect(LOGIN, 404, 200, 404, 404, 404)),
    ("roster_import", "own", "get", lambda w: {"hall_pk": w["own_hall"].pk}, _expect(LOGIN, 403, 200, 200, 403, 200)),
    ("roster_import", "other", "get", lambda w: {"hall_pk": w["other_hall"].pk}, _expect(LOGIN, 404, 404, 404, 404, 200)),
    ("roster_import_preview", "", "get", lambda w: {"hall_pk": w["own_hall"].pk, "pk": w["roster_batch"].pk},
     _expect(LOGIN, 404, 200, 404, 404, 404)),
]

# Admin: which model screens each role reaches. (list, add) per role; the
# inspector has no admin access at all (302 to the admin login).
# A model registered in the admin without a row here fails the walk.
V, A, N = 200, 200, 403
ADMIN_ACCESS = {
    #                         inspector   hall_manager  office      auditor     sysadmin
    "inspections.region":      (None,     (V, N),       (V, N),     (V, N),     (V, A)),
    "inspections.servicehall": (None,     (V, N),       (V, A),     (V, N),     (V, A)),
    "inspections.department":  (None,     (V, A),       (V, A),     (V, N),     (V, A)),
    "inspections.window":      (None,     (V, A),       (V, A),     (V, N),     (V, A)),
    "inspections.staff":       (None,     (V, A),       (V, A),     (V, N),     (V, A)),
    "inspections.user":        (None,     (N, N),       (N, N),     (N, N),     (V, A)),
    "inspections.problemcategory": (None, (V, N),       (V, A),     (V, N),     (N, N)),
    "inspections.campaign":    (None,     (N, N),       (V, A),     (V, N),     (N, N)),
    # Records are read-only in the admin: changes go through the services.
    "inspections.visit":       (None,     (N, N),       (V, N),     (V, N),     (N, N)),
    "inspections.finding":     (None,     (V, N),       (V, N),     (V, N),     (N, N)),
    "inspections.evidence":    (None,     (V, N),       (V, N),     (V, N),     (N, N)),
    # The office keeps the working-day calendar and the deadline rules.
    "rectification.calendaryear": (None,  (N, N),       (V, A),     (V, N),     (N, N)),
    "rectification.calendarday": (None,   (N, N),       (V, A),     (V, N),     (N, N)),
    "rectification.deadlinerule": (None,  (N, N),       (V, A),     (V, N),     (N, N)),
    "rectification.rectificationitem": (None, (V, N),   (V, N),     (V, N),     (N, N)),
    "rectification.progressentry": (None, (V, N),       (V, N),     (V, N),     (N, N)),
    "rectification.extensionrequest": (None, (V, N),    (V, N),     (V, N),     (N, N)),
    "rectification.revisit":   (None,     (V, N),       (V, N),     (V, N),     (N, N)),
    "rectification.accountability": (None, (V, N),      (V, N),     (V, N),     (N, N)),
    "rectification.notification": (None,  (V, N),       (V, N),     (V, N),     (N, N)),
    "rectification.digest":    (None,     (N, N),       (V, N),     (V, N),     (N, N)),
    "inspections.circular":    (None,     (V, N),       (V, N),     (V, N),     (N, N)),
    # The task queue's own records: for a superuser only.
    "django_tasks_database.dbtaskresult": (None, (N, N), (N, N),     (N, N),     (N, N)),
}
ADMIN_ROLES = ["inspector", "hall_manager", "office", "auditor", "sysadmin"]

# Admin site URLs that are not a model's own screens, with their access decided
# by Django's admin site (staff login required).
ADMIN_SITE_URLS = {
    "admin:index", "admin:login", "admin:logout", "admin:password_change",
    "admin:password_change_done", "admin:autocomplete", "admin:jsi18n",
    "admin:view_on_site", "admin:app_list",
    # The admin's catch-all patterns: they only redirect inside the admin.
    "<unnamed (?P<url>.*)$>", "<unnamed <path:object_id>/>",
}
MODEL_URL_SUFFIXES = ("changelist", "add", "change", "delete", "history", "simple_history")


def _all_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _all_url_names(pattern, inner)
        elif isinstance(pattern, URLPattern):
            names.add(f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>")
    return names


def test_every_url_has_a_decided_access():
    decided = {name for name, *_ in ACCESS} | ADMIN_SITE_URLS
    for model in admin.site._registry:
        for suffix in MODEL_URL_SUFFIXES:
            decided.add(f"admin:{model._meta.app_label}_{model._meta.model_name}_{suffix}")
    undecided = sorted(_all_url_names() - decided)
    assert not undecided, f"URLs without a row in tests/test_url_access.py: {undecided}"


def test_every_admin_model_has_a_decided_access():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_ACCESS), "Add the model to ADMIN_ACCESS with its access per role"


@pytest.fixture
def people(own_hall, other_hall, inspector, hall_manager, office, auditor, sysadmin):
    return {
        "own_hall": own_hall, "other_hall": other_hall, "anonymous": None,
        "inspector": inspector, "hall_manager": hall_manager, "office": office,
        "auditor": auditor, "sysadmin": sysadmin,
    }


@pytest.fixture
def world(people, inspector, findings, ledger):
    from inspections.services.evidence import check_uploads, store_files
    from tests.factories import jpeg_bytes, upload

    evidence = {}
    for state in ("undercover", "published"):
        checked = check_uploads([upload("现场.jpg", jpeg_bytes())])
        evidence[state] = store_files(
            actor=inspector, checked=checked, written=[], finding=findings[state]
        )[0]
    import datetime

    from django.core.files.base import ContentFile

    from inspections.models import Circular, ExportJob
    from rectification.models import ImportBatch

    office, manager = people["office"], people["hall_manager"]
    regions = {r.code: r for r in __import__("inspections.models", fromlist=["Region"]).Region.objects.all()}
    draft = Circular.objects.create(
        issuer="佳木斯市作风办", issuer_code="佳作整办", year=2026, serial=1, region=regions["230800"],
        title="草稿通报", date=datetime.date(2026, 11, 20), created_by=office,
    )
    published = Circular.objects.create(
        issuer="黑龙江省作风办", issuer_code="黑作整办", year=2026, serial=3, region=regions["230000"],
        title="已发布通报", date=datetime.date(2026, 11, 20), created_by=office, status="published",
        published_at=datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC), published_by=office,
    )
    published.findings.set([findings["published"]])
    job = ExportJob.objects.create(requester=office, kind="findings", status="done", filename="x.xlsx",
                                   expires_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC))
    job.file.save("x.xlsx", ContentFile(b"PK\x03\x04"), save=True)
    return {
        **people, "findings": findings, "evidence": evidence, "ledger": ledger,
        "circulars": {"draft": draft, "published": published}, "job": job,
        "ledger_batch": ImportBatch.objects.create(kind="ledger", uploader=manager, filename="a.xlsx", rows=[]),
        "roster_batch": ImportBatch.objects.create(kind="roster", uploader=manager, hall=people["own_hall"],
                                                   filename="b.xlsx", rows=[]),
    }


def _cases():
    for name, case, method, kwargs, expected in ACCESS:
        yield pytest.param(name, method, kwargs, expected, id=f"{name}-{case}" if case else name)


@pytest.mark.parametrize("name,method,kwargs,expected", list(_cases()))
def test_url_answers_each_role_as_decided(client, world, name, method, kwargs, expected):
    arguments = dict(kwargs(world)) if kwargs else {}
    query = arguments.pop("_query", "")
    url = reverse(name, kwargs=arguments or None) + (f"?{query}" if query else "")
    answered = {}
    for role in ROLES:
        client.logout()
        if world[role] is not None:
            client.force_login(world[role])
        # Each role meets the same world: a POST by one role is rolled back for the next.
        with transaction.atomic():
            response = getattr(client, method)(url)
            transaction.set_rollback(True)
        answered[role] = response.status_code
        if role == "anonymous" and response.status_code == LOGIN and name not in ("logout", "set_language"):
            assert "login" in response["Location"]
    assert answered == expected


@pytest.mark.parametrize("label", list(ADMIN_ACCESS))
def test_admin_model_screens_answer_each_role_as_decided(client, people, label):
    app_label, model_name = label.split(".")
    answered, expected = {}, {}
    for role, access in zip(ADMIN_ROLES, ADMIN_ACCESS[label], strict=True):
        client.force_login(people[role])
        changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        add = client.get(reverse(f"admin:{app_label}_{model_name}_add"))
        answered[role] = (changelist.status_code, add.status_code)
        # No admin access at all is a redirect to the admin login.
        expected[role] = (302, 302) if access is None else access
    assert answered == expected


def test_admin_urls_for_anonymous_go_to_the_admin_login(client, people):
    for label in ADMIN_ACCESS:
        app_label, model_name = label.split(".")
        response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
