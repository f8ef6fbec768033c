"""Ledger round trip and roster import: tolerant of what people type, strict about what is unsafe."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.models import ImportBatch
from rectification import imports, services
from rectification.exports import LEDGER_EDITABLE, STAMPED_KEYS
from rectification.models import RectificationItem
from registry import roster

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _exported_ledger(client, user):
    client.force_login(user)
    response = client.get(reverse("ledger_export"))
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _column(ws, title):
    return [c.value for c in ws[3]].index(title) + 1


def _row_of(ws, item):
    return next(r for r in range(4, ws.max_row + 1) if ws.cell(row=r, column=1).value == item.pk)


def _upload(wb, name="台账.xlsx"):
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type=XLSX)


def _prove(user, item, name="整改后.jpg"):
    """A progress entry with a proof file, uploaded on the item's page."""
    from tests.factories import jpeg_bytes, upload

    return services.progress_add(actor=user, item=item, date=timezone.localdate(), text="已整改到位",
                                 files=[upload(name, jpeg_bytes())])


def _set(ws, item, column, value):
    ws.cell(row=_row_of(ws, item), column=_column(ws, column)).value = value
    return _row_of(ws, item)


def _without_stamps(wb):
    """The same workbook without the hidden 导出核对 column: a table as people make them by hand."""
    ws = wb.active
    ws.delete_cols(_column(ws, "导出核对"))
    return wb


def _notes(preview):
    return [str(note) for note in preview.skipped]


@pytest.fixture
def filled(client, hall_manager, ledger):
    """The exported ledger, filled in the way a unit does."""
    wb = _exported_ledger(client, hall_manager)
    ws = wb.active
    row = _row_of(ws, ledger["working"])
    ws.cell(row=row, column=_column(ws, "整改措施")).value = "  =调整排班，增设引导岗  "  # spaces and a leading =
    ws.cell(row=row, column=_column(ws, "责任人")).value = "李四"
    ws.cell(row=row, column=_column(ws, "整改进展")).value = "已完成排班调整"
    ws.cell(row=row, column=_column(ws, "进展日期")).value = "2026年11月20日"
    ws.cell(row=row, column=_column(ws, "佐证材料")).value = "排班表、培训签到表"
    ws.insert_rows(ws.max_row + 1)  # an empty row at the end
    return wb


@pytest.mark.django_db
class TestLedgerRoundTrip:
    def test_preview_then_apply_then_reimport_changes_nothing(self, client, hall_manager, ledger, filled):
        data = _upload(filled)
        preview = imports.parse_ledger(user=hall_manager, upload=data)
        assert not preview.errors
        [change] = preview.changes
        assert {column for column, _old, _new in change["fields"]} == {"整改措施", "责任人", "整改进展", "佐证材料"}
        item = ledger["working"]
        item.refresh_from_db()
        assert item.responsible_person == "王建国"  # nothing written by the preview

        assert imports.apply_ledger(user=hall_manager, batch=preview.batch) == 1
        item.refresh_from_db()
        assert item.measures == "=调整排班，增设引导岗" and item.responsible_person == "李四"
        entry = item.progress.order_by("-id").first()
        assert entry.text == "已完成排班调整" and entry.date == datetime.date(2026, 11, 20)
        assert item.history.filter(history_user=hall_manager).exists()

        again = imports.parse_ledger(user=hall_manager, upload=_upload(filled))
        assert not again.errors and not again.changes and again.unchanged == 2

    def test_many_rows_take_a_flat_number_of_queries_and_keep_the_history(self, client, office, own_hall, open_visit):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from tests.factories import FindingFactory

        def items(n):
            made = []
            for _ in range(n):
                item = RectificationItem.objects.create(
                    hall=own_hall, kind="deadline", status="assigned", created_by=office,
                    assigned_date=timezone.localdate(), deadline=timezone.localdate() + datetime.timedelta(days=9),
                )
                item.findings.set([FindingFactory(visit=open_visit, status="confirmed")])
                made.append(item)
            return made

        def import_filled(tag):
            wb = _exported_ledger(client, office)
            ws = wb.active
            for row in range(4, ws.max_row + 1):
                ws.cell(row=row, column=_column(ws, "责任人")).value = f"李{tag}"
                ws.cell(row=row, column=_column(ws, "整改进展")).value = f"第{tag}轮：已整改（第{row}行）"
            with CaptureQueriesContext(connection) as queries:
                preview = imports.parse_ledger(user=office, upload=_upload(wb))
                changed = imports.apply_ledger(user=office, batch=preview.batch)
            return changed, len(queries)

        few = items(3)
        changed, queries_few = import_filled("一")
        assert changed == 3
        many = few + items(17)
        changed, queries_many = import_filled("二")
        assert changed == 20 and queries_many == queries_few
        for item in many:
            item.refresh_from_db()
            assert item.status == "in_progress" and item.responsible_person == "李二"
            assert item.progress.count() == (2 if item in few else 1)
        history = list(few[0].history.order_by("history_id"))
        assert [h.history_type for h in history] == ["+", "~", "~"]
        assert [h.history_user for h in history[1:]] == [office, office]
        assert [(h.version, h.status, h.responsible_person) for h in history] == [
            (1, "assigned", ""), (2, "in_progress", "李一"), (3, "in_progress", "李二"),
        ]
        entry = few[0].progress.order_by("-id").first()
        assert entry.history.get().history_user == office and entry.author == office

    def test_through_the_pages(self, client, hall_manager, ledger, filled):
        client.force_login(hall_manager)
        response = client.post(reverse("ledger_import"), {"file": _upload(filled)})
        batch = ImportBatch.objects.get()
        assert response["Location"] == reverse("ledger_import_preview", args=[batch.pk])
        page = client.get(response["Location"]).content.decode()
        assert "李四" in page and "确认导入" in page
        client.post(response["Location"])
        ledger["working"].refresh_from_db()
        assert ledger["working"].responsible_person == "李四"

    def test_tolerates_full_width_ids_dates_and_a_title_row(self, hall_manager, ledger):
        wb = Workbook()
        ws = wb.active
        ws.append(["某某大厅整改台账（第二季度）"])
        ws.merge_cells("A1:F1")
        ws.append([])
        ws.append([" 系统编号 ", "整改措施", "责任人", "整改进展", "完成情况", "状态", "进展日期"])
        full_width = "".join(chr(ord(d) + 0xFEE0) for d in str(ledger["working"].pk))
        ws.append([full_width, "加强巡查", "王建国", "已巡查", "", "整改中", "2026.11.19"])
        ws.append([None, None, None, None, None, None, None])
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert not preview.errors and len(preview.changes) == 1

    @pytest.mark.parametrize("typed,expected", [
        ("2026年12月31日", datetime.date(2026, 12, 31)), ("2026.12.31", datetime.date(2026, 12, 31)),
        ("2026/12/31", datetime.date(2026, 12, 31)), ("2026-12-31", datetime.date(2026, 12, 31)),
        (46387, datetime.date(2026, 12, 31)), ("２０２６－１２－３１", datetime.date(2026, 12, 31)),
    ])
    def test_dates_as_people_type_them(self, typed, expected):
        from core.spreadsheets import date

        assert date(typed) == expected

    def test_status_to_close_out_goes_through_the_rules(self, hall_manager, ledger, client):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        row = _row_of(ws, ledger["working"])
        ws.cell(row=row, column=_column(ws, "状态")).value = "申请销号"
        ws.cell(row=row, column=_column(ws, "完成情况")).value = "已整改"
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        # No proof file has been uploaded for this item: the whole import is refused, before the preview.
        assert preview.batch is None
        assert [str(e) for e in preview.errors] == [
            f"第 {row} 行“状态”列：申请销号前，请先在系统中为该事项填报进展并上传佐证材料（文件不能通过台账上传）。"
        ]
        ledger["working"].refresh_from_db()
        assert ledger["working"].status == "in_progress" and ledger["working"].completion_note == ""

    def test_a_close_out_request_needs_its_completion_note(self, hall_manager, ledger, client):
        _prove(hall_manager, ledger["working"])
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        row = _row_of(ws, ledger["working"])
        ws.cell(row=row, column=_column(ws, "状态")).value = "申请销号"
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert [str(e) for e in preview.errors] == [f"第 {row} 行“完成情况”列：申请销号须填写“完成情况”。"]


@pytest.mark.django_db
class TestBadFiles:
    def _refused(self, user, upload, message):
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError) as caught:
            imports.parse_ledger(user=user, upload=upload)
        assert message in " ".join(caught.value.messages)
        assert not ImportBatch.objects.exists()

    def test_missing_or_renamed_required_column(self, client, hall_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        wb.active.cell(row=3, column=_column(wb.active, "整改措施")).value = "措施"
        self._refused(hall_manager, _upload(wb), "“整改措施”")

    def test_not_an_xlsx(self, hall_manager):
        self._refused(hall_manager, SimpleUploadedFile("a.xlsx", b"ID,Name\n1,x\n"), "不是 Excel")
        self._refused(hall_manager, SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0" + b"\0" * 100), "不是 Excel")

    SAVE_AS = "在Excel中打开它，“另存为”→“Excel 工作簿(*.xlsx)”"

    @pytest.mark.parametrize("name,content,kind", [
        ("台账.csv", "系统编号,整改措施\n1,调整排班\n".encode("gb18030"), "CSV 文本文件"),
        ("台账.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "旧版 Excel（.xls）"),
        # An .xls renamed .xlsx is still told apart by its content.
        ("台账.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "旧版 Excel（.xls）"),
    ])
    def test_a_csv_or_xls_is_told_how_to_save_as_xlsx(self, client, hall_manager, name, content, kind):
        self._refused(hall_manager, SimpleUploadedFile(name, content), kind)
        self._refused(hall_manager, SimpleUploadedFile(name, content), self.SAVE_AS)
        client.force_login(hall_manager)
        response = client.post(reverse("ledger_import"), {"file": SimpleUploadedFile(name, content)}, follow=True)
        page = response.content.decode()
        assert kind in page and "“另存为”→“Excel 工作簿(*.xlsx)”" in page
        assert not ImportBatch.objects.exists()

    def test_too_big(self, hall_manager, settings, client, ledger):
        settings.IMPORT_MAX_MB = 0
        self._refused(hall_manager, _upload(_exported_ledger(client, hall_manager)), "超过 0 MB")

    def test_too_many_rows(self, hall_manager, settings, client, ledger):
        settings.IMPORT_MAX_ROWS = 1
        self._refused(hall_manager, _upload(_exported_ledger(client, hall_manager)), "超过 1 行")

    def test_zip_bomb(self, hall_manager):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("[Content_Types].xml", "<Types/>")
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", "0" * (50 * 1024 * 1024))
        self._refused(hall_manager, SimpleUploadedFile("bomb.xlsx", out.getvalue()), "解压后过大")

    def test_xml_entity_tricks(self, hall_manager, client, ledger):
        wb = _exported_ledger(client, hall_manager)
        source = io.BytesIO()
        wb.save(source)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(source.getvalue())) as original, zipfile.ZipFile(out, "w") as archive:
            for member in original.infolist():
                data = original.read(member)
                if member.filename == "xl/workbook.xml":
                    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                    data = b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>' + body
                archive.writestr(member, data)
        self._refused(hall_manager, SimpleUploadedFile("evil.xlsx", out.getvalue()), "XML 实体")


    def _with_part(self, client, hall_manager, part, data=b"\0" * 64):
        source = io.BytesIO()
        _exported_ledger(client, hall_manager).save(source)
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(source.getvalue())) as original, zipfile.ZipFile(out, "w") as archive:
            for member in original.infolist():
                archive.writestr(member, original.read(member))
            archive.writestr(part, data)
        return SimpleUploadedFile("台账.xlsx", out.getvalue(), content_type=XLSX)

    def test_a_macro_workbook_renamed_xlsx(self, client, hall_manager, ledger):
        self._refused(hall_manager, self._with_part(client, hall_manager, "xl/vbaProject.bin"), "启用宏的工作簿")

    def test_a_workbook_with_external_links(self, client, hall_manager, ledger):
        part = "xl/externalLinks/externalLink1.xml"
        link = b'<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
        self._refused(hall_manager, self._with_part(client, hall_manager, part, link), "外部链接")


@pytest.mark.django_db
class TestBadRows:
    def test_merged_cells_in_the_body_are_named_not_read_as_no_change(self, client, hall_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        column = _column(ws, "整改措施")
        ws.cell(row=4, column=column).value = "统一调整排班"
        ws.merge_cells(start_row=4, start_column=column, end_row=5, end_column=column)
        errors = self._errors(hall_manager, wb)
        letter = ws.cell(row=4, column=column).column_letter
        assert f"第 4 行“整改措施”列：合并了单元格（{letter}4:{letter}5）" in " ".join(errors)

    def _errors(self, user, wb):
        preview = imports.parse_ledger(user=user, upload=_upload(wb))
        assert preview.batch is None  # nothing to apply while any row is wrong
        return [str(e) for e in preview.errors]

    def test_unknown_id_and_rows_outside_the_scope(self, client, hall_manager, other_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        ws.cell(row=4, column=1).value = 999999
        errors = self._errors(hall_manager, wb)
        assert any("第 4 行“系统编号”列" in e and "不存在" in e for e in errors)
        # The other hall's manager cannot touch these items with the same file.
        errors = self._errors(other_manager, _exported_ledger(client, hall_manager))
        assert errors and all("不在您的管理范围内" in e for e in errors)

    def test_formula_in_a_value_cell(self, client, hall_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        cell = ws.cell(row=4, column=_column(ws, "责任人"))
        cell.value = "=A1"
        errors = self._errors(hall_manager, wb)
        assert any("第 4 行“责任人”列：单元格里是公式" in e for e in errors)

    def test_bad_status_and_bad_date(self, client, hall_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        ws.cell(row=4, column=_column(ws, "状态")).value = "完成了"
        ws.cell(row=5, column=_column(ws, "进展日期")).value = "上周五"
        errors = self._errors(hall_manager, wb)
        assert any("“完成了”不是有效的状态" in e for e in errors)
        assert any("第 5 行“进展日期”列" in e for e in errors)

    def test_text_too_long_for_its_column(self, client, hall_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        ws.cell(row=4, column=_column(ws, "责任人")).value = "张" * 51
        ws.cell(row=5, column=_column(ws, "整改措施")).value = "措" * 5000  # free text: no limit
        errors = self._errors(hall_manager, wb)
        assert errors == ["第 4 行“责任人”列：不能超过 50 个字。"]

    def test_one_bad_row_keeps_every_row_out(self, client, hall_manager, ledger):
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        ws.cell(row=4, column=_column(ws, "责任人")).value = "新责任人"
        ws.cell(row=5, column=_column(ws, "状态")).value = "已销号"
        self._errors(hall_manager, wb)
        assert not RectificationItem.objects.filter(responsible_person="新责任人").exists()


@pytest.mark.django_db
class TestRoster:
    def _roster(self, rows):
        wb = Workbook()
        ws = wb.active
        ws.append(["汤原县政务服务中心工作人员名册"])
        ws.append(["工号", "姓名", "部门", "窗口号", "岗位", "党员", "联系电话", "在岗"])
        for row in rows:
            ws.append(row)
        return _upload(wb, "名册.xlsx")

    def test_creates_and_updates_by_badge_number(self, hall_manager, own_hall):
        existing = own_hall.staff.first()
        upload = self._roster([
            [existing.badge_number, "改名后", "住建局", "10", "窗口工作人员", "是", "13900000000", "是"],
            ["N-001", "新同事", "住建局", "１０", "导办员", "否", "", "是"],
        ])
        preview = roster.parse_roster(user=hall_manager, hall=own_hall, upload=upload)
        assert not preview.errors and len(preview.changes) == 2
        roster.apply_roster(user=hall_manager, batch=preview.batch)
        existing.refresh_from_db()
        assert existing.name == "改名后" and existing.is_party_member
        new = own_hall.staff.get(badge_number="N-001")
        assert new.post == "guide" and new.window.number == 10

    def test_bad_rows_are_named(self, hall_manager, own_hall):
        upload = self._roster([
            ["", "无工号", "", "", "", "", "", ""],
            ["X1", "甲", "不存在的部门", "99", "局长", "也许", "", ""],
            ["X1", "乙", "", "", "", "", "", ""],
        ])
        preview = roster.parse_roster(user=hall_manager, hall=own_hall, upload=upload)
        text = " ".join(str(e) for e in preview.errors)
        assert "第 3 行“工号”列：工号不能为空" in text
        assert "没有“不存在的部门”" in text and "没有 99 号窗口" in text and "“局长”不是有效的岗位" in text
        assert "请填写“是”或“否”" in text and "第 5 行“工号”列：与第 4 行重复" in text
        assert preview.batch is None

    def test_only_for_halls_the_user_may_change(self, hall_manager, other_hall):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            roster.parse_roster(user=hall_manager, hall=other_hall, upload=self._roster([]))


@pytest.mark.django_db
def test_formula_like_text_survives_export_and_import_unchanged(client, hall_manager, ledger):
    item = ledger["working"]
    RectificationItem.objects.filter(pk=item.pk).update(measures="=SUM(A1:A9)", responsible_leader="@负责人",
                                                        proof_notes="-见附件", completion_note="+已完成")
    wb = _exported_ledger(client, hall_manager)
    ws = wb.active
    cell = ws.cell(row=_row_of(ws, item), column=_column(ws, "整改措施"))
    assert cell.data_type == "s" and cell.value == "=SUM(A1:A9)"
    preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
    assert not preview.errors and not preview.changes  # read back exactly as written


@pytest.mark.django_db
def test_an_english_screen_still_gets_a_chinese_ledger_that_imports_back(client, hall_manager, ledger):
    client.force_login(hall_manager)
    client.post(reverse("set_language"), {"language": "en"})
    wb = load_workbook(io.BytesIO(b"".join(client.get(reverse("ledger_export")).streaming_content)))
    assert [c.value for c in wb.active[3]][:3] == ["系统编号", "序号", "事项编号"]
    preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
    assert not preview.errors and not preview.changes


@pytest.mark.django_db
class TestTheRoundTripNeverSurprises:
    """The preview says what will change (old → new) and which edited cells will not, and why;
    a cell left as exported means no change, whatever the item has become since."""

    def test_every_column_is_either_read_back_or_has_its_reason(self):
        assert set(STAMPED_KEYS) == set(LEDGER_EDITABLE) | set(imports.NOT_IMPORTED)
        assert not set(LEDGER_EDITABLE) & set(imports.NOT_IMPORTED)

    def test_edits_of_columns_the_import_does_not_read_are_listed_with_why(self, client, hall_manager, ledger):
        item = ledger["working"]
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        row = _set(ws, item, "整改时限", datetime.date(2031, 1, 31))
        _set(ws, item, "问题描述", "改写的问题描述")
        _set(ws, item, "备注", "请作风办关注")
        _set(ws, item, "进展日期", "2026-01-05")  # a date without a new progress
        closure_row = _set(ws, ledger["closure"], "整改进展", "")  # cleared: progress entries are never deleted
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert not preview.errors and not preview.changes
        assert _notes(preview) == [
            f"第 {row} 行“问题描述”列：问题描述以作风办确认的问题为准，台账中的修改不会导入。",
            f"第 {row} 行“整改时限”列：整改时限由作风办设定，台账中的修改不会导入；需要延期，请在系统中提出延期申请。",
            f"第 {row} 行“进展日期”列：只改“进展日期”不会修改已填报的进展；填报新的进展，请同时填写“整改进展”。",
            f"第 {row} 行“备注”列：备注由系统填写，台账中的修改不会导入；需要说明的情况请写在“完成情况”中。",
            f"第 {closure_row} 行“整改进展”列：清空“整改进展”不会删除已填报的进展：进展只能增加，不能删改。",
        ]
        assert not ledger["closure"].progress.filter(text="").exists()
        item.refresh_from_db()
        assert item.deadline != datetime.date(2031, 1, 31)

    def test_the_pages_show_what_will_not_be_imported(self, client, hall_manager, ledger):
        item = ledger["working"]
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        row = _set(ws, item, "整改时限", datetime.date(2031, 1, 31))
        deadline_note = f"第 {row} 行“整改时限”列：整改时限由作风办设定，台账中的修改不会导入"
        # Nothing to change: the upload page says so, and lists the cell.
        page = client.post(reverse("ledger_import"), {"file": _upload(wb)}).content.decode()
        assert "没有需要导入的修改" in page and deadline_note in page and "1 处修改不会导入" in page
        # With a change as well: the preview lists both, and applying leaves the deadline alone.
        _set(ws, item, "责任人", "李四")
        response = client.post(reverse("ledger_import"), {"file": _upload(wb)})
        page = client.get(response["Location"]).content.decode()
        assert "李四" in page and deadline_note in page
        client.post(response["Location"])
        before = item.deadline
        item.refresh_from_db()
        assert item.responsible_person == "李四" and item.deadline == before

    def test_a_table_without_the_stamps_is_compared_with_what_the_export_writes_now(self, client, hall_manager,
                                                                                    ledger):
        _prove(hall_manager, ledger["working"])  # a proof file listed in 佐证材料
        unchanged = _without_stamps(_exported_ledger(client, hall_manager))
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(unchanged))
        assert not preview.errors and not preview.changes and not preview.skipped
        wb = _without_stamps(_exported_ledger(client, hall_manager))
        row = _set(wb.active, ledger["working"], "整改时限", "2031-01-31")
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert _notes(preview) == [
            f"第 {row} 行“整改时限”列：整改时限由作风办设定，台账中的修改不会导入；需要延期，请在系统中提出延期申请。"
        ]

    def test_an_earlier_export_after_the_office_approved_the_close_out_changes_nothing(self, client, hall_manager,
                                                                                       office, ledger):
        closure = ledger["closure"]
        earlier = _exported_ledger(client, hall_manager)  # 申请销号 when exported
        services.closure_approve(actor=office, item=closure)
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(earlier))
        assert not preview.errors and not preview.changes and not preview.skipped
        # The same file as a table without its stamps would ask to go back from 已销号: refused.
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(_without_stamps(earlier)))
        assert any("不能在台账中把状态从“已销号”改为“申请销号”" in str(e) for e in preview.errors)

    def test_an_earlier_export_after_the_item_went_to_close_out_changes_nothing(self, client, hall_manager, ledger):
        working = ledger["working"]
        _prove(hall_manager, working)
        earlier = _exported_ledger(client, hall_manager)  # 整改中 when exported
        row = _set(earlier.active, working, "责任人", "李四")
        services.closure_request(actor=hall_manager, item=working, completion_note="已整改")
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(earlier))
        assert not preview.errors and not preview.skipped
        [change] = preview.changes
        assert change["row"] == row and change["fields"] == [("责任人", "王建国", "李四")]
        imports.apply_ledger(user=hall_manager, batch=preview.batch)
        working.refresh_from_db()
        assert working.status == "closure_requested" and working.responsible_person == "李四"

    def test_an_earlier_export_after_a_failed_revisit_reopened_the_item_changes_nothing(
            self, client, hall_manager, office, inspector, ledger):
        closure = ledger["closure"]
        services.closure_approve(actor=office, item=closure)
        earlier = _exported_ledger(client, hall_manager)  # 已销号 when exported
        services.revisit_record(actor=inspector, items=[closure], date=timezone.localdate(), observation="未整改",
                                verdict="fake")
        closure.refresh_from_db()
        assert closure.status == "in_progress"
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(earlier))
        assert not preview.errors and not preview.changes and not preview.skipped

    def test_an_edit_of_a_cell_the_system_changed_since_the_export_is_not_imported(self, client, hall_manager,
                                                                                   office, ledger):
        working = ledger["working"]
        wb = _exported_ledger(client, hall_manager)
        row = _set(wb.active, working, "责任人", "李四")
        _set(wb.active, working, "责任领导", "张副主任")
        services.item_update(actor=office, item=working, version=working.version, values={"responsible_person": "赵六"})
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert not preview.errors
        assert _notes(preview) == [
            f"第 {row} 行“责任人”列：导出后，系统中的这一格已改为“赵六”；以系统为准，文件中的修改不会导入。如需修改，请重新导出台账后再填写。"
        ]
        [change] = preview.changes
        assert change["fields"] == [("责任领导", "", "张副主任")]
        imports.apply_ledger(user=hall_manager, batch=preview.batch)
        working.refresh_from_db()
        assert (working.responsible_person, working.responsible_leader) == ("赵六", "张副主任")

    def test_a_change_made_in_the_system_between_upload_and_apply_refuses_the_file(self, client, hall_manager,
                                                                                   office, ledger):
        from django.core.exceptions import ValidationError

        working = ledger["working"]
        wb = _exported_ledger(client, hall_manager)
        row = _set(wb.active, working, "责任人", "李四")
        _set(wb.active, ledger["closure"], "整改措施", "增设导办员")
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        services.item_update(actor=office, item=working, version=working.version, values={"responsible_person": "赵六"})
        with pytest.raises(ValidationError) as refused:
            imports.apply_ledger(user=hall_manager, batch=preview.batch)
        assert f"第 {row} 行“责任人”列：上传之后，系统中的这一格已被修改（现为“赵六”）" in refused.value.messages[0]
        ledger["closure"].refresh_from_db()
        assert ledger["closure"].measures == ""  # all or nothing

    def test_edits_of_a_closed_item_are_not_imported(self, client, hall_manager, office, ledger):
        closure = ledger["closure"]
        wb = _exported_ledger(client, hall_manager)
        row = _set(wb.active, closure, "整改措施", "增设导办员")
        _set(wb.active, closure, "整改进展", "又做了一些")
        services.closure_approve(actor=office, item=closure)
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert not preview.errors and not preview.changes
        assert _notes(preview) == [
            f"第 {row} 行“整改措施”列：该事项已销号，不能再修改，这一格不会导入。",
            f"第 {row} 行“整改进展”列：事项当前为“已销号”，不能再填报进展，这一格不会导入。",
        ]

    def test_status_changes_appear_in_the_preview_old_to_new(self, client, hall_manager, office, own_hall,
                                                             open_visit, ledger):
        from tests.factories import FindingFactory

        working = ledger["working"]
        _prove(hall_manager, working)
        assigned = RectificationItem.objects.create(
            hall=own_hall, kind="deadline", status="assigned", created_by=office,
            assigned_date=timezone.localdate(), deadline=timezone.localdate() + datetime.timedelta(days=9),
        )
        assigned.findings.set([FindingFactory(visit=open_visit, status="confirmed")])
        client.force_login(hall_manager)
        wb = _exported_ledger(client, hall_manager)
        _set(wb.active, working, "状态", "申请销号")
        _set(wb.active, working, "完成情况", "已整改")
        _set(wb.active, assigned, "整改进展", "已开始排查")  # the first progress starts the work
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        fields = {change["label"]: change["fields"] for change in preview.changes}
        assert ("状态", "整改中", "申请销号") in fields[working.code]
        assert fields[assigned.code] == [("整改进展", "", "已开始排查"), ("状态", "已交办", "整改中")]
        page = client.get(reverse("ledger_import_preview", args=[preview.batch.pk])).content.decode()
        assert "<del>整改中</del> → 申请销号" in page and "<del>已交办</del> → 整改中" in page
        imports.apply_ledger(user=hall_manager, batch=preview.batch)
        working.refresh_from_db()
        assigned.refresh_from_db()
        assert (working.status, assigned.status) == ("closure_requested", "in_progress")

    def test_proof_files_are_listed_and_only_the_units_words_are_read_back(self, client, hall_manager, ledger):
        working = ledger["working"]
        _prove(hall_manager, working, "排班表.jpg")
        RectificationItem.objects.filter(pk=working.pk).update(proof_notes="排班表")
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        cell = ws.cell(row=_row_of(ws, working), column=_column(ws, "佐证材料"))
        assert cell.value == "排班表\n系统中已上传：排班表.jpg"
        cell.value = "排班表、培训签到表\n系统中已上传：排班表.jpg"
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        [change] = preview.changes
        assert change["fields"] == [("佐证材料", "排班表", "排班表、培训签到表")] and not preview.skipped
        imports.apply_ledger(user=hall_manager, batch=preview.batch)
        working.refresh_from_db()
        assert working.proof_notes == "排班表、培训签到表"
        # The list of files is the system's: editing it is said to change nothing.
        wb = _exported_ledger(client, hall_manager)
        ws = wb.active
        row = _row_of(ws, working)
        ws.cell(row=row, column=_column(ws, "佐证材料")).value = "排班表、培训签到表\n系统中已上传：排班表.jpg；签到表.pdf"
        preview = imports.parse_ledger(user=hall_manager, upload=_upload(wb))
        assert not preview.changes
        assert _notes(preview) == [f"第 {row} 行“佐证材料”列：" + str(imports.NOT_IMPORTED["佐证材料·已上传文件"])]
