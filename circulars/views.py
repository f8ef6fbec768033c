"""Circulars (通报): draft, read like the printed notice, publish, export."""

import tempfile

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.log import record
from audit.models import Event
from circulars import services
from circulars.document import (
    ENTRY_PREFETCH,
    ENTRY_RELATED,
    default_sentence,
    document_filename,
    document_of,
)
from circulars.exports import CircularExporter
from circulars.forms import ArrangeForm, CircularForm
from circulars.models import Circular, CircularEntry, CircularSection
from circulars.scope import circulars_visible_to
from circulars.word import write_docx
from core.downloads import xlsx_response
from core.forms import add_errors
from core.history import history_entries
from core.pagination import light_page
from core.permissions import action


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
            messages.success(request, _("已保存通报草稿《%(title)s》。") % {"title": saved.title})
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


@action("circular.view", load=circular_for_user)
def circular_detail(request, circular):
    user = request.user
    return render(request, "circulars/circular_detail.html", {
        "circular": circular, "document": document_of(circular),
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
    return xlsx_response(CircularExporter(circular=circular), obj=circular)


@action("circular.export", load=circular_for_user)
def circular_document(request, circular):
    """The circular as its official Word document (GB/T 9704), from the same document as the page."""
    handle = tempfile.TemporaryFile(suffix=".docx")
    write_docx(document_of(circular), handle)
    handle.seek(0)
    record(Event.EXPORTED, obj=circular, file=document_filename(circular, "docx"))
    return FileResponse(handle, as_attachment=True, filename=document_filename(circular, "docx"),
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")


@action("circular.edit", load=circular_for_user)
def circular_arrange(request, circular):
    """Sections, order, sentences and 处理意见 of a draft, on one page."""
    sections = list(CircularSection.objects.filter(circular=circular))
    entries = list(CircularEntry.objects.filter(circular=circular).select_related(*ENTRY_RELATED)
                   .prefetch_related(*ENTRY_PREFETCH))
    composed = {e.pk: default_sentence(e.finding, circular.names_surname_only) for e in entries}
    form = ArrangeForm(request.POST or None, circular=circular, sections=sections, entries=entries, composed=composed)
    if request.method == "POST" and form.is_valid():
        try:
            services.circular_arrange(actor=request.user, circular=circular, **form.arrangement())
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("已保存通报的章节与表述。"))
            return redirect(circular)
    return render(request, "circulars/circular_arrange.html", {"circular": circular, "form": form})
