from django.urls import path

from inspections.views import campaigns, findings

urlpatterns = [
    # Campaigns
    path("campaigns/", campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:campaign>/", campaigns.campaign_edit, name="campaign_edit"),
    path("halls/options/", findings.hall_options, name="hall_options"),
    path("halls/<int:hall>/self-inspection/", findings.self_inspection_create, name="self_inspection_create"),
    # Visits
    path("visits/", findings.visit_list, name="visit_list"),
    path("visits/new/", findings.visit_create, name="visit_create"),
    path("visits/<int:visit>/", findings.visit_detail, name="visit_detail"),
    path("visits/<int:visit>/end/", findings.visit_end, name="visit_end"),
    path("visits/<int:visit>/findings/new/", findings.finding_create, name="finding_create"),
    # Findings
    path("findings/", findings.finding_list, name="finding_list"),
    path("findings/export/", findings.findings_export, name="findings_export"),
    path("findings/facts/", findings.finding_facts, name="finding_facts"),
    path("findings/<int:finding>/", findings.finding_detail, name="finding_detail"),
    path("findings/<int:finding>/edit/", findings.finding_edit, name="finding_edit"),
    path("findings/<int:finding>/submit/", findings.finding_submit, name="finding_submit"),
    path("findings/<int:finding>/confirm/", findings.finding_confirm, name="finding_confirm"),
    path("findings/<int:finding>/reject/", findings.finding_reject, name="finding_reject"),
    path("findings/<int:finding>/evidence/", findings.evidence_upload, name="evidence_upload"),
    path("review/", findings.review_queue, name="review_queue"),
    # Evidence files: only through these checked views
    path("evidence/<int:evidence>/", findings.evidence_download, name="evidence_download"),
    path("evidence/<int:evidence>/thumbnail/", findings.evidence_thumbnail, name="evidence_thumbnail"),
    path("evidence/<int:evidence>/share/", findings.evidence_share, name="evidence_share"),
]
