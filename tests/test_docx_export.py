"""The Word export in 公文 form, reopened with python-docx: page, fonts (East-Asian), sizes, spacing, highlights."""
from __future__ import annotations

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from assistant.docx_export import write_docx

SECTIONS = [
    {"heading": "二、存在的问题", "paragraphs": [
        "（一）宣传发动不够深入。全年开展宣传XX次，仍有X个乡镇覆盖不足。",
        "一是线索摸排不到位。摸排方式单一，线索来源较窄。",
    ]},
    {"heading": "三、下步工作打算", "paragraphs": ["（一）强化线索摸排", "深入重点行业领域开展摸排。"]},
]


def _east_asia(run):
    return run._element.rPr.rFonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    path = write_docx(tmp_path_factory.mktemp("docx") / "draft.docx", "某县市场监督管理局关于扫黑除恶工作情况的汇报",
                      SECTIONS, placeholders=["X个", "XX次"])
    assert path.exists() and path.suffix == ".docx"
    return docx.Document(str(path))


def test_page_is_a4_with_official_margins(document):
    s = document.sections[0]
    mm = [round(x.mm, 1) for x in (s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin,
                                    s.right_margin)]  # stored in twips: 210 mm reads back as 210.0009 mm
    assert mm == [210, 297, 37, 35, 28, 26]


def test_paragraph_texts_in_order(document):
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts == ["某县市场监督管理局关于扫黑除恶工作情况的汇报", "二、存在的问题", *SECTIONS[0]["paragraphs"],
                     "三、下步工作打算", *SECTIONS[1]["paragraphs"]]


def test_title_font_and_size(document):
    title = document.paragraphs[0]
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert {(_east_asia(r), r.font.size) for r in title.runs} == {("方正小标宋简体", Pt(22))}


def test_heading_fonts(document):
    by_text = {p.text: p for p in document.paragraphs}
    assert {_east_asia(r) for r in by_text["二、存在的问题"].runs} == {"黑体"}
    numbered = by_text[SECTIONS[0]["paragraphs"][0]].runs
    assert (numbered[0].text, _east_asia(numbered[0])) == ("（一）宣传发动不够深入。", "楷体_GB2312")
    assert {_east_asia(r) for r in numbered[1:]} == {"仿宋_GB2312"}  # the rest of the paragraph is body text
    assert {_east_asia(r) for r in by_text["（一）强化线索摸排"].runs} == {"楷体_GB2312"}


def test_body_font_size_spacing_and_indent(document):
    body = next(p for p in document.paragraphs if p.text.startswith("一是"))
    assert {(_east_asia(r), r.font.name, r.font.size) for r in body.runs} == {("仿宋_GB2312", "仿宋_GB2312", Pt(16))}
    fmt = body.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and fmt.line_spacing == Pt(28)
    assert fmt.first_line_indent == Pt(32)  # two characters of 三号
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16) and normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert all(p.paragraph_format.line_spacing == Pt(28) for p in document.paragraphs)


def test_placeholders_are_highlighted(document):
    runs = [r for p in document.paragraphs for r in p.runs]
    marked = {r.text for r in runs if r.font.highlight_color == WD_COLOR_INDEX.YELLOW}
    assert marked == {"X个", "XX次"}
    assert all(r.font.highlight_color is None for r in runs if r.text not in marked)
