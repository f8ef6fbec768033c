"""What this app adds to the framework below it (imported once, by InspectionsConfig.ready):
the findings list exports in the background."""

from core.jobs import register_export
from inspections import selectors
from inspections.exports import FindingListExporter

register_export("findings", lambda user, params: FindingListExporter(
    queryset=selectors.finding_list(user=user, params=params).qs))
