"""“导出Excel” for the findings list: exactly the rows the filter selects, within scope."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from inspections import scope, selectors
from inspections.downloads import export_or_queue
from inspections.exports import FindingListExporter


@login_required
def findings_export(request):
    if not scope.can_see_business_records(request.user):
        raise PermissionDenied
    finding_filter = selectors.finding_list(user=request.user, params=request.GET)
    return export_or_queue(request, "findings", FindingListExporter(queryset=finding_filter.qs))
