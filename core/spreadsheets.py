"""Reading spreadsheets that people filled in, safely and forgivingly.

Safe: only real .xlsx files (a zip with a workbook in it), under the size and
row limits, not a zip bomb, with no DTD or entity declarations in any XML
part (openpyxl also parses through defusedxml when it is installed, as it is
here). Cells holding formulas are refused: a value must be a value.

Forgiving: a title row and merged cells above the header, stray spaces,
full-width digits, empty rows, and dates typed as 2026年12月31日, 2026.12.31,
2026/12/31, 2026-12-31 or stored as Excel serial numbers.
"""

import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 150
HEADER_SCAN_ROWS = 15


class SpreadsheetRefused(ValidationError):
    """The whole file is refused (not an xlsx, too big, unsafe, columns missing)."""


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def __str__(self):
        if self.column:
            return _("第 %(row)d 行“%(column)s”列：%(reason)s") % {"row": self.row, "column": self.column, "reason": self.reason}
        return _("第 %(row)d 行：%(reason)s") % {"row": self.row, "reason": self.reason}


@dataclass
class Table:
    """The data rows under the header, as {column title: cell value}, with their Excel row numbers."""

    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


# An Excel 97–2003 workbook (.xls), and WPS's own .et, are OLE2 compound files.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _not_xlsx(name: str, data: bytes) -> str:
    """Why the file is not an .xlsx, and how to make one of it: people keep .csv and .xls files
    and cannot tell them apart from an .xlsx by their icon."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    how = _("请在Excel中打开它，“另存为”→“Excel 工作簿(*.xlsx)”，再上传另存的文件（WPS 表格：“另存为”→“Excel 文件(*.xlsx)”）。")
    if data.startswith(OLE2_MAGIC) or suffix in ("xls", "et"):
        return _("这是旧版 Excel（.xls）或 WPS 表格格式的文件，不是 Excel 工作簿（.xlsx），无法导入。") + how
    if suffix in ("csv", "txt"):
        return _("这是 CSV 文本文件，不是 Excel 工作簿（.xlsx），无法导入。") + how
    return _("这不是 Excel 工作簿（.xlsx）文件，无法导入。如果它是 .xls、.csv 或 WPS 格式：") + how


def _check_container(data: bytes, name: str = ""):
    if len(data) > settings.IMPORT_MAX_MB * 1024 * 1024:
        raise SpreadsheetRefused(_("文件超过 %(mb)d MB，请拆分后再导入。") % {"mb": settings.IMPORT_MAX_MB})
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetRefused(_not_xlsx(name, data))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        raise SpreadsheetRefused(_("文件已损坏，无法打开。")) from None
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetRefused(_not_xlsx(name, data))
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise SpreadsheetRefused(_("这是启用宏的工作簿（含 VBA 宏，如改了扩展名的 .xlsm），已拒绝导入。"
                                   "请在 Excel 中“另存为”→“Excel 工作簿(*.xlsx)”后再上传。"))
    if any(n.startswith("xl/externalLinks/") for n in names):
        raise SpreadsheetRefused(_("文件引用了其他工作簿（外部链接），已拒绝导入：导入的内容须全部在这个文件里。"
                                   "请在 Excel 中“数据”→“编辑链接”→“断开链接”，保存后再上传。"))
    total = sum(m.file_size for m in members)
    if total > MAX_UNCOMPRESSED or any(m.compress_size and m.file_size / m.compress_size > MAX_RATIO for m in members):
        raise SpreadsheetRefused(_("文件内容异常（解压后过大），已拒绝导入。"))
    for member in members:
        if member.filename.endswith((".xml", ".rels")):
            head = archive.read(member)[:4096].upper()
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise SpreadsheetRefused(_("文件包含不安全的内容（XML 实体声明），已拒绝导入。"))


def open_workbook(upload):
    data = upload.read()
    _check_container(data, getattr(upload, "name", "") or "")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a broken workbook
        raise SpreadsheetRefused(_("文件已损坏或格式不正确，无法读取。")) from None


MERGED = re.compile(rb'<mergeCell[^>]*\bref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _merged_below(sheet, header_row: int, positions: dict) -> list[RowError]:
    """Merged cells under the header: the merged value stands in the first row only, and the
    rows below would read as empty (as "no change") — so each merge is a row error instead.
    The read-only sheet does not list its merges; they are read from its XML."""
    xml = sheet.parent._archive.read(sheet._worksheet_path)
    titles = {column_letter(index): title for title, index in positions.items()}
    errors = []
    for first_col, first_row, last_col, last_row in MERGED.findall(xml):
        first, last = int(first_row), int(last_row)
        if last <= header_row:
            continue  # a merged title above the header is fine
        area = f"{first_col.decode()}{first}:{last_col.decode()}{last}"
        errors.append(RowError(max(first, header_row + 1), titles.get(first_col.decode(), first_col.decode()),
                               _("合并了单元格（%(area)s）：请取消合并，并在每一行填写各自的内容。") % {"area": area}))
    return errors


def _title(value) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))


def read_table(upload, *, required: list[str], optional: list[str] = ()) -> Table:
    """Find the header row (below any title rows), then read every non-empty row under it."""
    workbook = open_workbook(upload)
    sheet = workbook.worksheets[0]
    wanted = {_title(t): t for t in [*required, *optional]}
    header_row, positions = None, {}
    rows = sheet.iter_rows()
    buffered = []
    for index, row in enumerate(rows, start=1):
        buffered.append(row)
        found = {wanted[_title(c.value)]: i for i, c in enumerate(row) if _title(c.value) in wanted}
        if all(t in found for t in required):
            header_row, positions = index, found
            break
        if index >= HEADER_SCAN_ROWS:
            break
    if header_row is None:
        missing = "、".join(f"“{t}”" for t in required)
        raise SpreadsheetRefused(
            _("没有找到表头。导入文件须包含这些列：%(columns)s（列名请勿修改）。") % {"columns": missing}
        )
    table = Table()
    table.errors.extend(_merged_below(sheet, header_row, positions))
    for number, row in enumerate(rows, start=header_row + 1):
        if number - header_row > settings.IMPORT_MAX_ROWS:
            raise SpreadsheetRefused(_("文件超过 %(n)d 行，请拆分后再导入。") % {"n": settings.IMPORT_MAX_ROWS})
        values = {}
        for title, index in positions.items():
            cell = row[index] if index < len(row) else None
            if cell is None or getattr(cell, "value", None) is None:
                values[title] = None
                continue
            if cell.data_type == "f":
                table.errors.append(RowError(number, title, _("单元格里是公式，请改为直接填写内容。")))
                values[title] = None
                continue
            values[title] = cell.value
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
            continue  # an empty row
        table.rows.append((number, values))
    workbook.close()
    return table


def text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def integer(value) -> int | None:
    """Whole numbers as people type them: full-width digits and stray spaces allowed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and float(value).is_integer():
        return int(value)
    cleaned = unicodedata.normalize("NFKC", str(value)).strip()
    if not re.fullmatch(r"\d+", cleaned):
        raise ValueError(_("应为整数。"))
    return int(cleaned)


_DATE = re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?$")


def date(value) -> datetime.date | None:
    """2026年12月31日, 2026.12.31, 2026/12/31, 2026-12-31, an Excel date or serial number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float):
        return from_excel(value).date()
    match = _DATE.match(unicodedata.normalize("NFKC", str(value)).strip())
    if not match:
        raise ValueError(_("无法识别的日期，请写成 2026-12-31 或 2026年12月31日。"))
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(_("日期不存在。")) from None


def column_letter(index: int) -> str:
    return get_column_letter(index + 1)
