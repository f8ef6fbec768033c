"""Duplicate window numbers and badge numbers: refused by the form, the admin and the database."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from registry.models import Staff, Window
from tests.factories import DepartmentFactory, StaffFactory, WindowFactory

WINDOW_MESSAGE = "该大厅已有相同编号的窗口，窗口编号在同一大厅内不能重复。"
BADGE_MESSAGE = "该大厅已有相同工号的工作人员，工号在同一大厅内不能重复。"


def _window_data(**overrides):
    return {"number": 10, "label": "", "name": "", "department": "", "kind": "general", "active": "on"} | overrides


def _staff_data(badge, **overrides):
    return {"name": "李四", "badge_number": badge, "post": "window_staff", "active": "on"} | overrides


@pytest.mark.django_db
class TestDatabaseRefuses:
    def test_duplicate_window_number_in_one_hall(self, own_hall):
        with pytest.raises(IntegrityError), transaction.atomic():
            Window.objects.create(hall=own_hall, number=10)

    def test_same_window_number_in_another_hall_is_fine(self, own_hall, other_hall):
        assert other_hall.windows.filter(number=10).exists()

    def test_duplicate_badge_number_in_one_hall(self, own_hall):
        badge = own_hall.staff.first().badge_number
        with pytest.raises(IntegrityError), transaction.atomic():
            Staff.objects.create(hall=own_hall, name="王五", badge_number=badge)

    def test_staff_cannot_be_their_own_backup(self, own_hall):
        person = own_hall.staff.first()
        with pytest.raises(IntegrityError), transaction.atomic():
            Staff.objects.filter(pk=person.pk).update(backup=person)


@pytest.mark.django_db
class TestPageForms:
    def test_duplicate_window_number_is_a_chinese_form_error(self, client, hall_manager, own_hall):
        client.force_login(hall_manager)
        response = client.post(reverse("window_create", args=[own_hall.pk]), _window_data())
        assert response.status_code == 200
        assert WINDOW_MESSAGE in response.content.decode()
        assert own_hall.windows.count() == 1

    def test_duplicate_badge_number_is_a_chinese_form_error(self, client, hall_manager, own_hall):
        client.force_login(hall_manager)
        badge = own_hall.staff.first().badge_number
        response = client.post(reverse("staff_create", args=[own_hall.pk]), _staff_data(badge))
        assert response.status_code == 200
        assert BADGE_MESSAGE in response.content.decode()
        assert own_hall.staff.count() == 1

    def test_a_new_window_is_saved(self, client, hall_manager, own_hall):
        client.force_login(hall_manager)
        response = client.post(reverse("window_create", args=[own_hall.pk]), _window_data(number=11))
        assert response.status_code == 302
        assert own_hall.windows.filter(number=11).exists()

    def test_department_of_another_hall_is_refused(self, client, hall_manager, own_hall, other_hall):
        client.force_login(hall_manager)
        foreign = other_hall.departments.first()
        response = client.post(
            reverse("window_create", args=[own_hall.pk]), _window_data(number=12, department=foreign.pk)
        )
        assert response.status_code == 200
        assert "选择一个有效的选项" in response.content.decode()
        assert not own_hall.windows.filter(number=12).exists()

    def test_backup_from_another_hall_is_refused(self, client, office, own_hall, other_hall):
        client.force_login(office)
        foreign = other_hall.staff.first()
        response = client.post(
            reverse("staff_create", args=[own_hall.pk]), _staff_data("NEW1", backup=foreign.pk)
        )
        assert response.status_code == 200
        assert not own_hall.staff.filter(badge_number="NEW1").exists()

    def test_editing_a_window_keeps_its_own_number(self, client, hall_manager, own_hall):
        client.force_login(hall_manager)
        window = own_hall.windows.first()
        response = client.post(
            reverse("window_edit", args=[own_hall.pk, window.pk]), _window_data(name="不动产")
        )
        assert response.status_code == 302
        window.refresh_from_db()
        assert window.name == "不动产"


def _hall_admin_post(hall, windows=(), staff=()):
    """The admin's hall change form with its three inlines."""
    data = {
        "name": hall.name, "region": hall.region_id, "kind": hall.kind, "address": hall.address,
        "active": "on",
    }
    for prefix, rows, existing in (
        ("departments", [], list(hall.departments.all())),
        ("windows", windows, list(hall.windows.all())),
        ("staff", staff, list(hall.staff.all())),
    ):
        data[f"{prefix}-TOTAL_FORMS"] = len(existing) + len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = len(existing)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for i, obj in enumerate(existing):
            data[f"{prefix}-{i}-id"] = obj.pk
            data[f"{prefix}-{i}-hall"] = hall.pk
            for field in ("name", "active", "number", "label", "kind", "badge_number", "post"):
                value = getattr(obj, field, None)
                if value not in (None, False):
                    data[f"{prefix}-{i}-{field}"] = "on" if value is True else value
        for j, row in enumerate(rows, start=len(existing)):
            data[f"{prefix}-{j}-hall"] = hall.pk
            for key, value in row.items():
                data[f"{prefix}-{j}-{key}"] = value
    return data


@pytest.mark.django_db
class TestAdmin:
    def test_duplicate_window_number_in_the_hall_inline(self, client, office, own_hall):
        client.force_login(office)
        url = reverse("admin:registry_servicehall_change", args=[own_hall.pk])
        data = _hall_admin_post(own_hall, windows=[{"number": 10, "kind": "general", "active": "on"}])
        response = client.post(url, data)
        assert response.status_code == 200
        assert WINDOW_MESSAGE in response.content.decode()
        assert own_hall.windows.count() == 1

    def test_duplicate_badge_in_the_hall_inline(self, client, office, own_hall):
        client.force_login(office)
        url = reverse("admin:registry_servicehall_change", args=[own_hall.pk])
        badge = own_hall.staff.first().badge_number
        data = _hall_admin_post(
            own_hall, staff=[{"name": "王五", "badge_number": badge, "post": "other", "active": "on"}]
        )
        response = client.post(url, data)
        assert response.status_code == 200
        assert BADGE_MESSAGE in response.content.decode()
        assert own_hall.staff.count() == 1

    def test_duplicate_window_number_in_the_window_admin(self, client, office, own_hall):
        client.force_login(office)
        response = client.post(
            reverse("admin:registry_window_add"),
            {"hall": own_hall.pk, "number": 10, "kind": "general", "active": "on"},
        )
        assert response.status_code == 200
        assert WINDOW_MESSAGE in response.content.decode()

    def test_duplicate_badge_in_the_staff_admin(self, client, office, own_hall):
        client.force_login(office)
        badge = own_hall.staff.first().badge_number
        response = client.post(
            reverse("admin:registry_staff_add"),
            {"hall": own_hall.pk, "name": "王五", "badge_number": badge, "post": "other", "active": "on"},
        )
        assert response.status_code == 200
        assert BADGE_MESSAGE in response.content.decode()

    def test_window_department_must_be_in_the_same_hall(self, client, office, own_hall, regions):
        client.force_login(office)
        from tests.factories import HallFactory

        neighbour = HallFactory(region=regions["county_a"])
        foreign = DepartmentFactory(hall=neighbour)
        response = client.post(
            reverse("admin:registry_window_add"),
            {"hall": own_hall.pk, "number": 30, "kind": "general", "department": foreign.pk, "active": "on"},
        )
        assert response.status_code == 200
        assert "所选项目不属于本大厅。" in response.content.decode()
        assert not own_hall.windows.filter(number=30).exists()

    def test_hall_manager_cannot_add_a_window_to_another_hall_in_the_admin(
        self, client, hall_manager, other_hall
    ):
        client.force_login(hall_manager)
        response = client.post(
            reverse("admin:registry_window_add"),
            {"hall": other_hall.pk, "number": 31, "kind": "general", "active": "on"},
        )
        assert response.status_code == 200  # the form shows an invalid choice
        assert not other_hall.windows.filter(number=31).exists()


@pytest.mark.django_db
def test_factories_make_consistent_rows(own_hall):
    window = WindowFactory(hall=own_hall)
    person = StaffFactory(hall=own_hall, window=window)
    person.full_clean()


@pytest.mark.django_db
def test_where_a_hall_is_belongs_to_those_who_may_move_it(client, hall_manager, office, own_hall, regions):
    """hall.relocate: a hall's manager keeps its address; the office may rename or move it within its region."""
    url = reverse("admin:registry_servicehall_change", args=[own_hall.pk])
    client.force_login(hall_manager)
    response = client.post(url, _hall_admin_post(own_hall) | {"name": "改名", "region": regions["city_b"].pk,
                                                              "address": "新址"})
    own_hall.refresh_from_db()
    assert own_hall.name != "改名" and own_hall.region == regions["county_a"] and own_hall.address == "新址"
    assert response.status_code == 302
    assert not hall_manager.has_perm("hall.relocate", own_hall) and office.has_perm("hall.relocate", own_hall)
    client.force_login(office)
    # Out of the office's region: not among the choices, and the policy would refuse it too.
    response = client.post(url, _hall_admin_post(own_hall) | {"region": regions["city_b"].pk})
    own_hall.refresh_from_db()
    assert response.status_code == 200 and own_hall.region == regions["county_a"]
    own_hall.region = regions["city_b"]
    assert not office.has_perm("hall.relocate", own_hall)
