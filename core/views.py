"""A background export's page (progress, then the file) and its download: the requester's alone."""

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from audit.log import record
from audit.models import Event
from core.models import ExportJob
from core.permissions import action


def own_job(*, user, pk) -> ExportJob:
    return get_object_or_404(ExportJob, pk=pk, requester=user)


@action("export.download", load=own_job)
def export_job(request, job):
    template = "core/_export_progress.html" if request.htmx else "core/export_job.html"
    return render(request, template, {"job": job})


@action("export.download", load=own_job)
def export_download(request, job):
    if job.status != ExportJob.Status.DONE or not job.file or (job.expires_at and job.expires_at < timezone.now()):
        raise Http404
    record(Event.DOWNLOADED, obj=job, object_type=job.kind, file=job.filename)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
