"""Circulars (通报): the named notice that publishes confirmed findings.

Publishing is one transaction (circulars.services.circular_publish): the
findings become published, which lifts the undercover embargo, and their
rectification items are opened with their deadlines. Every draft and the
publishing keep their history, with the user.

A draft is arranged by the office: its findings sit in sections it titles and
orders (``CircularSection``), each as one sentence it may rewrite, with a
处理意见 (``CircularEntry``). Publishing gives the document number and freezes
the whole document (``Circular.issued``, see circulars.document): what the
page, the Word document and the workbook show of a published circular never
changes again. A correction is a new circular that ``corrects`` it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from inspections.models import Finding, ProblemCategory
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
    serial = models.PositiveIntegerField(
        _("序号"), null=True, blank=True, help_text=_("留空则在发布时取下一个序号；补录纸质通报时填写原序号。"))
    # Null until published (a draft has no number yet), so that drafts do not collide on "".
    doc_number = models.CharField(_("文号"), max_length=60, unique=True, null=True, editable=False)  # noqa: DJ001
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
    corrects = models.ForeignKey(
        "self", verbose_name=_("更正的通报"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="corrections", help_text=_("本通报是对哪一份已发布通报的更正（更正通报）。"),
    )
    # The document as issued (circulars.document.CircularDocument as JSON), written once by publishing.
    issued = models.JSONField(_("发布时的通报全文"), null=True, blank=True, editable=False)
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
            models.CheckConstraint(
                name="circular_published_has_number",
                condition=Q(status="draft") | Q(serial__isnull=False),
                violation_error_message=_("已发布的通报必须有文号。"),
            ),
        ]

    def __str__(self):
        return f"{self.number_text} {self.title}"

    def save(self, *args, **kwargs):
        # The number is derived, so it can never disagree with its parts.
        self.doc_number = self.format_number(self.issuer_code, self.year, self.serial) if self.serial else None
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("circular_detail", args=[self.pk])

    @property
    def number_text(self) -> str:
        return self.doc_number or str(_("（发布时编号）"))

    @staticmethod
    def format_number(issuer_code: str, year: int, serial: int) -> str:
        """发文字号: issuer code, the year in 〔〕, the serial without padding."""
        return f"{issuer_code}〔{year}〕{serial}号"

    @property
    def names_surname_only(self) -> bool:
        return self.naming == self.Naming.SURNAME


class CircularSection(models.Model):
    """A heading of the circular's body, in the office's words and order ("部分窗口单位制度建设不规范")."""

    circular = models.ForeignKey(Circular, verbose_name=_("通报"), on_delete=models.CASCADE, related_name="sections")
    order = models.PositiveIntegerField(_("顺序"), default=0)
    title = models.CharField(_("标题"), max_length=200)
    # The problem class the section was opened for: findings of that class added later join it.
    category = models.ForeignKey(ProblemCategory, verbose_name=_("问题大类"), on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报章节")
        verbose_name_plural = _("通报章节")
        ordering = ["order", "id"]

    def __str__(self):
        return self.title


class Opinion(models.TextChoices):
    """处理意见: what the circular says is to be done about a finding."""

    RECTIFY = "rectify", _("责令整改")
    IMMEDIATE = "immediate", _("立行立改")
    TALK = "talk", _("约谈")
    CRITICISE = "criticise", _("通报批评")
    ACCOUNTABILITY = "accountability", _("问责")
    TRANSFER = "transfer", _("移交纪检监察机关")


class CircularEntry(models.Model):
    """One finding as the circular states it: in which section, in which place, in which words."""

    circular = models.ForeignKey(Circular, verbose_name=_("通报"), on_delete=models.CASCADE, related_name="entries")
    finding = models.ForeignKey(Finding, verbose_name=_("问题"), on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey(CircularSection, verbose_name=_("章节"), on_delete=models.PROTECT,
                                related_name="entries")
    order = models.PositiveIntegerField(_("顺序"), default=0)
    # Blank: the sentence composed from the finding (circulars.document.default_sentence) as it is now.
    text = models.TextField(_("通报表述"), blank=True, help_text=_("留空则由单位、窗口、人员、问题和量化事实自动生成。"))
    opinion = models.CharField(_("处理意见"), max_length=20, choices=Opinion.choices, default=Opinion.RECTIFY)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("通报条目")
        verbose_name_plural = _("通报条目")
        ordering = ["section__order", "section_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["circular", "finding"], name="circular_entry_one_per_finding"),
        ]

    def __str__(self):
        return f"{self.circular_id}: {self.finding_id}"


class NumberLock(models.Model):
    """One row per issuer and year, locked while a number is taken (circulars.services._take_serial)."""

    issuer_code = models.CharField(_("机关代字"), max_length=20)
    year = models.PositiveIntegerField(_("年份"))

    class Meta:
        verbose_name = _("文号锁")
        verbose_name_plural = _("文号锁")
        constraints = [models.UniqueConstraint(fields=["issuer_code", "year"], name="number_lock_unique")]

    def __str__(self):
        return f"{self.issuer_code}〔{self.year}〕"
