"""Visits, findings, review and evidence pages.

Views are thin: ``@action`` names what the view does, finds its object within
the user's scope (404 otherwise) and asks the policy (403); a service makes
the change and says no in Chinese when the record's state does not allow it.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.log import record
from audit.models import Event
from core.downloads import export_list
from core.forms import add_errors
from core.pagination import COUNT_CAP, SEARCH_COUNT_CAP, light_page
from core.permissions import action
from inspections import selectors, services
from inspections.facts import describe_facts
from inspections.filters import ReviewFilter
from inspections.forms import FindingForm, RejectForm, VisitForm
from inspections.models import Finding
from inspections.services.evidence import download_for
from registry.selectors import hall_for_user

# Sections that apps above this one add to a finding's page (the ledger adds its items):
# callables (request, finding) → {"template": …, …context} or None, registered in their
# AppConfig.ready, so that this app need not know them.
FINDING_SECTIONS: list = []


def filters_open(request) -> bool:
    """Unfold the filter form only when a filter beyond the one a dashboard link sets is in use."""
    return any(value for key, value in request.GET.items() if key not in ("page", "order", "status"))


# --- Visits ---------------------------------------------------------------------

@action("visit.list")
def visit_list(request):
    page = light_page(selectors.visit_list(user=request.user), request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "inspections/visit_list.html", {
        "page": page, "query": "", "may_start": request.user.has_perm("visit.start"),
    })


@action("visit.start")
def visit_create(request):
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


@action("visit.start")
def hall_options(request):
    """HTMX: halls matching the typed name, within the inspector's scope."""
    query = request.GET.get("q", "").strip()
    halls = VisitForm.hall_choices(request.user).select_related("region")
    if query:
        halls = halls.filter(name__icontains=query)
    return render(request, "inspections/_hall_options.html", {"halls": halls.order_by("name")[:20], "query": query})


@action("visit.view", load=selectors.visit_for_user)
def visit_detail(request, visit):
    findings = list(selectors.visit_findings(user=request.user, visit=visit))
    return render(
        request, "inspections/visit_detail.html",
        {"visit": visit, "findings": findings, "can_record": request.user.has_perm("visit.record_finding", visit),
         "can_end": request.user.has_perm("visit.end", visit),
         "draft_count": sum(1 for f in findings if f.status == Finding.Status.DRAFT)},
    )


@require_POST
@action("visit.end", load=selectors.visit_for_user)
def visit_end(request, visit):
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


@action("visit.record_finding", load=selectors.visit_for_user)
def finding_create(request, visit):
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
                return redirect("finding_create", visit.pk)
            return redirect(visit)
    return _finding_form_page(request, form=form, title=_("登记问题"), back_url=visit.get_absolute_url())


@action("hall.self_inspect", load=hall_for_user)
def self_inspection_create(request, hall):
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


@action("finding.list")
def finding_facts(request):
    """HTMX: the fact fields for the category just picked."""
    hall = hall_for_user(user=request.user, pk=request.GET.get("hall") or 0)
    form = FindingForm(initial={"category": request.GET.get("category")}, hall=hall)
    return render(request, "inspections/_finding_facts.html", {"form": form})


@action("finding.edit", load=selectors.finding_for_user)
def finding_edit(request, finding):
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
            return redirect(finding)
    return _finding_form_page(
        request, form=form, title=_("修改问题 %(code)s") % {"code": finding.code},
        back_url=finding.get_absolute_url(), editing_draft=finding.status == Finding.Status.DRAFT,
    )


# --- Reading and reviewing ----------------------------------------------------------

@action("finding.list")
def finding_list(request):
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


@action("finding.view", load=selectors.finding_for_user)
def finding_detail(request, finding):
    user = request.user
    sections = [section for make in FINDING_SECTIONS if (section := make(request, finding))]
    return render(
        request, "inspections/finding_detail.html",
        {
            "finding": finding,
            "recorded_by": selectors.person_as_seen(user, finding.created_by, finding=finding),
            "facts_text": describe_facts(finding.facts),
            "evidence": selectors.evidence_as_seen(user, finding.evidence.select_related("hall__region")),
            "history": selectors.finding_history(
                finding, who=lambda person: selectors.person_as_seen(user, person, finding=finding)
            ),
            "can_edit": user.has_perm("finding.edit", finding),
            "can_review": finding.status == Finding.Status.SUBMITTED and user.has_perm("finding.confirm", finding),
            "can_submit": finding.status == Finding.Status.DRAFT and user.has_perm("finding.submit", finding),
            "reject_form": RejectForm(),
            "sections": sections,
        },
    )


@require_POST
@action("finding.submit", load=selectors.finding_for_user)
def finding_submit(request, finding):
    try:
        services.finding_submit(actor=request.user, finding=finding)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已提交问题 %(code)s，等待作风办审核。") % {"code": finding.code})
    return redirect(finding)


def after_review(request, finding):
    return redirect("review_queue") if request.POST.get("next") == "review" else redirect(finding)


@require_POST
@action("finding.confirm", load=selectors.finding_for_user)
def finding_confirm(request, finding):
    try:
        services.finding_confirm(actor=request.user, finding=finding)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已确认问题 %(code)s。") % {"code": finding.code})
    return after_review(request, finding)


@action("finding.reject", load=selectors.finding_for_user)
def finding_reject(request, finding):
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


@action("finding.review")
def review_queue(request):
    found = ReviewFilter(request.GET or None, queryset=selectors.review_queue(user=request.user).select_related(
        "created_by").annotate(evidence_count=Count("evidence")))
    page = light_page(found.qs, request.GET.get("page"), settings.PAGE_SIZE)
    thumbnails = selectors.review_thumbnails(user=request.user, findings=page.object_list)
    for finding in page:
        finding.thumbnails = thumbnails.get(finding.pk, [])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inspections/review_queue.html", {"page": page, "filter": found,
                                                             "query": query.urlencode()})


@action("finding.export")
def findings_export(request):
    """“导出Excel” for the findings list: exactly the rows the filter selects, within scope."""
    return export_list(request, "findings")


# --- Evidence ----------------------------------------------------------------------

@require_POST
@action("finding.edit", load=selectors.finding_for_user)
def evidence_upload(request, finding):
    try:
        services.evidence_attach(actor=request.user, finding=finding, files=request.FILES.getlist("files"))
        messages.success(request, _("证据已上传。"))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(finding)


@require_POST
@action("evidence.share", load=selectors.evidence_for_user)
def evidence_share(request, evidence):
    """The office lets the inspected hall have a video, recording or document (or takes it back)."""
    try:
        services.evidence_share(actor=request.user, evidence=evidence, shared=request.POST.get("shared") == "1")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(evidence.finding)


@action("evidence.view", load=selectors.evidence_for_user)
def evidence_download(request, evidence):
    """The original for those who may have it; for the others a copy without metadata, or
    nothing (services.evidence.download_for). Always as a download, never rendered inline."""
    served = download_for(request.user, evidence)
    if served is None:
        raise Http404
    record(Event.EVIDENCE_ORIGINAL if served.original else Event.DOWNLOADED, obj=evidence,
           file=served.filename, original=served.original)
    response = FileResponse(
        served.file.open("rb"), as_attachment=True, filename=served.filename, content_type=served.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@action("evidence.view", load=selectors.evidence_for_user)
def evidence_thumbnail(request, evidence):
    """The gallery's small JPEG: made by us from the pixels alone, so safe to show inline."""
    if not evidence.thumbnail or download_for(request.user, evidence) is None:
        raise Http404
    response = FileResponse(evidence.thumbnail.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response

