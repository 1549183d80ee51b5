"""Search results as files to take away: CSV for Excel, Markdown for a note or a report draft.

Shared by the app's 检索 tab and the CLI (``search --export``), so both write the same columns.  The CSV is UTF-8 with
a BOM (as :func:`assistant.themes.themes_to_csv`) because Excel opens BOM-less UTF-8 as the local code page and the
Chinese turns into mojibake.  In the Markdown, passages are quoted with their HTML-significant characters escaped:
a viewer that renders the file must show a report's ``<script>`` as text, never run it.
"""
from __future__ import annotations

import csv
import html
from pathlib import Path

SEARCH_FIELDS = ["rank", "report_title", "org", "section_path", "section_type", "source", "text", "score", "chunk_id",
                 "doc_id"]


def _one_line(text: str) -> str:
    return " ".join(str(text or "").split())


def search_to_markdown(results: list[dict], query: str) -> str:
    """Results grouped by report, in rank order of each report's best hit, each passage quoted on one line."""
    lines = [f"# 检索：{html.escape(_one_line(query))}", "", f"共 {len(results)} 条结果。", ""]
    groups: dict[tuple, list[dict]] = {}
    for r in results:
        groups.setdefault((r.get("report_title") or "", r.get("org") or ""), []).append(r)
    for (title, org), rows in groups.items():
        lines += [f"## {html.escape(_one_line(title) or '（无标题）')}（{html.escape(_one_line(org) or '未署名')}）", ""]
        for r in rows:
            path = html.escape(_one_line(r.get("section_path")) or "（导语）")
            lines.append(f"{r['rank']}. *{path}* [{r.get('section_type') or ''}]")
            lines.append(f"   > {html.escape(_one_line(r.get('text')))}")
        lines.append("")
    return "\n".join(lines)


def search_to_csv(results: list[dict], path) -> Path:
    """One row per result with :data:`SEARCH_FIELDS` (missing keys left empty), UTF-8 with BOM for Excel."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SEARCH_FIELDS, extrasaction="ignore")
        writer.writeheader()
        for r in results:
            writer.writerow({k: r.get(k, "") for k in SEARCH_FIELDS})
    return path
