"""The app's event handlers called directly (assistant.web.handlers), without Gradio or a server: what each event
shows, what it keeps, the user's mistakes as UserError, and document text escaped on the way."""
from __future__ import annotations

import copy
import threading
import time
from pathlib import Path

import pytest

from assistant.web.handlers import SKIP, Choices, Handlers, UserError
from tests.fakes import scripted

QUESTION = "县里为这项斗争专门投入了多少资金？"
EVIL = "<img src=x onerror=alert(1)>"


@pytest.fixture
def make_handlers(library_settings, embeddings):
    """``make_handlers(llm=None)``: handlers over a writable copy of the sample library."""
    from assistant.service import assemble, build_library, make_store

    def make(llm=None) -> Handlers:
        index = make_store(library_settings, embeddings)
        return Handlers(library_settings, assemble(library_settings, index, embeddings, llm),
                        build_library(library_settings, index))

    return make


@pytest.fixture
def handlers(make_handlers) -> Handlers:
    return make_handlers()


def shown(events) -> list:
    """Every value an event showed (copied: a handler keeps updating the same history list as it streams)."""
    return [copy.deepcopy(value) for value in events]


def test_chat_streams_evidence_then_the_checked_answer(handlers):
    shown_ = shown(handlers.chat(QUESTION, [], [], "全部", ""))
    history, sources, turns = shown_[0]
    assert [m["role"] for m in history] == ["user", "assistant"] and history[1]["content"] == "检索中…"
    assert sources == "" and turns == []
    evidence_history, evidence_sources, _ = shown_[1]
    assert evidence_history[1]["content"].startswith("**依据**") and "35万元" in evidence_sources
    history, sources, turns = shown_[-1]
    assert "35万元" in history[1]["content"] and "<sup>[1]</sup>" in history[1]["content"]
    assert sources.startswith("<h4>来源</h4>") and "<mark>" in sources
    assert turns[0] == {"role": "user", "content": QUESTION} and turns[1]["role"] == "assistant"
    assert handlers.speed.answer["mode"] == "extractive"
    assert "问答：检索" in handlers.status()


def test_chat_escapes_the_question_and_skips_an_empty_one(handlers):
    assert list(handlers.chat("  ", [{"role": "user", "content": "x"}], [], "全部", "")) == [
        ([{"role": "user", "content": "x"}], SKIP, [])]
    history = list(handlers.chat(EVIL + QUESTION, [], [], "问题", ""))[-1][0]
    assert "<img" not in history[0]["content"] and "&lt;img" in history[0]["content"]


def test_a_report_gone_from_the_library_is_the_users_to_put_right(handlers):
    with pytest.raises(UserError, match="已不在资料库中"):
        list(handlers.chat(QUESTION, [], [], "全部", "no-such-doc#0"))
    with pytest.raises(UserError, match="已不在资料库中"):
        handlers.search("宣传发动不够深入", "问题", "no-such-doc#0", 5)


def test_search_shows_results_and_writes_both_exports(handlers):
    assert handlers.search("  ", "全部", "", 5) == ("<p>请输入检索内容</p>", None)
    html, files = handlers.search("宣传发动不够深入", "问题", "", 5)
    assert "<mark>" in html and "存在问题" in html
    csv_file, md_file = files
    assert Path(csv_file).parent == Path(md_file).parent and Path(csv_file).parent.parent == handlers.cache
    assert Path(md_file).read_text(encoding="utf-8").startswith("# 检索：宣传发动不够深入")
    report = handlers.report_choices()[1][1]
    only = handlers.search("宣传发动不够深入", "全部", report, 20)[0]
    title = handlers.library.report_filter(report)["report_title"]
    assert only.count("<h4>") == 1 and title in only


def test_themes_report_progress_and_export(handlers):
    seen = []
    html, files = handlers.themes("", "problems", lambda *a, **k: seen.append((a, k)))
    assert html.startswith("<h4>这些问题在几份报告中反复出现</h4>") and seen[0] == ((0,), {"desc": "归纳共性主题…"})
    assert sorted(Path(f).suffix for f in files) == [".csv", ".md"]
    with pytest.raises(UserError, match="问题、打算和进展"):
        handlers.themes("", "问题")  # a label is not a value


def test_chat_waiting_for_the_model_shows_its_place(make_handlers):
    handlers = make_handlers(scripted("县里投入专项资金35万元。[1]"))
    slots = handlers.assistant.qa.llm_lock
    seen: list = []
    with slots:  # another request holds the model
        def ask():
            for value in handlers.chat(QUESTION, [], [], "全部", ""):
                seen.append(copy.deepcopy(value))

        chat = threading.Thread(target=ask)
        chat.start()
        deadline = time.monotonic() + 60
        while not any("排队中" in out[0][-1]["content"] for out in list(seen)):
            assert time.monotonic() < deadline and chat.is_alive(), "the chat never showed its place"
            time.sleep(0.02)
        queued = next(out for out in seen if "排队中" in out[0][-1]["content"])
        assert queued[0][-1]["content"].startswith("**依据**") and queued[0][-1]["content"].endswith(
            "**排队中：前面还有 1 个请求**") and queued[1:] == (SKIP, [])
        assert handlers.assistant.llm.calls == []  # nothing generated while it waits
    chat.join(60)
    history, sources, turns = seen[-1]
    assert "35万元" in history[1]["content"] and "排队中" not in history[1]["content"] and len(turns) == 2


def test_a_draft_waiting_for_the_model_shows_its_place(make_handlers):
    bodies = [f"本局第{n}项工作有待加强，群众参与程度不高，需要持续改进。" for n in "一二三四五六七八九十"]
    handlers = make_handlers(scripted(*bodies))
    seen: list = []
    with handlers.assistant.drafter.llm_lock:  # a chat (or another draft) holds the model
        def draft():
            for value in handlers.draft("problems", "某县市场监督管理局", "扫黑除恶", 400, "", "", "yishi"):
                seen.append(copy.deepcopy(value))

        worker = threading.Thread(target=draft)
        worker.start()
        deadline = time.monotonic() + 60
        while not any(out[2] == "**排队中：前面还有 1 个请求**" for out in list(seen)):
            assert time.monotonic() < deadline and worker.is_alive(), "the draft never showed its place"
            time.sleep(0.02)
        queued = next(out for out in seen if out[2] == "**排队中：前面还有 1 个请求**")
        assert queued[0].startswith("二、存在的问题\n一是") and queued[1] is queued[3] is queued[4] is SKIP
        assert handlers.assistant.llm.calls == []  # nothing generated while it waits
    worker.join(60)
    notes = [out[2] for out in seen if isinstance(out[2], str)]
    after = notes[notes.index("**排队中：前面还有 1 个请求**") + 1]
    assert after == "生成中…"  # the queue note is replaced once the model writes
    assert "排队中" not in seen[-1][2] and seen[-1][3].points


def test_library_views_upload_show_and_delete(handlers, tmp_path):
    from tests.test_app_library import report_file

    rows, docs, chat_reports, search_reports = handlers.library_views()
    assert len(rows) == 4 and isinstance(docs, Choices) and docs.value is None and not docs.keeps_value
    assert chat_reports.keeps_value and chat_reports.choices[0] == ("全部报告", "") and len(chat_reports.choices) == 5
    assert handlers.upload(None) == ("请先选择文件", SKIP) and handlers.upload([], []) == ("请先选择文件", SKIP)
    assert handlers.job_view("idle") == ("没有进行中的导入任务", SKIP, "idle", SKIP, SKIP, SKIP, SKIP)
    evil = tmp_path / "evil.txt"
    evil.write_text(report_file(tmp_path, "x.txt").read_text(encoding="utf-8").replace("青龙湾区", EVIL + "青龙湾区", 1),
                    encoding="utf-8")
    line, state = handlers.upload([str(evil)])  # the import runs in the background…
    assert state == "running" and "导入" in line
    handlers.jobs.wait(120)
    line, outcome, state, table, doc_choices, *_ = handlers.job_view("running")  # …the next tick shows its end
    assert state == "done" and line.startswith("导入完成：已导入 1")
    assert outcome[0][:2] == ["evil.txt", "已导入"] and len(table) == 5 and isinstance(doc_choices, Choices)
    assert handlers.job_view("done")[1:] == (SKIP, "done", SKIP, SKIP, SKIP, SKIP)  # once only
    doc_id = next(d for d, rec in handlers.library.documents().items() if rec["name"] == "evil.txt")
    page = handlers.show(doc_id)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert handlers.show(None) == "<p>请先选择文档。</p>"
    assert len(handlers.library_views()[0]) == 5
    assert handlers.delete(None)[0][1] == "错误"
    assert handlers.delete(doc_id)[0][1] == "已删除" and len(handlers.library_views()[0]) == 4


def test_draft_streams_then_revises_and_exports(make_handlers):
    from docx import Document

    bodies = [f"本局第{n}项工作有待加强，群众参与程度不高，需要持续改进。" for n in "一二三四五六七八九十"]
    handlers = make_handlers(scripted(*bodies))
    with pytest.raises(UserError, match="请先生成初稿"):
        handlers.revise("shorten", "", None, "all")
    with pytest.raises(UserError, match="请先生成初稿"):
        handlers.export("", None)
    with pytest.raises(UserError, match="unit"):
        list(handlers.draft("problems", " ", "", 400, "", "", "yishi"))
    steps = shown(handlers.draft("problems", "某县市场监督管理局", "扫黑除恶", 400, "召开专题会议3次", "", "yishi"))
    assert steps[0][0].startswith("二、存在的问题\n一是") and steps[0][1:] == (SKIP, SKIP, SKIP, SKIP)
    assert any(isinstance(out[2], str) and out[2].startswith("已完成 1 / ") for out in steps)
    text, refs, notes, result, target = steps[-1]
    assert text == result.text and "<div class='ref'>" in refs and isinstance(notes, str)
    assert target == Choices([("全文", "all")] + [(f"第{i + 1}条 {p.heading}", i) for i, p in enumerate(result.points)],
                             "all")
    handlers.drafter.llm.replies[:] = ["本局将在集市和村组开展流动宣讲，扩大群众知晓面。"]
    new_text, _, _, new = handlers.revise("formal", text, result, target.choices[1][1])
    assert "流动宣讲" in new.points[0].text and new.points[1] == result.points[1] and new_text == new.text
    path = handlers.export(new_text, new)
    assert Path(path).name == "某县市场监督管理局-存在的问题.docx"
    assert any("流动宣讲" in p.text for p in Document(path).paragraphs)


def test_a_whole_report_streams_part_by_part_then_exports(handlers):
    """The section choice ``report`` drafts a whole 工作汇报: the plan at once, each part as it is done, then 审校;
    a revision is refused (a report is edited in the box), the export writes the box as one Word file."""
    steps = shown(handlers.draft("report", "某县", "常态化扫黑除恶", 600, "打掉恶势力犯罪集团2个", "", "numbered"))
    assert steps[0][0].startswith("某县关于常态化扫黑除恶工作情况的汇报\n根据工作安排")
    assert any(isinstance(out[2], str) and out[2].startswith("已完成第 1 部分") for out in steps)
    text, refs, notes, result, target = steps[-1]
    assert text == result.text and [p.section for p in result.parts] == ["progress", "problems", "plans"]
    assert "\n（一）" in text and result.facts_placed == {"打掉恶势力犯罪集团2个": "progress"}
    assert "**审校**（自动）" in notes and "<div class='ref'>" in refs and target == Choices([("全文", "all")], "all")
    with pytest.raises(UserError, match="整篇汇报"):
        handlers.revise("formal", text, result, "all")
    assert Path(handlers.export(text, result)).name == "整篇汇报.docx"


def test_review_marks_the_pasted_draft(handlers):
    draft = "某县市场监督管理局关于扫黑除恶工作情况的汇报\n一、工作进展及成效\n一是强化组织领导。" + EVIL + "召开会议3次。"
    marked, findings, docx = handlers.review(None, draft, "", "")
    assert "<img" not in marked and "&lt;img" in marked and isinstance(findings, str)
    assert Path(docx).name == "稿件-审校.docx" and Path(docx).is_file()
    with pytest.raises(UserError):
        handlers.review(str(handlers.cache / "missing.docx"), "", "", "")


def test_adapt_turns_plain_values_into_gradio_ones():
    import gradio as gr

    from app import adapt

    def stream(x):
        yield x, SKIP
        yield x, Choices(["a", "b"], "a")
        raise UserError("请先生成初稿")

    adapted = adapt(stream)
    out = adapted(1)
    first, second = next(out), next(out)
    assert first[0] == 1 and first[1] == gr.skip()
    assert second[1] == gr.update(choices=["a", "b"], value="a")
    with pytest.raises(gr.Error, match="请先生成初稿"):
        next(out)
    assert adapt(lambda: Choices(["x"]))() == gr.update(choices=["x"])


def test_a_folder_upload_and_reindex_run_as_jobs_one_at_a_time(handlers, tmp_path):
    """The folder field's files join the chosen ones; while a job runs a second is refused with the reason, 取消导入
    stops it before its next document, and the outcomes arrive on the tick after it ended."""
    from tests.test_app_library import report_file

    folder = tmp_path / "folder"
    folder.mkdir()
    files = [str(report_file(folder, f"{name}.txt", year=2020 + i)) for i, name in enumerate(["甲", "乙"])]
    release, entered = threading.Event(), threading.Event()
    add_files = handlers.library.add_files

    def held(batch, **kwargs):  # the real import, once the test lets it start
        entered.set()
        assert release.wait(60)
        return add_files(batch, **kwargs)

    handlers.library.add_files = held
    line, state = handlers.upload(None, files)
    assert state == "running" and line.startswith("导入中：0 / 2 个文件")
    assert entered.wait(60)
    busy, kept = handlers.upload([files[0]])
    assert "已有导入任务在进行" in busy and kept is SKIP
    assert handlers.reindex() == (busy, SKIP)
    assert handlers.job_view("running")[1:] == (SKIP, "running", SKIP, SKIP, SKIP, SKIP)  # still running
    assert "正在取消" in handlers.cancel_import()
    release.set()
    handlers.jobs.wait(120)
    line, rows, state, *views = handlers.job_view("cancelling")
    assert state == "cancelled" and "已取消" in line
    assert [r[1] for r in rows] == ["未导入", "未导入"] and len(views[0]) == 4  # stopped before the first document
    handlers.library.add_files = add_files
    line, state = handlers.reindex()
    assert state == "running" and "重建索引" in line
    handlers.jobs.wait(300)
    line, rows, state, *_ = handlers.job_view("running")
    assert state == "done" and line.startswith("重建索引完成") and len(rows) == len(handlers.library.documents())
