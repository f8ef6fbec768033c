"""Circulars (通报): draft, read like the printed notice, publish, export."""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspections import scope, services
from inspections.downloads import xlsx_response
from inspections.exports import FINDING_RELATED, CircularExporter, person_label
from inspections.facts import describe_facts
from inspections.forms import CircularForm, add_errors
from inspections.models import Circular, Role
from inspections.pagination import light_page


def _circular(request, pk) -> Circular:
    return get_object_or_404(scope.circulars_visible_to(request.user).select_related("region"), pk=pk)


@login_required
def circular_list(request):
    if not scope.can_see_business_records(request.user):
        raise PermissionDenied
    circulars = scope.circulars_visible_to(request.user).select_related("region").order_by("-date", "-id")
    page = light_page(circulars, request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "inspections/circular_list.html", {"page": page, "query": ""})


def _form_page(request, circular=None):
    if request.user.role != Role.OFFICE:
        raise PermissionDenied
    if circular is not None and not scope.can_edit_circular(request.user, circular):
        raise PermissionDenied
    form = CircularForm(request.POST or None, instance=circular, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            saved = services.circular_save(
                actor=request.user, circular=circular, values=values, findings=form.cleaned_data["findings"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存通报草稿 %(number)s。") % {"number": saved.doc_number})
            return redirect(saved)
    suggestion = None
    if circular is None:
        code = form["issuer_code"].value()
        if code:
            suggestion = services.next_serial(code, int(form["year"].value() or 0) or 0)
    return render(request, "inspections/circular_form.html", {"form": form, "circular": circular, "suggestion": suggestion})


@login_required
def circular_create(request):
    return _form_page(request)


@login_required
def circular_edit(request, pk):
    return _form_page(request, _circular(request, pk))


CHINESE_NUMERALS = "一二三四五六七八九十"  # the taxonomy has seven classes


def circular_sections(circular):
    """The findings grouped by problem class in taxonomy order, each as one sentence of the notice."""
    findings = (
        circular.findings.select_related(*FINDING_RELATED)
        .order_by("category__parent__order", "category__order", "hall__name", "observed_at")
    )
    sections = []
    for parent, group in groupby(findings, key=lambda f: f.category.parent):
        lines = []
        for f in group:
            unit = f.hall.name + (f.department.name if f.department_id else "")
            window = str(f.window.display_label) if f.window_id else ""
            person = person_label(f, circular.naming)
            facts = describe_facts(f.facts)
            lines.append({
                "finding": f, "unit": unit, "window": window, "person": person,
                "text": f.description, "facts": facts,
            })
        sections.append({"category": parent, "lines": lines, "number": CHINESE_NUMERALS[len(sections)]})
    return sections


@login_required
def circular_detail(request, pk):
    circular = _circular(request, pk)
    from rectification.models import Accountability

    tally = circular.accountability_tally
    if not tally:
        count = Accountability.objects.filter(findings__circulars=circular).distinct().count()
        tally = _("对上述问题，有关单位共问责 %(n)d 人（次）。") % {"n": count} if count else ""
    return render(request, "inspections/circular_detail.html", {
        "circular": circular, "sections": circular_sections(circular), "tally": tally,
        "can_edit": scope.can_edit_circular(request.user, circular),
    })


@login_required
@require_POST
def circular_publish(request, pk):
    circular = _circular(request, pk)
    try:
        services.circular_publish(actor=request.user, circular=circular)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("通报已发布：问题已对被通报单位公开，整改事项已下发。"))
    return redirect(circular)


@login_required
def circular_export(request, pk):
    return xlsx_response(CircularExporter(circular=_circular(request, pk)))
