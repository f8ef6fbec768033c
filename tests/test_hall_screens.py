"""Halls (and other units) and their departments on the app's own screens.

Who: the office opens and changes halls within its region, the system administrator anywhere
(hall.add, hall.relocate); a hall's keepers — its managers too — keep its address and its
departments (hall.edit_registry), but its name, region, type and whether it is in use are the
office's (services.RELOCATING_FIELDS). A refusal saves nothing; bad input gets a Chinese message.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from registry import services
from registry.models import Department, ServiceHall
from tests.factories import HallFactory

HALL_TAKEN = "同一区划内已有同名的服务大厅。"
DEPARTMENT_TAKEN = "该大厅已有同名的进驻部门。"
OUTSIDE = "所选区划不在您的管辖范围内。"


def _new(region, name="海林市人力资源和社会保障局劳动监察大队", kind=ServiceHall.Kind.ENFORCEMENT_BRIGADE):
    return ServiceHall(name=name, region=region, kind=kind, address="林海路 102 号")


def _form(hall=None, **overrides):
    data = {"name": "汤原县邮政局派驻公安局户政办理窗口", "kind": "stationed_window", "address": "", "active": "on"}
    if hall is not None:
        data |= {"name": hall.name, "kind": hall.kind, "region": hall.region_id, "address": hall.address}
    return data | overrides


@pytest.mark.django_db
class TestHallService:
    def test_the_office_opens_a_unit_in_its_region_and_the_history_says_who(self, office, regions):
        hall = services.hall_save(actor=office, hall=_new(regions["county_a"]))
        assert hall.pk and hall.history.get().history_user == office

    def test_the_office_is_refused_a_region_outside_its_own(self, office, regions):
        with pytest.raises(ValidationError) as refused:
            services.hall_save(actor=office, hall=_new(regions["county_b"]))
        assert refused.value.message_dict == {"region": [OUTSIDE]}
        assert not ServiceHall.objects.exists()

    def test_the_system_administrator_opens_halls_anywhere(self, sysadmin, regions):
        assert services.hall_save(actor=sysadmin, hall=_new(regions["county_b"])).pk

    @pytest.mark.parametrize("persona", ["inspector", "hall_manager", "auditor"])
    def test_other_roles_may_not_open_a_hall(self, request, persona, regions):
        with pytest.raises(PermissionDenied):
            services.hall_save(actor=request.getfixturevalue(persona), hall=_new(regions["county_a"]))
        assert not ServiceHall.objects.filter(name="海林市人力资源和社会保障局劳动监察大队").exists()

    def test_a_name_is_taken_once_per_region(self, office, own_hall, regions):
        with pytest.raises(ValidationError, match=HALL_TAKEN):
            services.hall_save(actor=office, hall=_new(regions["county_a"], name=own_hall.name))
        assert services.hall_save(actor=office, hall=_new(regions["city_a"], name=own_hall.name)).pk

    def test_a_name_is_required(self, office, regions):
        with pytest.raises(ValidationError) as refused:
            services.hall_save(actor=office, hall=_new(regions["county_a"], name=""))
        assert "name" in refused.value.message_dict

    def test_the_office_moves_a_hall_within_its_region_but_not_out_of_it(self, office, own_hall, regions):
        own_hall.region = regions["city_a"]
        services.hall_save(actor=office, hall=own_hall)
        own_hall.region = regions["county_b"]
        with pytest.raises(ValidationError, match=OUTSIDE):
            services.hall_save(actor=office, hall=own_hall)
        own_hall.refresh_from_db()
        assert own_hall.region == regions["city_a"]

    def test_another_regions_office_may_not_change_the_hall(self, regions, own_hall):
        from tests.factories import UserFactory

        office_b = UserFactory(role="office", region=regions["city_b"])
        own_hall.address = "新地址"
        with pytest.raises(PermissionDenied):
            services.hall_save(actor=office_b, hall=own_hall)
        own_hall.refresh_from_db()
        assert own_hall.address == "测试路 1 号"

    def test_the_manager_keeps_the_address_but_not_what_or_where_the_hall_is(self, hall_manager, own_hall, regions):
        own_hall.address = "政府路 88 号"
        services.hall_save(actor=hall_manager, hall=own_hall)
        for field, value in (("name", "改名"), ("kind", "tax"), ("region", regions["city_a"]), ("active", False)):
            hall = ServiceHall.objects.get(pk=own_hall.pk)
            setattr(hall, field, value)
            with pytest.raises(PermissionDenied):
                services.hall_save(actor=hall_manager, hall=hall)
        own_hall.refresh_from_db()
        assert (own_hall.address, own_hall.name, own_hall.kind, own_hall.active) == (
            "政府路 88 号", "汤原县政务服务中心", "government_centre", True)


@pytest.mark.django_db
class TestDepartmentService:
    def test_a_keeper_adds_a_department_with_its_history(self, hall_manager, own_hall):
        department = services.registry_row_save(actor=hall_manager, row=Department(hall=own_hall, name="邮政局"))
        assert department.history.get().history_user == hall_manager

    def test_a_name_is_taken_once_per_hall(self, office, own_hall, other_hall):
        with pytest.raises(ValidationError, match=DEPARTMENT_TAKEN):
            services.registry_row_save(actor=office, row=Department(hall=own_hall, name="住建局"))
        assert own_hall.departments.count() == 1
        assert other_hall.departments.filter(name="住建局").exists()  # another hall's is another department

    @pytest.mark.parametrize("persona", ["inspector", "auditor", "other_manager"])
    def test_those_who_do_not_keep_the_hall_are_refused(self, request, persona, own_hall):
        with pytest.raises(PermissionDenied):
            services.registry_row_save(actor=request.getfixturevalue(persona), row=Department(hall=own_hall, name="邮政局"))
        assert not own_hall.departments.filter(name="邮政局").exists()


@pytest.mark.django_db
class TestHallPages:
    def test_the_office_opens_a_unit_on_its_page(self, client, office, regions):
        client.force_login(office)
        response = client.post(reverse("hall_create"), _form(region=regions["county_a"].pk))
        hall = ServiceHall.objects.get(name="汤原县邮政局派驻公安局户政办理窗口")
        assert response.status_code == 302 and response["Location"] == hall.get_absolute_url()
        assert hall.kind == "stationed_window" and hall.history.get().history_user == office
        assert "派驻窗口" in client.get(hall.get_absolute_url()).content.decode()

    def test_the_form_offers_the_users_regions_and_the_unit_types(self, client, office, regions):
        client.force_login(office)
        response = client.get(reverse("hall_create"))
        offered = set(response.context["form"].fields["region"].queryset)
        assert regions["county_a"] in offered and regions["county_b"] not in offered
        assert response.context["form"].initial["region"] == regions["city_a"].pk
        page = response.content.decode()
        assert '<optgroup label="其他窗口单位">' in page and "执法大队" in page

    def test_a_region_outside_the_office_is_a_chinese_error_and_nothing_is_saved(self, client, office, regions):
        client.force_login(office)
        response = client.post(reverse("hall_create"), _form(region=regions["county_b"].pk))
        assert response.status_code == 200 and OUTSIDE in response.content.decode()
        assert not ServiceHall.objects.exists()

    def test_a_taken_name_is_said_on_the_name_field(self, client, office, own_hall):
        client.force_login(office)
        response = client.post(reverse("hall_create"), _form(name=own_hall.name, region=own_hall.region_id))
        assert response.status_code == 200
        assert response.context["form"].errors == {"name": [HALL_TAKEN]}
        assert ServiceHall.objects.count() == 1

    def test_a_missing_name_and_region_are_both_said(self, client, office):
        client.force_login(office)
        response = client.post(reverse("hall_create"), _form(name=""))
        assert set(response.context["form"].errors) == {"name", "region"}
        assert not ServiceHall.objects.exists()

    def test_the_office_edits_a_hall_and_the_page_shows_it(self, client, office, own_hall):
        client.force_login(office)
        response = client.post(reverse("hall_edit", args=[own_hall.pk]), _form(own_hall, kind="tax", address="新址"))
        assert response.status_code == 302
        own_hall.refresh_from_db()
        assert (own_hall.kind, own_hall.address) == ("tax", "新址")
        assert own_hall.history.latest("history_id").history_user == office

    def test_the_managers_form_fixes_name_region_type_and_use(self, client, hall_manager, own_hall, regions):
        client.force_login(hall_manager)
        form = client.get(reverse("hall_edit", args=[own_hall.pk])).context["form"]
        assert {name for name, field in form.fields.items() if field.disabled} == {"name", "region", "kind", "active"}
        response = client.post(reverse("hall_edit", args=[own_hall.pk]),
                               _form(own_hall, name="改名", kind="tax", region=regions["city_a"].pk))
        assert response.status_code == 302
        own_hall.refresh_from_db()
        assert (own_hall.name, own_hall.kind, own_hall.region) == ("汤原县政务服务中心", "government_centre",
                                                                   regions["county_a"])
        assert own_hall.history.count() == 1  # nothing changed, no empty version
        response = client.post(reverse("hall_edit", args=[own_hall.pk]), _form(own_hall, address="政府路 88 号"))
        own_hall.refresh_from_db()
        assert own_hall.address == "政府路 88 号" and own_hall.name == "汤原县政务服务中心"

    def test_buttons_follow_the_policy(self, client, office, hall_manager, inspector, auditor, sysadmin, own_hall):
        for user, may_add, may_keep in ((office, True, True), (sysadmin, True, True), (hall_manager, False, True),
                                        (inspector, False, False), (auditor, False, False)):
            client.force_login(user)
            listing = client.get(reverse("hall_list")).content.decode()
            assert ("新增大厅或单位" in listing) is may_add, user.role
            page = client.get(own_hall.get_absolute_url()).content.decode()
            assert ("修改单位信息" in page) is may_keep and ("添加部门" in page) is may_keep, user.role


@pytest.mark.django_db
class TestDepartmentPages:
    def test_a_keeper_adds_and_renames_a_department(self, client, hall_manager, own_hall):
        client.force_login(hall_manager)
        response = client.post(reverse("department_create", args=[own_hall.pk]), {"name": "邮政局", "active": "on"})
        assert response.status_code == 302
        department = own_hall.departments.get(name="邮政局")
        client.post(reverse("department_edit", args=[own_hall.pk, department.pk]), {"name": "县邮政局"})
        department.refresh_from_db()
        assert department.name == "县邮政局" and not department.active
        assert department.history.latest("history_id").history_user == hall_manager

    def test_a_taken_name_is_a_chinese_error_on_the_field(self, client, office, own_hall):
        client.force_login(office)
        response = client.post(reverse("department_create", args=[own_hall.pk]), {"name": " 住建局 ", "active": "on"})
        assert response.status_code == 200
        assert response.context["form"].errors == {"name": [DEPARTMENT_TAKEN]}
        assert own_hall.departments.count() == 1

    def test_renaming_keeps_its_own_name_free(self, client, office, own_hall):
        client.force_login(office)
        department = own_hall.departments.get()
        response = client.post(reverse("department_edit", args=[own_hall.pk, department.pk]),
                               {"name": "住建局", "active": ""})
        assert response.status_code == 302
        department.refresh_from_db()
        assert not department.active

    def test_another_halls_department_is_not_found_through_this_hall(self, client, office, own_hall, regions):
        neighbour = HallFactory(region=regions["county_a"])
        foreign = Department.objects.create(hall=neighbour, name="税务局")
        client.force_login(office)
        response = client.post(reverse("department_edit", args=[own_hall.pk, foreign.pk]), {"name": "改名"})
        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.name == "税务局"


@pytest.mark.django_db
def test_in_the_admin_a_manager_cannot_take_their_hall_out_of_use(client, hall_manager, own_hall):
    from tests.walk.admin_cases import FormFields

    client.force_login(hall_manager)
    url = reverse("admin:registry_servicehall_change", args=[own_hall.pk])
    form = FormFields("servicehall_form")
    form.feed(client.get(url).content.decode())
    data = {key: value for key, value in form.data.items() if key != "active"}
    assert client.post(url, data | {"address": "新址"}).status_code == 302
    own_hall.refresh_from_db()
    assert own_hall.active and own_hall.address == "新址"
