"""Problem taxonomy, campaigns, visits, findings and their evidence.

What each user sees of them is ``inspections.scope`` (the undercover embargo
included); what they may do with them is ``access.policy``.

A finding's life: draft (on site) → submitted → confirmed | rejected →
published (through a circular). The legal steps are ``FINDING_TRANSITIONS``;
``inspections.services.findings`` refuses every other step.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.facts import FACT_KINDS
from registry.models import Department, Region, ServiceHall, Staff, Window

models.CharField.register_lookup(Length)


def evidence_storage():
    return storages["evidence"]


class ProblemCategory(models.Model):
    """Two levels: a class (A 仪容仪表) and its sub-items (A01 着装不规范)."""

    code = models.CharField(_("编码"), max_length=3, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("所属类别"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="children",
    )
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveIntegerField(_("排序"), default=0)
    facts = models.JSONField(
        _("量化事实"), default=list, blank=True,
        help_text=_("登记此类问题时要求填写的量化事实。"),
    )
    required_facts = models.JSONField(_("必填的量化事实"), default=list, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                name="category_code_matches_level",
                condition=(
                    Q(parent__isnull=True, code__length=1) | Q(parent__isnull=False, code__length=3)
                ),
                violation_error_message=_("大类编码为 1 位字母（如 C），子项编码为 3 位（如 C02）。"),
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        unknown = [key for key in [*self.facts, *self.required_facts] if key not in FACT_KINDS]
        if unknown:
            raise ValidationError({"facts": _("未知的量化事实：%(keys)s") % {"keys": "、".join(unknown)}})
        if not set(self.required_facts) <= set(self.facts):
            raise ValidationError({"required_facts": _("必填项必须是已选的量化事实。")})
        if self.parent_id and self.parent.parent_id:
            raise ValidationError({"parent": _("问题类别只有两级。")})
        if self.parent_id and not self.code.startswith(self.parent.code):
            raise ValidationError({"code": _("子项编码应以所属大类的编码开头。")})


class Campaign(models.Model):
    """专项整治行动: a named campaign with a period, regions and focus areas.

    Issued by a discipline office for regions within its own (``inspections.services.campaigns``);
    a visit may belong to one that covers its hall. Who sees which is ``inspections.scope``.
    """

    name = models.CharField(_("行动名称"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=100)
    doc_number = models.CharField(
        _("文号"), max_length=60, blank=True, help_text=_("如“佳作整办〔2026〕3号”；没有正式发文的可留空。"),
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    regions = models.ManyToManyField(Region, verbose_name=_("覆盖区划"), related_name="campaigns")
    focus_categories = models.ManyToManyField(
        ProblemCategory, verbose_name=_("整治重点"), blank=True, related_name="campaigns"
    )
    notes = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT,
        related_name="+", null=True, blank=True,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[regions, focus_categories])

    class Meta:
        verbose_name = _("专项整治行动")
        verbose_name_plural = _("专项整治行动")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                name="campaign_ends_after_start",
                condition=Q(end_date__gte=F("start_date")),
                violation_error_message=_("结束日期不能早于开始日期。"),
            ),
            # One document launches one campaign.
            models.UniqueConstraint(
                fields=["doc_number"], condition=~Q(doc_number=""), name="campaign_doc_number_unique",
                violation_error_message=_("已有专项整治行动使用这个文号。"),
            ),
        ]

    def __str__(self):
        return self.name

    def covers(self, hall: ServiceHall) -> bool:
        """Whether the hall lies in one of the campaign's regions (``regions`` may be prefetched)."""
        return any(hall.region.path.startswith(region.path) for region in self.regions.all())


class Visit(models.Model):
    class Mode(models.TextChoices):
        OPEN = "open", _("明察")
        UNDERCOVER = "undercover", _("暗访")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("专项整治行动"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="visits",
    )
    mode = models.CharField(_("方式"), max_length=12, choices=Mode.choices, default=Mode.UNDERCOVER)
    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("服务大厅"), on_delete=models.PROTECT, related_name="visits"
    )
    started_at = models.DateTimeField(_("开始时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("督查人员"), related_name="visits"
    )
    team_name = models.CharField(_("督查组"), max_length=100, blank=True)
    notes = models.TextField(_("备注"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[inspectors])

    class Meta:
        verbose_name = _("督查走访")
        verbose_name_plural = _("督查走访")
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                name="visit_ends_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                violation_error_message=_("结束时间不能早于开始时间。"),
            ),
        ]
        indexes = [models.Index(fields=["hall", "-started_at"], name="visit_hall_started_idx")]

    def __str__(self):
        return f"{self.hall} · {self.get_mode_display()} · {self.started_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("visit_detail", args=[self.pk])


class Finding(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        CONFIRMED = "confirmed", _("已确认")
        REJECTED = "rejected", _("不予认定")
        PUBLISHED = "published", _("已通报")

    class Severity(models.TextChoices):
        GENERAL = "general", _("一般")
        SERIOUS = "serious", _("较重")
        SEVERE = "severe", _("严重")

    class Source(models.TextChoices):
        OPEN = "open", _("明察")
        UNDERCOVER = "undercover", _("暗访")
        SELF_INSPECTION = "self_inspection", _("自查")
        COMPLAINT = "complaint", _("群众投诉")
        RATING = "rating", _("好差评")
        MEDIA = "media", _("媒体曝光")
        ASSIGNED = "assigned", _("上级交办")

    visit = models.ForeignKey(
        Visit, verbose_name=_("督查走访"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("服务大厅"), on_delete=models.PROTECT, related_name="findings"
    )
    window = models.ForeignKey(
        Window, verbose_name=_("窗口"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("工作人员"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="findings",
    )
    # One finding may name several windows or departments ("工商、医保窗口有工作人员闲聊"): the first
    # is ``window``/``department`` (filters, scope and the ledger go by it), these are the others.
    other_windows = models.ManyToManyField(Window, verbose_name=_("同时涉及的窗口"), blank=True, related_name="+")
    other_departments = models.ManyToManyField(
        Department, verbose_name=_("同时涉及的部门"), blank=True, related_name="+")
    staff_description = models.CharField(
        _("人员特征"), max_length=100, blank=True,
        help_text=_("无法确认身份时填写，如“女，约30岁，10号窗口”。"),
    )
    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("问题类别"), on_delete=models.PROTECT,
        related_name="findings", limit_choices_to={"parent__isnull": False},
    )
    observed_at = models.DateTimeField(_("发现时间"))
    description = models.TextField(_("问题描述"))
    facts = models.JSONField(_("量化事实"), default=dict, blank=True)
    severity = models.CharField(
        _("严重程度"), max_length=10, choices=Severity.choices, default=Severity.GENERAL
    )
    source = models.CharField(_("问题来源"), max_length=20, choices=Source.choices)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    # Copied from the visit's mode when the finding is made: the embargo filter
    # must not need the visit to decide (and a finding's source never changes).
    undercover = models.BooleanField(_("暗访所得"), default=False, editable=False)
    rejection_reason = models.TextField(_("不予认定理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT,
        related_name="findings_created",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("审核人"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="findings_reviewed",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[other_windows, other_departments])

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        ordering = ["-observed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="finding_rejection_has_reason",
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                violation_error_message=_("不予认定必须写明理由。"),
            ),
            models.CheckConstraint(
                name="finding_undercover_matches_source",
                condition=Q(undercover=False) | Q(source="undercover"),
                violation_error_message=_("只有暗访所得的问题才受暗访保密限制。"),
            ),
            models.CheckConstraint(
                name="finding_visit_sources_have_a_visit",
                condition=~Q(source__in=["open", "undercover"]) | Q(visit__isnull=False),
                violation_error_message=_("明察、暗访发现的问题必须属于一次督查走访。"),
            ),
        ]
        indexes = [
            models.Index(fields=["-observed_at", "-id"], name="finding_observed_idx"),
            models.Index(fields=["hall", "-observed_at"], name="finding_hall_observed_idx"),
            models.Index(fields=["status", "-observed_at"], name="finding_status_observed_idx"),
            models.Index(fields=["category", "-observed_at"], name="finding_category_observed_idx"),
            models.Index(fields=["staff"], name="finding_staff_idx"),
        ]

    def __str__(self):
        return f"{self.code} {self.category.name if self.category_id else ''}"

    def get_absolute_url(self):
        return reverse("finding_detail", args=[self.pk])

    @property
    def code(self):
        """The number people quote on the phone: 问题 + zero-padded id."""
        return self.code_for(self.pk) if self.pk else ""

    @staticmethod
    def code_for(pk: int) -> str:
        return f"WT{pk:07d}"

    @property
    def unit_label(self):
        """"hall + department + window", the way a circular names a unit."""
        parts = [self.hall.name]
        if self.department_id:
            parts.append(self.department.name)
        if self.window_id:
            parts.append(str(self.window.display_label))
        return " ".join(parts)

    @property
    def person_label(self):
        return self.staff.name if self.staff_id else self.staff_description

    @property
    def departments_text(self) -> str:
        """"工商局、医保局": the department and the others named (prefetch other_departments for lists)."""
        return self.units_text(self.department.name if self.department_id else None,
                               [d.name for d in self.other_departments.all()])

    @property
    def windows_text(self) -> str:
        """"工商窗口、医保窗口": the window and the others named (prefetch other_windows for lists)."""
        return self.units_text(str(self.window.display_label) if self.window_id else None,
                               [str(w.display_label) for w in self.other_windows.all()])

    @staticmethod
    def units_text(first: str | None, others) -> str:
        """The first window or department and the others, each once: "工商窗口、医保窗口"."""
        return "、".join(dict.fromkeys(filter(None, [first, *others])))


# Legal status changes; everything else is refused by the service layer.
FINDING_TRANSITIONS: dict[str, set[str]] = {
    Finding.Status.DRAFT: {Finding.Status.SUBMITTED},
    Finding.Status.SUBMITTED: {Finding.Status.CONFIRMED, Finding.Status.REJECTED},
    Finding.Status.CONFIRMED: {Finding.Status.PUBLISHED},
    Finding.Status.REJECTED: set(),
    Finding.Status.PUBLISHED: set(),
}


class Evidence(models.Model):
    """A photo, video, recording or document, stored privately and served through a scope check."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("照片")
        VIDEO = "video", _("视频")
        AUDIO = "audio", _("录音")
        DOCUMENT = "document", _("文档")

    finding = models.ForeignKey(
        Finding, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="evidence",
        null=True, blank=True,
    )
    # The hall it is about (its finding's, or the ledger item's it proves): who may have the
    # original depends on it.
    hall = models.ForeignKey(ServiceHall, verbose_name=_("服务大厅"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    # Stored under a generated name in the private "evidence" storage, never
    # under a public URL: inspections.views.evidence_download serves it after the checks.
    # The original, sealed by its SHA-256, is for the office and the people who took it.
    file = models.FileField(_("文件"), storage=evidence_storage, max_length=200)
    thumbnail = models.FileField(_("缩略图"), storage=evidence_storage, blank=True, max_length=200)
    # What everyone else gets of a photo: re-encoded from the pixels alone, so without EXIF,
    # GPS position or the phone's make and model (services.evidence.clean_copy).
    copy = models.FileField(_("去除元数据的副本"), storage=evidence_storage, blank=True, max_length=200)
    # Videos, recordings and documents reach the hall side only when the office shares them.
    shared_with_hall = models.BooleanField(
        _("提供给被督查单位"), default=False,
        help_text=_("视频、录音和文档经作风办勾选后，被督查单位才能查看原件。"),
    )
    # Material the hall gave itself (self-inspection, proof of rectification): its own
    # managers may have the original.
    from_hall = models.BooleanField(_("单位自行提供"), default=False, editable=False)
    original_name = models.CharField(_("原文件名"), max_length=255)
    content_type = models.CharField(_("文件格式"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="evidence_is_not_empty", condition=Q(size__gt=0),
                violation_error_message=_("文件是空的。"),
            ),
        ]

    def __str__(self):
        return self.original_name

    @property
    def code(self):
        """The neutral name it goes by for those who do not get the original."""
        return f"ZJ{self.pk:07d}" if self.pk else ""
