"""The access walk: every URL × every persona × objects in scope, out of scope and under embargo.

The cases are generated from the URL conf and the decisions in tests/walk/
(cases.py for the pages, admin_cases.py for the admin); each is its own test,
named URL-object-method-persona. A refused request must leave the database as
it was, an allowed POST must change it. The meta-tests fail when a URL or a
policy action has no case, and ``test_the_walk_bites`` forces each action's
predicate open in turn and expects the walk to notice.
"""

import pytest
import rules
from django.contrib import admin
from django.core.files.storage import InMemoryStorage
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver

from access.policy import ACTIONS
from core.permissions import performed_action
from inspections.models import Evidence
from tests.walk import admin_cases, cases
from tests.walk import world as walk_world
from tests.walk.world import PERSONAS

URL_CASES = cases.merged_cases()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test
    runs in a savepoint of it (pytest-django's ``db``), so no test sees another's changes."""
    storage = InMemoryStorage()
    fields = [field for field in Evidence._meta.fields if field.get_internal_type() == "FileField"]
    previous = [f.storage for f in fields]
    for f in fields:
        f.storage = storage
    with django_db_blocker.unblock(), transaction.atomic():
        built = walk_world.build()
        yield built
        transaction.set_rollback(True)
    for f, old in zip(fields, previous, strict=True):
        f.storage = old


@pytest.fixture(autouse=True)
def fresh_evidence_storage():
    """The world's evidence files live for the whole module (see ``world``)."""
    yield


def _url_cases():
    for name, url_case in URL_CASES.items():
        for variant in url_case.variants:
            for method in url_case.methods:
                for persona in PERSONAS:
                    yield pytest.param(name, variant, method, persona, id=f"{name}-{variant}-{method}-{persona}")


@pytest.mark.parametrize("name,variant,method,persona", list(_url_cases()))
def test_url(client, db, world, name, variant, method, persona):
    problems = cases.run(client, world, URL_CASES[name], variant, persona, method)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("case", admin_cases.all_cases(), ids=str)
def test_admin(client, db, world, case):
    problems = admin_cases.run(client, world, case)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("target,method,persona", admin_cases.password_cases(),
                         ids=lambda value: str(value))
def test_admin_password(client, db, world, target, method, persona):
    problems = admin_cases.run_password(client, world, target, method, persona)
    assert not problems, "\n".join(problems)


# --- The walk covers everything --------------------------------------------------------------

def _patterns(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {pattern.pattern}>", pattern


def test_every_url_has_a_case():
    covered = set(URL_CASES) | admin_cases.covered_url_names()
    missing = sorted(name for name, _pattern in _patterns() if name not in covered)
    assert not missing, f"URLs without a case in tests/walk/: {missing}"


def test_every_page_declares_the_action_it_performs():
    undeclared = sorted(
        name for name, pattern in _patterns()
        if not name.startswith(("admin:", "<unnamed")) and not URL_CASES[name].django
        and performed_action(pattern.callback) is None
    )
    assert not undeclared, f"views without @action: {undeclared}"


def _url_actions():
    found = {}
    for name, pattern in _patterns():
        if name in URL_CASES and not URL_CASES[name].django:
            found.setdefault(performed_action(pattern.callback), []).append(name)
    return found


def test_every_policy_action_has_a_case():
    covered = set(_url_actions()) | admin_cases.admin_actions() | set(INNER_ACTIONS)
    assert not set(ACTIONS) - covered, f"actions without a case: {sorted(set(ACTIONS) - covered)}"
    assert not covered - set(ACTIONS), f"cases for actions that do not exist: {sorted(covered - set(ACTIONS))}"


# Actions asked inside a page (a button, a field, a name) rather than as the page's own action,
# with the tests that show each one decides what it should.
INNER_ACTIONS = {
    "staff.view_phone": "tests/test_scope.py::test_staff_phone_is_masked_for_inspectors_and_auditors",
    "person.identify": "tests/test_undercover_secrecy.py",
    "evidence.view_original": "tests/test_undercover_secrecy.py",
    "item.set_deadline": "tests/test_ledger_pages.py",
    "hall.relocate": "tests/test_registry_constraints.py",
    "circular.view_history": "tests/test_history.py",
    "user.change_role": "tests/test_self_elevation.py",
    "user.change_active": "tests/test_self_elevation.py",
    "user.set_password": "tests/test_self_elevation.py",
    "user.edit_profile": "tests/test_self_elevation.py",
    "item.revisit": "tests/test_one_truth.py",
    "item.watch_overdue": "tests/test_navigation.py",
    "lockout.lift_address": "tests/test_identity.py",
}


def test_the_inner_actions_name_tests_that_exist():
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for action, where in INNER_ACTIONS.items():
        path = root / where.split("::")[0]
        assert path.exists(), f"{action}: {where} does not exist"
        if "::" in where:
            assert f"def {where.split('::')[1]}(" in path.read_text(), f"{action}: {where} does not exist"
        assert action in path.read_text() or "::" in where, f"{where} never mentions {action}"


# --- The walk bites -------------------------------------------------------------------------

# Actions whose every refusal in the walk is the scope's 404 (the object is out of sight), or
# that are open to everyone signed in, so that forcing the predicate open changes nothing the
# walk can see; the scope tests (test_scope, test_embargo) hold the first kind.
DECIDED_BY_SCOPE = {"hall.view", "visit.view", "finding.view", "item.view", "evidence.view", "circular.view",
                    "circular.export", "export.download", "home.view", "notification.list", "two_factor.own"}


def _cases_of(url_names):
    for name in url_names:
        url_case = URL_CASES[name]
        for variant in url_case.variants:
            for method in url_case.methods:
                for persona in PERSONAS:
                    yield url_case, variant, method, persona


@pytest.mark.parametrize("action", sorted(a for a in ACTIONS if a in {*_url_actions()}))
def test_the_walk_bites(client, db, world, action):
    """Forced open, the action's predicate lets someone through whom the walk expects refused."""
    url_names = _url_actions()[action]
    rules.set_perm(action, rules.always_allow)
    try:
        caught = []
        for url_case, variant, method, persona in _cases_of(url_names):
            with transaction.atomic():
                caught += cases.run(client, world, url_case, variant, persona, method)
                transaction.set_rollback(True)
            if caught:
                break
    finally:
        rules.set_perm(action, ACTIONS[action])
    if action in DECIDED_BY_SCOPE:
        assert not caught, f"{action} is listed as decided by the scope, but forcing it open showed: {caught}"
    else:
        assert caught, f"forcing {action} open went unnoticed by the walk of {url_names}"


def _policy_asked_admin_permissions():
    from access.policy import ADMIN as POLICY_ADMIN
    from core.permissions import ReadOnlyRecordAdmin

    for label, verbs in POLICY_ADMIN.items():
        model_admin = next(ma for model, ma in admin.site._registry.items() if model._meta.label_lower == label)
        for verb in verbs:
            if isinstance(model_admin, ReadOnlyRecordAdmin) and verb != "view":
                continue  # records are read-only in the admin whatever the policy says
            if (label, verb) in OPEN_TO_ALL_STAFF:
                continue
            yield label, verb


# A person's own notifications and digests: every account with the admin's staff flag lists its own.
OPEN_TO_ALL_STAFF = {("rectification.notification", "view"), ("rectification.digest", "view")}


@pytest.mark.parametrize("label,verb", list(_policy_asked_admin_permissions()))
def test_the_admin_walk_bites(client, db, world, label, verb):
    from access.policy import ADMIN as POLICY_ADMIN
    from access.policy import admin_permission

    name = admin_permission(label, verb)
    rules.set_perm(name, rules.always_allow)
    try:
        caught = []
        for case in (c for c in admin_cases.all_cases() if c.label == label):
            with transaction.atomic():
                caught += admin_cases.run(client, world, case)
                transaction.set_rollback(True)
            if caught:
                break
    finally:
        rules.set_perm(name, POLICY_ADMIN[label][verb])
    assert caught, f"forcing {name} open went unnoticed by the admin walk"


def test_admin_is_registered_for_the_models_the_walk_knows():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(admin_cases.ADMIN), "add the model to tests/walk/admin_cases.py"
