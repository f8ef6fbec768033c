"""Every record that matters keeps its history, with who changed it.

Circulars (drafting and publishing — circular.view_history shows it to the
office), registry rows, users' roles and scopes, the calendar, the deadline
rules and the taxonomy; and the national reference data is kept by whom the
policy says (a province office; the calendar also by the system administrator).
"""

import datetime

import pytest
from django.urls import reverse

from circulars import services as circular_services
from rectification.models import CalendarDay, CalendarYear, DeadlineRule
from registry.models import Role, User
from tests.factories import FindingFactory, UserFactory, category
from tests.walk.admin_cases import FormFields


@pytest.fixture
def province_office(regions):
    return UserFactory(username="office_p", role=Role.OFFICE, region=regions["province"])


@pytest.mark.django_db
class TestCirculars:
    def test_drafting_and_publishing_are_kept_with_the_user(self, office, regions, undercover_visit):
        finding = FindingFactory(visit=undercover_visit, status="confirmed")
        circular = circular_services.circular_save(actor=office, findings=[finding], values={
            "issuer": "市作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"], "title": "草稿",
            "date": datetime.date(2026, 11, 21), "naming": "surname",
        })
        circular_services.circular_save(actor=office, circular=circular, findings=[finding], values={"title": "定稿"})
        circular_services.circular_publish(actor=office, circular=circular)
        history = list(circular.history.order_by("history_id"))
        assert [h.title for h in history][-3:] == ["草稿", "定稿", "定稿"]
        assert history[-1].status == "published" and all(h.history_user == office for h in history)
        assert finding.history.latest("history_id").history_user == office  # the publishing, on the finding

    def test_the_office_reads_the_history_the_halls_do_not(self, client, office, hall_manager, regions, undercover_visit):
        finding = FindingFactory(visit=undercover_visit, status="confirmed")
        circular = circular_services.circular_save(actor=office, findings=[finding], values={
            "issuer": "市作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"], "title": "通报",
            "date": datetime.date(2026, 11, 21), "naming": "surname",
        })
        circular_services.circular_publish(actor=office, circular=circular)
        client.force_login(office)
        assert "起草与发布记录" in client.get(reverse("circular_detail", args=[circular.pk])).content.decode()
        client.force_login(hall_manager)
        assert "起草与发布记录" not in client.get(reverse("circular_detail", args=[circular.pk])).content.decode()
        assert office.has_perm("circular.view_history", circular)
        assert not hall_manager.has_perm("circular.view_history", circular)


@pytest.mark.django_db
class TestRegistryAndUsers:
    def test_a_window_edited_on_its_page_keeps_who_did_it(self, client, office, own_hall):
        window = own_hall.windows.first()
        client.force_login(office)
        client.post(reverse("window_edit", args=[own_hall.pk, window.pk]),
                    {"number": window.number, "label": "", "name": "改名", "department": "", "kind": "general",
                     "active": "on"})
        latest = window.history.latest("history_id")
        assert latest.name == "改名" and latest.history_user == office

    def test_a_hall_changed_in_the_admin_keeps_who_did_it(self, client, sysadmin, own_hall):
        client.force_login(sysadmin)
        url = reverse("admin:registry_servicehall_change", args=[own_hall.pk])
        form = FormFields("servicehall_form")
        form.feed(client.get(url).content.decode())
        assert client.post(url, {**form.data, "address": "新地址"}).status_code == 302
        latest = own_hall.history.latest("history_id")
        assert latest.address == "新地址" and latest.history_user == sysadmin

    def test_roles_and_scopes_keep_their_history_without_passwords(self, client, regions, own_hall):
        secadmin = UserFactory(username="secadmin", role=Role.SECADMIN)
        user = UserFactory(username="newcomer", role=Role.NONE)
        client.force_login(secadmin)
        url = reverse("admin:registry_user_change", args=[user.pk])
        response = client.post(url, {"role": Role.HALL_MANAGER, "halls": [own_hall.pk], "region": ""})
        assert response.status_code == 302, response.content.decode()[:2000]
        user.refresh_from_db()
        assert user.role == Role.HALL_MANAGER
        latest = user.history.latest("history_id")
        assert latest.role == Role.HALL_MANAGER and latest.history_user == secadmin
        assert [row.servicehall_id for row in latest.halls.all()] == [own_hall.pk]
        assert "password" not in {f.name for f in type(latest)._meta.fields}

    def test_a_staff_members_phone_is_not_kept_in_the_history(self, own_hall):
        person = own_hall.staff.first()
        assert "phone" not in {f.name for f in type(person.history.first())._meta.fields}


@pytest.mark.django_db
class TestReferenceData:
    def _post(self, client, user, url, data):
        client.force_login(user)
        return client.post(url, data)

    def test_the_calendar_is_kept_by_the_province_office_and_the_system_administrator(
        self, client, province_office, office, sysadmin
    ):
        add = reverse("admin:rectification_calendarday_add")
        assert self._post(client, office, add, {"date": "2031-05-01", "name": "劳动节"}).status_code == 403
        assert not CalendarDay.objects.filter(date="2031-05-01").exists()
        for user, day in ((province_office, "2031-05-02"), (sysadmin, "2031-05-03")):
            assert self._post(client, user, add, {"date": day, "name": "劳动节"}).status_code == 302
            entry = CalendarDay.objects.get(date=day).history.get()
            assert entry.history_user == user
        assert self._post(client, province_office, reverse("admin:rectification_calendaryear_add"),
                          {"year": 2031, "complete": "on", "source": "国办发明电"}).status_code == 302
        assert CalendarYear.objects.get(year=2031).history.get().history_user == province_office
        assert province_office.has_perm("calendar.edit") and sysadmin.has_perm("calendar.edit")
        assert not office.has_perm("calendar.edit")

    def test_deadline_rules_and_the_taxonomy_are_the_province_offices(self, client, province_office, office, sysadmin):
        rule = reverse("admin:rectification_deadlinerule_add")
        data = {"category": category("C02").pk, "severity": "severe", "kind": "deadline", "working_days": 5}
        for user in (office, sysadmin):
            assert self._post(client, user, rule, data).status_code == 403
        assert self._post(client, province_office, rule, data).status_code == 302
        assert DeadlineRule.objects.get(category=category("C02"), severity="severe").history.get().history_user \
            == province_office
        c02 = category("C02")
        change = reverse("admin:inspections_problemcategory_change", args=[c02.pk])
        body = {"code": "C02", "name": "擅自离岗", "parent": c02.parent_id, "description": "", "facts": ["minutes_off_post"],
                "required_facts": ["minutes_off_post"], "active": "on", "order": c02.order}
        assert self._post(client, office, change, body).status_code == 403
        assert self._post(client, province_office, change, body).status_code == 302
        c02.refresh_from_db()
        assert c02.name == "擅自离岗" and c02.history.latest("history_id").history_user == province_office
        assert province_office.has_perm("taxonomy.edit") and not office.has_perm("taxonomy.edit")
        assert province_office.has_perm("deadline_rule.edit") and not sysadmin.has_perm("deadline_rule.edit")

    def test_a_county_office_is_not_a_province_office(self, regions):
        county_office = UserFactory(role=Role.OFFICE, region=regions["county_a"])
        assert not county_office.has_perm("taxonomy.edit") and not county_office.has_perm("calendar.edit")
        assert User.objects.filter(pk=county_office.pk).exists()


@pytest.mark.django_db
def test_history_entries_read_in_words(office, inspector, ledger):
    """Yes/no as 是/否, a choice by its label, a date as 2026-11-20, a person or record by name; the
    records pointed at are read in one query per model however long the history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.history import history_entries, history_records
    from rectification import services

    today = timezone.localdate()
    item = ledger["closure"]
    services.closure_approve(actor=office, item=item)
    services.revisit_record(actor=inspector, items=[item], date=today, observation="未整改", verdict="fake")
    item.refresh_from_db()
    before = item.deadline
    services.item_update(actor=office, item=item, version=item.version,
                         values={"deadline": before + datetime.timedelta(days=5)})
    records = history_records(item)
    with CaptureQueriesContext(connection) as queries:
        entries = history_entries(item, excluded=["version"], records=records)
    assert len(queries) == 1  # the users named (核销人), at once
    said = [f"{c['field']}：{c['old']} → {c['new']}" for entry in entries for c in entry["changes"]]
    for line in ("需问责：否 → 是", "状态：申请销号 → 已销号", "状态：已销号 → 整改中", f"核销人：— → {office}",
                 f"核销人：{office} → —", f"销号日期：— → {today.isoformat()}", f"最近回访日期：— → {today.isoformat()}",
                 f"整改时限：{before.isoformat()} → {(before + datetime.timedelta(days=5)).isoformat()}"):
        assert line in said, (line, said)
