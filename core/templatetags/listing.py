"""List-page helpers: sortable column headers that keep the filters."""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key, label):
    """A column header that sorts by ``key``; a second click reverses; the current one shows an arrow."""
    request = context["request"]
    query = request.GET.copy()
    current = query.get("order", "")
    query.pop("page", None)
    if current == key:
        query["order"], arrow = f"-{key}", " ▲"
    elif current == f"-{key}":
        query["order"], arrow = key, " ▼"
    else:
        query["order"], arrow = key, ""
    return format_html('<a href="?{}" class="sort">{}{}</a>', query.urlencode(), label, arrow)
