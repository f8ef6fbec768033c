import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models import ProblemCategory
from rectification.calendar import due_soon_horizon
from rectification.models import (
    WORKING_STATUSES,
    Accountability,
    ExtensionRequest,
    RectificationItem,
    RectificationKind,
)
from registry.scope import halls_visible_to, regions_visible_to

DATE = forms.DateInput(attrs={"type": "date"})


class LedgerFilter(django_filters.FilterSet):
    region = django_filters.ModelChoiceFilter(label=_("区划"), queryset=None, method="filter_region", empty_label=_("全部区划"))
    hall = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=None, empty_label=_("全部单位"))
    department = django_filters.CharFilter(label=_("部门"), field_name="department__name", lookup_expr="icontains")
    status = django_filters.ChoiceFilter(label=_("状态"), choices=RectificationItem.Status.choices, empty_label=_("全部状态"))
    kind = django_filters.ChoiceFilter(label=_("整改类型"), choices=RectificationKind.choices, empty_label=_("全部类型"))
    overdue = django_filters.BooleanFilter(label=_("已逾期"), method="filter_overdue")
    due_soon = django_filters.BooleanFilter(label=_("即将到期"), method="filter_due_soon")
    # The traffic light of rectification.selectors.traffic_light, as a filter: red overdue, yellow
    # due soon, green the other working items.
    light = django_filters.ChoiceFilter(label=_("红黄绿灯"), method="filter_light", empty_label=_("全部"),
                                        choices=[("red", _("红灯（逾期）")), ("yellow", _("黄灯（即将到期）")),
                                                 ("green", _("绿灯"))])
    category = django_filters.ModelChoiceFilter(label=_("问题类别"), queryset=None, method="filter_category", empty_label=_("全部类别"))
    deadline_from = django_filters.DateFilter(label=_("时限从"), field_name="deadline", lookup_expr="gte", widget=DATE)
    deadline_to = django_filters.DateFilter(label=_("时限至"), field_name="deadline", lookup_expr="lte", widget=DATE)
    person = django_filters.CharFilter(label=_("责任人"), field_name="responsible_person", lookup_expr="icontains")
    # What waits for the office (the home page's 待办 opens the ledger with these).
    extension = django_filters.ChoiceFilter(label=_("延期申请"), choices=[("pending", _("待审批"))],
                                            method="filter_extension", empty_label=_("不限"))
    needs_accountability = django_filters.BooleanFilter(label=_("待记录问责"), method="filter_needs_accountability")
    # The dashboard's items (workbench.dashboard): assigned within a period, none still waiting
    # for its circular.
    assigned_from = django_filters.DateFilter(field_name="assigned_date", lookup_expr="gte", widget=forms.HiddenInput)
    assigned_to = django_filters.DateFilter(field_name="assigned_date", lookup_expr="lte", widget=forms.HiddenInput)
    assigned = django_filters.BooleanFilter(method="filter_assigned", widget=forms.HiddenInput)
    working = django_filters.BooleanFilter(method="filter_working", widget=forms.HiddenInput)

    class Meta:
        model = RectificationItem
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions_visible_to(user).exclude(level="township").order_by("path")
        self.filters["hall"].queryset = halls_visible_to(user).order_by("name")
        self.filters["category"].queryset = ProblemCategory.objects.order_by("order", "code")

    def filter_region(self, queryset, name, value):
        return queryset.filter(hall__region__path__startswith=value.path) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = {"status__in": WORKING_STATUSES, "deadline__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)

    def filter_light(self, queryset, name, value):
        if value == "red":
            return self.filter_overdue(queryset, name, True)
        if value == "yellow":
            return self.filter_due_soon(queryset, name, True)
        if value == "green":
            return queryset.filter(status__in=WORKING_STATUSES, deadline__gt=due_soon_horizon(timezone.localdate()))
        return queryset

    def filter_due_soon(self, queryset, name, value):
        if not value:
            return queryset
        today = timezone.localdate()
        horizon = due_soon_horizon(today)
        return queryset.filter(status__in=WORKING_STATUSES, deadline__gte=today, deadline__lte=horizon)

    def filter_working(self, queryset, name, value):
        if value is None:
            return queryset
        lookup = {"status__in": WORKING_STATUSES}
        return queryset.filter(**lookup) if value else queryset.exclude(**lookup)

    def filter_assigned(self, queryset, name, value):
        if value is None:
            return queryset
        prepared = {"status": RectificationItem.Status.PREPARED}
        return queryset.exclude(**prepared) if value else queryset.filter(**prepared)

    def filter_extension(self, queryset, name, value):
        if not value:
            return queryset
        pending = ExtensionRequest.objects.filter(status=ExtensionRequest.Status.PENDING)
        return queryset.filter(pk__in=pending.values("item"))

    def filter_needs_accountability(self, queryset, name, value):
        """Flagged at a revisit (需问责) and no accountability recorded for it yet."""
        if value is None:
            return queryset
        waiting = RectificationItem.objects.filter(needs_accountability=True, accountability__isnull=True)
        lookup = {"pk__in": waiting.values("pk")}
        return queryset.filter(**lookup) if value else queryset.exclude(**lookup)

    def filter_category(self, queryset, name, value):
        if not value:
            return queryset
        field = "findings__category__parent" if value.parent_id is None else "findings__category"
        return queryset.filter(pk__in=RectificationItem.objects.filter(**{field: value}).values("pk"))


class AccountabilityFilter(django_filters.FilterSet):
    hall = django_filters.ModelChoiceFilter(label=_("单位"), queryset=None, empty_label=_("全部单位"))
    track = django_filters.ChoiceFilter(label=_("问责方式"), choices=Accountability.Track.choices, empty_label=_("全部方式"))
    name = django_filters.CharFilter(label=_("姓名"), field_name="person_name", lookup_expr="icontains")
    date_from = django_filters.DateFilter(label=_("决定日期从"), field_name="decision_date", lookup_expr="gte", widget=DATE)
    date_to = django_filters.DateFilter(label=_("决定日期至"), field_name="decision_date", lookup_expr="lte", widget=DATE)
    # The dashboard's links (workbench.dashboard): a region's, one type of a track.
    region = django_filters.ModelChoiceFilter(queryset=None, method="filter_region", widget=forms.HiddenInput)
    type = django_filters.CharFilter(field_name="type", widget=forms.HiddenInput)

    class Meta:
        model = Accountability
        fields = []

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["hall"].queryset = halls_visible_to(user).order_by("name")
        self.filters["region"].queryset = regions_visible_to(user)

    def filter_region(self, queryset, name, value):
        return queryset.filter(hall__region__path__startswith=value.path) if value else queryset
