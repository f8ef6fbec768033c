"""The organisation and its people.

Regions form the administrative tree (province → city → county → township);
halls sit in a region; departments, windows and staff belong to a hall. Users
hold one role (``Role``, described in ``ROLES``) and a scope: a region and
everything below it, or a list of halls.

What a role may *see* is ``registry.scope`` (and the scope module of each app
above); what it may *do* is ``access.policy``.
"""

from dataclasses import dataclass

from django.contrib import auth
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

models.CharField.register_lookup(Length)


class Region(models.Model):
    """An administrative division with its statutory code.

    ``path`` and ``full_name`` are derived from the parent chain so that "this
    region and everything below it" is one indexed prefix match
    (``path__startswith``) rather than a recursive query.
    """

    class Level(models.TextChoices):
        PROVINCE = "province", _("省")
        CITY = "city", _("市")
        COUNTY = "county", _("县（区、市）")
        TOWNSHIP = "township", _("乡镇（街道）")

    code = models.CharField(
        _("区划代码"), max_length=12, unique=True,
        help_text=_("6 位行政区划代码；乡镇（街道）为 12 位。"),
    )
    name = models.CharField(_("名称"), max_length=50)
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="children",
    )
    path = models.CharField(_("路径"), max_length=200, editable=False, db_index=True)
    full_name = models.CharField(_("全称"), max_length=200, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="region_code_length_matches_level",
                condition=(
                    Q(level="township", code__length=12)
                    | (~Q(level="township") & Q(code__length=6))
                ),
                violation_error_message=_("区划代码应为 6 位数字（乡镇、街道为 12 位）。"),
            ),
            models.CheckConstraint(
                name="region_parent_required_below_province",
                condition=Q(level="province") | Q(parent__isnull=False),
                violation_error_message=_("省以下的区划必须选择上级区划。"),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # path/full_name are a cache of the parent chain; keep them (and the
        # descendants' copies) right whenever the chain or the name changes.
        old = type(self).objects.filter(pk=self.pk).values("path", "full_name").first()
        parent = self.parent
        self.path = f"{parent.path if parent else ''}{self.code}/"
        self.full_name = f"{parent.full_name if parent else ''}{self.name}"
        super().save(*args, **kwargs)
        if old and (old["path"] != self.path or old["full_name"] != self.full_name):
            for child in self.children.all():
                child.save()

    def clean(self):
        if self.code and not self.code.isdigit():
            raise ValidationError({"code": _("区划代码只能包含数字。")})
        # A county may sit directly under a province (省直辖县), so any higher level will do.
        order = list(self.Level.values)
        if self.parent_id and order.index(self.parent.level) >= order.index(self.level):
            raise ValidationError({"parent": _("上级区划的层级必须高于本区划。")})
        # self.path still holds the stored value here: a parent inside it would make a loop.
        if self.parent_id and self.pk and self.path and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("上级区划不能是本区划或其下级。")})

    def subtree(self):
        return Region.objects.filter(path__startswith=self.path)


def _kind_groups(kinds, unit_kinds) -> list:
    return [
        (_("服务大厅"), [(kind.value, kind.label) for kind in kinds if kind not in unit_kinds]),
        (_("其他窗口单位"), [(kind.value, kind.label) for kind in unit_kinds]),
    ]


class ServiceHall(models.Model):
    """A hall, or another unit that serves the public at a counter and is inspected like one.

    Circulars name units that are not halls at all (seed 000): an agency's office (省公路局办公室),
    a 股 (特种设备安全监察股), a brigade (劳动监察大队), an institution (特种设备检验所), a window
    one unit stations in another's hall (邮政局派驻到公安局户政办理窗口), a company's service
    desk. They are kept here with their own ``kind`` (单位类型) rather than as "其他专业大厅", so
    that lists, filters and statistics can tell a hall from a unit; everything else (departments,
    windows, staff, findings, the ledger) works for both alike.
    """

    class Kind(models.TextChoices):
        GOVERNMENT_CENTRE = "government_centre", _("政务服务中心")
        CONVENIENCE_CENTRE = "convenience_centre", _("便民服务中心")
        REAL_ESTATE = "real_estate", _("不动产登记中心")
        VEHICLE = "vehicle", _("车管所")
        POLICE = "police", _("派出所（户政、出入境）")
        TAX = "tax", _("办税大厅")
        SOCIAL_SECURITY = "social_security", _("社保服务大厅")
        OTHER = "other", _("其他专业大厅")
        # Units that are not halls.
        STATIONED_WINDOW = "stationed_window", _("派驻窗口")
        AGENCY_OFFICE = "agency_office", _("机关科室（股室）")
        ENFORCEMENT_BRIGADE = "enforcement_brigade", _("执法大队")
        SERVICE_INSTITUTION = "service_institution", _("站所（事业单位）")
        ENTERPRISE_DESK = "enterprise_desk", _("企业服务窗口")
        OTHER_UNIT = "other_unit", _("其他单位")

    CENTRE_KINDS = (Kind.GOVERNMENT_CENTRE, Kind.CONVENIENCE_CENTRE)
    UNIT_KINDS = (
        Kind.STATIONED_WINDOW, Kind.AGENCY_OFFICE, Kind.ENFORCEMENT_BRIGADE, Kind.SERVICE_INSTITUTION,
        Kind.ENTERPRISE_DESK, Kind.OTHER_UNIT,
    )
    # The pickers group them: halls first, then the units that are not halls.
    KIND_CHOICES = _kind_groups(Kind, UNIT_KINDS)

    name = models.CharField(_("单位名称"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="halls"
    )
    kind = models.CharField(_("单位类型"), max_length=30, choices=KIND_CHOICES)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    class Meta:
        verbose_name = _("服务大厅")
        verbose_name_plural = _("服务大厅")
        ordering = ["region__code", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="hall_name_unique_per_region",
                violation_error_message=_("同一区划内已有同名的服务大厅。"),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("hall_detail", args=[self.pk])

    @property
    def is_hall(self) -> bool:
        """A hall (大厅) rather than another unit (a 股, a brigade, a stationed window…)."""
        return self.kind not in self.UNIT_KINDS

    @property
    def is_specialised(self) -> bool:
        """A specialised hall (不动产, 车管所…): neither a centre nor a unit that is not a hall."""
        return self.is_hall and self.kind not in self.CENTRE_KINDS


class Department(models.Model):
    """A unit stationed in a hall (进驻部门), e.g. 公安局, 住建局."""

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("服务大厅"), on_delete=models.CASCADE,
        related_name="departments",
    )
    name = models.CharField(_("部门名称"), max_length=100)
    active = models.BooleanField(_("在驻"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进驻部门")
        verbose_name_plural = _("进驻部门")
        ordering = ["hall", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "name"], name="department_name_unique_per_hall",
                violation_error_message=_("该大厅已有同名的进驻部门。"),
            ),
        ]

    def __str__(self):
        return self.name


def _check_same_hall(instance, errors, **related):
    """Related registry rows (department, window, backup…) must be in the instance's hall."""
    for field, obj in related.items():
        if obj is not None and instance.hall_id and obj.hall_id != instance.hall_id:
            errors[field] = _("所选项目不属于本大厅。")


class Window(models.Model):
    class Kind(models.TextChoices):
        GENERAL = "general", _("综合受理")
        SPECIALISED = "specialised", _("专项受理")
        INQUIRY = "inquiry", _("咨询台")
        GUIDE = "guide", _("导引台")
        SELF_SERVICE = "self_service", _("自助区")

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("服务大厅"), on_delete=models.CASCADE, related_name="windows"
    )
    number = models.PositiveIntegerField(_("窗口编号"))
    label = models.CharField(
        _("窗口标识"), max_length=50, blank=True,
        help_text=_("现场标牌上的写法，如“10号窗口”；留空时按编号生成。"),
    )
    name = models.CharField(_("窗口名称"), max_length=100, blank=True, help_text=_("如“房产处”。"))
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="windows",
    )
    kind = models.CharField(_("窗口类型"), max_length=20, choices=Kind.choices, default=Kind.GENERAL)
    active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = _("窗口")
        ordering = ["hall", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "number"], name="window_number_unique_per_hall",
                violation_error_message=_("该大厅已有相同编号的窗口，窗口编号在同一大厅内不能重复。"),
            ),
        ]

    def __str__(self):
        text = self.display_label
        return f"{text}（{self.name}）" if self.name else text

    @property
    def display_label(self):
        return self.label_for(self.label, self.number)

    @staticmethod
    def label_for(label: str | None, number: int | None) -> str:
        """The window as people name it: its own label, or "10号窗口"; "" for no window
        (exports read the two columns, None for a finding without a window)."""
        if number is None:
            return ""
        return str(label or _("%(number)s号窗口") % {"number": number})

    def clean(self):
        errors = {}
        _check_same_hall(self, errors, department=self.department)
        if errors:
            raise ValidationError(errors)


class Staff(models.Model):
    class Post(models.TextChoices):
        CHIEF_REPRESENTATIVE = "chief_representative", _("首席代表")
        WINDOW_STAFF = "window_staff", _("窗口工作人员")
        GUIDE = "guide", _("导办员")
        SECURITY = "security", _("安保")
        OTHER = "other", _("其他")

    name = models.CharField(_("姓名"), max_length=50)
    badge_number = models.CharField(_("工号（服务牌号）"), max_length=30)
    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("服务大厅"), on_delete=models.CASCADE, related_name="staff"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="staff",
    )
    window = models.ForeignKey(
        Window, verbose_name=_("当前窗口"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="staff",
    )
    post = models.CharField(_("岗位"), max_length=30, choices=Post.choices, default=Post.WINDOW_STAFF)
    is_party_member = models.BooleanField(_("党员"), default=False)
    backup = models.ForeignKey(
        "self", verbose_name=_("A/B 角搭档"), on_delete=models.SET_NULL,
        null=True, blank=True, related_name="backed_up_by",
        help_text=_("本人不在岗时顶岗的同事（B 角）。"),
    )
    active = models.BooleanField(_("在岗"), default=True)
    # Personal data: shown only to those whose work needs it (policy: staff.view_phone). Its past
    # values are not kept in the history, which more people read than the number itself.
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    history = HistoricalRecords(excluded_fields=["phone"])

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["hall", "badge_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["hall", "badge_number"], name="staff_badge_unique_per_hall",
                violation_error_message=_("该大厅已有相同工号的工作人员，工号在同一大厅内不能重复。"),
            ),
            models.CheckConstraint(
                name="staff_backup_is_not_self",
                condition=Q(backup__isnull=True) | ~Q(backup=F("pk")),
                violation_error_message=_("A/B 角搭档不能是本人。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.badge_number}）"

    def clean(self):
        errors = {}
        _check_same_hall(
            self, errors, department=self.department, window=self.window, backup=self.backup
        )
        if self.backup_id and self.pk and self.backup_id == self.pk:
            errors["backup"] = _("A/B 角搭档不能是本人。")
        if errors:
            raise ValidationError(errors)


# --- People who use the system -------------------------------------------------------

class Role(models.TextChoices):
    INSPECTOR = "inspector", _("督查人员")
    HALL_MANAGER = "hall_manager", _("大厅负责人")
    OFFICE = "office", _("作风办")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")
    NONE = "none", _("未分配角色")


class Reach(models.TextChoices):
    """Where a role's sight of halls starts."""

    REGION = "region", _("本区划及下级")
    HALLS = "halls", _("负责的大厅")
    ALL = "all", _("全部（仅登记信息）")
    NONE = "none", _("无")


@dataclass(frozen=True)
class RoleSpec:
    reach: str
    # Sees findings, ledgers and accountability (the administrators keep the system, not its records).
    business: bool = False
    # Assigned on the server's command line (manage.py create_admin), never in the app.
    administrator: bool = False
    # The inspected side: sees the visit's team, never the inspectors, and derived copies of photos.
    hall_side: bool = False
    # Signs in with a second factor (TOTP) as well as the password.
    two_factor: bool = False

    @property
    def needs_region(self) -> bool:
        """Its sight is a region subtree, so an account of it must name the region."""
        return self.reach == Reach.REGION


# The role table. Who may do what with these roles is access.policy; which rows they see is
# registry.scope and the scope module of each app.
ROLES: dict[str, RoleSpec] = {
    Role.INSPECTOR: RoleSpec(Reach.REGION, business=True),
    Role.HALL_MANAGER: RoleSpec(Reach.HALLS, business=True, hall_side=True),
    Role.OFFICE: RoleSpec(Reach.REGION, business=True, two_factor=True),
    Role.AUDITOR: RoleSpec(Reach.REGION, business=True),
    # 三员分立: three administrators, three accounts; none reads a business record.
    Role.SYSADMIN: RoleSpec(Reach.ALL, administrator=True, two_factor=True),
    Role.SECADMIN: RoleSpec(Reach.ALL, administrator=True, two_factor=True),
    # Reads the security log and nothing else (not even the registry).
    Role.AUDIT_ADMIN: RoleSpec(Reach.NONE, administrator=True, two_factor=True),
    Role.NONE: RoleSpec(Reach.NONE),
}

# Roles whose scope is a region subtree (they must name a region).
REGION_SCOPED_ROLES = tuple(role for role, spec in ROLES.items() if spec.needs_region)
REGION_REQUIRED = _("督查人员、作风办和审计员必须指定管辖区划。")
BUSINESS_ROLES = tuple(role for role, spec in ROLES.items() if spec.business)


def role_spec(user) -> RoleSpec:
    """The role table's row for a user; anonymous and inactive users reach nothing."""
    if not (user and user.is_authenticated and user.is_active):
        return ROLES[Role.NONE]
    return ROLES.get(user.role, ROLES[Role.NONE])


class AppUserManager(UserManager):
    def create_superuser(self, *args, **kwargs):
        raise TypeError(
            "This application has no superusers: create administrators with `manage.py create_admin`."
        )


class User(AbstractUser):
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.NONE)
    region = models.ForeignKey(
        Region, verbose_name=_("管辖区划"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="users",
        help_text=_("督查人员、作风办和审计员可见本区划及其下级区划。"),
    )
    halls = models.ManyToManyField(
        ServiceHall, verbose_name=_("负责的大厅"), blank=True, related_name="managers",
        help_text=_("大厅负责人只能看到这里选中的大厅。"),
    )
    organisation = models.CharField(
        _("单位"), max_length=100, blank=True,
        help_text=_("督查人员填所在督查组（如“省作风整顿办暗访组”）：被督查单位只看到这个名称，看不到姓名。"),
    )
    # When the holder last chose their own password; empty when someone else set it (a new
    # account, a reset): the next sign-in asks for a new one (registry.identity).
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["password", "last_login", "password_changed_at"], m2m_fields=[halls])

    objects = AppUserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.CheckConstraint(
                name="user_region_required_for_region_roles",
                condition=~Q(role__in=REGION_SCOPED_ROLES) | Q(region__isnull=False),
                violation_error_message=REGION_REQUIRED,
            ),
            models.CheckConstraint(
                name="user_is_never_superuser",
                condition=Q(is_superuser=False),
                violation_error_message=_("本系统不设超级用户。"),
            ),
        ]

    def __str__(self):
        return self.display_name or self.username

    def clean(self):
        super().clean()
        # The constraint above, said on the region field (a form shows it beside the field).
        if ROLES.get(self.role, ROLES[Role.NONE]).needs_region and not self.region_id:
            raise ValidationError({"region": REGION_REQUIRED})

    # The policy (access.policy, through the django-rules backend) decides every permission.
    # Django's superuser shortcut is not honoured; the flag is never set (constraint above).
    def has_perm(self, perm, obj=None):
        return self.is_active and any(
            backend.has_perm(self, perm, obj) for backend in auth.get_backends() if hasattr(backend, "has_perm")
        )

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label):
        return False  # the admin asks each model's screens instead (core.permissions.PolicyAdmin)


class SignedInSession(models.Model):
    """A session a user signed in with, so that all of them end together (registry.identity):
    at logout, a password change, deactivation or a reset of the second factor."""

    user = models.ForeignKey(User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(_("会话"), max_length=40, unique=True)
    signed_in_at = models.DateTimeField(_("登录时间"))

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self):
        return f"{self.user_id} {self.signed_in_at:%Y-%m-%d %H:%M}"
