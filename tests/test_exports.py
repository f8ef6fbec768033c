"""Excel exports: the layout offices expect, formula safety, scope, filters, background jobs."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from circulars import services as circular_services
from core.exporting import FONT_NAME
from core.models import ExportJob
from inspections.models import Finding
from tests.factories import FindingFactory, category

DANGEROUS = ["=1+2", "+CMD|' /C calc'!A0", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\nLF", "=HYPERLINK(\"http://x\")"]


def _book(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


@pytest.fixture
def published_circular(office, regions, undercover_visit, open_visit):
    findings = [
        FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"), severity="serious"),
        FindingFactory(visit=open_visit, status="confirmed", category=category("A02"), facts={}),
    ]
    circular = circular_services.circular_save(actor=office, findings=findings, values={
        "issuer": "佳木斯市作风办", "issuer_code": "佳作整办", "year": 2026, "serial": 5, "region": regions["city_a"],
        "title": "关于窗口服务明察暗访情况的通报", "date": datetime.date(2026, 11, 21), "naming": "surname",
        "lead": "近日，市作风办对全市政务服务窗口进行了明察暗访。", "requirements": "各单位要立即自查自纠。",
        "accountability_tally": "共问责2人。",
    })
    return circular_services.circular_publish(actor=office, circular=circular)


@pytest.mark.django_db
class TestCircularLayout:
    def test_the_first_sheet_holds_the_notice_itself(self, client, office, published_circular):
        client.force_login(office)
        book = _book(client.get(reverse("circular_export", args=[published_circular.pk])))
        assert book.sheetnames == ["通报", "问题清单"]
        notice = {row[0]: row[1] for row in book["通报"].iter_rows(min_row=4, values_only=True)}
        assert notice["文号"] == "佳作整办〔2026〕5号" and notice["发文日期"] == "2026年11月21日"
        assert notice["导语"].startswith("近日") and notice["问责情况"] == "共问责2人。"
        assert notice["工作要求"] == "各单位要立即自查自纠。" and notice["问题总数"] == "2 个"
        assert notice["一、"] == "仪容仪表（1 个）" and notice["二、"] == "工作纪律（1 个）"

    def test_layout_read_back(self, client, office, published_circular):
        client.force_login(office)
        ws = _book(client.get(reverse("circular_export", args=[published_circular.pk])))["问题清单"]
        assert "A1:O1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws["A1"].value == "关于窗口服务明察暗访情况的通报问题清单"
        assert "佳作整办〔2026〕5号" in ws["A2"].value
        headers = [c.value for c in ws[3]]
        assert headers == ["序号", "地区", "单位", "窗口", "暗访时间", "问题类别", "问题子项", "严重程度", "通报表述",
                           "量化事实", "责任人", "处理意见", "整改时限", "章节", "来源"]
        assert ws.freeze_panes == "A4"
        assert ws.print_title_rows == "$3:$3"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9 and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.column_dimensions["I"].width >= 40  # 通报表述 wide enough for Chinese text
        assert ws["A4"].font.name == FONT_NAME and ws["I4"].alignment.wrap_text and ws["I4"].border.left.style == "thin"
        assert ws["E4"].is_date and ws["E4"].number_format == "yyyy-mm-dd hh:mm"
        assert ws["F4"].value == "仪容仪表"  # taxonomy order: A before C
        assert [ws["F5"].value, ws["G5"].value, ws["H5"].value, ws["L5"].value] == ["工作纪律", "擅自离岗、脱岗、串岗", "较重",
                                                                                    "责令整改"]
        assert ws["N5"].value == "二、工作纪律"
        assert ws.row_dimensions[5].height > 14.5  # a wrapped sentence gets a taller row
        assert ws.max_row == 5

    def test_management_command(self, published_circular, tmp_path):
        out = tmp_path / "circular.xlsx"
        call_command("export_circular", published_circular.doc_number, "-o", str(out))
        assert load_workbook(out)["问题清单"].max_row == 5
        call_command("export_circular", str(published_circular.pk), "-o", str(out))
        docx = tmp_path / "circular.docx"
        call_command("export_circular", published_circular.doc_number, "-o", str(docx))
        assert docx.read_bytes()[:2] == b"PK"
        with pytest.raises(CommandError, match=r"\.docx"):
            call_command("export_circular", published_circular.doc_number, "-o", str(tmp_path / "x.pdf"))


@pytest.mark.django_db
class TestFormulaSafety:
    def test_text_that_looks_like_a_formula_stays_text_and_reads_back_unchanged(self, client, office, undercover_visit):
        for text in DANGEROUS:
            FindingFactory(visit=undercover_visit, status="submitted", description=text)
        client.force_login(office)
        ws = _book(client.get(reverse("findings_export"))).active
        cells = {ws.cell(row=r, column=8).value: ws.cell(row=r, column=8) for r in range(4, ws.max_row + 1)}
        for text in DANGEROUS:
            # A carriage return is kept as Excel's own line break within a cell.
            cell = cells[text.replace("\r", "\n")]
            assert cell.data_type == "s" and cell.value == text.replace("\r", "\n")
            assert cell.quotePrefix if not text[0].isalnum() else True


@pytest.mark.django_db
class TestLedgerAndLists:
    def test_ledger_has_a_hidden_id_and_a_status_drop_down(self, client, hall_manager, ledger):
        client.force_login(hall_manager)
        ws = _book(client.get(reverse("ledger_export"))).active
        headers = [c.value for c in ws[3]]
        assert headers[0] == "系统编号" and ws.column_dimensions["A"].hidden
        status_col = headers.index("状态") + 1
        validations = ws.data_validations.dataValidation
        assert any("申请销号" in v.formula1 for v in validations)
        ids = {ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)}
        assert ids == {ledger["working"].pk, ledger["closure"].pk}  # not the office's prepared item
        assert ws.cell(row=4, column=status_col).value in ("整改中", "申请销号")

    def test_the_status_drop_down_offers_only_what_a_unit_may_choose(self, client, hall_manager, ledger):
        """What a unit may keep while it works (已交办, 整改中) and the one status it may set (申请销号);
        never the office's 待下发 or 已销号."""
        from openpyxl.utils import get_column_letter

        client.force_login(hall_manager)
        ws = _book(client.get(reverse("ledger_export"))).active
        headers = [c.value for c in ws[3]]
        letter = get_column_letter(headers.index("状态") + 1)
        [validation] = ws.data_validations.dataValidation
        assert validation.formula1 == '"已交办,整改中,申请销号"'
        assert str(validation.sqref).startswith(f"{letter}4:{letter}")
        # The stamp of what each row said is the last column, hidden like the id.
        assert headers[-1] == "导出核对" and ws.column_dimensions[get_column_letter(len(headers))].hidden

    def test_filtered_findings_export_has_exactly_the_filtered_rows(self, client, office, findings):
        client.force_login(office)
        ws = _book(client.get(reverse("findings_export"), {"source": "self_inspection"})).active
        assert [ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)] == [findings["self"].code]

    def test_export_never_leaves_the_scope(self, client, hall_manager, findings):
        client.force_login(hall_manager)
        ws = _book(client.get(reverse("findings_export"))).active
        codes = {ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)}
        assert findings["undercover"].code not in codes and findings["other"].code not in codes
        assert findings["published"].code in codes

    def test_accountability_and_statistics(self, client, office, ledger):
        client.force_login(office)
        ws = _book(client.get(reverse("accountability_export"))).active
        assert ws.cell(row=4, column=8).value == "谈话提醒"
        book = _book(client.get(reverse("statistics_export")))
        assert {"按地区", "按大厅", "按部门", "按问题大类", "按问题子项", "按月份", "整改情况"} <= set(book.sheetnames)
        rates = book["整改情况"]
        assert rates["A3"].value == "单位" and rates["D4"].number_format == "0.0%"

    def test_export_ledger_command(self, ledger, tmp_path, regions):
        out = tmp_path / "ledger.xlsx"
        call_command("export_ledger", "--region", regions["city_a"].code, "-o", str(out))
        assert load_workbook(out).active.max_row == 3 + 2  # the prepared item is left out


@pytest.mark.django_db
class TestBackgroundExports:
    def test_a_large_export_runs_in_the_background_with_progress_and_a_download(
        self, client, office, findings, settings
    ):
        settings.EXPORT_BACKGROUND_THRESHOLD = 1
        client.force_login(office)
        response = client.get(reverse("findings_export"), {"status": "submitted"})
        job = ExportJob.objects.get()
        assert response["Location"] == job.get_absolute_url()
        job.refresh_from_db()  # the test backend runs the task at once
        assert job.status == "done" and job.percent == 100 and job.rows_total == job.rows_done == 2
        progress = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
        assert "下载文件" in progress
        ws = _book(client.get(reverse("export_download", args=[job.pk]))).active
        assert ws.max_row == 3 + 2

    def test_only_the_requester_downloads_and_only_until_it_expires(self, client, office, auditor, findings, settings):
        settings.EXPORT_BACKGROUND_THRESHOLD = 0
        client.force_login(office)
        client.get(reverse("findings_export"))
        job = ExportJob.objects.get()
        client.force_login(auditor)
        assert client.get(reverse("export_download", args=[job.pk])).status_code == 404
        client.force_login(office)
        ExportJob.objects.filter(pk=job.pk).update(expires_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
        assert client.get(reverse("export_download", args=[job.pk])).status_code == 404
        from core.jobs import delete_expired

        assert delete_expired() == 1

    def test_the_job_is_scoped_to_the_requester_when_it_runs(self, hall_manager, findings):
        from core.jobs import run_export

        job = ExportJob.objects.create(requester=hall_manager, kind="findings", params={})
        run_export.call(job.pk)
        job.refresh_from_db()
        ws = load_workbook(job.file.open("rb")).active
        codes = {ws.cell(row=r, column=1).value for r in range(4, ws.max_row + 1)}
        assert findings["undercover"].code not in codes and Finding.objects.count() > len(codes)
