from django.urls import path

from inspections import jobs
from inspections.views import circulars, exports, findings, registry

urlpatterns = [
    path("", registry.home, name="home"),
    # Registry
    path("halls/", registry.hall_list, name="hall_list"),
    path("halls/<int:pk>/", registry.hall_detail, name="hall_detail"),
    path("halls/<int:hall_pk>/windows/new/", registry.window_create, name="window_create"),
    path("halls/<int:hall_pk>/windows/<int:pk>/", registry.window_edit, name="window_edit"),
    path("halls/<int:hall_pk>/staff/new/", registry.staff_create, name="staff_create"),
    path("halls/<int:hall_pk>/staff/<int:pk>/", registry.staff_edit, name="staff_edit"),
    path("halls/options/", findings.hall_options, name="hall_options"),
    # Visits
    path("visits/", findings.visit_list, name="visit_list"),
    path("visits/new/", findings.visit_create, name="visit_create"),
    path("visits/<int:pk>/", findings.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/end/", findings.visit_end, name="visit_end"),
    path("visits/<int:visit_pk>/findings/new/", findings.finding_create, name="finding_create"),
    # Findings
    path("halls/<int:hall_pk>/self-inspection/", findings.self_inspection_create, name="self_inspection_create"),
    path("findings/", findings.finding_list, name="finding_list"),
    path("findings/facts/", findings.finding_facts, name="finding_facts"),
    path("findings/<int:pk>/", findings.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/edit/", findings.finding_edit, name="finding_edit"),
    path("findings/<int:pk>/submit/", findings.finding_submit, name="finding_submit"),
    path("findings/<int:pk>/confirm/", findings.finding_confirm, name="finding_confirm"),
    path("findings/<int:pk>/reject/", findings.finding_reject, name="finding_reject"),
    path("findings/<int:pk>/evidence/", findings.evidence_upload, name="evidence_upload"),
    path("review/", findings.review_queue, name="review_queue"),
    # Evidence files: only through these scope-checked views
    path("evidence/<int:pk>/", findings.evidence_download, name="evidence_download"),
    path("evidence/<int:pk>/thumbnail/", findings.evidence_thumbnail, name="evidence_thumbnail"),
]

urlpatterns += [
    path("circulars/", circulars.circular_list, name="circular_list"),
    path("circulars/new/", circulars.circular_create, name="circular_create"),
    path("circulars/<int:pk>/", circulars.circular_detail, name="circular_detail"),
    path("circulars/<int:pk>/edit/", circulars.circular_edit, name="circular_edit"),
    path("circulars/<int:pk>/publish/", circulars.circular_publish, name="circular_publish"),
    path("circulars/<int:pk>/export/", circulars.circular_export, name="circular_export"),
    path("findings/export/", exports.findings_export, name="findings_export"),
    path("exports/<int:pk>/", jobs.export_job, name="export_job"),
    path("exports/<int:pk>/download/", jobs.export_download, name="export_download"),
]
