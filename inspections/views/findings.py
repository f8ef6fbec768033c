"""Visits, findings, review and evidence pages.

Views are thin: a selector finds the object within the user's scope (404
otherwise), a service makes the change and says no in Chinese when it must.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspections import scope, selectors, services
from inspections.facts import describe_facts
from inspections.forms import FindingForm, RejectForm, VisitForm, add_errors
from inspections.models import Finding, Role
from inspections.pagination import COUNT_CAP, SEARCH_COUNT_CAP, light_page


def filters_open(request) -> bool:
    """Unfold the filter form only when a filter beyond the one a dashboard link sets is in use."""
    return any(value for key, value in request.GET.items() if key not in ("page", "order", "status"))


def _require_role(user, *roles):
    if user.role not in roles:
        raise PermissionDenied


# --- Visits ---------------------------------------------------------------------

@login_required
def visit_list(request):
    if not scope.can_see_business_records(request.user) or request.user.role == Role.HALL_MANAGER:
        raise PermissionDenied
    page = light_page(selectors.visit_list(user=request.user), request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "inspections/visit_list.html", {"page": page, "query": ""})


@login_required
def visit_create(request):
    _require_role(request.user, Role.INSPECTOR)
    form = VisitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.visit_start(
                actor=request.user, hall=form.cleaned_data["hall"], mode=form.cleaned_data["mode"],
                started_at=form.cleaned_data["started_at"], campaign=form.cleaned_data["campaign"],
                team_name=form.cleaned_data["team_name"], notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("走访已开始：%(hall)s。") % {"hall": visit.hall})
            return redirect(visit)
    # After a refused post, show the hall that was picked so it need not be searched again.
    chosen = str(form["hall"].value() or "")
    chosen_halls = form.fields["hall"].queryset.filter(pk=chosen) if chosen.isdigit() else []
    return render(
        request, "inspections/visit_form.html",
        {"form": form, "chosen_halls": chosen_halls, "chosen": int(chosen) if chosen.isdigit() else None},
    )


@login_required
def hall_options(request):
    """HTMX: halls matching the typed name, within the inspector's scope."""
    _require_role(request.user, Role.INSPECTOR, Role.OFFICE)
    query = request.GET.get("q", "").strip()
    halls = scope.halls_visible_to(request.user).filter(active=True).select_related("region")
    if query:
        halls = halls.filter(name__icontains=query)
    return render(request, "inspections/_hall_options.html", {"halls": halls.order_by("name")[:20], "query": query})


@login_required
def visit_detail(request, pk):
    visit = selectors.visit_for_user(user=request.user, pk=pk)
    findings = selectors.visit_findings(user=request.user, visit=visit)
    findings = list(findings)
    return render(
        request, "inspections/visit_detail.html",
        {"visit": visit, "findings": findings, "can_record": scope.can_record_findings(request.user, visit),
         "draft_count": sum(1 for f in findings if f.status == Finding.Status.DRAFT)},
    )


@login_required
@require_POST
def visit_end(request, pk):
    visit = selectors.visit_for_user(user=request.user, pk=pk)
    try:
        services.visit_end(actor=request.user, visit=visit)
        messages.success(request, _("走访已结束。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(visit)


# --- Recording findings ------------------------------------------------------------

def _finding_saved_message(finding):
    if finding.status == Finding.Status.SUBMITTED:
        return _("已提交问题 %(code)s，等待作风办审核。") % {"code": finding.code}
    return _("已保存草稿 %(code)s（尚未提交审核）。") % {"code": finding.code}


def _finding_form_page(request, *, form, title, back_url, editing_draft=True):
    return render(request, "inspections/finding_form.html", {
        "form": form, "title": title, "back_url": back_url, "editing_draft": editing_draft,
        "files_posted": bool(request.FILES),
    })


@login_required
def finding_create(request, visit_pk):
    visit = selectors.visit_for_user(user=request.user, pk=visit_pk)
    if not scope.can_record_findings(request.user, visit):
        raise PermissionDenied
    form = FindingForm(request.POST or None, request.FILES or None, hall=visit.hall, visit=visit)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_record(
                actor=request.user, visit=visit, values=form.values(), facts_raw=form.facts_raw,
                files=request.FILES.getlist("files"), submit="submit" in request.POST,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _finding_saved_message(finding))
            if "another" in request.POST:
                return redirect("finding_create", visit_pk=visit.pk)
            return redirect(visit)
    return _finding_form_page(request, form=form, title=_("登记问题"), back_url=visit.get_absolute_url())


@login_required
def self_inspection_create(request, hall_pk):
    hall = selectors.hall_for_user(user=request.user, pk=hall_pk)
    if not scope.can_self_inspect(request.user, hall):
        raise PermissionDenied
    form = FindingForm(request.POST or None, request.FILES or None, hall=hall)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_self_inspect(
                actor=request.user, hall=hall, values=form.values(), facts_raw=form.facts_raw,
                files=request.FILES.getlist("files"), submit="submit" in request.POST,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _finding_saved_message(finding))
            return redirect(finding)
    return _finding_form_page(request, form=form, title=_("登记自查问题"), back_url=hall.get_absolute_url())


@login_required
def finding_facts(request):
    """HTMX: the fact fields for the category just picked."""
    if not scope.can_see_business_records(request.user):
        raise PermissionDenied
    hall = selectors.hall_for_user(user=request.user, pk=request.GET.get("hall") or 0)
    form = FindingForm(initial={"category": request.GET.get("category")}, hall=hall)
    return render(request, "inspections/_finding_facts.html", {"form": form})


@login_required
def finding_edit(request, pk):
    finding = selectors.finding_for_user(user=request.user, pk=pk)
    if not scope.can_edit_finding(request.user, finding):
        raise PermissionDenied
    form = FindingForm(
        request.POST or None, request.FILES or None, instance=finding, hall=finding.hall, visit=finding.visit
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_update(
                actor=request.user, finding=finding, values=form.values(), facts_raw=form.facts_raw,
                files=request.FILES.getlist("files"),
            )
            if "submit" in request.POST and finding.status == Finding.Status.DRAFT:
                services.finding_submit(actor=request.user, finding=finding)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存。"))
            return redirect("finding_detail", pk=finding.pk)
    return _finding_form_page(
        request, form=form, title=_("修改问题 %(code)s") % {"code": finding.code},
        back_url=finding.get_absolute_url(), editing_draft=finding.status == Finding.Status.DRAFT,
    )


# --- Reading and reviewing ----------------------------------------------------------

@login_required
def finding_list(request):
    if not scope.can_see_business_records(request.user):
        raise PermissionDenied
    finding_filter = selectors.finding_list(user=request.user, params=request.GET)
    # Counting text matches costs most; a lower cap keeps a search as quick as a browse.
    cap = SEARCH_COUNT_CAP if request.GET.get("q", "").strip() else COUNT_CAP
    page = light_page(finding_filter.qs, request.GET.get("page"), settings.PAGE_SIZE, cap=cap)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "inspections/finding_list.html",
        {"filter": finding_filter, "page": page, "query": query.urlencode(),
         "filters_open": filters_open(request)},
    )


@login_required
def finding_detail(request, pk):
    finding = selectors.finding_for_user(user=request.user, pk=pk)
    return render(
        request, "inspections/finding_detail.html",
        {
            "finding": finding,
            "facts_text": describe_facts(finding.facts),
            "evidence": finding.evidence.all(),
            "history": selectors.finding_history(finding),
            "can_edit": scope.can_edit_finding(request.user, finding),
            "can_review": finding.status == Finding.Status.SUBMITTED
            and scope.can_review_finding(request.user, finding),
            "can_submit": finding.status == Finding.Status.DRAFT
            and scope.can_edit_finding(request.user, finding),
            "reject_form": RejectForm(),
            **_rectification_context(request.user, finding),
        },
    )


def _rectification_context(user, finding):
    """What the finding page shows of its ledger items and which buttons it offers."""
    items = scope.items_visible_to(user).filter(findings=finding)
    office = scope.is_office_for_hall(user, finding.hall_id)
    own_self_inspection = (
        finding.source == Finding.Source.SELF_INSPECTION and scope.is_manager_of_hall(user, finding.hall_id)
    )
    ready = finding.status in (Finding.Status.CONFIRMED, Finding.Status.PUBLISHED) or (
        own_self_inspection and finding.status == Finding.Status.SUBMITTED
    )
    return {
        "rectification_items": items,
        "can_rectify": (office or own_self_inspection) and ready and not finding.rectification_items.exists(),
        # Accountability is seen by the hall, so only for findings the hall may know of.
        "can_record_accountability": office
        and finding.status in (Finding.Status.CONFIRMED, Finding.Status.PUBLISHED)
        and scope.known_to_hall(finding),
    }


def _decide(request, pk, action, done_message):
    finding = selectors.finding_for_user(user=request.user, pk=pk)
    try:
        action(finding)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done_message % {"code": finding.code})
    return finding


@login_required
@require_POST
def finding_submit(request, pk):
    finding = _decide(request, pk, lambda f: services.finding_submit(actor=request.user, finding=f),
                      _("已提交问题 %(code)s，等待作风办审核。"))
    return redirect(finding)


@login_required
@require_POST
def finding_confirm(request, pk):
    """Confirm; with "rectify" also open its ledger item (deadline from the rules) in the same step."""
    from rectification.services import item_create

    def confirm(finding):
        with transaction.atomic():
            confirmed = services.finding_confirm(actor=request.user, finding=finding)
            if "rectify" in request.POST:
                item_create(actor=request.user, findings=[confirmed])

    done = _("已确认问题 %(code)s，并已下发整改。") if "rectify" in request.POST else _("已确认问题 %(code)s。")
    finding = _decide(request, pk, confirm, done)
    if request.POST.get("next") == "review":
        return redirect("review_queue")
    return redirect(finding)


@login_required
def finding_reject(request, pk):
    finding = selectors.finding_for_user(user=request.user, pk=pk)
    if not scope.can_review_finding(request.user, finding):
        raise PermissionDenied
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_reject(actor=request.user, finding=finding, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已不予认定：%(code)s") % {"code": finding.code})
            return redirect("review_queue")
    return render(request, "inspections/finding_reject.html", {"finding": finding, "form": form})


@login_required
def review_queue(request):
    _require_role(request.user, Role.OFFICE)
    queue = selectors.review_queue(user=request.user).select_related("created_by").annotate(
        evidence_count=Count("evidence")
    )
    page = light_page(queue, request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "inspections/review_queue.html", {"page": page, "query": ""})


# --- Evidence ----------------------------------------------------------------------

@login_required
@require_POST
def evidence_upload(request, pk):
    finding = selectors.finding_for_user(user=request.user, pk=pk)
    try:
        services.evidence_attach(actor=request.user, finding=finding, files=request.FILES.getlist("files"))
        messages.success(request, _("证据已上传。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(finding)


@login_required
def evidence_download(request, pk):
    """The original file, only within scope, always as a download (never rendered inline)."""
    evidence = selectors.evidence_for_user(user=request.user, pk=pk)
    response = FileResponse(
        evidence.file.open("rb"), as_attachment=True, filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def evidence_thumbnail(request, pk):
    """The gallery's small JPEG: made by us from the photo, so safe to show inline."""
    evidence = selectors.evidence_for_user(user=request.user, pk=pk)
    if not evidence.thumbnail:
        raise Http404
    response = FileResponse(evidence.thumbnail.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
