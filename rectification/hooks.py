"""What the ledger adds to the apps it stands on, at their extension points (imported once, by
RectificationConfig.ready): evidence that proves an item is visible with the item, a finding's
page shows its ledger items, the ledger and accountability lists export in the background, and
every request looks whether the calendar has changed."""

from django.core.signals import request_started

from core.jobs import register_export
from inspections.scope import EVIDENCE_OWNERS
from inspections.views.findings import FINDING_SECTIONS
from rectification import calendar, exports, scope, selectors, views

EVIDENCE_OWNERS.append(scope.evidence_of_items_q)
FINDING_SECTIONS.append(views.finding_section)
register_export("ledger", lambda user, params: exports.LedgerExporter(
    queryset=selectors.ledger(user=user, params=params).qs, viewer=user))
register_export("accountability", lambda user, params: exports.AccountabilityExporter(
    queryset=selectors.accountability_list(user=user, params=params).qs))
request_started.connect(calendar.recheck, dispatch_uid="rectification.calendar.recheck")
