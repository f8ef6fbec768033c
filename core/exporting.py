"""One exporter framework for every Excel file the product writes.

An export declares its columns once (title, width, kind) and yields rows; the
writer here makes the workbook the way government offices circulate them:
a merged title row, a document-number / date line, a frozen header repeated
on every printed page, borders, wrapped 宋体 text, A4 landscape fitted to the
page width, and real Excel dates. It streams (openpyxl write-only mode), so
memory does not grow with the number of rows.

Text that Excel would read as a formula (starting with = + - @, a tab or a
line break) is written as a string cell with the quote prefix: Excel shows it
as typed, never evaluates it, and it reads back unchanged. Every text is a
string cell, also one that reads like an error value ("#N/A"). The control
characters XML cannot hold are left out (``xml_text``), as in the Word circular.
"""

import datetime
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import connection
from django.utils import timezone, translation
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

FONT_NAME = "宋体"  # SimSun: what Chinese government documents use
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")

_thin = Side(style="thin", color="000000")
BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
SUBTITLE_FONT = Font(name=FONT_NAME, size=11)
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=10.5)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
NUMBER_FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0", "number": "0.00",
                  "percent": "0.0%"}

HEADER_ROW = 3  # title, subtitle, header


@dataclass(frozen=True)
class Column:
    title: str
    width: float = 12
    kind: str = "text"  # text, date, datetime, int, number (two decimals), percent
    hidden: bool = False
    choices: tuple[str, ...] = ()  # a drop-down list in Excel (data validation)


@dataclass
class Sheet:
    name: str
    title: str
    columns: list[Column]
    rows: Iterable[list]
    subtitle: str = ""
    on_row: Callable[[int], None] | None = None


@dataclass
class Exporter:
    """Subclasses set ``columns`` and implement ``rows``; ``sheets`` may return several."""

    title: str = ""
    sheet_name: str = "Sheet1"
    subtitle: str = ""
    columns: list[Column] = field(default_factory=list)

    def rows(self) -> Iterator[list]:
        raise NotImplementedError

    def sheets(self) -> list[Sheet]:
        return [Sheet(self.sheet_name, self.title, self.columns, self.rows(), self.subtitle)]

    def count(self) -> int | None:
        """How many rows there will be, when cheap to know (for progress bars)."""
        return None

    def write(self, stream, *, on_row: Callable[[int], None] | None = None):
        with translation.override(settings.LANGUAGE_CODE):
            write_workbook(self.sheets(), stream, on_row=on_row)

    @property
    def filename(self) -> str:
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"{self.title or self.sheet_name}-{stamp}.xlsx"


# --- For exporters: rows are built from plain values, a chunk at a time -------------------------
# Model instances, related managers and get_*_display() cost more per row than
# writing the row (bench/README.md); large exports read values_list() rows in
# chunks and look up what is many-to-one per chunk, keyed by id.

def in_chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def rows_per_chunk(wanted: int = 5000) -> int:
    """How many rows to read at once, when each chunk's ids go into one ``IN (…)``: large chunks
    keep a big export from switching between the database and the writer, but SQLite takes a
    limited number of query parameters."""
    limit = connection.features.max_query_params
    return min(wanted, limit) if limit else wanted


def choice_labels(choices) -> dict:
    """Value → label as a workbook carries it: always Chinese (see write_workbook)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {value: str(label) for value, label in choices}


def grouped(pairs: Iterable[tuple]) -> dict:
    """[(key, value), …] → {key: [value, …]}, keeping the order of the pairs."""
    groups: dict = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return groups


def joined(values) -> str:
    """Several values in one cell, the way ledgers list them: "甲；乙"."""
    return "；".join(v for v in values if v)


def safe_text(value: str) -> bool:
    """True when Excel would take the text as plain text."""
    return not value.startswith(FORMULA_TRIGGERS)


# The characters XML 1.0 has no way to write: openpyxl and python-docx refuse them, so one of
# them in any text would make the whole workbook or Word document impossible to write. People
# paste them in (the forms take them; only NUL is refused): Word copies a manual line break as a
# vertical tab, text from a terminal brings escape characters, and a username tried at the login
# reaches the security log as typed.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """The text as a workbook or a Word document can hold it: a vertical tab or form feed becomes
    the line break it stands for, the other characters XML cannot hold are left out."""
    if NOT_XML.search(text) is None:  # nearly always: no copy made
        return text
    return NOT_XML.sub(lambda found: "\n" if found.group() in "\x0b\x0c" else "", text)


def _excel_value(value):
    if isinstance(value, Promise):  # a lazily translated label (a model's choices): its text
        value = str(value)
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        value = xml_text(value)
        if "\r" in value:
            # XML turns a bare CR into a line feed on reading; say so plainly instead.
            return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class _Styles:
    """One cell factory per sheet.

    openpyxl finds a style's index in the workbook's style table by hashing
    the style objects, for every cell and every attribute (a Border hashes its
    four Sides): that was half the time of a large export. Each combination of
    font, alignment, fill, border, number format and quote prefix is worked
    out once here, and every cell with that combination is given the same
    array of style indexes.
    """

    def __init__(self, ws):
        self.ws = ws
        self._arrays = {}

    def _array(self, font, alignment, fill, border, number_format, quoted):
        key = (id(font), id(alignment), id(fill), id(border), number_format, quoted)
        found = self._arrays.get(key)
        if found is None:
            cell = WriteOnlyCell(self.ws)
            cell.font = font
            cell.alignment = alignment
            if border is not None:
                cell.border = border
            if fill is not None:
                cell.fill = fill
            if number_format:
                cell.number_format = number_format
            if quoted:
                cell.quotePrefix = True
            # The style objects are kept with their array, so that their ids stay theirs.
            found = self._arrays[key] = (cell._style, (font, alignment, fill, border))
        return found[0]

    def cell(self, value, *, font=BODY_FONT, alignment=WRAP, fill=None, number_format=None, border=BORDER):
        value = _excel_value(value)  # first: a formula behind a control character is one once it is left out
        text = isinstance(value, str)
        quoted = text and value != "" and not safe_text(value)
        cell = Cell(self.ws, row=1, column=1, value=value)
        cell._style = self._array(font, alignment, fill, border, number_format, quoted)
        if text:
            cell.data_type = "s"  # never a formula, nor an error value ("#N/A" typed as text)
        return cell


LINE_HEIGHT = 14.5
MAX_LINES = 12


def _lines(values, widths) -> int:
    """How many lines the tallest wrapped cell needs.

    A row's height must be set when it is written (write-only mode), and not
    every spreadsheet program grows rows to fit wrapped text on opening. The
    UTF-8 length is a cheap stand-in for display width: a Chinese character
    is 3 bytes and 2 width units, a Latin one 1 byte and about 1 unit.
    """
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and value:
            needed = (len(value.encode()) * 2 // 3) // width + 1 + value.count("\n")
            if needed > lines:
                lines = needed
    return min(lines, MAX_LINES)


def write_sheet(wb: Workbook, sheet: Sheet, *, on_row=None):
    ws = wb.create_sheet(title=sheet.name[:31])
    width = len(sheet.columns)
    last = get_column_letter(width)
    for index, column in enumerate(sheet.columns, start=1):
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.merged_cells.add(f"A1:{last}1")
    ws.merged_cells.add(f"A2:{last}2")

    styles = _Styles(ws)
    ws.row_dimensions[1].height = 32
    ws.append([styles.cell(sheet.title, font=TITLE_FONT, alignment=CENTRE, border=None)])
    ws.append([styles.cell(sheet.subtitle, font=SUBTITLE_FONT, alignment=Alignment(horizontal="right"), border=None)])
    ws.append([styles.cell(c.title, font=HEADER_FONT, alignment=CENTRE, fill=HEADER_FILL) for c in sheet.columns])

    formats = [NUMBER_FORMATS.get(c.kind) for c in sheet.columns]
    widths = [max(c.width - 1, 1) for c in sheet.columns]
    count = 0
    for count, values in enumerate(sheet.rows, start=1):
        ws.row_dimensions[HEADER_ROW + count].height = LINE_HEIGHT * _lines(values, widths)
        ws.append([styles.cell(v, number_format=f) for v, f in zip(values, formats, strict=True)])
        # The row (and its height) is written out on append; keeping the entry would
        # make memory grow with the row count (bench/README.md).
        del ws.row_dimensions[HEADER_ROW + count]
        if on_row is not None and count % 500 == 0:
            on_row(count)
    for index, column in enumerate(sheet.columns, start=1):
        if column.choices:
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list", formula1='"' + ",".join(column.choices) + '"', allow_blank=True,
                showErrorMessage=True, errorTitle="输入有误", error="请从下拉列表中选择。",
            )
            validation.add(f"{letter}{HEADER_ROW + 1}:{letter}{HEADER_ROW + max(count, 1) + 500}")
            ws.data_validations.append(validation)
    if on_row is not None:
        on_row(count)
    return count


def write_workbook(sheets: list[Sheet], stream, *, on_row=None):
    # Workbooks are official documents passed between offices, and the ledger
    # comes back through the import: they are written in Chinese whatever the
    # screen language, so labels and drop-downs always match what the import reads.
    with translation.override(settings.LANGUAGE_CODE):
        wb = Workbook(write_only=True)
        for sheet in sheets:
            write_sheet(wb, sheet, on_row=on_row)
        wb.save(stream)
