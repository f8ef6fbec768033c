"""The apps stand on each other one way, and the rules of action live in one place.

- Each app imports only the apps below it (the order of INSTALLED_APPS), at
  the top of its modules: a function-local import across apps is a cycle in
  hiding.
- No role is compared outside the policy (access/policy.py), the role table
  (registry/models.py) and the scope modules' row rules (*/scope.py); the
  templates compare none.
"""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["audit", "core", "registry", "inspections", "rectification", "circulars", ["access", "workbench"]]


def _rank(app):
    for rank, layer in enumerate(LAYERS):
        if app == layer or (isinstance(layer, list) and app in layer):
            return rank
    return None


APPS = [app for layer in LAYERS for app in (layer if isinstance(layer, list) else [layer])]


def _modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def _imports(tree):
    """(imported app, line, at module level?) for every import of one of our apps."""
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            app = name.split(".")[0]
            if app in APPS:
                yield app, node.lineno, id(node) in top_level


def test_the_installed_apps_are_in_layer_order():
    ours = [app for app in settings.INSTALLED_APPS if app in APPS]
    assert ours == APPS


def test_every_app_imports_only_the_apps_below_it_and_at_the_top_of_its_modules():
    problems = []
    for app, path in _modules():
        for imported, line, top_level in _imports(ast.parse(path.read_text())):
            where = f"{path.relative_to(ROOT)}:{line} imports {imported}"
            if imported != app and _rank(imported) >= _rank(app):
                problems.append(f"{where} (an app at its level or above)")
            if imported != app and not top_level:
                problems.append(f"{where} inside a function")
    assert not problems, "\n".join(problems)


def test_each_app_says_what_it_owns():
    for app in APPS:
        doc = ast.get_docstring(ast.parse((ROOT / app / "__init__.py").read_text()))
        assert doc and len(doc) > 60, f"{app}/__init__.py needs a docstring saying what the app owns"


ROLE_COMPARISON = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)|\brole\s*(==|!=)\s*Role\.|Role\.[A-Z_]+\s*(==|!=)")
ALLOWED = {"access/policy.py", "registry/models.py"}


def test_no_role_is_compared_outside_the_policy_the_role_table_and_the_scopes():
    found = []
    for _app, path in _modules():
        relative = str(path.relative_to(ROOT))
        if relative in ALLOWED or path.name == "scope.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if ROLE_COMPARISON.search(line):
                found.append(f"{relative}:{number}: {line.strip()}")
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\brole\b\s*(==|!=|in\b)", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "Ask the policy (core.permissions) instead:\n" + "\n".join(found)


def test_the_role_check_itself_would_catch_a_comparison():
    assert ROLE_COMPARISON.search('if request.user.role == "office":')
    assert ROLE_COMPARISON.search("if user.role in (Role.OFFICE, Role.AUDITOR):")
    assert not ROLE_COMPARISON.search('user.has_perm("item.edit", item)')
