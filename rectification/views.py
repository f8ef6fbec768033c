"""Ledger, close-out, extensions, revisits, accountability and notifications pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspections import scope
from inspections import selectors as inspection_selectors
from inspections.downloads import export_list, xlsx_response
from inspections.forms import add_errors
from inspections.models import Finding, Role
from inspections.pagination import light_page
from rectification import selectors, services
from rectification.exports import StatisticsExporter
from rectification.forms import (
    AccountabilityForm,
    ClosureRequestForm,
    ExtensionDecisionForm,
    ExtensionForm,
    ItemCreateForm,
    ItemEditForm,
    ProgressForm,
    ReasonForm,
    RevisitForm,
)
from rectification.models import ExtensionRequest


def _business(user):
    if not scope.can_see_business_records(user):
        raise PermissionDenied


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Ledger ---------------------------------------------------------------------------

@login_required
def ledger(request, overdue_only=False):
    _business(request.user)
    if request.user.role == Role.INSPECTOR:
        raise PermissionDenied  # inspectors work from the revisit list
    params = request.GET.copy()
    if overdue_only:
        params["overdue"] = "true"
    ledger_filter = selectors.ledger(user=request.user, params=params)
    page = light_page(ledger_filter.qs, request.GET.get("page"), settings.PAGE_SIZE)
    page.object_list = selectors.with_lights(page.object_list)
    return render(request, "rectification/ledger.html", {
        "filter": ledger_filter, "page": page, "query": _query_without_page(request),
        "overdue_only": overdue_only,
    })


@login_required
def overdue(request):
    return ledger(request, overdue_only=True)


@login_required
def item_detail(request, pk):
    item = selectors.item_for_user(user=request.user, pk=pk)
    item.light = selectors.traffic_light(item, timezone.localdate())
    user = request.user
    is_office = scope.is_office_for_hall(user, item.hall_id)
    is_manager = scope.is_manager_of_hall(user, item.hall_id)
    return render(request, "rectification/item_detail.html", {
        "item": item,
        "findings": selectors.item_findings(user=user, item=item),
        "progress": item.progress.select_related("author").prefetch_related("proof"),
        "extensions": item.extensions.select_related("requested_by", "decided_by"),
        "revisits": item.revisits.select_related("inspector").prefetch_related("evidence"),
        "accountability": scope.accountability_visible_to(user).filter(items=item),
        "history": inspection_selectors.history_entries(item, excluded=["version"]),
        "is_office": is_office, "is_manager": is_manager,
        "can_edit": (is_office or (is_manager and item.status != "prepared")) and item.status != "closed",
        "edit_form": ItemEditForm(instance=item, office=is_office),
        "progress_form": ProgressForm(), "closure_form": ClosureRequestForm(),
        "extension_form": ExtensionForm(), "reason_form": ReasonForm(),
        "decision_form": ExtensionDecisionForm(),
    })


def _item_action(request, pk, action, success_message):
    """Run a service on an item; show its refusal as a message. Returns the item."""
    item = selectors.item_for_user(user=request.user, pk=pk)
    try:
        action(item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return redirect(item)


@login_required
def item_edit(request, pk):
    item = selectors.item_for_user(user=request.user, pk=pk)
    is_office = scope.is_office_for_hall(request.user, item.hall_id)
    form = ItemEditForm(request.POST or None, instance=item, office=is_office)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields if name != "version"}
        try:
            services.item_update(actor=request.user, item=item, version=form.cleaned_data["version"], values=values)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(item)
    elif request.method == "GET" and not (is_office or scope.is_manager_of_hall(request.user, item.hall_id)):
        raise PermissionDenied
    return render(request, "rectification/item_edit.html", {"item": item, "form": form})


@login_required
@require_POST
def progress_add(request, pk):
    form = ProgressForm(request.POST)
    if not form.is_valid():
        item = selectors.item_for_user(user=request.user, pk=pk)
        messages.error(request, _("请填写进展日期和内容。"))
        return redirect(item)
    return _item_action(
        request, pk,
        lambda item: services.progress_add(
            actor=request.user, item=item, date=form.cleaned_data["date"], text=form.cleaned_data["text"],
            files=request.FILES.getlist("files"),
        ),
        _("进展已填报。"),
    )


@login_required
@require_POST
def closure_request(request, pk):
    return _item_action(
        request, pk,
        lambda item: services.closure_request(
            actor=request.user, item=item, completion_note=request.POST.get("completion_note", "")
        ),
        _("已申请销号，等待作风办审核。"),
    )


@login_required
@require_POST
def closure_approve(request, pk):
    return _item_action(request, pk, lambda item: services.closure_approve(actor=request.user, item=item), _("已销号。"))


@login_required
@require_POST
def closure_return(request, pk):
    return _item_action(
        request, pk,
        lambda item: services.closure_return(actor=request.user, item=item, reason=request.POST.get("reason", "")),
        _("已退回，事项回到整改中。"),
    )


@login_required
@require_POST
def closures_approve(request):
    """Approve the ticked close-outs on the ledger, all or none."""
    ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
    items = list(scope.items_visible_to(request.user).filter(pk__in=ids))
    if not items:
        messages.error(request, _("请先勾选要销号的事项。"))
    else:
        try:
            services.closures_approve(actor=request.user, items=items)
            messages.success(request, _("已销号 %(n)d 项。") % {"n": len(items)})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("ledger")


@login_required
@require_POST
def extension_request(request, pk):
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写申请延至的日期和延期理由。"))
        return redirect(selectors.item_for_user(user=request.user, pk=pk))
    return _item_action(
        request, pk,
        lambda item: services.extension_request(
            actor=request.user, item=item, reason=form.cleaned_data["reason"],
            proposed_deadline=form.cleaned_data["proposed_deadline"],
        ),
        _("延期申请已提交。"),
    )


@login_required
@require_POST
def extension_decide(request, pk):
    extension = get_object_or_404(
        ExtensionRequest.objects.filter(item__in=scope.items_visible_to(request.user)), pk=pk
    )
    approve = request.POST.get("decision") == "approve"
    return _item_action(
        request, extension.item_id,
        lambda item: services.extension_decide(
            actor=request.user, extension=extension, approve=approve, note=request.POST.get("note", "")
        ),
        _("已批准延期。") if approve else _("已不予批准。"),
    )


@login_required
def item_create(request, finding_pk):
    """下发整改: the office opens a ledger item for a confirmed finding (and others of the same unit)."""
    finding = inspection_selectors.finding_for_user(user=request.user, pk=finding_pk)
    allowed = scope.is_office_for_hall(request.user, finding.hall_id) or (
        finding.source == Finding.Source.SELF_INSPECTION and scope.is_manager_of_hall(request.user, finding.hall_id)
    )
    if not allowed:
        raise PermissionDenied
    rule = services.deadline_rule_for(finding)
    form = ItemCreateForm(request.POST or None, finding=finding, user=request.user, rule=rule)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.item_create(
                actor=request.user, findings=[finding, *data["also"]], kind=data["kind"],
                working_days=data["working_days"], deadline=data["deadline"],
                measures=data["measures"], responsible_leader=data["responsible_leader"],
                responsible_person=data["responsible_person"],
            )
        except ValidationError as error:  # includes an unknown calendar year
            add_errors(form, error)
        else:
            messages.success(request, _("已创建整改事项 %(code)s。") % {"code": item.code})
            return redirect(item)
    return render(request, "rectification/item_create.html", {"finding": finding, "form": form, "rule": rule})


# --- Revisits ---------------------------------------------------------------------------

@login_required
def revisit_list(request):
    if request.user.role != Role.INSPECTOR:
        raise PermissionDenied
    page = light_page(selectors.awaiting_revisit(user=request.user), request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "rectification/revisit_list.html", {"page": page, "query": ""})


@login_required
def revisit_create(request):
    if request.user.role != Role.INSPECTOR:
        raise PermissionDenied
    initial = {"items": [i for i in request.GET.getlist("items") if i.isdigit()]}
    form = RevisitForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.revisit_record(
                actor=request.user, items=data["items"], date=data["date"], observation=data["observation"],
                verdict=data["verdict"], files=request.FILES.getlist("files"),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("回访已登记。"))
            return redirect("revisit_list")
    # The choices shown are the items awaiting a revisit; the form accepts any visible
    # item so that the service can say clearly why another one cannot be revisited.
    chosen = {str(v) for v in (form["items"].value() or [])}
    return render(request, "rectification/revisit_form.html", {
        "form": form, "awaiting": selectors.awaiting_revisit(user=request.user), "chosen": chosen,
    })


# --- Accountability ------------------------------------------------------------------------

@login_required
def accountability_list(request):
    _business(request.user)
    if request.user.role == Role.INSPECTOR:
        raise PermissionDenied
    records = selectors.accountability_list(user=request.user, params=request.GET)
    page = light_page(records.qs, request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "rectification/accountability_list.html", {
        "filter": records, "page": page, "query": _query_without_page(request),
    })


@login_required
def accountability_create(request, hall_pk):
    hall = inspection_selectors.hall_for_user(user=request.user, pk=hall_pk)
    if not scope.is_office_for_hall(request.user, hall.pk):
        raise PermissionDenied
    initial = {"findings": request.GET.getlist("finding"), "items": request.GET.getlist("item")}
    form = AccountabilityForm(request.POST or None, hall=hall, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.accountability_record(actor=request.user, hall=hall, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("问责记录已登记。"))
            return redirect("accountability_list")
    return render(request, "rectification/accountability_form.html", {"form": form, "hall": hall})


@login_required
def staff_profile(request, pk):
    """A person's findings and accountability: who has been named before."""
    _business(request.user)
    staff = selectors.staff_for_user(user=request.user, pk=pk)
    return render(request, "rectification/staff_profile.html", {
        "staff": staff, **selectors.staff_record(user=request.user, staff=staff),
    })


# --- Notifications -------------------------------------------------------------------------

@login_required
def notification_list(request):
    page = light_page(selectors.notifications_for(user=request.user), request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "rectification/notifications.html", {"page": page, "query": ""})


@login_required
@require_POST
def notifications_read(request):
    selectors.notifications_for(user=request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notification_list")



# --- Excel --------------------------------------------------------------------------------

def _list_export(request, kind):
    _business(request.user)
    if request.user.role == Role.INSPECTOR:
        raise PermissionDenied
    return export_list(request, kind)


@login_required
def ledger_export(request):
    return _list_export(request, "ledger")


@login_required
def accountability_export(request):
    return _list_export(request, "accountability")


@login_required
def statistics_export(request):
    _business(request.user)
    if request.user.role not in (Role.OFFICE, Role.AUDITOR):
        raise PermissionDenied
    return xlsx_response(StatisticsExporter(
        findings=scope.findings_visible_to(request.user), items=scope.items_visible_to(request.user),
    ))
