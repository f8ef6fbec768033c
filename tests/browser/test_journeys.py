"""User journeys in a real browser, on a phone-sized screen."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hall_manager_signs_in_on_a_phone_and_opens_their_hall(
    live_server, phone, screenshot, hall_manager, own_hall, other_hall
):
    sign_in(phone, live_server.url, hall_manager.username, PASSWORD)

    # The menu folds behind a button on a phone.
    assert not phone.is_visible("nav.mainnav")
    phone.click("label.nav-toggle-label")
    phone.click("nav.mainnav >> text=服务大厅")
    phone.wait_for_url(f"{live_server.url}/halls/")
    assert phone.is_visible(f"text={own_hall.name}")
    assert not phone.is_visible(f"text={other_hall.name}")

    phone.click(f"text={own_hall.name}")
    phone.wait_for_url(f"{live_server.url}{own_hall.get_absolute_url()}")
    assert phone.inner_text("h1") == own_hall.name
    assert phone.is_visible("text=10号窗口")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "hall-detail-phone")

    # Another hall's page is simply not there.
    response = phone.goto(f"{live_server.url}{other_hall.get_absolute_url()}")
    assert response.status == 404
