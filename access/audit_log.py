"""The audit administrator's view of the security log: a filter (user, event, period, result)
and the workbook of what it finds. Both read ``audit.models.SecurityEvent``; only the audit
administrator's actions (``audit.view``, ``audit.export``) reach them."""

import datetime
import json
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import Event, Result, SecurityEvent
from core.exporting import Column, Exporter, choice_labels

DATE = forms.DateInput(attrs={"type": "date"})


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class SecurityEventFilter(django_filters.FilterSet):
    user = django_filters.CharFilter(label=_("账号"), field_name="username", lookup_expr="icontains")
    event = django_filters.MultipleChoiceFilter(label=_("事件"), choices=Event.choices,
                                                widget=forms.SelectMultiple(attrs={"size": 6}))
    result = django_filters.ChoiceFilter(label=_("结果"), choices=Result.choices, empty_label=_("全部结果"))
    address = django_filters.CharFilter(label=_("地址"), field_name="address", method="filter_address")
    date_from = django_filters.DateFilter(label=_("日期从"), method="filter_from", widget=DATE)
    date_to = django_filters.DateFilter(label=_("日期至"), method="filter_to", widget=DATE)

    class Meta:
        model = SecurityEvent
        fields = []

    def filter_address(self, queryset, name, value):
        return queryset.filter(address=value.strip()) if value.strip() else queryset

    # Days are the office's (Asia/Shanghai): a period is from the start of one local day to the
    # end of another.
    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(at__lt=_day_start(value + datetime.timedelta(days=1)))


def events_for(params) -> SecurityEventFilter:
    return SecurityEventFilter(params, queryset=SecurityEvent.objects.select_related("user"))


def at_text(moment: datetime.datetime) -> str:
    """A time as the log states it: local, to the second, with its offset (2026-12-02T09:30:00+08:00)."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


@dataclass
class SecurityEventExporter(Exporter):
    queryset: QuerySet | None = None
    title: str = "安全审计日志"
    sheet_name: str = "审计日志"
    columns: list[Column] = field(default_factory=lambda: [
        Column("时间", 26), Column("账号", 16), Column("姓名", 12), Column("地址", 16), Column("事件", 18),
        Column("对象类型", 22), Column("对象编号", 10), Column("对象", 30), Column("结果", 8), Column("详情", 50),
    ])

    def __post_init__(self):
        self.subtitle = f"导出时间：{at_text(timezone.now())}"

    def count(self):
        return self.queryset.count()

    def rows(self):
        events, results = choice_labels(Event.choices), choice_labels(Result.choices)
        names = {}
        rows = self.queryset.order_by("-at", "-pk").values_list(
            "at", "username", "user__display_name", "address", "event", "object_type", "object_id",
            "object_repr", "result", "detail",
        )
        for at, username, name, address, event, object_type, object_id, text, result, detail in rows.iterator(
            chunk_size=2000
        ):
            names.setdefault(username, name or "")
            yield [
                at_text(at), username, names[username], address or "", events.get(event, event), object_type,
                object_id, text, results.get(result, result),
                json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else "",
            ]


def exporter_for(user, params) -> SecurityEventExporter:
    return SecurityEventExporter(queryset=events_for(params).qs)
