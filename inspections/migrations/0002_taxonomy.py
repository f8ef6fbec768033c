"""Seed the two-level problem taxonomy (domain.md); the office edits it afterwards."""

from django.db import migrations

# (code, name, description, facts, required facts)
TAXONOMY = [
    ("A", "仪容仪表", "着装、工作牌、仪态、文明用语", [], []),
    ("A01", "着装不规范", "未按规定着装", [], []),
    ("A02", "未佩戴工作牌/桌牌/党员徽章", "", [], []),
    ("A03", "仪态不端正", "坐姿不端、趴桌、跷二郎腿等", [], []),
    ("A04", "用语不文明", "未使用文明用语", ["quote"], []),
    ("B", "服务态度", "", [], []),
    ("B01", "态度冷漠生硬、不耐烦、敷衍", "", ["quote"], []),
    ("B02", "言语粗暴、争吵、肢体冲突", "", ["people_involved", "quote"], ["people_involved"]),
    ("B03", "推诿扯皮、服务意识不强", "", ["extra_trips"], []),
    ("B04", "亲疏有别", "", [], []),
    ("C", "工作纪律", "", [], []),
    ("C01", "迟到早退", "", ["clock_time"], ["clock_time"]),
    ("C02", "擅自离岗、脱岗、串岗", "", ["minutes_off_post", "people_waiting"], ["minutes_off_post"]),
    ("C03", "空岗漏岗、无人值守、非工作人员代岗", "",
     ["minutes_observed", "covered_by"], ["minutes_observed"]),
    ("C04", "上班做无关事", "玩手机、闲聊、吃东西、网购、游戏、炒股、吸烟",
     ["activity", "count"], ["activity"]),
    ("C05", "未履行请假手续", "", ["days"], []),
    ("C06", "专人专岗未落实、非授权人员顶替办理", "", ["covered_by"], []),
    ("D", "廉洁", "", [], []),
    ("D01", "吃拿卡要、收受财物", "", ["item", "amount"], ["item"]),
    ("D02", "以材料不全等刁难群众", "", ["extra_trips"], []),
    ("D03", "违规收费", "", ["amount"], ["amount"]),
    ("D04", "中介揽活、推荐指定企业", "", ["intermediaries"], ["intermediaries"]),
    ("E", "大厅管理", "", [], []),
    ("E01", "窗口设置不合理、排队时间长", "", ["queue_length", "wait_minutes"], []),
    ("E02", "号源限制", "", ["tickets_per_day"], ["tickets_per_day"]),
    ("E03", "环境不整洁、设施缺失", "", [], []),
    ("E04", "公示信息不符或缺失", "", [], []),
    ("E05", "事项进驻不到位", "", ["items"], []),
    ("E06", "管理考核不较真、巡查签到未落实", "", [], []),
    ("F", "服务能力与效率", "", [], []),
    ("F01", "业务不精通", "", [], []),
    ("F02", "热线无人接听或占线", "", ["calls_made", "calls_unanswered"],
     ["calls_made", "calls_unanswered"]),
    ("F03", "超期办理、让群众多跑", "", ["days_overdue", "extra_trips"], []),
    ("F04", "办事指南模糊、证明材料过多", "", [], []),
    ("F05", "网上审批运行不畅", "", ["online_cases", "total_cases"], []),
    ("G", "制度落实", "", [], []),
    ("G01", "首问负责制未落实", "", [], []),
    ("G02", "一次性告知制未落实", "", [], []),
    ("G03", "限时办结制未落实", "", [], []),
    ("G04", "代办服务制未落实", "", [], []),
    ("G05", "AB角未落实", "", [], []),
    ("G06", "服务承诺未兑现", "", [], []),
    ("G07", "制度不健全、不具体", "", [], []),
]


def load(apps, schema_editor):
    Category = apps.get_model("inspections", "ProblemCategory")
    parents = {}
    for order, (code, name, description, facts, required) in enumerate(TAXONOMY):
        category, _created = Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name, "description": description, "facts": facts,
                "required_facts": required, "order": order * 10,
                "parent": parents.get(code[0]) if len(code) == 3 else None,
            },
        )
        if len(code) == 1:
            parents[code] = category


class Migration(migrations.Migration):
    dependencies = [("inspections", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
