"""From positioned text on pages (a PDF's text layer, OCR boxes, an OFD's text objects) to paragraphs.

Paged formats lose what a .docx keeps: a paragraph is cut into lines at the page width and again at every page
break, and each page repeats its running header, footer and page number ("— 3 —").  Left as they are, a heading such
as "（一）强化组织领导" may sit in the middle of a "paragraph" made of a page footer and the next page's first line, and
the structure parser never sees it.  Here every format hands over lines with their boxes, and one set of rules puts
the paragraphs back:

- page numbers and lines repeated in the top or bottom band of most pages are page furniture, and go;
- a line continues the previous one when the previous line runs to the right margin (it was wrapped), and the line
  itself is neither indented (公文 indent a paragraph's first line by two characters) nor a heading of the ladder
  (一、 （一） 1. （1））; that holds across a page break too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from statistics import median

from .structure import heading_level


@dataclass
class Line:
    """One line of text with its box, in page units with the origin at the top left (y grows downwards)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def height(self) -> float:
        return self.y1 - self.y0


@dataclass
class Page:
    """The lines of one page in reading order, the page's size and where its text came from."""

    lines: list[Line]
    width: float
    height: float
    source: str = "text"  # "text": a text layer; "ocr": recognised from the page's image
    notes: list[str] = field(default_factory=list)


# "— 3 —", "- 3 -", "3", "第3页", "第 3 页 共 9 页", "3/9"; OCR reads the dashes of "— 3 —" as 一 or _ too
_DASHES = r"[\s—–\-－~～·•一_]*"
PAGE_NUMBER = re.compile(rf"^{_DASHES}(第\s*)?\d{{1,4}}(\s*页)?(\s*[/／]\s*\d{{1,4}}|\s*共\s*\d{{1,4}}\s*页)?{_DASHES}$")
BAND = 0.12  # top and bottom share of a page where running headers, footers and page numbers live


def group_lines(boxes: list[tuple[str, float, float, float, float]]) -> list[Line]:
    """Boxes ``(text, x0, y0, x1, y1)`` into lines: a box joins a line when their vertical spans mostly overlap.

    Lines come out top to bottom, each line's pieces left to right (the reading order of a horizontal 公文 page).
    """
    lines: list[list[tuple[str, float, float, float, float]]] = []
    for box in sorted(boxes, key=lambda b: (b[2] + b[4]) / 2):
        text, x0, y0, x1, y1 = box
        if not text.strip():
            continue
        centre = (y0 + y1) / 2
        for line in reversed(lines[-3:]):
            ly0, ly1 = min(b[2] for b in line), max(b[4] for b in line)
            # either centre inside the other's span: a small glyph (a quote mark, a fallback font) joins its line
            if ly0 <= centre <= ly1 or y0 <= (ly0 + ly1) / 2 <= y1:
                line.append(box)
                break
        else:
            lines.append([box])
    out = []
    for line in lines:
        line.sort(key=lambda b: b[1])
        out.append(Line(_tight("".join(b[0] for b in line)), min(b[1] for b in line), min(b[2] for b in line),
                        max(b[3] for b in line), max(b[4] for b in line)))
    out.sort(key=lambda ln: (ln.y0 + ln.y1) / 2)
    return out


_CJK = "\u4e00-\u9fff，。；：、（）“”"
_LOOSE = re.compile(rf"(?<=[{_CJK}])\s+(?=[0-9A-Za-z%])|(?<=[0-9A-Za-z%])\s+(?=[{_CJK}])")


def _tight(text: str) -> str:
    """Remove the spaces a text layer puts where justified CJK text spreads around digits ("召开 5 次")."""
    return _LOOSE.sub("", text.strip())


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_furniture(pages: list[Page]) -> None:
    """Remove page numbers and running headers/footers (in place); what was removed is noted on each page."""
    def in_band(line: Line, page: Page) -> bool:
        return line.y1 <= page.height * BAND or line.y0 >= page.height * (1 - BAND)

    counts: dict[str, int] = {}
    for page in pages:
        for key in {_furniture_key(ln.text) for ln in page.lines if in_band(ln, page)}:
            counts[key] = counts.get(key, 0) + 1
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, 0.5 * len(pages))}
    for page in pages:
        kept = []
        for i, line in enumerate(page.lines):
            edge = i < 2 or i >= len(page.lines) - 2 or in_band(line, page)
            if edge and (PAGE_NUMBER.match(line.text) or (in_band(line, page)
                                                          and _furniture_key(line.text) in repeated)):
                page.notes.append(line.text)
                continue
            kept.append(line)
        page.lines = kept


@dataclass
class _Metrics:
    left: float
    right: float
    size: float


def _metrics(page: Page) -> _Metrics:
    if not page.lines:
        return _Metrics(0, page.width, 1)
    size = median(ln.height for ln in page.lines) or 1
    lefts = sorted(ln.x0 for ln in page.lines)
    rights = sorted(ln.x1 for ln in page.lines)
    return _Metrics(lefts[len(lefts) // 10], rights[min(len(rights) - 1, len(rights) * 9 // 10)], size)


def paragraphs(pages: list[Page]) -> list[tuple[str, str]]:
    """Rejoin wrapped lines into paragraphs across lines and pages: ``(paragraph, source)`` in reading order."""
    out: list[tuple[str, str]] = []
    previous: tuple[Line, _Metrics] | None = None
    for page in pages:
        metrics = _metrics(page)
        for line in page.lines:
            text = line.text.strip()
            if not text:
                continue
            joins = False
            if previous is not None and out and out[-1][1] == page.source:
                prev_line, prev_metrics = previous
                wrapped = prev_line.x1 >= prev_metrics.right - 1.2 * prev_metrics.size
                indented = line.x0 > metrics.left + 0.8 * metrics.size
                joins = wrapped and not indented and heading_level(text) is None
            if joins:
                glue = " " if re.match(r"[A-Za-z]", text) and re.search(r"[A-Za-z,.;:]$", out[-1][0]) else ""
                out[-1] = (out[-1][0] + glue + text, page.source)
            else:
                out.append((text, page.source))
            previous = (line, metrics)
    return out
