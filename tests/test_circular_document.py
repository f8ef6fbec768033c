"""The circular as the office issues it: its own sections and sentences, a number only when it is
published, frozen from then on, and an official Word document in the GB/T 9704-2012 layout."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from circulars import services as circular_services
from circulars.document import compose_sentence, document_of
from circulars.models import Circular, CircularEntry, CircularSection, NumberLock
from circulars.word import CHARS_PER_LINE, LINES_PER_PAGE, write_docx
from inspections.models import Finding
from rectification.models import Accountability
from tests.factories import FindingFactory, category

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(undercover_visit, open_visit, own_hall):
    window = own_hall.windows.get()  # "10号窗口"
    return [
        FindingFactory(visit=undercover_visit, status="confirmed", category=category("C02"), window=window,
                       description="10号窗口工作人员离岗", facts={"minutes_off_post": 27}),
        FindingFactory(visit=undercover_visit, status="confirmed", category=category("A02"), facts={}),
        FindingFactory(visit=open_visit, status="confirmed", category=category("D04"), facts={"intermediaries": 3}),
    ]


def _draft(office, regions, findings, **values):
    return circular_services.circular_save(actor=office, findings=findings, values={
        "issuer": "佳木斯市深化机关作风整顿领导小组办公室", "issuer_code": "佳作整办", "year": 2026,
        "region": regions["city_a"], "title": "关于窗口服务明察暗访情况的通报", "date": datetime.date(2026, 11, 21),
        "lead": "近日，市作风办对全市政务服务窗口进行了明察暗访。", "requirements": "各单位要立即自查自纠。",
        "naming": Circular.Naming.SURNAME} | values)


def _arrangement(circular, **changes):
    sections = {s.pk: (s.title, s.order) for s in circular.sections.all()}
    entries = {e.pk: (e.section_id, e.order, e.text, e.opinion) for e in circular.entries.all()}
    return {"sections": sections, "new_sections": {}, "entries": entries} | changes


class TestTheSentence:
    def test_nothing_is_said_twice(self):
        assert compose_sentence(hall="汤原县政务服务中心", departments="房产处", window="10号窗口", person="张某",
                                description="10号窗口工作人员接受香烟。", facts="") == \
            "汤原县政务服务中心房产处（张某）10号窗口工作人员接受香烟。"
        assert compose_sentence(hall="齐齐哈尔市不动产登记交易中心", departments="", window="", person="",
                                description="齐齐哈尔市不动产登记交易中心服务大厅内有多家中介公开揽活", facts="") == \
            "齐齐哈尔市不动产登记交易中心服务大厅内有多家中介公开揽活。"

    def test_a_fact_the_description_says_already_is_not_repeated(self, taxonomy):
        from inspections.facts import describe_facts

        said = "工作人员离岗27分钟，多次闲聊，整个暗访期间无人值守"
        assert describe_facts({"minutes_off_post": 27, "people_waiting": 4}, said=said) == "等候群众 4 人"
        assert describe_facts({"activity": ["chatting", "eating", "other"]}, said=said) == "所做无关事 吃东西"
        assert describe_facts({"minutes_observed": "whole_visit", "count": "several"}, said=said) == ""
        assert describe_facts({"minutes_observed": "whole_visit"}, said="窗口无人") == "整个暗访期间无人值守"

    def test_the_parts_in_order(self):
        assert compose_sentence(hall="佳木斯市政务服务中心", departments="", window="3号窗口", person="李某", description="工作人员离岗",
                                facts="离岗时长 27 分钟") == "佳木斯市政务服务中心3号窗口（李某）工作人员离岗（离岗时长 27 分钟）。"


class TestSections:
    def test_a_draft_opens_with_one_section_per_class_in_taxonomy_order(self, office, regions, confirmed):
        circular = _draft(office, regions, confirmed)
        assert [s.title for s in circular.sections.all()] == ["仪容仪表", "工作纪律", "廉洁"]
        assert "10号窗口10号窗口" not in document_of(circular).items[1].text

    def test_the_office_retitles_reorders_merges_and_rewrites(self, client, office, regions, confirmed):
        circular = _draft(office, regions, confirmed)
        a, c, d = circular.sections.all()
        entry_a, entry_c, entry_d = (CircularEntry.objects.get(circular=circular, finding=f)
                                     for f in (confirmed[1], confirmed[0], confirmed[2]))
        client.force_login(office)
        body = {f"s{a.pk}_title": "部分窗口工作人员纪律涣散", f"s{a.pk}_order": 2,
                f"s{c.pk}_title": "部分服务窗口有空岗漏岗现象", f"s{c.pk}_order": 1,
                f"s{d.pk}_title": "（将被合并）", f"s{d.pk}_order": 3,
                "new1_title": "部分服务大厅内有中介公开揽活", "new1_order": 0, "new2_title": "", "new2_order": 9}
        for entry, target, text, opinion in (
                (entry_a, a.pk, "", "rectify"),
                (entry_c, c.pk, "佳木斯市某窗口工作人员在群众等候期间离岗27分钟。", "talk"),
                (entry_d, "new1", "", "accountability")):
            body |= {f"e{entry.pk}_section": target, f"e{entry.pk}_order": 1, f"e{entry.pk}_text": text,
                     f"e{entry.pk}_opinion": opinion}
        response = client.post(reverse("circular_arrange", args=[circular.pk]), body)
        assert response.status_code == 302, response.content.decode()
        document = document_of(circular)
        assert [s.title for s in document.sections] == [
            "部分服务大厅内有中介公开揽活", "部分服务窗口有空岗漏岗现象", "部分窗口工作人员纪律涣散"]
        assert not CircularSection.objects.filter(pk=d.pk).exists()  # emptied, so merged away
        assert document.sections[1].items[0].text == "佳木斯市某窗口工作人员在群众等候期间离岗27分钟。"
        assert document.sections[1].items[0].opinion == "约谈" and document.sections[0].items[0].opinion == "问责"
        assert [i.number for i in document.items] == [1, 2, 3]
        page = client.get(circular.get_absolute_url()).content.decode()
        assert page.index("一、部分服务大厅内有中介公开揽活") < page.index("二、部分服务窗口有空岗漏岗现象")

    def test_a_blank_title_is_refused_and_nothing_changes(self, office, regions, confirmed):
        circular = _draft(office, regions, confirmed)
        before = list(CircularSection.objects.values_list("pk", "title", "order"))
        first = circular.sections.first()
        sections = {s.pk: (s.title, s.order + 5) for s in circular.sections.all()} | {first.pk: (" ", 1)}
        with pytest.raises(ValidationError, match="标题不能为空"):
            circular_services.circular_arrange(actor=office, circular=circular, **_arrangement(circular, sections=sections))
        assert list(CircularSection.objects.values_list("pk", "title", "order")) == before

    def test_a_new_finding_joins_the_section_of_its_class_and_one_taken_out_leaves(self, office, regions, confirmed):
        circular = _draft(office, regions, confirmed[:2])
        section = circular.sections.get(category=category("C02").parent)
        circular_services.circular_arrange(actor=office, circular=circular, **_arrangement(
            circular, sections={s.pk: ("空岗漏岗" if s == section else s.title, s.order)
                                for s in circular.sections.all()}))
        another = FindingFactory(visit=confirmed[0].visit, status="confirmed", category=category("C01"))
        circular_services.circular_save(actor=office, circular=circular, values={}, findings=[confirmed[0], another])
        assert [(s.title, s.entries.count()) for s in circular.sections.all()] == [("空岗漏岗", 2)]


class TestPublishing:
    def test_the_number_is_given_at_publishing_and_the_document_is_frozen(self, client, office, regions, confirmed,
                                                                          own_hall):
        circular = _draft(office, regions, confirmed)
        assert circular.doc_number is None
        circular = circular_services.circular_publish(actor=office, circular=circular)
        assert circular.doc_number == "佳作整办〔2026〕1号" and circular.issued["number"] == circular.doc_number
        client.force_login(office)
        page_before = _article(client.get(circular.get_absolute_url()))
        docx_before = _docx_text(client.get(reverse("circular_document", args=[circular.pk])))
        # Recorded afterwards: an accountability, an edited finding, a renamed hall.
        record = Accountability.objects.create(
            subject="staff", hall=own_hall, track="first_form", type="谈话提醒", deciding_body="县纪委",
            decision_date=datetime.date(2026, 12, 1), created_by=office, staff=own_hall.staff.first())
        record.findings.set([confirmed[0]])
        Finding.objects.filter(pk=confirmed[0].pk).update(description="改过的描述")
        type(own_hall).objects.filter(pk=own_hall.pk).update(name="改名后的中心")
        circular.refresh_from_db()
        assert _article(client.get(circular.get_absolute_url())) == page_before
        assert _docx_text(client.get(reverse("circular_document", args=[circular.pk]))) == docx_before
        assert "改过的描述" not in page_before and "改名后的中心" not in docx_before

    def test_a_correction_refers_to_a_published_circular(self, office, regions, confirmed):
        first = circular_services.circular_publish(actor=office, circular=_draft(office, regions, confirmed[:1]))
        draft = _draft(office, regions, confirmed[1:2])
        with pytest.raises(ValidationError, match="只能更正已发布的通报"):
            _draft(office, regions, confirmed[2:], corrects=draft)
        correction = _draft(office, regions, confirmed[2:], corrects=first, title="关于更正的通报")
        assert document_of(correction).corrects == first.doc_number

    def test_numbers_stay_consecutive(self, office, regions, confirmed):
        drafts = [_draft(office, regions, [f]) for f in confirmed]
        for draft in reversed(drafts):
            circular_services.circular_publish(actor=office, circular=draft)
        assert sorted(Circular.objects.values_list("serial", flat=True)) == [1, 2, 3]


def _article(response) -> str:
    """The notice itself on the page (the page around it has a fresh CSRF token each time)."""
    page = response.content.decode()
    return page[page.index("<article"):page.index("</article>")]


def _docx_text(response) -> str:
    doc = Document(io.BytesIO(b"".join(response.streaming_content)))
    return "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        cell.text for table in doc.tables for row in table.rows for cell in row.cells)


def _east_asian(style) -> str:
    return style.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))


class TestTheWordDocument:
    @pytest.fixture
    def doc(self, office, regions, confirmed):
        circular = circular_services.circular_publish(actor=office, circular=_draft(
            office, regions, confirmed, accountability_tally="共问责2人。"))
        out = io.BytesIO()
        write_docx(document_of(circular), out)
        out.seek(0)
        return Document(out)

    def test_page_and_margins(self, doc):
        for section in doc.sections:
            # (Word stores twentieths of a point: within a hair of the millimetres)
            for actual, wanted in ((section.page_width, 210), (section.page_height, 297), (section.top_margin, 37),
                                   (section.bottom_margin, 35), (section.left_margin, 28), (section.right_margin, 26)):
                assert abs(actual - Mm(wanted)) < Mm(0.05), (actual.mm, wanted)
            grid = section._sectPr.find(qn("w:docGrid"))
            assert grid.get(qn("w:type")) == "lines"
            # 22 lines in the 225 mm type area
            assert abs(int(grid.get(qn("w:linePitch"))) / 20 * LINES_PER_PAGE - 225 / 25.4 * 72) < 1

    def test_fonts_and_sizes(self, doc):
        styles = doc.styles
        assert _east_asian(styles["公文-标题"]) == "方正小标宋简体" and styles["公文-标题"].font.size == Pt(22)
        assert _east_asian(styles["公文-正文"]) == "仿宋_GB2312" and styles["公文-正文"].font.size == Pt(16)
        assert _east_asian(styles["公文-一级标题"]) == "黑体" and styles["公文-一级标题"].font.size == Pt(16)
        assert _east_asian(styles["公文-二级标题"]) == "楷体_GB2312"
        assert styles["公文-发文机关标志"].font.color.rgb == (0xFF, 0, 0)
        # 28 characters of 3号 in the 156 mm line: the condensed spacing leaves no room for a 29th.
        spacing = int(styles["公文-正文"].element.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
        pitch = 16 + spacing
        assert CHARS_PER_LINE * pitch <= 156 / 25.4 * 72 < (CHARS_PER_LINE + 1) * pitch

    def test_the_parts_of_the_document_in_order(self, doc):
        texts = [(p.style.name, p.text) for p in doc.paragraphs if p.text]
        assert texts[0] == ("公文-发文机关标志", "佳木斯市深化机关作风整顿领导小组办公室文件")
        assert texts[1] == ("公文-发文字号", "佳作整办〔2026〕1号")
        assert texts[2] == ("公文-标题", "关于窗口服务明察暗访情况的通报")
        headings = [text for style, text in texts if style == "公文-一级标题"]
        assert headings == ["一、仪容仪表", "二、工作纪律", "三、廉洁", "四、问责情况", "五、工作要求"]
        assert ("公文-署名", "2026年11月21日") in texts and ("公文-正文", "附件：问题清单") in texts
        # The signature keeps with the body's last lines: never alone on a page.
        signature = next(p for p in doc.paragraphs if p.style.name == "公文-署名")
        assert signature.paragraph_format.keep_with_next
        last_body = [p for p in doc.paragraphs if p.text == "各单位要立即自查自纠。"][0]
        assert last_body.paragraph_format.keep_with_next
        table = doc.tables[0]
        assert [c.text for c in table.rows[0].cells] == ["序号", "单位", "窗口", "问题类别", "问题表述", "处理意见",
                                                         "整改时限"]
        assert len(table.rows) == 4

    def test_page_numbers_outside_with_dashes(self, doc):
        footer = doc.sections[0].footer.paragraphs[0]
        assert footer.text == "—  —" and "PAGE" in footer._p.xml
        assert doc.settings.element.find(qn("w:evenAndOddHeaders")) is not None

    def test_the_office_may_use_its_own_template(self, office, regions, confirmed, settings, tmp_path):
        from circulars.word import default_template

        template = default_template()
        template.styles["公文-正文"].font.size = Pt(15)
        path = tmp_path / "本办模板.docx"
        template.save(path)
        settings.CIRCULAR_DOCX_TEMPLATE = str(path)
        out = io.BytesIO()
        write_docx(document_of(_draft(office, regions, confirmed)), out)
        out.seek(0)
        assert Document(out).styles["公文-正文"].font.size == Pt(15)


@pytest.mark.django_db(transaction=True)
def test_two_offices_publishing_at_once_get_consecutive_numbers(office, regions, confirmed, monkeypatch):
    """On PostgreSQL two threads publish at the same moment (each in its own connection and
    transaction; the second waits on the issuer's lock row). Each one dwells after taking its
    number, so that without the lock both would take 1号. SQLite writes one transaction at a
    time anyway, so there they publish one after the other, through the same code."""
    import threading
    import time

    from django.db import connection, connections

    from circulars import document

    build = document.build

    def slow_build(circular):
        time.sleep(0.5)  # holding the number, not yet committed
        return build(circular)

    monkeypatch.setattr(circular_services.document, "build", slow_build)

    drafts = [_draft(office, regions, [f]) for f in (confirmed[0], confirmed[2])]  # two visits: no lock shared
    NumberLock.objects.create(issuer_code="佳作整办", year=2026)  # as after this issuer's first circular
    start, errors = threading.Barrier(2), []

    def publish(draft):
        try:
            start.wait(timeout=10)
            circular_services.circular_publish(actor=office, circular=draft)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    if connection.vendor == "postgresql":
        threads = [threading.Thread(target=publish, args=(draft,)) for draft in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    else:
        start = threading.Barrier(1)
        for draft in drafts:
            publish(draft)
    assert not errors
    assert sorted(Circular.objects.values_list("doc_number", flat=True)) == ["佳作整办〔2026〕1号", "佳作整办〔2026〕2号"]
