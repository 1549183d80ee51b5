"""The 资料库 tab's tables and pickers, from the library's manifest (``Library.documents()``): plain rows and
(label, key) choices for Gradio's Dataframe and Dropdown."""
from __future__ import annotations

from ingest.sections import Section  # in reading order (the manifest keeps section types sorted by name)

OUTCOME_HEADERS = ["文件", "结果", "新增段数", "说明"]
# What the table shows for each library.OutcomeStatus: display only, never compared.
OUTCOME_LABELS = {"added": "已导入", "present": "已存在", "not_added": "未导入", "removed": "已删除", "error": "错误"}
REPORT_HEADERS = ["报告", "单位", "年份", "章节", "段数", "文件", "doc_id"]
ALL_REPORTS = ("全部报告", "")


def outcome_rows(outcomes) -> list[list]:
    """One row per file: what happened to it (已导入 / 已存在 / 已删除 / 错误) and why."""
    return [[o.file, OUTCOME_LABELS[o.status], o.chunks, o.detail] for o in outcomes]


def report_rows(documents: dict[str, dict]) -> list[list]:
    """One row per report: title, issuing body, year, sections, chunks, file, doc_id."""
    return [[r["title"], r.get("org") or "", r.get("year") or "",
             "、".join(s.label for s in Section if s in r.get("sections", [])), r.get("chunks", 0),
             rec.get("name", ""), doc_id]
            for doc_id, rec in documents.items() for r in rec.get("reports", [])]


def document_choices(documents: dict[str, dict]) -> list[tuple[str, str]]:
    """(label, doc_id) for the delete picker: file name and its reports' titles."""
    return [(f"{rec.get('name', doc_id)} · {'；'.join(r['title'] for r in rec.get('reports', []))}", doc_id)
            for doc_id, rec in documents.items()]


def report_choices(documents: dict[str, dict]) -> list[tuple[str, str]]:
    """(label, key) for the report filters; ``Library.report_filter`` turns a key into search filters."""
    return [(f"{r['title']}（{r.get('org') or '未署名'}）", f"{doc_id}#{i}")
            for doc_id, rec in documents.items() for i, r in enumerate(rec.get("reports", []))]
