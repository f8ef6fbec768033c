"""The world the access walk runs in: every persona, and objects of every kind in scope, out
of scope and under embargo.

Regions: 黑龙江省 → 佳木斯市 (city A) → 汤原县 (county A1), and 牡丹江市 (city B) → 海林市.
Halls: ``a`` in county A1, ``a2`` in city A itself, ``b`` in city B's county.

Personas: the visit's inspector and another inspector of city A; the manager of hall a and
the manager of hall a2 (a second hall's manager); the offices of city A, of city B (a second
region's office) and of the province; city A's auditor; the system and security
administrators; an account with no role; and the anonymous visitor.

Campaigns: ``a`` for city A (by its office), ``p`` for the province, ``b`` for city B.

Objects are named by what they stand for (``objects["finding"]["submitted_uc"]`` is a
submitted undercover finding of hall a, under embargo). Made directly, for speed.
"""

import datetime
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils import timezone

from circulars.models import Circular
from circulars.services import entries_follow_findings
from core.models import ExportJob, ImportBatch
from inspections.models import Campaign
from inspections.services.evidence import check_uploads, store_files
from rectification.models import (
    Accountability,
    CalendarDay,
    CalendarYear,
    DeadlineRule,
    ExtensionRequest,
    Notification,
    ProgressEntry,
    RectificationItem,
    Revisit,
)
from registry.models import Region, Role
from tests.factories import (
    DepartmentFactory,
    FindingFactory,
    HallFactory,
    RegionFactory,
    StaffFactory,
    UserFactory,
    VisitFactory,
    WindowFactory,
    category,
    jpeg_bytes,
    upload,
)

PASSWORD = "Passw0rd!"
PERSONAS = [
    "anonymous", "inspector", "inspector_other", "manager", "manager_2", "office", "office_b",
    "office_p", "auditor", "sysadmin", "secadmin", "audit_admin", "unassigned",
]
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64


@dataclass
class World:
    personas: dict = field(default_factory=dict)
    objects: dict = field(default_factory=dict)
    today: datetime.date = None

    def add(self, kind, variant, obj):
        self.objects.setdefault(kind, {})[variant] = obj
        return obj

    def get(self, kind, variant):
        return self.objects[kind][variant]


def _populate(hall, number, badge):
    department = DepartmentFactory(hall=hall, name="住建局")
    window = WindowFactory(hall=hall, number=number, label=f"{number}号窗口", name="房产处", department=department)
    staff = StaffFactory(hall=hall, department=department, window=window, badge_number=badge, phone="13812345678")
    return department, window, staff


def _evidence(actor, hall, name="现场.jpg", content=None, **owner):
    checked = check_uploads([upload(name, content or jpeg_bytes(), "application/octet-stream")])
    return store_files(actor=actor, checked=checked, written=[], hall=hall, **owner)[0]


def build() -> World:
    world = World(today=timezone.localdate())
    today = world.today
    province = RegionFactory(code="230000", name="黑龙江省", level=Region.Level.PROVINCE)
    city_a = RegionFactory(code="230800", name="佳木斯市", level=Region.Level.CITY, parent=province)
    county_a = RegionFactory(code="230828", name="汤原县", level=Region.Level.COUNTY, parent=city_a)
    city_b = RegionFactory(code="231000", name="牡丹江市", level=Region.Level.CITY, parent=province)
    county_b = RegionFactory(code="231083", name="海林市", level=Region.Level.COUNTY, parent=city_b)
    for variant, region in (("province", province), ("city_a", city_a), ("city_b", city_b)):
        world.add("region", variant, region)

    halls = {
        "a": HallFactory(name="汤原县政务服务中心", region=county_a),
        "a2": HallFactory(name="佳木斯市政务服务中心", region=city_a),
        "b": HallFactory(name="海林市政务服务中心", region=county_b),
    }
    for number, (variant, hall) in enumerate(halls.items(), start=10):
        world.add("hall", variant, hall)
        department, window, staff = _populate(hall, number, f"B{number}")
        world.add("department", variant, department)
        world.add("window", variant, window)
        world.add("staff", variant, staff)
    # Rows nothing points at, for the admin's delete.
    world.add("window", "spare", WindowFactory(hall=halls["a"], number=99, label="99号窗口"))
    world.add("department", "spare", DepartmentFactory(hall=halls["a"], name="邮政局"))
    world.add("staff", "spare", StaffFactory(hall=halls["a"], badge_number="B99"))

    p = world.personas
    p["anonymous"] = None
    p["inspector"] = UserFactory(username="inspector", role=Role.INSPECTOR, region=city_a, is_staff=False,
                                 organisation="省作风办暗访组")
    p["inspector_other"] = UserFactory(username="inspector2", role=Role.INSPECTOR, region=city_a, is_staff=False)
    p["manager"] = UserFactory(username="manager", role=Role.HALL_MANAGER, halls=[halls["a"]])
    p["manager_2"] = UserFactory(username="manager2", role=Role.HALL_MANAGER, halls=[halls["a2"]])
    p["office"] = UserFactory(username="office", role=Role.OFFICE, region=city_a)
    p["office_b"] = UserFactory(username="office_b", role=Role.OFFICE, region=city_b)
    p["office_p"] = UserFactory(username="office_p", role=Role.OFFICE, region=province)
    p["auditor"] = UserFactory(username="auditor", role=Role.AUDITOR, region=city_a)
    p["sysadmin"] = UserFactory(username="sysadmin", role=Role.SYSADMIN)
    p["secadmin"] = UserFactory(username="secadmin", role=Role.SECADMIN)
    p["audit_admin"] = UserFactory(username="audit_admin", role=Role.AUDIT_ADMIN)
    p["unassigned"] = UserFactory(username="newcomer", role=Role.NONE)
    for name in PERSONAS[1:]:
        world.add("user", name, p[name])
        world.add("account", name, p[name])  # the URL argument of the account pages
    inspector_b = UserFactory(username="inspector_b", role=Role.INSPECTOR, region=city_b, is_staff=False)

    # Visits and findings
    category("C02")
    undercover = world.add("visit", "undercover_a", VisitFactory(
        hall=halls["a"], mode="undercover", created_by=p["inspector"], inspectors=[p["inspector"]],
        team_name="省作风办暗访组"))
    open_visit = world.add("visit", "open_a", VisitFactory(
        hall=halls["a"], mode="open", created_by=p["inspector"], inspectors=[p["inspector"]]))
    visit_b = world.add("visit", "visit_b", VisitFactory(
        hall=halls["b"], mode="undercover", created_by=inspector_b, inspectors=[inspector_b]))
    f = {
        "draft": FindingFactory(visit=undercover, status="draft"),
        "submitted_uc": FindingFactory(visit=undercover, status="submitted"),
        "confirmed_uc": FindingFactory(visit=undercover, status="confirmed"),
        "confirmed_open": FindingFactory(visit=open_visit, status="confirmed"),
        "confirmed_free": FindingFactory(visit=open_visit, status="confirmed"),
        "published": FindingFactory(visit=undercover, status="published"),
        "self": FindingFactory(visit=None, hall=halls["a"], created_by=p["manager"], status="submitted"),
        "self_free": FindingFactory(visit=None, hall=halls["a"], created_by=p["manager"], status="submitted"),
        "submitted_b": FindingFactory(visit=visit_b, status="submitted"),
        "confirmed_b": FindingFactory(visit=visit_b, status="confirmed"),
    }
    for variant, finding in f.items():
        world.add("finding", variant, finding)

    # Ledger
    def item(finding, status, **fields):
        row = RectificationItem.objects.create(
            hall=finding.hall, kind="deadline", status=status, created_by=p["office"],
            assigned_date=None if status == "prepared" else today - datetime.timedelta(days=10),
            deadline=None if status == "prepared" else today + datetime.timedelta(days=20), **fields,
        )
        row.findings.set([finding])
        return row

    working = world.add("item", "working", item(f["confirmed_open"], "in_progress", responsible_person="王建国"))
    extending = world.add("item", "extending", item(FindingFactory(visit=open_visit, status="confirmed"), "in_progress"))
    world.add("item", "prepared", item(f["confirmed_uc"], "prepared"))
    closure = world.add("item", "closure", item(f["self"], "closure_requested", closure_requested_on=today))
    a2_finding = FindingFactory(visit=None, hall=halls["a2"], created_by=p["manager_2"], status="submitted")
    world.add("item", "a2", item(a2_finding, "in_progress"))
    item_b = world.add("item", "b", item(f["submitted_b"], "in_progress"))
    for target in (working, closure):
        entry = ProgressEntry.objects.create(item=target, date=today, text="已整改", author=p["manager"])
        entry.proof.set([_evidence(p["manager"], halls["a"], "整改后.jpg", from_hall=True)])
    world.add("extension", "a", ExtensionRequest.objects.create(
        item=extending, reason="需采购设备", current_deadline=extending.deadline,
        proposed_deadline=extending.deadline + datetime.timedelta(days=10), requested_by=p["manager"]))
    world.add("extension", "b", ExtensionRequest.objects.create(
        item=item_b, reason="需采购设备", current_deadline=item_b.deadline,
        proposed_deadline=item_b.deadline + datetime.timedelta(days=10), requested_by=p["office_b"]))
    revisit = Revisit.objects.create(date=today, inspector=p["inspector"], observation="已整改", verdict="done")
    revisit.items.set([working])
    world.add("revisit", "a", revisit)
    world.add("accountability", "a", Accountability.objects.create(
        subject="staff", staff=world.get("staff", "a"), hall=halls["a"], track="first_form", type="谈话提醒",
        deciding_body="汤原县纪委监委", decision_date=today, created_by=p["office"]))
    world.add("accountability", "b", Accountability.objects.create(
        subject="unit", hall=halls["b"], track="hall", type="约谈", deciding_body="海林市纪委监委",
        decision_date=today, created_by=p["office_b"]))

    # Evidence
    world.add("evidence", "uc", _evidence(p["inspector"], halls["a"], finding=f["submitted_uc"]))
    world.add("evidence", "published", _evidence(p["inspector"], halls["a"], finding=f["published"]))
    world.add("evidence", "video", _evidence(p["inspector"], halls["a"], "录像.mp4", MP4, finding=f["published"]))
    world.add("evidence", "proof", working.progress.first().proof.first())
    world.add("evidence", "b", _evidence(inspector_b, halls["b"], finding=f["submitted_b"]))

    # Circulars
    def circular(issuer_code, region, status, findings, serial=1):
        row = Circular.objects.create(
            issuer="作风办", issuer_code=issuer_code, year=2026, serial=serial, region=region, title="通报",
            date=datetime.date(2026, 11, 20), created_by=p["office"], status=status,
            published_at=timezone.now() if status == "published" else None,
            published_by=p["office"] if status == "published" else None,
        )
        row.findings.set(findings)
        entries_follow_findings(row, findings)
        return row

    world.add("circular", "draft_a", circular("佳作整办", city_a, "draft", [f["confirmed_uc"]]))
    world.add("circular", "published_p", circular("黑作整办", province, "published", [f["published"]]))
    world.add("circular", "draft_b", circular("牡作整办", city_b, "draft", [f["confirmed_b"]]))
    world.add("circular", "published_b", circular("牡作整办", city_b, "published", [], serial=2))

    # Exchange: a finished export each for two people, and a manager's uploads.
    for variant, owner in (("office", p["office"]), ("manager", p["manager"])):
        job = ExportJob.objects.create(requester=owner, kind="findings", status="done", filename="x.xlsx",
                                       expires_at=timezone.now() + datetime.timedelta(days=1))
        job.file.save("x.xlsx", _xlsx_bytes(), save=True)
        world.add("job", variant, job)
    world.add("batch", "ledger", ImportBatch.objects.create(
        kind="ledger", uploader=p["manager"], filename="台账.xlsx", rows=[]))
    world.add("batch", "roster", ImportBatch.objects.create(
        kind="roster", uploader=p["manager"], hall=halls["a"], filename="名册.xlsx", rows=[]))

    # Reference data
    c02 = category("C02")
    c02.save()  # loaded by a migration, it has no history row yet
    world.add("problemcategory", "c02", c02)
    world.add("calendarday", "a", CalendarDay.objects.create(date=datetime.date(2026, 6, 1), is_workday=False, name="测试假日"))
    world.add("calendaryear", "a", _calendar_year())
    world.add("deadlinerule", "a", DeadlineRule.objects.create(category=category("C02"), severity="severe",
                                                               kind="deadline", working_days=5))
    for variant, region, author in (("a", city_a, "office"), ("p", province, "office_p"), ("b", city_b, "office_b")):
        campaign = Campaign.objects.create(name=f"专项行动{variant}", issuer="作风办", start_date=today,
                                           end_date=today, created_by=p[author])
        campaign.regions.set([region])
        world.add("campaign", variant, campaign)

    # Everyone has something unread, so that marking it read changes something.
    for name in PERSONAS[1:]:
        Notification.objects.create(recipient=p[name], kind="assigned", item=working, text="x", key=f"walk:{name}")
    world.add("notification", "own", Notification.objects.get(recipient=p["office"]))
    return world


def _calendar_year():
    return CalendarYear.objects.create(year=2031, complete=False, source="测试")


def _xlsx_bytes():
    return ContentFile(b"PK\x03\x04")
