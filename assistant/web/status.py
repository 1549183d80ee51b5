"""The 状态 tab: what is loaded and how fast it last ran — read from the live objects, never from a config guess.

Speeds are those of the last real answer (the chain's own timings, tokens counted as they streamed) and the last
ingest, so an official who finds the app slow can see whether retrieval or generation is the slow part.
"""
from __future__ import annotations

import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..llm import describe_llm
from .render import escape_md

if TYPE_CHECKING:
    from ..answer.results import Answer


class SpeedLog:
    """The last answer's timings and the last ingest's throughput; written by handlers in several threads."""

    def __init__(self):
        self._lock = threading.Lock()
        self.answer: dict | None = None

    def record_answer(self, result: Answer, tokens: int) -> None:
        t = asdict(result.timings)
        first, total = t["first_token_ms"], t["total_ms"]
        if tokens > 1 and first is not None and total and total > first:
            t["tokens"] = tokens
            t["tokens_per_s"] = round((tokens - 1) / ((total - first) / 1000), 1)
        with self._lock:
            self.answer = {**t, "mode": result.mode}


def rss_mib() -> float | None:
    """Resident memory of this process (Linux /proc), None elsewhere."""
    try:
        import os

        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def status_markdown(assistant, counts: dict, speed: SpeedLog, last_ingest: dict | None = None) -> str:
    """Markdown for the 状态 tab (every value escaped: paths and names are shown, never interpreted)."""
    e = assistant.settings.embedding
    emb = assistant.embeddings
    dim = getattr(emb, "dimension", None)
    lines = ["### 模型",
             f"- 嵌入模型：{escape_md(str(getattr(emb, 'model_id', e.model)))}（{escape_md(str(e.model))}"
             + (f"，{dim} 维" if dim else "") + f"，{escape_md(e.device)}，{e.threads} 线程）",
             f"- 大模型：{escape_md(describe_llm(assistant.settings.llm))}"
             + ("" if assistant.llm is not None else "（已加载：无，答案为原文摘录）"),
             "### 资料库",
             f"- 文档 {counts['documents']} 个，报告 {counts['reports']} 份，段落 {counts['chunks']} 个",
             f"- 索引目录：{escape_md(str(assistant.settings.store.path))}（{assistant.settings.store.mode}）",
             "### 最近一次速度"]
    a = speed.answer
    if a:
        lines.append(f"- 问答：检索 {a.get('retrieve_ms')} ms，依据选取 {a.get('evidence_ms')} ms，"
                     f"总计 {a.get('total_ms')} ms（{a.get('mode')}）")
        if a.get("tokens_per_s"):
            lines.append(f"- 生成：首字 {a['first_token_ms']} ms，{a['tokens_per_s']} tok/s（{a['tokens']} 个片段）")
    else:
        lines.append("- 问答：尚无（提一个问题后刷新）")
    if last_ingest:
        rate = last_ingest["bytes"] / last_ingest["seconds"] / 1024 if last_ingest["seconds"] else 0
        lines.append(f"- 导入：{last_ingest['chunks']} 段，{last_ingest['seconds']} s（{rate:.1f} KiB/s）")
    rss = rss_mib()
    if rss is not None:
        lines.append(f"- 进程内存 RSS：{rss:.0f} MiB")
    return "\n".join(lines)
