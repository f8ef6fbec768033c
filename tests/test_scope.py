"""Who sees which halls: pages, admin and the scope module agree."""

import pytest
from django.urls import reverse

from registry import scope
from registry.models import ServiceHall, Staff, Window
from tests.factories import HallFactory


def _names(response):
    return {hall.name for hall in response.context["page"]}


@pytest.mark.django_db
class TestHallManager:
    def test_sees_their_hall_and_not_another_in_the_list(self, client, hall_manager, own_hall, other_hall):
        client.force_login(hall_manager)
        assert _names(client.get(reverse("hall_list"))) == {own_hall.name}

    def test_other_hall_detail_is_not_found(self, client, hall_manager, own_hall, other_hall):
        client.force_login(hall_manager)
        assert client.get(own_hall.get_absolute_url()).status_code == 200
        assert client.get(other_hall.get_absolute_url()).status_code == 404

    def test_admin_lists_only_their_hall_and_its_rows(self, client, hall_manager, own_hall, other_hall):
        client.force_login(hall_manager)
        for model, url in (
            (ServiceHall, "admin:registry_servicehall_changelist"),
            (Window, "admin:registry_window_changelist"),
            (Staff, "admin:registry_staff_changelist"),
        ):
            response = client.get(reverse(url))
            listed = set(response.context["cl"].queryset.values_list("pk", flat=True))
            hall_of = (lambda o: o) if model is ServiceHall else (lambda o: o.hall)
            assert listed and all(hall_of(o) == own_hall for o in model.objects.filter(pk__in=listed))

    def test_admin_change_page_of_another_hall_does_not_show_it(self, client, hall_manager, other_hall):
        client.force_login(hall_manager)
        response = client.get(reverse("admin:registry_servicehall_change", args=[other_hall.pk]))
        # Django's admin answers "does not exist" with a redirect to its index.
        assert response.status_code == 302
        assert other_hall.name not in client.get(response["Location"]).content.decode()

    def test_can_manage_more_than_one_hall(self, client, hall_manager, own_hall, regions):
        second = HallFactory(region=regions["county_a"], name="汤原镇便民服务中心")
        hall_manager.halls.add(second)
        client.force_login(hall_manager)
        assert _names(client.get(reverse("hall_list"))) == {own_hall.name, second.name}


@pytest.mark.django_db
class TestRegionOffices:
    def test_city_office_sees_halls_of_its_counties_and_not_another_city(
        self, client, office, own_hall, other_hall, regions
    ):
        city_hall = HallFactory(region=regions["city_a"], name="佳木斯市政务服务中心")
        client.force_login(office)
        assert _names(client.get(reverse("hall_list"))) == {own_hall.name, city_hall.name}
        assert client.get(other_hall.get_absolute_url()).status_code == 404

    def test_province_office_sees_every_city(self, client, office, own_hall, other_hall, regions):
        office.region = regions["province"]
        office.save()
        client.force_login(office)
        assert _names(client.get(reverse("hall_list"))) == {own_hall.name, other_hall.name}

    def test_region_prefix_does_not_leak_into_a_sibling_with_a_longer_code(self, office, regions):
        # 230828/ must not match a sibling whose code merely starts with the same digits.
        from tests.factories import RegionFactory

        sibling = RegionFactory(code="230829", name="邻县", level="county", parent=regions["city_a"])
        hall = HallFactory(region=sibling)
        office.region = regions["county_a"]
        office.save()
        assert hall not in scope.halls_visible_to(office)


@pytest.mark.django_db
class TestAuditor:
    def test_sees_region_but_cannot_change_anything(self, client, auditor, own_hall):
        client.force_login(auditor)
        assert client.get(own_hall.get_absolute_url()).status_code == 200
        window = own_hall.windows.first()
        response = client.post(
            reverse("window_edit", args=[own_hall.pk, window.pk]), {"number": 99, "kind": "general"}
        )
        assert response.status_code == 403
        window.refresh_from_db()
        assert window.number == 10

    def test_admin_is_read_only(self, client, auditor, own_hall):
        client.force_login(auditor)
        url = reverse("admin:registry_servicehall_change", args=[own_hall.pk])
        response = client.get(url)
        assert response.status_code == 200
        assert response.context["has_change_permission"] is False
        response = client.post(url, {"name": "改名", "region": own_hall.region_id, "kind": "tax"})
        assert response.status_code == 403
        own_hall.refresh_from_db()
        assert own_hall.name == "汤原县政务服务中心"

    def test_has_no_change_permission_for_any_registry_model(self, auditor):
        for model in ("region", "servicehall", "department", "window", "staff", "user"):
            for action in ("add", "change", "delete"):
                assert not auditor.has_perm(f"inspections.{action}_{model}")


@pytest.mark.django_db
class TestSystemAdministrator:
    def test_keeps_the_registry_of_every_region(self, sysadmin, own_hall, other_hall):
        assert set(scope.halls_visible_to(sysadmin)) == {own_hall, other_hall}

    def test_sees_no_business_records(self, sysadmin, office, hall_manager, auditor, inspector):
        assert scope.sees_business_records(sysadmin) is False
        assert all(scope.sees_business_records(u) for u in (office, hall_manager, auditor, inspector))

    def test_has_no_permission_on_business_apps(self, sysadmin):
        assert not any(p.startswith("rectification.") for p in sysadmin.get_all_permissions())

    def test_there_is_no_superuser_and_administrators_come_from_the_command_line(self, db):
        from django.core.management import call_command

        from registry.models import Role, User

        with pytest.raises(TypeError, match="create_admin"):
            User.objects.create_superuser("root", "root@example.com", "Xx12345678!")
        call_command("create_admin", "root", "--role", "sysadmin", "--password", "Xx12345678!Ab")
        user = User.objects.get(username="root")
        assert user.role == Role.SYSADMIN and not user.is_superuser and user.is_staff
        assert user.check_password("Xx12345678!Ab")
        assert scope.sees_business_records(user) is False


@pytest.mark.django_db
def test_inactive_and_anonymous_users_see_nothing(own_hall, office):
    from django.contrib.auth.models import AnonymousUser

    office.is_active = False
    assert not scope.halls_visible_to(office).exists()
    assert not scope.halls_visible_to(AnonymousUser()).exists()


@pytest.mark.django_db
def test_staff_phone_is_masked_for_inspectors_and_auditors(client, own_hall, inspector, office):
    client.force_login(inspector)
    page = client.get(own_hall.get_absolute_url()).content.decode()
    assert "13812345678" not in page and "138****5678" in page
    client.force_login(office)
    assert "13812345678" in client.get(own_hall.get_absolute_url()).content.decode()
