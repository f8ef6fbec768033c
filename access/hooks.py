"""What access adds to the apps below it (imported once, by AccessConfig.ready): the security
log's workbook exports like every list, in the background when large."""

from access import audit_log
from core.jobs import register_export

register_export("audit", audit_log.exporter_for)
