"""Seed 000 entered as an office would: every case without an invented number, published as one
circular with the seed's own headings in the seed's order, and exported as a Word 公文 and a
workbook in which a reader of the seed finds every item, in its place and in its words."""

import datetime
import io

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from circulars import services as circular_services
from circulars.document import document_of
from circulars.exports import CircularExporter
from circulars.word import write_docx
from inspections import services as finding_services
from inspections.models import Finding, Visit
from registry.models import Role, ServiceHall
from tests.factories import DepartmentFactory, HallFactory, UserFactory, WindowFactory, category

pytestmark = pytest.mark.django_db

# (heading, [(unit, department, [windows], category, facts, the seed's sentence)]), in the seed's order.
# Facts are only what the seed says; where it gives no number, none is made up.
SEED = [
    ("部分窗口单位制度建设不规范", [
        ("省旅游发展委员会行政办事大厅", None, [], "E04", {},
         "省旅游发展委员会行政办事大厅“四零”服务承诺责任落实不到位，工作人员与公示牌不符"),
        ("宾县行政审批服务中心", None, [], "A02", {},
         "宾县行政审批服务中心个别工作人员工作时间没有佩戴服务牌，服务台上也没有固定摆牌介绍工作人员基本信息"),
        ("哈尔滨市道外区社会保障服务中心", None, [], "E04", {},
         "哈尔滨市道外区社会保障服务中心“首问负责制、一次性告知制和限时办结制”等制度不够具体，内容比较分散，胡乱贴在厅内柱子上"),
        ("哈尔滨市松北区国税局办税大厅", None, [], "A01", {}, "哈尔滨市松北区国税局办税大厅工作人员着装不规范"),
    ]),
    ("部分窗口工作人员纪律涣散", [
        ("省公路局办公室", None, [], "C04", {"activity": "炒股、其他"},
         "省公路局办公室有一名工作人员上班时间用办公电脑炒股并播放与工作无关的内容"),
        ("佳木斯市政务服务中心", "房地产登记中心", [], "C02", {"minutes_off_post": 27},
         "佳木斯市政务服务中心房地产登记中心工作人员在群众等待办事期间多次随意离开岗位，最长时达到27分钟"),
        ("汤原县政务服务中心", "房产处", ["10号窗口"], "D01", {"item": "香烟"},
         "汤原县政务服务中心房产处10号窗口工作人员接受办事群众递来的香烟，当场点燃且边吸边与前来办事的人员交谈"),
        ("安达市市民公共服务中心", "工商局", ["工商窗口", "医保窗口", "住建局窗口"], "C04",
         {"activity": "闲聊、吃东西、其他"},
         "安达市市民公共服务中心工商、医保窗口有工作人员闲聊、吃东西，住建局窗口有工作人员在工作期间查看与工作无关的网页"),
    ]),
    ("有的工作人员服务态度缺少耐心", [
        ("牡丹江市行政审批大厅", None, ["服务咨询台"], "B01", {},
         "牡丹江市行政审批大厅服务咨询台工作人员在回答群众咨询问题时，均出现缺少耐心、态度比较生硬的情况"),
        ("齐齐哈尔市公安局出入境接待大厅", None, [], "B02", {"people_involved": "未测量"},
         "齐齐哈尔市政府办公大楼内市公安局出入境接待大厅，工作人员因服务态度生冷蛮横，与办事群众发生争吵"),
    ]),
    ("部分窗口服务效率低下", [
        ("齐齐哈尔市不动产登记交易中心", None, [], "E02", {"tickets_per_day": 50},
         "齐齐哈尔市不动产登记交易中心每个工作日只发放50个预约登记号，导致办事群众起大早排队约号，群众对此意见大"),
        ("佳木斯市桦南县政务服务中心", None, ["不动产登记窗口"], "B03", {},
         "佳木斯市桦南县政务服务中心不动产登记窗口与后台保障部门衔接不及时，七台河市的办事群众到该窗口领取不动产登记证时，"
         "窗口工作人员以审批时限未到，登记证未办理完毕为由，要求其3天后再来取，后经暗访组同志与受理窗口协商当场拿到了登记证"),
        ("汤原县邮政局", None, [], "C06", {},
         "汤原县邮政局派驻到公安局户政办理窗口和出入境办理窗口办理邮寄的工作人员不仅没有单独设立窗口，而且有时还顶替公安干警办理业务"),
    ]),
    ("部分服务大厅内有中介公开揽活", [
        ("齐齐哈尔市不动产登记交易中心", None, [], "D04", {"intermediaries": "多家（未计数）"},
         "齐齐哈尔市不动产登记交易中心服务大厅内有多家中介公司公开揽活，交易中心业务都被中介明码标价"),
        ("海林市市场监督管理局特种设备检验所", None, [], "D04", {"intermediaries": 5},
         "海林市市场监督管理局特种设备检验所工作人员，在接待暗访人员购买安装燃用锅炉咨询时，解答完相关政策后，表示该锅炉必须环保达标，"
         "向暗访人员推荐了3家锅炉厂和2家安装公司，并手写了锅炉厂和安装公司的联系人姓名和联系方式"),
        ("宁安市市场监督管理局特种设备安全监察股", None, [], "D04", {"intermediaries": "无（未见中介）"},
         "宁安市市场监督管理局特种设备安全监察股办公人员，在接待暗访人员咨询报批安装燃煤锅炉时，不依法依规具体介绍业务流程，"
         "却为咨询人员躲避法规监管，对燃煤锅炉违规改型通过审批出谋划策"),
    ]),
    ("部分服务窗口有空岗漏岗现象", [
        ("省粮食交易市场股份有限公司", None, ["楼层导引台"], "C03", {"minutes_observed": "整个暗访期间"},
         "省粮食交易市场股份有限公司楼层导引台在暗访过程中一直无人值守"),
        ("宁安市政务投资服务中心", None, ["大厅服务台"], "C03", {"minutes_observed": "整个暗访期间"},
         "宁安市政务投资服务中心大厅服务台在暗访过程中一直无人值守"),
        ("宾县行政审批服务中心", None, ["咨询服务台"], "C06", {"covered_by": "保安人员"},
         "宾县行政审批服务中心咨询服务台由保安人员执守"),
        ("海林市人力资源和社会保障局劳动监察大队", None, [], "E01", {},
         "海林市人力资源和社会保障局劳动监察大队设置窗口多，但工作人员只有2人，窗口没有设置投诉流程指示牌"),
    ]),
    ("部分市县网上审批运行不畅", [
        ("佳木斯市政务服务中心", None, [], "F05", {"online_cases": 32, "total_cases": 588},
         "佳木斯市政务服务中心审批平台2018年1月1日至3月29日共受理事项588件，只有32件是网上申报受理，"
         "其他均为窗口受理后批量导入网上审批平台，且网上审批监管没有预警留痕，基本没有体现网上审批的初衷和作用"),
    ]),
]
# The cases whose composed sentence the office rewrites: the seed names one unit by its building
# (齐齐哈尔市政府办公大楼内市公安局出入境接待大厅, not the registry's name of the hall), and says the
# five firms as "3家锅炉厂和2家安装公司", where the composed sentence adds "（中介或被推荐企业数量 5 家）".
REWRITTEN = {"齐齐哈尔市公安局出入境接待大厅", "海林市市场监督管理局特种设备检验所"}
# The units of the seed that are not halls, by their type (the rest are halls).
K = ServiceHall.Kind
KINDS = {
    "省公路局办公室": K.AGENCY_OFFICE, "汤原县邮政局": K.STATIONED_WINDOW,
    "海林市市场监督管理局特种设备检验所": K.SERVICE_INSTITUTION, "宁安市市场监督管理局特种设备安全监察股": K.AGENCY_OFFICE,
    "省粮食交易市场股份有限公司": K.ENTERPRISE_DESK, "海林市人力资源和社会保障局劳动监察大队": K.ENFORCEMENT_BRIGADE,
    "哈尔滨市松北区国税局办税大厅": K.TAX, "哈尔滨市道外区社会保障服务中心": K.SOCIAL_SECURITY,
    "齐齐哈尔市不动产登记交易中心": K.REAL_ESTATE, "齐齐哈尔市公安局出入境接待大厅": K.POLICE,
}
TALLY = "据悉，目前通报中涉及的部门和单位共有41名相关领导和工作人员已被追究责任。"


@pytest.fixture
def entered(regions, taxonomy):
    """Every case of the seed entered by an inspector of the province, then confirmed by its office."""
    province = regions["province"]
    inspector = UserFactory(username="seed_inspector", role=Role.INSPECTOR, region=province, is_staff=False)
    office = UserFactory(username="seed_office", role=Role.OFFICE, region=province)
    halls, visits, findings = {}, {}, []
    started = timezone.now() - datetime.timedelta(hours=3)
    for _heading, cases in SEED:
        for unit, department, windows, code, facts, sentence in cases:
            hall = halls.get(unit) or halls.setdefault(unit, HallFactory(
                name=unit, region=province, kind=KINDS.get(unit, ServiceHall.Kind.GOVERNMENT_CENTRE)))
            visit = visits.get(unit) or visits.setdefault(unit, finding_services.visit_start(
                actor=inspector, hall=hall, mode=Visit.Mode.UNDERCOVER, started_at=started, team_name="省作风办暗访组"))
            dept = DepartmentFactory(hall=hall, name=department) if department else None
            made = [WindowFactory(hall=hall, number=100 + n, label=label, department=dept)
                    for n, label in enumerate(windows)]
            finding = finding_services.finding_record(
                actor=inspector, visit=visit, facts_raw=facts, submit=True, values={
                    "category": category(code), "observed_at": started + datetime.timedelta(minutes=len(findings)),
                    "window": made[0] if made else None, "other_windows": made[1:], "department": dept,
                    "severity": Finding.Severity.GENERAL, "description": sentence,
                })
            findings.append(finding_services.finding_confirm(actor=office, finding=finding))
    return office, findings


@pytest.fixture
def published(entered, regions):
    office, findings = entered
    circular = circular_services.circular_save(actor=office, findings=findings, values={
        "issuer": "黑龙江省深化机关作风整顿领导小组办公室", "issuer_code": "黑作整办", "year": 2026,
        "region": regions["province"], "title": "关于集中整治窗口服务突出问题明察暗访情况的通报",
        "date": datetime.date(2026, 11, 21), "naming": "surname", "accountability_tally": TALLY,
        "lead": "近日，省深化机关作风整顿领导小组办公室就集中整治窗口服务突出问题明察暗访情况进行通报。"
                "暗访时发现，窗口工作人员有玩手机、闲聊等情况。",
        "requirements": "各地各单位必须高度重视，对照通报问题开展全面自查，即知即改、立行立改，集中解决窗口突出问题。",
    })
    # The office opens the seed's sections in the seed's order and puts each finding in its place.
    entry_of = {e.finding_id: e for e in circular.entries.all()}
    new_sections = {f"s{n}": (heading, n) for n, (heading, _cases) in enumerate(SEED, start=1)}
    entries, position = {}, 0
    for n, (_heading, cases) in enumerate(SEED, start=1):
        for place, (unit, *_parts, sentence) in enumerate(cases, start=1):
            text = f"{sentence}。" if unit in REWRITTEN else ""
            entries[entry_of[findings[position].pk].pk] = (f"s{n}", place, text, "rectify")
            position += 1
    circular_services.circular_arrange(actor=office, circular=circular, new_sections=new_sections, entries=entries,
                                       sections={s.pk: (s.title, s.order) for s in circular.sections.all()})
    return circular_services.circular_publish(actor=office, circular=circular, today=datetime.date(2026, 12, 2))


def test_every_case_is_entered_without_an_invented_number(entered):
    _office, findings = entered
    facts = [f.facts for f in findings]
    assert {"people_involved": "unmeasured"} in facts and {"intermediaries": "several"} in facts
    assert {"intermediaries": "none"} in facts and {"minutes_observed": "whole_visit"} in facts
    assert {"activity": ["chatting", "eating", "other"]} in facts
    assert len(findings) == sum(len(cases) for _heading, cases in SEED)


def test_the_circular_has_the_seeds_sections_order_and_sentences(published):
    document = document_of(published)
    assert published.entries.exclude(text="").count() == len(REWRITTEN)  # the others as composed
    assert [s.title for s in document.sections] == [heading for heading, _cases in SEED]
    for section, (_heading, cases) in zip(document.sections, SEED, strict=True):
        assert [item.text for item in section.items] == [f"{sentence}。" for *_parts, sentence in cases]
    assert document.tally == TALLY and published.doc_number == "黑作整办〔2026〕1号"


def test_the_word_document_and_the_workbook_hold_every_item_in_its_place(published):
    out = io.BytesIO()
    write_docx(document_of(published), out)
    out.seek(0)
    paragraphs = [p.text for p in Document(out).paragraphs if p.text]
    at = 0
    for n, (heading, cases) in enumerate(SEED, start=1):
        at = paragraphs.index(f"{'一二三四五六七'[n - 1]}、{heading}", at)
        for *_parts, sentence in cases:
            at = paragraphs.index(next(p for p in paragraphs[at:] if p.endswith(f"{sentence}。")), at)
    assert paragraphs.index("八、问责情况") > at and TALLY in paragraphs

    out = io.BytesIO()
    CircularExporter(circular=published).write(out)
    out.seek(0)
    sheet = load_workbook(out)["问题清单"]
    rows = [row for row in sheet.iter_rows(min_row=4, values_only=True) if row[0]]
    expected = [(f"{sentence}。", f"{'一二三四五六七'[n - 1]}、{heading}")
                for n, (heading, cases) in enumerate(SEED, start=1) for *_parts, sentence in cases]
    assert [(row[8], row[13]) for row in rows] == expected
