"""Round trips through Excel: the ledger a unit filled in, and a hall's staff roster.

Each import is two steps. ``parse_*`` reads the file, checks every row
(reason, row and column in Chinese) and says what would change; nothing is
written but the parsed rows. ``apply_*`` writes all of it in one transaction
through the usual services, or nothing at all; importing the same file again
changes nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inspections import scope, spreadsheets
from inspections.exporting import choice_labels
from inspections.models import Department, Role, Staff, Window
from inspections.spreadsheets import RowError
from rectification import services
from rectification.exports import L
from rectification.models import ImportBatch, RectificationItem

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


@dataclass
class Preview:
    batch: ImportBatch | None
    changes: list[dict] = field(default_factory=list)  # {"row", "label", "fields": [(column, old, new)]}
    errors: list[RowError] = field(default_factory=list)
    unchanged: int = 0


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
    if user.role not in (Role.HALL_MANAGER, Role.OFFICE):
        raise PermissionDenied
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
            if status != item.status and not (
                user.role == Role.HALL_MANAGER and status == RectificationItem.Status.CLOSURE_REQUESTED
                and item.status in (RectificationItem.Status.ASSIGNED, RectificationItem.Status.IN_PROGRESS)
            ):
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


# --- Staff roster ---------------------------------------------------------------------------

class R:
    BADGE = "工号"
    NAME = "姓名"
    DEPARTMENT = "部门"
    WINDOW = "窗口号"
    POST = "岗位"
    PARTY = "党员"
    PHONE = "联系电话"
    ACTIVE = "在岗"


ROSTER_REQUIRED = [R.BADGE, R.NAME]
ROSTER_OPTIONAL = [R.DEPARTMENT, R.WINDOW, R.POST, R.PARTY, R.PHONE, R.ACTIVE]
def _post_by_label():
    return {label: value for value, label in choice_labels(Staff.Post.choices).items()}

YES = {"是", "Y", "YES", "1", "TRUE", "√", "✓"}
NO = {"否", "N", "NO", "0", "FALSE", ""}


def _yes_no(value, number, column, errors):
    cleaned = spreadsheets.text(value).upper()
    if cleaned in YES:
        return True
    if cleaned in NO:
        return False
    errors.append(RowError(number, column, _("请填写“是”或“否”。")))
    return None


def parse_roster(*, user, hall, upload) -> Preview:
    if not scope.can_change_hall(user, hall):
        raise PermissionDenied
    table = spreadsheets.read_table(upload, required=ROSTER_REQUIRED, optional=ROSTER_OPTIONAL)
    preview = Preview(batch=None, errors=list(table.errors))
    departments = {d.name: d.pk for d in Department.objects.filter(hall=hall)}
    windows = {w.number: w.pk for w in Window.objects.filter(hall=hall)}
    existing = {s.badge_number: s for s in Staff.objects.filter(hall=hall)}
    seen, parsed = {}, []
    posts = _post_by_label()
    for number, values in table.rows:
        errors_before = len(preview.errors)
        badge = spreadsheets.text(values.get(R.BADGE))
        name = spreadsheets.text(values.get(R.NAME))
        if not badge:
            preview.errors.append(RowError(number, R.BADGE, _("工号不能为空。")))
        elif badge in seen:
            preview.errors.append(RowError(number, R.BADGE, _("与第 %(row)d 行重复。") % {"row": seen[badge]}))
        if not name:
            preview.errors.append(RowError(number, R.NAME, _("姓名不能为空。")))
        seen.setdefault(badge, number)
        row = {"badge_number": badge, "name": name}
        if values.get(R.DEPARTMENT) is not None:
            department = spreadsheets.text(values[R.DEPARTMENT])
            if department and department not in departments:
                preview.errors.append(RowError(number, R.DEPARTMENT, _("本大厅没有“%(name)s”，请先在大厅页面添加该部门。") % {"name": department}))
            row["department"] = departments.get(department)
        if values.get(R.WINDOW) is not None:
            try:
                window = spreadsheets.integer(values[R.WINDOW])
            except ValueError as error:
                preview.errors.append(RowError(number, R.WINDOW, str(error)))
                window = None
            if window is not None and window not in windows:
                preview.errors.append(RowError(number, R.WINDOW, _("本大厅没有 %(n)d 号窗口。") % {"n": window}))
            row["window"] = windows.get(window)
        if values.get(R.POST) is not None:
            post = spreadsheets.text(values[R.POST])
            if post and post not in posts:
                preview.errors.append(RowError(number, R.POST, _("“%(value)s”不是有效的岗位（%(choices)s）。") % {"value": post, "choices": "、".join(posts)}))
            row["post"] = posts.get(post, Staff.Post.WINDOW_STAFF)
        for column, key in ((R.PARTY, "is_party_member"), (R.ACTIVE, "active")):
            if values.get(column) is not None:
                row[key] = _yes_no(values[column], number, column, preview.errors)
        if values.get(R.PHONE) is not None:
            row["phone"] = spreadsheets.text(values[R.PHONE])
        if len(preview.errors) > errors_before:
            continue
        current = existing.get(badge)
        if current is None:
            change = {"row": number, "label": _("新增 %(name)s（%(badge)s）") % {"name": name, "badge": badge},
                      "fields": [(k, "", str(v)) for k, v in row.items()]}
            preview.changes.append(change)
            parsed.append({"row": number, "values": row, "change": change})
            continue
        diff = [(k, str(getattr(current, k if k not in ("department", "window") else f"{k}_id")), str(v))
                for k, v in row.items()
                if getattr(current, k if k not in ("department", "window") else f"{k}_id") != v]
        if diff:
            change = {"row": number, "label": f"{current.name}（{badge}）", "fields": diff}
            preview.changes.append(change)
            parsed.append({"row": number, "values": row, "change": change})
        else:
            preview.unchanged += 1
    if not preview.errors:
        preview.batch = ImportBatch.objects.create(
            kind=ImportBatch.Kind.ROSTER, uploader=user, hall=hall, filename=upload.name[:255], rows=parsed
        )
    return preview


@transaction.atomic
def apply_roster(*, user, batch: ImportBatch) -> int:
    if batch.uploader_id != user.pk or batch.kind != ImportBatch.Kind.ROSTER or batch.applied_at:
        raise PermissionDenied
    hall = batch.hall
    if not scope.can_change_hall(user, hall):
        raise PermissionDenied
    from inspections.services import registry_row_save

    for row in batch.rows:
        values = dict(row["values"])
        department, window = values.pop("department", None), values.pop("window", None)
        staff = Staff.objects.filter(hall=hall, badge_number=values["badge_number"]).first() or Staff(hall=hall)
        for key, value in values.items():
            setattr(staff, key, value)
        if "department" in row["values"]:
            staff.department_id = department
        if "window" in row["values"]:
            staff.window_id = window
        try:
            registry_row_save(actor=user, row=staff)
        except ValidationError as error:
            raise ValidationError(_("第 %(row)d 行：%(reason)s") % {"row": row["row"], "reason": " ".join(error.messages)}) from None
    batch.applied_at = timezone.now()
    batch.save(update_fields=["applied_at"])
    return len(batch.rows)
