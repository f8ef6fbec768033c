"""Pages of the security administration: the audit administrator's log."""

from django.conf import settings
from django.shortcuts import render

from access.audit_log import at_text, events_for
from core.downloads import export_list
from core.pagination import light_page
from core.permissions import action


@action("audit.view")
def audit_log(request):
    found = events_for(request.GET)
    page = light_page(found.qs, request.GET.get("page"), settings.PAGE_SIZE)
    for event in page:
        event.at_text = at_text(event.at)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "access/audit_log.html", {"filter": found, "page": page, "query": query.urlencode(),
                                                      "keep_days": settings.AUDIT_KEEP_DAYS})


@action("audit.export")
def audit_export(request):
    return export_list(request, "audit")
