"""The office's Word kit: every DOCX the application writes (the minutes, the agenda notice,
the verification report) is put together from the pieces here, so that fonts, numbering,
tables and page numbers are made one way.

``OfficialDocument`` lays a document out after GB/T 9704 (the layout of official documents,
公文) by default: A4 with 37 mm top, 35 mm bottom, 28 mm left and 26 mm right margins; the
title in 小标宋 二号 (22 pt), the body in 仿宋 三号 (16 pt) with a first-line indent of two
characters, headings numbered 一、（一）1.（1） in 黑体, 楷体, then the body face; the
document number, the issuing office over a red rule, the signature and date on the right,
the distribution block (版记) at the foot and page numbers "— 1 —" in the footer. A writer
may pass its own ``PageLayout`` and ``Fonts`` (the verification report is a compact A4
report, not an official document).

Chinese text needs its font named apart: python-docx's ``font.name`` sets only the Latin
faces (``w:ascii``/``w:hAnsi``), and Word would print Chinese in the theme's East Asian font.
``set_fonts`` sets ``w:eastAsia`` beside them.

Base layer: imports Django's translation and python-docx only, no feature app. python-docx
(8 MB with lxml) is imported inside the functions that use it, so it loads only when a
document is written: every Celery worker imports this module (with the apps' services and
views) and most never write one.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import get_language

if TYPE_CHECKING:
    from docx.shared import Length, RGBColor

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LATIN_FONT = "Times New Roman"
# The kit's colours (RRGGBB); ``wordexport.RED`` and ``wordexport.BLACK`` are python-docx's
# RGBColor, made on first use (``__getattr__`` below).
_COLORS = {"RED": "C00000", "BLACK": "000000"}
BODY_SIZE = 16  # 三号
TITLE_SIZE = 22  # 二号
SMALL_SIZE = 14  # 四号: page numbers and the distribution block
TABLE_HEADER_FILL = "D9E2F3"

# Word reads the children of these properties in the schema's order only: a border or a
# shading appended after the spacing or the alignment may be ignored, or the file refused.
_PARAGRAPH_PROPERTIES = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers"
    " pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct"
    " autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing"
    " mirrorIndents suppressOverlap jc textDirection textAlignment textboxTightWrap"
    " outlineLvl divId cnfStyle rPr sectPr pPrChange"
)
_BORDERS = "top left bottom right between bar"
_CELL_PROPERTIES = (
    "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText"
    " vAlign hideMark headers cellIns cellDel cellMerge tcPrChange"
)


def _insert(parent, child, order: str) -> None:
    """Put ``child`` among ``parent``'s children where ``order`` (the schema's sequence of
    local names) says it belongs."""
    from docx.oxml.ns import qn

    tags = [qn(f"w:{name}") for name in order.split()]
    later = set(tags[tags.index(child.tag) + 1 :])
    successor = next((e for e in parent if e.tag in later), None)
    if successor is None:
        parent.append(child)
    else:
        successor.addprevious(child)


@dataclass(frozen=True)
class Fonts:
    """East Asian faces by role, and the Latin face set beside them (None: the theme's)."""

    title: str = "方正小标宋简体"
    body: str = "仿宋"
    heading: str = "黑体"
    kai: str = "楷体"
    latin: str | None = LATIN_FONT


@dataclass(frozen=True)
class PageLayout:
    """An A4 portrait page: margins in millimetres; the footer's distance from the page's
    edge (None: Word's default)."""

    top: float
    bottom: float
    left: float
    right: float
    footer_distance: float | None = None
    width: float = 210
    height: float = 297

    @property
    def text_width(self) -> Length:
        from docx.shared import Mm

        return Mm(self.width - self.left - self.right)


OFFICIAL_FONTS = Fonts()
OFFICIAL_PAGE = PageLayout(top=37, bottom=35, left=28, right=26)


@functools.cache
def _color(name: str) -> RGBColor:
    """The kit's colour ``name`` (a key of ``_COLORS``) as python-docx's RGBColor."""
    from docx.shared import RGBColor

    return RGBColor.from_string(_COLORS[name])


def __getattr__(name: str):
    # ``RED`` and ``BLACK``, built when first read rather than when the module is imported.
    if name in _COLORS:
        return _color(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- Numbering ----------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五; from 100 on, the digits."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    if tens >= 10:
        return str(n)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[ones] if ones else "")


def item_label(number: int, *, level: int = 1, latin_space: bool = True) -> str:
    """The label of a numbered heading or item: in Chinese 一、（一）1.（1） by level, as
    official documents number them; otherwise 1. (1) 1. (1), followed by a space unless
    ``latin_space`` is false."""
    if (get_language() or "").lower().startswith("zh"):
        if level == 1:
            return f"{chinese_number(number)}、"
        if level == 2:
            return f"（{chinese_number(number)}）"
        return f"{number}." if level == 3 else f"（{number}）"
    label = f"{number}." if level % 2 else f"({number})"
    return label + (" " if latin_space else "")


# --- Runs, paragraphs, fields --------------------------------------------------------------


def set_fonts(run_or_style, east_asian: str, latin: str | None = LATIN_FONT) -> None:
    """The Latin face (``font.name``) and the East Asian face (``w:eastAsia``) of a run or a
    style."""
    from docx.oxml.ns import qn

    if latin:
        run_or_style.font.name = latin
    rpr = run_or_style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def add_run(
    paragraph,
    text: str = "",
    *,
    east_asian: str | None = None,
    latin: str | None = LATIN_FONT,
    size: float | None = None,
    bold: bool | None = None,
    italic: bool | None = None,
    color: RGBColor | None = None,
):
    """A run of ``text``; what is not given is left to the paragraph's style."""
    from docx.shared import Pt

    run = paragraph.add_run(text)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    if italic is not None:
        run.italic = italic
    if color is not None:
        run.font.color.rgb = color
    if east_asian:
        set_fonts(run, east_asian, latin)
    return run


def add_border(paragraph, side: str, *, color: RGBColor, size: int, space: int = 1) -> None:
    """A single line on one ``side`` of a paragraph, ``size`` in eighths of a point."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = paragraph._p.get_or_add_pPr()
    borders = properties.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        _insert(properties, borders, _PARAGRAPH_PROPERTIES)
    attributes = {
        "w:val": "single",
        "w:sz": str(size),
        "w:space": str(space),
        "w:color": str(color),
    }
    line = OxmlElement(f"w:{side}", {qn(key): value for key, value in attributes.items()})
    _insert(borders, line, _BORDERS)


def add_right_tab(paragraph, position: Length) -> None:
    from docx.enum.text import WD_TAB_ALIGNMENT

    paragraph.paragraph_format.tab_stops.add_tab_stop(position, WD_TAB_ALIGNMENT.RIGHT)


def add_field(paragraph, instruction: str, **run_format):
    """A field (``PAGE``, ``NUMPAGES``…) that Word computes when it lays the page out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = add_run(paragraph, **run_format)
    for tag, attrs, text in (
        ("w:fldChar", {qn("w:fldCharType"): "begin"}, None),
        ("w:instrText", {qn("xml:space"): "preserve"}, f" {instruction} "),
        ("w:fldChar", {qn("w:fldCharType"): "end"}, None),
    ):
        element = OxmlElement(tag, attrs)
        if text:
            element.text = text
        run._r.append(element)
    return run


def add_page_numbers(section, *, prefix: str = "— ", suffix: str = " —", **run_format):
    """The page number centred in the footer, as official documents print it: “— 1 —”."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if prefix:
        add_run(footer, prefix, **run_format)
    add_field(footer, "PAGE", **run_format)
    if suffix:
        add_run(footer, suffix, **run_format)
    return footer


# --- Tables ---------------------------------------------------------------------------------


def shade(cell, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement(
        "w:shd", {qn("w:val"): "clear", qn("w:color"): "auto", qn("w:fill"): fill}
    )
    _insert(properties, shading, _CELL_PROPERTIES)


def set_cell(cell, text: str, *, bold: bool = False, fill: str | None = None) -> None:
    cell.text = ""
    cell.paragraphs[0].add_run(text).bold = bold
    if fill:
        shade(cell, fill)


def repeat_header(row) -> None:
    """A table that runs over a page repeats this row at the top of the next."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    header = OxmlElement("w:tblHeader", {qn("w:val"): "true"})
    row._tr.get_or_add_trPr().append(header)


def add_table(
    document,
    headers: Sequence[str],
    rows: Iterable[tuple[Sequence[str], bool]],
    *,
    widths: Sequence[Length] | None = None,
    header_fill: str = TABLE_HEADER_FILL,
    highlight_fill: str | None = None,
):
    """A centred grid with a shaded header row repeated on every page; each row is its cell
    texts and whether it is highlighted (bold, shaded with ``highlight_fill``)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        set_cell(cell, text, bold=True, fill=header_fill)
    repeat_header(table.rows[0])
    for values, highlighted in rows:
        fill = highlight_fill if highlighted else None
        for cell, text in zip(table.add_row().cells, values, strict=True):
            set_cell(cell, text, bold=highlighted, fill=fill)
    for row in table.rows if widths else ():
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    return table


def add_label_table(document, pairs: Iterable[tuple[str, str]], *, fill: str = TABLE_HEADER_FILL):
    """A two-column grid of facts: the label bold and shaded, then its value."""
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in pairs:
        cells = table.add_row().cells
        set_cell(cells[0], label, bold=True, fill=fill)
        set_cell(cells[1], value)
    return table


# --- The document ---------------------------------------------------------------------------


def setup_page(section, page: PageLayout) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(page.width), Mm(page.height)
    section.top_margin, section.bottom_margin = Mm(page.top), Mm(page.bottom)
    section.left_margin, section.right_margin = Mm(page.left), Mm(page.right)
    if page.footer_distance is not None:
        section.footer_distance = Mm(page.footer_distance)


def setup_normal_style(document, *, fonts: Fonts, size: float, line_spacing=None) -> None:
    """The Normal style every paragraph starts from: the body face and size, and lines
    exactly ``line_spacing`` points apart when given (a fixed grid)."""
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    normal = document.styles["Normal"]
    normal.font.size = Pt(size)
    set_fonts(normal, fonts.body, fonts.latin)
    if line_spacing is not None:
        normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        normal.paragraph_format.line_spacing = Pt(line_spacing)


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class OfficialDocument:
    """A Word document being written, top to bottom, in the official-document layout (or
    the ``page`` and ``fonts`` given). ``tight``: every paragraph has no space before or
    after unless told (text set on the line grid alone); otherwise Word's defaults apply.
    ``document`` is the python-docx document, for what the kit does not cover."""

    def __init__(
        self,
        *,
        page: PageLayout = OFFICIAL_PAGE,
        fonts: Fonts = OFFICIAL_FONTS,
        size: float = BODY_SIZE,
        line_spacing: float | None = None,
        tight: bool = False,
    ):
        from docx import Document

        self.document = Document()
        self.page, self.fonts, self.size, self.tight = page, fonts, size, tight
        setup_page(self.section, page)
        setup_normal_style(self.document, fonts=fonts, size=size, line_spacing=line_spacing)

    @property
    def section(self):
        return self.document.sections[0]

    def properties(self, *, title: str = "", author: str = "") -> None:
        self.document.core_properties.title = title
        self.document.core_properties.author = author

    def text_format(self, *, font: str | None = None, size: float | None = None) -> dict:
        """How the kit formats a run: the face (the body's unless given) and the size."""
        return {
            "east_asian": font or self.fonts.body,
            "latin": self.fonts.latin,
            "size": self.size if size is None else size,
        }

    def paragraph(
        self,
        text: str = "",
        *,
        font: str | None = None,
        size: float | None = None,
        bold: bool = False,
        color: RGBColor | None = None,
        align=None,
        indent: bool = False,
        space_before: float | None = None,
        space_after: float | None = None,
        line_spacing: float | None = None,
    ):
        """A paragraph of one run; ``indent``: two characters, as Chinese paragraphs begin."""
        from docx.shared import Pt

        paragraph = self.document.add_paragraph()
        fmt = paragraph.paragraph_format
        if align is not None:
            paragraph.alignment = align
        if self.tight:
            space_before = 0 if space_before is None else space_before
            space_after = 0 if space_after is None else space_after
        if space_after is not None:
            fmt.space_after = Pt(space_after)
        if space_before is not None:
            fmt.space_before = Pt(space_before)
        if indent:
            fmt.first_line_indent = Pt((self.size if size is None else size) * 2)
        if line_spacing is not None:
            fmt.line_spacing = Pt(line_spacing)
        if text:
            run_format = self.text_format(font=font, size=size)
            add_run(paragraph, text, bold=bold, color=color, **run_format)
        return paragraph

    def blank(self):
        return self.paragraph()

    def body(self, text: str, **options):
        """A paragraph of the text, indented two characters."""
        return self.paragraph(text, indent=True, **options)

    def heading(self, text: str, *, level: int = 1, number: int | None = None, **options):
        """A heading in the text: 黑体 at level 1, 楷体 at level 2, the body face below;
        numbered 一、（一）1.（1） by level when ``number`` is given."""
        font = {1: self.fonts.heading, 2: self.fonts.kai}.get(level, self.fonts.body)
        label = item_label(number, level=level) if number is not None else ""
        return self.paragraph(f"{label}{text}", font=font, indent=True, **options)

    def title(self, text: str, *, size: float = TITLE_SIZE, red: bool = False, **options):
        """A centred line in the title face: the document's title, or in red its header
        (版头)."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        return self.paragraph(
            text,
            font=self.fonts.title,
            size=size,
            color=_color("RED") if red else None,
            align=WD_ALIGN_PARAGRAPH.CENTER,
            **options,
        )

    def document_number(self, text: str, *, red_rule: bool = False):
        """The document number (发文字号), centred; over the red rule when asked."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = self.paragraph(text, align=WD_ALIGN_PARAGRAPH.CENTER)
        if red_rule:
            add_border(paragraph, "bottom", color=_color("RED"), size=12, space=4)
        return paragraph

    def split_line(self, left: str, right: str, *, size: float | None = None, **options):
        """One line with ``left`` at the left margin and ``right`` at the right one."""
        paragraph = self.paragraph(size=size, **options)
        add_right_tab(paragraph, self.page.text_width)
        run_format = self.text_format(size=size)
        add_run(paragraph, f"{left}\t{right}", **run_format)
        return paragraph

    def masthead(self, office: str, date: str):
        """The issuing office on the left and the date on the right, over the red rule."""
        paragraph = self.split_line(office, date, space_after=12)
        add_border(paragraph, "bottom", color=_color("RED"), size=18)
        return paragraph

    def signature(self, *lines: str, space_after: float | None = None) -> None:
        """The signature block: the issuer, the date, each on its own line on the right."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        for line in lines:
            self.paragraph(line, align=WD_ALIGN_PARAGRAPH.RIGHT, space_after=space_after)

    def distribution(self, recipients: Sequence[str], *, issuer: str, issued: str) -> None:
        """The distribution block (版记) at the foot: the recipients (主送, 抄报…) under a
        rule, then the issuing office and the date of issue between two rules."""
        for number, line in enumerate(recipients):
            if number == 0:
                paragraph = self.paragraph(line, size=SMALL_SIZE, space_before=24)
                add_border(paragraph, "top", color=_color("BLACK"), size=8)
            else:
                self.paragraph(line, size=SMALL_SIZE)
        paragraph = self.split_line(issuer, issued, size=SMALL_SIZE)
        add_border(paragraph, "top", color=_color("BLACK"), size=4)
        add_border(paragraph, "bottom", color=_color("BLACK"), size=8)

    def page_numbers(self, *, prefix: str = "— ", suffix: str = " —", plain: bool = False):
        """Page numbers in the footer, “— 1 —” in the body face by default; ``plain``: in
        the footer's own style."""
        run_format = {} if plain else self.text_format(size=SMALL_SIZE)
        return add_page_numbers(self.section, prefix=prefix, suffix=suffix, **run_format)

    # Plain pieces, in the document's styles (for reports rather than notices).

    def outline_heading(self, text: str, *, level: int, align=None):
        """A heading in Word's own heading styles (level 0: the title), which Word lists in
        its navigation pane."""
        paragraph = self.document.add_heading(text, level=level)
        if align is not None:
            paragraph.alignment = align
        return paragraph

    def note(self, text: str, *, align=None, italic: bool | None = None, color=None):
        """A paragraph in the Normal style, without the kit's fonts."""
        paragraph = self.document.add_paragraph()
        add_run(paragraph, text, italic=italic, color=color)
        if align is not None:
            paragraph.alignment = align
        return paragraph

    def table(self, headers, rows, **options):
        return add_table(self.document, headers, rows, **options)

    def label_table(self, pairs, **options):
        return add_label_table(self.document, pairs, **options)

    def to_bytes(self) -> bytes:
        return to_bytes(self.document)
