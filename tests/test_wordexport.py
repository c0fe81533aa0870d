"""The Word kit lays documents out as official documents are laid out: A4 with the
GB/T 9704 margins, Chinese faces named through ``w:eastAsia``, headings numbered 一、（一）
1.（1）, page numbers “— 1 —” as a PAGE field, rules where Word reads them."""

import ast
import io
from pathlib import Path

import pytest
from django.utils import translation
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from assistance import wordexport
from assistance.wordexport import OfficialDocument, chinese_number, item_label

W_EAST_ASIA = qn("w:eastAsia")


def _reopened(doc: OfficialDocument):
    """The document as Word would read it: saved, then opened again."""
    return Document(io.BytesIO(doc.to_bytes()))


def _fonts(run):
    return run._element.rPr.rFonts


def _children(paragraph) -> list[str]:
    return [child.tag.rpartition("}")[2] for child in paragraph._p.pPr]


# --- Page and styles --------------------------------------------------------------------------


def test_the_official_page_is_a4_with_the_gbt_9704_margins():
    section = _reopened(OfficialDocument()).sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]


def test_a_page_layout_of_its_own_and_the_footer_distance():
    page = wordexport.PageLayout(top=18, bottom=18, left=18, right=18, footer_distance=20)
    section = _reopened(OfficialDocument(page=page)).sections[0]
    assert round(section.left_margin.mm) == 18
    assert round(section.footer_distance.mm) == 20
    assert page.text_width == Mm(210 - 36)


def test_the_normal_style_names_the_east_asian_face_beside_the_latin_one():
    document = _reopened(OfficialDocument(line_spacing=28))
    normal = document.styles["Normal"]
    fonts = normal.element.rPr.rFonts
    assert fonts.get(W_EAST_ASIA) == "仿宋"
    assert fonts.get(qn("w:ascii")) == "Times New Roman"
    assert normal.font.size == Pt(16)
    # A fixed 28 pt grid.
    assert normal.paragraph_format.line_spacing == Pt(28)
    assert normal.element.pPr.spacing.get(qn("w:lineRule")) == "exact"


def test_a_report_keeps_the_theme_latin_face_when_it_names_none():
    fonts = wordexport.Fonts(body="SimSun", latin=None)
    normal = _reopened(OfficialDocument(fonts=fonts, size=10.5)).styles["Normal"]
    rfonts = normal.element.rPr.rFonts
    assert rfonts.get(W_EAST_ASIA) == "SimSun"
    assert rfonts.get(qn("w:ascii")) is None
    assert normal.font.size == Pt(10.5)


# --- Paragraphs -------------------------------------------------------------------------------


def test_every_run_of_the_kit_names_its_east_asian_face():
    doc = OfficialDocument()
    doc.title("会议纪要", red=True)
    doc.body("正文")
    document = _reopened(doc)
    title, body = document.paragraphs
    assert _fonts(title.runs[0]).get(W_EAST_ASIA) == "方正小标宋简体"
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0].font.color.rgb == wordexport.RED
    assert _fonts(body.runs[0]).get(W_EAST_ASIA) == "仿宋"
    assert _fonts(body.runs[0]).get(qn("w:ascii")) == "Times New Roman"


def test_body_paragraphs_begin_two_characters_in():
    doc = OfficialDocument()
    body = doc.body("正文")
    small = doc.body("附注", size=14)
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert small.paragraph_format.first_line_indent == Pt(28)


def test_a_tight_document_sets_paragraphs_solid_unless_told():
    doc = OfficialDocument(tight=True)
    solid = doc.body("正文")
    spaced = doc.body("正文", space_after=4)
    assert (solid.paragraph_format.space_before, solid.paragraph_format.space_after) == (0, 0)
    assert spaced.paragraph_format.space_after == Pt(4)
    loose = OfficialDocument().body("正文")
    assert loose.paragraph_format.space_after is None


@pytest.mark.parametrize(
    ("level", "face", "label"),
    [(1, "黑体", "一、"), (2, "楷体", "（二）"), (3, "仿宋", "3."), (4, "仿宋", "（4）")],
)
def test_headings_by_level_in_their_faces_and_numbers(level, face, label):
    with translation.override("zh-hans"):
        heading = OfficialDocument().heading("工作要求", level=level, number=level)
    assert heading.text == f"{label}工作要求"
    assert _fonts(heading.runs[0]).get(W_EAST_ASIA) == face


def test_an_unnumbered_heading_is_its_text():
    assert OfficialDocument().heading("议定事项").text == "议定事项"


# --- Numbering --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (25, "二十五"), (99, "九十九")],
)
def test_chinese_numbers(number, text):
    assert chinese_number(number) == text


def test_from_a_hundred_on_the_digits():
    assert chinese_number(100) == "100"
    with translation.override("zh-hans"):
        assert item_label(120) == "120、"


@pytest.mark.parametrize(
    ("level", "chinese", "english"),
    [(1, "三、", "3. "), (2, "（三）", "(3) "), (3, "3.", "3. "), (4, "（3）", "(3) ")],
)
def test_item_labels_by_level_and_language(level, chinese, english):
    with translation.override("zh-hans"):
        assert item_label(3, level=level) == chinese
        assert item_label(3, level=level, latin_space=False) == chinese
    with translation.override("en"):
        assert item_label(3, level=level) == english
        assert item_label(3, level=level, latin_space=False) == english.rstrip()


# --- Header, signature, distribution ----------------------------------------------------------


def test_the_masthead_sets_office_and_date_apart_over_the_red_rule():
    doc = OfficialDocument()
    masthead = doc.masthead("某县联席会议办公室", "2026年3月16日")
    assert masthead.text == "某县联席会议办公室\t2026年3月16日"
    (stop,) = masthead.paragraph_format.tab_stops
    # At the right margin: 210 - 28 - 26 mm.
    assert round(stop.position.mm) == 156
    bottom = masthead._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert (bottom.get(qn("w:color")), bottom.get(qn("w:sz"))) == ("C00000", "18")
    # Borders where the schema puts them, before the tabs and the spacing.
    children = _children(masthead)
    assert children.index("pBdr") < children.index("tabs") < children.index("spacing")


def test_the_document_number_over_the_red_rule():
    doc = OfficialDocument()
    plain = doc.document_number("第3期")
    ruled = doc.document_number("某办〔2026〕1号", red_rule=True)
    assert plain.text == "第3期" and plain._p.pPr.find(qn("w:pBdr")) is None
    assert ruled.alignment == WD_ALIGN_PARAGRAPH.CENTER
    children = _children(ruled)
    assert children.index("pBdr") < children.index("jc")
    bottom = ruled._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom"))
    assert bottom.get(qn("w:color")) == "C00000"


def test_the_signature_block_is_on_the_right():
    doc = OfficialDocument()
    doc.signature("某县联席会议办公室", "2026年3月16日")
    office, date = doc.document.paragraphs
    assert (office.text, date.text) == ("某县联席会议办公室", "2026年3月16日")
    right = WD_ALIGN_PARAGRAPH.RIGHT
    assert office.alignment == right and date.alignment == right


def test_the_distribution_block_between_its_rules():
    doc = OfficialDocument(tight=True)
    doc.distribution(
        ["主送：各成员单位。", "抄报：某县人民政府。"], issuer="办公室", issued="2026年3月16日印发"
    )
    to, reported, printed = doc.document.paragraphs
    assert to.paragraph_format.space_before == Pt(24)
    assert to._p.pPr.find(qn("w:pBdr")).find(qn("w:top")) is not None
    assert reported._p.pPr.find(qn("w:pBdr")) is None
    assert printed.text == "办公室\t2026年3月16日印发"
    borders = [child.tag.rpartition("}")[2] for child in printed._p.pPr.find(qn("w:pBdr"))]
    assert borders == ["top", "bottom"]
    assert all(run.font.size == Pt(14) for p in (to, printed) for run in p.runs)


# --- Page numbers -----------------------------------------------------------------------------


def test_page_numbers_are_a_page_field_between_dashes():
    doc = OfficialDocument()
    doc.page_numbers()
    footer = _reopened(doc).sections[0].footer.paragraphs[0]
    assert footer.alignment == WD_ALIGN_PARAGRAPH.CENTER
    before, field, after = footer.runs
    assert (before.text, after.text) == ("— ", " —")
    kinds = [e.get(qn("w:fldCharType")) for e in field._r.findall(qn("w:fldChar"))]
    assert kinds == ["begin", "end"]
    assert field._r.find(qn("w:instrText")).text.strip() == "PAGE"
    for run in footer.runs:
        assert _fonts(run).get(W_EAST_ASIA) == "仿宋"
        assert run.font.size == Pt(14)


def test_plain_page_numbers_after_a_prefix():
    doc = OfficialDocument()
    doc.page_numbers(prefix="第 ", suffix="", plain=True)
    footer = _reopened(doc).sections[0].footer.paragraphs[0]
    prefix, field = footer.runs
    assert prefix.text == "第 " and prefix._element.rPr is None
    assert "PAGE" in field._r.find(qn("w:instrText")).text


# --- Tables and plain pieces ------------------------------------------------------------------


def test_a_table_repeats_its_shaded_header_and_highlights_rows():
    doc = OfficialDocument()
    widths = [Mm(40), Mm(60)]
    doc.table(
        ["单位", "结果"],
        [(["公安局", "有记录"], True), (["税务局", "无记录"], False)],
        widths=widths,
        highlight_fill="FCE8B2",
    )
    (table,) = _reopened(doc).tables
    header, found, nothing = table.rows
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in header.cells] == ["单位", "结果"]

    def fill(cell):
        shading = cell._tc.tcPr.find(qn("w:shd"))
        return shading.get(qn("w:fill")) if shading is not None else None

    assert {fill(c) for c in header.cells} == {wordexport.TABLE_HEADER_FILL}
    assert {fill(c) for c in found.cells} == {"FCE8B2"}
    assert {fill(c) for c in nothing.cells} == {None}
    assert all(c.paragraphs[0].runs[-1].bold for c in found.cells)
    assert not any(c.paragraphs[0].runs[-1].bold for c in nothing.cells)
    assert [round(c.width.mm) for c in found.cells] == [40, 60]
    # The width comes before the shading, as the schema orders a cell's properties.
    properties = [child.tag.rpartition("}")[2] for child in found.cells[0]._tc.tcPr]
    assert properties.index("tcW") < properties.index("shd")


def test_a_label_table_shades_its_labels():
    doc = OfficialDocument()
    doc.label_table([("地址", "某街道1号"), ("状态", "已完成")])
    (table,) = doc.document.tables
    assert [[c.text for c in row.cells] for row in table.rows] == [
        ["地址", "某街道1号"],
        ["状态", "已完成"],
    ]
    label, value = table.rows[0].cells
    assert label.paragraphs[0].runs[-1].bold and not value.paragraphs[0].runs[-1].bold
    assert label._tc.tcPr.find(qn("w:shd")) is not None
    assert value._tc.tcPr is None or value._tc.tcPr.find(qn("w:shd")) is None


def test_plain_notes_and_outline_headings_keep_the_styles():
    doc = OfficialDocument()
    doc.outline_heading("核对报告", level=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    note = doc.note("说明", italic=True)
    title = doc.document.paragraphs[0]
    assert title.style.name == "Title" and title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert note.runs[0].italic and note.runs[0]._element.rPr.rFonts is None


def test_the_saved_document_carries_its_properties():
    doc = OfficialDocument()
    doc.properties(title="会议纪要", author="办公室")
    document = _reopened(doc)
    assert (document.core_properties.title, document.core_properties.author) == (
        "会议纪要",
        "办公室",
    )


# --- Layer ------------------------------------------------------------------------------------


def test_the_kit_imports_no_feature_app_and_python_docx_only_inside_functions():
    # python-docx loads when a document is written, not when a worker imports the kit;
    # it is imported for type checking alone at the top.
    tree = ast.parse(Path(wordexport.__file__).read_text(encoding="utf-8"))
    type_checking = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
    )
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
            packages = {name.split(".")[0] for name in names}
            if node in tree.body:
                assert "docx" not in packages, f"python-docx imported at line {node.lineno}"
            elif node not in type_checking.body:
                assert packages == {"docx"}, f"{packages} imported in a function, {node.lineno}"
            imported |= packages
    assert imported <= {
        "__future__",
        "functools",
        "io",
        "collections",
        "dataclasses",
        "typing",
        "django",
        "docx",
        "assistance",
    }
