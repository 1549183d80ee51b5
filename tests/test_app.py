"""The Gradio app over the sample index: escaping, a real launch on loopback, login, concurrent chats, the API."""
from __future__ import annotations

import threading
import time

import pytest

from assistant.answer.chain import REFUSAL
from assistant.answer.evidence import Source
from assistant.answer.results import Answer, Timings
from assistant.web import render


def _answer(text: str, **fields) -> Answer:
    return Answer("问", "问", text, fields.pop("mode", "extractive"), Timings(1.0, 1.0, None, 2.0), **fields)


def test_document_text_is_escaped():
    evil = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    html = render.sources_html([Source(1, "c1", "d1", evil, "", evil, "problems", evil)], [evil])
    assert "<img" not in html and "<script" not in html and "&lt;script&gt;" in html
    md = render.answer_markdown(_answer(evil + "[1]"))
    assert "<img" not in md and "<sup>[1]</sup>" in md
    search = render.search_html([{"rank": 1, "report_title": evil, "org": "", "section_path": evil,
                                  "section_type": "problems", "text": "宣传" + evil}], ["宣传", "<script>"])
    assert "<script" not in search and "<mark>宣传</mark>" in search


def test_unsupported_figures_are_visible():
    md = render.answer_markdown(_answer("投入50万元〔未核实〕[1]。", unsupported_numbers=("50万元",)))
    assert "⚠未核实" in md and "未在来源中找到" in md


def test_a_refusal_shows_its_headline_and_only_an_answer_that_adds_to_it():
    """The page decides by the refusal's reason, never by comparing the answer with the refusal's wording."""
    for reason in ("weak", "declined", "off_the_ask"):
        assert render.answer_markdown(_answer(REFUSAL, refusal=reason)) == "**资料中未找到答案。** "
    absent = "《东江省政府工作报告》未提出该项指标。"
    assert render.answer_markdown(_answer(absent, refusal="absent")).endswith(render.escape_md(absent))
    rejected = render.answer_markdown(_answer("请输入问题", mode="rejected", refusal="rejected", asked=None))
    assert rejected == "请输入问题"


def test_parse_auth():
    from app import parse_auth

    assert parse_auth("") is None
    assert parse_auth("admin:pa:ss, bob:x") == [("admin", "pa:ss"), ("bob", "x")]


def _text(message: dict) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(part.get("text", "") for part in content)


@pytest.fixture
def running_app(sample_index, settings_factory, serve_app):
    """The app over the shared sample index (read-only use: no upload or delete in these tests)."""
    return serve_app(settings_factory(sample_index.path))[0]


def test_app_serves_chat_and_search(running_app):
    import httpx
    from gradio_client import Client

    assert httpx.get(running_app, timeout=30).status_code == 200
    client = Client(running_app, verbose=False)
    history, sources = client.predict("县里为这项斗争专门投入了多少资金？", [], "全部", api_name="/chat")
    text = _text(history[-1])
    assert "35万元" in text and "<sup>[1]</sup>" in text and "35万元" in sources
    html, files = client.predict("宣传发动不够深入", "问题", "", 5, api_name="/search")
    assert "<mark>" in html and "存在问题" in html
    csv_file, md_file = sorted(files, key=lambda f: str(f).endswith(".md"))
    rows = open(csv_file, encoding="utf-8-sig").read().splitlines()
    assert rows[0].startswith("rank,report_title") and len(rows) >= 2
    assert open(md_file, encoding="utf-8").read().startswith("# 检索：宣传发动不够深入")


def test_app_forms_send_values_not_labels(running_app):
    """The 起草 and 共性主题 radios show Chinese labels and send their values (problems, yishi)."""
    from gradio_client import Client

    client = Client(running_app, verbose=False)
    html, _ = client.predict("", "problems", api_name="/themes")
    assert html.startswith("<h4>这些问题在几份报告中反复出现</h4>")
    text, *_ = client.predict("problems", "某县市场监督管理局", "扫黑除恶", 400, "", "", "numbered", api_name="/draft")
    assert text.startswith("二、存在的问题\n（一）")


def test_login_is_required_when_auth_is_set(library_settings, serve_app):
    import httpx
    from gradio_client import Client

    library_settings.ui.auth = "admin:s3cret-pw"
    url, _, _ = serve_app(library_settings)
    assert httpx.get(url + "config", timeout=30).status_code == 401
    joined = httpx.post(url + "gradio_api/queue/join", json={"data": ["q"], "fn_index": 0, "session_hash": "x"},
                        timeout=30)
    assert joined.status_code == 401
    with pytest.raises(Exception):
        Client(url, verbose=False).predict(api_name="/status")
    with pytest.raises(Exception):
        Client(url, auth=("admin", "wrong"), verbose=False)
    status = Client(url, auth=("admin", "s3cret-pw"), verbose=False).predict(api_name="/status")
    assert "文档 2 个，报告 4 份" in status


QUESTIONS = {"县里为这项斗争专门投入了多少资金？": "35万元",
             "市扫黑办的举报热线收到多少举报，有多少嫌疑人自首？": "147件",
             "县里发了多少份宣传品、挂了多少条标语横幅？": "23000余份",
             "公安局破了多少涉黑涉恶案子、抓了多少逃犯？": "涉黑涉恶类逃犯"}


def test_four_simultaneous_chats_get_their_own_answers(library_settings, serve_app):
    """Four clients at once: a barrier inside retrieval proves all four are in flight together (it would time out
    were they served one by one), and each gets the answer a lone run of its own question gets."""
    from gradio_client import Client

    from assistant.answer.chain import QAChain

    barrier = threading.Barrier(len(QUESTIONS), timeout=60)

    class GatedQA(QAChain):
        gated = True

        def retrieve(self, question, section=None, filters=None, asked=None):
            if self.gated:
                barrier.wait()
            return super().retrieve(question, section, filters, asked)

    url, assistant, _ = serve_app(library_settings, qa_class=GatedQA)
    got: dict[str, tuple] = {}

    def ask(question: str):
        got[question] = Client(url, verbose=False).predict(question, [], "全部", "", api_name="/chat")

    threads = [threading.Thread(target=ask, args=(q,)) for q in QUESTIONS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not barrier.broken and set(got) == set(QUESTIONS)
    assistant.qa.gated = False
    for question, fact in QUESTIONS.items():
        history, sources = got[question]
        alone = assistant.qa.run(question)
        assert _text(history[0]) == render.escape_md(question) and len(history) == 2
        assert _text(history[1]) == render.answer_markdown(alone) and fact in _text(history[1]), question


def test_upload_list_and_delete_through_the_api(library_settings, serve_app, tmp_path):
    from gradio_client import Client, handle_file

    from tests.test_app_library import report_file

    url, _, library = serve_app(library_settings)
    client = Client(url, verbose=False)
    good = report_file(tmp_path, "青龙湾.txt")
    evil = tmp_path / "evil.sh"
    evil.write_text("rm -rf /", encoding="utf-8")
    started = client.predict([handle_file(str(good)), handle_file(str(evil))], None, api_name="/upload")
    assert "导入" in started  # the import runs in the background…
    deadline = time.monotonic() + 300
    while True:  # …until the library lists the report
        table = client.predict(api_name="/library")[0]
        titles = [r[0] for r in (table["data"] if isinstance(table, dict) else table)]
        if "青龙湾区2025年扫黑除恶工作情况汇报" in titles or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert "青龙湾区2025年扫黑除恶工作情况汇报" in titles and len(titles) == 5
    line, outcomes, *_ = client.predict(api_name="/import_status")  # the ended job, with one outcome per file
    rows = outcomes["data"] if isinstance(outcomes, dict) else outcomes
    assert "导入完成" in line and "已导入 1" in line
    assert [r[:2] for r in rows] == [["青龙湾.txt", "已导入"], ["evil.sh", "错误"]] and "不支持" in rows[1][3]
    status = client.predict(api_name="/status")
    assert "文档 3 个，报告 5 份" in status and "导入" in status
    doc_id = next(d for d, rec in library.documents().items() if rec["name"] == "青龙湾.txt")
    deleted = client.predict(doc_id, api_name="/delete")
    assert (deleted["data"] if isinstance(deleted, dict) else deleted)[0][1] == "已删除"
    assert doc_id not in library.documents()
