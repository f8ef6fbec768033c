"""Writes. Each service checks scope and rules itself, so no view or admin screen can skip them."""

from inspections.services.circulars import circular_publish, circular_save, next_serial
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
from inspections.services.registry import registry_row_save

__all__ = [
    "circular_publish", "circular_save", "next_serial",
    "evidence_attach", "finding_confirm", "finding_publish", "finding_record", "finding_reject",
    "finding_self_inspect", "finding_submit", "finding_update", "registry_row_save",
    "validate_finding", "visit_end", "visit_start",
]
