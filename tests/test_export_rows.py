"""What the exports write in each cell, on data with every case the rows must handle.

The exporters build rows from plain ``values_list()`` rows a chunk at a time
(model instances cost more than writing the row). Here each export is checked
against the obvious way to describe the same records, written with model
instances and their related managers, and against a few cells spelled out
by hand; and the number of queries must not grow with the number of rows.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from circulars.document import chinese_number, default_sentence
from circulars.exports import CircularExporter
from circulars.models import Circular
from circulars.services import entries_follow_findings
from core import roundtrip
from inspections.exports import FindingListExporter, person_label
from inspections.facts import describe_facts
from inspections.models import Finding
from rectification.exports import LedgerExporter, stamped_texts
from rectification.models import Accountability, ProgressEntry, RectificationItem, Revisit
from rectification.services import deadline_text
from tests.factories import FindingFactory, StaffFactory, WindowFactory, category, stored_evidence

# --- The obvious descriptions, from model instances ------------------------------------------


def _joined(values):
    return "；".join(v for v in values if v)


def reference_ledger_row(number, item):
    findings = list(item.findings.all())
    progress = list(item.progress.all())
    files = [evidence.code for entry in progress for evidence in entry.proof.all()]
    revisits = list(item.revisits.all())
    circulars = {c.doc_number for f in findings for c in f.circulars.all() if c.status == "published"}
    windows = {str(f.window.display_label) for f in findings if f.window_id}
    closed = item.status == "closed"
    row = [
        item.pk, number, item.code, _joined(f.code for f in findings),
        _joined([_joined(sorted({f.get_source_display() for f in findings})), *sorted(circulars)]),
        min((f.observed_at for f in findings), default=None), _joined([item.hall.name, *sorted(windows)]),
        _joined(sorted({f.category.name for f in findings})), _joined(f.description for f in findings),
        item.get_kind_display(), item.measures, item.department.name if item.department_id else item.hall.name,
        item.responsible_leader, item.responsible_person, item.deadline,
        progress[-1].text if progress else "", progress[-1].date if progress else None,
        item.completion_note,
        "\n".join([*([item.proof_notes] if item.proof_notes else []), *(["系统中已上传：" + "；".join(files)] if files else [])]),
        revisits[0].get_verdict_display() if revisits else "",
        item.get_status_display(), "是" if closed else "否", item.closed_on if closed else None,
        str(item.closed_by) if closed else "", "",
    ]
    return [*row, roundtrip.stamp(item.pk, stamped_texts(row))]


def reference_circular_row(number, f, naming, section):
    deadlines = [deadline_text(item) for item in f.rectification_items.all()]
    return [
        number, f.hall.region.full_name, f.hall.name + (f.department.name if f.department_id else ""),
        str(f.window.display_label) if f.window_id else "",
        timezone.localtime(f.observed_at).replace(second=0, microsecond=0, tzinfo=None),
        f.category.parent.name if f.category.parent_id else f.category.name, f.category.name,
        f.get_severity_display(), default_sentence(f, naming == Circular.Naming.SURNAME), describe_facts(f.facts),
        person_label(f, naming == Circular.Naming.SURNAME), "责令整改", "；".join(deadlines) or "—", section,
        f.get_source_display(),
    ]


def reference_finding_row(f):
    return [
        f.code, f.observed_at, f.hall.region.full_name, f.hall.name, f.department.name if f.department_id else "",
        str(f.window.display_label) if f.window_id else "", f"{f.category.code} {f.category.name}",
        f.description, describe_facts(f.facts), person_label(f), f.get_severity_display(),
        f.get_source_display(), f.get_status_display(),
    ]


# --- A world with every case -------------------------------------------------------------------


@pytest.fixture
def world(office, hall_manager, own_hall, undercover_visit, open_visit, inspector):
    today = timezone.localdate()
    department = own_hall.departments.get()
    labelled = own_hall.windows.get()  # "10号窗口" by its label
    bare = WindowFactory(hall=own_hall, number=3, label="", department=department)  # "3号窗口" from its number
    staff = own_hall.staff.get()
    named = StaffFactory(hall=own_hall, name="欧阳晓明", badge_number="B9001")

    first = FindingFactory(
        visit=undercover_visit, status="published", window=labelled, staff=staff, department=department,
        category=category("C02"), facts={"minutes_off_post": 27, "people_waiting": 4, "activity": "phone"},
    )
    second = FindingFactory(
        visit=open_visit, status="published", window=bare, staff=None, staff_description="女，约30岁",
        category=category("A02"), facts={}, description="=1+2 未佩戴工作牌",
        observed_at=first.observed_at - datetime.timedelta(days=1),
    )
    third = FindingFactory(visit=open_visit, status="published", window=None, staff=named, category=category("C02"))
    lonely = FindingFactory(visit=None, hall=own_hall, created_by=hall_manager, status="confirmed", window=None)

    def circular(serial, status, findings):
        made = Circular.objects.create(
            issuer="佳木斯市作风办", issuer_code="佳作整办", year=2026, serial=serial, title=f"通报{serial}",
            region=own_hall.region.parent, date=today, created_by=office, status=status,
            naming=Circular.Naming.SURNAME, published_at=timezone.now() if status == "published" else None,
        )
        made.findings.set(findings)
        entries_follow_findings(made, findings)
        return made

    published = circular(3, "published", [first, second, third])
    circular(4, "published", [second])
    circular(5, "draft", [first])  # a draft's number never reaches the ledger

    def item(findings, status, **fields):
        fields = {"kind": "deadline", "deadline": today + datetime.timedelta(days=5)} | fields
        made = RectificationItem.objects.create(
            hall=own_hall, status=status, created_by=office, assigned_date=today - datetime.timedelta(days=20), **fields,
        )
        made.findings.set(findings)
        return made

    both = item([first, second], "in_progress", department=department, measures="立即整改", responsible_leader="王副主任",
                responsible_person="李建华", proof_notes="会议记录")
    ProgressEntry.objects.create(item=both, date=today - datetime.timedelta(days=3), text="召开专题会", author=hall_manager)
    ProgressEntry.objects.create(item=both, date=today - datetime.timedelta(days=1), text="已约谈当事人", author=hall_manager)
    earlier = ProgressEntry.objects.create(item=both, date=today - datetime.timedelta(days=2), text="较早的一条",
                                           author=hall_manager)
    earlier.proof.set([stored_evidence(hall_manager, own_hall, "排班表.jpg", from_hall=True),
                       stored_evidence(office, own_hall, "督查组照片.jpg")])
    closed = item([third], "closed", closed_on=today, closed_by=office, completion_note="已全部整改",
                  deadline=today - datetime.timedelta(days=2))
    # Reopened by a failed revisit: its close-out is history, not the ledger's current state.
    reopened = item([lonely], "in_progress", closed_on=today - datetime.timedelta(days=4), closed_by=office)
    for days, verdict in ((5, "not_done"), (1, "done")):
        revisit = Revisit.objects.create(date=today - datetime.timedelta(days=days), inspector=inspector,
                                         observation="回访", verdict=verdict)
        revisit.items.set([closed])
    later = item([third], "assigned", deadline=today + datetime.timedelta(days=30))  # a second item for one finding
    bare_item = item([lonely], "assigned", kind="ongoing", deadline=None)
    item([second], "assigned", deadline=today + datetime.timedelta(days=40))  # one finding, with a window and two circulars

    for track, kind, days in (("first_form", "谈话提醒", 3), ("government", "警告", 1)):
        record = Accountability.objects.create(
            subject="staff", staff=staff, hall=own_hall, track=track, type=kind, deciding_body="汤原县纪委监委",
            decision_date=today - datetime.timedelta(days=days), created_by=office,
        )
        record.findings.set([first])
    return {"circular": published, "items": [both, closed, later, bare_item], "findings": [first, second, third, lonely],
            "reopened": reopened, "proof": list(earlier.proof.order_by("id"))}


@pytest.mark.django_db
class TestRowsAgreeWithTheModels:
    def test_ledger(self, world):
        items = RectificationItem.objects.all()
        rows = list(LedgerExporter(queryset=items).rows())
        expected = [
            reference_ledger_row(number, item)
            for number, item in enumerate(items.order_by("hall__name", "deadline", "id"), start=1)
        ]
        assert rows == expected

        both, closed, _later, bare_item = world["items"]
        first, second, *_ = world["findings"]
        by_id = {row[0]: row for row in rows}
        row = by_id[both.pk]
        assert row[3] == f"{first.code}；{second.code}"  # newest finding first
        assert row[4] == "明察；暗访；佳作整办〔2026〕3号；佳作整办〔2026〕4号"  # not the draft's 5号
        assert row[5] == second.observed_at
        assert row[6] == "汤原县政务服务中心；10号窗口；3号窗口"
        assert row[11] == "住建局" and row[15:17] == ["已约谈当事人", timezone.localdate() - datetime.timedelta(days=1)]
        assert by_id[closed.pk][19:25] == ["整改到位", "已销号", "是", timezone.localdate(), str(closed.closed_by), ""]
        assert by_id[bare_item.pk][9] == "长期坚持" and by_id[bare_item.pk][11] == "汤原县政务服务中心"
        # Without a viewer (a server command) the proof files go by their neutral codes.
        own, offices = world["proof"]
        assert row[18] == f"会议记录\n系统中已上传：{own.code}；{offices.code}"
        assert by_id[world["reopened"].pk][21:24] == ["否", None, ""]

    def test_proof_files_are_named_as_the_viewer_knows_them(self, world, hall_manager, office, auditor):
        both = world["items"][0]
        own, offices = world["proof"]

        def proof(viewer):
            rows = LedgerExporter(queryset=RectificationItem.objects.filter(pk=both.pk), viewer=viewer).rows()
            return next(rows)[18]

        # The office has the originals; the hall its own file, and of the office's photo the clean copy.
        assert proof(office) == "会议记录\n系统中已上传：排班表.jpg；督查组照片.jpg"
        assert proof(hall_manager) == f"会议记录\n系统中已上传：排班表.jpg；{offices.code}.jpg"
        assert proof(auditor) == f"会议记录\n系统中已上传：{own.code}.jpg；{offices.code}.jpg"

    def test_circular(self, world):
        circular = world["circular"]
        rows = [row[:4] + [row[4].replace(tzinfo=None)] + row[5:] for row in CircularExporter(circular=circular).rows()]
        ordered = [(entry.finding, f"{chinese_number(n)}、{entry.section.title}")
                   for n, section in enumerate(circular.sections.all(), start=1) for entry in section.entries.all()]
        assert rows == [reference_circular_row(n, f, circular.naming, section)
                        for n, (f, section) in enumerate(ordered, start=1)]

        first, second, third, _ = world["findings"]
        by_person = {row[10]: row for row in rows}
        assert by_person["女，约30岁"][3] == "3号窗口"
        assert "3号窗口（女，约30岁）=1+2 未佩戴工作牌。" in by_person["女，约30岁"][8]  # said once each
        row = by_person[f"{first.staff.name[0]}某"]
        # (PostgreSQL's jsonb keeps the keys in its own order.)
        assert set(row[9].split("；")) == {"离岗时长 27 分钟", "等候群众 4 人", "所做无关事 玩手机"}
        third_row = by_person["欧某"]
        later, closed = world["items"][2], world["items"][1]
        assert third_row[12] == f"{closed.deadline}；{later.deadline}"  # every item's deadline, earliest first

    def test_findings_list(self, world):
        findings = Finding.objects.all()
        assert list(FindingListExporter(queryset=findings).rows()) == [reference_finding_row(f) for f in findings]


@pytest.mark.django_db
def test_queries_do_not_grow_with_the_rows(world, own_hall, office, hall_manager):
    def queries(make_rows):
        with CaptureQueriesContext(connection) as captured:
            count = len(list(make_rows()))
        return count, len(captured)

    circular = world["circular"]
    before = [
        queries(lambda: LedgerExporter(queryset=RectificationItem.objects.all()).rows()),
        queries(lambda: CircularExporter(circular=circular).rows()),
        queries(lambda: FindingListExporter(queryset=Finding.objects.all()).rows()),
    ]
    for n in range(12):
        finding = FindingFactory(visit=None, hall=own_hall, created_by=hall_manager, status="published",
                                 window=own_hall.windows.first(), staff=own_hall.staff.first())
        circular.findings.add(finding)
        entries_follow_findings(circular, list(circular.findings.all()))
        item = RectificationItem.objects.create(hall=own_hall, kind="deadline", status="in_progress",
                                                created_by=office, assigned_date=timezone.localdate(),
                                                deadline=timezone.localdate())
        item.findings.set([finding])
        ProgressEntry.objects.create(item=item, date=timezone.localdate(), text=f"进展{n}", author=hall_manager)
    after = [
        queries(lambda: LedgerExporter(queryset=RectificationItem.objects.all()).rows()),
        queries(lambda: CircularExporter(circular=circular).rows()),
        queries(lambda: FindingListExporter(queryset=Finding.objects.all()).rows()),
    ]
    for (rows_before, queries_before), (rows_after, queries_after) in zip(before, after, strict=True):
        assert rows_after == rows_before + 12
        assert queries_after == queries_before
