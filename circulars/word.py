"""The circular as an official document (公文) in Word, in the layout of GB/T 9704-2012.

The layout lives in a template: page size and margins, the grid of 22 lines
of 28 characters, and the named paragraph styles below. ``default_template()``
makes ours; an office that wants its own masthead, fonts or spacing writes it
out (``manage.py circular_template -o FILE.docx``), edits it in Word or WPS,
and points ``CIRCULAR_DOCX_TEMPLATE`` at it. ``write_docx`` only fills in the
content, always by these style names, so any template that keeps them works.
"""

import datetime
from pathlib import Path

from django.conf import settings
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from circulars.document import CircularDocument
from core.exporting import xml_text

# Sizes of Chinese type (号) in points.
SIZE_2, SIZE_3, SIZE_4, SIZE_5 = Pt(22), Pt(16), Pt(14), Pt(10.5)
RED = RGBColor(0xFF, 0x00, 0x00)
XIAOBIAOSONG, FANGSONG, HEITI, KAITI, SONGTI = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312", "宋体"

# GB/T 9704-2012 §5.2: A4; top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm type area).
PAGE = {"page_width": Mm(210), "page_height": Mm(297), "top_margin": Mm(37), "bottom_margin": Mm(35),
        "left_margin": Mm(28), "right_margin": Mm(26)}
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
LINE_PITCH = Pt(225 / 25.4 * 72 / LINES_PER_PAGE)  # 28.95 pt: 22 lines fill the 225 mm type area
TYPE_WIDTH = (PAGE["page_width"] - PAGE["left_margin"] - PAGE["right_margin"]) / 12700  # 156 mm in points

# style name → (font, size, alignment, first-line indent in characters (negative: right indent), colour)
STYLES = {
    "公文-发文机关标志": (XIAOBIAOSONG, Pt(36), WD_ALIGN_PARAGRAPH.CENTER, 0, RED),
    "公文-发文字号": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "公文-标题": (XIAOBIAOSONG, SIZE_2, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
    "公文-正文": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, 2, None),
    "公文-一级标题": (HEITI, SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 2, None),
    "公文-二级标题": (KAITI, SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 2, None),
    "公文-署名": (FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.RIGHT, -4, None),  # 右空四字 (§7.3.5.2)
    "公文-附件标记": (HEITI, SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, 0, None),
    "公文-表格": (FANGSONG, SIZE_5, WD_ALIGN_PARAGRAPH.LEFT, 0, None),
    "公文-页码": (SONGTI, SIZE_4, WD_ALIGN_PARAGRAPH.CENTER, 0, None),
}

ANNEX_COLUMNS = [("序号", 8), ("单位", 30), ("窗口", 16), ("问题类别", 26), ("问题表述", 76), ("处理意见", 16),
                 ("整改时限", 22)]


def _fonts(run_or_style, font: str):
    """Set the East Asian and the Latin font: Word reads eastAsia for Chinese characters."""
    run_or_style.font.name = font
    rpr = run_or_style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), font)


def _grid(section):
    """The line grid: LINES_PER_PAGE lines in the type area. (A character grid as well would be
    drawn differently by Word, WPS and LibreOffice; CHAR_SPACING gives 28 characters instead.)"""
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        sect.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(round(LINE_PITCH.pt * 20)))


def _char_spacing(style, size: Pt):
    """Condense 3号 text so that CHARS_PER_LINE characters fill the 156 mm line exactly."""
    twentieths = int((TYPE_WIDTH / CHARS_PER_LINE - size.pt) * 20) - 1  # a hair under, never 27 a line
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(twentieths))
    style.element.get_or_add_rPr().append(spacing)


def _add_styles(doc):
    """The named styles, those the template lacks (all of them in ours)."""
    for name, (font, size, alignment, indent, colour) in STYLES.items():
        if name in [style.name for style in doc.styles]:
            continue
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        _fonts(style, font)
        style.font.size = size
        if colour is not None:
            style.font.color.rgb = colour
        if size == SIZE_3:
            _char_spacing(style, size)
        fmt = style.paragraph_format
        fmt.alignment = alignment
        if indent > 0:
            fmt.first_line_indent = Pt(size.pt * indent)
        elif indent < 0:
            fmt.right_indent = Pt(size.pt * -indent)
        fmt.space_before = fmt.space_after = Pt(0)
        if name == "公文-表格":  # 5号 rows, off the 22-line grid
            fmt.line_spacing = 1.0
            snap = OxmlElement("w:snapToGrid")
            snap.set(qn("w:val"), "0")
            style.element.get_or_add_pPr().append(snap)
        elif name not in ("公文-发文机关标志", "公文-标题"):
            fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE_PITCH


def default_template() -> Document:
    """Our GB/T 9704 template: page, grid and styles, no content."""
    doc = Document()
    normal = doc.styles["Normal"]
    _fonts(normal, FANGSONG)
    normal.font.size = SIZE_3
    section = doc.sections[0]
    for name, value in PAGE.items():
        setattr(section, name, value)
    section.footer_distance = Mm(28) - Pt(14)  # the page number sits 7 mm below the type area
    _grid(section)
    _add_styles(doc)
    return doc


def _template() -> Document:
    if not settings.CIRCULAR_DOCX_TEMPLATE:
        return default_template()
    doc = Document(str(Path(settings.CIRCULAR_DOCX_TEMPLATE)))
    _add_styles(doc)
    return doc


def _paragraph(doc, style: str, text: str = ""):
    paragraph = doc.add_paragraph(style=style)
    if text:
        run = paragraph.add_run(xml_text(text))
        _fonts(run, STYLES[style][0])  # WPS ignores the style's East Asian font without it
    return paragraph


def _red_rule(paragraph):
    """The 版头 separator: a red line under the document number (§7.2.4), as a bottom border."""
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "8"), ("w:color", "FF0000")):
        bottom.set(qn(key), value)
    border.append(bottom)
    paragraph._p.get_or_add_pPr().append(border)


def _page_numbers(doc):
    """"— 1 —" in 4号 宋体, right on odd pages and left on even ones (§7.5)."""
    if doc.settings.element.find(qn("w:evenAndOddHeaders")) is None:
        doc.settings.element.append(OxmlElement("w:evenAndOddHeaders"))
    section = doc.sections[0]
    for footer, alignment in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.style = doc.styles["公文-页码"]
        paragraph.alignment = alignment
        for text in ("— ", None, " —"):
            run = paragraph.add_run(text)
            _fonts(run, SONGTI)
            if text is None:  # the PAGE field
                for kind in ("begin", "instr", "end"):
                    if kind == "instr":
                        element = OxmlElement("w:instrText")
                        element.set(qn("xml:space"), "preserve")
                        element.text = "PAGE"
                    else:
                        element = OxmlElement("w:fldChar")
                        element.set(qn("w:fldCharType"), kind)
                    run._r.append(element)


def masthead_size(issuer: str) -> Pt:
    """The 发文机关标志 as large as one line of the type area allows, at most 2号 × 1.6 (§7.2.3
    leaves the size to the issuer; a long name gets smaller type, never a second line)."""
    return Pt(min(35, int(TYPE_WIDTH / (len(issuer) + 2) * 0.95)))


def _date_text(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"  # §7.3.5.4: Arabic numerals, no leading zeros


def _annex(doc, document: CircularDocument):
    doc.add_section(WD_SECTION.NEW_PAGE)
    _paragraph(doc, "公文-附件标记", "附件")
    _paragraph(doc, "公文-标题", "问题清单")
    table = doc.add_table(rows=1, cols=len(ANNEX_COLUMNS))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    total = sum(width for _label, width in ANNEX_COLUMNS)
    widths = [Mm(156 * width / total) for _label, width in ANNEX_COLUMNS]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for cell, (label, _width), width in zip(table.rows[0].cells, ANNEX_COLUMNS, widths, strict=True):
        cell.width = width
        cell.paragraphs[0].style = doc.styles["公文-表格"]
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        _fonts(run, HEITI)
    for item in document.items:
        cells = table.add_row().cells
        values = (str(item.number), item.unit, item.window, f"{item.category_class}／{item.category}（{item.severity}）",
                  item.text, item.opinion, item.deadline)
        for cell, value, width in zip(cells, values, widths, strict=True):
            cell.width = width
            cell.paragraphs[0].style = doc.styles["公文-表格"]
            _fonts(cell.paragraphs[0].add_run(xml_text(value)), FANGSONG)


def write_docx(document: CircularDocument, handle):
    doc = _template()
    masthead = _paragraph(doc, "公文-发文机关标志", f"{document.issuer}文件")
    masthead.runs[0].font.size = masthead_size(document.issuer)
    number = _paragraph(doc, "公文-发文字号", document.number)
    _red_rule(number)
    _paragraph(doc, "公文-正文")  # a blank line under the red rule (§7.3.1)
    _paragraph(doc, "公文-标题", document.title)
    _paragraph(doc, "公文-正文")
    if document.corrects:
        _paragraph(doc, "公文-正文", f"本通报更正{document.corrects}。")
    for text in filter(None, document.lead.splitlines()):
        _paragraph(doc, "公文-正文", text.strip())
    for section in document.sections:
        _paragraph(doc, "公文-一级标题", f"{section.number}、{section.title}")
        for item in section.items:
            _paragraph(doc, "公文-正文", f"{item.number}. {item.text}")
    body = []
    for number, heading, text in document.closing:
        body.append(_paragraph(doc, "公文-一级标题", f"{number}、{heading}"))
        body += [_paragraph(doc, "公文-正文", line.strip()) for line in filter(None, text.splitlines())]
    # The issuer and the date never stand alone on a page (§7.3.5): the last lines of the body,
    # the 附件 line and the signature are kept on one page.
    tail = body[-2:] + [_paragraph(doc, "公文-正文")]
    if document.items:
        tail += [_paragraph(doc, "公文-正文", "附件：问题清单"), _paragraph(doc, "公文-正文")]
    tail.append(_paragraph(doc, "公文-署名", document.issuer))
    _paragraph(doc, "公文-署名", _date_text(document.issue_date))
    for paragraph in tail:
        paragraph.paragraph_format.keep_with_next = True
    _page_numbers(doc)
    if document.items:
        _annex(doc, document)
    doc.save(handle)

