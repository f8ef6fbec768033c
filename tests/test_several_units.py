"""A finding may name several windows and departments ("工商、医保窗口有工作人员闲聊、吃东西"), and the
staff picker follows the window chosen."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from circulars import services as circular_services
from circulars.document import document_of
from inspections import services
from inspections.exports import FindingListExporter
from inspections.models import Finding
from tests.factories import DepartmentFactory, StaffFactory, WindowFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_counters(own_hall):
    """工商 and 医保, each a department with its window and a person at it."""
    made = {}
    for number, name in ((21, "市场监管局"), (22, "医保局")):
        department = DepartmentFactory(hall=own_hall, name=name)
        window = WindowFactory(hall=own_hall, number=number, label=f"{name[:2]}窗口", department=department)
        made[name] = (department, window, StaffFactory(hall=own_hall, department=department, window=window))
    return made


def _values(two_counters, **more):
    (d1, w1, _s1), (d2, w2, _s2) = two_counters.values()
    return {"category": category("C04"), "observed_at": timezone.now() - datetime.timedelta(minutes=5),
            "window": w1, "other_windows": [w2], "department": d1, "other_departments": [d2],
            "severity": "general", "description": "有工作人员闲聊、吃东西"} | more


def test_a_finding_names_two_counters_and_two_behaviours(inspector, office, regions, undercover_visit, two_counters):
    finding = services.finding_record(actor=inspector, visit=undercover_visit, values=_values(two_counters),
                                      facts_raw={"activity": ["chatting", "eating"]}, submit=True)
    assert finding.departments_text == "市场监管局、医保局" and finding.windows_text == "市场窗口、医保窗口"
    row = next(FindingListExporter(queryset=Finding.objects.all()).rows())
    assert row[4:6] == ["市场监管局、医保局", "市场窗口、医保窗口"]
    finding = services.finding_confirm(actor=office, finding=finding)
    circular = circular_services.circular_save(actor=office, findings=[finding], values={
        "issuer": "作风办", "issuer_code": "佳作整办", "year": 2026, "region": regions["city_a"], "title": "通报",
        "date": datetime.date(2026, 11, 21), "naming": "surname"})
    assert document_of(circular).items[0].text == (
        "汤原县政务服务中心市场监管局、医保局市场窗口、医保窗口有工作人员闲聊、吃东西。")  # the facts said once


def test_another_halls_window_is_refused_and_nothing_saved(inspector, undercover_visit, two_counters, other_hall):
    with pytest.raises(ValidationError) as caught:
        services.finding_record(actor=inspector, visit=undercover_visit, facts_raw={"activity": "phone"},
                                values=_values(two_counters, other_windows=[other_hall.windows.first()]))
    assert "other_windows" in caught.value.message_dict
    assert not Finding.objects.exists()


def test_the_staff_picker_knows_each_persons_window(client, inspector, undercover_visit, two_counters):
    client.force_login(inspector)
    page = client.get(reverse("finding_create", args=[undercover_visit.pk])).content.decode()
    assert 'data-follows="id_window"' in page
    for _department, window, staff in two_counters.values():
        assert f'data-window="{window.pk}"' in page and staff.name in page
    assert 'name="other_windows"' in page and 'class="field checklist' in page
