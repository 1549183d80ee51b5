"""A draft as a Word file in 公文 form (GB/T 9704 conventions), with python-docx.

A4 with margins 37/35/28/26 mm (top/bottom/left/right); the title in 方正小标宋简体 二号 (22 pt) centred; body
text in 仿宋_GB2312 三号 (16 pt) on fixed 28 pt lines, first lines indented two characters; 一、 headings in 黑体 and
（一） headings in 楷体_GB2312 (三号); 1. and （1） stay in 仿宋.  A paragraph that opens with its heading sentence
("（一）宣传发动不够深入。通过…") gets that sentence in the heading font and the rest in the body font.
Placeholders the draft could not fill (X个, XX次) are highlighted yellow so the writer sees what to complete.

Chinese fonts must be named for East-Asian text (``w:eastAsia`` on each run's ``rFonts`` and on the Normal style):
``run.font.name`` alone only sets the Latin font, and Word would render the Chinese in its default font.
"""
from __future__ import annotations

import re
from pathlib import Path

from ingest.structure import heading_level

TITLE_FONT, BODY_FONT, H1_FONT, H2_FONT = "方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"
TITLE_SIZE, BODY_SIZE, LINE = 22, 16, 28  # pt: 二号, 三号, fixed line pitch
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _set_font(run, name: str, size: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name  # Latin (w:ascii, w:hAnsi)
    run.font.size = Pt(size)
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _format(paragraph, indent: bool = True, centred: bool = False) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Pt

    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE)
    fmt.space_before = fmt.space_after = Pt(0)
    if centred:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        fmt.first_line_indent = Pt(2 * BODY_SIZE)  # two characters of 三号
        paragraph._p.get_or_add_pPr().get_or_add_ind().set(qn("w:firstLineChars"), "200")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _add_runs(paragraph, text: str, font: str, size: float, placeholders: re.Pattern | None) -> None:
    """Add ``text`` in ``font``, placeholders as separate yellow-highlighted runs."""
    from docx.enum.text import WD_COLOR_INDEX

    pieces = placeholders.split(text) if placeholders else [text]
    for i, piece in enumerate(pieces):  # split() with one group: odd pieces are the placeholders
        if not piece:
            continue
        run = paragraph.add_run(piece)
        _set_font(run, font, size)
        if i % 2:
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _heading_font(text: str) -> str | None:
    level = heading_level(text)
    return {1: H1_FONT, 2: H2_FONT}.get(level[0]) if level else None


def _add_paragraph(doc, text: str, placeholders: re.Pattern | None):
    """A body paragraph; one that opens with a 一、/（一） heading sentence gets it in the heading font."""
    paragraph = doc.add_paragraph()
    _format(paragraph)
    font = _heading_font(text)
    if font:
        head = re.match(r"[^。！？：:]*[。！？：:]?", text).group(0)
        _add_runs(paragraph, head, font, BODY_SIZE, placeholders)
        text = text[len(head):]
    if text:
        _add_runs(paragraph, text, BODY_FONT, BODY_SIZE, placeholders)
    return paragraph


def write_docx(path: str | Path, title: str, sections: list[dict], placeholders: list[str] = ()) -> Path:
    """Write ``title`` and ``sections`` ([{"heading": "二、存在的问题", "paragraphs": ["一是……", …]}]) to ``path``.

    ``placeholders``: the strings to highlight wherever they occur ("X个", "XX次").
    """
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side, mm in MARGINS_MM.items():
        setattr(section, f"{side}_margin", Mm(mm))
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = BODY_FONT, Pt(BODY_SIZE)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)

    wanted = sorted({p for p in placeholders if p}, key=len, reverse=True)  # longest first: XX次 before X次
    pattern = re.compile("(" + "|".join(map(re.escape, wanted)) + ")") if wanted else None

    heading = doc.add_paragraph()
    _format(heading, centred=True)
    _add_runs(heading, title, TITLE_FONT, TITLE_SIZE, pattern)
    _format(doc.add_paragraph(), indent=False)  # one blank line between the title and the text
    for part in sections:
        if part.get("heading"):
            paragraph = doc.add_paragraph()
            _format(paragraph)
            _add_runs(paragraph, part["heading"], _heading_font(part["heading"]) or H1_FONT, BODY_SIZE, pattern)
        for text in part.get("paragraphs", []):
            _add_paragraph(doc, text, pattern)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
