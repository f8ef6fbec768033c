"""Circulars (通报): draft, read like the printed notice, publish, export."""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from circulars import services
from circulars.exports import CircularExporter
from circulars.forms import CircularForm
from circulars.models import Circular
from circulars.scope import circulars_visible_to
from core.downloads import xlsx_response
from core.forms import add_errors
from core.history import history_entries
from core.pagination import light_page
from core.permissions import action
from inspections.exports import person_label
from inspections.facts import describe_facts
from inspections.selectors import FINDING_LIST_RELATED
from rectification.models import Accountability


def circular_for_user(*, user, pk) -> Circular:
    return get_object_or_404(circulars_visible_to(user).select_related("region"), pk=pk)


@action("circular.list")
def circular_list(request):
    circulars = circulars_visible_to(request.user).select_related("region").order_by("-date", "-id")
    page = light_page(circulars, request.GET.get("page"), settings.PAGE_SIZE)
    return render(request, "circulars/circular_list.html", {
        "page": page, "query": "", "may_draft": request.user.has_perm("circular.add"),
    })


def _form_page(request, circular=None):
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
    return render(request, "circulars/circular_form.html", {"form": form, "circular": circular, "suggestion": suggestion})


@action("circular.add")
def circular_create(request):
    return _form_page(request)


@action("circular.edit", load=circular_for_user)
def circular_edit(request, circular):
    return _form_page(request, circular)


CHINESE_NUMERALS = "一二三四五六七八九十"  # the taxonomy has seven classes


def circular_sections(circular):
    """The findings grouped by problem class in taxonomy order, each as one sentence of the notice."""
    findings = (
        circular.findings.select_related(*FINDING_LIST_RELATED)
        .order_by("category__parent__order", "category__order", "hall__name", "observed_at")
    )
    sections = []
    for parent, group in groupby(findings, key=lambda f: f.category.parent):
        lines = []
        for f in group:
            unit = f.hall.name + (f.department.name if f.department_id else "")
            window = str(f.window.display_label) if f.window_id else ""
            person = person_label(f, circular.names_surname_only)
            facts = describe_facts(f.facts)
            lines.append({
                "finding": f, "unit": unit, "window": window, "person": person,
                "text": f.description, "facts": facts,
            })
        sections.append({"category": parent, "lines": lines, "number": CHINESE_NUMERALS[len(sections)]})
    return sections


@action("circular.view", load=circular_for_user)
def circular_detail(request, circular):
    tally = circular.accountability_tally
    if not tally:
        count = Accountability.objects.filter(findings__circulars=circular).distinct().count()
        tally = _("对上述问题，有关单位共问责 %(n)d 人（次）。") % {"n": count} if count else ""
    user = request.user
    return render(request, "circulars/circular_detail.html", {
        "circular": circular, "sections": circular_sections(circular), "tally": tally,
        "can_edit": user.has_perm("circular.edit", circular),
        "can_publish": circular.status == Circular.Status.DRAFT and user.has_perm("circular.publish", circular),
        "history": history_entries(circular) if user.has_perm("circular.view_history", circular) else None,
    })


@require_POST
@action("circular.publish", load=circular_for_user)
def circular_publish(request, circular):
    try:
        services.circular_publish(actor=request.user, circular=circular)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("通报已发布：问题已对被通报单位公开，整改事项已下发。"))
    return redirect(circular)


@action("circular.export", load=circular_for_user)
def circular_export(request, circular):
    return xlsx_response(CircularExporter(circular=circular))
