"""Hall pages and the registry upkeep done on them: halls and other units (the office and the
system administrator), their departments, windows and staff (also a hall's managers), the roster import."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from core.forms import add_errors
from core.imports import own_batch, preview_page, upload_page
from core.models import ImportBatch
from core.permissions import action
from registry import roster, selectors, services
from registry.forms import DepartmentForm, HallForm, StaffForm, WindowForm
from registry.models import Department, Staff, Window
from registry.scope import mask_phone


@action("hall.list")
def hall_list(request):
    hall_filter = selectors.hall_list(user=request.user, params=request.GET)
    page = Paginator(hall_filter.qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "registry/hall_list.html",
        {"filter": hall_filter, "page": page, "query": query.urlencode(),
         "may_add": request.user.has_perm("hall.add")},
    )


@action("hall.add")
def hall_create(request):
    return _hall_form(request, None)


@action("hall.edit_registry", load=selectors.hall_for_user)
def hall_edit(request, hall):
    return _hall_form(request, hall)


def _hall_form(request, hall):
    # The page's heading and links name the hall as it is stored, whatever the form was sent.
    stored = {"name": hall.name, "url": hall.get_absolute_url()} if hall else None
    form = HallForm(request.POST or None, instance=hall, user=request.user)
    if request.method == "POST" and form.is_valid():
        if hall is not None and not form.has_changed():
            # Nothing to keep (a field fixed for this user ignores what was sent): no empty version.
            messages.info(request, _("没有需要保存的修改。"))
            return redirect(hall)
        try:
            saved = services.hall_save(actor=request.user, hall=form.instance)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存：%(row)s") % {"row": saved})
            return redirect(saved)
    return render(request, "registry/hall_form.html", {"form": form, "stored": stored})


@action("hall.view", load=selectors.hall_for_user)
def hall_detail(request, hall):
    user = request.user
    show_phone = user.has_perm("staff.view_phone", hall)
    staff = list(selectors.hall_staff(hall))
    for person in staff:
        person.shown_phone = person.phone if show_phone else mask_phone(person.phone)
    return render(
        request,
        "registry/hall_detail.html",
        {
            "hall": hall,
            "can_change": user.has_perm("hall.edit_registry", hall),
            "can_self_inspect": user.has_perm("hall.self_inspect", hall),
            "show_profiles": user.has_perm("staff.view_record"),
            "departments": selectors.hall_departments(hall),
            "windows": selectors.hall_windows(hall),
            "staff": staff,
        },
    )


def _registry_form(request, hall, form_class, model, pk=None):
    """Add or edit a window or staff member of a hall: 404 outside scope, 403 read-only."""
    instance = get_object_or_404(model, hall=hall, pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance, hall=hall)
    if request.method == "POST" and form.is_valid():
        services.registry_row_save(actor=request.user, row=form.instance)
        messages.success(request, _("已保存：%(row)s") % {"row": form.instance})
        return redirect(hall)
    return render(
        request,
        "registry/registry_form.html",
        {"form": form, "hall": hall, "model_name": model._meta.verbose_name, "instance": instance},
    )


@action("hall.edit_registry", load=selectors.hall_for_user)
def department_create(request, hall):
    return _registry_form(request, hall, DepartmentForm, Department)


@action("hall.edit_registry", load=selectors.hall_for_user, by="hall")
def department_edit(request, hall, department):
    return _registry_form(request, hall, DepartmentForm, Department, department)


@action("hall.edit_registry", load=selectors.hall_for_user)
def window_create(request, hall):
    return _registry_form(request, hall, WindowForm, Window)


@action("hall.edit_registry", load=selectors.hall_for_user, by="hall")
def window_edit(request, hall, window):
    return _registry_form(request, hall, WindowForm, Window, window)


@action("hall.edit_registry", load=selectors.hall_for_user)
def staff_create(request, hall):
    return _registry_form(request, hall, StaffForm, Staff)


@action("hall.edit_registry", load=selectors.hall_for_user, by="hall")
def staff_edit(request, hall, staff):
    return _registry_form(request, hall, StaffForm, Staff, staff)


# --- The staff roster from Excel ----------------------------------------------------------

def _roster_title(hall):
    return _("导入工作人员名册：%(hall)s") % {"hall": hall}


@action("hall.edit_registry", load=selectors.hall_for_user)
def roster_import(request, hall):
    return upload_page(
        request, parse=lambda upload: roster.parse_roster(user=request.user, hall=hall, upload=upload),
        template_context={"title": _roster_title(hall), "kind": "roster", "hall": hall},
        preview_url=lambda batch: ("roster_import_preview", hall.pk, batch.pk),
    )


@action("hall.edit_registry", load=selectors.hall_for_user, by="hall")
def roster_import_preview(request, hall, batch):
    batch = own_batch(user=request.user, pk=batch, kind=ImportBatch.Kind.ROSTER)
    if batch.hall_id != hall.pk:
        raise Http404
    return preview_page(
        request, batch, parse_again=lambda b: [r["change"] for r in b.rows],
        done_url=hall.get_absolute_url(), title=_roster_title(hall),
        apply=lambda b: roster.apply_roster(user=request.user, batch=b),
    )
