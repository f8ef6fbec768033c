"""Circulars (通报): the named notice that publishes confirmed findings.

Publishing is one transaction (circulars.services.circular_publish): the
findings become published, which lifts the undercover embargo, and their
rectification items are opened with their deadlines. Every draft and the
publishing keep their history, with the user.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.models import Finding
from registry.models import Region


class Circular(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")

    class Naming(models.TextChoices):
        FULL = "full", _("实名")
        SURNAME = "surname", _("姓氏加“某”")

    issuer = models.CharField(_("发文机关"), max_length=100)
    issuer_code = models.CharField(_("机关代字"), max_length=20, help_text=_("如“黑作整办”。"))
    year = models.PositiveIntegerField(_("年份"))
    serial = models.PositiveIntegerField(_("序号"))
    doc_number = models.CharField(_("文号"), max_length=60, unique=True, editable=False)
    region = models.ForeignKey(
        Region, verbose_name=_("发文区划"), on_delete=models.PROTECT, related_name="circulars",
        help_text=_("通报所覆盖的区划；本区划及下级的作风办可以查看。"),
    )
    title = models.CharField(_("标题"), max_length=200)
    date = models.DateField(_("发文日期"))
    lead = models.TextField(_("导语"), blank=True)
    requirements = models.TextField(_("工作要求"), blank=True)
    accountability_tally = models.TextField(
        _("问责情况"), blank=True, help_text=_("如“共问责41人，其中……”。留空则按问责记录自动汇总。")
    )
    naming = models.CharField(_("人员称谓"), max_length=10, choices=Naming.choices, default=Naming.SURNAME)
    findings = models.ManyToManyField(Finding, verbose_name=_("通报的问题"), related_name="circulars", blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发布人"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("起草人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"], m2m_fields=[findings])

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-year", "-serial"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "year", "serial"], name="circular_number_unique_per_issuer_year",
                violation_error_message=_("该机关本年度已有这个序号的通报。"),
            ),
            models.CheckConstraint(
                name="circular_published_has_time",
                condition=Q(status="draft") | Q(published_at__isnull=False),
                violation_error_message=_("已发布的通报必须有发布时间。"),
            ),
        ]

    def __str__(self):
        return f"{self.doc_number} {self.title}"

    def save(self, *args, **kwargs):
        # The number is derived, so it can never disagree with its parts.
        self.doc_number = self.format_number(self.issuer_code, self.year, self.serial)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("circular_detail", args=[self.pk])

    @staticmethod
    def format_number(issuer_code: str, year: int, serial: int) -> str:
        """发文字号: issuer code, the year in 〔〕, the serial without padding."""
        return f"{issuer_code}〔{year}〕{serial}号"

    @property
    def names_surname_only(self) -> bool:
        return self.naming == self.Naming.SURNAME
