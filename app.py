"""汇报助手 — the Gradio app.  It only adapts UI events to the assistant's chains; no retrieval or prompt logic here.

    python app.py [--host 127.0.0.1] [--port 7860] [--db DIR]
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from assistant import render
from assistant.export import search_to_csv, search_to_markdown
from assistant.library import OUTCOME_HEADERS, REPORT_HEADERS, Library
from assistant.search import SECTION_FILTERS, search_records
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings, load_settings
from assistant.status import SpeedLog, status_markdown

SECTION_LABELS = {"全部": "any", "问题": "problems", "措施": "measures", "成效/做法": "progress", "打算/建议": "plans",
                  "基本情况": "overview"}
SEARCH_SECTIONS = {"问题": "problems", "措施": "measures", "成效": "progress", "打算": "plans", "全部": "any"}
THEME_SECTIONS = {"问题": "problems", "打算": "plans", "成效": "progress"}
ALL_REPORTS = ("全部报告", "")
CSS = "mark{background:#ffe58f;padding:0 1px} .src,.hit{border-bottom:1px solid #eee;margin-bottom:6px}"


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    """'user:pw,user2:pw2' → Gradio's auth pairs; None (no login) when empty."""
    pairs = [p.split(":", 1) for p in spec.split(",") if ":" in p]
    return [(u.strip(), pw) for u, pw in pairs] or None


def _export_dir() -> Path:
    """A fresh folder per export: two users exporting at once never get each other's file."""
    return Path(tempfile.mkdtemp(prefix="huibao-export-"))


def build_app(settings: Settings, assistant: Assistant | None = None, library: Library | None = None):
    import gradio as gr

    assistant = assistant or build_assistant(settings)
    library = library or Library.from_settings(settings, assistant.index)
    speed = SpeedLog()

    def report_choices():
        return [ALL_REPORTS, *library.report_choices()]

    # --- 问答 -------------------------------------------------------------------------------------------------
    def chat(message: str, history: list[dict], turns: list[dict], section_label: str, report: str):
        """Stream one answer; ``turns`` keeps the raw question/answer texts for follow-up rewriting."""
        history, past = list(history or []), list(turns or [])
        if not (message or "").strip():
            yield history, gr.skip(), past
            return
        history.append({"role": "user", "content": render.escape_md(message)})
        history.append({"role": "assistant", "content": "检索中…"})
        yield history, "", past
        section = SECTION_FILTERS.get(SECTION_LABELS.get(section_label, "any"))
        streamed, evidence, tokens = "", None, 0
        for event in assistant.qa.answer(message, past, section=section, filters=library.report_filter(report)):
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

    # --- 检索 -------------------------------------------------------------------------------------------------
    def search(query: str, section_label: str, report: str, k: int):
        """Results grouped by report, plus the same results as CSV and Markdown files."""
        if not (query or "").strip():
            return "<p>请输入检索内容</p>", None
        from vectorstore.keyword import tokenize

        results = search_records(assistant.index, query, int(k), settings, SEARCH_SECTIONS.get(section_label, "any"),
                                 library.report_filter(report))
        folder = _export_dir()
        (folder / "检索结果.md").write_text(search_to_markdown(results, query), encoding="utf-8")
        files = [str(search_to_csv(results, folder / "检索结果.csv")), str(folder / "检索结果.md")]
        return render.search_html(results, tokenize(query)), files

    def themes(topic: str, section_label: str, progress=gr.Progress()):
        """Recurring points across reports (optionally on a topic), plus CSV and Markdown files."""
        from assistant.themes import build_themes, themes_to_csv, themes_to_markdown

        progress(0, desc="归纳共性主题…")
        result = build_themes(assistant.index, THEME_SECTIONS.get(section_label, "problems"), topic or None)
        folder = _export_dir()
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
                                     on_file=lambda i, n, name: progress((i, n), desc=f"导入 {name}", unit="文件"))
        return [o.row() for o in outcomes]

    def delete(doc_id: str | None):
        if not doc_id:
            return [["", "错误", 0, "请先选择要删除的文档"]]
        return [library.delete(doc_id).row()]

    def reindex(progress=gr.Progress()):
        progress(0, desc="重建索引…")
        outcomes = library.reindex(on_file=lambda i, n, name: progress((i, n), desc=f"重建 {name}", unit="文件"))
        return [o.row() for o in outcomes] or [["", "—", 0, "资料库为空"]]

    def status():
        return status_markdown(assistant, library.counts(), speed, library.last_ingest)

    with gr.Blocks(title="汇报助手") as demo:
        gr.Markdown("## 汇报助手 · 工作报告问答、检索与资料库")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=480, elem_id="chatbot")
                    turns = gr.State([])
                    box = gr.Textbox(placeholder="例如：延安市打掉了几个恶势力犯罪集团？", label="问题", elem_id="question")
                    with gr.Row():
                        section = gr.Dropdown(list(SECTION_LABELS), value="全部", label="章节")
                        chat_report = gr.Dropdown(report_choices(), value="", label="报告")
                        clear = gr.Button("新对话")
                with gr.Column(scale=2):
                    sources = gr.HTML(label="来源", elem_id="sources")
            box.submit(chat, [box, chatbot, turns, section, chat_report], [chatbot, sources, turns], api_name="chat",
                       concurrency_limit=4).then(lambda: "", None, box)
            clear.click(lambda: ([], "", []), None, [chatbot, sources, turns])
        with gr.Tab("检索"):
            query = gr.Textbox(label="检索问题与措施（也作为共性主题的话题，可留空）", placeholder="例如：宣传发动不够深入",
                               elem_id="query")
            with gr.Row():
                search_section = gr.Radio(list(SEARCH_SECTIONS), value="全部", label="章节")
                search_report = gr.Dropdown(report_choices(), value="", label="报告")
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
                    uploads = gr.File(label="上传报告（txt md docx pdf html，可多选）", file_count="multiple",
                                      type="filepath", elem_id="uploads")
                    with gr.Row():
                        add_button = gr.Button("导入", variant="primary", elem_id="add")
                        reindex_button = gr.Button("重建全部索引")
                with gr.Column(scale=2):
                    doc_choice = gr.Dropdown([], label="选择文档", elem_id="doc-choice")
                    delete_button = gr.Button("删除所选文档", variant="stop")
            outcomes = gr.Dataframe(headers=OUTCOME_HEADERS, label="处理结果", interactive=False, elem_id="outcomes")
            table = gr.Dataframe(headers=REPORT_HEADERS, label="报告列表", interactive=False, elem_id="reports",
                                 wrap=True)
            views = [table, doc_choice, chat_report, search_report]
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
    """Queue on, loopback unless told otherwise, login when ``HUIBAO_UI__AUTH`` is set, never a share link."""
    return demo.queue(default_concurrency_limit=4).launch(
        server_name=host or settings.ui.host, server_port=port or settings.ui.port, share=False,
        auth=parse_auth(settings.ui.auth), max_file_size=int(settings.ui.max_upload_mb * 2**20), css=CSS, **kwargs)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="汇报助手 Gradio app")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    args = parser.parse_args(argv)
    settings = load_settings(args.db)
    launch(build_app(settings), settings, args.host, args.port)


if __name__ == "__main__":
    main()
