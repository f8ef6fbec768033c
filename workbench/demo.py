"""Demo data: the regions and halls named in the source documents.

Everything is generated deterministically (random generators seeded from the
hall's name), so running ``seed_demo`` twice gives the same rows, and the
natural keys (region code, hall name, window number, badge number) make the
second run update rather than duplicate.
"""

import datetime
import io
import random
import zlib
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from circulars import services as circular_services
from circulars.models import Circular
from inspections import services as finding_services
from inspections.models import Campaign, Finding, ProblemCategory, Visit
from rectification import services
from rectification.models import RectificationItem
from registry.models import Department, Region, Role, ServiceHall, Staff, User, Window

# (code, name, level, parent code)
REGIONS = [
    ("230000", "黑龙江省", "province", None),
    ("230100", "哈尔滨市", "city", "230000"),
    ("230104", "道外区", "county", "230100"),
    ("230109", "松北区", "county", "230100"),
    ("230125", "宾县", "county", "230100"),
    ("230125100000", "宾州镇", "township", "230125"),
    ("230200", "齐齐哈尔市", "city", "230000"),
    ("230800", "佳木斯市", "city", "230000"),
    ("230822", "桦南县", "county", "230800"),
    ("230828", "汤原县", "county", "230800"),
    ("230828100000", "汤原镇", "township", "230828"),
    ("230900", "七台河市", "city", "230000"),
    ("231000", "牡丹江市", "city", "230000"),
    ("231083", "海林市", "county", "231000"),
    ("231084", "宁安市", "county", "231000"),
    ("231200", "绥化市", "city", "230000"),
    ("231281", "安达市", "county", "231200"),
    ("220000", "吉林省", "province", None),
    ("220800", "白城市", "city", "220000"),
    ("220882", "大安市", "county", "220800"),
    ("420000", "湖北省", "province", None),
    ("421300", "随州市", "city", "420000"),
    ("421321", "随县", "county", "421300"),
]

GOV = ServiceHall.Kind.GOVERNMENT_CENTRE

# (region code, hall name, kind, address, departments)
COUNTY_DEPARTMENTS = [
    "公安局", "住建局", "人社局", "不动产登记中心", "市场监督管理局", "税务局", "医保局",
    "民政局", "卫健局", "交通运输局", "自然资源局", "公积金管理中心",
]
HALLS = [
    ("230800", "佳木斯市政务服务中心", GOV, "佳木斯市前进区长安东路 1 号",
     COUNTY_DEPARTMENTS + ["房地产登记中心", "发改委", "生态环境局", "林草局"]),
    ("230828", "汤原县政务服务中心", GOV, "汤原县汤原镇政府路 88 号",
     ["房产处", "公安局", "邮政局", "人社局", "市场监督管理局", "税务局", "医保局", "民政局"]),
    ("230822", "桦南县政务服务中心", GOV, "桦南县桦南镇文化路 15 号",
     ["不动产登记中心", "公安局", "人社局", "市场监督管理局", "税务局", "医保局"]),
    ("230125", "宾县行政审批服务中心", GOV, "宾县宾州镇二环路 21 号", COUNTY_DEPARTMENTS[:9]),
    ("230104", "哈尔滨市道外区社会保障服务中心", ServiceHall.Kind.SOCIAL_SECURITY,
     "哈尔滨市道外区南勋街 307 号", ["社会保险事业局", "就业服务局", "医保局"]),
    ("230109", "哈尔滨市松北区税务局办税服务厅", ServiceHall.Kind.TAX,
     "哈尔滨市松北区世茂大道 99 号", ["税务局"]),
    ("231281", "安达市市民公共服务中心", GOV, "安达市铁西区新兴街 12 号",
     ["工商窗口", "医保局", "住建局", "公安局", "人社局", "税务局", "民政局"]),
    ("231000", "牡丹江市行政审批大厅", GOV, "牡丹江市西安区太平路 42 号",
     ["行政审批局", "公安局", "住建局", "市场监督管理局", "人社局", "税务局", "自然资源局"]),
    ("230200", "齐齐哈尔市公安局出入境接待大厅", ServiceHall.Kind.POLICE,
     "齐齐哈尔市龙沙区政府办公大楼一楼", ["出入境管理支队"]),
    ("230200", "齐齐哈尔市不动产登记交易中心", ServiceHall.Kind.REAL_ESTATE,
     "齐齐哈尔市建华区新明大街 96 号", ["不动产登记中心", "税务局", "住房公积金管理中心"]),
    ("231083", "海林市政务服务中心", GOV, "海林市林海路 68 号",
     ["市场监督管理局", "公安局", "住建局", "人社局", "税务局", "自然资源局"]),
    ("231084", "宁安市政务服务中心", GOV, "宁安市宁安镇新华路 3 号",
     ["公安局", "住建局", "人社局", "不动产登记中心", "税务局"]),
    ("230900", "七台河市政务服务中心", GOV, "七台河市桃山区山湖路 9 号", COUNTY_DEPARTMENTS[:10]),
    ("220882", "大安市政务服务中心", GOV, "大安市慧阳街 1 号",
     ["公安局", "住建局", "人社局", "畜牧局", "市场监督管理局", "税务局", "不动产登记中心"]),
    ("421321", "随县政务服务中心", GOV, "随县厉山镇神农大道 6 号",
     ["公安局", "住建局", "林业局", "财政局", "发改局", "经信局", "食药监局", "人社局"]),
    ("230828100000", "汤原镇便民服务中心", ServiceHall.Kind.CONVENIENCE_CENTRE,
     "汤原县汤原镇中心街 2 号", ["社会事务办", "农业服务中心"]),
    ("230125100000", "宾州镇便民服务中心", ServiceHall.Kind.CONVENIENCE_CENTRE,
     "宾县宾州镇宾西路 5 号", ["社会事务办", "社保所"]),
    # Units that are not halls, as seed 000 names them.
    ("230828", "汤原县邮政局派驻公安局户政办理窗口", ServiceHall.Kind.STATIONED_WINDOW,
     "汤原县公安局户政大厅内", ["汤原县邮政局"]),
    ("231084", "宁安市市场监督管理局特种设备安全监察股", ServiceHall.Kind.AGENCY_OFFICE,
     "宁安市宁安镇西大街 20 号", ["特种设备安全监察股"]),
    ("231083", "海林市人力资源和社会保障局劳动监察大队", ServiceHall.Kind.ENFORCEMENT_BRIGADE,
     "海林市林海路 102 号", ["劳动监察大队"]),
]

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰红建国志宏海燕鹏飞晓东春梅雪婷宇欣悦博文佳琪子涵浩然"

DEMO_PASSWORD = "Demo@2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: str
    organisation: str
    region_code: str | None = None
    hall_names: tuple[str, ...] = ()
    is_staff: bool = True


DEMO_ACCOUNTS = [
    DemoAccount("inspector", "李明", Role.INSPECTOR, "黑龙江省作风整顿办暗访组", "230000",
                is_staff=False),
    DemoAccount("manager", "王建国", Role.HALL_MANAGER, "佳木斯市政务服务中心",
                hall_names=("佳木斯市政务服务中心",)),
    DemoAccount("manager2", "赵丽华", Role.HALL_MANAGER, "汤原县政务服务中心",
                hall_names=("汤原县政务服务中心", "汤原镇便民服务中心")),
    DemoAccount("office", "陈志宏", Role.OFFICE, "佳木斯市作风整顿办", "230800"),
    DemoAccount("office_province", "张海燕", Role.OFFICE, "黑龙江省深化机关作风整顿领导小组办公室",
                "230000"),
    DemoAccount("auditor", "刘静", Role.AUDITOR, "黑龙江省审计厅", "230000"),
    DemoAccount("sysadmin", "孙伟", Role.SYSADMIN, "省政务服务管理局信息中心"),
    DemoAccount("secadmin", "周敏", Role.SECADMIN, "省政务服务管理局信息中心"),
    DemoAccount("auditadmin", "吴磊", Role.AUDIT_ADMIN, "省政务服务管理局信息中心", is_staff=False),
]


def _rng(key: str) -> random.Random:
    return random.Random(zlib.crc32(key.encode("utf-8")))


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"


def seed_regions() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, name, level, parent_code in REGIONS:
        region, _ = Region.objects.update_or_create(
            code=code,
            defaults={"name": name, "level": level, "parent": regions.get(parent_code)},
        )
        regions[code] = region
    return regions


def seed_hall(region: Region, name: str, kind: str, address: str, departments: list[str]) -> int:
    """One hall with its departments, windows and staff. Returns the number of staff."""
    rng = _rng(name)
    hall, _ = ServiceHall.objects.update_or_create(
        region=region, name=name, defaults={"kind": kind, "address": address, "active": True}
    )
    number = 0
    staff_rows = []
    for department_name in departments:
        department, _ = Department.objects.update_or_create(hall=hall, name=department_name)
        for _i in range(rng.choice((1, 2, 2, 3))):
            number += 1
            window, _ = Window.objects.update_or_create(
                hall=hall, number=number,
                defaults={
                    "label": f"{number}号窗口", "name": department_name, "department": department,
                    "kind": Window.Kind.SPECIALISED if rng.random() < 0.4 else Window.Kind.GENERAL,
                },
            )
            for _j in range(rng.choice((1, 2, 2))):
                staff_rows.append((department, window, Staff.Post.WINDOW_STAFF))
        staff_rows.append((department, None, Staff.Post.CHIEF_REPRESENTATIVE))
    for kind, label in ((Window.Kind.INQUIRY, "综合咨询台"), (Window.Kind.GUIDE, "导引台")):
        number += 1
        window, _ = Window.objects.update_or_create(
            hall=hall, number=number, defaults={"label": label, "name": "", "kind": kind}
        )
        staff_rows.append((None, window, Staff.Post.GUIDE))
    staff_rows.append((None, None, Staff.Post.SECURITY))

    people = []
    prefix = region.code[-4:]
    for seq, (department, window, post) in enumerate(staff_rows, start=1):
        person, _ = Staff.objects.update_or_create(
            hall=hall, badge_number=f"{prefix}{seq:03d}",
            defaults={
                "name": _person_name(rng), "department": department, "window": window,
                "post": post, "is_party_member": rng.random() < 0.35, "phone": _phone(rng),
                "active": True,
            },
        )
        people.append(person)
    # A/B roles: colleagues at the same department cover for each other.
    by_department: dict[int | None, list[Staff]] = {}
    for person in people:
        if person.post == Staff.Post.WINDOW_STAFF:
            by_department.setdefault(person.department_id, []).append(person)
    for colleagues in by_department.values():
        for a, b in zip(colleagues[::2], colleagues[1::2], strict=False):
            Staff.objects.filter(pk=a.pk).update(backup=b)
            Staff.objects.filter(pk=b.pk).update(backup=a)
    return len(people)


def seed_accounts(regions: dict[str, Region]) -> list[tuple[DemoAccount, bool]]:
    results = []
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.update_or_create(
            username=account.username,
            defaults={
                "display_name": account.display_name, "role": account.role,
                "organisation": account.organisation,
                "region": regions.get(account.region_code) if account.region_code else None,
                "is_staff": account.is_staff, "is_active": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            # Demo accounts are not asked for a new password at first sign-in (real ones are).
            user.password_changed_at = timezone.now()
            user.save(update_fields=["password", "password_changed_at"])
        user.halls.set(ServiceHall.objects.filter(name__in=account.hall_names))
        results.append((account, created))
    return results


@transaction.atomic
def seed_demo() -> dict:
    regions = seed_regions()
    staff = sum(
        seed_hall(regions[code], name, kind, address, departments)
        for code, name, kind, address, departments in HALLS
    )
    accounts = seed_accounts(regions)
    findings = seed_inspections(regions)
    seed_rectification()
    seed_circular()
    return {
        "regions": len(regions), "halls": len(HALLS), "staff": staff, "accounts": accounts,
        "findings": findings,
    }


# --- Demo inspections (from seed 000's circular) -------------------------------------

CAMPAIGN = {
    "name": "集中整治窗口服务突出问题明察暗访",
    "issuer": "黑龙江省深化机关作风整顿领导小组办公室",
    "doc_number": "黑作整办〔2026〕3号",
    "start_date": datetime.date(2026, 10, 8),
    "end_date": datetime.date(2026, 12, 31),
}

# (hall, mode, start "MM-DD HH:MM", minutes, findings); each finding:
# (category, minutes after start, window number or None, description, facts, severity, status)
DEMO_VISITS = [
    ("佳木斯市政务服务中心", "undercover", "11-10 09:05", 150, [
        ("C02", 25, 3, "房地产登记中心窗口工作人员在群众等待办事期间多次随意离开岗位，最长时达到27分钟。",
         {"minutes_off_post": 27, "people_waiting": 4}, "serious", "confirmed"),
        ("C04", 70, 5, "工作人员上班时间玩手机，窗口前有群众等候。", {"activity": "phone", "count": 2},
         "general", "submitted"),
    ]),
    ("汤原县政务服务中心", "undercover", "11-12 14:10", 90, [
        ("D01", 20, "房产处", "房产处窗口工作人员接受办事群众递来的香烟，当场点燃且边吸边与办事人员交谈。",
         {"item": "香烟一支"}, "severe", "submitted"),
    ]),
    ("齐齐哈尔市不动产登记交易中心", "open", "11-14 08:30", 180, [
        ("E02", 10, None, "每个工作日只发放50个预约登记号，办事群众起大早排队约号。",
         {"tickets_per_day": 50}, "serious", "confirmed"),
        ("D04", 60, None, "服务大厅内有多家中介公司公开揽活，业务被中介明码标价。",
         {"intermediaries": 4}, "severe", "submitted"),
    ]),
    ("牡丹江市行政审批大厅", "undercover", "11-18 10:00", 60, [
        ("B01", 15, None, "服务咨询台工作人员回答群众咨询时缺少耐心、态度生硬。",
         {"quote": "不是跟你说了吗，自己看公示栏"}, "general", "draft"),
    ]),
]


def _demo_photo(seed: str) -> bytes:
    """A plain generated picture standing in for an inspector's photo."""
    rng = _rng(seed)
    image = Image.new("RGB", (640, 480), (rng.randrange(150, 230), rng.randrange(150, 230), 220))
    draw = ImageDraw.Draw(image)
    for _i in range(6):
        x, y = rng.randrange(0, 560), rng.randrange(0, 400)
        draw.rectangle([x, y, x + rng.randrange(40, 120), y + rng.randrange(30, 80)],
                       fill=(rng.randrange(60, 200), rng.randrange(60, 200), rng.randrange(60, 200)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_inspections(regions: dict[str, Region]) -> int:
    """A campaign, four visits and their findings; skipped visit by visit when already there."""
    inspector = User.objects.get(username="inspector")
    office = User.objects.get(username="office_province")
    campaign, _ = Campaign.objects.update_or_create(
        name=CAMPAIGN["name"], defaults={**CAMPAIGN, "created_by": office}
    )
    campaign.regions.set([regions["230000"]])
    tz = timezone.get_current_timezone()
    created = 0
    for hall_name, mode, start, minutes, findings in DEMO_VISITS:
        hall = ServiceHall.objects.get(name=hall_name)
        started_at = datetime.datetime.strptime(f"2026-{start}", "%Y-%m-%d %H:%M").replace(tzinfo=tz)
        if Visit.objects.filter(hall=hall, started_at=started_at).exists():
            continue
        visit = finding_services.visit_start(
            actor=inspector, hall=hall, mode=mode, started_at=started_at, campaign=campaign,
            team_name="省作风整顿办第一暗访组" if mode == "undercover" else "省作风整顿办明察组",
        )
        for code, offset, window_number, description, facts, severity, status in findings:
            # A window by its number, or the first window of a named department.
            windows = hall.windows.filter(
                department__name=window_number if isinstance(window_number, str) else None
            ) if isinstance(window_number, str) else hall.windows.filter(number=window_number)
            window = windows.order_by("number").first() if window_number else None
            finding = finding_services.finding_record(
                actor=inspector, visit=visit, facts_raw=facts, submit=status != "draft",
                values={
                    "category": ProblemCategory.objects.get(code=code),
                    "observed_at": started_at + datetime.timedelta(minutes=offset),
                    "window": window, "department": window.department if window else None,
                    "staff": window.staff.first() if window else None,
                    "severity": severity, "description": description,
                },
                files=[SimpleUploadedFile(f"IMG_{code}.jpg", _demo_photo(code + hall_name), "image/jpeg")],
            )
            if status == Finding.Status.CONFIRMED:
                reviewer = User.objects.get(username="office_province")
                finding_services.finding_confirm(actor=reviewer, finding=finding)
            created += 1
        finding_services.visit_end(actor=inspector, visit=visit, ended_at=started_at + datetime.timedelta(minutes=minutes))
    # A self-inspection by the hall manager.
    manager = User.objects.get(username="manager")
    hall = ServiceHall.objects.get(name="佳木斯市政务服务中心")
    if not Finding.objects.filter(hall=hall, source=Finding.Source.SELF_INSPECTION).exists():
        finding_services.finding_self_inspect(
            actor=manager, hall=hall, submit=True, facts_raw={},
            values={
                "category": ProblemCategory.objects.get(code="A02"),
                "observed_at": datetime.datetime(2026, 11, 16, 9, 30, tzinfo=tz),
                "severity": "general", "staff_description": "医保窗口两名工作人员",
                "description": "自查发现医保窗口两名工作人员未佩戴工作牌，已当场纠正。",
            },
        )
        created += 1
    return created


def seed_rectification() -> int:
    """Ledger items in each state, a revisit-ready close-out and an accountability record.

    Skipped when the demo halls already have items (the run is idempotent).
    """
    if RectificationItem.objects.filter(hall__name__in=[h[1] for h in HALLS]).exists():
        return 0
    office = User.objects.get(username="office_province")
    manager = User.objects.get(username="manager")
    qiqihar = ServiceHall.objects.get(name="齐齐哈尔市不动产登记交易中心")
    jiamusi = ServiceHall.objects.get(name="佳木斯市政务服务中心")
    made = 0

    # An open-inspection finding, assigned the day of the visit: 30 working days (class E).
    quota = Finding.objects.get(hall=qiqihar, category__code="E02")
    services.item_create(actor=office, findings=[quota], today=datetime.date(2026, 11, 14),
                         responsible_leader="刘国庆（副主任）", responsible_person="赵磊",
                         measures="取消每日 50 个号的限制，增设网上预约和延时服务窗口。")
    made += 1
    # Intermediaries: confirmed and given three working days, now overdue.
    agents = Finding.objects.get(hall=qiqihar, category__code="D04")
    if agents.status == Finding.Status.SUBMITTED:
        agents = finding_services.finding_confirm(actor=office, finding=agents)
    services.item_create(actor=office, findings=[agents], kind="deadline", working_days=3,
                         today=datetime.date(2026, 11, 16), responsible_person="王海")
    made += 1
    # An undercover finding waits for its circular.
    off_post = Finding.objects.get(hall=jiamusi, category__code="C02")
    services.item_create(actor=office, findings=[off_post])
    made += 1
    # The hall's own self-inspection: fixed at once, proof uploaded, close-out asked for.
    badge = Finding.objects.get(hall=jiamusi, source=Finding.Source.SELF_INSPECTION)
    item = services.item_create(actor=manager, findings=[badge], kind="immediate",
                                today=datetime.date(2026, 11, 16), responsible_person="王建国")
    services.progress_add(
        actor=manager, item=item, date=datetime.date(2026, 11, 17), text="已为医保窗口补发工作牌，并在晨会上通报。",
        files=[SimpleUploadedFile("工作牌.jpg", _demo_photo("badge"), "image/jpeg")],
    )
    services.closure_request(actor=manager, item=item, completion_note="两名工作人员已规范佩戴工作牌。")
    made += 1
    # Accountability for the intermediaries (an open-inspection finding the hall already knows of).
    services.accountability_record(
        actor=office, hall=qiqihar, subject="leader", person_name="孙立新", person_title="交易中心副主任",
        track="first_form", type="诫勉", deciding_body="齐齐哈尔市纪委监委", decision_number="齐纪〔2026〕17号",
        decision_date=datetime.date(2026, 11, 20), findings=[agents],
    )
    return made


DEMO_LEAD = ("近日，省深化机关作风整顿领导小组办公室对全省部分政务服务窗口进行了明察暗访。"
             "发现部分窗口存在空岗漏岗、效率低下、服务态度差、中介揽活等突出问题，现予以通报。")
DEMO_REQUIREMENTS = ("各地各部门要以此为鉴，立即开展自查自纠，对通报的问题逐项建立整改台账，"
                     "明确责任人和整改时限。省作风办将适时组织回头看，对整改不到位、虚假整改的严肃问责。")
# The headings seed 000's office wrote, by the problem class each demo section was opened for.
DEMO_HEADINGS = {"C": "部分服务窗口有空岗漏岗现象", "E": "部分窗口服务效率低下"}


def seed_circular() -> bool:
    """Seed 000's circulars: 2号, published (the halls see it, its ledger items are open), and 3号, a
    draft for the office to publish; both with the office's own section headings."""
    if Circular.objects.filter(issuer_code="黑作整办", year=2026).exists():
        return False
    office = User.objects.get(username="office_province")
    confirmed = Finding.objects.filter(status=Finding.Status.CONFIRMED, hall__name__in=[h[1] for h in HALLS])
    for serial, code, date, publish in ((2, "E", datetime.date(2026, 11, 16), True),
                                        (3, "C", datetime.date(2026, 11, 21), False)):
        circular = circular_services.circular_save(
            actor=office, findings=confirmed.filter(category__code__startswith=code),
            values={
                "issuer": "黑龙江省深化机关作风整顿领导小组办公室", "issuer_code": "黑作整办", "year": 2026,
                "serial": serial, "region": Region.objects.get(code="230000"),
                "title": "关于集中整治窗口服务突出问题明察暗访情况的通报", "date": date,
                "lead": DEMO_LEAD, "requirements": DEMO_REQUIREMENTS, "naming": "surname",
            },
        )
        sections = {s.pk: (DEMO_HEADINGS[code], s.order) for s in circular.sections.all()}
        entries = {e.pk: (e.section_id, e.order, "", "rectify") for e in circular.entries.all()}
        circular_services.circular_arrange(actor=office, circular=circular, sections=sections, new_sections={},
                                           entries=entries)
        if publish:
            circular_services.circular_publish(actor=office, circular=circular, today=date)
    return True
