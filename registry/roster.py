"""The staff roster of a hall, imported from Excel: upload, preview every change, apply all or nothing.

Columns by their Chinese titles (工号 and 姓名 required); a known 工号 updates that person, a new
one adds them; departments and windows must already exist in the hall.
"""

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
from registry.models import Department, Staff, Window
from registry.services import registry_row_save


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
    require(user, "hall.edit_registry", hall)
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
    require(user, "hall.edit_registry", hall)
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
