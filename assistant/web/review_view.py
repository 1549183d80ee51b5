"""The 审校 tab's views and the 起草 tab's whole-report stream: escaped HTML of a review (the draft with each finding's
span highlighted and numbered, the findings beside it) and the report text as its parts stream in.

Everything shown comes from the user's draft or the library: it is escaped, never markup.
"""
from __future__ import annotations

import html
from pathlib import Path

from ..review_docx import KIND_LABELS, SEVERITY_LABELS

SEVERITY_ORDER = {"error": 0, "warning": 1, "suggestion": 2}
COLOURS = {"error": "#ffccc7", "warning": "#ffe58f", "suggestion": "#d9f7be"}
REPORT_LABEL = "整篇汇报"


def review_summary(review: dict) -> str:
    counts = {s: sum(f["severity"] == s for f in review["findings"]) for s in SEVERITY_ORDER}
    return "，".join(f"{SEVERITY_LABELS[s]}{n}处" for s, n in counts.items())


def marked_html(review: dict) -> str:
    """The draft's text with every finding's span marked (colour of its gravest finding, numbers as superscripts);
    line breaks kept."""
    text, findings = review["text"], review["findings"]
    cuts = sorted({0, len(text), *(f["start"] for f in findings), *(f["end"] for f in findings)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        piece = html.escape(text[a:b]).replace("\n", "<br>")
        covering = [i for i, f in enumerate(findings) if f["start"] <= a and b <= f["end"] and f["start"] < f["end"]]
        if not covering:
            out.append(piece)
            continue
        worst = min((findings[i]["severity"] for i in covering), key=SEVERITY_ORDER.get)
        title = html.escape("；".join(findings[i]["message"] for i in covering), quote=True)
        out.append(f"<mark style='background:{COLOURS[worst]}' title=\"{title}\">{piece}</mark>")
        ends = [i for i in covering if findings[i]["end"] == b]
        if ends:
            out.append("<sup>" + ",".join(str(i + 1) for i in ends) + "</sup>")
    title = html.escape(review.get("title") or "稿件")
    head = f"<div class='review-summary'><b>{title}</b>：{review_summary(review)}</div>"
    return head + "<div class='review-text' style='line-height:1.9'>" + "".join(out) + "</div>"


def findings_html(review: dict) -> str:
    """The findings in text order: number, kind and severity, the span, why, the suggestion, the evidence."""
    if not review["findings"]:
        return "<p>未发现问题。</p>"
    parts = []
    for i, f in enumerate(review["findings"], start=1):
        evidence = "".join(
            f"<div class='ev'>依据：{html.escape(e['report_title'])}"
            f"{' · <i>' + html.escape(e['section_path']) + '</i>' if e['section_path'] else ''}："
            f"{html.escape(e['text'][:200])}</div>" for e in f["evidence"])
        suggestion = f"<div>建议：{html.escape(f['suggestion'])}</div>" if f["suggestion"] else ""
        parts.append(f"<div class='finding' style='border-left:4px solid {COLOURS[f['severity']]};padding-left:6px;"
                     f"margin-bottom:8px'><b>{i}. 【{KIND_LABELS[f['kind']]}·{SEVERITY_LABELS[f['severity']]}】</b>"
                     f"“{html.escape(f['text'][:40])}”<div>{html.escape(f['message'])}</div>{suggestion}{evidence}"
                     "</div>")
    return "\n".join(parts)


class ReportStream:
    """The whole report's text while its events arrive: title, opening and every part's headings at once, each
    point's tokens as they stream, the checked points in their places, then the final text."""

    def __init__(self, style: str = "yishi"):
        self.style = style
        self.head: list[str] = []
        self.parts: list[tuple[str, list[str]]] = []
        self.markers: list[list[str]] = []
        self.result: dict | None = None

    def apply(self, event: dict) -> str:
        from ..draft import marker

        kind = event["type"]
        if kind == "report_plan":
            self.head = [event["title"], event["opening"]]
            self.parts = [(p["heading"], [f"{marker(self.style, i)}{h}。" for i, h in enumerate(p["headings"])])
                          for p in event["parts"]]
        elif kind == "token":
            self.parts[event["part"]][1][event["i"]] += event["text"]
        elif kind == "point":
            self.parts[event["part"]][1][event["i"]] = event["point"]["text"]
        elif kind == "final":
            self.result = event["result"]
            return self.result["text"]
        return "\n".join(self.head + [line for heading, points in self.parts for line in (heading, *points)])


def export_report(text: str, result: dict, folder: str | Path) -> Path:
    """The report box as it stands (the user's edits included) as one 公文 .docx: first line the title."""
    from ..docx_export import write_docx
    from ..guards import placeholders_in

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("没有可导出的内容")
    path = Path(folder) / "整篇汇报.docx"
    return write_docx(path, lines[0], [{"heading": "", "paragraphs": lines[1:]}], placeholders_in(text))
