import pytest
from django.core.management import call_command

from registry.models import Department, Region, Role, ServiceHall, Staff, User, Window
from registry.scope import halls_visible_to


def _counts():
    return tuple(m.objects.count() for m in (Region, ServiceHall, Department, Window, Staff, User))


@pytest.mark.django_db
def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    first = _counts()
    names = set(Staff.objects.values_list("hall__name", "badge_number", "name"))
    call_command("seed_demo")
    assert _counts() == first
    assert set(Staff.objects.values_list("hall__name", "badge_number", "name")) == names
    assert "manager" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_demo_has_the_seed_documents_places_and_one_account_per_role():
    call_command("seed_demo")
    halls = set(ServiceHall.objects.values_list("name", flat=True))
    for expected in ("佳木斯市政务服务中心", "汤原县政务服务中心", "宾县行政审批服务中心",
                     "齐齐哈尔市不动产登记交易中心", "大安市政务服务中心", "随县政务服务中心"):
        assert expected in halls
    assert Staff.objects.count() >= 300
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values) - {Role.NONE}
    assert all(Window.objects.filter(hall=h).exists() for h in ServiceHall.objects.all())


@pytest.mark.django_db
def test_demo_accounts_have_the_promised_scope():
    call_command("seed_demo")
    manager = User.objects.get(username="manager")
    assert set(halls_visible_to(manager).values_list("name", flat=True)) == {"佳木斯市政务服务中心"}
    office = User.objects.get(username="office")
    assert set(halls_visible_to(office).values_list("region__code", flat=True)) <= {
        "230800", "230822", "230828", "230828100000"
    }
    assert User.objects.get(username="manager").check_password("Demo@2026")
