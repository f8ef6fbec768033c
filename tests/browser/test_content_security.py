"""No page breaks the Content-Security-Policy (config/settings.py: no inline script or style, no
eval, everything from static/).

Chromium opens every page the access walk knows — each URL name and object variant, as the
first persona the walk lets open it — and every admin screen, in the walk's world, and reads
what the policy refused (the console's reports and the securitypolicyviolation events). The
pages come from the walk (tests/walk/), so a new page is checked as soon as it has its case.
"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import watch_content_security
from tests.walk import admin_cases, cases
from tests.walk import world as walk_world
from tests.walk.world import PERSONAS

pytestmark = pytest.mark.django_db(transaction=True)


def _page_visits(world):
    """(persona, URL) for every page of the walk that someone may open with GET."""
    for url_case in cases.merged_cases().values():
        if "get" not in url_case.methods:
            continue
        for variant, (kwargs, *_rest) in url_case.variants.items():
            allowed = [p for p in PERSONAS if cases.expected(url_case, variant, p) == cases.OK]
            if url_case.name == "login":
                allowed = ["anonymous"]
            if not allowed:
                continue
            arguments = {name: world.get(name, value).pk for name, value in kwargs.items()}
            url = reverse(url_case.name, kwargs=arguments or None)
            if url_case.query:
                url += "?" + url_case.query(world)
            yield allowed[0], url


def _admin_visits(world):
    """(persona, URL) for the admin's index and every screen of every registered model."""
    yield "sysadmin", reverse("admin:index")
    for label, model in admin_cases.ADMIN.items():
        pages = [("changelist", "")] + [("add", "")] + [
            (page, variant) for variant in model.objects for page in ("change", "delete", "history")]
        for page, variant in pages:
            for persona in admin_cases.ADMIN_PERSONAS:
                case = admin_cases.AdminCase(label, page, "get", persona, variant)
                if admin_cases.expected(case) == "ok":
                    yield persona, admin_cases._url(world, case)
                    break


def _session_of(user) -> str:
    client = Client()
    client.force_login(user)  # as the walk signs in: the second factor passed (tests/conftest.py)
    return client.cookies["sessionid"].value


def test_no_page_breaks_the_content_security_policy(live_server, browser):
    world = walk_world.build()
    visits = list(_page_visits(world)) + list(_admin_visits(world))
    visits.append(("office", "/no-such-page/"))  # the 404 page
    visits.append(("inspector", reverse("lockout_list")))  # the 403 page
    assert len({url for _persona, url in visits}) > 150  # the walk's pages, not a handful

    problems, opened = [], 0
    contexts = {}
    try:
        for persona, url in visits:
            if persona not in contexts:
                context = contexts[persona] = browser.new_context(viewport={"width": 1366, "height": 900})
                user = world.personas[persona]
                if user is not None:
                    context.add_cookies([{"name": "sessionid", "value": _session_of(user), "url": live_server.url}])
                context.refused = watch_content_security(page := context.new_page())
                context.page = page
            context = contexts[persona]
            try:
                response = context.page.goto(live_server.url + url, wait_until="load")
            except Exception as exc:  # a file download (a workbook, a document): no page to check
                if "Download is starting" in str(exc):
                    continue
                raise
            if "text/html" not in response.headers.get("content-type", ""):
                # A photo or a thumbnail opened on its own: chromium's own image viewer, whose
                # inline style the policy refuses, is not a page of ours. Let its reports arrive
                # and drop them.
                context.page.goto("about:blank")
                context.page.wait_for_timeout(50)
                context.refused.clear()
                continue
            opened += 1
            if response.status >= 500 or (response.status != 200 and url[-14:] != "/no-such-page/"
                                           and "lockout" not in url):
                problems.append(f"{url} as {persona}: HTTP {response.status}")
            if context.refused:
                problems.append(f"{url} as {persona}: " + " | ".join(context.refused))
                context.refused.clear()
    finally:
        for context in contexts.values():
            context.close()
    assert opened > 150
    assert not problems, "\n".join(problems)
