"""Upload → preview (every change and every error) → apply, for any spreadsheet import.

An app's import has two functions: ``parse(upload) -> Preview`` reads the
file, checks every row (reason, row and column in Chinese) and stores the
rows it would apply as an ``ImportBatch``; ``apply(batch)`` writes all of it
in one transaction, or nothing. These pages are the same for every import.

Besides the changes and the errors, a preview may list the cells someone
edited that the import will leave as they are, each with its reason
(``skipped``): nothing in the file is dropped without saying so.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import Event
from core.models import ImportBatch
from core.spreadsheets import RowError


@dataclass
class Preview:
    batch: ImportBatch | None
    changes: list[dict] = field(default_factory=list)  # {"row", "label", "fields": [(column, old, new)]}
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[RowError] = field(default_factory=list)  # edited cells the import leaves as they are, and why


def own_batch(*, user, pk, kind) -> ImportBatch:
    """An upload is seen only by the person who uploaded it."""
    return get_object_or_404(ImportBatch, pk=pk, uploader=user, kind=kind)


def upload_page(request, *, parse, template_context, preview_url):
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
                if preview.batch is not None and preview.skipped:
                    messages.info(request, _("没有需要导入的修改；文件中改动的以下内容不会导入。"))
                elif preview.batch is not None:
                    messages.info(request, _("文件与系统中的内容一致，没有需要更新的内容。"))
    return render(request, "core/import.html", {**template_context, "preview": preview})


def preview_page(request, batch, *, parse_again, apply, done_url, title, skipped=None):
    if request.method == "POST":
        if batch.applied_at:
            messages.info(request, _("这个文件已经导入过了。"))
            return redirect(done_url)
        try:
            changed = apply(batch)
        except ValidationError as error:
            messages.error(request, _("导入未完成，所有内容均未保存：%(reason)s") % {"reason": " ".join(error.messages)})
        else:
            record(Event.IMPORTED, obj=batch, object_type=batch.kind, rows=changed, file=batch.filename)
            messages.success(request, _("导入完成，更新了 %(n)d 行。") % {"n": changed})
            return redirect(done_url)
    return render(request, "core/import_preview.html", {
        "batch": batch, "title": title, "rows": batch.rows, "preview": parse_again(batch),
        "skipped": skipped(batch) if skipped is not None else [],
    })
