"""汇报助手 — the Gradio app.  It only adapts UI events to the assistant's chains; no retrieval or prompt logic here.

    python app.py [--host 127.0.0.1] [--port 7860] [--db DIR]
"""
from __future__ import annotations

import argparse
import html
import os
import sys
import tempfile
from pathlib import Path

from assistant.web import render
from assistant.draft import REVISIONS
from assistant.web.draft_view import (STYLES, TARGET_ALL, DraftStream, export_docx, make_request, notes_markdown,
                                  references_html, target_index, targets, with_edits)
from assistant.web.draft_view import SECTIONS as DRAFT_SECTIONS
from assistant.export import search_to_csv, search_to_markdown
from assistant.exposure import ExposureError, check_exposure, parse_auth  # noqa: F401 (parse_auth: app's API)
from assistant.library import OUTCOME_HEADERS, REPORT_HEADERS, Library, gradio_temp_dir
from assistant.question import QuestionRejected
from assistant.search import SECTION_FILTERS, search_records
from assistant.service import Assistant, build_assistant, build_library
from assistant.settings import Settings, load_settings
from assistant.status import SpeedLog, status_markdown
from assistant.web.review_view import (REPORT_LABEL, ReportStream, export_report, findings_html, marked_html,
                                   review_summary)

SECTION_LABELS = {"全部": "any", "问题": "problems", "措施": "measures", "成效/做法": "progress", "打算/建议": "plans",
                  "基本情况": "overview"}
SEARCH_SECTIONS = {"问题": "problems", "措施": "measures", "成效": "progress", "打算": "plans", "全部": "any"}
THEME_SECTIONS = {"问题": "problems", "打算": "plans", "成效": "progress"}
ALL_REPORTS = ("全部报告", "")
CSS = "mark{background:#ffe58f;padding:0 1px} .src,.hit{border-bottom:1px solid #eee;margin-bottom:6px}"


def _export_dir(root: Path | None = None) -> Path:
    """A fresh folder per export: two users exporting at once never get each other's file."""
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="huibao-export-", dir=root))


def build_app(settings: Settings, assistant: Assistant | None = None, library: Library | None = None):
    # Gradio's own copies of uploads and downloads live beside the index, not in /tmp, where deleting a report
    # removes them (Library.delete); read by Gradio when the Blocks and the server are created.
    cache = gradio_temp_dir(settings)
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(cache.resolve())
    import gradio as gr

    assistant = assistant or build_assistant(settings)
    library = library or build_library(settings, assistant.index)
    speed = SpeedLog()
    drafter, reviewer = assistant.drafter, assistant.reviewer

    def report_choices():
        return [ALL_REPORTS, *library.report_choices()]

    def report_filter(report: str | None) -> dict:
        """The filters of a report key, checked against the library now (not the choices the page loaded with)."""
        filters = library.report_filter(report)
        if report and not filters:
            raise gr.Error("所选报告已不在资料库中，请刷新列表")
        return filters

    # --- 问答 -------------------------------------------------------------------------------------------------
    def chat(message: str, history: list[dict], turns: list[dict], section_label: str, report: str):
        """Stream one answer; ``turns`` keeps the raw question/answer texts for follow-up rewriting."""
        history, past = list(history or []), list(turns or [])
        if not (message or "").strip():
            yield history, gr.skip(), past
            return
        history.append({"role": "user", "content": render.escape_md(message[:settings.search.max_query_chars])})
        history.append({"role": "assistant", "content": "检索中…"})
        yield history, "", past
        section = SECTION_FILTERS.get(SECTION_LABELS.get(section_label, "any"))
        streamed, evidence, tokens = "", None, 0
        for event in assistant.qa.answer(message, past, section=section, filters=report_filter(report)):
            if event["type"] == "evidence":
                evidence = event
                history[-1]["content"] = render.evidence_markdown(event["sentences"])
                highlight = [s["sentence"] for s in event["sentences"]]
                yield history, render.sources_html(event["sources"], highlight), past
            elif event["type"] == "token":
                streamed += event["text"]
                tokens += 1
                history[-1]["content"] = (render.evidence_markdown(evidence["sentences"]) + "\n\n**回答（生成中）**\n\n"
                                          + render.escape_md(streamed))
                yield history, gr.skip(), past
            else:
                result = event["result"]
                speed.record_answer(result, tokens)
                history[-1]["content"] = render.answer_markdown(result)
                shown = result["citations"] or result["nearest"]
                title = "可能相关" if result["refused"] else "来源"
                n_map = {s["n"]: s for s in evidence["sources"]}
                past += [{"role": "user", "content": message}, {"role": "assistant", "content": result["answer"]}]
                yield history, render.sources_html([n_map[c["n"]] for c in shown],
                                                   [s["sentence"] for s in evidence["sentences"]], title), past

    # --- 起草 -------------------------------------------------------------------------------------------------
    def draft(section_label, unit, topic, length, facts, outline, style_label):
        """Headings at once, each point streaming into the box, then the checked draft with its references."""
        if section_label == REPORT_LABEL:
            yield from draft_report(unit, topic, length, facts, outline, style_label)
            return
        try:
            request = make_request(section_label, unit, topic, length, facts, outline, style_label)
            stream = DraftStream(request)
            for event in drafter.draft(request):
                text = stream.apply(event)
                if event["type"] == "point":
                    yield text, gr.skip(), f"已完成 {event['i'] + 1} / {len(stream.parts)} 条…", gr.skip(), gr.skip()
                elif event["type"] != "final":
                    yield text, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        result = stream.result
        yield (result["text"], references_html(result["points"]), notes_markdown(result), result,
               gr.update(choices=targets(result), value=TARGET_ALL))

    def draft_report(unit, topic, length, facts, outline, style_label):
        """A whole 工作汇报: every part's headings at once, points streaming part by part, then 审校 on the result."""
        from assistant.report_draft import ReportDrafter, ReportRequest

        lines = lambda text: [x for x in (text or "").splitlines() if x.strip()]  # noqa: E731
        try:
            request = ReportRequest(unit or "", topic or "", max(600, int(length)), lines(facts), lines(outline),
                                    STYLES.get(style_label, style_label))
            stream = ReportStream(request.style)
            for event in ReportDrafter(drafter, reviewer).draft(request):
                text = stream.apply(event)
                if event["type"] == "part":
                    yield text, gr.skip(), f"已完成第 {event['part'] + 1} 部分…", gr.skip(), gr.skip()
                elif event["type"] != "final":
                    yield text, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except ValueError as exc:
            raise gr.Error(str(exc)) from exc
        result = stream.result
        points = [p for part in result["parts"] for p in part["points"]]
        review = result.get("review") or {"findings": [], "text": result["text"]}
        notes = notes_markdown({**result, "points": points}) + f"\n\n**审校**（自动）：{review_summary(review)}，见右侧"
        yield (result["text"], references_html(points) + findings_html(review), notes, result,
               gr.update(choices=[TARGET_ALL], value=TARGET_ALL))

    def reviser(action: str):
        def revise(text: str, result: dict | None, target: str):
            if not result:
                raise gr.Error("请先生成初稿")
            if "parts" in result:
                raise gr.Error("整篇汇报请直接在文本框中修改，或按章节起草后再扩写、压缩")
            edited = with_edits(result, text)
            try:
                new = drafter.revise(edited, action, target_index(target, edited))
            except (RuntimeError, ValueError) as exc:
                raise gr.Error(str(exc)) from exc
            return new["text"], references_html(new["points"]), notes_markdown(new), new
        return revise

    def export(text: str, result: dict | None):
        if not result:
            raise gr.Error("请先生成初稿")
        if "parts" in result:
            return str(export_report(text, result, _export_dir(cache)))
        return str(export_docx(result, text, _export_dir(cache)))

    # --- 审校 -------------------------------------------------------------------------------------------------
    def review(file: str | None, pasted: str, unit: str, facts: str):
        """The draft (uploaded or pasted) with its findings highlighted, the findings listed beside it, and the
        draft with one Word comment per finding."""
        from assistant.review import load_draft
        from assistant.review_docx import write_review_docx

        try:
            text = load_draft(file) if file else (pasted or "")
            result = reviewer.review(text, unit or "", [x for x in (facts or "").splitlines() if x.strip()])
            name = Path(file).stem if file and Path(file).suffix.lower() == ".docx" else "稿件"
            out = write_review_docx(result, _export_dir(cache) / f"{name}-审校.docx", file)
        except (OSError, ValueError) as exc:
            raise gr.Error(str(exc)) from exc
        view = result.to_dict()
        return marked_html(view), findings_html(view), str(out)

    # --- 检索 -------------------------------------------------------------------------------------------------
    def search(query: str, section_label: str, report: str, k: int):
        """Results grouped by report, plus the same results as CSV and Markdown files."""
        if not (query or "").strip():
            return "<p>请输入检索内容</p>", None
        from vectorstore.keyword import tokenize

        try:
            results = search_records(assistant.index, query, int(k), settings,
                                     SEARCH_SECTIONS.get(section_label, "any"), report_filter(report))
        except QuestionRejected as exc:
            return f"<p>{html.escape(str(exc))}</p>", None
        folder = _export_dir(cache)
        (folder / "检索结果.md").write_text(search_to_markdown(results, query), encoding="utf-8")
        files = [str(search_to_csv(results, folder / "检索结果.csv")), str(folder / "检索结果.md")]
        return render.search_html(results, tokenize(query)), files

    def themes(topic: str, section_label: str, progress=gr.Progress()):
        """Recurring points across reports (optionally on a topic), plus CSV and Markdown files."""
        from assistant.themes import build_themes, themes_to_csv, themes_to_markdown

        progress(0, desc="归纳共性主题…")
        result = build_themes(assistant.index, THEME_SECTIONS.get(section_label, "problems"), topic or None)
        folder = _export_dir(cache)
        (folder / "共性主题.md").write_text(themes_to_markdown(result), encoding="utf-8")
        files = [str(themes_to_csv(result, folder / "共性主题.csv")), str(folder / "共性主题.md")]
        return render.themes_html(result), files

    # --- 资料库 -----------------------------------------------------------------------------------------------
    def refreshed():
        """Every view of the library: report table, delete picker, the two report filters."""
        choices = report_choices()
        docs = library.document_choices()
        return (library.report_rows(), gr.update(choices=docs, value=None), gr.update(choices=choices),
                gr.update(choices=choices))

    def upload(files: list[str] | None, progress=gr.Progress()):
        if not files:
            return [["", "错误", 0, "请先选择文件"]]
        progress(0, desc="导入中…")
        outcomes = library.add_files([(f, Path(f).name) for f in files],
                                     on_file=lambda i, n, name: progress((i, n), desc=f"导入 {name}", unit="文件"),
                                     on_page=lambda i, n, name: progress((i, n), desc=f"读取 {name}", unit="页"))
        return [o.row() for o in outcomes]

    def delete(doc_id: str | None):
        if not doc_id:
            return [["", "错误", 0, "请先选择要删除的文档"]]
        return [library.delete(doc_id).row()]

    def show(doc_id: str | None):
        return render.document_html(library.view(doc_id))

    def reindex(progress=gr.Progress()):
        progress(0, desc="重建索引…")
        outcomes = library.reindex(on_file=lambda i, n, name: progress((i, n), desc=f"重建 {name}", unit="文件"))
        return [o.row() for o in outcomes] or [["", "—", 0, "资料库为空"]]

    def status():
        return status_markdown(assistant, library.counts(), speed, library.last_ingest)

    with gr.Blocks(title="汇报助手") as demo:
        gr.Markdown("## 汇报助手 · 工作报告问答、起草、检索与资料库")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=480, elem_id="chatbot")
                    turns = gr.State([])
                    box = gr.Textbox(placeholder="例如：延安市打掉了几个恶势力犯罪集团？", label="问题", elem_id="question")
                    with gr.Row():
                        section = gr.Dropdown(list(SECTION_LABELS), value="全部", label="章节")
                        chat_report = gr.Dropdown(report_choices(), value="", label="报告", allow_custom_value=True)
                        clear = gr.Button("新对话")
                with gr.Column(scale=2):
                    sources = gr.HTML(label="来源", elem_id="sources")
            box.submit(chat, [box, chatbot, turns, section, chat_report], [chatbot, sources, turns], api_name="chat",
                       concurrency_limit=4).then(lambda: "", None, box)
            clear.click(lambda: ([], "", []), None, [chatbot, sources, turns])
        with gr.Tab("起草"):
            with gr.Row():
                with gr.Column(scale=2):
                    d_section = gr.Radio([*DRAFT_SECTIONS, REPORT_LABEL], value="存在的问题", label="章节")
                    d_unit = gr.Textbox(label="单位", placeholder="例如：某县市场监督管理局", elem_id="draft-unit")
                    d_topic = gr.Textbox(label="主题", placeholder="例如：常态化扫黑除恶", elem_id="draft-topic")
                    d_length = gr.Slider(100, 2000, value=400, step=50, label="篇幅（字）")
                    d_style = gr.Radio(list(STYLES), value="一是…二是…", label="层次")
                    d_facts = gr.Textbox(label="本单位事实（一行一条）", lines=4, elem_id="draft-facts",
                                         placeholder="召开专题会议3次\n发放宣传资料1.2万份")
                    d_outline = gr.Textbox(label="提纲（可选，一行一条）", lines=3, elem_id="draft-outline")
                    d_button = gr.Button("生成初稿", variant="primary", elem_id="draft-go")
                with gr.Column(scale=3):
                    d_text = gr.Textbox(label="初稿（可直接修改）", lines=14, interactive=True, elem_id="draft-text")
                    d_state = gr.State(None)
                    with gr.Row():
                        d_target = gr.Dropdown([TARGET_ALL], value=TARGET_ALL, label="修改范围", scale=2)
                        d_revise = [gr.Button(action, size="sm", min_width=60) for action in REVISIONS]
                    with gr.Row():
                        d_export = gr.Button("导出 Word", elem_id="draft-export")
                        d_file = gr.File(label="Word 文件", interactive=False, elem_id="draft-file")
                    d_notes = gr.Markdown(elem_id="draft-notes")
                    d_refs = gr.HTML(label="参考", elem_id="draft-refs")
            d_button.click(draft, [d_section, d_unit, d_topic, d_length, d_facts, d_outline, d_style],
                           [d_text, d_refs, d_notes, d_state, d_target], api_name="draft")
            for button, action in zip(d_revise, REVISIONS):
                button.click(reviser(action), [d_text, d_state, d_target], [d_text, d_refs, d_notes, d_state])
            d_export.click(export, [d_text, d_state], d_file, api_name="export_docx")
        with gr.Tab("审校"):
            with gr.Row():
                with gr.Column(scale=2):
                    r_file = gr.File(label="上传稿件（.docx .txt .md）", type="filepath", file_types=[".docx", ".txt", ".md"],
                                     elem_id="review-file")
                    r_text = gr.Textbox(label="或粘贴稿件文字", lines=8, elem_id="review-text")
                    r_unit = gr.Textbox(label="单位（可留空，从标题识别）", elem_id="review-unit")
                    r_facts = gr.Textbox(label="已核实的事实（一行一条，可选）", lines=3)
                    r_button = gr.Button("审校", variant="primary", elem_id="review-go")
                    r_out = gr.File(label="带批注的 Word 文件", interactive=False, elem_id="review-docx")
                with gr.Column(scale=3):
                    r_marked = gr.HTML(elem_id="review-marked")
                with gr.Column(scale=2):
                    r_findings = gr.HTML(elem_id="review-findings")
            r_button.click(review, [r_file, r_text, r_unit, r_facts], [r_marked, r_findings, r_out], api_name="review",
                           concurrency_limit=1)
        with gr.Tab("检索"):
            query = gr.Textbox(label="检索问题与措施（也作为共性主题的话题，可留空）", placeholder="例如：宣传发动不够深入",
                               elem_id="query")
            with gr.Row():
                search_section = gr.Radio(list(SEARCH_SECTIONS), value="全部", label="章节")
                search_report = gr.Dropdown(report_choices(), value="", label="报告", allow_custom_value=True)
                k = gr.Slider(1, 20, value=8, step=1, label="条数")
            with gr.Row():
                search_button = gr.Button("检索", variant="primary")
                theme_section = gr.Radio(list(THEME_SECTIONS), value="问题", label="共性主题：章节")
                themes_button = gr.Button("这些问题在几份报告中反复出现")
            with gr.Row():
                with gr.Column(scale=3):
                    results = gr.HTML(elem_id="results")
                with gr.Column(scale=1):
                    search_files = gr.File(label="导出检索结果（CSV / Markdown）", file_count="multiple",
                                           interactive=False)
                    theme_files = gr.File(label="导出共性主题（CSV / Markdown）", file_count="multiple",
                                          interactive=False)
            search_inputs = [query, search_section, search_report, k]
            query.submit(search, search_inputs, [results, search_files], api_name="search")
            search_button.click(search, search_inputs, [results, search_files])
            themes_button.click(themes, [query, theme_section], [results, theme_files], api_name="themes")
        with gr.Tab("资料库"):
            with gr.Row():
                with gr.Column(scale=2):
                    uploads = gr.File(label="上传报告（txt md docx doc wps pdf ofd html png jpg，扫描件自动识别，可多选）",
                                      file_count="multiple",
                                      type="filepath", elem_id="uploads")
                    with gr.Row():
                        add_button = gr.Button("导入", variant="primary", elem_id="add")
                        reindex_button = gr.Button("重建全部索引")
                with gr.Column(scale=2):
                    # any value is accepted and checked against the library itself: an API client that never
                    # listed, or a page loaded before the upload, names documents the initial choices lack
                    doc_choice = gr.Dropdown([], label="选择文档", elem_id="doc-choice", allow_custom_value=True)
                    with gr.Row():
                        show_button = gr.Button("查看识别内容", elem_id="show")
                        delete_button = gr.Button("删除所选文档", variant="stop")
            outcomes = gr.Dataframe(headers=OUTCOME_HEADERS, label="处理结果", interactive=False, elem_id="outcomes")
            table = gr.Dataframe(headers=REPORT_HEADERS, label="报告列表", interactive=False, elem_id="reports",
                                 wrap=True)
            document = gr.HTML(elem_id="document")
            views = [table, doc_choice, chat_report, search_report]
            show_button.click(show, doc_choice, document, api_name="show")
            add_button.click(upload, uploads, outcomes, api_name="upload").then(refreshed, None, views)
            delete_button.click(delete, doc_choice, outcomes, api_name="delete").then(refreshed, None, views)
            reindex_button.click(reindex, None, outcomes, api_name="reindex").then(refreshed, None, views)
            gr.Button("刷新列表").click(refreshed, None, views, api_name="library")
        with gr.Tab("状态") as status_tab:
            status_md = gr.Markdown(elem_id="status")
            gr.Button("刷新").click(status, None, status_md, api_name="status")
            status_tab.select(status, None, status_md)
        demo.load(refreshed, None, views)
    return demo


def launch(demo, settings: Settings, host: str | None = None, port: int | None = None, **kwargs):
    """Queue on, loopback unless told otherwise, login when ``HUIBAO_UI__AUTH`` is set (required for any other
    host: :class:`~assistant.exposure.ExposureError`), never a share link."""
    host = host or settings.ui.host
    auth = check_exposure(host, settings.ui.auth)
    return demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port or settings.ui.port, share=False,
        auth=auth, max_file_size=int(settings.ingest.max_file_mb * 2**20), css=CSS, **kwargs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="汇报助手 Gradio app")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    args = parser.parse_args(argv)
    settings = load_settings(args.db)
    try:  # before any model is loaded: a refused start is said at once
        check_exposure(args.host or settings.ui.host, settings.ui.auth)
    except ExposureError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
    assistant = build_assistant(settings)
    assistant.index.search("扫黑除恶工作情况", 1)  # warm up jieba, BM25 and the embedder before the first question
    assistant.drafter.warm()  # themes and names, before the first draft
    launch(build_app(settings, assistant), settings, args.host, args.port)


if __name__ == "__main__":
    main()
