"""Hall list and detail: filters, pagination and a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry.models import Department, ServiceHall, Staff, Window
from tests.factories import HallFactory


def _bulk_halls(region, count, prefix="批量大厅"):
    halls = ServiceHall.objects.bulk_create(
        ServiceHall(name=f"{prefix}{i}", region=region, kind="government_centre") for i in range(count)
    )
    Department.objects.bulk_create(Department(hall=h, name="公安局") for h in halls)
    Window.objects.bulk_create(Window(hall=h, number=1) for h in halls)
    Staff.objects.bulk_create(Staff(hall=h, name="张三", badge_number="001") for h in halls)
    return halls


def _queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_hall_list_query_count_is_flat_from_10_to_1000_halls(client, office, regions):
    client.force_login(office)
    _bulk_halls(regions["county_a"], 10)
    small = _queries_for(client, reverse("hall_list"))
    _bulk_halls(regions["county_a"], 990, prefix="更多大厅")
    large = _queries_for(client, reverse("hall_list"))
    assert small == large
    assert large <= 10


@pytest.mark.django_db
def test_hall_list_query_count_is_flat_for_a_hall_manager(client, hall_manager, own_hall, regions):
    client.force_login(hall_manager)
    small = _queries_for(client, reverse("hall_list"))
    hall_manager.halls.add(*_bulk_halls(regions["county_a"], 200))
    assert _queries_for(client, reverse("hall_list")) == small


@pytest.mark.django_db
def test_hall_detail_query_count_does_not_grow_with_staff(client, office, own_hall):
    client.force_login(office)
    before = _queries_for(client, own_hall.get_absolute_url())
    department = own_hall.departments.first()
    windows = Window.objects.bulk_create(
        Window(hall=own_hall, number=100 + i, department=department) for i in range(50)
    )
    Staff.objects.bulk_create(
        Staff(hall=own_hall, name=f"员工{i}", badge_number=f"X{i}", department=department, window=windows[i])
        for i in range(50)
    )
    assert _queries_for(client, own_hall.get_absolute_url()) == before


@pytest.mark.django_db
class TestHallListFilters:
    def test_region_filter_keeps_the_whole_subtree(self, client, office, own_hall, regions):
        city_hall = HallFactory(region=regions["city_a"], name="市中心")
        client.force_login(office)
        response = client.get(reverse("hall_list"), {"region": regions["county_a"].pk})
        assert {h.name for h in response.context["page"]} == {own_hall.name}
        response = client.get(reverse("hall_list"), {"region": regions["city_a"].pk})
        assert {h.name for h in response.context["page"]} == {own_hall.name, city_hall.name}

    def test_region_choices_are_the_users_scope(self, client, office, regions):
        client.force_login(office)
        response = client.get(reverse("hall_list"))
        choices = set(response.context["filter"].form.fields["region"].queryset)
        assert regions["city_b"] not in choices and regions["county_a"] in choices

    def test_a_region_outside_the_scope_is_an_invalid_choice(self, client, office, own_hall, other_hall, regions):
        client.force_login(office)
        response = client.get(reverse("hall_list"), {"region": regions["county_b"].pk})
        assert other_hall.name not in response.content.decode()
        assert "选择一个有效的选项" in response.content.decode()

    def test_kind_and_name_filters(self, client, office, own_hall, regions):
        HallFactory(region=regions["county_a"], name="汤原县不动产登记中心", kind="real_estate")
        client.force_login(office)
        response = client.get(reverse("hall_list"), {"kind": "real_estate"})
        assert [h.name for h in response.context["page"]] == ["汤原县不动产登记中心"]
        response = client.get(reverse("hall_list"), {"name": "政务"})
        assert [h.name for h in response.context["page"]] == [own_hall.name]

    def test_counts_shown_per_hall(self, client, office, own_hall):
        client.force_login(office)
        hall = client.get(reverse("hall_list")).context["page"][0]
        assert (hall.department_count, hall.window_count, hall.staff_count) == (1, 1, 1)

    def test_list_is_paginated(self, client, office, regions, settings):
        settings.PAGE_SIZE = 5
        _bulk_halls(regions["county_a"], 12)
        client.force_login(office)
        page3 = client.get(reverse("hall_list"), {"page": 3}).context["page"]
        assert page3.number == 3 and len(page3) == 2


@pytest.mark.django_db
def test_hall_detail_lists_departments_windows_and_staff(client, hall_manager, own_hall):
    client.force_login(hall_manager)
    page = client.get(own_hall.get_absolute_url()).content.decode()
    assert "住建局" in page and "10号窗口" in page and own_hall.staff.first().name in page
    assert "添加窗口" in page  # the manager may change their hall


@pytest.mark.django_db
def test_read_only_roles_get_no_edit_buttons(client, auditor, own_hall):
    client.force_login(auditor)
    assert "添加窗口" not in client.get(own_hall.get_absolute_url()).content.decode()
