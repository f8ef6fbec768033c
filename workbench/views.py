from django.shortcuts import render

from core.downloads import xlsx_response
from core.permissions import action
from workbench.dashboard import Dashboard, DashboardExporter, DashboardForm
from workbench.selectors import dashboard_tiles, hall_overview, todo_for


@action("home.view")
def home(request):
    return render(request, "workbench/home.html", {
        "tiles": dashboard_tiles(user=request.user), "todo": todo_for(user=request.user),
        "overview": hall_overview(user=request.user),
        "may_start_visit": request.user.has_perm("visit.start"),
    })


def _dashboard_of(request) -> tuple[DashboardForm, Dashboard | None]:
    form = DashboardForm(request.GET, user=request.user)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    return form, Dashboard(user=request.user, date_from=data["date_from"], date_to=data["date_to"],
                           region=form.region_chosen)


@action("dashboard.view")
def dashboard(request):
    form, board = _dashboard_of(request)
    return render(request, "workbench/dashboard.html", {
        "form": form, "board": board, "tables": board.tables() if board else [],
        "query": request.GET.urlencode(),
    })


@action("dashboard.export")
def dashboard_export(request):
    form, board = _dashboard_of(request)
    if board is None:
        return render(request, "workbench/dashboard.html", {"form": form, "board": None, "tables": []}, status=400)
    return xlsx_response(DashboardExporter(dashboard=board), kind="dashboard")
