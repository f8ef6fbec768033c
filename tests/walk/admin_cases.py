"""The admin's screens, model by model: who lists, adds, changes and deletes what.

For every model registered in the admin, the walk opens the list, the add
form, and each object's change, delete and history pages, as every persona,
and posts the add, change and delete forms. The change form's body is what
the page itself shows to someone allowed to change the object, with one
field altered (``TWEAKS``); the add forms' bodies are below (``ADD``).

Outcomes follow Django's admin: without the staff flag, the admin's login
page; an object outside the user's list (its scoped queryset), a redirect to
the admin's index (404 on the history pages, which this project narrows);
allowed, 200 or a redirect after a change; otherwise 403. A refused request
changes nothing.
"""

from dataclasses import dataclass
from html.parser import HTMLParser

from django.urls import NoReverseMatch, reverse

from tests.walk.cases import NO_SIGHT, VISIBLE, fingerprint
from tests.walk.world import PERSONAS

STAFF = frozenset(PERSONAS) - {"anonymous", "inspector", "inspector_other"}
# In the admin the two inspectors are alike (no staff flag): one stands for both.
ADMIN_PERSONAS = [p for p in PERSONAS if p != "inspector_other"]
REGISTRY_READERS = STAFF - NO_SIGHT
OFFICE_SIDE = frozenset({"office", "office_b", "office_p", "auditor"})
OFFICES = frozenset({"office", "office_b", "office_p"})
KEEPERS = {"a": {"manager", "office", "office_p", "sysadmin"}, "b": {"office_b", "office_p", "sysadmin"}}


@dataclass(frozen=True)
class Model:
    lists: frozenset  # may open the list (and see the objects in their queryset)
    objects: dict  # variant → (world kind, world variant, who has it in their queryset)
    add: frozenset = frozenset()
    change: dict | None = None  # variant → personas; None: nobody
    delete: dict | None = None
    history_admin: bool = False  # the project's HistoryAdmin (404 for the hidden, no revert)
    # Who may change or delete such rows at all (the admin asks this first when the object is not
    # in the user's list); by default whoever may change or delete one of the objects.
    change_any: frozenset | None = None
    delete_any: frozenset | None = None

    def may_change_any(self, persona):
        decided = self.change_any if self.change_any is not None else set().union(*(self.change or {}).values())
        return persona in decided

    def may_delete_any(self, persona):
        decided = self.delete_any if self.delete_any is not None else set().union(*(self.delete or {}).values())
        return persona in decided


def _seen(kind, variant, among=STAFF):
    return frozenset(VISIBLE[kind][variant]) & among


def _registry(kind, delete=True):
    objects = {"a": (kind, "spare", _seen(kind, "spare")), "b": (kind, "b", _seen(kind, "b"))}
    keepers = {"a": KEEPERS["a"], "b": KEEPERS["b"]}
    keepers_anywhere = frozenset({"manager", "manager_2", "office", "office_b", "office_p", "sysadmin"})
    return Model(lists=REGISTRY_READERS, objects=objects, add=keepers_anywhere,
                 change=keepers, delete=keepers if delete else None, history_admin=True,
                 change_any=keepers_anywhere, delete_any=keepers_anywhere if delete else frozenset())


def _records(kind, variants, among=STAFF):
    return Model(lists=OFFICE_SIDE, objects={v: (kind, v, _seen(kind, v, among)) for v in variants})


REFERENCE_READERS = STAFF - NO_SIGHT
PROVINCE = frozenset({"office_p"})
ADMIN = {
    "registry.region": Model(
        lists=REGISTRY_READERS, history_admin=True, add=frozenset({"sysadmin"}),
        objects={"city_a": ("region", "city_a", frozenset({"office", "office_p", "auditor", "manager_2", "sysadmin",
                                                              "secadmin"})),
                 "city_b": ("region", "city_b", frozenset({"office_b", "office_p", "sysadmin", "secadmin"}))},
        change={"city_a": {"sysadmin"}, "city_b": {"sysadmin"}},
    ),
    "registry.servicehall": Model(
        lists=REGISTRY_READERS, history_admin=True, add=OFFICES | {"sysadmin"},
        objects={"a": ("hall", "a", _seen("hall", "a")), "b": ("hall", "b", _seen("hall", "b"))},
        change={"a": KEEPERS["a"], "b": KEEPERS["b"]},
        change_any=frozenset({"manager", "manager_2", "office", "office_b", "office_p", "sysadmin"}),
    ),
    "registry.department": _registry("department"),
    "registry.window": _registry("window"),
    "registry.staff": _registry("staff"),
    "registry.user": Model(
        lists=frozenset({"sysadmin", "secadmin"}), history_admin=True, add=frozenset({"sysadmin"}),
        objects={"manager": ("user", "manager", frozenset({"sysadmin", "secadmin"})),
                 "secadmin": ("user", "secadmin", frozenset({"sysadmin", "secadmin"}))},
        # The page opens for both; what each may change on it is tests/test_self_elevation.py.
        change={"manager": {"sysadmin", "secadmin"}, "secadmin": {"sysadmin", "secadmin"}},
    ),
    "inspections.problemcategory": Model(
        lists=REFERENCE_READERS, history_admin=True, add=PROVINCE,
        objects={"c02": ("problemcategory", "c02", STAFF)}, change={"c02": PROVINCE},
    ),
    "inspections.campaign": Model(
        lists=STAFF & {"manager", "manager_2"} | OFFICE_SIDE, history_admin=True, add=OFFICES,
        objects={"a": ("campaign", "a", _seen("campaign", "a")), "b": ("campaign", "b", _seen("campaign", "b"))},
        change={"a": {"office", "office_p"}, "b": {"office_b", "office_p"}}, change_any=OFFICES,
    ),
    "inspections.visit": _records("visit", ["undercover_a", "visit_b"]),
    "inspections.finding": _records("finding", ["submitted_uc", "published", "submitted_b"]),
    "inspections.evidence": _records("evidence", ["uc", "published", "b"]),
    "circulars.circular": _records("circular", ["draft_a", "published_p", "published_b"]),
    "rectification.rectificationitem": _records("item", ["working", "prepared", "b"]),
    "rectification.extensionrequest": _records("extension", ["a", "b"]),
    "rectification.accountability": Model(
        lists=OFFICE_SIDE, objects={"a": ("accountability", "a", frozenset({"office", "office_p", "auditor",
                                                                             "manager"})),
                                    "b": ("accountability", "b", frozenset({"office_b", "office_p"}))}),
    "rectification.progressentry": Model(lists=OFFICE_SIDE, objects={}),
    "rectification.revisit": Model(lists=OFFICE_SIDE, objects={}),
    **{
        f"rectification.{model}": Model(
            lists=REFERENCE_READERS, history_admin=True, add=PROVINCE | ({"sysadmin"} if model != "deadlinerule" else set()),
            objects={"a": (model, "a", STAFF)},
            change={"a": PROVINCE | ({"sysadmin"} if model != "deadlinerule" else set())},
            delete={"a": PROVINCE | ({"sysadmin"} if model != "deadlinerule" else set())},
        )
        for model in ("calendarday", "calendaryear", "deadlinerule")
    },
    "rectification.notification": Model(lists=STAFF, objects={"own": ("notification", "own", frozenset({"office"}))}),
    "rectification.digest": Model(lists=STAFF, objects={}),
    # The task queue's own records: nobody (there is no superuser).
    "django_tasks_database.dbtaskresult": Model(lists=frozenset(), objects={}),
}



def admin_actions() -> set[str]:
    """The policy's actions that the admin's permissions stand for (access.policy.ADMIN)."""
    from access.policy import ACTIONS
    from access.policy import ADMIN as POLICY_ADMIN

    used = {id(predicate) for verbs in POLICY_ADMIN.values() for predicate in verbs.values()}
    return {name for name, predicate in ACTIONS.items() if id(predicate) in used}


def _kept_hall(world, persona):
    """A hall the persona keeps (the add forms offer only those)."""
    return world.get("hall", {"manager_2": "a2", "office_b": "b"}.get(persona, "a")).pk


def _own_region(world, persona):
    user = world.personas[persona]
    return user.region_id if user is not None and user.region_id else world.get("region", "city_a").pk


ADD = {
    "registry.region": lambda w, p: {"code": "230900", "name": "七台河市", "level": "city",
                                  "parent": w.get("region", "province").pk},
    "registry.servicehall": lambda w, p: {"name": "新大厅", "region": _own_region(w, p),
                                       "kind": "government_centre", "address": "", "active": "on",
                                       **_empty_inlines("departments", "windows", "staff")},
    "registry.department": lambda w, p: {"hall": _kept_hall(w, p), "name": "新部门", "active": "on"},
    "registry.window": lambda w, p: {"hall": _kept_hall(w, p), "number": 55, "label": "", "name": "",
                                  "department": "", "kind": "general", "active": "on"},
    "registry.staff": lambda w, p: {"name": "新同事", "badge_number": "N-55", "hall": _kept_hall(w, p),
                                 "department": "", "window": "", "post": "window_staff", "backup": "",
                                 "active": "on"},
    "registry.user": lambda w, p: {"username": "newone", "usable_password": "true", "password1": "Xx-12345678",
                                "password2": "Xx-12345678", "display_name": "新人", "organisation": "",
                                "email": "", "is_staff": "on"},
    "inspections.problemcategory": lambda w, p: {"code": "C09", "name": "新子项", "parent": _class_c(), "description": "",
                                              "active": "on", "order": 0},
    "inspections.campaign": lambda w, p: {"name": "新行动", "issuer": "市作风办", "doc_number": "",
                                       "start_date": "2026-12-01", "end_date": "2026-12-31",
                                       "regions": [_own_region(w, p)], "notes": ""},
    "rectification.calendarday": lambda w, p: {"date": "2031-05-01", "name": "劳动节"},
    "rectification.calendaryear": lambda w, p: {"year": 2032, "source": "国办发"},
    "rectification.deadlinerule": lambda w, p: {"category": _class_c(), "severity": "severe", "kind": "deadline",
                                             "working_days": 7},
}


def _class_c():
    from inspections.models import ProblemCategory

    return ProblemCategory.objects.get(code="C").pk


def _empty_inlines(*prefixes):
    data = {}
    for prefix in prefixes:
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0, f"{prefix}-MIN_NUM_FORMS": 0,
                     f"{prefix}-MAX_NUM_FORMS": 1000})
    return data


# What a change form's body alters, so that an allowed save changes something.
TWEAKS = {
    "registry.region": ("name", "（改）"), "registry.servicehall": ("address", "（改）"),
    "registry.department": ("name", "（改）"), "registry.window": ("name", "（改）"),
    "registry.staff": ("name", "（改）"), "registry.user": ("display_name", "（改）"),
    "inspections.problemcategory": ("name", "（改）"), "inspections.campaign": ("notes", "（改）"),
    "rectification.calendarday": ("name", "（改）"), "rectification.calendaryear": ("source", "（改）"),
    "rectification.deadlinerule": ("working_days", "1"),
}


class FormFields(HTMLParser):
    """The fields of the admin's change form, as a browser would post them."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select = self._textarea = None

    def _add(self, name, value):
        if name in self.data:
            existing = self.data[name]
            self.data[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            self.data[name] = value

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value", "on"))
            else:
                self._add(name, attrs.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            if "multiple" not in attrs:
                self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            if self.data.get(self._select) == "":
                del self.data[self._select]
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def change_body(client, world, label, url, persona):
    """The change form as ``persona`` sees it, with TWEAKS applied (None: no form for them)."""
    user = world.personas[persona]
    client.force_login(user)
    response = client.get(url)
    if response.status_code != 200:
        return None
    parser = FormFields(f"{label.split('.')[1]}_form")
    parser.feed(response.content.decode())
    data = parser.data
    field, suffix = TWEAKS.get(label, (None, None))
    if field not in data:
        return data
    data[field] = suffix if field == "working_days" else f"{data[field]}{suffix}"
    return data


# --- Cases ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdminCase:
    label: str
    page: str  # changelist, add, change, delete, history, simple_history
    method: str
    persona: str
    variant: str = ""

    def __str__(self):
        return f"{self.label}-{self.page}-{self.variant or '_'}-{self.method}-{self.persona}"


PAGES_WITH_OBJECT = ("change", "delete", "history")


def all_cases():
    found = []
    for label, model in ADMIN.items():
        for persona in ADMIN_PERSONAS:
            found.append(AdminCase(label, "changelist", "get", persona))
            found += [AdminCase(label, "add", method, persona) for method in ("get", "post")]
            for variant in model.objects:
                found += [AdminCase(label, page, method, persona, variant)
                          for page in ("change", "delete") for method in ("get", "post")]
                found.append(AdminCase(label, "history", "get", persona, variant))
                if model.history_admin:
                    found += [AdminCase(label, "simple_history", method, persona, variant) for method in ("get", "post")]
    return found


def covered_url_names():
    names = {"admin:index", "admin:login", "admin:logout", "admin:password_change", "admin:password_change_done",
             "admin:autocomplete", "admin:jsi18n", "admin:view_on_site", "admin:app_list",
             "<unnamed (?P<url>.*)$>", "<unnamed <path:object_id>/>"}
    names.add("admin:auth_user_password_change")  # UserAdmin's own page (password_cases)
    for label in ADMIN:
        app, model = label.split(".")
        names |= {f"admin:{app}_{model}_{page}" for page in
                  ("changelist", "add", "change", "delete", "history", "simple_history")}
    return names


def _url(world, case):
    app, model = case.label.split(".")
    if case.page in ("changelist", "add"):
        return reverse(f"admin:{app}_{model}_{case.page}")
    kind, variant, _visible = ADMIN[case.label].objects[case.variant]
    obj = world.get(kind, variant)
    if case.page == "simple_history":
        version = obj.history.order_by("-history_id").first()
        return reverse(f"admin:{app}_{model}_simple_history", args=[obj.pk, version.history_id])
    return reverse(f"admin:{app}_{model}_{case.page}", args=[obj.pk])


def expected(case) -> str | int:
    """"login", "index" (the admin's redirect for a hidden object), "ok", or a status."""
    model = ADMIN[case.label]
    persona = case.persona
    if persona not in STAFF:
        return "login"
    if case.page == "changelist":
        return "ok" if persona in model.lists else 403
    if case.page == "add":
        return "ok" if persona in model.add else 403
    _kind, _variant, visible = model.objects[case.variant]
    hidden = persona not in visible
    if hidden and case.page in ("history", "simple_history") and model.history_admin:
        return 404
    if hidden:
        # Django's admin asks the permission (with no object) before it looks for the object.
        if case.page == "change":
            allowed = model.may_change_any(persona) or (case.method == "get" and persona in model.lists)
        elif case.page == "delete":
            allowed = model.may_delete_any(persona)
        else:  # the history list looks first
            allowed = True
        return "index" if allowed else 403
    may_change = persona in (model.change or {}).get(case.variant, ())
    may_delete = persona in (model.delete or {}).get(case.variant, ())
    may_view = persona in model.lists or may_change
    if case.page == "change":
        if case.method == "get":
            return "ok" if may_view else 403
        return "ok" if may_change else 403
    if case.page == "delete":
        return "ok" if may_delete else 403
    if case.page == "history":
        return "ok" if may_view else 403
    # simple_history: read only, whoever may view
    return 403 if case.method == "post" or not may_view else "ok"


def run(client, world, case) -> list[str]:
    url = _url(world, case)
    model = ADMIN[case.label]
    data = {}
    if case.method == "post":
        if case.page == "add":
            data = ADD[case.label](world, case.persona) if case.label in ADD else {}
        elif case.page == "delete":
            data = {"post": "yes"}
        elif case.page == "change":
            allowed = sorted((model.change or {}).get(case.variant, ()))
            # The form as the persona sees it, or (refused) as someone allowed sees it.
            author = case.persona if case.persona in allowed else (allowed[0] if allowed else None)
            body = change_body(client, world, case.label, url, author) if author else None
            data = body or {}
    client.logout()
    user = world.personas[case.persona]
    if user is not None:
        client.force_login(user)
    kwargs = {}
    if case.variant:
        kind, variant, _ = model.objects[case.variant]
        kwargs = {kind: variant}
    before = fingerprint(world, kwargs, case.persona)
    response = getattr(client, case.method)(url, data)
    changed = fingerprint(world, kwargs, case.persona) != before
    want, got = expected(case), response.status_code
    where = f"{case.method.upper()} {url} as {case.persona}"
    problems = []
    location = response.get("Location", "")
    if want == "login":
        if got != 302 or "/admin/login/" not in location:
            problems.append(f"{where}: {got} {location}, not the admin's login page")
    elif want == "index":
        if got != 302 or location.rstrip("/") != reverse("admin:index").rstrip("/"):
            problems.append(f"{where}: {got} {location}, expected the admin's redirect for a hidden object")
    elif want == "ok":
        if case.method == "get" and got != 200:
            problems.append(f"{where}: {got}, expected 200")
        if case.method == "post":
            if got != 302:
                problems.append(f"{where}: {got}, expected the redirect after saving"
                                + _form_errors(response))
            elif not changed and not _unchanged_is_right(case):
                problems.append(f"{where}: allowed, but the database did not change")
    elif got != want:
        problems.append(f"{where}: {got}, expected {want}")
    if want != "ok" and changed:
        problems.append(f"{where}: refused ({want}) — and yet the database changed")
    if case.method == "get" and changed:
        problems.append(f"{where}: a GET changed the database")
    return problems


def _unchanged_is_right(case):
    """The security administrator's save of an account whose profile they may not edit."""
    return case.label == "registry.user" and case.persona == "secadmin"


def _form_errors(response):
    context = getattr(response, "context", None)
    if not context:
        return ""
    try:
        form = context["adminform"].form
    except (KeyError, TypeError, NoReverseMatch):
        return ""
    return f" (form errors: {dict(form.errors)})"



# --- Setting another person's password (the user admin's own page) ------------------------------

PASSWORD_TARGETS = ("manager", "secadmin", "sysadmin")


def password_cases():
    return [(target, method, persona) for target in PASSWORD_TARGETS for method in ("get", "post")
            for persona in ADMIN_PERSONAS]


def password_expected(target, persona):
    """The security administrator sets other people's passwords, not their own nor an administrator's."""
    if persona not in STAFF:
        return "login"
    if persona not in ("sysadmin", "secadmin"):
        return 404  # the account list is empty for them
    return "ok" if persona == "secadmin" and target == "manager" else 403


def run_password(client, world, target, method, persona) -> list[str]:
    account = world.personas[target]
    url = reverse("admin:auth_user_password_change", args=[account.pk])
    client.logout()
    if world.personas[persona] is not None:
        client.force_login(world.personas[persona])
    data = {"password1": "Zz-98765432", "password2": "Zz-98765432", "usable_password": "true"} if method == "post" else {}
    before = fingerprint(world, {"user": target}, persona)
    response = getattr(client, method)(url, data)
    changed = fingerprint(world, {"user": target}, persona) != before
    want, got = password_expected(target, persona), response.status_code
    where = f"{method.upper()} {url} as {persona}"
    problems = []
    if want == "login":
        if got != 302 or "/admin/login/" not in response.get("Location", ""):
            problems.append(f"{where}: {got}, not the admin's login page")
    elif want == "ok":
        if got != (302 if method == "post" else 200):
            problems.append(f"{where}: {got}")
        if method == "post" and not changed:
            problems.append(f"{where}: allowed, but the password did not change")
    elif got != want:
        problems.append(f"{where}: {got}, expected {want}")
    if want != "ok" and changed:
        problems.append(f"{where}: refused — and yet the database changed")
    if method == "get" and changed:
        problems.append(f"{where}: a GET changed the database")
    return problems
