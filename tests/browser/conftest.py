"""Playwright driving Debian's chromium (installed by `make test`, never a downloaded build)."""

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install chromium).")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are ordinary blocking calls, which Django must allow.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=_chromium_path(), args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def watch_content_security(page) -> list[str]:
    """What the Content-Security-Policy refused on this page, as chromium reports it (the
    console's "Refused to …" and the securitypolicyviolation events), filled as the page runs."""
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + (e.blockedURI || 'inline')"
        " + ' at ' + e.sourceFile + ':' + e.lineNumber));"
    )
    return refused


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="zh-CN", has_touch=True)
    page = context.new_page()
    refused = watch_content_security(page)
    yield page
    context.close()
    # Every journey is also a check of the policy: nothing it touched was refused.
    assert not refused, "\n".join(refused)


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(exist_ok=True)

    def _take(page, name):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return _take


def sign_in(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/two-factor/" in page.url:  # the office and the administrators: enrol as a user does
        enrol_second_factor(page)
    page.wait_for_url(f"{base_url}/")


def enrol_second_factor(page):
    """Read the secret off the enrolment page as an authenticator app would, type its code, go on."""
    import base64

    from django_otp.oath import totp

    secret = page.inner_text("code.secret").replace(" ", "")
    page.fill("#id_code", f"{totp(base64.b32decode(secret)):06d}")
    page.click("button.primary")
    page.click("a.button.primary")  # 我已保存，继续
