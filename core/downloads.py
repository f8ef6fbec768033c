"""Send an export to the browser, or hand it to the background worker when it is large."""

import tempfile

from django.conf import settings
from django.http import FileResponse

from core.jobs import build_exporter, queue_export


def xlsx_response(exporter) -> FileResponse:
    """Write the workbook to a temporary file (memory stays bounded) and stream it."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")
    exporter.write(handle)
    handle.seek(0)
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
    return xlsx_response(exporter)
