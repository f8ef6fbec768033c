import django_filters
from django.utils.translation import gettext_lazy as _

from registry.models import ServiceHall
from registry.scope import regions_visible_to


class HallFilter(django_filters.FilterSet):
    """Hall list filters. The region choices are the user's own scope."""

    region = django_filters.ModelChoiceFilter(
        label=_("区划"), queryset=None, method="filter_region_subtree",
        empty_label=_("全部区划"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("单位类型"), choices=ServiceHall.KIND_CHOICES, empty_label=_("全部类型")
    )
    name = django_filters.CharFilter(label=_("名称"), lookup_expr="icontains")
    active = django_filters.BooleanFilter(label=_("在用"))

    class Meta:
        model = ServiceHall
        fields = ["region", "kind", "name", "active"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["region"].queryset = regions_visible_to(user).exclude(
            level="township"
        ).order_by("path")

    def filter_region_subtree(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path) if value else queryset
