import datetime

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models import Campaign, Finding, ProblemCategory, Visit
from registry.scope import halls_visible_to, regions_visible_to


class FindingFilter(django_filters.FilterSet):
    """The findings list. Every choice list is limited to what the user may see."""

    region = django_filters.ModelChoiceFilter(
        label=_("区划"), queryset=None, method="filter_region_subtree", empty_label=_("全部区划")
    )
    # A hall by name: a <select> of every hall in a province costs more to render than the page.
    # (``hall`` by id still works in links.)
    hall = django_filters.ModelChoiceFilter(queryset=None, widget=forms.HiddenInput)
    hall_name = django_filters.CharFilter(label=_("服务大厅"), field_name="hall__name", lookup_expr="icontains")
    department = django_filters.CharFilter(
        label=_("部门"), field_name="department__name", lookup_expr="icontains"
    )
    window = django_filters.NumberFilter(label=_("窗口号"), field_name="window__number")
    category = django_filters.ModelChoiceFilter(
        label=_("问题类别"), queryset=None, method="filter_category", empty_label=_("全部类别")
    )
    source = django_filters.ChoiceFilter(label=_("问题来源"), choices=Finding.Source.choices, empty_label=_("全部来源"))
    mode = django_filters.ChoiceFilter(
        label=_("方式"), field_name="visit__mode", choices=Visit.Mode.choices, empty_label=_("全部方式")
    )
    severity = django_filters.ChoiceFilter(
        label=_("严重程度"), choices=Finding.Severity.choices, empty_label=_("全部程度")
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Finding.Status.choices, empty_label=_("全部状态"))
    staff = django_filters.CharFilter(label=_("工作人员"), method="filter_staff")
    campaign = django_filters.ModelChoiceFilter(
        label=_("专项整治行动"), field_name="visit__campaign", queryset=Campaign.objects.all(),
        empty_label=_("全部行动"),
    )
    # Dates become a range of aware datetimes: "observed_at::date >= …" could not use the index.
    date_from = django_filters.DateFilter(
        label=_("发现日期从"), method="filter_from", widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("发现日期至"), method="filter_to", widget=forms.DateInput(attrs={"type": "date"}),
    )
    q = django_filters.CharFilter(label=_("关键词"), method="filter_text")
    # The dashboard's findings (workbench.dashboard): those established, confirmed or published.
    established = django_filters.BooleanFilter(label=_("已认定"), method="filter_established",
                                               widget=forms.HiddenInput)
    staff_id = django_filters.NumberFilter(field_name="staff", widget=forms.HiddenInput)
    mine = django_filters.BooleanFilter(method="filter_mine", widget=forms.HiddenInput)
    from_visit = django_filters.BooleanFilter(field_name="visit", lookup_expr="isnull", exclude=True,
                                              widget=forms.HiddenInput)
    order = django_filters.OrderingFilter(
        label=_("排序"),
        fields=[
            ("observed_at", "observed_at"), ("hall__name", "hall"), ("category__code", "category"),
            ("severity", "severity"), ("status", "status"),
        ],
        field_labels={
            "observed_at": _("发现时间"), "hall__name": _("服务大厅"), "category__code": _("问题类别"),
            "severity": _("严重程度"), "status": _("状态"),
        },
    )

    class Meta:
        model = Finding
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["region"].queryset = regions_visible_to(user).exclude(level="township").order_by("path")
        self.filters["hall"].queryset = halls_visible_to(user).order_by("name")
        self.filters["category"].queryset = ProblemCategory.objects.order_by("order", "code")

    def filter_region_subtree(self, queryset, name, value):
        return queryset.filter(hall__region__path__startswith=value.path) if value else queryset

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        if value.parent_id is None:  # a whole class: all its sub-items
            return queryset.filter(category__parent=value)
        return queryset.filter(category=value)

    def filter_staff(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(staff__name__icontains=value) | Q(staff_description__icontains=value))

    def filter_mine(self, queryset, name, value):
        """The user's own findings (我的草稿)."""
        if value is None:
            return queryset
        return queryset.filter(created_by=self.user) if value else queryset.exclude(created_by=self.user)

    def filter_established(self, queryset, name, value):
        established = [Finding.Status.CONFIRMED, Finding.Status.PUBLISHED]
        if value is None:
            return queryset
        return queryset.filter(status__in=established) if value else queryset.exclude(status__in=established)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(description__icontains=value) if value else queryset

    def filter_from(self, queryset, name, value):
        return queryset.filter(observed_at__gte=_start_of(value)) if value else queryset

    def filter_to(self, queryset, name, value):
        if not value:
            return queryset
        if value == datetime.date.max:  # the last day there is: no end
            return queryset
        return queryset.filter(observed_at__lt=_start_of(value + datetime.timedelta(days=1)))


def _start_of(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ReviewFilter(django_filters.FilterSet):
    """The review queue as a work queue: by hall, class, inspector and how long it has waited."""

    AGES = [("1", _("等待超过 1 天")), ("3", _("等待超过 3 天")), ("7", _("等待超过 7 天"))]

    hall_name = django_filters.CharFilter(label=_("服务大厅"), field_name="hall__name", lookup_expr="icontains")
    category = django_filters.ModelChoiceFilter(
        label=_("问题大类"), queryset=ProblemCategory.objects.filter(parent=None).order_by("order", "code"),
        field_name="category__parent", empty_label=_("全部大类"),
    )
    inspector = django_filters.CharFilter(label=_("登记人"), method="filter_inspector")
    age = django_filters.ChoiceFilter(label=_("等待时间"), choices=AGES, method="filter_age", empty_label=_("不限"))

    class Meta:
        model = Finding
        fields = []

    def filter_inspector(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(created_by__display_name__icontains=value) | Q(created_by__username__icontains=value))

    def filter_age(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(submitted_at__lt=timezone.now() - datetime.timedelta(days=int(value)))
