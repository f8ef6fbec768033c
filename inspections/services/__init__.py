"""Writes. Each service asks the policy and checks the rules itself, so no view or admin screen can skip them."""

from inspections.services.campaigns import campaign_save, validate_campaign
from inspections.services.evidence import evidence_share
from inspections.services.findings import (
    evidence_attach,
    finding_confirm,
    finding_publish,
    finding_record,
    finding_reject,
    finding_self_inspect,
    finding_submit,
    finding_update,
    validate_finding,
    visit_end,
    visit_start,
)

__all__ = [
    "campaign_save", "validate_campaign", "evidence_attach", "finding_confirm", "finding_publish", "finding_record", "finding_reject",
    "finding_self_inspect", "finding_submit", "finding_update", "evidence_share",
    "validate_finding", "visit_end", "visit_start",
]
