"""Escaped HTML/Markdown views of chain results for the UI: document text is data, never markup.

HTML comes from the Jinja templates beside this module (``templates/``), rendered with autoescape on: every value is
escaped unless it is :class:`markupsafe.Markup` built here from escaped text (a highlighted passage).
"""
from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

TEMPLATES = Path(__file__).resolve().parent / "templates"

from ingest.sections import POINT_SECTIONS, Section, name_of

if TYPE_CHECKING:
    from ..answer.evidence import Evidence, Source
    from ..answer.results import Answer
    from ..themes import Themes

_CITE = re.compile(r"\[(\d{1,2})\]")


def escape_md(text: str) -> str:
    """Text safe inside Gradio's Markdown: HTML escaped, Markdown control characters neutralised."""
    text = html.escape(text, quote=True)
    return re.sub(r"([\\`*_{}\[\]<>#|~!])", r"\\\1", text)


def answer_markdown(result: Answer) -> str:
    """The checked answer with [n] as superscript citations and unsupported figures highlighted."""
    body = escape_md(result.text)
    body = re.sub(r"\\\[(\d{1,2})\\\]", r"<sup>[\1]</sup>", body)
    body = body.replace("〔未核实〕", " <mark title='未在来源中找到'>⚠未核实</mark>")
    if result.mode == "rejected":  # an empty or meaningless question: the request to ask one
        return body
    if result.refused:  # the headline says it; only an answer that says whose figure it was adds to it
        body = "**资料中未找到答案。** " + (body if result.refusal == "absent" else "")
    if result.unsupported_numbers:
        body += "\n\n⚠ 以下数字未在来源中找到：" + "、".join(escape_md(n) for n in result.unsupported_numbers)
    return body


def evidence_markdown(sentences: Sequence[Evidence]) -> str:
    if not sentences:
        return "（未检索到依据）"
    return "**依据**\n\n" + "\n".join(f"- {escape_md(s.sentence)}<sup>[{s.n}]</sup>" for s in sentences)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import Environment, FileSystemLoader

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)


def render_template(name: str, **values) -> str:
    """``templates/<name>`` with ``values`` (autoescaped), without the template's trailing newline."""
    return _environment().get_template(name).render(**values).rstrip("\n")


def mark_phrases(text: str, phrases: list[str]) -> Markup:
    """``text`` escaped, each of ``phrases`` found in it marked — in one pass, longest first: no mark in a mark."""
    words = sorted({str(escape(w)) for w in phrases if w}, key=len, reverse=True)
    escaped = str(escape(text))
    if not words:
        return Markup(escaped)
    pattern = re.compile("|".join(map(re.escape, words)))
    return Markup(pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", escaped))  # only escaped text is marked


def sources_html(sources: Sequence[Source], highlight: list[str] | None = None, title: str = "来源") -> str:
    """Numbered sources: report title · section path · passage with the cited sentences highlighted."""
    shown = [{"n": s.n, "report_title": s.report_title, "section_path": s.section_path,
              "passage": mark_phrases(s.text, highlight or [])} for s in sources]
    return render_template("sources.html", title=title, sources=shown)


def search_html(results: list[dict], query_words: list[str]) -> str:
    """Search results grouped by report, matched words highlighted."""
    groups: dict[str, list[dict]] = {}
    words = [w for w in query_words if len(w) > 1]
    for r in results:
        groups.setdefault(f"{r['report_title']}（{r.get('org') or '—'}）", []).append(
            {**r, "text": mark_phrases(r["text"], words), "ocr": r.get("source") == "ocr",
             "kind": name_of(r["section_type"])})
    return render_template("search.html", groups=groups)


def themes_html(result: Themes, excerpt: int = 160) -> str:
    """Themes raised by several reports first (open), then those of one report (folded); every field escaped."""
    themes = result.themes
    if not themes:
        return "<p>没有找到可归纳的条目</p>"

    def cut(text: str) -> str:
        text = " ".join(text.split())
        return text if len(text) <= excerpt else text[:excerpt] + "…"

    shown = [{"label": t.label, "reports": t.reports,
              "points": [{**p.record(), "excerpt": cut(p.text)} for p in t.points]} for t in themes]
    section = result.section
    title = f"这些{Section(section).item}在几份报告中反复出现" if section in POINT_SECTIONS else "共性主题"
    return render_template("themes.html", title=title, themes=shown, shared=[t for t in themes if t.reports > 1])


def document_html(view: dict | None) -> str:
    """What was read from one document (``ingest show``'s JSON): each report's text, then its chunks with section
    and source; chunks recognised by OCR are marked so a figure in them is checked against the paper."""
    if not view:
        return "<p>请先选择文档。</p>"
    reports = [{**report, "ocr": sum(1 for c in report["chunks"] if c["source"] == "ocr"),
                "chunks": [{**c, "kind": name_of(c["section_type"])}
                           for c in report["chunks"]]}
               for report in view["reports"]]
    return render_template("document.html", view=view, reports=reports)


def message_html(text: str) -> str:
    """A one-line message where results would be (escaped: it may quote the user's query)."""
    return str(Markup("<p>{}</p>").format(text))
