"""汇报助手 — the Gradio app.  It only adapts UI events to the assistant's chains; no retrieval or prompt logic here.

    python app.py [--host 127.0.0.1] [--port 7860] [--db DIR]
"""
from __future__ import annotations

import argparse

from assistant import render
from assistant.search import SECTION_FILTERS, search_records
from assistant.service import Assistant, build_assistant
from assistant.settings import Settings, load_settings

SECTION_LABELS = {"全部": "any", "问题": "problems", "措施": "measures", "成效/做法": "progress", "打算/建议": "plans",
                  "基本情况": "overview"}


def parse_auth(spec: str) -> list[tuple[str, str]] | None:
    pairs = [p.split(":", 1) for p in spec.split(",") if ":" in p]
    return [(u.strip(), pw) for u, pw in pairs] or None


def build_app(settings: Settings, assistant: Assistant | None = None):
    import gradio as gr

    assistant = assistant or build_assistant(settings)

    def chat(message: str, history: list[dict], turns: list[dict], section_label: str):
        """Stream one answer; ``turns`` keeps the raw question/answer texts for follow-up rewriting."""
        history, past = list(history or []), list(turns or [])
        history.append({"role": "user", "content": render.escape_md(message)})
        history.append({"role": "assistant", "content": "检索中…"})
        yield history, "", past
        section = SECTION_FILTERS.get(SECTION_LABELS.get(section_label, "any"))
        streamed, evidence = "", None
        for event in assistant.qa.answer(message, past, section=section):
            if event["type"] == "evidence":
                evidence = event
                history[-1]["content"] = render.evidence_markdown(event["sentences"])
                highlight = [s["sentence"] for s in event["sentences"]]
                yield history, render.sources_html(event["sources"], highlight), past
            elif event["type"] == "token":
                streamed += event["text"]
                history[-1]["content"] = (render.evidence_markdown(evidence["sentences"]) + "\n\n**回答（生成中）**\n\n"
                                          + render.escape_md(streamed))
                yield history, gr.skip(), past
            else:
                result = event["result"]
                history[-1]["content"] = render.answer_markdown(result)
                shown = result["citations"] or result["nearest"]
                title = "可能相关" if result["refused"] else "来源"
                n_map = {s["n"]: s for s in evidence["sources"]}
                past += [{"role": "user", "content": message}, {"role": "assistant", "content": result["answer"]}]
                yield history, render.sources_html([n_map[c["n"]] for c in shown],
                                                   [s["sentence"] for s in evidence["sentences"]], title), past

    def search(query: str, section_label: str, k: int):
        if not query.strip():
            return "<p>请输入检索内容</p>"
        from vectorstore.keyword import tokenize

        results = search_records(assistant.index, query, int(k), settings, SECTION_LABELS[section_label])
        return render.search_html(results, tokenize(query))

    def library():
        rows = []
        for doc_id, rec in assistant.index.documents.items():
            for r in rec["reports"]:
                rows.append([rec["name"], r["title"], r["org"] or "", r["year"] or "", "、".join(r["sections"]),
                             r["chunks"], doc_id])
        return rows

    with gr.Blocks(title="汇报助手") as demo:
        gr.Markdown("## 汇报助手 · 工作报告问答与检索")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="对话", height=480)
                    turns = gr.State([])
                    box = gr.Textbox(placeholder="例如：延安市打掉了几个恶势力犯罪集团？", label="问题")
                    with gr.Row():
                        section = gr.Dropdown(list(SECTION_LABELS), value="全部", label="章节")
                        clear = gr.Button("新对话")
                with gr.Column(scale=2):
                    sources = gr.HTML(label="来源")
            box.submit(chat, [box, chatbot, turns, section], [chatbot, sources, turns], api_name="chat").then(
                lambda: "", None, box)
            clear.click(lambda: ([], "", []), None, [chatbot, sources, turns])
        with gr.Tab("检索"):
            query = gr.Textbox(label="检索问题与措施", placeholder="例如：宣传发动不够深入")
            with gr.Row():
                search_section = gr.Radio(list(SECTION_LABELS), value="全部", label="章节")
                k = gr.Slider(1, 20, value=8, step=1, label="条数")
            results = gr.HTML()
            query.submit(search, [query, search_section, k], results, api_name="search")
        with gr.Tab("资料库"):
            table = gr.Dataframe(headers=["文件", "报告", "单位", "年份", "章节", "段数", "doc_id"], interactive=False)
            gr.Button("刷新").click(library, None, table, api_name="library")
            demo.load(library, None, table)
    return demo


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="汇报助手 Gradio app")
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    args = parser.parse_args(argv)
    settings = load_settings(args.db)
    host, port = args.host or settings.ui.host, args.port or settings.ui.port
    demo = build_app(settings)
    demo.queue(default_concurrency_limit=4).launch(server_name=host, server_port=port, share=False,
                                                   auth=parse_auth(settings.ui.auth))


if __name__ == "__main__":
    main()
