"""Send an export to the browser, or hand it to the background worker when it is large."""

import tempfile

from django.conf import settings
from django.http import FileResponse

from audit.log import current_request, record
from audit.models import Event
from core.jobs import build_exporter, queue_export


def filter_of(request) -> dict:
    """A list's filter as the audit log keeps it: the query string, key by key."""
    return {key: values for key, values in request.GET.lists()} if request is not None else {}


def xlsx_response(exporter, *, obj=None, kind: str = "") -> FileResponse:
    """Write the workbook to a temporary file (memory stays bounded) and stream it; the
    security log says who exported what (the object, or the list and its filter) and how many rows."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    rows = [0]
    exporter.write(handle, on_row=lambda count: rows.__setitem__(0, max(rows[0], count)))
    handle.seek(0)
    record(Event.EXPORTED, obj=obj, object_type=kind or ("" if obj else exporter.title), rows=rows[0],
           filter=filter_of(current_request()), file=exporter.filename)
    return FileResponse(
        handle, as_attachment=True, filename=exporter.filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def is_large(exporter) -> bool:
    count = exporter.count()
    return count is not None and count > settings.EXPORT_BACKGROUND_THRESHOLD


def export_list(request, kind: str):
    """“导出Excel” for a filtered list: the same exporter, built the same way, whether it
    goes straight to the browser or (when large) to the background worker (core.jobs)."""
    exporter = build_exporter(kind, request.user, dict(request.GET.lists()))
    if is_large(exporter):
        return queue_export(request, kind)
    return xlsx_response(exporter, kind=kind)
