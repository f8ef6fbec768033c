from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from inspections import selectors, services
from inspections.forms import StaffForm, WindowForm
from inspections.models import Staff, Window
from inspections.scope import (
    can_see_business_records,
    can_self_inspect,
    can_view_staff_phone,
    mask_phone,
)


@login_required
def home(request):
    return render(request, "inspections/home.html", {"tiles": selectors.dashboard_tiles(user=request.user)})


@login_required
def hall_list(request):
    hall_filter = selectors.hall_list(user=request.user, params=request.GET)
    page = Paginator(hall_filter.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inspections/hall_list.html",
        {"filter": hall_filter, "page": page, "query": query.urlencode()},
    )


@login_required
def hall_detail(request, pk):
    hall = selectors.hall_for_user(user=request.user, pk=pk)
    show_phone = can_view_staff_phone(request.user)
    staff = list(selectors.hall_staff(hall))
    for person in staff:
        person.shown_phone = person.phone if show_phone else mask_phone(person.phone)
    return render(
        request,
        "inspections/hall_detail.html",
        {
            "hall": hall,
            "can_change": selectors.hall_for_change(user=request.user, pk=pk) is not None,
            "can_self_inspect": can_self_inspect(request.user, hall),
            "show_profiles": can_see_business_records(request.user),
            "departments": selectors.hall_departments(hall),
            "windows": selectors.hall_windows(hall),
            "staff": staff,
        },
    )


def _registry_form(request, hall_pk, form_class, model, pk=None):
    """Add or edit a window or staff member of a hall: 404 outside scope, 403 read-only."""
    hall = selectors.hall_for_change(user=request.user, pk=hall_pk)
    if hall is None:
        raise PermissionDenied
    instance = get_object_or_404(model, hall=hall, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance, hall=hall)
    if request.method == "POST" and form.is_valid():
        services.registry_row_save(actor=request.user, row=form.instance)
        messages.success(request, _("已保存：%(row)s") % {"row": form.instance})
        return redirect(hall)
    return render(
        request,
        "inspections/registry_form.html",
        {"form": form, "hall": hall, "model_name": model._meta.verbose_name, "instance": instance},
    )


@login_required
def window_create(request, hall_pk):
    return _registry_form(request, hall_pk, WindowForm, Window)


@login_required
def window_edit(request, hall_pk, pk):
    return _registry_form(request, hall_pk, WindowForm, Window, pk)


@login_required
def staff_create(request, hall_pk):
    return _registry_form(request, hall_pk, StaffForm, Staff)


@login_required
def staff_edit(request, hall_pk, pk):
    return _registry_form(request, hall_pk, StaffForm, Staff, pk)
