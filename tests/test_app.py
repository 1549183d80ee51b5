"""The Gradio app over the sample index: escaping, a real launch on loopback, chat and search through the API."""
from __future__ import annotations

import pytest

from assistant import render
from tests.conftest import free_port


def test_document_text_is_escaped():
    evil = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    html = render.sources_html([{"n": 1, "report_title": evil, "section_path": evil, "text": evil}], [evil])
    assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html
    md = render.answer_markdown({"answer": evil + "[1]", "refused": False, "unsupported_numbers": []})
    assert "<img" not in md and "<sup>[1]</sup>" in md
    search = render.search_html([{"rank": 1, "report_title": evil, "org": "", "section_path": evil,
                                  "section_type": "problems", "text": "宣传" + evil}], ["宣传", "<script>"])
    assert "<script" not in search and "<mark>宣传</mark>" in search


def test_unsupported_figures_are_visible():
    md = render.answer_markdown({"answer": "投入50万元〔未核实〕[1]。", "refused": False,
                                 "unsupported_numbers": ["50万元"]})
    assert "⚠未核实" in md and "未在来源中找到" in md



@pytest.fixture
def running_app(sample_index, embeddings, settings_factory, tmp_path):
    from app import build_app
    from assistant.qa import QAChain
    from assistant.service import Assistant

    settings = settings_factory(tmp_path)
    assistant = Assistant(settings, sample_index, embeddings, None, QAChain(sample_index, embeddings, None))
    demo = build_app(settings, assistant)
    port = free_port()
    demo.queue().launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def test_app_serves_chat_and_search(running_app):
    import httpx
    from gradio_client import Client

    assert httpx.get(running_app, timeout=30).status_code == 200
    client = Client(running_app, verbose=False)
    history, sources = client.predict("县里为这项斗争专门投入了多少资金？", [], "全部", api_name="/chat")
    content = history[-1]["content"]
    text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
    assert "35万元" in text and "<sup>[1]</sup>" in text and "35万元" in sources
    html = client.predict("宣传发动不够深入", "问题", 5, api_name="/search")
    assert "<mark>" in html and "存在问题" in html
