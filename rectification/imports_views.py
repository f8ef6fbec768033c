"""Upload → preview (every change and every error) → apply, for the ledger and the staff roster."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from inspections import scope, selectors
from inspections.models import Role
from rectification import imports
from rectification.models import ImportBatch


def _upload_page(request, *, parse, template_context, preview_url):
    preview = None
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的 Excel 文件。"))
        else:
            try:
                preview = parse(upload)
            except ValidationError as error:  # the whole file is refused
                messages.error(request, " ".join(error.messages))
            else:
                if preview.batch is not None and preview.changes:
                    return redirect(*preview_url(preview.batch))
                if preview.batch is not None:
                    messages.info(request, _("文件与系统中的内容一致，没有需要更新的内容。"))
    return render(request, "rectification/import.html", {**template_context, "preview": preview})


@login_required
def ledger_import(request):
    if request.user.role not in (Role.HALL_MANAGER, Role.OFFICE):
        raise PermissionDenied
    return _upload_page(
        request, parse=lambda upload: imports.parse_ledger(user=request.user, upload=upload),
        template_context={"title": _("导入填报的整改台账"), "kind": "ledger"},
        preview_url=lambda batch: ("ledger_import_preview", batch.pk),
    )


def _batch(request, pk, kind):
    return get_object_or_404(ImportBatch, pk=pk, uploader=request.user, kind=kind)


def _preview_page(request, batch, *, parse_again, apply, done_url, title):
    if request.method == "POST":
        if batch.applied_at:
            messages.info(request, _("这个文件已经导入过了。"))
            return redirect(done_url)
        try:
            changed = apply(batch)
        except ValidationError as error:
            messages.error(request, _("导入未完成，所有内容均未保存：%(reason)s") % {"reason": " ".join(error.messages)})
        else:
            messages.success(request, _("导入完成，更新了 %(n)d 行。") % {"n": changed})
            return redirect(done_url)
    return render(request, "rectification/import_preview.html", {"batch": batch, "title": title, "rows": batch.rows,
                                                                 "preview": parse_again(batch)})


@login_required
def ledger_import_preview(request, pk):
    batch = _batch(request, pk, ImportBatch.Kind.LEDGER)
    return _preview_page(
        request, batch, parse_again=lambda b: imports.ledger_changes(user=request.user, batch=b), done_url="ledger",
        title=_("导入填报的整改台账"),
        apply=lambda b: imports.apply_ledger(user=request.user, batch=b),
    )


@login_required
def roster_import(request, hall_pk):
    hall = selectors.hall_for_user(user=request.user, pk=hall_pk)
    if not scope.can_change_hall(request.user, hall):
        raise PermissionDenied
    return _upload_page(
        request, parse=lambda upload: imports.parse_roster(user=request.user, hall=hall, upload=upload),
        template_context={"title": _("导入工作人员名册：%(hall)s") % {"hall": hall}, "kind": "roster", "hall": hall},
        preview_url=lambda batch: ("roster_import_preview", hall.pk, batch.pk),
    )


@login_required
def roster_import_preview(request, hall_pk, pk):
    hall = selectors.hall_for_user(user=request.user, pk=hall_pk)
    batch = _batch(request, pk, ImportBatch.Kind.ROSTER)
    if batch.hall_id != hall.pk:
        raise Http404
    return _preview_page(
        request, batch, parse_again=lambda b: [r["change"] for r in b.rows],
        done_url=hall.get_absolute_url(), title=_("导入工作人员名册：%(hall)s") % {"hall": hall},
        apply=lambda b: imports.apply_roster(user=request.user, batch=b),
    )
