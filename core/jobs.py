"""Large exports run as background tasks; the page shows progress and the file when done.

The task rebuilds the export from its kind and the filter it was asked with,
scoped to the requester as they are when it runs, so a background export can
never hold more than the requester may see. Only the requester may download
the file, and only until it expires.

The kinds of list export are registered by the apps that own the lists
(``register_export`` in their ``AppConfig.ready``): this framework knows no
domain, so every app can use it without a cycle.
"""

import datetime
import tempfile
from collections.abc import Callable

from django.conf import settings
from django.core.files import File
from django.http import QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django_tasks import task

from audit.log import record
from audit.models import Event
from core.models import ExportJob

# kind → (user, QueryDict of the list's filter) → an Exporter
EXPORTS: dict[str, Callable] = {}


def register_export(kind: str, build: Callable):
    EXPORTS[kind] = build


def build_exporter(kind: str, user, params: dict):
    query = QueryDict(mutable=True)
    for key, values in params.items():
        query.setlist(key, values)
    return EXPORTS[kind](user, query)


def queue_export(request, kind: str):
    job = ExportJob.objects.create(requester=request.user, kind=kind, params=dict(request.GET.lists()))
    run_export.enqueue(job.pk)
    return redirect(job)


@task()
def run_export(job_id: int):
    job = ExportJob.objects.select_related("requester").get(pk=job_id)
    if job.status != ExportJob.Status.QUEUED:
        return
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        exporter = build_exporter(job.kind, job.requester, job.params)
        job.rows_total = exporter.count()
        job.save(update_fields=["rows_total"])

        def progress(rows):
            ExportJob.objects.filter(pk=job.pk).update(rows_done=rows)

        with tempfile.TemporaryFile(suffix=".xlsx") as handle:
            exporter.write(handle, on_row=progress)
            handle.seek(0)
            job.file.save(f"{job.pk}-{timezone.now():%Y%m%d%H%M%S}.xlsx", File(handle), save=False)
        job.filename = exporter.filename
        job.rows_done = job.rows_total or 0
        job.status = ExportJob.Status.DONE
        job.finished_at = timezone.now()
        job.expires_at = job.finished_at + datetime.timedelta(hours=settings.EXPORT_KEEP_HOURS)
        job.save()
        record(Event.EXPORTED, user=job.requester, obj=job, object_type=job.kind, rows=job.rows_done,
               filter=job.params, file=job.filename, background=True)
    except Exception as error:  # the page says it failed instead of spinning for ever
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED, error=str(error)[:1000])
        raise


def delete_expired() -> int:
    """Remove expired export files (run by send_reminders, which cron runs anyway)."""
    removed = 0
    for job in ExportJob.objects.filter(expires_at__lt=timezone.now()).exclude(file=""):
        job.file.delete(save=True)
        removed += 1
    return removed
