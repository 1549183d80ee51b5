"""The 起草 tab's state between UI events: the form as a DraftRequest, the draft text as it streams, the user's own
edits carried into revisions and the Word export.

The draft box is editable: an official fixes a sentence by hand, then asks for 更正式 or exports.  So an edited text
is read back into the draft's points (one line per point after the section heading) before anything else is done
with it; when the user changed the number of lines, the points cannot be matched any more and only the export
takes the text as written.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ingest.sections import POINT_SECTIONS, Section, choices

from ..draft.chain import DraftRequest, draft_to_docx
from ..draft.results import DraftEvent, DraftResult, FinalEvent, PlanEvent, PointEvent, TokenEvent
from ..draft.text import marker
from ..guards import placeholders_in
from .render import escape_md, render_template

# The form's choices as (label shown, value the handlers get): the handlers never read a label.
REPORT = "report"  # the section choice that drafts a whole 工作汇报
SECTION_OPTIONS = [*choices(POINT_SECTIONS, "heading").items(), ("整篇汇报", REPORT)]  # (存在的问题, problems) …
STYLE_OPTIONS = [("一是…二是…", "yishi"), ("（一）（二）…", "numbered")]
TARGET_ALL = "all"  # a revision of every point; a point is chosen by its index


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def make_request(section: str, unit: str, topic: str, length: float, facts: str, outline: str,
                 style: str) -> DraftRequest:
    """The form as a DraftRequest (facts and outline one per line); ValueError with the chain's own message."""
    return DraftRequest(section, unit or "", topic or "", int(length), _lines(facts), _lines(outline), style)


class DraftStream:
    """The draft text while events arrive: headings at once, each point's tokens as they stream, then the checked
    point in its place, then the final text."""

    def __init__(self, request: DraftRequest):
        self.request = request
        self.heading = f"{Section(request.section).number}、{Section(request.section).heading}"
        self.parts: list[str] = []
        self.result: DraftResult | None = None

    def apply(self, event: DraftEvent) -> str:
        match event:
            case PlanEvent(headings=headings):
                self.parts = [f"{marker(self.request.style, i)}{h}。" for i, h in enumerate(headings)]
            case TokenEvent(i=i, text=text):
                self.parts[i] += text
            case PointEvent(i=i, point=point):
                self.parts[i] = point.text
            case FinalEvent(result=result):
                self.result = result
                return result.text
        return "\n".join([self.heading, *self.parts])


def with_edits(result: DraftResult, text: str) -> DraftResult:
    """The draft with the user's edits of the text box: each edited line becomes its point's text and body (the
    marker and heading, when still there, are not body), placeholders are counted again."""
    lines = _lines(text)
    if not lines:
        return result
    body_lines = lines[1:] if lines[0] == result.section_heading else lines
    points = result.points
    if result.mode == "llm" and len(body_lines) == len(result.points):
        points = []
        for p, line in zip(result.points, body_lines):
            prefix = f"{p.marker}{p.heading}。"
            points.append(replace(p, text=line, body=line[len(prefix):] if line.startswith(prefix) else line))
    return replace(result, text="\n".join([result.section_heading, *body_lines]),  # the export skips line one
                   points=tuple(points), placeholders=tuple(placeholders_in("\n".join(body_lines))))


def targets(result: DraftResult | None) -> list[tuple[str, str | int]]:
    """Choices of what a revision applies to, as (label, value): the whole draft, or one point by its index."""
    points = result.points if result is not None else ()
    return [("全文", TARGET_ALL)] + [(f"第{i + 1}条 {p.heading}", i) for i, p in enumerate(points)]


def target_index(choice: str | int | None, result: DraftResult) -> int | None:
    """The point a revision target chooses (None: every point)."""
    if choice in (None, "", TARGET_ALL):
        return None
    if not 0 <= int(choice) < len(result.points):
        raise ValueError(f"没有第{int(choice) + 1}条：初稿共{len(result.points)}条")
    return int(choice)


def references_html(points, excerpt: int = 120) -> str:
    """Per point (DraftPoint), the passages of past reports it was written from (escaped: they are documents)."""
    shown = [{"marker": p.marker, "heading": p.heading,
              "references": [{"report_title": r.report_title, "org": r.org, "section_path": r.section_path,
                              "excerpt": " ".join(r.text.split())[:excerpt]} for r in p.references]}
             for p in points]
    return render_template("references.html", points=shown)


def notes_markdown(result) -> str:
    """待补充 placeholders and what the guards found (a section draft or a whole report), for the writer to
    complete or check."""
    lines = []
    if result.placeholders:
        lines.append("**待补充**：" + "、".join(escape_md(p) for p in result.placeholders))
    if result.unsupported_numbers:
        lines.append("**未由事实给出的数字**：" + "、".join(escape_md(n) for n in result.unsupported_numbers))
    removed = [where[-1] for where in result.removed_figures]
    if removed:
        lines.append("**已换成待补充的数字**：" + "；".join(f"{escape_md(r.figure)}（{escape_md(r.reason)}）"
                                                   for r in removed))
    if result.leaked_names:
        lines.append("**已删去含其他单位名称的句子**：" + "、".join(escape_md(n) for n in result.leaked_names))
    if result.mode == "outline":
        lines.append("提纲模式（未加载大模型）：每条列出要点、事实和参考句，修改按钮不可用。")
    return "\n\n".join(lines) or "无待补充内容。"


def export_docx(result: DraftResult, text: str, folder: str | Path) -> Path:
    """The (edited) draft as a 公文 .docx named after the unit and section."""
    from ..library import safe_name

    edited = with_edits(result, text)
    name = safe_name(f"{result.unit}-{Section(result.section).heading}.docx")
    return draft_to_docx(edited, Path(folder) / name)
