"""The app's events as methods of :class:`Handlers`: each takes the form's plain values and returns (or, streaming,
yields) plain values — strings, rows, file paths, and two markers for what a value cannot say by itself: :data:`SKIP`
(leave that output as it is) and :class:`Choices` (a dropdown's new choices).  A user's mistake is a
:class:`UserError` with the message to show.  ``app.py`` turns these into ``gr.skip()``, ``gr.update`` and
``gr.Error``; nothing here imports Gradio, so tests call the handlers directly, without a server.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.sections import ANY, MEASURES, POINT_SECTIONS, SEARCH_FILTERS, Section, choices

from ..answer.results import EvidenceFound, Final, Queued, Token
from ..draft.results import DraftResult, PartEvent, PointEvent, ReportResult
from ..export import search_to_csv, search_to_markdown
from ..jobs import ImportJobs, JobBusy
from ..library import Library, Outcome, gradio_temp_dir
from ..question import QuestionRejected
from ..search import search_records
from ..service import Assistant, build_assistant, build_library
from ..settings import Settings
from .status import SpeedLog, status_markdown
from . import render
from .draft_view import (REPORT, TARGET_ALL, DraftStream, export_docx, make_request, notes_markdown, references_html,
                         target_index, targets, with_edits)
from .library_view import ALL_REPORTS, document_choices, job_line, outcome_rows, report_choices, report_rows
from .review_view import ReportStream, export_report, findings_html, marked_html, review_summary

SECTION_LABELS = choices([ANY, Section.PROBLEMS, MEASURES, Section.PROGRESS, Section.PLANS, Section.OVERVIEW], "asked")
SEARCH_SECTIONS = choices([Section.PROBLEMS, MEASURES, Section.PROGRESS, Section.PLANS, ANY])
THEME_SECTIONS = list(choices(POINT_SECTIONS).items())  # (问题, problems) …: the handler gets the value

# progress(fraction | (i, n), desc=…, unit=…): gr.Progress's call, or anything with that signature
Progress = Callable[..., Any]


class _Skip:
    """A marker, the same object even when copied (a copied event still says "unchanged")."""

    def __repr__(self) -> str:
        return "SKIP"

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


SKIP = _Skip()  # this output keeps what it shows
_KEEP = _Skip()


@dataclass(frozen=True)
class Choices:
    """A dropdown's new choices; its value is set too unless left at the default (kept as it is)."""

    choices: list
    value: Any = _KEEP

    @property
    def keeps_value(self) -> bool:
        return self.value is _KEEP


class UserError(Exception):
    """Something the user can put right (no draft yet, a report gone from the library): the message is shown."""


def _no_progress(*args, **kwargs) -> None:
    return None


def _lines(text: str | None) -> list[str]:
    return [x for x in (text or "").splitlines() if x.strip()]


def _draft_box(stream, events, progress) -> Iterator[tuple]:
    """The draft box while a chain's events arrive (every event but the final one): the text so far, and in the
    notes what ``progress(event)`` says when it says something (a point or a part done), or while the draft waits
    for the model its place in the queue, as the chat shows it."""
    queued = False
    for event in events:
        text = stream.apply(event)
        if event.type == "queue":
            queued = True
            yield text, SKIP, f"**排队中：前面还有 {event.ahead} 个请求**", SKIP, SKIP
        elif event.type != "final":
            note = progress(event) or ("生成中…" if queued else SKIP)
            queued = False
            yield text, SKIP, note, SKIP, SKIP


class Handlers:
    """One method per UI event, over one :class:`~assistant.service.Assistant`, its :class:`Library` and the
    library's background :class:`~assistant.jobs.ImportJobs` (imports and re-index: chats keep answering meanwhile).
    """

    def __init__(self, settings: Settings, assistant: Assistant | None = None, library: Library | None = None,
                 jobs: ImportJobs | None = None):
        self.settings = settings
        self.assistant = assistant = assistant or build_assistant(settings)
        self.library = library or build_library(settings, assistant.index)
        self.jobs = jobs or ImportJobs(self.library)
        self.speed = SpeedLog()
        self.drafter, self.reviewer = assistant.drafter, assistant.reviewer
        # exports beside the index, in the web server's own folder (removed with the document it came from)
        self.cache = gradio_temp_dir(settings)

    def _export_dir(self) -> Path:
        """A fresh folder per export: two users exporting at once never get each other's file."""
        self.cache.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="huibao-export-", dir=self.cache))

    def report_choices(self) -> list[tuple[str, str]]:
        return [ALL_REPORTS, *report_choices(self.library.documents())]

    def report_filter(self, report: str | None) -> dict:
        """The filters of a report key, checked against the library now (not the choices the page loaded with)."""
        filters = self.library.report_filter(report)
        if report and not filters:
            raise UserError("所选报告已不在资料库中，请刷新列表")
        return filters

    # --- 问答 -------------------------------------------------------------------------------------------------
    def chat(self, message: str, history: list[dict], turns: list[dict], section_label: str,
             report: str) -> Iterator[tuple]:
        """Stream one answer as (chat history, sources HTML, turns); ``turns`` keeps the raw question/answer texts
        for follow-up rewriting."""
        history, past = list(history or []), list(turns or [])
        if not (message or "").strip():
            yield history, SKIP, past
            return
        history.append({"role": "user", "content": render.escape_md(message[:self.settings.search.max_query_chars])})
        history.append({"role": "assistant", "content": "检索中…"})
        yield history, "", past
        section = SEARCH_FILTERS.get(SECTION_LABELS.get(section_label, "any"))
        streamed, evidence, tokens = "", None, 0
        for event in self.assistant.qa.answer(message, past, section=section, filters=self.report_filter(report)):
            match event:
                case EvidenceFound():
                    evidence = event
                    history[-1]["content"] = render.evidence_markdown(event.sentences)
                    highlight = [s.sentence for s in event.sentences]
                    yield history, render.sources_html(event.sources, highlight), past
                case Queued(ahead=ahead):  # waiting for the model: the user's place, updated as it moves
                    history[-1]["content"] = (render.evidence_markdown(evidence.sentences)
                                              + f"\n\n**排队中：前面还有 {ahead} 个请求**")
                    yield history, SKIP, past
                case Token(text=text):
                    streamed += text
                    tokens += 1
                    history[-1]["content"] = (render.evidence_markdown(evidence.sentences)
                                              + "\n\n**回答（生成中）**\n\n" + render.escape_md(streamed))
                    yield history, SKIP, past
                case Final(answer=result):
                    self.speed.record_answer(result, tokens)
                    history[-1]["content"] = render.answer_markdown(result)
                    title = "可能相关" if result.refused else "来源"
                    past += [{"role": "user", "content": message}, {"role": "assistant", "content": result.text}]
                    yield history, render.sources_html(result.citations or result.nearest,
                                                       [s.sentence for s in evidence.sentences], title), past

    # --- 起草 -------------------------------------------------------------------------------------------------
    def draft(self, section, unit, topic, length, facts, outline, style) -> Iterator[tuple]:
        """Headings at once, each point streaming into the box, then the checked draft with its references:
        (text, references HTML, notes, draft state, revision targets).  ``section``: problems | plans | progress,
        or report (a whole 工作汇报); ``style``: yishi | numbered."""
        if section == REPORT:
            yield from self.draft_report(unit, topic, length, facts, outline, style)
            return
        try:
            request = make_request(section, unit, topic, length, facts, outline, style)
            stream = DraftStream(request)
            yield from _draft_box(stream, self.drafter.draft(request), lambda e: isinstance(e, PointEvent) and
                                  f"已完成 {e.i + 1} / {len(stream.parts)} 条…")
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        result = stream.result
        yield (result.text, references_html(result.points), notes_markdown(result), result,
               Choices(targets(result), TARGET_ALL))

    def draft_report(self, unit, topic, length, facts, outline, style) -> Iterator[tuple]:
        """A whole 工作汇报: every part's headings at once, points streaming part by part, then 审校 on the result."""
        from ..draft.report import ReportDrafter, ReportRequest

        try:
            request = ReportRequest(unit or "", topic or "", max(600, int(length)), _lines(facts), _lines(outline),
                                    style)
            stream = ReportStream(request.style)
            yield from _draft_box(stream, ReportDrafter(self.drafter, self.reviewer).draft(request),
                                  lambda e: isinstance(e, PartEvent) and f"已完成第 {e.part + 1} 部分…")
        except ValueError as exc:
            raise UserError(str(exc)) from exc
        result = stream.result
        review = result.review.to_dict() if result.review is not None else {"findings": [], "text": result.text}
        notes = notes_markdown(result) + f"\n\n**审校**（自动）：{review_summary(review)}，见右侧"
        yield (result.text, references_html(result.points) + findings_html(review), notes, result,
               Choices(targets(None), TARGET_ALL))

    def revise(self, action: str, text: str, result: DraftResult | ReportResult | None, target) -> tuple:
        """A revision (expand, shorten, formal, rephrase: keys of ``REVISIONS``) on the draft as the box shows it
        (the user's edits included); ``target``: a point's index, or TARGET_ALL."""
        if not result:
            raise UserError("请先生成初稿")
        if isinstance(result, ReportResult):
            raise UserError("整篇汇报请直接在文本框中修改，或按章节起草后再扩写、压缩")
        edited = with_edits(result, text)
        try:
            new = self.drafter.revise(edited, action, target_index(target, edited))
        except (RuntimeError, ValueError) as exc:
            raise UserError(str(exc)) from exc
        return new.text, references_html(new.points), notes_markdown(new), new

    def export(self, text: str, result: DraftResult | ReportResult | None) -> str:
        """The draft box as a Word file; returns its path."""
        if not result:
            raise UserError("请先生成初稿")
        if isinstance(result, ReportResult):
            return str(export_report(text, self._export_dir()))
        return str(export_docx(result, text, self._export_dir()))

    # --- 审校 -------------------------------------------------------------------------------------------------
    def review(self, file: str | None, pasted: str, unit: str, facts: str) -> tuple[str, str, str]:
        """The draft (uploaded or pasted) with its findings highlighted, the findings listed beside it, and the
        draft with one Word comment per finding."""
        from ..review import load_draft
        from ..review_docx import write_review_docx

        try:
            text = load_draft(file) if file else (pasted or "")
            result = self.reviewer.review(text, unit or "", _lines(facts))
            name = Path(file).stem if file and Path(file).suffix.lower() == ".docx" else "稿件"
            out = write_review_docx(result, self._export_dir() / f"{name}-审校.docx", file)
        except (OSError, ValueError) as exc:
            raise UserError(str(exc)) from exc
        view = result.to_dict()
        return marked_html(view), findings_html(view), str(out)

    # --- 检索 -------------------------------------------------------------------------------------------------
    def search(self, query: str, section_label: str, report: str, k: int) -> tuple[str, list[str] | None]:
        """Results grouped by report, plus the same results as CSV and Markdown files."""
        if not (query or "").strip():
            return render.message_html("请输入检索内容"), None
        from vectorstore.keyword import tokenize

        try:
            results = search_records(self.assistant.index, query, int(k), self.settings,
                                     SEARCH_SECTIONS.get(section_label, "any"), self.report_filter(report))
        except QuestionRejected as exc:
            return render.message_html(str(exc)), None
        folder = self._export_dir()
        (folder / "检索结果.md").write_text(search_to_markdown(results, query), encoding="utf-8")
        files = [str(search_to_csv(results, folder / "检索结果.csv")), str(folder / "检索结果.md")]
        return render.search_html(results, tokenize(query)), files

    def themes(self, topic: str, section: str, progress: Progress = _no_progress) -> tuple[str, list[str]]:
        """Recurring points of ``section`` (problems | plans | progress) across reports (optionally on a topic), plus
        CSV and Markdown files."""
        from ..themes import build_themes, themes_to_csv, themes_to_markdown

        if section not in POINT_SECTIONS:
            raise UserError(f"共性主题只归纳问题、打算和进展，不支持“{section}”")
        progress(0, desc="归纳共性主题…")
        result = build_themes(self.assistant.index, section, topic or None, settings=self.settings.themes)
        folder = self._export_dir()
        (folder / "共性主题.md").write_text(themes_to_markdown(result), encoding="utf-8")
        files = [str(themes_to_csv(result, folder / "共性主题.csv")), str(folder / "共性主题.md")]
        return render.themes_html(result), files

    # --- 资料库 -----------------------------------------------------------------------------------------------
    def library_views(self) -> tuple[list[list], Choices, Choices, Choices]:
        """Every view of the library: report table, delete picker, the two report filters."""
        documents = self.library.documents()
        choices = [ALL_REPORTS, *report_choices(documents)]
        return (report_rows(documents), Choices(document_choices(documents), None), Choices(choices),
                Choices(choices))

    # Imports and re-index run as background jobs (assistant/jobs.py): starting one returns the job's line and
    # "running" for the page's job state; a timer calls job_view, which shows the outcomes once the job has ended.
    def upload(self, files: list[str] | None, folder: list[str] | None = None) -> tuple[str, Any]:
        """Start importing the chosen files (and a chosen folder's) in the background: (job line, job state)."""
        files = [*(files or []), *(folder or [])]
        try:
            status = self.jobs.start_import([(f, Path(f).name) for f in files])
        except (JobBusy, ValueError) as exc:
            return str(exc), SKIP
        return job_line(status), "running"  # the next tick shows the outcomes, however fast the job ended

    def reindex(self) -> tuple[str, Any]:
        """Start rebuilding every document from its source file in the background: (job line, job state)."""
        try:
            return job_line(self.jobs.start_reindex()), "running"
        except JobBusy as exc:
            return str(exc), SKIP

    def cancel_import(self) -> str:
        """Stop the running job before its next document; the job's line."""
        return job_line(self.jobs.cancel())

    def job_view(self, seen: str) -> tuple:
        """Each tick: (job line, outcome rows, job state, *library views).  The rows and the library's views change
        once, on the first tick after a job the page saw running (``seen``) has ended; otherwise they stay."""
        status = self.jobs.status()
        if not (seen in ("running", "cancelling") and not status.active):
            return job_line(status), SKIP, status.state, SKIP, SKIP, SKIP, SKIP
        rows = outcome_rows(status.outcomes) or [["", "—", 0, "没有文件"]]
        return (job_line(status), rows, status.state, *self.library_views())

    def delete(self, doc_id: str | None) -> list[list]:
        if not doc_id:
            return outcome_rows([Outcome("", "error", 0, "请先选择要删除的文档")])
        return outcome_rows([self.library.delete(doc_id)])

    def show(self, doc_id: str | None) -> str:
        return render.document_html(self.library.view(doc_id))

    # --- 状态 -------------------------------------------------------------------------------------------------
    def status(self) -> str:
        return status_markdown(self.assistant, self.library.counts(), self.speed, self.library.last_ingest)
