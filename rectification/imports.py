"""The round trip through Excel of the ledger a unit filled in.

Two steps (core.imports). ``parse_ledger`` reads the file, checks every row
(reason, row and column in Chinese) and says what would change; nothing is
written but the parsed rows. ``apply_ledger`` writes all of it in one
transaction through the services' rules, or nothing at all; importing the
same file again changes nothing.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import spreadsheets
from core.exporting import choice_labels
from core.imports import Preview
from core.models import ImportBatch
from core.permissions import require
from core.spreadsheets import RowError
from rectification import services
from rectification.exports import L
from rectification.models import ITEM_TRANSITIONS, RectificationItem

LEDGER_REQUIRED = [L.ID, L.MEASURES, L.PERSON, L.PROGRESS, L.COMPLETION, L.STATUS]
LEDGER_OPTIONAL = [L.LEADER, L.PROOF, L.CODE, L.PROGRESS_DATE]
LEDGER_FIELDS = {  # column → item field
    L.MEASURES: "measures", L.LEADER: "responsible_leader", L.PERSON: "responsible_person",
    L.COMPLETION: "completion_note", L.PROOF: "proof_notes",
}

# The columns whose field has a length limit (the rest are free text).
LEDGER_MAX_LENGTHS = {
    column: RectificationItem._meta.get_field(name).max_length
    for column, name in LEDGER_FIELDS.items() if RectificationItem._meta.get_field(name).max_length
}


def _may_set_in_ledger(user, item, status: str) -> bool:
    """The one status a ledger file may set: a unit asks for close-out of an item it is working on
    (along ITEM_TRANSITIONS; the service then checks the proof)."""
    return (
        status == RectificationItem.Status.CLOSURE_REQUESTED and status in ITEM_TRANSITIONS[item.status]
        and user.has_perm("item.request_closure", item)
    )


def _ledger_diff(item, row: dict, statuses: dict) -> list[tuple[str, str, str]]:
    """What the row would change of the item (read with ``services.items_for_ledger``)."""
    diff = []
    for column, field_name in LEDGER_FIELDS.items():
        if column in row and row[column] != getattr(item, field_name):
            diff.append((column, getattr(item, field_name), row[column]))
    latest = item.latest_progress or ""
    if row.get(L.PROGRESS) and row[L.PROGRESS] != latest:
        diff.append((L.PROGRESS, latest, row[L.PROGRESS]))
    if row.get(L.STATUS) and row[L.STATUS] != item.status:
        diff.append((L.STATUS, statuses[item.status], statuses[row[L.STATUS]]))
    return diff


def parse_ledger(*, user, upload) -> Preview:
    require(user, "item.import")
    table = spreadsheets.read_table(upload, required=LEDGER_REQUIRED, optional=LEDGER_OPTIONAL)
    preview = Preview(batch=None, errors=list(table.errors))
    ids = {}
    for number, values in table.rows:
        try:
            ids[number] = spreadsheets.integer(values.get(L.ID))
        except ValueError as error:
            preview.errors.append(RowError(number, L.ID, str(error)))
    items = services.items_for_ledger(actor=user, ids=[i for i in ids.values() if i is not None])
    statuses = choice_labels(RectificationItem.Status.choices)
    status_by_label = {label: status for status, label in statuses.items()}
    today = timezone.localdate()
    seen: dict[int, int] = {}
    parsed = []
    for number, values in table.rows:
        if number not in ids:
            continue  # its id was refused above
        item_id = ids[number]
        if item_id is None:
            preview.errors.append(RowError(number, L.ID, _("系统编号为空。请使用系统导出的台账填写，不要增加新行。")))
            continue
        if item_id in seen:
            preview.errors.append(RowError(number, L.ID, _("与第 %(row)d 行重复。") % {"row": seen[item_id]}))
            continue
        seen[item_id] = number
        item = items.get(item_id)
        if item is None:
            preview.errors.append(RowError(number, L.ID, _("编号 %(id)d 的整改事项不存在，或不在您的管理范围内。") % {"id": item_id}))
            continue
        row = {column: spreadsheets.text(values.get(column)) for column in LEDGER_FIELDS if column in values}
        row[L.PROGRESS] = spreadsheets.text(values.get(L.PROGRESS))
        too_long = [(c, n) for c, n in LEDGER_MAX_LENGTHS.items() if len(row.get(c) or "") > n]
        if too_long:
            preview.errors.extend(RowError(number, c, _("不能超过 %(n)d 个字。") % {"n": n}) for c, n in too_long)
            continue
        try:
            progress_date = spreadsheets.date(values.get(L.PROGRESS_DATE))
        except ValueError as error:
            preview.errors.append(RowError(number, L.PROGRESS_DATE, str(error)))
            continue
        if progress_date and progress_date > today:
            preview.errors.append(RowError(number, L.PROGRESS_DATE, _("进展日期不能晚于今天。")))
            continue
        row[L.PROGRESS_DATE] = progress_date.isoformat() if progress_date else None
        status_label = spreadsheets.text(values.get(L.STATUS))
        if status_label:
            status = status_by_label.get(status_label)
            if status is None:
                preview.errors.append(RowError(number, L.STATUS, _("“%(value)s”不是有效的状态，请从下拉列表中选择。") % {"value": status_label}))
                continue
            if status != item.status and not _may_set_in_ledger(user, item, status):
                preview.errors.append(RowError(
                    number, L.STATUS,
                    _("不能在台账中把状态从“%(old)s”改为“%(new)s”；单位只能把整改中的事项改为“申请销号”。")
                    % {"old": statuses[item.status], "new": status_label},
                ))
                continue
            row[L.STATUS] = status
        diff = _ledger_diff(item, row, statuses)
        if diff:
            preview.changes.append({"row": number, "label": item.code, "fields": diff})
            parsed.append({"row": number, "id": item.pk, "values": row})
        else:
            preview.unchanged += 1
    if not preview.errors:
        preview.batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.LEDGER, uploader=user, filename=upload.name[:255], rows=parsed
        )
    return preview


def ledger_changes(*, user, batch: ImportBatch) -> list[dict]:
    """What each stored row would change now (the database may have moved on since the upload)."""
    items = services.items_for_ledger(actor=user, ids=[row["id"] for row in batch.rows])
    statuses = choice_labels(RectificationItem.Status.choices)
    return [
        {"row": row["row"], "label": items[row["id"]].code, "fields": _ledger_diff(items[row["id"]], row["values"], statuses)}
        for row in batch.rows if row["id"] in items
    ]


@transaction.atomic
def apply_ledger(*, user, batch: ImportBatch) -> int:
    """All rows or none. Returns the number of items changed.

    The items are read and locked at once, each row is checked by the rules of
    ``services.item_update`` and ``services.progress_add``, and the changes are
    written in bulk with their history; a close-out request goes through
    ``services.closure_request`` (it needs the proof and tells the office).
    """
    if batch.uploader_id != user.pk or batch.kind != ImportBatch.Kind.LEDGER or batch.applied_at:
        raise PermissionDenied
    items = services.items_for_ledger(actor=user, ids=[row["id"] for row in batch.rows], lock=True)
    statuses = choice_labels(RectificationItem.Status.choices)
    changed_items, entries, closures = [], [], []
    changed = 0
    for row in batch.rows:
        item = items.get(row["id"])
        if item is None:
            raise ValidationError(_("第 %(row)d 行：整改事项已不在您的管理范围内。") % {"row": row["row"]})
        values = row["values"]
        if not _ledger_diff(item, values, statuses):
            continue  # someone made the same change since the preview
        changed += 1
        changes = {f: values[c] for c, f in LEDGER_FIELDS.items() if c in values and values[c] != getattr(item, f)}
        progress = None
        if values.get(L.PROGRESS) and values[L.PROGRESS] != (item.latest_progress or ""):
            when = values.get(L.PROGRESS_DATE)
            progress = (datetime.date.fromisoformat(when) if when else timezone.localdate(), values[L.PROGRESS])
        try:
            item_changed, entry = services.ledger_fill(actor=user, item=item, values=changes, progress=progress)
        except ValidationError as error:
            raise ValidationError(_("第 %(row)d 行：%(reason)s") % {"row": row["row"], "reason": " ".join(error.messages)}) from None
        if item_changed:
            changed_items.append(item)
        if entry is not None:
            entries.append(entry)
        if values.get(L.STATUS) == RectificationItem.Status.CLOSURE_REQUESTED and item.status != values[L.STATUS]:
            closures.append((row["row"], item, values.get(L.COMPLETION) or item.completion_note))
    services.ledger_save(actor=user, items=changed_items, entries=entries)
    for number, item, completion_note in closures:
        try:
            services.closure_request(actor=user, item=item, completion_note=completion_note)
        except ValidationError as error:
            raise ValidationError(_("第 %(row)d 行：%(reason)s") % {"row": number, "reason": " ".join(error.messages)}) from None
    batch.applied_at = timezone.now()
    batch.save(update_fields=["applied_at"])
    return changed
