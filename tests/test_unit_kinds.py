"""Units that are not halls (a 股, a brigade, a stationed window, a company's desk) have a type of
their own, shown wherever a hall's type is: the hall list and its filter, the hall page, the
inspectors' hall picker, the admin and the change history."""

import pytest
from django.urls import reverse

from core.history import history_entries
from registry.models import ServiceHall
from tests.factories import HallFactory
from workbench.demo import HALLS

Kind = ServiceHall.Kind

# Units seed 000 names, and the type each one is.
SEED_UNITS = {
    "省公路局办公室": Kind.AGENCY_OFFICE,
    "宁安市市场监督管理局特种设备安全监察股": Kind.AGENCY_OFFICE,
    "海林市人力资源和社会保障局劳动监察大队": Kind.ENFORCEMENT_BRIGADE,
    "海林市市场监督管理局特种设备检验所": Kind.SERVICE_INSTITUTION,
    "汤原县邮政局派驻公安局户政办理窗口": Kind.STATIONED_WINDOW,
    "省粮食交易市场股份有限公司服务台": Kind.ENTERPRISE_DESK,
}


def test_every_type_is_offered_once_halls_first_then_the_units_that_are_not_halls():
    groups = ServiceHall.KIND_CHOICES
    assert [str(label) for label, _choices in groups] == ["服务大厅", "其他窗口单位"]
    offered = [value for _label, choices in groups for value, _text in choices]
    assert sorted(offered) == sorted(Kind.values) and len(offered) == len(set(offered))
    assert [value for value, _text in groups[1][1]] == [k.value for k in ServiceHall.UNIT_KINDS]
    assert Kind.OTHER in [value for value, _text in groups[0][1]]  # 其他专业大厅 is still a hall


def test_a_unit_is_not_a_hall_nor_a_specialised_one():
    assert not ServiceHall(kind=Kind.AGENCY_OFFICE).is_hall
    assert not ServiceHall(kind=Kind.ENFORCEMENT_BRIGADE).is_specialised
    assert ServiceHall(kind=Kind.REAL_ESTATE).is_hall and ServiceHall(kind=Kind.REAL_ESTATE).is_specialised
    assert ServiceHall(kind=Kind.GOVERNMENT_CENTRE).is_hall
    assert not ServiceHall(kind=Kind.GOVERNMENT_CENTRE).is_specialised


def test_the_demo_has_units_that_are_not_halls():
    kinds = {kind for _code, _name, kind, _address, _departments in HALLS}
    assert {Kind.STATIONED_WINDOW, Kind.AGENCY_OFFICE, Kind.ENFORCEMENT_BRIGADE} <= kinds


@pytest.mark.django_db
class TestShownWhereverTheTypeIs:
    @pytest.fixture
    def units(self, regions):
        return {name: HallFactory(name=name, kind=kind, region=regions["county_a"]) for name, kind in SEED_UNITS.items()}

    def test_each_seed_unit_keeps_its_type(self, units):
        for name, kind in SEED_UNITS.items():
            assert ServiceHall.objects.get(name=name).kind == kind

    def test_the_list_shows_the_type_and_filters_by_it(self, client, office, own_hall, units):
        client.force_login(office)
        page = client.get(reverse("hall_list")).content.decode()
        assert "执法大队" in page and "机关科室（股室）" in page and "政务服务中心" in page
        assert '<optgroup label="其他窗口单位">' in page
        response = client.get(reverse("hall_list"), {"kind": Kind.AGENCY_OFFICE})
        assert {hall.name for hall in response.context["page"]} == {
            "省公路局办公室", "宁安市市场监督管理局特种设备安全监察股"}

    def test_the_hall_page_shows_the_type(self, client, office, units):
        client.force_login(office)
        unit = units["海林市人力资源和社会保障局劳动监察大队"]
        page = client.get(unit.get_absolute_url()).content.decode()
        assert "单位类型" in page and "执法大队" in page

    def test_the_inspectors_picker_tells_a_unit_from_a_hall(self, client, inspector, units):
        client.force_login(inspector)
        page = client.get(reverse("hall_options"), {"q": "派驻"}).content.decode()
        assert "汤原县邮政局派驻公安局户政办理窗口" in page and "派驻窗口" in page

    def test_the_admin_lists_and_filters_by_type(self, client, office, units):
        client.force_login(office)
        response = client.get(reverse("admin:registry_servicehall_changelist"), {"kind__exact": Kind.STATIONED_WINDOW})
        assert response.status_code == 200
        assert [hall.name for hall in response.context["cl"].queryset] == ["汤原县邮政局派驻公安局户政办理窗口"]
        assert "派驻窗口" in response.content.decode()

    def test_the_history_names_the_types_not_their_codes(self, regions):
        hall = HallFactory(name="海林市特种设备检验所", kind=Kind.OTHER, region=regions["county_a"])
        hall.kind = Kind.SERVICE_INSTITUTION
        hall.save()
        change = history_entries(hall)[-1]["changes"]
        assert {"field": "单位类型", "old": "其他专业大厅", "new": "站所（事业单位）"} in [
            {key: str(value) for key, value in c.items()} for c in change]


@pytest.mark.django_db
def test_an_unknown_type_is_refused(regions):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="kind"):
        HallFactory.build(region=regions["county_a"], kind="bureau").full_clean()
