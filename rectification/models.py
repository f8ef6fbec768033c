"""The rectification ledger (整改台账), revisits, accountability, reminders.

An item's life: prepared (waiting for its circular) → assigned → in_progress →
closure_requested → closed, and back to in_progress when the office returns
it or a revisit fails. ``ITEM_TRANSITIONS`` is the whole table; the services
refuse every other step. Overdue and "due soon" are computed from the
deadline and the working-day calendar, never stored.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.models import Evidence, Finding, ProblemCategory
from registry.models import Department, ServiceHall, Staff

# How every page, export and reminder marks a deadline counted through a year not yet announced.
PROVISIONAL_LABEL = _("预估")


class CalendarYear(models.Model):
    """A year whose holiday schedule the office has entered in full."""

    year = models.PositiveIntegerField(_("年份"), unique=True)
    complete = models.BooleanField(
        _("已录入全年安排"), default=False,
        help_text=_("勾选后，该年未单独录入的日期按周一至周五上班计算。"),
    )
    source = models.CharField(_("依据"), max_length=200, blank=True, help_text=_("如国务院办公厅通知文号。"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")
        ordering = ["-year"]

    def __str__(self):
        return str(self.year)


class CalendarDay(models.Model):
    """One day that differs from the weekday rule: a holiday, or a make-up workday (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("上班"), help_text=_("勾选表示调休上班；不勾选表示放假。"))
    name = models.CharField(_("名称"), max_length=50, blank=True, help_text=_("如“春节”“国庆节调休上班”。"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class RectificationKind(models.TextChoices):
    IMMEDIATE = "immediate", _("立行立改")
    DEADLINE = "deadline", _("限期整改")
    ONGOING = "ongoing", _("长期坚持")


class DeadlineRule(models.Model):
    """How long a category of problem (and severity) gets to be fixed. The most specific rule wins."""

    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("问题类别"), on_delete=models.PROTECT, null=True, blank=True,
        help_text=_("留空表示所有类别；选大类表示其下全部子项。"),
    )
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Finding.Severity.choices, blank=True,
        help_text=_("留空表示任何程度。"),
    )
    kind = models.CharField(_("整改类型"), max_length=10, choices=RectificationKind.choices)
    working_days = models.PositiveIntegerField(_("整改时限（工作日）"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改时限规则")
        verbose_name_plural = _("整改时限规则")
        ordering = ["category__code", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"], name="deadline_rule_unique_per_category_severity",
                violation_error_message=_("该类别和严重程度已有规则。"),
            ),
            models.CheckConstraint(
                name="deadline_rule_days_for_deadline_kind",
                condition=(Q(kind="deadline", working_days__gte=1) | ~Q(kind="deadline")),
                violation_error_message=_("限期整改必须填写整改时限（至少 1 个工作日）。"),
            ),
        ]

    def __str__(self):
        target = self.category or _("全部类别")
        days = f" {self.working_days} 个工作日" if self.working_days else ""
        return f"{target} {self.get_severity_display() or ''} → {self.get_kind_display()}{days}"


class RectificationItem(models.Model):
    class Status(models.TextChoices):
        PREPARED = "prepared", _("待下发")
        ASSIGNED = "assigned", _("已交办")
        IN_PROGRESS = "in_progress", _("整改中")
        CLOSURE_REQUESTED = "closure_requested", _("申请销号")
        CLOSED = "closed", _("已销号")

    findings = models.ManyToManyField(Finding, verbose_name=_("问题"), related_name="rectification_items")
    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("责任单位（大厅）"), on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("责任部门"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="rectification_items",
    )
    responsible_leader = models.CharField(_("责任领导"), max_length=50, blank=True)
    responsible_person = models.CharField(_("责任人"), max_length=50, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    standard = models.TextField(_("整改标准"), blank=True)
    kind = models.CharField(_("整改类型"), max_length=10, choices=RectificationKind.choices)
    assigned_date = models.DateField(_("交办日期"), null=True, blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    # How the deadline was reached: counted from the assignment day (so it can be counted again when
    # a year's schedule is announced), or null when someone gave the date itself.
    deadline_working_days = models.PositiveIntegerField(_("整改时限（工作日）"), null=True, blank=True)
    deadline_estimated = models.BooleanField(
        _("时限为预估"), default=False,
        help_text=_("计算时限时用到了国务院尚未公布放假安排的年份；公布并录入后自动重新计算。"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PREPARED)
    completion_note = models.TextField(_("完成情况"), blank=True)
    proof_notes = models.TextField(_("佐证材料说明"), blank=True, help_text=_("台账“佐证材料”一栏填写的内容。"))
    closure_requested_on = models.DateField(_("申请销号日期"), null=True, blank=True)
    closed_on = models.DateField(_("销号日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("核销人"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    last_revisit_on = models.DateField(_("最近回访日期"), null=True, blank=True)
    needs_accountability = models.BooleanField(
        _("需问责"), default=False, help_text=_("回访认定整改不到位、虚假、敷衍或拖而不改时标记。")
    )
    # Optimistic locking: a save names the version it was based on and is
    # refused if someone saved in between (see services.item_update).
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                name="item_deadline_not_before_assigned",
                condition=Q(deadline__isnull=True) | Q(assigned_date__isnull=True)
                | Q(deadline__gte=F("assigned_date")),
                violation_error_message=_("整改时限不能早于交办日期。"),
            ),
            models.CheckConstraint(
                name="item_closed_has_date_and_closer",
                condition=~Q(status="closed") | Q(closed_on__isnull=False, closed_by__isnull=False),
                violation_error_message=_("销号必须记录销号日期和核销人。"),
            ),
            models.CheckConstraint(
                name="item_estimated_deadline_is_counted",
                condition=Q(deadline_estimated=False) | Q(deadline__isnull=False, deadline_working_days__isnull=False),
                violation_error_message=_("只有按工作日计算的整改时限才能标为预估。"),
            ),
            models.CheckConstraint(
                name="item_assigned_has_date",
                condition=Q(status="prepared") | Q(assigned_date__isnull=False),
                violation_error_message=_("交办后的整改事项必须有交办日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["hall", "status", "deadline"], name="item_hall_status_deadline_idx"),
            models.Index(fields=["status", "deadline"], name="item_status_deadline_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.hall}"

    def get_absolute_url(self):
        return reverse("item_detail", args=[self.pk])

    @property
    def code(self):
        return self.code_for(self.pk) if self.pk else ""

    @property
    def deadline_mark(self) -> str:
        """预估 when the deadline was counted through a year not yet announced, else ""."""
        return str(PROVISIONAL_LABEL) if self.deadline_estimated else ""

    @staticmethod
    def code_for(pk: int) -> str:
        return f"ZG{pk:07d}"


# Legal status changes; everything else is refused by the services.
ITEM_TRANSITIONS: dict[str, set[str]] = {
    RectificationItem.Status.PREPARED: {RectificationItem.Status.ASSIGNED},
    RectificationItem.Status.ASSIGNED: {
        RectificationItem.Status.IN_PROGRESS, RectificationItem.Status.CLOSURE_REQUESTED,
    },
    RectificationItem.Status.IN_PROGRESS: {RectificationItem.Status.CLOSURE_REQUESTED},
    RectificationItem.Status.CLOSURE_REQUESTED: {
        RectificationItem.Status.CLOSED, RectificationItem.Status.IN_PROGRESS,
    },
    RectificationItem.Status.CLOSED: {RectificationItem.Status.IN_PROGRESS},
}

# The unit is working on these; deadlines, reminders and "overdue" apply to them.
WORKING_STATUSES = (RectificationItem.Status.ASSIGNED, RectificationItem.Status.IN_PROGRESS)
OPEN_STATUSES = (
    RectificationItem.Status.ASSIGNED, RectificationItem.Status.IN_PROGRESS,
    RectificationItem.Status.CLOSURE_REQUESTED,
)


class ProgressEntry(models.Model):
    """Append-only: what was done, when, with proof files."""

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("整改事项"), on_delete=models.PROTECT, related_name="progress"
    )
    date = models.DateField(_("日期"))
    text = models.TextField(_("整改进展"))
    proof = models.ManyToManyField(Evidence, verbose_name=_("佐证材料"), blank=True, related_name="progress_entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("整改进展")
        verbose_name_plural = _("整改进展")
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.item.code} {self.date}"


class ExtensionRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")

    item = models.ForeignKey(
        RectificationItem, verbose_name=_("整改事项"), on_delete=models.PROTECT, related_name="extensions"
    )
    reason = models.TextField(_("延期理由"))
    current_deadline = models.DateField(_("原整改时限"))
    proposed_deadline = models.DateField(_("申请延至"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审批人"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                name="extension_moves_deadline_later",
                condition=Q(proposed_deadline__gt=F("current_deadline")),
                violation_error_message=_("申请延期的日期必须晚于原整改时限。"),
            ),
            models.UniqueConstraint(
                fields=["item"], condition=Q(status="pending"), name="extension_one_pending_per_item",
                violation_error_message=_("该事项已有待审批的延期申请。"),
            ),
        ]

    def __str__(self):
        return f"{self.item.code} → {self.proposed_deadline}"


class Revisit(models.Model):
    class Verdict(models.TextChoices):
        DONE = "done", _("整改到位")
        NOT_DONE = "not_done", _("整改不到位")
        FAKE = "fake", _("虚假整改")
        PERFUNCTORY = "perfunctory", _("敷衍整改")
        STALLED = "stalled", _("拖而不改")

    NEGATIVE = (Verdict.NOT_DONE, Verdict.FAKE, Verdict.PERFUNCTORY, Verdict.STALLED)

    items = models.ManyToManyField(RectificationItem, verbose_name=_("整改事项"), related_name="revisits")
    date = models.DateField(_("回访日期"))
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="+")
    observation = models.TextField(_("回访情况"))
    verdict = models.CharField(_("回访结论"), max_length=12, choices=Verdict.choices)
    evidence = models.ManyToManyField(Evidence, verbose_name=_("证据材料"), blank=True, related_name="revisits")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("回访")
        verbose_name_plural = _("回访")
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} {self.get_verdict_display()}"

    @property
    def is_negative(self):
        return self.verdict in self.NEGATIVE


class Accountability(models.Model):
    class Track(models.TextChoices):
        ORGANISATIONAL = "organisational", _("组织处理")
        GOVERNMENT = "government", _("政务处分")
        PARTY = "party", _("党纪处分")
        FIRST_FORM = "first_form", _("诫勉谈话等（第一种形态）")
        HALL = "hall", _("大厅管理措施")

    # Types per track (domain.md, "Accountability outcome lists"); the service checks the pair.
    TYPES = {
        Track.FIRST_FORM: ["批评教育", "谈话提醒", "责令检查", "诫勉"],
        Track.ORGANISATIONAL: ["停职检查", "调整职务", "责令辞职", "免职", "降职"],
        Track.GOVERNMENT: ["警告", "记过", "记大过", "降级", "撤职", "开除"],
        Track.PARTY: ["警告", "严重警告", "撤销党内职务", "留党察看", "开除党籍"],
        Track.HALL: ["扣分", "通报批评", "实名通报", "约谈"],
    }
    # 政务处分 periods in months (开除 has none).
    GOVERNMENT_PERIOD_MONTHS = {"警告": 6, "记过": 12, "记大过": 18, "降级": 24, "撤职": 24}

    class Subject(models.TextChoices):
        STAFF = "staff", _("工作人员")
        LEADER = "leader", _("领导干部")
        UNIT = "unit", _("单位")

    subject = models.CharField(_("问责对象类型"), max_length=10, choices=Subject.choices)
    staff = models.ForeignKey(
        Staff, verbose_name=_("工作人员"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="accountability",
    )
    person_name = models.CharField(_("姓名"), max_length=50, blank=True, help_text=_("领导干部或未登记人员的姓名。"))
    person_title = models.CharField(_("职务"), max_length=100, blank=True)
    hall = models.ForeignKey(ServiceHall, verbose_name=_("单位（大厅）"), on_delete=models.PROTECT, related_name="accountability")
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    track = models.CharField(_("问责方式"), max_length=20, choices=Track.choices)
    type = models.CharField(_("处理类型"), max_length=20)
    deciding_body = models.CharField(_("决定机关"), max_length=100)
    decision_number = models.CharField(_("决定文号"), max_length=60, blank=True)
    decision_date = models.DateField(_("决定日期"))
    findings = models.ManyToManyField(Finding, verbose_name=_("相关问题"), blank=True, related_name="accountability")
    items = models.ManyToManyField(RectificationItem, verbose_name=_("相关整改事项"), blank=True, related_name="accountability")
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")
        ordering = ["-decision_date", "-id"]
        constraints = [
            models.CheckConstraint(
                name="accountability_staff_subject_names_staff",
                condition=~Q(subject="staff") | Q(staff__isnull=False),
                violation_error_message=_("问责工作人员时必须选择该工作人员。"),
            ),
            models.CheckConstraint(
                name="accountability_leader_has_a_name",
                condition=~Q(subject="leader") | ~Q(person_name=""),
                violation_error_message=_("问责领导干部时必须填写姓名。"),
            ),
        ]

    def __str__(self):
        return f"{self.subject_label} {self.get_track_display()} {self.type}"

    @property
    def subject_label(self):
        if self.subject == self.Subject.STAFF and self.staff_id:
            return self.staff.name
        if self.subject == self.Subject.LEADER:
            return self.person_name
        return str(self.department or self.hall)


class Notification(models.Model):
    """An in-app message; e-mailed in the recipient's daily digest.

    ``key`` makes each reminder unique (e.g. "overdue:42:2026-12-01"), so
    running the reminder job again never makes a second one.
    """

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("整改交办")
        DUE_SOON = "due_soon", _("即将到期")
        OVERDUE = "overdue", _("已逾期")
        CLOSURE_REQUESTED = "closure_requested", _("申请销号")
        CLOSURE_APPROVED = "closure_approved", _("销号通过")
        CLOSURE_RETURNED = "closure_returned", _("销号退回")
        EXTENSION_REQUESTED = "extension_requested", _("延期申请")
        EXTENSION_DECIDED = "extension_decided", _("延期审批")
        REVISIT = "revisit", _("回访结论")
        DEADLINE_CHANGED = "deadline_changed", _("时限调整")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    item = models.ForeignKey(RectificationItem, verbose_name=_("整改事项"), on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    text = models.CharField(_("内容"), max_length=300)
    key = models.CharField(_("去重键"), max_length=120)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    digest = models.ForeignKey("Digest", verbose_name=_("摘要邮件"), on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications")

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient_key"),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self):
        return self.text


class Digest(models.Model):
    """One e-mail a day per person, with the notifications it carries.

    Written before the mail is sent and marked sent after, so a crash between
    the two leaves a pending digest that the next run sends (nothing is lost),
    and a sent digest is never sent again.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("日期"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("摘要邮件")
        verbose_name_plural = _("摘要邮件")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "day"], name="digest_once_per_recipient_day"),
        ]

    def __str__(self):
        return f"{self.recipient} {self.day}"
