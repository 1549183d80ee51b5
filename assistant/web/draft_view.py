"""The 起草 tab's state between UI events: the form as a DraftRequest, the draft text as it streams, the user's own
edits carried into revisions and the Word export.

The draft box is editable: an official fixes a sentence by hand, then asks for 更正式 or exports.  So an edited text
is read back into the draft's points (one line per point after the section heading) before anything else is done
with it; when the user changed the number of lines, the points cannot be matched any more and only the export
takes the text as written.
"""
from __future__ import annotations

from pathlib import Path

from ingest.sections import POINT_SECTIONS, Section, choices

from ..draft.chain import DraftRequest, draft_to_docx
from ..draft.text import marker
from ..guards import placeholders_in
from .render import escape_md, render_template

SECTION_CHOICES = choices(POINT_SECTIONS, "heading")  # 存在的问题 → problems …
STYLE_CHOICES = {"一是…二是…": "yishi", "（一）（二）…": "numbered"}
TARGET_ALL = "全文"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def make_request(section_label: str, unit: str, topic: str, length: float, facts: str, outline: str,
                 style_label: str) -> DraftRequest:
    """The form as a DraftRequest (facts and outline one per line); ValueError with the chain's own message."""
    return DraftRequest(SECTION_CHOICES.get(section_label, section_label), unit or "", topic or "", int(length),
                        _lines(facts), _lines(outline), STYLE_CHOICES.get(style_label, style_label))


class DraftStream:
    """The draft text while events arrive: headings at once, each point's tokens as they stream, then the checked
    point in its place, then the final text."""

    def __init__(self, request: DraftRequest):
        self.request = request
        self.heading = f"{Section(request.section).number}、{Section(request.section).heading}"
        self.parts: list[str] = []
        self.result: dict | None = None

    def apply(self, event: dict) -> str:
        kind = event["type"]
        if kind == "plan":
            self.parts = [f"{marker(self.request.style, i)}{h}。" for i, h in enumerate(event["headings"])]
        elif kind == "token":
            self.parts[event["i"]] += event["text"]
        elif kind == "point":
            self.parts[event["i"]] = event["point"]["text"]
        elif kind == "final":
            self.result = event["result"]
            return self.result["text"]
        return "\n".join([self.heading, *self.parts])


def with_edits(result: dict, text: str) -> dict:
    """The draft with the user's edits of the text box: each edited line becomes its point's text and body (the
    marker and heading, when still there, are not body), placeholders are counted again."""
    lines = _lines(text)
    if not lines:
        return result
    body_lines = lines[1:] if lines[0] == result["section_heading"] else lines
    out = {**result, "text": "\n".join([result["section_heading"], *body_lines])}  # the export skips line one
    if result.get("mode") == "llm" and len(body_lines) == len(result["points"]):
        points = []
        for p, line in zip(result["points"], body_lines):
            prefix = f"{p['marker']}{p['heading']}。"
            points.append({**p, "text": line, "body": line[len(prefix):] if line.startswith(prefix) else line})
        out["points"] = points
    out["placeholders"] = placeholders_in("\n".join(body_lines))
    return out


def targets(result: dict | None) -> list[str]:
    """Choices of what a revision applies to: the whole draft or one point."""
    points = (result or {}).get("points", [])
    return [TARGET_ALL] + [f"第{i + 1}条 {p['heading']}" for i, p in enumerate(points)]


def target_index(choice: str | None, result: dict) -> int | None:
    return None if choice in (None, "", TARGET_ALL) else targets(result).index(choice) - 1


def references_html(points: list[dict], excerpt: int = 120) -> str:
    """Per point, the passages of past reports it was written from (escaped: they are documents)."""
    shown = [{**p, "references": [{**r, "excerpt": " ".join(r.get("text", "").split())[:excerpt]}
                                  for r in p.get("references", [])]} for p in points]
    return render_template("references.html", points=shown)


def notes_markdown(result: dict) -> str:
    """待补充 placeholders and what the guards found, for the writer to complete or check."""
    lines = []
    if result.get("placeholders"):
        lines.append("**待补充**：" + "、".join(escape_md(p) for p in result["placeholders"]))
    if result.get("unsupported_numbers"):
        lines.append("**未由事实给出的数字**：" + "、".join(escape_md(n) for n in result["unsupported_numbers"]))
    if result.get("removed_figures"):
        lines.append("**已换成待补充的数字**：" + "；".join(f"{escape_md(r['figure'])}（{escape_md(r['reason'])}）"
                                                   for r in result["removed_figures"]))
    if result.get("leaked_names"):
        lines.append("**已删去含其他单位名称的句子**：" + "、".join(escape_md(n) for n in result["leaked_names"]))
    if result.get("mode") == "outline":
        lines.append("提纲模式（未加载大模型）：每条列出要点、事实和参考句，修改按钮不可用。")
    return "\n\n".join(lines) or "无待补充内容。"


def export_docx(result: dict, text: str, folder: str | Path) -> Path:
    """The (edited) draft as a 公文 .docx named after the unit and section."""
    from ..library import safe_name

    edited = with_edits(result, text)
    name = safe_name(f"{result['unit']}-{Section(result['section']).heading}.docx")
    return draft_to_docx(edited, Path(folder) / name)
