"""User journeys in a real browser, on a phone-sized screen."""

import re

import pytest

from circulars import services as circular_services
from tests.browser.conftest import sign_in, watch_content_security
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VISIT_PAGE = re.compile(r"/visits/\d+/$")


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


def test_inspector_logs_an_undercover_finding_with_a_photo_on_a_phone(
    live_server, phone, screenshot, inspector, own_hall, taxonomy, tmp_path
):
    from inspections.models import Finding
    from tests.factories import jpeg_bytes

    sign_in(phone, live_server.url, inspector.username, PASSWORD)
    phone.click("text=开始走访")
    phone.fill("#hall-search", "汤原")
    # Let the search settle: a later answer would replace the list under the tap.
    phone.wait_for_load_state("networkidle")
    phone.wait_for_timeout(400)
    phone.wait_for_load_state("networkidle")
    phone.click(f"label.pick:has-text('{own_hall.name}')")
    assert phone.is_checked("input[name=hall]")
    phone.check("input[name=mode][value=undercover]")
    phone.click("button:has-text('开始走访')")
    phone.wait_for_url(VISIT_PAGE)

    phone.click("text=登记问题")
    phone.select_option("#id_category", label="C02 擅自离岗、脱岗、串岗")
    # The quantitative facts for the category arrive by HTMX.
    phone.wait_for_selector("input[name=fact_minutes_off_post]")
    phone.fill("input[name=fact_minutes_off_post]", "-5")
    phone.fill("#id_description", "10号窗口工作人员离岗，3名群众等候。")
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(jpeg_bytes())
    phone.set_input_files("input[name=files][capture]", str(photo))
    phone.click("button[name=submit]")
    # A full-page POST: wait for the answer rather than read the page mid-load.
    phone.wait_for_selector("text=不能为负数")  # refused, in Chinese, nothing saved
    assert not Finding.objects.exists()

    phone.fill("input[name=fact_minutes_off_post]", "27")
    phone.set_input_files("input[name=files][capture]", str(photo))
    phone.click("button[name=submit]")
    phone.wait_for_url(VISIT_PAGE)
    finding = Finding.objects.get()
    assert finding.status == "submitted" and finding.facts["minutes_off_post"] == 27
    assert finding.evidence.count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "visit-phone")

    phone.click("li.finding-card a")
    phone.wait_for_selector(".gallery img")
    screenshot(phone, "finding-detail-phone")


def test_hall_manager_reports_progress_with_proof_and_asks_for_close_out_on_a_phone(
    live_server, phone, screenshot, hall_manager, ledger, tmp_path
):
    from tests.factories import jpeg_bytes

    item = ledger["working"]
    sign_in(phone, live_server.url, hall_manager.username, PASSWORD)
    phone.goto(f"{live_server.url}/ledger/")
    phone.click(f"text={item.code}")
    phone.fill("textarea[name=text]", "已组织窗口人员培训，并调整午间排班。")
    proof = tmp_path / "培训.jpg"
    proof.write_bytes(jpeg_bytes())
    phone.set_input_files("input[name=files]", str(proof))
    phone.click("button:has-text('填报进展')")
    phone.wait_for_selector("text=进展已填报")
    phone.fill("textarea[name=completion_note]", "已整改到位。")
    phone.click("button:has-text('申请销号') >> nth=-1")
    phone.wait_for_selector("text=已申请销号")
    item.refresh_from_db()
    assert item.status == "closure_requested" and item.progress.filter(proof__isnull=False).exists()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "ledger-item-phone")


def test_office_publishes_a_circular_and_downloads_its_table(
    live_server, browser, screenshot, office, regions, undercover_visit, hall_manager
):
    import datetime

    from inspections.models import Finding
    from tests.factories import FindingFactory

    finding = FindingFactory(visit=undercover_visit, status="confirmed")
    circular = circular_services.circular_save(actor=office, findings=[finding], values={
        "issuer": "佳木斯市作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"],
        "title": "关于窗口服务明察暗访情况的通报", "date": datetime.date(2026, 11, 21), "naming": "surname",
    })
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    refused = watch_content_security(page)
    sign_in(page, live_server.url, office.username, PASSWORD)
    page.goto(f"{live_server.url}{circular.get_absolute_url()}")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("button:has-text('发布通报')")
    page.wait_for_selector("text=通报已发布")
    assert asked and "不能撤回" in asked[0]  # asked first (static/js/app.js: data-confirm)
    finding.refresh_from_db()
    assert finding.status == Finding.Status.PUBLISHED
    assert finding.rectification_items.get().status == "assigned"
    with page.expect_download() as download:
        page.click("text=导出问题清单（Excel）")
    assert download.value.suggested_filename.endswith(".xlsx")
    screenshot(page, "circular-desktop")
    context.close()
    assert not refused, "\n".join(refused)


def test_the_staff_picker_follows_the_window_and_several_behaviours_are_ticked(
    live_server, phone, inspector, own_hall, undercover_visit, taxonomy
):
    from tests.factories import DepartmentFactory, StaffFactory, WindowFactory

    people = {}
    for number, name in ((21, "市场监管局"), (22, "医保局")):
        department = DepartmentFactory(hall=own_hall, name=name)
        window = WindowFactory(hall=own_hall, number=number, label=f"{name[:2]}窗口", department=department)
        people[name] = (window, StaffFactory(hall=own_hall, department=department, window=window, name=f"{name[:2]}员"))
    sign_in(phone, live_server.url, inspector.username, PASSWORD)
    phone.goto(f"{live_server.url}/visits/{undercover_visit.pk}/findings/new/")
    window, staff = people["市场监管局"]
    phone.select_option("#id_window", str(window.pk))
    shown = phone.eval_on_selector_all("#id_staff option:not([hidden])", "options => options.map(o => o.text)")
    assert any(staff.name in text for text in shown)
    assert not any(people["医保局"][1].name in text for text in shown)
    phone.select_option("#id_category", label="C04 上班做无关事")
    phone.wait_for_selector("input[name=fact_activity]")
    phone.check("input[name=fact_activity][value=chatting]")
    phone.check("input[name=fact_activity][value=eating]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_office_opens_a_unit_its_department_and_a_campaign_on_a_phone(
    live_server, phone, screenshot, office, regions, own_hall
):
    import datetime

    from django.utils import timezone

    from inspections.models import Campaign
    from registry.models import ServiceHall

    sign_in(phone, live_server.url, office.username, PASSWORD)
    phone.goto(f"{live_server.url}/halls/")
    phone.click("text=新增大厅或单位")
    phone.fill("#id_name", "汤原县邮政局派驻公安局户政办理窗口")
    phone.select_option("#id_kind", "stationed_window")
    phone.select_option("#id_region", str(regions["county_a"].pk))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "hall-form-phone")
    phone.click("button:has-text('保存')")
    phone.wait_for_url(re.compile(r"/halls/\d+/$"))
    unit = ServiceHall.objects.get(name="汤原县邮政局派驻公安局户政办理窗口")
    assert unit.kind == "stationed_window" and unit.region == regions["county_a"]
    assert "派驻窗口" in phone.inner_text("dl.facts")

    phone.click("text=添加部门")
    phone.fill("#id_name", "汤原县邮政局")
    phone.click("button:has-text('保存')")
    phone.wait_for_url(f"{live_server.url}{unit.get_absolute_url()}")
    assert unit.departments.get().name == "汤原县邮政局"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    phone.click("label.nav-toggle-label")
    phone.click("nav.mainnav >> text=专项行动")
    phone.click("text=新建专项行动")
    start = timezone.localdate()
    phone.fill("#id_name", "窗口作风专项整治行动")
    phone.fill("#id_issuer", "佳木斯市作风整顿办")
    phone.fill("#id_start_date", start.isoformat())
    phone.fill("#id_end_date", (start - datetime.timedelta(days=1)).isoformat())
    assert phone.is_checked(f"input[name=regions][value='{regions['city_a'].pk}']")  # its own region to start with
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.click("button:has-text('保存')")
    phone.wait_for_selector("text=结束日期不能早于开始日期。")  # said on the field, nothing saved
    assert not Campaign.objects.exists()
    phone.fill("#id_end_date", (start + datetime.timedelta(days=60)).isoformat())
    screenshot(phone, "campaign-form-phone")
    phone.click("button:has-text('保存')")
    phone.wait_for_url(f"{live_server.url}/campaigns/")
    phone.wait_for_selector("text=窗口作风专项整治行动")
    assert set(Campaign.objects.get().regions.all()) == {regions["city_a"]}
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(phone, "campaign-list-phone")
