from django.shortcuts import render

from core.permissions import action
from workbench.selectors import dashboard_tiles, todo_for


@action("home.view")
def home(request):
    return render(request, "workbench/home.html", {
        "tiles": dashboard_tiles(user=request.user), "todo": todo_for(user=request.user),
        "may_start_visit": request.user.has_perm("visit.start"),
    })
