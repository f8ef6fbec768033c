"""The round trip through Excel of the ledger a unit filled in.

Two steps (core.imports). ``parse_ledger`` reads the file, checks every row
(reason, row and column in Chinese) and says what would change, and which
edited cells it will not change and why; nothing is written but the parsed
rows. ``apply_ledger`` writes all of it in one transaction through the
services' rules, or nothing at all; importing the same file again changes
nothing.

What a cell of the file means:

- Left as the export wrote it (its fingerprint in the hidden 导出核对 column,
  core.roundtrip): no change, whatever the item has become since. An earlier
  export uploaded again after the office approved a close-out, or after the
  item went to 申请销号 or was reopened, changes nothing and is not refused.
- Edited, in a column the unit keeps (``LEDGER_EDITABLE``) and valid: a change,
  shown old → new in the preview, the status too (also the one a first
  progress entry makes, 已交办 → 整改中). Not imported, with the reason, when
  the system changed the same cell since the export (the system's value
  stands: nobody's edit is overwritten unseen) or the item no longer takes it
  (closed).
- Edited into a bad value (a date that is no date, a status the unit may not
  set, a close-out request without proof, too long): an error naming row and
  column, and nothing of the file is imported.
- Edited, in a column the import does not read (整改时限, 问题描述, 回访结果 …):
  not imported, with the reason (``NOT_IMPORTED``).

A row without a valid stamp (a table typed by hand, a file from before the
stamp) is compared with what the export would write for its item now
(``ledger_rows``, as the uploader would see it).
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roundtrip, spreadsheets
from core.exporting import choice_labels, in_chunks, rows_per_chunk
from core.imports import Preview
from core.models import ImportBatch
from core.permissions import require
from core.spreadsheets import RowError
from rectification import services
from rectification.exports import (
    LEDGER_COLUMNS,
    LEDGER_SET_STATUS,
    PROOF_FILES,
    STAMPED_COLUMNS,
    STAMPED_KEYS,
    L,
    ledger_rows,
    stamped_texts,
)
from rectification.models import ITEM_TRANSITIONS, RectificationItem

LEDGER_REQUIRED = [L.ID, L.MEASURES, L.PERSON, L.PROGRESS, L.COMPLETION, L.STATUS]
LEDGER_OPTIONAL = [column.title for column in LEDGER_COLUMNS if column.title not in LEDGER_REQUIRED]
LEDGER_FIELDS = {  # column → item field
    L.MEASURES: "measures", L.LEADER: "responsible_leader", L.PERSON: "responsible_person",
    L.COMPLETION: "completion_note", L.PROOF: "proof_notes",
}

# The columns whose field has a length limit (the rest are free text).
LEDGER_MAX_LENGTHS = {
    column: RectificationItem._meta.get_field(name).max_length
    for column, name in LEDGER_FIELDS.items() if RectificationItem._meta.get_field(name).max_length
}

_FROM_THE_FINDING = gettext_lazy("问题的内容以作风办确认的问题为准，台账中的修改不会导入。")
_CLOSE_OUT = gettext_lazy("销号由作风办审核后登记，台账中的修改不会导入；需要销号，请把“状态”改为“申请销号”。")
# Why an edit of each column the import does not read is left out (every stamped column but
# LEDGER_EDITABLE; tests/test_imports.py checks that none is missing).
NOT_IMPORTED = {
    L.CODE: gettext_lazy("事项编号由系统生成，台账中的修改不会导入。"),
    L.FINDINGS: _FROM_THE_FINDING, L.SOURCE: _FROM_THE_FINDING, L.FOUND: _FROM_THE_FINDING,
    L.UNIT: _FROM_THE_FINDING, L.CATEGORY: _FROM_THE_FINDING,
    L.DESCRIPTION: gettext_lazy("问题描述以作风办确认的问题为准，台账中的修改不会导入。"),
    L.KIND: gettext_lazy("整改类型由作风办设定，台账中的修改不会导入。"),
    L.RESPONSIBLE_UNIT: gettext_lazy("责任单位由作风办交办时确定，台账中的修改不会导入；具体负责的人请填在“责任领导”“责任人”中。"),
    L.DEADLINE: gettext_lazy("整改时限由作风办设定，台账中的修改不会导入；需要延期，请在系统中提出延期申请。"),
    L.REVISIT: gettext_lazy("回访结果由督查人员回访后登记，台账中的修改不会导入。"),
    L.CLOSED: _CLOSE_OUT, L.CLOSED_ON: _CLOSE_OUT, L.CLOSED_BY: _CLOSE_OUT,
    L.NOTES: gettext_lazy("备注由系统填写，台账中的修改不会导入；需要说明的情况请写在“完成情况”中。"),
    PROOF_FILES: gettext_lazy(
        "佐证材料的文件须在系统中填报整改进展时上传，台账中对已上传文件清单的修改不会导入（这一格中的其他文字照常导入）。"
    ),
}


def _may_set_in_ledger(user, item, status: str) -> bool:
    """The one status a ledger file may set: a unit asks for close-out of an item it is working on
    (along ITEM_TRANSITIONS; the service then checks the proof)."""
    return (
        status == LEDGER_SET_STATUS and status in ITEM_TRANSITIONS[item.status]
        and user.has_perm("item.request_closure", item)
    )


def _current_texts(item, statuses: dict) -> dict[str, str]:
    """The columns a unit keeps, as the item reads now (canonical, as the file's cells are read);
    ``item`` comes from ``services.items_for_ledger``."""
    texts = {column: roundtrip.canonical(getattr(item, name)) for column, name in LEDGER_FIELDS.items()}
    texts[L.PROGRESS] = roundtrip.canonical(item.latest_progress)
    texts[L.PROGRESS_DATE] = roundtrip.canonical(item.latest_progress_date, "date")
    texts[L.STATUS] = statuses[item.status]
    return texts


def _status_after(item, values: dict) -> str:
    """The status the row leaves the item in: the one it asks for, or the one its progress makes."""
    if values.get(L.STATUS):
        return values[L.STATUS]
    if values.get(L.PROGRESS):
        return services.status_after_progress(item.status)
    return item.status


def _ledger_diff(item, values: dict, statuses: dict) -> list[tuple[str, str, str]]:
    """What the row's values would change of the item now, as (column, old, new) labels."""
    current = _current_texts(item, statuses)
    diff = [
        (column, getattr(item, name), values[column])
        for column, name in LEDGER_FIELDS.items() if column in values and values[column] != current[column]
    ]
    if values.get(L.PROGRESS) and values[L.PROGRESS] != current[L.PROGRESS]:
        diff.append((L.PROGRESS, item.latest_progress or "", values[L.PROGRESS]))
    status = _status_after(item, values)
    if status != item.status:
        diff.append((L.STATUS, statuses[item.status], statuses[status]))
    return diff


def _exported_now(user, ids) -> dict[int, list]:
    """The rows the export would write now for these items, as the user would get them."""
    rows = {}
    for chunk in in_chunks(sorted(ids), rows_per_chunk()):
        rows.update((row[0], row) for row in ledger_rows(RectificationItem.objects.filter(pk__in=chunk), viewer=user))
    return rows


class _Row:
    """One row of the file, read against its item: which cells were edited, and what they ask."""

    def __init__(self, number: int, item, values: dict, exported: list[str], statuses: dict):
        self.number, self.item, self.statuses = number, item, statuses
        texts = dict(zip(STAMPED_KEYS, stamped_texts([values.get(c.title) for c in LEDGER_COLUMNS]), strict=True))
        self.texts = texts
        self.edited = {
            key for key, was in zip(STAMPED_KEYS, exported, strict=True)
            if STAMPED_COLUMNS[key] in values and roundtrip.digest(texts[key]) != was
        }
        self.exported = dict(zip(STAMPED_KEYS, exported, strict=True))
        self.current = _current_texts(item, statuses)
        self.values: dict = {}
        self.base: dict[str, str] = {}  # column → fingerprint of what the change was made against
        self.notes: list[RowError] = []
        self.errors: list[RowError] = []

    def note(self, column, reason):
        self.notes.append(RowError(self.number, column, str(reason)))

    def error(self, column, reason):
        self.errors.append(RowError(self.number, column, str(reason)))

    def moved_on(self, column) -> bool:
        """The system changed this cell since the export."""
        return roundtrip.digest(self.current[column]) != self.exported[column]

    def change(self, column, value):
        self.values[column] = value
        self.base[column] = roundtrip.digest(self.current[column])


def _read_texts(row: _Row):
    for column in LEDGER_FIELDS:
        if column not in row.edited:
            continue
        new, limit = row.texts[column], LEDGER_MAX_LENGTHS.get(column)
        if limit and len(new) > limit:
            row.error(column, _("不能超过 %(n)d 个字。") % {"n": limit})
        elif new == row.current[column]:
            continue  # it already reads so
        elif row.moved_on(column):
            row.note(column, _("导出后，系统中的这一格已改为“%(now)s”；以系统为准，文件中的修改不会导入。如需修改，请重新导出台账后再填写。")
                     % {"now": row.current[column] or "—"})
        elif row.item.status == RectificationItem.Status.CLOSED:
            row.note(column, _("该事项已销号，不能再修改，这一格不会导入。"))
        else:
            row.change(column, new)


def _read_progress(row: _Row, today: datetime.date):
    progress_edited, date_edited = L.PROGRESS in row.edited, L.PROGRESS_DATE in row.edited
    new = row.texts[L.PROGRESS]
    adds = progress_edited and new and new != row.current[L.PROGRESS]
    progress_date = None
    if adds or date_edited:
        try:
            progress_date = spreadsheets.date(row.texts[L.PROGRESS_DATE] or None)
        except ValueError as error:
            row.error(L.PROGRESS_DATE, str(error))
            return
        if progress_date and progress_date > today:
            row.error(L.PROGRESS_DATE, _("进展日期不能晚于今天。"))
            return
    if progress_edited and not new:
        row.note(L.PROGRESS, _("清空“整改进展”不会删除已填报的进展：进展只能增加，不能删改。"))
    elif adds and not services.takes_progress(row.item.status):
        row.note(L.PROGRESS, _("事项当前为“%(status)s”，不能再填报进展，这一格不会导入。")
                 % {"status": row.statuses[row.item.status]})
    elif adds:
        row.values[L.PROGRESS] = new
        row.values[L.PROGRESS_DATE] = progress_date.isoformat() if progress_date else None
    elif date_edited and not progress_edited:
        row.note(L.PROGRESS_DATE, _("只改“进展日期”不会修改已填报的进展；填报新的进展，请同时填写“整改进展”。"))


def _read_status(row: _Row, user, status_by_label: dict):
    if L.STATUS not in row.edited:
        return
    label = row.texts[L.STATUS]
    if not label:
        row.note(L.STATUS, _("“状态”被清空，状态不会修改。"))
        return
    status = status_by_label.get(label)
    if status is None:
        row.error(L.STATUS, _("“%(value)s”不是有效的状态，请从下拉列表中选择。") % {"value": label})
    elif status == row.item.status:
        return  # it already is
    elif row.moved_on(L.STATUS):
        row.note(L.STATUS, _("导出后，事项已变为“%(now)s”；文件中的“%(value)s”不会导入。")
                 % {"now": row.current[L.STATUS], "value": label})
    elif not _may_set_in_ledger(user, row.item, status):
        row.error(L.STATUS, _("不能在台账中把状态从“%(old)s”改为“%(new)s”；单位只能把整改中的事项改为“申请销号”。")
                  % {"old": row.current[L.STATUS], "new": label})
    else:
        row.change(L.STATUS, status)


def _check_closure_requests(rows: list[_Row]):
    """A close-out asked for in the file needs what the service asks for (services.closure_lacks)."""
    asking = [row for row in rows if row.values.get(L.STATUS) == LEDGER_SET_STATUS]
    proven = services.have_proof([row.item.pk for row in asking])
    for row in asking:
        completion = row.values.get(L.COMPLETION, row.current[L.COMPLETION])
        lacks = services.closure_lacks(completion_note=completion, has_proof=row.item.pk in proven)
        if "completion_note" in lacks:
            row.error(L.COMPLETION, _("申请销号须填写“完成情况”。"))
        if "proof" in lacks:
            row.error(L.STATUS, _("申请销号前，请先在系统中为该事项填报进展并上传佐证材料（文件不能通过台账上传）。"))


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
    found = []
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
        if item_id not in items:
            preview.errors.append(RowError(number, L.ID, _("编号 %(id)d 的整改事项不存在，或不在您的管理范围内。") % {"id": item_id}))
            continue
        found.append((number, items[item_id], values,
                      roundtrip.read_stamp(values.get(L.CHECK), item_id, len(STAMPED_KEYS))))
    # Rows that do not say what they were exported as are compared with what the export writes now.
    now = _exported_now(user, [item.pk for _n, item, _v, stamp in found if stamp is None])
    rows = [
        _Row(number, item, values, stamp or [roundtrip.digest(t) for t in stamped_texts(now[item.pk])], statuses)
        for number, item, values, stamp in found
    ]
    for row in rows:
        _read_texts(row)
        _read_progress(row, today)
        _read_status(row, user, status_by_label)
        for key in sorted(row.edited & set(NOT_IMPORTED), key=STAMPED_KEYS.index):
            row.note(STAMPED_COLUMNS[key], NOT_IMPORTED[key])
    _check_closure_requests(rows)
    parsed = []
    for row in rows:
        preview.errors.extend(row.errors)
        row.notes.sort(key=lambda note: _column_order(note.column))
        preview.skipped.extend(row.notes)
        diff = _ledger_diff(row.item, row.values, statuses) if not row.errors else []
        if diff:
            preview.changes.append({"row": row.number, "label": row.item.code, "fields": diff})
        else:
            preview.unchanged += 1
        if diff or row.notes:
            parsed.append({"row": row.number, "id": row.item.pk, "values": row.values if diff else {},
                           "base": row.base if diff else {},
                           "notes": [[note.column, note.reason] for note in row.notes]})
    if not preview.errors:
        preview.batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.LEDGER, uploader=user, filename=upload.name[:255], rows=parsed
        )
    return preview


_TITLES = [column.title for column in LEDGER_COLUMNS]


def _column_order(title: str) -> int:
    return _TITLES.index(title) if title in _TITLES else len(_TITLES)


def ledger_changes(*, user, batch: ImportBatch) -> list[dict]:
    """What each stored row would change now (the database may have moved on since the upload)."""
    items = services.items_for_ledger(actor=user, ids=[row["id"] for row in batch.rows])
    statuses = choice_labels(RectificationItem.Status.choices)
    changes = []
    for row in batch.rows:
        if row["id"] in items and row["values"]:
            diff = _ledger_diff(items[row["id"]], row["values"], statuses)
            if diff:
                changes.append({"row": row["row"], "label": items[row["id"]].code, "fields": diff})
    return changes


def ledger_skipped(*, batch: ImportBatch) -> list[RowError]:
    """The edited cells the import leaves as they are, with why (as the upload found them)."""
    return [RowError(row["row"], column, reason) for row in batch.rows for column, reason in row.get("notes", ())]


def _check_not_moved(number: int, item, row: dict, statuses: dict):
    """Refuse a change whose cell someone changed in the system between the upload and now."""
    current = _current_texts(item, statuses)
    for column, was in row.get("base", {}).items():
        new = statuses.get(row["values"][column], row["values"][column]) if column == L.STATUS else row["values"][column]
        if new != current[column] and roundtrip.digest(current[column]) != was:
            raise ValidationError(
                _("第 %(row)d 行“%(column)s”列：上传之后，系统中的这一格已被修改（现为“%(now)s”）；为免覆盖，请重新导出台账填写后再导入。")
                % {"row": number, "column": column, "now": current[column] or "—"}
            )


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
    rows = [row for row in batch.rows if row["values"]]
    items = services.items_for_ledger(actor=user, ids=[row["id"] for row in rows], lock=True)
    statuses = choice_labels(RectificationItem.Status.choices)
    changed_items, entries, closures = [], [], []
    changed = 0
    for row in rows:
        item = items.get(row["id"])
        if item is None:
            raise ValidationError(_("第 %(row)d 行：整改事项已不在您的管理范围内。") % {"row": row["row"]})
        values = row["values"]
        _check_not_moved(row["row"], item, row, statuses)
        if not _ledger_diff(item, values, statuses):
            continue  # someone made the same change since the preview
        changed += 1
        current = _current_texts(item, statuses)
        changes = {f: values[c] for c, f in LEDGER_FIELDS.items() if c in values and values[c] != current[c]}
        progress = None
        if values.get(L.PROGRESS) and values[L.PROGRESS] != current[L.PROGRESS]:
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
        if values.get(L.STATUS) == LEDGER_SET_STATUS and item.status != values[L.STATUS]:
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
