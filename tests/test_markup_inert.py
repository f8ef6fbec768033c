"""User text with markup stays text everywhere: on the pages and their htmx fragments, in the
admin, in every workbook, in the digest mail and in the Word circular.

Every field a person types into (or that reaches us from outside: a username tried at the
login, a name in a filled-in workbook) carries the same hostile text: a script tag, an image
with an ``onerror``, an entity, both quotes, a spreadsheet formula and, for the Word document,
the end of a ``w:t`` element. Each field has its own words in front, so that a page is checked
for the fields it shows, one by one: escaped once (neither raw nor escaped twice).
"""

import datetime
import io
import json
import zipfile
from xml.etree import ElementTree

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from docx import Document
from openpyxl import load_workbook

from circulars import services as circular_services
from circulars.models import Circular
from inspections.models import Campaign
from rectification import reminders
from rectification.models import Accountability, ExtensionRequest, ProgressEntry, Revisit
from registry.models import Role
from tests.factories import FindingFactory, UserFactory, VisitFactory, category, stored_evidence

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)>&amp;"\'=HYPERLINK("http://x")'
SHORT = '<img src=x onerror=alert(2)>&amp;"\''  # 35 characters: for the fields of 50
BREAKOUT = "</w:t></w:r><w:r><w:t>INJECTED"  # closes the Word run it is written into, if pasted as XML
# What the hostile text would look like had it reached a page as markup.
RAW_MARKUP = ("<script>alert(", "<img src=x", "</w:t>", "<w:t>", "<i>&")


def hostile(words: str, lead: str = "", short: bool = False) -> str:
    """A field's own words with the hostile text; ``lead`` is a character spreadsheets read as the
    start of a formula (=, +, -, @)."""
    return f"{lead}{words}{SHORT if short else HOSTILE}"


class V:
    """What each field says."""

    region = hostile("汤原县", short=True)
    hall = hostile("汤原县政务服务中心", "=")
    address = hostile("政府路", "+")
    department = hostile("住建局", "-")
    window_label = hostile("10号", short=True)
    window_name = hostile("房产处", "@")
    staff = hostile("张", short=True)
    staff_description = hostile("女约30岁")
    office_name = hostile("陈", short=True)
    manager_name = hostile("王", short=True)
    inspector_name = hostile("李", short=True)
    auditor_name = hostile("刘", short=True)
    organisation = hostile("暗访组")
    campaign = hostile("专项行动", "=") + BREAKOUT
    campaign_issuer = hostile("发文机关")
    campaign_notes = hostile("行动说明", "+")
    team = hostile("省暗访组", "@")
    visit_notes = hostile("走访备注")
    first_draft = "初稿：工作人员离岗"
    description = hostile("离岗", "=") + BREAKOUT
    description_b = hostile("闲聊", "+")
    description_submitted = hostile("待审", "-")
    description_draft_circular = hostile("草稿通报的问题", "@")
    rejection = hostile("证据不足", "-")
    measures = hostile("整改措施", "=") + BREAKOUT
    standard = hostile("整改标准", "+")
    completion = hostile("完成情况", "-")
    proof_notes = hostile("佐证说明", "@")
    leader = hostile("+领导", short=True)
    person = hostile("-李", short=True)
    progress = hostile("整改进展", "@")
    extension = hostile("延期理由", "=")
    decision_note = hostile("审批意见", "+")
    observation = hostile("回访情况", "-")
    accountability_title = hostile("科长")
    accountability_body = hostile("纪委监委", "=")
    accountability_number = hostile("@文号", short=True)
    accountability_notes = hostile("问责备注", "+")
    accountability_person = hostile("赵", short=True)
    circular_issuer = hostile("佳木斯市作风办")
    issuer_code = '佳<i>&amp;"\''  # 机关代字: 20 characters at most
    circular_title = hostile("关于通报", "=") + BREAKOUT
    draft_title = hostile("草稿通报", "-")
    lead = hostile("导语") + BREAKOUT
    requirements = hostile("工作要求", "-")
    tally = hostile("问责情况", "+")
    section = hostile("部分窗口离岗", "@")
    entry = hostile("通报表述", "=") + BREAKOUT


def assert_inert(html: str, *values: str, where: str = "the page"):
    """No hostile text as markup, and each value shown as text: escaped once."""
    for markup in RAW_MARKUP:
        assert markup not in html, f"{markup!r} reached {where} as markup"
    assert "&lt;img src=x onerror=alert(2)&gt;" in html, f"{where} shows none of the hostile text"
    assert "&amp;lt;img" not in html and "&amp;lt;script" not in html, f"{where} escapes the text twice"
    for value in values:
        assert escape(value) in html, f"{value!r} is not on {where} as text"


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- The world: every text a person types, hostile ----------------------------------------------

@pytest.fixture
def world(regions, taxonomy, own_hall, office, hall_manager, inspector, auditor):
    today = timezone.localdate()
    county = regions["county_a"]
    county.name = V.region
    county.save()
    hall = own_hall
    hall.refresh_from_db()
    hall.name, hall.address = V.hall, V.address
    hall.save()
    department = hall.departments.get()
    department.name = V.department
    department.save()
    window = hall.windows.get()
    window.label, window.name = V.window_label, V.window_name
    window.save()
    staff = hall.staff.get()
    staff.name = V.staff
    staff.save()
    for user, name in ((office, V.office_name), (hall_manager, V.manager_name), (inspector, V.inspector_name),
                       (auditor, V.auditor_name)):
        user.display_name = name
        user.save()
    inspector.organisation = V.organisation
    inspector.save()

    campaign = Campaign.objects.create(
        name=V.campaign, issuer=V.campaign_issuer, start_date=today - datetime.timedelta(days=30),
        end_date=today + datetime.timedelta(days=30), notes=V.campaign_notes, created_by=office,
    )
    campaign.regions.set([regions["city_a"]])
    undercover = VisitFactory(hall=hall, mode="undercover", created_by=inspector, inspectors=[inspector],
                              campaign=campaign, team_name=V.team, notes=V.visit_notes)
    open_visit = VisitFactory(hall=hall, mode="open", created_by=inspector, inspectors=[inspector],
                              team_name=V.team)

    named = FindingFactory(visit=undercover, status="confirmed", category=category("C02"), window=window,
                           department=department, staff=staff, description=V.first_draft)
    named.description = V.description  # a change: the history shows the old text and the new
    named._history_user = office
    named.save()
    described = FindingFactory(visit=open_visit, status="confirmed", category=category("A02"), facts={},
                               staff_description=V.staff_description, description=V.description_b)
    rejected = FindingFactory(visit=undercover, status="rejected", rejection_reason=V.rejection,
                              description=hostile("不予认定的问题"), reviewed_by=office, reviewed_at=timezone.now())
    submitted = FindingFactory(visit=undercover, status="submitted", description=V.description_submitted,
                               window=window, staff=staff)
    for_draft = FindingFactory(visit=open_visit, status="confirmed", category=category("D04"),
                               description=V.description_draft_circular, facts={"intermediaries": 3})
    stored_evidence(inspector, hall, name=f"{SHORT}.jpg", finding=named)

    circular = circular_services.circular_save(actor=office, findings=[named, described], values={
        "issuer": V.circular_issuer, "issuer_code": V.issuer_code, "year": today.year, "region": regions["city_a"],
        "title": V.circular_title, "date": today, "lead": V.lead, "requirements": V.requirements,
        "accountability_tally": V.tally, "naming": Circular.Naming.FULL,
    })
    section_of = {e.finding_id: e.section_id for e in circular.entries.all()}
    circular_services.circular_arrange(
        actor=office, circular=circular,
        sections={s.pk: (V.section if s.pk == section_of[named.pk] else s.title, s.order)
                  for s in circular.sections.all()},
        new_sections={},
        entries={e.pk: (e.section_id, e.order, V.entry if e.finding_id == described.pk else e.text, e.opinion)
                 for e in circular.entries.all()},
    )
    circular = circular_services.circular_publish(actor=office, circular=circular)
    draft = circular_services.circular_save(actor=office, findings=[for_draft], values={
        "issuer": V.circular_issuer, "issuer_code": V.issuer_code, "year": today.year, "region": regions["city_a"],
        "title": V.draft_title, "date": today, "lead": V.lead, "requirements": V.requirements,
        "naming": Circular.Naming.FULL,
    })

    item = named.rectification_items.get()
    item.status, item.department = "in_progress", department
    item.assigned_date, item.deadline = today - datetime.timedelta(days=20), today - datetime.timedelta(days=2)
    item.deadline_estimated = False
    item.measures, item.standard, item.completion_note = V.measures, V.standard, V.completion
    item.proof_notes, item.responsible_leader, item.responsible_person = V.proof_notes, V.leader, V.person
    item._history_user = hall_manager
    item.save()
    ProgressEntry.objects.create(item=item, date=today, text=V.progress, author=hall_manager)
    ExtensionRequest.objects.create(
        item=item, reason=V.extension, current_deadline=item.deadline,
        proposed_deadline=item.deadline + datetime.timedelta(days=10), requested_by=hall_manager,
        status="refused", decided_by=office, decided_at=timezone.now(), decision_note=V.decision_note,
    )
    revisit = Revisit.objects.create(date=today, inspector=inspector, observation=V.observation, verdict="not_done")
    revisit.items.set([item])
    record = Accountability.objects.create(
        subject="staff", staff=staff, hall=hall, department=department, person_title=V.accountability_title,
        track="first_form", type="谈话提醒", deciding_body=V.accountability_body,
        decision_number=V.accountability_number, decision_date=today, notes=V.accountability_notes,
        created_by=office,
    )
    record.findings.set([named])
    record.items.set([item])
    Accountability.objects.create(
        subject="leader", person_name=V.accountability_person, person_title=V.accountability_title, hall=hall,
        track="hall", type="约谈", deciding_body=V.accountability_body, decision_date=today, created_by=office,
    )
    reminders.create_reminders(today)  # "整改事项 … （<hall>）已超过整改时限": the hall's name in a notification

    return {
        "hall": hall, "department": department, "window": window, "staff": staff, "campaign": campaign,
        "undercover": undercover, "open_visit": open_visit, "named": named, "described": described,
        "rejected": rejected, "submitted": submitted, "for_draft": for_draft, "circular": circular,
        "draft": draft, "item": item, "accountability": record,
    }


# --- 1. Pages, htmx fragments and JSON --------------------------------------------------------

def _pages(w):
    """(persona, url, the fields the page shows)."""
    hall, named, item = w["hall"], w["named"], w["item"]
    return [
        ("office", reverse("home"), [V.office_name]),
        ("office", reverse("hall_list"), [V.hall]),
        ("office", reverse("hall_detail", args=[hall.pk]),
         [V.hall, V.address, V.department, V.window_label, V.window_name, V.staff]),
        ("office", reverse("hall_edit", args=[hall.pk]), [V.hall, V.address]),
        ("office", reverse("department_edit", args=[hall.pk, w["department"].pk]), [V.department]),
        ("office", reverse("window_edit", args=[hall.pk, w["window"].pk]), [V.window_label, V.window_name]),
        ("office", reverse("staff_edit", args=[hall.pk, w["staff"].pk]), [V.staff]),
        ("office", reverse("campaign_list"), [V.campaign, V.campaign_issuer]),
        ("office", reverse("campaign_edit", args=[w["campaign"].pk]),
         [V.campaign, V.campaign_issuer, V.campaign_notes]),
        ("office", reverse("visit_list"), [V.hall, V.team]),
        ("office", reverse("visit_detail", args=[w["undercover"].pk]),
         [V.hall, V.campaign, V.team, V.description, V.description_submitted]),
        ("office", reverse("finding_list"), [V.hall]),
        ("office", reverse("finding_detail", args=[named.pk]),
         [V.hall, V.department, V.window_label, V.staff, V.description, V.first_draft, V.inspector_name,
          V.office_name]),
        ("office", reverse("finding_detail", args=[w["described"].pk]), [V.staff_description, V.description_b]),
        ("office", reverse("finding_detail", args=[w["rejected"].pk]), [V.rejection]),
        ("office", reverse("finding_edit", args=[w["submitted"].pk]), [V.description_submitted, V.staff]),
        ("office", reverse("review_queue"), [V.description_submitted, V.inspector_name]),
        ("office", reverse("ledger"), [V.hall, V.department, V.person]),
        ("office", reverse("overdue"), [V.hall, V.person]),
        ("office", reverse("item_detail", args=[item.pk]),
         [V.hall, V.department, V.measures, V.standard, V.completion, V.leader, V.person, V.progress,
          V.manager_name, V.extension, V.decision_note, V.observation, V.accountability_body]),
        ("office", reverse("item_edit", args=[item.pk]), [V.measures, V.standard, V.completion, V.leader, V.person]),
        ("office", reverse("accountability_list"),
         [V.staff, V.accountability_person, V.accountability_title, V.hall, V.accountability_body,
          V.accountability_number]),
        ("office", reverse("accountability_create", args=[hall.pk]), [V.hall, V.staff, V.department]),
        ("office", reverse("staff_profile", args=[w["staff"].pk]),
         [V.staff, V.hall, V.department, V.accountability_body, V.accountability_number]),
        ("office", reverse("circular_list"), [V.circular_title, V.draft_title]),
        ("office", reverse("circular_detail", args=[w["circular"].pk]),
         [V.circular_title, V.circular_issuer, V.issuer_code, V.lead, V.section, V.entry, V.requirements, V.tally,
          V.staff, V.description]),
        ("office", reverse("circular_detail", args=[w["draft"].pk]), [V.draft_title, V.description_draft_circular]),
        ("office", reverse("circular_edit", args=[w["draft"].pk]),
         [V.draft_title, V.circular_issuer, V.issuer_code, V.lead, V.requirements]),
        ("office", reverse("circular_arrange", args=[w["draft"].pk]), [V.description_draft_circular]),
        ("office", reverse("notification_list"), [V.hall]),
        ("hall_manager", reverse("home"), [V.manager_name, V.hall]),
        ("hall_manager", reverse("hall_detail", args=[hall.pk]), [V.hall, V.address, V.department, V.staff]),
        ("hall_manager", reverse("finding_detail", args=[named.pk]), [V.hall, V.description, V.team]),
        ("hall_manager", reverse("ledger"), [V.hall, V.person]),
        ("hall_manager", reverse("item_detail", args=[item.pk]),
         [V.measures, V.progress, V.extension, V.decision_note, V.observation]),
        ("hall_manager", reverse("notification_list"), [V.hall]),
        ("hall_manager", reverse("circular_detail", args=[w["circular"].pk]), [V.circular_title, V.entry]),
        ("inspector", reverse("visit_list"), [V.hall, V.team]),
        ("inspector", reverse("visit_detail", args=[w["undercover"].pk]), [V.hall, V.team, V.description]),
        ("inspector", reverse("finding_detail", args=[named.pk]), [V.description, V.staff]),
        ("inspector", reverse("visit_create"), []),
        ("inspector", reverse("revisit_list"), []),
        ("auditor", reverse("finding_list"), [V.hall]),
        ("auditor", reverse("ledger"), [V.hall, V.person]),
        ("auditor", reverse("accountability_list"), [V.accountability_body]),
        ("auditor", reverse("circular_detail", args=[w["circular"].pk]), [V.circular_title, V.lead]),
        ("sysadmin", reverse("two_factor_accounts"), [V.office_name, V.manager_name]),
    ]


def test_pages_show_the_text_escaped_never_as_markup(client, world, request):
    for persona, url, values in _pages(world):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(url)
        assert response.status_code == 200, (persona, url, response.status_code)
        assert_inert(response.content.decode(), *values, where=f"{url} as {persona}")


@pytest.mark.parametrize("name, params", [
    ("finding_list", {"q": HOSTILE}),
    ("ledger", {"q": HOSTILE}),
    ("accountability_list", {"q": HOSTILE}),
    ("hall_list", {"q": HOSTILE}),
])
def test_what_is_typed_into_a_filter_comes_back_as_text(client, world, office, name, params):
    client.force_login(office)
    html = client.get(reverse(name), params).content.decode()
    for markup in RAW_MARKUP:
        assert markup not in html
    assert escape(HOSTILE) in html  # in the search box, as its value


def test_the_htmx_fragments_escape_too(client, world, inspector, office):
    client.force_login(inspector)
    fragment = client.get(reverse("hall_options"), {"q": "汤原县"}, HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "<html" not in fragment.content.decode()
    assert_inert(fragment.content.decode(), V.hall, V.region)
    client.force_login(office)
    facts = client.get(reverse("finding_facts"), {"hall": world["hall"].pk, "category": category("C02").pk},
                       HTTP_HX_REQUEST="true")
    assert facts.status_code == 200
    for markup in RAW_MARKUP:
        assert markup not in facts.content.decode()


def test_a_form_keeps_the_text_as_typed_and_shows_it_escaped(client, world, hall_manager):
    item = world["item"]
    client.force_login(hall_manager)
    typed = hostile("重新填写的措施", "=") + BREAKOUT
    response = client.post(reverse("item_edit", args=[item.pk]), {
        "version": item.version, "measures": typed, "standard": V.standard, "completion_note": V.completion,
        "responsible_leader": V.leader, "responsible_person": V.person,
    })
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.measures == typed  # stored as typed: neither escaped nor stripped on the way in
    assert_inert(client.get(reverse("item_detail", args=[item.pk])).content.decode(), typed, V.measures)


def test_the_only_json_the_app_serves_is_json_not_html(client, world, office):
    """The admin's autocomplete is the one JSON answer; names travel in it as data."""
    client.force_login(office)
    response = client.get("/admin/autocomplete/", {
        "term": "汤原县", "app_label": "inspections", "model_name": "campaign", "field_name": "regions"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["X-Content-Type-Options"] == "nosniff"
    texts = [row["text"] for row in json.loads(response.content)["results"]]
    assert any(V.region in text for text in texts)


# --- 2. The admin ------------------------------------------------------------------------------

def _admin_pages(w):
    hall, item = w["hall"], w["item"]
    return [
        ("office", "/admin/", [V.department]),
        ("office", "/admin/registry/servicehall/", [V.hall, V.address]),
        ("office", f"/admin/registry/servicehall/{hall.pk}/change/", [V.hall, V.address, V.department, V.staff]),
        ("office", f"/admin/registry/servicehall/{hall.pk}/history/", [V.hall]),
        ("office", f"/admin/registry/servicehall/{hall.pk}/history/{hall.history.latest().history_id}/",
         [V.hall, V.address]),
        ("office", "/admin/registry/department/", [V.department, V.hall]),
        ("office", f"/admin/registry/department/{w['department'].pk}/change/", [V.department]),
        ("office", f"/admin/registry/department/{w['department'].pk}/delete/", [V.department]),
        ("office", "/admin/registry/window/", [V.hall]),
        ("office", f"/admin/registry/window/{w['window'].pk}/change/", [V.window_label, V.window_name]),
        ("office", "/admin/registry/staff/", [V.staff]),
        ("office", f"/admin/registry/staff/{w['staff'].pk}/change/", [V.staff]),
        ("office", "/admin/inspections/campaign/", [V.campaign, V.campaign_issuer]),
        ("office", f"/admin/inspections/campaign/{w['campaign'].pk}/change/",
         [V.campaign, V.campaign_issuer, V.campaign_notes]),
        ("office", "/admin/inspections/visit/", [V.hall, V.team, V.campaign]),
        ("office", f"/admin/inspections/visit/{w['undercover'].pk}/change/", [V.team, V.visit_notes]),
        ("office", "/admin/inspections/finding/", [V.hall]),
        ("office", f"/admin/inspections/finding/{w['named'].pk}/change/", [V.description]),
        ("office", f"/admin/inspections/finding/{w['rejected'].pk}/change/", [V.rejection]),
        ("office", f"/admin/inspections/finding/{w['described'].pk}/change/", [V.staff_description]),
        ("office", "/admin/circulars/circular/", [V.circular_title]),
        ("office", f"/admin/circulars/circular/{w['circular'].pk}/change/",
         [V.circular_title, V.circular_issuer, V.lead, V.requirements, V.tally]),
        ("office", "/admin/rectification/rectificationitem/", [V.hall, V.person]),
        ("office", f"/admin/rectification/rectificationitem/{item.pk}/change/",
         [V.measures, V.standard, V.completion, V.proof_notes, V.leader, V.person]),
        ("office", "/admin/rectification/progressentry/", [V.manager_name]),
        ("office", f"/admin/rectification/progressentry/{item.progress.get().pk}/change/", [V.progress]),
        ("office", f"/admin/rectification/extensionrequest/{item.extensions.get().pk}/change/",
         [V.extension, V.decision_note]),
        ("office", "/admin/rectification/revisit/", [V.inspector_name]),
        ("office", f"/admin/rectification/revisit/{item.revisits.get().pk}/change/", [V.observation]),
        ("office", "/admin/rectification/accountability/", [V.hall, V.accountability_body]),
        ("office", f"/admin/rectification/accountability/{w['accountability'].pk}/change/",
         [V.accountability_title, V.accountability_body, V.accountability_number, V.accountability_notes]),
        ("office", "/admin/rectification/notification/", [V.hall]),
        ("auditor", "/admin/inspections/finding/", [V.hall]),
        ("hall_manager", "/admin/rectification/notification/", [V.hall]),
        ("sysadmin", "/admin/registry/user/", [V.office_name, V.manager_name, V.organisation]),
        ("sysadmin", f"/admin/registry/user/{item.progress.get().author_id}/change/", [V.manager_name]),
        ("sysadmin", f"/admin/registry/user/{item.progress.get().author_id}/history/", [V.manager_name]),
    ]


def test_admin_lists_and_records_show_the_text_escaped(client, world, office, sysadmin, request):
    # A change made in the admin: its name stands under "recent actions" on the admin's index.
    department = world["department"]
    LogEntry.objects.create(user=office, content_type=ContentType.objects.get_for_model(department),
                            object_id=str(department.pk), object_repr=str(department), action_flag=CHANGE)
    for persona, url, values in _admin_pages(world):
        client.force_login(request.getfixturevalue(persona))
        response = client.get(url)
        assert response.status_code == 200, (persona, url, response.status_code)
        assert_inert(response.content.decode(), *values, where=f"{url} as {persona}")


def test_an_admin_search_comes_back_as_text(client, world, office):
    client.force_login(office)
    html = client.get("/admin/inspections/finding/", {"q": HOSTILE}).content.decode()
    for markup in RAW_MARKUP:
        assert markup not in html
    assert escape(HOSTILE) in html


# --- Text from outside: a username tried at the login ------------------------------------------

@pytest.fixture
def tried(client, db):
    """Five failed sign-ins as a hostile "username": in the lockouts and the security log."""
    for _ in range(5):
        client.post(reverse("login"), {"username": HOSTILE, "password": "wrong"}, REMOTE_ADDR="10.9.8.7")
    return HOSTILE


def test_a_username_tried_at_the_login_is_text_in_the_lockouts_and_the_security_log(client, tried, sysadmin):
    client.force_login(sysadmin)
    assert_inert(client.get(reverse("lockout_list")).content.decode(), tried)
    auditor = UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN, is_staff=False)
    client.force_login(auditor)
    assert_inert(client.get(reverse("audit_log")).content.decode(), tried)
    book = _workbook(client.get(reverse("audit_export")))
    assert tried in _cells(book)


# --- 3. Workbooks -----------------------------------------------------------------------------

def _workbook(response):
    assert response.status_code == 200
    data = _content(response)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                xml = archive.read(name)
                assert b"<f>" not in xml and b"<f " not in xml, f"a formula in {name}"  # every cell a value
    return load_workbook(io.BytesIO(data))


def _cells(book) -> dict:
    """Every non-empty cell's value → the cell (the last of equal ones)."""
    found = {}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                    found[cell.value] = cell
    return found


def assert_text_cells(book, exact=(), within=()):
    """``exact`` are whole cells, stored as strings (a formula-like one with the quote prefix);
    ``within`` are parts of a cell (joined or composed texts)."""
    cells = _cells(book)
    for value in exact:
        assert value in cells, f"{value!r} is not a cell of the workbook"
        cell = cells[value]
        assert cell.data_type == "s", (value, cell.data_type)
        if value.startswith(("=", "+", "-", "@")):
            assert cell.quotePrefix, value
    texts = [v for v in cells if isinstance(v, str)]
    for value in within:
        assert any(value in text for text in texts), f"{value!r} is in no cell of the workbook"


def test_the_circular_workbook(client, world, office):
    client.force_login(office)
    book = _workbook(client.get(reverse("circular_export", args=[world["circular"].pk])))
    assert_text_cells(book, exact=[V.circular_title, V.circular_issuer, V.lead, V.tally, V.requirements, V.entry,
                                   V.staff],
                      within=[V.section, V.hall, V.department, V.description, V.issuer_code])


def test_the_draft_circular_workbook(client, world, office):
    client.force_login(office)
    book = _workbook(client.get(reverse("circular_export", args=[world["draft"].pk])))
    assert_text_cells(book, exact=[V.draft_title, V.lead], within=[V.description_draft_circular])


def test_the_ledger_export(client, world, office, hall_manager):
    for user in (office, hall_manager):
        client.force_login(user)
        book = _workbook(client.get(reverse("ledger_export")))
        assert_text_cells(book, exact=[V.measures, V.leader, V.person, V.progress, V.completion, V.description,
                                       V.department],
                          within=[V.hall, V.window_label, V.proof_notes])


def test_the_findings_export(client, world, office):
    client.force_login(office)
    book = _workbook(client.get(reverse("findings_export")))
    assert_text_cells(book, exact=[V.description, V.description_b, V.hall, V.department, V.window_label, V.staff,
                                   V.staff_description, V.description_submitted],
                      within=[V.region])


def test_the_accountability_and_statistics_exports(client, world, office):
    client.force_login(office)
    book = _workbook(client.get(reverse("accountability_export")))
    assert_text_cells(book, exact=[V.staff, V.accountability_person, V.accountability_title, V.hall, V.department,
                                   V.accountability_body, V.accountability_number, V.accountability_notes])
    book = _workbook(client.get(reverse("statistics_export")))
    assert_text_cells(book, exact=[V.hall, V.department], within=[V.region])


def test_the_security_log_export(client, world, tried):
    auditor = UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN, is_staff=False)
    client.force_login(auditor)
    book = _workbook(client.get(reverse("audit_export")))
    assert_text_cells(book, exact=[tried], within=[V.circular_title])  # the circular was published: logged


# --- 4. The digest mail ------------------------------------------------------------------------

def test_the_digest_mail_is_plain_text_and_its_subject_one_line(world, office, hall_manager):
    office.email, hall_manager.email = "office@example.gov.cn", "manager@example.gov.cn"
    office.save()
    hall_manager.save()
    mail.outbox.clear()
    reminders.run(timezone.localdate())
    assert len(mail.outbox) == 2
    ours = [V.hall, V.office_name, V.manager_name]
    for message in mail.outbox:
        assert "\n" not in message.subject and "\r" not in message.subject
        assert message.content_subtype == "plain" and not getattr(message, "alternatives", [])
        assert V.hall in message.body  # the name as typed: plain text is not HTML, nothing to escape
        rest = message.body
        for value in ours:
            rest = rest.replace(value, "")
        assert "<" not in rest and "&" not in rest, "the mail's own text holds markup or entities"
        message.message()  # the headers are written (a line break in one would raise BadHeaderError)


# --- 5. The Word circular ----------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _docx(response) -> bytes:
    assert response.status_code == 200
    return _content(response)


def _texts_of(data: bytes) -> tuple[bytes, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml")
    root = ElementTree.fromstring(xml)  # well-formed, or this raises
    return xml, [node.text or "" for node in root.iter(f"{W}t")]


@pytest.mark.parametrize("which", ["circular", "draft"])
def test_the_word_circular_holds_the_text_as_text(client, world, office, which):
    client.force_login(office)
    data = _docx(client.get(reverse("circular_document", args=[world[which].pk])))
    xml, runs = _texts_of(data)
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in xml
    assert b"&lt;/w:t&gt;&lt;/w:r&gt;&lt;w:r&gt;&lt;w:t&gt;INJECTED" in xml
    # INJECTED stands only inside the text it came with: no run of its own was made.
    assert all(BREAKOUT in text for text in runs if "INJECTED" in text)
    assert not any(text == "INJECTED" for text in runs)
    doc = Document(io.BytesIO(data))  # and Word's reader opens it
    text = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    expected = ([V.circular_title, V.lead, V.requirements, V.section, V.entry, V.description, V.tally]
                if which == "circular" else [V.draft_title, V.lead, V.description_draft_circular])
    for value in [V.circular_issuer, *expected]:
        assert value in text, value


# --- Characters XML cannot hold ----------------------------------------------------------------
# A vertical tab is how Word copies a manual line break, and an escape character comes with text
# copied from a terminal; the forms take both (only NUL is refused). XML 1.0 has no way to write
# them, so a workbook or a Word document holding one cannot be written at all: the writers leave
# them out (a vertical tab or form feed becomes the line break it stood for).

PASTED = "离岗\x0b第二行\x1b[0m<script>alert(1)</script>"
PASTED_AS_WRITTEN = "离岗\n第二行[0m<script>alert(1)</script>"


@pytest.fixture
def pasted(world):
    named, item = world["named"], world["item"]
    named.description = PASTED
    named.save()
    item.measures = "\x01=1+2"  # a formula behind a control character is still a formula once it is gone
    item.save()
    return world


def test_text_with_control_characters_still_exports_as_text(client, pasted, office):
    client.force_login(office)
    cells = _cells(_workbook(client.get(reverse("findings_export"))))
    assert cells[PASTED_AS_WRITTEN].data_type == "s"
    cells = _cells(_workbook(client.get(reverse("ledger_export"))))
    assert cells["=1+2"].data_type == "s" and cells["=1+2"].quotePrefix
    assert PASTED_AS_WRITTEN in cells
    draft = pasted["draft"]
    draft.lead = PASTED
    draft.title = "关于\x0b通报\x1b"
    draft.save()
    book = _workbook(client.get(reverse("circular_export", args=[draft.pk])))
    assert "关于\n通报" in _cells(book)
    data = _docx(client.get(reverse("circular_document", args=[draft.pk])))
    _xml, runs = _texts_of(data)
    assert "关于" in "".join(runs) and "\x1b" not in "".join(runs)
    Document(io.BytesIO(data))


def test_a_ledger_with_control_characters_comes_back_unchanged(client, pasted, hall_manager):
    from rectification import imports

    client.force_login(hall_manager)
    data = _content(client.get(reverse("ledger_export")))
    preview = imports.parse_ledger(user=hall_manager, upload=SimpleUploadedFile(
        "台账.xlsx", data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    assert not preview.errors and not preview.changes  # a cell left as exported means no change


def test_a_username_with_control_characters_does_not_break_the_security_log_export(client, db):
    client.post(reverse("login"), {"username": "x\x0by\x1b<script>", "password": "wrong"}, REMOTE_ADDR="10.9.8.7")
    auditor = UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN, is_staff=False)
    client.force_login(auditor)
    assert "x\ny<script>" in _cells(_workbook(client.get(reverse("audit_export"))))


@pytest.mark.parametrize("text", ["#N/A", "#REF!", "#DIV/0!", "#NAME?", "#VALUE!"])
def test_text_that_reads_like_an_excel_error_stays_text(client, world, office, text):
    world["described"].description = text
    world["described"].save()
    client.force_login(office)
    cells = _cells(_workbook(client.get(reverse("findings_export"))))
    assert cells[text].data_type == "s"


# --- Text from outside: a filled-in workbook ---------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _upload(book, name="台账.xlsx"):
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def test_a_filled_in_ledger_shows_its_cells_as_text_in_the_preview(client, world, hall_manager):
    client.force_login(hall_manager)
    book = load_workbook(io.BytesIO(_content(client.get(reverse("ledger_export")))))
    ws = book.active
    titles = [c.value for c in ws[3]]
    row = next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == world["item"].pk)
    typed = hostile("表格里填写的措施", "=") + BREAKOUT
    cell = ws.cell(row=row, column=titles.index("整改措施") + 1)
    cell.value, cell.data_type = typed, "s"  # typed as text ('=…): a formula would be refused
    ws.cell(row=row, column=titles.index("问题描述") + 1).value = hostile("改了不导入的列")
    response = client.post(reverse("ledger_import"), {"file": _upload(book)}, follow=True)
    assert response.status_code == 200
    assert_inert(response.content.decode(), typed, V.measures)
    # A refused file names its bad cells: as text too.
    ws.cell(row=row, column=titles.index("进展日期") + 1).value = hostile("不是日期")
    response = client.post(reverse("ledger_import"), {"file": _upload(book)})
    assert response.status_code == 200 and "文件未导入" in response.content.decode()
    for markup in RAW_MARKUP:
        assert markup not in response.content.decode()


def test_a_roster_shows_its_names_as_text_in_the_preview(client, world, hall_manager):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["工号", "姓名", "部门", "窗口号", "岗位", "党员", "联系电话", "在岗"])
    new_name = hostile("新同事", short=True)
    book.active.append(["N-001", new_name, V.department, "10", "窗口工作人员", "否", "", "是"])
    client.force_login(hall_manager)
    hall = world["hall"]
    response = client.post(reverse("roster_import", args=[hall.pk]), {"file": _upload(book, "名册.xlsx")},
                           follow=True)
    assert response.status_code == 200
    assert_inert(response.content.decode(), new_name)
    book.active.append(["N-002", hostile("错部门", short=True), hostile("没有这个部门"), "", "", "", "", ""])
    response = client.post(reverse("roster_import", args=[hall.pk]), {"file": _upload(book, "名册.xlsx")})
    assert response.status_code == 200
    for markup in RAW_MARKUP:
        assert markup not in response.content.decode()
