"""Escaped HTML/Markdown views of chain results for the UI: document text is data, never markup."""
from __future__ import annotations

import html
import re

_CITE = re.compile(r"\[(\d{1,2})\]")
# Section types as officials name them, in the order a report tells them.
SECTION_NAMES = {"overview": "基本情况", "progress": "成效", "problems": "问题", "plans": "打算", "other": "其他"}


def escape_md(text: str) -> str:
    """Text safe inside Gradio's Markdown: HTML escaped, Markdown control characters neutralised."""
    text = html.escape(text, quote=True)
    return re.sub(r"([\\`*_{}\[\]<>#|~!])", r"\\\1", text)


def answer_markdown(result: dict) -> str:
    """The checked answer with [n] as superscript citations and unsupported figures highlighted."""
    body = escape_md(result["answer"])
    body = re.sub(r"\\\[(\d{1,2})\\\]", r"<sup>[\1]</sup>", body)
    body = body.replace("〔未核实〕", " <mark title='未在来源中找到'>⚠未核实</mark>")
    if result.get("mode") == "rejected":  # an empty or meaningless question: the request to ask one
        return body
    if result.get("refused"):
        body = "**资料中未找到答案。** " + (body if body != escape_md("资料中未找到相关信息。") else "")
    if result.get("unsupported_numbers"):
        body += "\n\n⚠ 以下数字未在来源中找到：" + "、".join(escape_md(n) for n in result["unsupported_numbers"])
    return body


def evidence_markdown(sentences: list[dict]) -> str:
    if not sentences:
        return "（未检索到依据）"
    return "**依据**\n\n" + "\n".join(f"- {escape_md(s['sentence'])}<sup>[{s['n']}]</sup>" for s in sentences)


def sources_html(sources: list[dict], highlight: list[str] | None = None, title: str = "来源") -> str:
    """Numbered sources: report title · section path · passage with the cited sentences highlighted."""
    parts = [f"<h4>{html.escape(title)}</h4>"]
    for s in sources:
        passage = html.escape(s["text"])
        for sentence in highlight or []:
            escaped = html.escape(sentence)
            if escaped and escaped in passage:
                passage = passage.replace(escaped, f"<mark>{escaped}</mark>")
        parts.append(
            f"<div class='src'><b>[{s['n']}]</b> {html.escape(s.get('report_title') or '')} · "
            f"<i>{html.escape(s.get('section_path') or '（导语）')}</i><p>{passage}</p></div>")
    return "\n".join(parts)


def search_html(results: list[dict], query_words: list[str]) -> str:
    """Search results grouped by report, matched words highlighted."""
    groups: dict[str, list[dict]] = {}
    for r in results:
        groups.setdefault(f"{r['report_title']}（{r.get('org') or '—'}）", []).append(r)
    parts = []
    for report, rows in groups.items():
        parts.append(f"<h4>{html.escape(report)}</h4>")
        words = sorted({html.escape(w) for w in query_words if len(w) > 1}, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, words))) if words else None
        for r in rows:
            text = html.escape(r["text"])
            if pattern:  # one pass, longest words first: no mark inside a mark
                text = pattern.sub(lambda m: f"<mark>{m.group(0)}</mark>", text)
            kind = SECTION_NAMES.get(r["section_type"], r["section_type"] or "")
            ocr = " <mark>OCR 识别，数字请核对原件</mark>" if r.get("source") == "ocr" else ""
            parts.append(f"<div class='hit'><b>{r['rank']}.</b> <i>{html.escape(r['section_path'] or '（导语）')}</i>"
                         f" [{html.escape(kind)}]{ocr}<p>{text}</p></div>")
    return "\n".join(parts) or "<p>没有结果</p>"


THEME_TITLES = {"problems": "这些问题在几份报告中反复出现", "plans": "这些打算在几份报告中反复出现",
                "progress": "这些做法在几份报告中反复出现"}


def themes_html(result: dict, excerpt: int = 160) -> str:
    """Themes raised by several reports first (open), then those of one report (folded); every field escaped."""
    themes = result.get("themes") or []
    if not themes:
        return "<p>没有找到可归纳的条目</p>"
    shared = [t for t in themes if t["reports"] > 1]
    parts = [f"<h4>{html.escape(THEME_TITLES.get(result.get('section'), '共性主题'))}</h4>"]
    if not shared:
        parts.append("<p>（没有在两份以上报告中出现的主题）</p>")
    for n, theme in enumerate(themes, start=1):
        if theme["reports"] == 1 and (n == 1 or themes[n - 2]["reports"] > 1):
            parts.append("<h4>只在一份报告中出现</h4>")
        items = []
        for p in theme["points"]:
            text = " ".join(p["text"].split())
            text = text if len(text) <= excerpt else text[:excerpt] + "…"
            items.append(f"<li><b>{html.escape(p['lead'])}</b> — {html.escape(p['report_title'] or '')}"
                         f"（{html.escape(p['org'] or '未署名')}） · <i>{html.escape(p['section_path'] or '')}</i>"
                         f"<br>{html.escape(text)}</li>")
        parts.append(f"<details class='theme'{' open' if theme['reports'] > 1 else ''}><summary><b>{n}. "
                     f"{html.escape(theme['label'])}</b> · {theme['reports']} 份报告 · {len(theme['points'])} 条"
                     f"</summary><ul>{''.join(items)}</ul></details>")
    return "\n".join(parts)


def document_html(view: dict | None) -> str:
    """What was read from one document (``ingest show``'s JSON): each report's text, then its chunks with section
    and source; chunks recognised by OCR are marked so a figure in them is checked against the paper."""
    if not view:
        return "<p>请先选择文档。</p>"
    parts = [f"<h4>{html.escape(view['file'])}</h4>"]
    for report in view["reports"]:
        ocr = sum(1 for c in report["chunks"] if c["source"] == "ocr")
        parts.append(f"<h4>{html.escape(report['title'])}（{html.escape(report['org'] or '—')}，"
                     f"{html.escape(str(report['year'] or '—'))}）</h4>")
        if ocr:
            parts.append(f"<p><b>⚠ {ocr} 段由 OCR 识别，数字请与原件核对。</b></p>")
        parts.append(f"<details><summary>全文（{len(report['text'])} 字）</summary>"
                     f"<pre style='white-space:pre-wrap'>{html.escape(report['text'])}</pre></details>")
        for c in report["chunks"]:
            kind = SECTION_NAMES.get(c["section_type"], c["section_type"])
            badge = " <mark>OCR</mark>" if c["source"] == "ocr" else ""
            parts.append(f"<div class='chunk'><i>{html.escape(c['section_path'] or '（导语）')}</i>"
                         f" [{html.escape(kind)}]{badge}<p>{html.escape(c['text'])}</p></div>")
    return "\n".join(parts)


def message_html(text: str) -> str:
    """A one-line message where results would be (escaped: it may quote the user's query)."""
    return f"<p>{html.escape(text)}</p>"
