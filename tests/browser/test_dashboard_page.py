"""The dashboard in chromium: its charts are drawn under the Content-Security-Policy, and the page
fits a 375 px phone (its tables scroll inside their cards)."""

from django.test import Client

from tests.browser.conftest import watch_content_security
from tests.test_dashboard import world  # noqa: F401  (the fixture)


def test_the_charts_are_drawn_and_the_page_fits_a_phone(live_server, browser, office, world, screenshot):  # noqa: F811
    client = Client()
    client.force_login(office)
    for width, name in ((375, "phone"), (1366, "desktop")):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value,
                              "url": live_server.url}])
        page = context.new_page()
        refused = watch_content_security(page)
        page.goto(f"{live_server.url}/dashboard/?date_from=2026-01-01&date_to=2026-06-30")
        page.wait_for_selector("#table-month [data-chart] canvas")
        assert page.locator("[data-chart] canvas").count() == 5  # every table with a chart but the rates
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"dashboard-{name}")
        context.close()
        assert not refused, "\n".join(refused)
