"""Personas and a small world shared by the tests.

The world: 黑龙江省 → 佳木斯市 (city A) → 汤原县 (county A) and 牡丹江市 (city B)
→ 海林市 (county B). ``own_hall`` is in county A, ``other_hall`` in county B.
The personas are scoped so that each one sees ``own_hall`` (or is the system
administrator) and none but the system administrator sees ``other_hall``.
"""

import pytest

from registry.models import Region, Role
from tests.factories import (
    DepartmentFactory,
    HallFactory,
    RegionFactory,
    StaffFactory,
    UserFactory,
    WindowFactory,
)

PASSWORD = "Passw0rd!"


@pytest.fixture
def regions(db):
    province = RegionFactory(code="230000", name="黑龙江省", level=Region.Level.PROVINCE)
    city_a = RegionFactory(code="230800", name="佳木斯市", level=Region.Level.CITY, parent=province)
    county_a = RegionFactory(code="230828", name="汤原县", level=Region.Level.COUNTY, parent=city_a)
    city_b = RegionFactory(code="231000", name="牡丹江市", level=Region.Level.CITY, parent=province)
    county_b = RegionFactory(code="231083", name="海林市", level=Region.Level.COUNTY, parent=city_b)
    return {
        "province": province, "city_a": city_a, "county_a": county_a,
        "city_b": city_b, "county_b": county_b,
    }


def _populate(hall):
    department = DepartmentFactory(hall=hall, name="住建局")
    window = WindowFactory(hall=hall, number=10, label="10号窗口", name="房产处", department=department)
    StaffFactory(hall=hall, department=department, window=window, phone="13812345678")
    return hall


@pytest.fixture
def own_hall(regions):
    return _populate(HallFactory(name="汤原县政务服务中心", region=regions["county_a"]))


@pytest.fixture
def other_hall(regions):
    return _populate(HallFactory(name="海林市政务服务中心", region=regions["county_b"]))


@pytest.fixture
def inspector(regions):
    return UserFactory(username="inspector", role=Role.INSPECTOR, region=regions["city_a"], is_staff=False)


@pytest.fixture
def hall_manager(own_hall):
    return UserFactory(username="manager", role=Role.HALL_MANAGER, halls=[own_hall])


@pytest.fixture
def other_manager(other_hall):
    return UserFactory(username="manager_b", role=Role.HALL_MANAGER, halls=[other_hall])


@pytest.fixture
def office(regions):
    return UserFactory(username="office", role=Role.OFFICE, region=regions["city_a"])


@pytest.fixture
def auditor(regions):
    return UserFactory(username="auditor", role=Role.AUDITOR, region=regions["city_a"])


@pytest.fixture
def sysadmin(db):
    return UserFactory(username="sysadmin", role=Role.SYSADMIN)


PERSONAS = ["inspector", "hall_manager", "office", "auditor", "sysadmin"]


@pytest.fixture
def persona(request):
    """Parametrise with indirect=True and a persona name; None is the anonymous visitor."""
    if request.param is None:
        return None
    return request.getfixturevalue(request.param)


@pytest.fixture
def login(client):
    def _login(user):
        if user is not None:
            client.force_login(user)
        return client

    return _login


# --- Findings ---------------------------------------------------------------------

@pytest.fixture
def taxonomy(db):
    """The problem taxonomy as its data migration loads it.

    Tests that flush the database (the browser tests) remove migration data,
    so the fixture loads it again when it is missing.
    """
    import importlib

    from django.apps import apps

    from inspections.models import ProblemCategory

    if not ProblemCategory.objects.exists():
        importlib.import_module("inspections.migrations.0002_taxonomy").load(apps, None)


@pytest.fixture
def undercover_visit(taxonomy, own_hall, inspector):
    from tests.factories import VisitFactory

    return VisitFactory(hall=own_hall, mode="undercover", created_by=inspector, inspectors=[inspector])


@pytest.fixture
def open_visit(taxonomy, own_hall, inspector):
    from tests.factories import VisitFactory

    return VisitFactory(hall=own_hall, mode="open", created_by=inspector, inspectors=[inspector])


@pytest.fixture
def findings(undercover_visit, open_visit, other_hall, hall_manager, own_hall):
    """One finding in each state that matters for the embargo."""
    from tests.factories import FindingFactory, UserFactory, VisitFactory

    other_inspector = UserFactory(role="inspector", region=other_hall.region, is_staff=False)
    other_visit = VisitFactory(hall=other_hall, created_by=other_inspector, inspectors=[other_inspector])
    return {
        "draft": FindingFactory(visit=undercover_visit, status="draft"),
        "undercover": FindingFactory(visit=undercover_visit, status="submitted"),
        "open": FindingFactory(visit=open_visit, status="confirmed"),
        "published": FindingFactory(visit=undercover_visit, status="published"),
        "self": FindingFactory(visit=None, hall=own_hall, created_by=hall_manager, status="submitted"),
        "other": FindingFactory(visit=other_visit, status="submitted"),
    }


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in Chinese. A request in English leaves English active in the thread
    (LocaleMiddleware activates, nothing deactivates), and a later test would then get
    English messages from the services."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def next_year_entered(request, monkeypatch):
    """The office has entered next year's holidays, as it does each November.

    Tests date deadlines from today; from November on they reach into the
    next year, which the calendar library may not know yet, and the product
    then counts provisionally (预估, with the statutory holidays). So that no
    test depends on the day it runs, next year counts as entered (weekday
    rule) unless a test says ``@pytest.mark.calendar_as_shipped``.
    """
    if request.node.get_closest_marker("calendar_as_shipped"):
        yield
        return
    from django.utils import timezone

    from rectification import calendar

    shipped = calendar._office_year
    next_year = timezone.localdate().year + 1

    def office_year(year):
        complete, days = shipped(year)
        return (complete or year == next_year), days

    office_year.cache_clear = shipped.cache_clear
    monkeypatch.setattr(calendar, "_office_year", office_year)
    yield


@pytest.fixture(autouse=True)
def fresh_evidence_storage():
    """Each test starts with an empty in-memory evidence store."""
    from django.core.files.storage import InMemoryStorage

    from inspections.models import Evidence

    fields = [field for field in Evidence._meta.fields if field.get_internal_type() == "FileField"]
    previous = [field.storage for field in fields]
    storage = InMemoryStorage()
    for field in fields:
        field.storage = storage
    yield storage
    for field, old in zip(fields, previous, strict=True):
        field.storage = old


# --- Rectification ------------------------------------------------------------------

@pytest.fixture
def ledger(findings, office, hall_manager, own_hall, undercover_visit):
    """Ledger items in the states the pages distinguish, made directly for speed."""
    import datetime

    from django.utils import timezone

    from rectification.models import (
        Accountability,
        ExtensionRequest,
        ProgressEntry,
        RectificationItem,
    )
    from tests.factories import FindingFactory

    today = timezone.localdate()

    def item(finding, status, **fields):
        row = RectificationItem.objects.create(
            hall=finding.hall, kind="deadline", status=status, created_by=office,
            assigned_date=None if status == "prepared" else today - datetime.timedelta(days=10),
            deadline=None if status == "prepared" else today + datetime.timedelta(days=20), **fields,
        )
        row.findings.set([finding])
        return row

    embargoed = FindingFactory(visit=undercover_visit, status="confirmed")
    working = item(findings["open"], "in_progress", responsible_person="王建国")
    prepared = item(embargoed, "prepared")
    closure = item(findings["self"], "closure_requested", closure_requested_on=today)
    ProgressEntry.objects.create(item=closure, date=today, text="已整改", author=hall_manager)
    extension = ExtensionRequest.objects.create(
        item=working, reason="需采购设备", current_deadline=working.deadline,
        proposed_deadline=working.deadline + datetime.timedelta(days=10), requested_by=hall_manager,
    )
    record = Accountability.objects.create(
        subject="staff", staff=own_hall.staff.first(), hall=own_hall, track="first_form", type="谈话提醒",
        deciding_body="汤原县纪委监委", decision_date=today, created_by=office,
    )
    return {"working": working, "prepared": prepared, "closure": closure, "extension": extension,
            "accountability": record}


@pytest.fixture(autouse=True)
def audit_triggers_off_for_flush(request):
    """A live-server test ends by emptying every table (Django's flush). The security log's
    triggers refuse that on SQLite (PostgreSQL's TRUNCATE fires no row trigger), so such a test
    puts them on at its start, as the migration does, and takes them off before the flush."""
    marker = request.node.get_closest_marker("django_db")
    marked = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if not marked and "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    from django.db import connection

    from audit import triggers

    request.getfixturevalue("transactional_db")
    triggers.install(connection)
    yield
    triggers.remove(connection)


@pytest.fixture(autouse=True)
def force_login_passes_the_second_factor(request, monkeypatch):
    """``client.force_login`` stands for a whole sign-in, the second factor included (the roles
    that need one would otherwise meet the verification page on every request): the user gets a
    confirmed authenticator and the session its mark. tests/test_two_factor.py signs in for real,
    or with ``force_login_without_second_factor``."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDevice.objects.create(
            user=user, name="测试", confirmed=True)
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "force_login_without_second_factor", original, raising=False)
    yield
