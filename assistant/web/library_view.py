"""The 资料库 tab's tables and pickers, from the library's manifest (``Library.documents()``): plain rows and
(label, key) choices for Gradio's Dataframe and Dropdown."""
from __future__ import annotations

from ..jobs import KIND_NAMES
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


def job_line(status) -> str:
    """One line for the 资料库 tab about the current or last import job (plain text: the UI escapes it)."""
    name = KIND_NAMES.get(status.kind or "import", "导入")
    match status.state:
        case "idle":
            return "没有进行中的导入任务"
        case "running" | "cancelling":
            head = f"{name}中：{status.done} / {status.total} 个文件" if status.total else f"{name}：准备中…"
            if status.current:
                head += f"，正在处理 {status.current}"
                if status.pages and status.pages[1] > 1:
                    head += f"（第 {status.pages[0]} / {status.pages[1]} 页）"
            head += f"；已用 {_duration(status.elapsed_s)}"
            if status.eta_s is not None:
                head += f"，预计还需 {_duration(status.eta_s)}"
            if status.state == "cancelling":
                head += "；正在取消：当前文件完成后停止"
            return head
        case "done":
            return f"{name}完成：{_counts(status.outcomes)}，用时 {_duration(status.elapsed_s)}"
        case "cancelled":
            return (f"{name}已取消：{_counts(status.outcomes)}；已完成的文件保留并可检索，"
                    f"再次{name}会跳过已完成的文件")
        case _:
            return f"{name}失败：{status.message}（已完成的文件保留，未完成的已清除）"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} 秒"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} 分 {seconds} 秒"
    return f"{minutes // 60} 小时 {minutes % 60} 分"


def _counts(outcomes) -> str:
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    return "，".join(f"{OUTCOME_LABELS[code]} {n}" for code, n in counts.items()) or "没有文件"
