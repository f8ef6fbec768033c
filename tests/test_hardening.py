"""The web layer's hardening: the Content-Security-Policy and the headers and cookies a
production deployment sends (DEBUG off). The browser's own check of every page under the policy
is tests/browser/test_content_security.py; ``check --deploy`` is tests/test_settings_and_checks.py."""

import json
import re
from pathlib import Path

import pytest

from tests.test_settings_and_checks import PRODUCTION_ENV, _run_manage

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


class TestNothingInlineInOurTemplates:
    """What the policy would refuse, caught before a browser runs: an inline script, a style
    attribute or <style> element, an event-handler attribute, a javascript: link."""

    RULES = {
        "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
        "a <style> element": re.compile(r"<style\b", re.I),
        "a style attribute": re.compile(r"\sstyle\s*=", re.I),
        "an event-handler attribute": re.compile(r"\son[a-z]+\s*=", re.I),
        "a javascript: URL": re.compile(r"javascript:", re.I),
    }

    def test_there_are_templates_to_read(self):
        assert len(TEMPLATES) > 40

    @pytest.mark.parametrize("rule", list(RULES))
    def test_no_template_has(self, rule):
        pattern = self.RULES[rule]
        found = [f"{path.relative_to(ROOT)}:{text[:match.start()].count(chr(10)) + 1}"
                 for path in TEMPLATES for text in [path.read_text()] for match in pattern.finditer(text)]
        assert not found, f"{rule} in " + ", ".join(found)

    def test_the_rules_bite(self):
        samples = {
            "an inline <script>": "<script>alert(1)</script>",
            "a <style> element": "<style>p{}</style>",
            "a style attribute": '<p style="color:red">',
            "an event-handler attribute": '<form onsubmit="return confirm(1)">',
            "a javascript: URL": '<a href="javascript:void(0)">',
        }
        for rule, sample in samples.items():
            assert self.RULES[rule].search(sample), rule
        assert not self.RULES["an inline <script>"].search('<script src="/static/js/app.js" defer>')


def _policy(response) -> dict[str, set[str]]:
    return {name: set(values) for name, *values in
            (part.split() for part in response["Content-Security-Policy"].split(";") if part.strip())}


@pytest.mark.django_db
class TestContentSecurityPolicy:
    def test_every_page_carries_a_strict_policy(self, client, office):
        client.force_login(office)
        policy = _policy(client.get("/"))
        for directive in ("default-src", "script-src", "style-src", "img-src", "connect-src", "form-action"):
            assert policy[directive] == {"'self'"}, directive
        assert policy["object-src"] == policy["frame-ancestors"] == policy["base-uri"] == {"'none'"}
        everything = set().union(*policy.values())
        assert not everything & {"'unsafe-inline'", "'unsafe-eval'", "data:", "*", "https:", "http:"}

    def test_the_sign_in_page_and_the_admin_carry_it_too(self, client):
        for url in ("/accounts/login/", "/admin/login/"):
            assert _policy(client.get(url))["script-src"] == {"'self'"}, url

    def test_htmx_is_told_to_add_no_style_and_to_evaluate_nothing(self, client, office):
        client.force_login(office)
        html = client.get("/").content.decode()
        config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
        assert json.loads(config.group(1)) == {
            "includeIndicatorStyles": False, "allowEval": False, "allowScriptTags": False}


def _production_answer(code: str) -> str:
    """Run ``code`` in a fresh process with the production environment (DEBUG off) and an
    empty SQLite file: what a deployment would answer, not what the test settings do."""
    result = _run_manage("shell", "--no-imports", "-c", code,
                         env_overrides=PRODUCTION_ENV | {"DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


class TestProductionHeadersAndCookies:
    def test_a_response_carries_hsts_frame_referrer_sniff_and_policy_headers(self):
        answer = json.loads(_production_answer(
            "import json; from django.test import Client; "
            "r = Client(SERVER_NAME='zuofeng.example.gov.cn').get('/', secure=True); "
            "print(json.dumps({h: r.get(h) for h in ('Strict-Transport-Security', 'X-Frame-Options', "
            "'Referrer-Policy', 'X-Content-Type-Options', 'Content-Security-Policy')} | {'status': r.status_code}))"
        ))
        assert answer["status"] == 302  # to the sign-in page
        assert answer["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert answer["X-Frame-Options"] == "DENY"
        assert answer["Referrer-Policy"] == "same-origin"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert "script-src 'self'" in answer["Content-Security-Policy"]

    def test_plain_http_is_sent_to_https(self):
        answer = _production_answer(
            "from django.test import Client; "
            "r = Client(SERVER_NAME='zuofeng.example.gov.cn').get('/accounts/login/'); "
            "print(r.status_code, r['Location'])"
        )
        assert answer == "301 https://zuofeng.example.gov.cn/accounts/login/"

    def test_cookies_are_secure_and_http_only_and_end_with_the_browser(self):
        answer = json.loads(_production_answer(
            "import json; from django.conf import settings as s; "
            "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
            "s.SESSION_COOKIE_SAMESITE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE, s.DEBUG]))"
        ))
        assert answer == [True, True, True, "Lax", True, False]


@pytest.mark.django_db
def test_the_session_cookie_a_production_sign_in_sets_is_secure(client, settings, inspector):
    """What the settings above do to the cookie a real sign-in sets."""
    from tests.conftest import PASSWORD

    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.post("/accounts/login/", {"username": inspector.username, "password": PASSWORD}, secure=True)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert not cookie["expires"] and not cookie["max-age"]  # ends with the browser
