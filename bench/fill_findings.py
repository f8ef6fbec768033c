"""Fill the database with synthetic findings for the list benchmark.

    .venv/bin/python -m bench.fill_findings --findings 1000000 [--halls 400] [--seed 2026]
        [--defer-indexes | --no-defer-indexes] [--batch-size 50000]

Everything goes under the bench province (code 990000): its cities, counties,
halls, departments, windows and staff are created when there are fewer than
``--halls`` halls in it. Findings are spread over the last 24 months (working
days and hours, Beijing time), over every taxonomy sub-item, status, source
and severity in plausible proportions; findings from open (明察) and
undercover (暗访) inspections belong to generated visits. Each finding's facts
hold at least its category's required facts, with values that
``inspections.facts.clean_facts`` accepts unchanged.

Rows are written straight to the tables, without model saves or signals, so
no django-simple-history rows are made. On PostgreSQL they go through COPY
(psycopg 3) in batches; big loads rebuild the finding table's indexes and
foreign keys afterwards instead of maintaining them row by row; then the
database is vacuumed and analysed. On SQLite they go through
``executemany``/``bulk_create`` in chunks of 5,000. See bench/README.md.
"""

import argparse
import contextlib
import datetime
import json
import random
import string
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bench.common import (
    bench_inspector,
    bench_manager,
    bench_office,
    bench_province,
    ensure_taxonomy,
    setup_django,
)

DAYS = 730  # "the last 24 months"
TZ = ZoneInfo("Asia/Shanghai")

# --- The synthetic registry ------------------------------------------------------

CITY_NAMES = [
    "东湖市", "西岭市", "南川市", "北原市", "青山市", "白水市", "金川市", "石门市",
    "长林市", "安平市", "永宁市", "临江市", "丰泽市", "云阳市", "宁远市", "华亭市",
]
COUNTY_NAMES = [
    "城关区", "新华区", "开发区", "清河县", "平安县", "长乐县", "太和县", "宜阳县",
    "兴隆县", "福山县", "高阳县", "龙泉县", "安吉县", "和顺县", "广丰县",
]
COUNTIES_PER_CITY = len(COUNTY_NAMES)  # county codes 99CC01 … 99CC15
MAX_CITIES = 98  # city codes 990100 … 999800

# (name suffix, hall kind, departments, weight: how many findings a hall of this kind draws)
HALL_SLOTS = [
    ("政务服务中心", "government_centre",
     ["公安局", "住建局", "人社局", "不动产登记中心", "市场监督管理局", "税务局", "医保局", "民政局"], 4),
    ("不动产登记中心", "real_estate", ["不动产登记中心", "税务局", "住房公积金管理中心"], 2),
    ("车管所", "vehicle", ["车辆管理所", "交警大队"], 1.5),
    ("办税服务厅", "tax", ["税务局"], 1.5),
    ("社保服务大厅", "social_security", ["社会保险事业局", "医保局", "就业服务局"], 1.5),
    ("公安局出入境接待大厅", "police", ["出入境管理大队", "户政科"], 1),
    ("城关镇便民服务中心", "convenience_centre", ["民政所", "社保所", "综合受理"], 1),
    ("住房公积金服务大厅", "other", ["住房公积金管理中心"], 1),
]
HALLS_PER_COUNTY = len(HALL_SLOTS)

STREETS = ["人民路", "建设路", "解放路", "中山路", "和平路", "文化路", "新华街", "政府路"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯丹"


def _city(index: int) -> tuple[str, str]:
    base = CITY_NAMES[index % len(CITY_NAMES)]
    name = base if index < len(CITY_NAMES) else f"{base[:-1]}{index // len(CITY_NAMES) + 1}市"
    return f"99{index + 1:02d}00", name


def _county(city_index: int, county_index: int) -> tuple[str, str]:
    return f"99{city_index + 1:02d}{county_index + 1:02d}", COUNTY_NAMES[county_index]


def _regions(province, counties_needed: int) -> list:
    """The first ``counties_needed`` bench counties, creating them (and their cities) as needed."""
    from registry.models import Region

    if counties_needed > MAX_CITIES * COUNTIES_PER_CITY:
        raise SystemExit(f"At most {MAX_CITIES * COUNTIES_PER_CITY * HALLS_PER_COUNTY} bench halls.")
    existing = {r.code: r for r in Region.objects.filter(path__startswith=province.path)}
    counties = []
    for j in range(counties_needed):
        city_index, county_index = divmod(j, COUNTIES_PER_CITY)
        code, name = _city(city_index)
        city = existing.get(code)
        if city is None:
            city = Region(code=code, name=name, level=Region.Level.CITY, parent=province)
            city.save()
            existing[code] = city
        code, name = _county(city_index, county_index)
        county = existing.get(code)
        if county is None:
            county = Region(code=code, name=name, level=Region.Level.COUNTY, parent=city)
            county.save()
            existing[code] = county
        counties.append(county)
    return counties


def ensure_halls(province, halls: int, rng: random.Random) -> int:
    """Create bench halls (with departments, windows, staff) until there are ``halls``. Returns how many were made."""
    from registry.models import Department, ServiceHall, Staff, Window

    have = ServiceHall.objects.filter(region__path__startswith=province.path).count()
    if have >= halls:
        return 0
    counties = _regions(province, -(-halls // HALLS_PER_COUNTY))
    taken = set(
        ServiceHall.objects.filter(region__in=counties).values_list("region_id", "name")
    )
    new_halls = []
    for i in range(len(counties) * HALLS_PER_COUNTY):
        if have + len(new_halls) >= halls:
            break
        county = counties[i // HALLS_PER_COUNTY]
        suffix, kind, _departments, _weight = HALL_SLOTS[i % HALLS_PER_COUNTY]
        name = f"{county.parent.name}{county.name}{suffix}"
        if (county.pk, name) in taken:
            continue
        new_halls.append(ServiceHall(
            name=name, region=county, kind=kind,
            address=f"{county.full_name}{rng.choice(STREETS)}{rng.randint(1, 300)}号",
        ))
    # Both backends return the new primary keys from bulk_create (SQLite ≥ 3.35).
    ServiceHall.objects.bulk_create(new_halls, batch_size=2000)

    slots = {suffix: departments for suffix, _kind, departments, _w in HALL_SLOTS}
    departments = []
    for hall in new_halls:
        names = next(d for suffix, d in slots.items() if hall.name.endswith(suffix))
        if len(names) > 5:
            names = rng.sample(names, rng.randint(5, len(names)))
        departments += [Department(hall=hall, name=name) for name in names]
    Department.objects.bulk_create(departments, batch_size=2000)

    windows, numbers = [], {}
    for department in departments:
        for _i in range(rng.choice((1, 2, 2, 3))):
            numbers[department.hall_id] = number = numbers.get(department.hall_id, 0) + 1
            windows.append(Window(
                hall_id=department.hall_id, number=number, label=f"{number}号窗口",
                name=department.name, department=department,
                kind=Window.Kind.SPECIALISED if rng.random() < 0.4 else Window.Kind.GENERAL,
            ))
    for hall in new_halls:
        numbers[hall.pk] = number = numbers.get(hall.pk, 0) + 1
        windows.append(Window(hall=hall, number=number, label="综合咨询台", kind=Window.Kind.INQUIRY))
    Window.objects.bulk_create(windows, batch_size=2000)

    staff, badges = [], {}
    for window in windows:
        for _i in range(1 if window.kind == Window.Kind.INQUIRY else rng.choice((1, 2, 2))):
            badges[window.hall_id] = badge = badges.get(window.hall_id, 0) + 1
            given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
            staff.append(Staff(
                hall_id=window.hall_id, name=rng.choice(SURNAMES) + given,
                badge_number=f"BJ{window.hall_id:05d}{badge:03d}", department_id=window.department_id,
                window=window, is_party_member=rng.random() < 0.35,
                phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
            ))
    Staff.objects.bulk_create(staff, batch_size=2000)
    return len(new_halls)


# --- Findings: text and facts ---------------------------------------------------------

ACTIVITY_TEXT = {
    "phone": "玩手机", "chatting": "与同事闲聊", "eating": "吃东西", "shopping": "网购",
    "gaming": "玩游戏", "stocks": "看股票行情", "smoking": "吸烟", "other": "做与工作无关的事",
}
QUOTES = [
    "不是跟你说了吗，自己看公示栏", "没带齐就回去拿", "这事不归我们管", "下班了，明天再来",
    "系统坏了，办不了", "你问我我问谁", "排队去", "材料不对，重新弄",
]
COVERED_BY = ["保安", "保洁人员", "实习生", "其他窗口工作人员", "临时聘用人员", "工作人员家属"]
ITEMS = ["香烟一包", "香烟一支", "购物卡一张", "土特产一箱", "红包一个", "茶叶两盒", "水果一箱"]
STAFF_LOOKS = [
    "女，约30岁", "男，约45岁，戴眼镜", "女，约50岁，短发", "男，约25岁", "女，约35岁，扎马尾",
    "男，约40岁，身穿便装",
]
TAILS = [
    "", "", "", "，督查组已现场拍照取证", "，经提醒后已整改", "，群众反映强烈",
    "，现场已责令整改", "，大厅负责人未及时发现",
]
REJECTION_REASONS = [
    "经核实，当事人当时在后台处理业务，不属于离岗。", "证据不足，无法认定。",
    "经调取监控核实，情况不属实。", "该问题已在前次督查中登记，属重复登记。",
]

# Per sub-item: (sentences, optional fragments by fact key). {w} is the unit (window
# or hall), {dept} the department; other fields are facts of the finding.
TEMPLATES: dict[str, tuple[list[str], dict[str, str]]] = {
    "A01": (["{w}工作人员未按规定着装，穿便装办理业务", "{w}工作人员未穿工作服"], {}),
    "A02": (["{w}工作人员未佩戴工作牌", "{w}桌牌未摆放，工作人员未佩戴党员徽章"], {}),
    "A03": (["{w}工作人员趴在桌上休息，坐姿不端", "{w}工作人员跷二郎腿办理业务"], {}),
    "A04": (["{w}工作人员接待群众时未使用文明用语"], {"quote": "，称“{quote}”"}),
    "B01": (["{w}工作人员回答群众咨询时态度生硬、不耐烦", "{w}工作人员对群众询问敷衍了事"],
            {"quote": "，称“{quote}”"}),
    "B02": (["{w}工作人员与办事群众发生争吵，涉及{people_involved}人"], {"quote": "，称“{quote}”"}),
    "B03": (["{w}工作人员以“不归我们管”为由推诿，让群众到其他窗口办理"],
            {"extra_trips": "，群众多跑{extra_trips}次"}),
    "B04": (["{w}工作人员为熟人插队办理业务，排队群众意见较大"], {}),
    "C01": (["{w}工作人员{clock_time}才到岗", "{w}工作人员{clock_time}提前离开岗位"], {}),
    "C02": (["{w}工作人员在群众等候期间离岗约{minutes_off_post}分钟",
             "{w}工作人员擅自离岗{minutes_off_post}分钟，窗口无人办理业务",
             "{w}工作人员串岗聊天，离开岗位约{minutes_off_post}分钟"],
            {"people_waiting": "，期间有{people_waiting}名群众等候"}),
    "C03": (["{w}无人值守，督查组观察约{minutes_observed}分钟未见工作人员返回"],
            {"covered_by": "，由{covered_by}代岗"}),
    "C04": (["{w}工作人员上班期间{activity}，窗口前有群众等候", "{w}工作人员在岗{activity}"],
            {"count": "，督查期间发现{count}次"}),
    "C05": (["{w}工作人员未履行请假手续擅自缺岗"], {"days": "，累计{days}天"}),
    "C06": (["{w}专人专岗未落实，非授权人员顶替办理业务"], {"covered_by": "，由{covered_by}顶替"}),
    "D01": (["{w}工作人员收受办事群众{item}"], {"amount": "，价值约{amount}元"}),
    "D02": (["{w}工作人员以材料不全为由多次退件刁难群众"], {"extra_trips": "，群众往返{extra_trips}次"}),
    "D03": (["{w}违规收取费用{amount}元，无收费依据"], {}),
    "D04": (["大厅内有{intermediaries}家中介公司揽活，有工作人员向群众推荐指定企业"], {}),
    "E01": (["{w}前排队人数达{queue_length}人"], {"wait_minutes": "，群众等候约{wait_minutes}分钟"}),
    "E02": (["{dept}每日仅发放{tickets_per_day}个号，群众需提前排队取号"], {}),
    "E03": (["大厅等候区座椅不足，便民设施缺失", "大厅卫生间环境脏乱，地面有积水"], {}),
    "E04": (["{w}公示的办事指南与实际要求不一致", "{w}未公示工作人员信息"], {}),
    "E05": (["{dept}事项进驻不到位"], {"items": "，{items}项事项未进驻大厅办理"}),
    "E06": (["大厅巡查签到记录存在代签，管理考核流于形式"], {}),
    "F01": (["{w}工作人员对业务政策不熟悉，无法准确解答群众咨询"], {}),
    "F02": (["暗访组拨打{dept}咨询电话{calls_made}次，{calls_unanswered}次无人接听或占线"], {}),
    "F03": (["{dept}办理事项超过承诺时限"],
            {"days_overdue": "，超期{days_overdue}天", "extra_trips": "，群众多跑{extra_trips}次"}),
    "F04": (["{w}办事指南表述模糊，要求群众提供的证明材料过多"], {}),
    "F05": (["{dept}网上审批系统运行不畅"],
            {"total_cases": "，本月办件{total_cases}件", "online_cases": "，其中网上办理{online_cases}件"}),
    "G01": (["首问负责制未落实，{w}工作人员让群众“去别处问”"], {}),
    "G02": (["一次性告知制未落实，{w}未一次性告知所需材料，群众多次补正"], {}),
    "G03": (["限时办结制未落实，{dept}承诺时限内未办结"], {}),
    "G04": (["代办服务制未落实，老年群众无人帮办代办"], {}),
    "G05": (["AB角未落实，{w}工作人员不在岗时无人顶岗"], {}),
    "G06": (["服务承诺未兑现，{dept}承诺“即来即办”未落实"], {}),
    "G07": (["{dept}窗口服务制度不健全、不具体"], {}),
}
# Hall-level problems: no particular window or person.
HALL_LEVEL = {"D04", "E02", "E03", "E05", "E06", "F02", "F03", "F05", "G03", "G04", "G06", "G07"}
# How often each class turns up (per class; split evenly over its sub-items).
CLASS_WEIGHTS = {"A": 12, "B": 18, "C": 30, "D": 5, "E": 14, "F": 12, "G": 9}
SEVERITY_BY_CLASS = {
    "A": (85, 14, 1), "B": (60, 34, 6), "C": (58, 34, 8), "D": (10, 40, 50),
    "E": (70, 25, 5), "F": (65, 30, 5), "G": (75, 22, 3),
}
SEVERITIES = ("general", "serious", "severe")
# Share of findings by source; visits carry three findings on average, so the
# draw weights of the two visit sources are divided by that.
SOURCE_SHARES = {
    "undercover": 38, "open": 18, "self_inspection": 14, "complaint": 12, "rating": 9,
    "media": 2, "assigned": 7,
}
FINDINGS_PER_VISIT = (1, 1, 2, 2, 3, 3, 4, 5, 6)
# Status by the finding's age: recent ones are still in the review pipeline.
STATUSES = ("draft", "submitted", "confirmed", "rejected", "published")
STATUS_BY_AGE = [  # (younger than days, weights in STATUSES order)
    (3, (45, 45, 7, 3, 0)),
    (30, (5, 30, 40, 7, 18)),
    (10**6, (1, 2, 22, 8, 67)),
]


def _fact_value(key: str, rng: random.Random, facts: dict):
    r = rng.randint
    match key:
        case "minutes_off_post":
            return r(5, 95)
        case "people_waiting":
            return r(1, 18)
        case "minutes_observed":
            return r(10, 60)
        case "covered_by":
            return rng.choice(COVERED_BY)
        case "quote":
            return rng.choice(QUOTES)
        case "people_involved":
            return r(1, 4)
        case "extra_trips":
            return r(1, 5)
        case "clock_time":
            return f"{r(8, 9):02d}:{r(0, 59):02d}" if rng.random() < 0.6 else f"{r(15, 16):02d}:{r(0, 59):02d}"
        case "activity":  # one behaviour, sometimes two (闲聊、吃东西)
            return rng.sample(list(ACTIVITY_TEXT), 2 if rng.random() < 0.2 else 1)
        case "count":
            return r(1, 6)
        case "days":
            return r(1, 10)
        case "item":
            return rng.choice(ITEMS)
        case "amount":
            return f"{r(20, 3000)}.00"
        case "intermediaries":
            return r(1, 8)
        case "queue_length":
            return r(15, 120)
        case "wait_minutes":
            return r(30, 180)
        case "tickets_per_day":
            return r(30, 150)
        case "items":
            return r(2, 40)
        case "calls_made":
            return r(3, 10)
        case "calls_unanswered":
            return r(1, facts.get("calls_made", 3))
        case "days_overdue":
            return r(1, 30)
        case "total_cases":
            return r(100, 5000)
        case "online_cases":
            return r(0, facts.get("total_cases", 100) * 2 // 5)
    raise KeyError(f"No generator for fact {key!r}; add one to bench/fill_findings.py.")


# Facts another fact's value depends on come first.
FACT_ORDER = {"calls_made": 0, "total_cases": 0}


@dataclass
class CategoryPlan:
    id: int
    code: str
    severity_cum: list
    always: list  # required facts and those the sentences use
    optional: list
    sentences: list
    fragments: dict


def _category_plans():
    from inspections.facts import FACT_KINDS
    from inspections.models import ProblemCategory

    plans, weights = [], []
    subitems = list(ProblemCategory.objects.filter(parent__isnull=False, active=True).order_by("code"))
    per_class: dict[str, int] = {}
    for category in subitems:
        per_class[category.code[0]] = per_class.get(category.code[0], 0) + 1
    for category in subitems:
        sentences, fragments = TEMPLATES.get(category.code, (["{w}存在{name}问题"], {}))
        used = {
            field for sentence in sentences for _t, field, _f, _c in string.Formatter().parse(sentence)
            if field and field in FACT_KINDS
        }
        known = [key for key in [*category.facts, *category.required_facts] if key in FACT_KINDS]
        known = sorted(dict.fromkeys(known), key=lambda k: FACT_ORDER.get(k, 1))  # stable: deterministic
        always = [k for k in known if k in category.required_facts or k in used]
        optional = [k for k in known if k not in always]
        severity = SEVERITY_BY_CLASS.get(category.code[0], (70, 25, 5))
        plans.append(CategoryPlan(
            id=category.pk, code=category.code,
            severity_cum=_cumulative(severity), always=always, optional=optional,
            sentences=[s.replace("{name}", category.name) for s in sentences], fragments=fragments,
        ))
        weights.append(CLASS_WEIGHTS.get(category.code[0], 10) / per_class[category.code[0]])
    return plans, _cumulative(weights)


def _cumulative(weights) -> list:
    total, out = 0, []
    for weight in weights:
        total += weight
        out.append(total)
    return out


@dataclass
class HallPlan:
    id: int
    windows: list  # (window id, department id, unit text, staff ids)
    departments: list  # (department id, name)


def _hall_plans(province) -> tuple[list, list]:
    from registry.models import Department, ServiceHall, Staff, Window

    halls = list(
        ServiceHall.objects.filter(region__path__startswith=province.path).order_by("id").values_list("id", "kind")
    )
    in_province = {"hall__region__path__startswith": province.path}
    staff: dict[int, list] = {}
    for staff_id, window_id in Staff.objects.filter(window__isnull=False, **in_province).values_list("id", "window"):
        staff.setdefault(window_id, []).append(staff_id)
    windows: dict[int, list] = {}
    rows = Window.objects.filter(active=True, **in_province).values_list(
        "id", "hall_id", "label", "number", "department_id", "department__name"
    )
    for window_id, hall_id, label, number, department_id, department_name in rows:
        label = label or f"{number}号窗口"
        windows.setdefault(hall_id, []).append(
            (window_id, department_id, label, department_name or "", tuple(staff.get(window_id, ())))
        )
    departments: dict[int, list] = {}
    for department_id, hall_id, name in Department.objects.filter(**in_province).values_list("id", "hall_id", "name"):
        departments.setdefault(hall_id, []).append((department_id, name))
    weight_by_kind = {kind: weight for _s, kind, _d, weight in HALL_SLOTS}
    plans = [HallPlan(hall_id, windows.get(hall_id, []), departments.get(hall_id, [])) for hall_id, _k in halls]
    return plans, _cumulative([weight_by_kind.get(kind, 1) for _h, kind in halls])


# --- Findings: the rows ---------------------------------------------------------------

FINDING_COLUMNS = (
    "visit_id", "hall_id", "window_id", "department_id", "staff_id", "staff_description",
    "category_id", "observed_at", "description", "facts", "severity", "source", "status",
    "undercover", "rejection_reason", "created_by_id", "created_at", "submitted_at",
    "reviewed_by_id", "reviewed_at",
)
VISIT_COLUMNS = (
    "id", "campaign_id", "mode", "hall_id", "started_at", "ended_at", "team_name", "notes",
    "created_by_id", "created_at",
)
TEAMS = {"undercover": ["省作风整顿办第一暗访组", "省作风整顿办第二暗访组", "市作风办暗访组"],
         "open": ["省作风整顿办明察组", "市作风办明察组", "县作风办督查组"]}


def _utc(ts: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC)


def _working_seconds(rng: random.Random) -> int:
    """Seconds after midnight within office hours: 08:30–12:00 and 13:30–17:30."""
    t = rng.randrange(int(7.5 * 3600))
    return 8 * 3600 + 1800 + t if t < 3.5 * 3600 else 13 * 3600 + 1800 + (t - int(3.5 * 3600))


class Generator:
    """Makes the rows; the same for a given seed, database content and date."""

    def __init__(self, rng, categories, category_cum, halls, hall_cum, users, now):
        self.rng, self.categories, self.category_cum = rng, categories, category_cum
        self.halls, self.hall_cum = halls, hall_cum
        self.inspector, self.office, self.manager = users
        self.now = now
        sources = list(SOURCE_SHARES)
        mean = sum(FINDINGS_PER_VISIT) / len(FINDINGS_PER_VISIT)
        self.sources = sources
        self.source_cum = _cumulative(
            SOURCE_SHARES[s] / (mean if s in ("open", "undercover") else 1) for s in sources
        )
        self.status_cum = [(days * 86400, _cumulative(w)) for days, w in STATUS_BY_AGE]

    def days(self):
        """Midnight (Beijing time, as a timestamp) of each working day of the last 24 months."""
        today = datetime.datetime.fromtimestamp(self.now, TZ).date()
        for offset in range(DAYS, 0, -1):
            day = today - datetime.timedelta(days=offset)
            if day.weekday() < 5:
                yield datetime.datetime(day.year, day.month, day.day, tzinfo=TZ).timestamp()

    def day(self, midnight: float, quota: int, visits: list, findings: list) -> None:
        """Append one day's visits and findings; a finding's visit_id is an index into ``visits`` for now."""
        rng = self.rng
        while quota > 0:
            source = rng.choices(self.sources, cum_weights=self.source_cum)[0]
            hall = rng.choices(self.halls, cum_weights=self.hall_cum)[0]
            if source in ("open", "undercover"):
                k = min(quota, rng.choice(FINDINGS_PER_VISIT))
                start = midnight + _working_seconds(rng)
                offsets = sorted(rng.randint(5, 150) * 60 for _i in range(k))
                end = start + offsets[-1] + rng.randint(10, 40) * 60
                visits.append((
                    None, source, hall.id, _utc(start), _utc(end), rng.choice(TEAMS[source]), "",
                    self.inspector, _utc(min(start + 60, self.now)),
                ))
                for offset in offsets:
                    findings.append(self.finding(hall, source, start + offset, len(visits) - 1))
            else:
                k = 1
                findings.append(self.finding(hall, source, midnight + _working_seconds(rng), None))
            quota -= k

    def finding(self, hall: HallPlan, source: str, observed: float, visit) -> tuple:
        rng = self.rng
        category = rng.choices(self.categories, cum_weights=self.category_cum)[0]
        facts: dict = {}
        for key in category.always:
            facts[key] = _fact_value(key, rng, facts)
        for key in category.optional:
            if rng.random() < 0.5:
                facts[key] = _fact_value(key, rng, facts)

        window_id = department_id = staff_id = None
        staff_description = ""
        department_name = ""
        if hall.windows and category.code not in HALL_LEVEL:
            window_id, department_id, label, department_name, staff = rng.choice(hall.windows)
            unit = f"{department_name}{label}" if department_name and rng.random() < 0.5 else label
            if staff and rng.random() < 0.65:
                staff_id = rng.choice(staff)
            else:
                staff_description = f"{rng.choice(STAFF_LOOKS)}，{label}"
        else:
            unit = "大厅"
            if hall.departments and rng.random() < 0.6:
                department_id, department_name = rng.choice(hall.departments)
        context = {**facts, "w": unit, "dept": department_name or "大厅"}
        if "activity" in facts:
            context["activity"] = "、".join(ACTIVITY_TEXT.get(a, "做与工作无关的事") for a in facts["activity"])
        description = rng.choice(category.sentences).format_map(context)
        for key, fragment in category.fragments.items():
            if key in facts and f"{{{key}}}" not in description:
                description += fragment.format_map(context)
        description += rng.choice(TAILS) + "。"

        age = self.now - observed
        status_cum = next(cum for limit, cum in self.status_cum if age < limit)
        status = rng.choices(STATUSES, cum_weights=status_cum)[0]
        # Drawn whatever the status, so that the random stream does not depend on the clock.
        created = min(observed + rng.randint(5, 360) * 60, self.now)
        submitted = min(created + rng.randint(0, 48 * 60) * 60, self.now)
        reviewed = min(submitted + rng.randint(60, 5 * 24 * 60) * 60, self.now)
        reason = rng.choice(REJECTION_REASONS)
        reviewer = None
        if status == "draft":
            submitted = reviewed = None
        elif status == "submitted":
            reviewed = None
        else:
            reviewer = self.office
        author = {"open": self.inspector, "undercover": self.inspector, "self_inspection": self.manager}
        return (
            visit, hall.id, window_id, department_id, staff_id, staff_description,
            category.id, _utc(observed), description, json.dumps(facts),
            rng.choices(SEVERITIES, cum_weights=category.severity_cum)[0], source, status,
            source == "undercover",
            reason if status == "rejected" else "",
            author.get(source, self.office), _utc(created),
            _utc(submitted) if submitted else None, reviewer, _utc(reviewed) if reviewed else None,
        )


# --- Writing --------------------------------------------------------------------------

def _write_postgresql(visits: list, findings: list, inspector_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('inspections_visit', 'id')) "
            "FROM generate_series(1, %s)", [len(visits)],
        )
        ids = [row[0] for row in cursor.fetchall()]
    with connection.connection.cursor() as raw:
        with raw.copy(f"COPY inspections_visit ({', '.join(VISIT_COLUMNS)}) FROM STDIN") as copy:
            for visit_id, visit in zip(ids, visits, strict=True):
                copy.write_row((visit_id, *visit))
        with raw.copy("COPY inspections_visit_inspectors (visit_id, user_id) FROM STDIN") as copy:
            for visit_id in ids:
                copy.write_row((visit_id, inspector_id))
        with raw.copy(f"COPY inspections_finding ({', '.join(FINDING_COLUMNS)}) FROM STDIN") as copy:
            for row in findings:
                copy.write_row(row if row[0] is None else (ids[row[0]], *row[1:]))


def _write_other(visits: list, findings: list, inspector_id: int) -> None:
    from django.db import connection

    from inspections.models import Visit

    objects = [
        Visit(
            campaign_id=v[0], mode=v[1], hall_id=v[2], started_at=v[3], ended_at=v[4], team_name=v[5],
            notes=v[6], created_by_id=v[7],
        )
        for v in visits
    ]
    Visit.objects.bulk_create(objects, batch_size=5000)
    ids = [v.pk for v in objects]
    # created_at is auto_now_add on the model; set the generated value afterwards.
    Through = Visit.inspectors.through
    Through.objects.bulk_create([Through(visit_id=i, user_id=inspector_id) for i in ids], batch_size=5000)
    adapt = connection.ops.adapt_datetimefield_value
    datetimes = [i for i, name in enumerate(FINDING_COLUMNS) if name.endswith("_at")]
    sql = (
        f"INSERT INTO inspections_finding ({', '.join(FINDING_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(FINDING_COLUMNS))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(findings), 5000):
            rows = []
            for row in findings[start:start + 5000]:
                row = list(row)
                if row[0] is not None:
                    row[0] = ids[row[0]]
                for i in datetimes:
                    row[i] = adapt(row[i])
                rows.append(row)
            cursor.executemany(sql, rows)
        created = [(adapt(v[8]), i) for v, i in zip(visits, ids, strict=True)]
        cursor.executemany("UPDATE inspections_visit SET created_at = %s WHERE id = %s", created)


class _DeferredIndexes:
    """Drop the finding table's secondary indexes and foreign keys for a big load, then rebuild them.

    Keeping fourteen B-tree and trigram indexes and eight foreign-key checks up
    to date row by row costs most of a load's time; building them once
    afterwards is several times cheaper. Everything happens inside the load's
    transaction, so an interrupted load leaves the schema exactly as it was.
    Definitions are read back from the catalogue (``pg_get_indexdef``,
    ``pg_get_constraintdef``), so the rebuilt objects are the migrations' own.
    """

    TABLE = "inspections_finding"

    def __init__(self, cursor):
        cursor.execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT x.indisunique
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
            ORDER BY i.relname
            """, [self.TABLE],
        )
        self.indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [self.TABLE],
        )
        self.foreign_keys = cursor.fetchall()

    def drop(self, cursor):
        for name, _definition in self.foreign_keys:
            cursor.execute(f'ALTER TABLE {self.TABLE} DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            cursor.execute(f'DROP INDEX "{name}"')

    def rebuild(self, cursor):
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in self.indexes:
            cursor.execute(definition)
        for name, definition in self.foreign_keys:
            cursor.execute(f'ALTER TABLE {self.TABLE} ADD CONSTRAINT "{name}" {definition}')


def _analyse(verbose: bool) -> None:
    """Fresh planner statistics for every table, and a visibility map for the loaded ones.

    Every table, not only the loaded ones: without statistics for the small
    registry tables the planner takes "regions under 990000/" for one row,
    and the list's queries go from milliseconds to tens of seconds. A live
    system gets both from autovacuum, but autovacuum may be off (it is on
    some test servers) and would not have caught up right after a load.
    """
    from django.db import connection

    tables = "inspections_finding, inspections_visit, inspections_visit_inspectors"
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if not connection.in_atomic_block:  # VACUUM cannot run inside a transaction
            cursor.execute(f"VACUUM {tables}")
        cursor.execute("ANALYZE")
    if verbose:
        print(f"Analysed the tables in {time.perf_counter() - started:.1f} s.", flush=True)


DEFER_INDEXES_FROM = 200_000  # findings per load; below this, rebuilding costs more than it saves


def fill(findings: int, halls: int = 400, *, seed: int = 2026, batch_size: int | None = None,
         defer_indexes: bool | None = None, verbose: bool = True) -> int:
    """Add ``findings`` synthetic findings to the bench province; returns how many were added.

    ``defer_indexes`` (PostgreSQL only; by default for loads of 200,000 or
    more) rebuilds the finding table's indexes and foreign keys after the
    load instead of maintaining them row by row, all in one transaction.
    """
    from django.db import connection, transaction

    say = print if verbose else (lambda *a, **k: None)
    rng = random.Random(seed)
    ensure_taxonomy()
    province = bench_province()
    office, inspector, manager = bench_office(province), bench_inspector(province), bench_manager()
    made = ensure_halls(province, halls, rng)
    if made:
        say(f"Created {made} bench halls with their departments, windows and staff.", flush=True)
    hall_plans, hall_cum = _hall_plans(province)
    manager.halls.add(*[h.id for h in hall_plans])
    categories, category_cum = _category_plans()
    generator = Generator(
        rng, categories, category_cum, hall_plans, hall_cum, (inspector.pk, office.pk, manager.pk),
        time.time(),
    )
    postgresql = connection.vendor == "postgresql"
    write = _write_postgresql if postgresql else _write_other
    batch_size = batch_size or (50_000 if postgresql else 5_000)
    if defer_indexes is None:
        defer_indexes = findings >= DEFER_INDEXES_FROM
    defer_indexes = defer_indexes and postgresql

    days = list(generator.days())
    base, extra = divmod(findings, len(days))
    started = time.perf_counter()
    done = visits_done = 0
    visits: list = []
    rows: list = []

    def flush():
        nonlocal done, visits_done, visits, rows
        with transaction.atomic():
            if postgresql:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            write(visits, rows, inspector.pk)
        done += len(rows)
        visits_done += len(visits)
        visits, rows = [], []
        elapsed = time.perf_counter() - started
        say(f"  {done:>10,} / {findings:,} findings, {visits_done:,} visits, "
            f"{elapsed:6.1f} s, {done / elapsed:,.0f} rows/s", flush=True)

    # One transaction around the whole load when the indexes are deferred; otherwise one per batch.
    with transaction.atomic() if defer_indexes else contextlib.nullcontext():
        deferred = None
        if defer_indexes:
            with connection.cursor() as cursor:
                deferred = _DeferredIndexes(cursor)
                deferred.drop(cursor)
            say(f"Dropped {len(deferred.indexes)} indexes and {len(deferred.foreign_keys)} foreign keys "
                "of inspections_finding for the load (rebuilt in the same transaction).", flush=True)
        for index, midnight in enumerate(days):
            generator.day(midnight, base + (1 if index < extra else 0), visits, rows)
            if len(rows) >= batch_size:
                flush()
        if rows:
            flush()
        if deferred:
            rebuild_started = time.perf_counter()
            with connection.cursor() as cursor:
                deferred.rebuild(cursor)
            say(f"Rebuilt the indexes and foreign keys in {time.perf_counter() - rebuild_started:.1f} s.",
                flush=True)
    load_seconds = time.perf_counter() - started
    if postgresql:
        _analyse(verbose)
    total = time.perf_counter() - started
    say(f"Loaded {done:,} findings ({visits_done:,} visits) on {connection.vendor} in "
        f"{load_seconds:.1f} s ({total:.1f} s with ANALYZE): {done / max(load_seconds, 1e-9):,.0f} rows/s",
        flush=True)
    return done


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--findings", type=int, required=True, help="how many findings to add")
    parser.add_argument("--halls", type=int, default=400, help="bench halls to spread them over (default 400)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--defer-indexes", action=argparse.BooleanOptionalAction, default=None,
                        help="PostgreSQL: rebuild the finding indexes and foreign keys after the load "
                             f"(default: when loading {DEFER_INDEXES_FROM:,} or more)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="rows per COPY/insert batch (default 50,000 on PostgreSQL, 5,000 on SQLite)")
    args = parser.parse_args(argv)
    if args.findings < 0 or args.halls < 1:
        parser.error("--findings must be ≥ 0 and --halls ≥ 1")
    setup_django()
    fill(args.findings, args.halls, seed=args.seed, batch_size=args.batch_size,
         defer_indexes=args.defer_indexes)


if __name__ == "__main__":
    main()
