"""The 审校 tab's views and the 起草 tab's whole-report stream: escaped HTML of a review (the draft with each finding's
span highlighted and numbered, the findings beside it) and the report text as its parts stream in.

Everything shown comes from the user's draft or the library: it is escaped, never markup.
"""
from __future__ import annotations

from pathlib import Path

from markupsafe import Markup, escape

from ..review_docx import KIND_LABELS, SEVERITY_LABELS
from .render import render_template

SEVERITY_ORDER = {"error": 0, "warning": 1, "suggestion": 2}
COLOURS = {"error": "#ffccc7", "warning": "#ffe58f", "suggestion": "#d9f7be"}


def review_summary(review: dict) -> str:
    counts = {s: sum(f["severity"] == s for f in review["findings"]) for s in SEVERITY_ORDER}
    return "，".join(f"{SEVERITY_LABELS[s]}{n}处" for s, n in counts.items())


def marked_html(review: dict) -> str:
    """The draft's text with every finding's span marked (colour of its gravest finding, numbers as superscripts);
    line breaks kept."""
    text, findings = review["text"], review["findings"]
    cuts = sorted({0, len(text), *(f["start"] for f in findings), *(f["end"] for f in findings)})
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        piece = escape(text[a:b]).replace("\n", Markup("<br>"))
        covering = [i for i, f in enumerate(findings) if f["start"] <= a and b <= f["end"] and f["start"] < f["end"]]
        if not covering:
            segments.append({"text": piece})
            continue
        segments.append({"text": piece,
                         "severity": min((findings[i]["severity"] for i in covering), key=SEVERITY_ORDER.get),
                         "title": "；".join(findings[i]["message"] for i in covering),
                         "ends": [i + 1 for i in covering if findings[i]["end"] == b]})
    return render_template("marked.html", title=review.get("title") or "稿件", summary=review_summary(review),
                           segments=segments, colours=COLOURS)


def findings_html(review: dict) -> str:
    """The findings in text order: number, kind and severity, the span, why, the suggestion, the evidence."""
    return render_template("findings.html", findings=review["findings"], colours=COLOURS, kinds=KIND_LABELS,
                           severities=SEVERITY_LABELS)


class ReportStream:
    """The whole report's text while its events arrive: title, opening and every part's headings at once, each
    point's tokens as they stream, the checked points in their places, then the final text."""

    def __init__(self, style: str = "yishi"):
        self.style = style
        self.head: list[str] = []
        self.parts: list[tuple[str, list[str]]] = []
        self.markers: list[list[str]] = []
        self.result = None  # the ReportResult, at the final event

    def apply(self, event) -> str:
        from ..draft.results import FinalEvent, PointEvent, ReportPlanEvent, TokenEvent
        from ..draft.text import marker

        match event:
            case ReportPlanEvent():
                self.head = [event.title, event.opening]
                self.parts = [(p.heading, [f"{marker(self.style, i)}{h}。" for i, h in enumerate(p.headings)])
                              for p in event.parts]
            case TokenEvent(part=j, i=i, text=text):
                self.parts[j][1][i] += text
            case PointEvent(part=j, i=i, point=point):
                self.parts[j][1][i] = point.text
            case FinalEvent(result=result):
                self.result = result
                return result.text
        return "\n".join(self.head + [line for heading, points in self.parts for line in (heading, *points)])


def export_report(text: str, folder: str | Path) -> Path:
    """The report box as it stands (the user's edits included) as one 公文 .docx: first line the title."""
    from ..docx_export import write_docx
    from ..guards import placeholders_in

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("没有可导出的内容")
    path = Path(folder) / "整篇汇报.docx"
    return write_docx(path, lines[0], [{"heading": "", "paragraphs": lines[1:]}], placeholders_in(text))
