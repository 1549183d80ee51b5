"""汇报助手 — the Gradio app: builds the Blocks, wires each event to a method of
:class:`assistant.web.handlers.Handlers` (where the handling is, testable without Gradio), login and launch.

    python app.py [--host 127.0.0.1] [--port 7860] [--db DIR]
"""
from __future__ import annotations

import argparse
import functools
import inspect
import os
import sys

from assistant.draft.chain import REVISIONS
from assistant.exposure import ExposureError, check_exposure, parse_auth  # noqa: F401 (parse_auth: app's API)
from assistant.jobs import ImportJobs
from assistant.library import Library, gradio_temp_dir
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings, load_settings
from assistant.web.draft_view import SECTION_OPTIONS, STYLE_OPTIONS, TARGET_ALL, targets
from assistant.web.handlers import SEARCH_SECTIONS, SECTION_LABELS, SKIP, THEME_SECTIONS, Choices, Handlers, UserError
from assistant.web.library_view import OUTCOME_HEADERS, REPORT_HEADERS, job_line
from ingest.sections import Section

CSS = "mark{background:#ffe58f;padding:0 1px} .src,.hit{border-bottom:1px solid #eee;margin-bottom:6px}"


def _to_gradio(value):
    """A handler's plain value as Gradio takes it: SKIP → gr.skip(), Choices → gr.update(…)."""
    import gradio as gr

    if isinstance(value, tuple):
        return tuple(_to_gradio(v) for v in value)
    if value is SKIP:
        return gr.skip()
    if isinstance(value, Choices):
        return gr.update(choices=value.choices) if value.keeps_value else gr.update(choices=value.choices,
                                                                                    value=value.value)
    return value


def adapt(handler):
    """The handler as a Gradio event function: its values translated, a :class:`UserError` shown as ``gr.Error``.
    A generator stays a generator (Gradio streams it); the signature is the handler's (Gradio counts inputs)."""
    import gradio as gr

    if inspect.isgeneratorfunction(getattr(handler, "func", handler)):
        @functools.wraps(handler)
        def stream(*args):
            try:
                for value in handler(*args):
                    yield _to_gradio(value)
            except UserError as exc:
                raise gr.Error(str(exc)) from exc
        return stream

    @functools.wraps(handler)
    def call(*args):
        try:
            return _to_gradio(handler(*args))
        except UserError as exc:
            raise gr.Error(str(exc)) from exc
    return call


def build_app(settings: Settings, assistant: Assistant | None = None, library: Library | None = None,
              jobs: ImportJobs | None = None):
    # Gradio's own copies of uploads and downloads live beside the index, not in /tmp, where deleting a report
    # removes them (Library.delete); read by Gradio when the Blocks and the server are created.
    cache = gradio_temp_dir(settings)
    cache.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(cache.resolve())
    import gradio as gr

    h = Handlers(settings, assistant, library, jobs)

    # the long-running ones report progress: Gradio finds gr.Progress as a parameter's default
    def themes(topic: str, section: str, progress=gr.Progress()):
        return h.themes(topic, section, progress)

    refreshed = adapt(h.library_views)
    status = adapt(h.status)

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
                        chat_report = gr.Dropdown(h.report_choices(), value="", label="报告", allow_custom_value=True)
                        clear = gr.Button("新对话")
                with gr.Column(scale=2):
                    sources = gr.HTML(label="来源", elem_id="sources")
            box.submit(adapt(h.chat), [box, chatbot, turns, section, chat_report], [chatbot, sources, turns],
                       api_name="chat", concurrency_limit=4).then(lambda: "", None, box)
            clear.click(lambda: ([], "", []), None, [chatbot, sources, turns])
        with gr.Tab("起草"):
            with gr.Row():
                with gr.Column(scale=2):
                    d_section = gr.Radio(SECTION_OPTIONS, value=Section.PROBLEMS.value, label="章节")
                    d_unit = gr.Textbox(label="单位", placeholder="例如：某县市场监督管理局", elem_id="draft-unit")
                    d_topic = gr.Textbox(label="主题", placeholder="例如：常态化扫黑除恶", elem_id="draft-topic")
                    d_length = gr.Slider(100, 2000, value=400, step=50, label="篇幅（字）")
                    d_style = gr.Radio(STYLE_OPTIONS, value="yishi", label="层次")
                    d_facts = gr.Textbox(label="本单位事实（一行一条）", lines=4, elem_id="draft-facts",
                                         placeholder="召开专题会议3次\n发放宣传资料1.2万份")
                    d_outline = gr.Textbox(label="提纲（可选，一行一条）", lines=3, elem_id="draft-outline")
                    d_button = gr.Button("生成初稿", variant="primary", elem_id="draft-go")
                with gr.Column(scale=3):
                    d_text = gr.Textbox(label="初稿（可直接修改）", lines=14, interactive=True, elem_id="draft-text")
                    d_state = gr.State(None)
                    with gr.Row():
                        d_target = gr.Dropdown(targets(None), value=TARGET_ALL, label="修改范围", scale=2)
                        d_revise = [gr.Button(label, size="sm", min_width=60) for label in REVISIONS.values()]
                    with gr.Row():
                        d_export = gr.Button("导出 Word", elem_id="draft-export")
                        d_file = gr.File(label="Word 文件", interactive=False, elem_id="draft-file")
                    d_notes = gr.Markdown(elem_id="draft-notes")
                    d_refs = gr.HTML(label="参考", elem_id="draft-refs")
            d_button.click(adapt(h.draft), [d_section, d_unit, d_topic, d_length, d_facts, d_outline, d_style],
                           [d_text, d_refs, d_notes, d_state, d_target], api_name="draft")
            for button, action in zip(d_revise, REVISIONS):
                button.click(adapt(functools.partial(h.revise, action)), [d_text, d_state, d_target],
                             [d_text, d_refs, d_notes, d_state])
            d_export.click(adapt(h.export), [d_text, d_state], d_file, api_name="export_docx")
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
            r_button.click(adapt(h.review), [r_file, r_text, r_unit, r_facts], [r_marked, r_findings, r_out],
                           api_name="review", concurrency_limit=1)
        with gr.Tab("检索"):
            query = gr.Textbox(label="检索问题与措施（也作为共性主题的话题，可留空）", placeholder="例如：宣传发动不够深入",
                               elem_id="query")
            with gr.Row():
                search_section = gr.Radio(list(SEARCH_SECTIONS), value="全部", label="章节")
                search_report = gr.Dropdown(h.report_choices(), value="", label="报告", allow_custom_value=True)
                k = gr.Slider(1, 20, value=8, step=1, label="条数")
            with gr.Row():
                search_button = gr.Button("检索", variant="primary")
                theme_section = gr.Radio(THEME_SECTIONS, value=Section.PROBLEMS.value, label="共性主题：章节")
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
            query.submit(adapt(h.search), search_inputs, [results, search_files], api_name="search")
            search_button.click(adapt(h.search), search_inputs, [results, search_files])
            themes_button.click(themes, [query, theme_section], [results, theme_files], api_name="themes")
        with gr.Tab("资料库"):
            with gr.Row():
                with gr.Column(scale=2):
                    uploads = gr.File(label="上传报告（txt md docx doc wps pdf ofd html png jpg，扫描件自动识别，可多选）",
                                      file_count="multiple",
                                      type="filepath", elem_id="uploads")
                    folder = gr.File(label="或上传整个文件夹", file_count="directory", type="filepath",
                                     elem_id="upload-folder")
                    with gr.Row():
                        add_button = gr.Button("导入", variant="primary", elem_id="add")
                        reindex_button = gr.Button("重建全部索引")
                        cancel_button = gr.Button("取消导入", variant="stop", elem_id="cancel-import")
                with gr.Column(scale=2):
                    # any value is accepted and checked against the library itself: an API client that never
                    # listed, or a page loaded before the upload, names documents the initial choices lack
                    doc_choice = gr.Dropdown([], label="选择文档", elem_id="doc-choice", allow_custom_value=True)
                    with gr.Row():
                        show_button = gr.Button("查看识别内容", elem_id="show")
                        delete_button = gr.Button("删除所选文档", variant="stop")
            job_box = gr.Markdown(job_line(h.jobs.status()), elem_id="job-status")
            job_seen = gr.State("idle")
            outcomes = gr.Dataframe(headers=OUTCOME_HEADERS, label="处理结果", interactive=False, elem_id="outcomes")
            table = gr.Dataframe(headers=REPORT_HEADERS, label="报告列表", interactive=False, elem_id="reports",
                                 wrap=True)
            document = gr.HTML(elem_id="document")
            views = [table, doc_choice, chat_report, search_report]
            show_button.click(adapt(h.show), doc_choice, document, api_name="show")
            # imports and re-index run as background jobs: the timer shows their line, then outcomes and views
            add_button.click(adapt(h.upload), [uploads, folder], [job_box, job_seen], api_name="upload")
            cancel_button.click(adapt(h.cancel_import), None, job_box, api_name="cancel_import")
            delete_button.click(adapt(h.delete), doc_choice, outcomes, api_name="delete").then(refreshed, None, views)
            reindex_button.click(adapt(h.reindex), None, [job_box, job_seen], api_name="reindex")
            gr.Timer(1.0).tick(adapt(h.job_view), job_seen, [job_box, outcomes, job_seen, *views],
                               api_name="import_status", concurrency_limit=None, show_progress="hidden")
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
    assistant, demo = prepare(settings)
    launch(demo, settings, args.host, args.port)


def prepare(settings: Settings):
    """What the app does before it serves (bench/startup.py times it): load the models, open the library, warm
    the search, build the page.  Themes and names are built ahead only for a library of at most
    ``ui.warm_max_chunks`` chunks: over a whole archive they would hold the start for minutes, and are built on the
    first draft or review instead."""
    assistant = build_assistant(settings)
    assistant.index.search("扫黑除恶工作情况", 1)  # warm up jieba, BM25 and the embedder before the first question
    if assistant.drafter is not None and assistant.index.count() <= settings.ui.warm_max_chunks:
        assistant.drafter.warm()  # themes and names, before the first draft
    return assistant, build_app(settings, assistant)


if __name__ == "__main__":
    main()
