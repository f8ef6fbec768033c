"""Ledger, close-out, extensions, revisits, accountability and notifications pages.

Each view names its action with ``@action`` (policy: access.policy); the
services ask again and say no in Chinese when the item's state does not allow
the step.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.downloads import export_list, xlsx_response
from core.forms import add_errors
from core.pagination import light_page
from core.permissions import action
from inspections import selectors as inspection_selectors
from inspections import services as inspection_services
from inspections.models import Finding
from inspections.scope import findings_visible_to, known_to_hall
from inspections.views.findings import after_review
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
from rectification.models import WORKING_STATUSES, ExtensionRequest, RectificationItem
from rectification.scope import accountability_visible_to, items_visible_to
from registry.selectors import hall_for_user, staff_for_user


def _query_without_page(request):
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Ledger ---------------------------------------------------------------------------

def _ledger_page(request, overdue_only=False):
    params = request.GET.copy()
    if overdue_only:
        params["overdue"] = "true"
    ledger_filter = selectors.ledger(user=request.user, params=params)
    page = light_page(ledger_filter.qs, request.GET.get("page"), settings.PAGE_SIZE)
    page.object_list = selectors.with_lights(page.object_list)
    user = request.user
    return render(request, "rectification/ledger.html", {
        "filter": ledger_filter, "page": page, "query": _query_without_page(request),
        "overdue_only": overdue_only, "due_soon_days": settings.RECTIFICATION_DUE_SOON_DAYS,
        "may_import": user.has_perm("item.import"), "may_count": user.has_perm("statistics.export"),
        "may_close": user.has_perm("item.approve_closure"),
    })


@action("item.list")
def ledger(request):
    return _ledger_page(request)


@action("item.list")
def overdue(request):
    return _ledger_page(request, overdue_only=True)


@action("item.view", load=selectors.item_for_user)
def item_detail(request, item):
    item.light = selectors.traffic_light(item, timezone.localdate())
    user = request.user
    working = item.status in WORKING_STATUSES
    # The close-out is the item's state only while it is closed; an earlier one is in its story.
    closed = item.status == RectificationItem.Status.CLOSED
    return render(request, "rectification/item_detail.html", {
        "item": item,
        "findings": selectors.item_findings(user=user, item=item),
        **selectors.item_page(user=user, item=item),
        "extensions": item.extensions.select_related("requested_by", "decided_by"),
        "accountability": accountability_visible_to(user).filter(items=item).select_related("hall", "department", "staff"),
        "closed_on": item.closed_on if closed else None,
        "closed_by": inspection_selectors.person_as_seen(user, item.closed_by) if closed else "",
        "can_edit": user.has_perm("item.edit", item) and item.status != "closed",
        "can_progress": working and user.has_perm("item.add_progress", item),
        "can_request_closure": working and user.has_perm("item.request_closure", item),
        "can_request_extension": working and item.deadline and user.has_perm("item.request_extension", item),
        "can_decide_closure": item.status == "closure_requested" and user.has_perm("item.approve_closure", item),
        "can_decide_extension": user.has_perm("extension.decide", item),
        "can_record_accountability": user.has_perm("accountability.record", item.hall),
        "edit_form": ItemEditForm(instance=item, office=user.has_perm("item.set_deadline", item)),
        "progress_form": ProgressForm(), "closure_form": ClosureRequestForm(),
        "extension_form": ExtensionForm(), "reason_form": ReasonForm(),
        "decision_form": ExtensionDecisionForm(),
    })


def _item_action(request, item, step, success_message):
    """Run a service on an item; show its refusal as a message."""
    try:
        step(item)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success_message)
    return redirect(item)


@action("item.edit", load=selectors.item_for_user)
def item_edit(request, item):
    form = ItemEditForm(request.POST or None, instance=item, office=request.user.has_perm("item.set_deadline", item))
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields if name != "version"}
        try:
            services.item_update(actor=request.user, item=item, version=form.cleaned_data["version"], values=values)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect(item)
    return render(request, "rectification/item_edit.html", {"item": item, "form": form})


@require_POST
@action("item.add_progress", load=selectors.item_for_user)
def progress_add(request, item):
    form = ProgressForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写进展日期和内容。"))
        return redirect(item)
    return _item_action(
        request, item,
        lambda item: services.progress_add(
            actor=request.user, item=item, date=form.cleaned_data["date"], text=form.cleaned_data["text"],
            files=request.FILES.getlist("files"),
        ),
        _("进展已填报。"),
    )


@require_POST
@action("item.request_closure", load=selectors.item_for_user)
def closure_request(request, item):
    return _item_action(
        request, item,
        lambda item: services.closure_request(
            actor=request.user, item=item, completion_note=request.POST.get("completion_note", "")
        ),
        _("已申请销号，等待作风办审核。"),
    )


@require_POST
@action("item.approve_closure", load=selectors.item_for_user)
def closure_approve(request, item):
    return _item_action(request, item, lambda item: services.closure_approve(actor=request.user, item=item), _("已销号。"))


@require_POST
@action("item.return_closure", load=selectors.item_for_user)
def closure_return(request, item):
    return _item_action(
        request, item,
        lambda item: services.closure_return(actor=request.user, item=item, reason=request.POST.get("reason", "")),
        _("已退回，事项回到整改中。"),
    )


@require_POST
@action("item.approve_closure")
def closures_approve(request):
    """Approve the ticked close-outs on the ledger, all or none."""
    ids = [int(i) for i in request.POST.getlist("items") if i.isdigit()]
    items = list(items_visible_to(request.user).filter(pk__in=ids))
    if not items:
        messages.error(request, _("请先勾选要销号的事项。"))
    else:
        try:
            services.closures_approve(actor=request.user, items=items)
            messages.success(request, _("已销号 %(n)d 项。") % {"n": len(items)})
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("ledger")


@require_POST
@action("item.request_extension", load=selectors.item_for_user)
def extension_request(request, item):
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写申请延至的日期和延期理由。"))
        return redirect(item)
    return _item_action(
        request, item,
        lambda item: services.extension_request(
            actor=request.user, item=item, reason=form.cleaned_data["reason"],
            proposed_deadline=form.cleaned_data["proposed_deadline"],
        ),
        _("延期申请已提交。"),
    )


def extension_for_user(*, user, pk) -> ExtensionRequest:
    return get_object_or_404(
        ExtensionRequest.objects.filter(item__in=items_visible_to(user)).select_related("item__hall__region"), pk=pk
    )


@require_POST
@action("extension.decide", load=extension_for_user)
def extension_decide(request, extension):
    approve = request.POST.get("decision") == "approve"
    return _item_action(
        request, extension.item,
        lambda item: services.extension_decide(
            actor=request.user, extension=extension, approve=approve, note=request.POST.get("note", "")
        ),
        _("已批准延期。") if approve else _("已不予批准。"),
    )


@action("finding.rectify", load=inspection_selectors.finding_for_user)
def item_create(request, finding):
    """下发整改: the office opens a ledger item for a confirmed finding (and others of the same unit)."""
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
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已创建整改事项 %(code)s。") % {"code": item.code})
            return redirect(item)
    return render(request, "rectification/item_create.html", {"finding": finding, "form": form, "rule": rule})


@require_POST
@action("finding.confirm", load=inspection_selectors.finding_for_user)
def finding_confirm_rectify(request, finding):
    """确认并下发整改: confirm and open its ledger item (deadline from the rules) in one step."""
    try:
        with transaction.atomic():
            confirmed = inspection_services.finding_confirm(actor=request.user, finding=finding)
            services.item_create(actor=request.user, findings=[confirmed])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已确认问题 %(code)s，并已下发整改。") % {"code": finding.code})
    return after_review(request, finding)


@require_POST
@action("finding.review")
def review_confirm(request):
    """确认所选 (and 确认所选并下发整改) from the review queue: all the ticked findings, or none."""
    try:
        wanted = {int(pk) for pk in request.POST.getlist("findings")}
    except ValueError:
        wanted = set()
    wanted = {pk for pk in wanted if 0 < pk < 2**63} if len(wanted) <= settings.PAGE_SIZE * 4 else set()
    if not wanted:
        messages.error(request, _("请先勾选要确认的问题。"))
        return redirect("review_queue")
    found = list(inspection_selectors.review_queue(user=request.user).filter(pk__in=wanted))
    if len(found) != len(wanted):
        messages.error(request, _("所选问题中有 %(n)s 条已不在待审核队列（可能已由他人处理），未做任何确认，请刷新后重选。")
                       % {"n": len(wanted) - len(found)})
        return redirect("review_queue")
    rectify = request.POST.get("rectify") == "1"
    try:
        services.findings_confirm(actor=request.user, findings=found, rectify=rectify)
    except ValidationError as error:
        messages.error(request, _("未做任何确认：") + " ".join(error.messages))
    else:
        text = _("已确认 %(n)s 条问题，并已下发整改。") if rectify else _("已确认 %(n)s 条问题。")
        messages.success(request, text % {"n": len(found)})
    return redirect("review_queue")


def finding_section(request, finding):
    """The finding page's part about its ledger items (inspections.views.findings.FINDING_SECTIONS)."""
    user = request.user
    items = items_visible_to(user).filter(findings=finding)
    can_rectify = (
        user.has_perm("finding.rectify", finding) and not finding.rectification_items.exists()
        and finding.status in services.rectifiable_statuses(user, finding)
    )
    # Accountability is seen by the hall, so only for findings the hall may know of.
    can_account = (
        user.has_perm("accountability.record", finding.hall) and known_to_hall(finding)
        and finding.status in (Finding.Status.CONFIRMED, Finding.Status.PUBLISHED)
    )
    if not (items or can_rectify or can_account):
        return None
    return {"template": "rectification/_finding_section.html", "rectification_items": items,
            "can_rectify": can_rectify, "can_record_accountability": can_account}


# --- Revisits ---------------------------------------------------------------------------

@action("revisit.record")
def revisit_list(request):
    page = light_page(selectors.awaiting_revisit(user=request.user), request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "rectification/revisit_list.html", {"page": page, "query": ""})


@action("revisit.record")
def revisit_create(request):
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

@action("accountability.list")
def accountability_list(request):
    records = selectors.accountability_list(user=request.user, params=request.GET)
    page = light_page(records.qs, request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "rectification/accountability_list.html", {
        "filter": records, "page": page, "query": _query_without_page(request),
    })


@action("accountability.record", load=hall_for_user)
def accountability_create(request, hall):
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


@action("staff.view_record", load=staff_for_user)
def staff_profile(request, staff):
    """A person's findings and accountability: who has been named before."""
    return render(request, "rectification/staff_profile.html", {
        "staff": staff, **selectors.staff_record(user=request.user, staff=staff),
    })


# --- Notifications -------------------------------------------------------------------------

@action("notification.list")
def notification_list(request):
    page = light_page(selectors.notifications_for(user=request.user), request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "rectification/notifications.html", {"page": page, "query": ""})


@require_POST
@action("notification.list")
def notifications_read(request):
    selectors.notifications_for(user=request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notification_list")


# --- Excel --------------------------------------------------------------------------------

@action("item.export")
def ledger_export(request):
    return export_list(request, "ledger")


@action("accountability.export")
def accountability_export(request):
    return export_list(request, "accountability")


@action("statistics.export")
def statistics_export(request):
    return xlsx_response(StatisticsExporter(
        findings=findings_visible_to(request.user), items=items_visible_to(request.user),
    ), kind="statistics")
