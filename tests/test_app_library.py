"""The 资料库 logic behind the app (assistant.library), exports, themes view and 状态, on real indexes in temp dirs."""
from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest

from assistant.library import Library, UploadRejected, safe_name
from assistant.web.library_view import report_rows
from ingest.pipeline import IngestOptions

REPORT = """青龙湾区{year}年扫黑除恶工作情况汇报
一、工作进展及成效
一是强化组织领导。区委成立青龙湾专项斗争领导小组，投入专项经费{money}万元，召开推进会{meetings}次。
二是深挖线索来源。设立举报信箱，全年受理群众举报线索{clues}条，办结率达到百分之九十。
二、存在的问题
一是宣传覆盖面不广。偏远村组群众对扫黑除恶知晓率不高，宣传资料发放不均衡。
二是基层力量薄弱。青龙湾派出所警力不足，线索核查周期较长。
三、下步工作打算
一是扩大宣传覆盖。在集市和村组广场开展流动宣讲。
二是充实基层力量。向派出所补充辅警，缩短线索核查周期。
"""


def report_file(folder: Path, name: str, **values) -> Path:
    values = {"year": 2025, "money": 12, "meetings": 3, "clues": 56, **values}
    path = folder / name
    path.write_text(REPORT.format(**values), encoding="utf-8")
    return path


@pytest.fixture
def library(make_index, tmp_path):
    reader = make_index(tmp_path / "index")
    writer = make_index(tmp_path / "index")
    return Library(reader, writer, tmp_path / "uploads", max_bytes=64 * 1024)


@pytest.mark.parametrize("raw, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("/etc/passwd.txt", "passwd.txt"),
    ("C:\\Windows\\System32\\报告.txt", "报告.txt"),
    ("..／..／etc／passwd．txt", "passwd.txt"),  # full-width slash and dot (NFKC)
    ("\u202egpj.exe\u200b报告\x00\n.md", "gpj.exe报告.md"),  # bidi override, zero-width space, NUL, newline
    ("...hidden.txt", "hidden.txt"),
    ("a<b>:c|d?.txt", "a_b__c_d_.txt"),
    ("..", "upload"),
])
def test_safe_name_keeps_a_plain_file_name(raw, expected):
    assert safe_name(raw) == expected


def test_stored_uploads_never_leave_the_upload_folder(library, tmp_path):
    source = report_file(tmp_path, "source.txt")
    root = library.upload_dir.resolve()
    for name in ["../../etc/passwd.txt", "/tmp/abs.txt", "..\\..\\win.txt", "..／x.txt", "\u202e\x07b.txt",
                 "长" * 300 + ".txt"]:
        stored = library.store(source, name)
        assert stored.parent.parent == root and stored.is_file(), name
        assert len(stored.name.encode()) <= 210
    assert not (tmp_path / "etc").exists() and not Path("/tmp/abs.txt").exists()


def test_uploads_are_refused_by_type_and_size(library, tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * (library.max_bytes + 1))
    with pytest.raises(UploadRejected, match="文件过大"):
        library.store(big, "big.txt")
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    with pytest.raises(UploadRejected, match="不支持的文件类型 .exe"):
        library.store(exe, "tool.exe")
    with pytest.raises(UploadRejected, match="无扩展名"):
        library.store(exe, "README")
    assert not library.upload_dir.exists() or not any(library.upload_dir.rglob("*.*"))


def test_add_files_reports_each_outcome(library, tmp_path):
    good = report_file(tmp_path, "tmp-good.txt")
    broken = tmp_path / "broken.docx"
    broken.write_bytes(b"not a zip at all")
    exe = tmp_path / "x.exe"
    exe.write_bytes(b"MZ")
    outcomes = library.add_files([(good, "../青龙湾汇报.txt"), (good, "副本.txt"), (exe, "x.exe"),
                                  (broken, "损坏.docx")])
    assert [o.status for o in outcomes] == ["added", "present", "error", "error"]
    added, again, bad_type, corrupt = outcomes
    doc_id = next(iter(library.reader.documents))
    assert added.file == "青龙湾汇报.txt" and added.chunks == library.reader.documents[doc_id]["chunks"] > 0
    assert "青龙湾区2025年扫黑除恶工作情况汇报" in added.detail
    assert doc_id in again.detail and "不支持" in bad_type.detail and "Word" in corrupt.detail
    stored = [p.relative_to(library.upload_dir).as_posix() for p in library.upload_dir.rglob("*") if p.is_file()]
    assert stored == [f"{doc_id}/青龙湾汇报.txt"]  # the duplicate and the broken file are not kept
    hits = library.reader.search("青龙湾派出所警力不足", 3)
    assert hits and hits[0].meta["doc_id"] == doc_id
    title, _org, year, sections, chunks, name, listed_id = report_rows(library.documents())[0]
    assert (title, year, sections, chunks, name, listed_id) == (
        "青龙湾区2025年扫黑除恶工作情况汇报", 2025, "成效、问题、打算", added.chunks, "青龙湾汇报.txt", doc_id)
    assert library.counts() == {"documents": 1, "reports": 1, "chunks": added.chunks}
    assert library.last_ingest["chunks"] == added.chunks


def test_delete_removes_the_document_and_its_upload(library, tmp_path):
    library.add_files([(report_file(tmp_path, "a.txt"), "a.txt"),
                       (report_file(tmp_path, "b.txt", year=2024, money=99), "b.txt")])
    by_name = {rec["name"]: doc_id for doc_id, rec in library.documents().items()}
    outcome = library.delete(by_name["a.txt"])
    assert outcome.status == "removed" and outcome.chunks > 0
    assert set(library.documents()) == {by_name["b.txt"]}
    assert not (library.upload_dir / by_name["a.txt"]).exists() and (library.upload_dir / by_name["b.txt"]).exists()
    assert all(h.meta["doc_id"] == by_name["b.txt"] for h in library.reader.search("青龙湾专项经费", 5))
    assert library.delete(by_name["a.txt"]).status == "error"


def test_reindex_rebuilds_from_the_source_files(library, tmp_path):
    library.add_files([(report_file(tmp_path, "a.txt"), "a.txt"), (report_file(tmp_path, "b.txt", year=2024), "b.txt")])
    before = library.counts()["chunks"]
    doc_b = next(d for d, rec in library.documents().items() if rec["name"] == "b.txt")
    Path(library.documents()[doc_b]["file"]).unlink()  # a source that went away keeps its old entry
    library.options = IngestOptions(chunk_min=10, chunk_max=20)  # what a change of chunking settings would do
    seen = []
    outcomes = library.reindex(on_file=lambda i, n, name: seen.append((i, n, name)))
    assert [o.status for o in outcomes] == ["added", "error"] and "保留原索引" in outcomes[1].detail
    assert [s[:2] for s in seen] == [(0, 2), (1, 2)]
    assert library.counts()["documents"] == 2 and library.counts()["chunks"] > before
    assert library.reader.search("青龙湾派出所警力不足", 1)


def test_chats_keep_reading_while_an_ingest_holds_the_lock(library, tmp_path):
    """The writer lock blocks a second writer, not a reader: a search runs to completion mid-ingest."""
    from filelock import Timeout

    library.add_files([(report_file(tmp_path, "first.txt"), "first.txt")])
    inside, release, found = threading.Event(), threading.Event(), []

    def on_file(i, n, name):
        inside.set()
        assert release.wait(60)

    worker = threading.Thread(target=library.add_files, args=([(report_file(tmp_path, "second.txt", year=2023),
                                                                 "second.txt")],), kwargs={"on_file": on_file})
    worker.start()
    try:
        assert inside.wait(60)
        with pytest.raises(Timeout):
            library.writer.lock().acquire(timeout=0.2)
        found = library.reader.search("青龙湾投入专项经费", 3)
    finally:
        release.set()
        worker.join(120)
    assert found and found[0].meta["report_title"] == "青龙湾区2025年扫黑除恶工作情况汇报"
    assert library.counts()["documents"] == 2


def test_search_exports(sample_index, settings_factory, tmp_path):
    from assistant.export import search_to_csv, search_to_markdown
    from assistant.search import search_records

    results = search_records(sample_index, "宣传发动不够深入", 6, settings_factory(tmp_path), "problems")
    path = search_to_csv(results, tmp_path / "r.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["chunk_id"] for r in rows] == [r["chunk_id"] for r in results]
    assert rows[0]["text"] == results[0]["text"] and rows[0]["section_type"] == "problems"
    md = search_to_markdown(results, "宣传发动不够深入")
    assert md.startswith("# 检索：宣传发动不够深入")
    assert md.count("\n## ") == len({(r["report_title"], r["org"]) for r in results})
    assert all(f"{r['rank']}. *" in md for r in results)
    evil = [{"rank": 1, "report_title": "<script>alert(1)</script>", "org": "", "section_path": "<img src=x>",
             "section_type": "problems", "text": "<img src=x onerror=alert(1)>"}]
    assert "<script" not in search_to_markdown(evil, "<b>") and "<img" not in search_to_markdown(evil, "x")


def test_themes_view_lists_recurring_points_escaped(sample_index):
    from assistant.themes import Theme, Themes, build_themes
    from assistant.web import render
    from ingest.points import Point

    result = build_themes(sample_index, "problems")
    html = render.themes_html(result)
    shared = [t for t in result.themes if t.reports > 1]
    assert html.startswith("<h4>这些问题在几份报告中反复出现</h4>") and shared
    assert f"{shared[0].label}</b> · {shared[0].reports} 份报告" in html
    point = Point(lead="<img src=x onerror=alert(1)>", text="<b>t</b>", report_title="<i>", org="",
                  section_path="<u>", chunk_id="c", doc_id="d", report_index=0)
    evil = Themes("problems", (Theme("<script>x</script>", 2, (point,)),))
    out = render.themes_html(evil)
    assert "<script" not in out and "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out


def test_status_shows_models_index_and_last_speed(sample_index, embeddings, settings_factory, tmp_path):
    from assistant.service import assemble
    from assistant.web.status import SpeedLog, status_markdown
    from tests.fakes import scripted

    settings = settings_factory(tmp_path)
    llm = scripted("县里投入专项经费35万元[1]。")
    assistant = assemble(settings, sample_index, embeddings, llm)
    qa = assistant.qa
    speed = SpeedLog()
    tokens = 0
    for event in qa.answer("县里为这项斗争专门投入了多少资金？"):
        tokens += event.type == "token"
        if event.type == "final":
            speed.record_answer(event.answer, tokens)
    text = status_markdown(assistant,
                           {"documents": 2, "reports": 4, "chunks": 66}, speed)
    assert f"嵌入模型：{embeddings.model_id}" in text and f"{embeddings.dimension} 维" in text  # the embedder in use
    assert "文档 2 个，报告 4 份，段落 66 个" in text
    assert f"总计 {speed.answer['total_ms']} ms（llm）" in text and "tok/s" in text and tokens > 1
