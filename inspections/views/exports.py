"""“导出Excel” for the findings list: exactly the rows the filter selects, within scope."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from inspections import scope
from inspections.downloads import export_list


@login_required
def findings_export(request):
    if not scope.can_see_business_records(request.user):
        raise PermissionDenied
    return export_list(request, "findings")
