"""Hostile input, faults and exposure (issue #10): each case as an attacker or a careless user would try it.

Real files, real Chroma, real jieba, real subprocesses and a real kill -9; a deterministic hash embedder where only
the plumbing is under test, the real e5 model where the product's commands run.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest.chunker import chunk_reports
from ingest.clean import SENTENCE_MAX, clean_text, split_sentences
from ingest.loaders import LoadError, decode_text, load_document
from ingest.sources import collect_files
from ingest.structure import parse_document
from tests.cli import run_cli
from tests.conftest import HASH_ENV
from tests.fakes import scripted
from tests.test_app_library import REPORT, report_file
from vectorstore.hash_embeddings import HashEmbeddings

ROOT = Path(__file__).resolve().parent.parent


def _run(args, env, timeout=600, **kw):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, **kw)


@pytest.fixture
def cli_env():
    """Command-line processes over indexes made with the hash embedder (the ``embeddings`` fixture's)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIBAO_")}
    return {**env, **HASH_ENV}


def hash_index(path: Path):
    from vectorstore.chroma import make_client
    from vectorstore.index import ReportIndex

    return ReportIndex(path, make_client("embedded", path), HashEmbeddings())


# ------------------------------------------------------------------------------------------ 1. exposure

@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org", "127.0.0.1.nip.io"])
def test_a_network_host_needs_a_login(host):
    from assistant.exposure import ExposureError, check_exposure

    with pytest.raises(ExposureError, match="HUIBAO_UI__AUTH"):
        check_exposure(host, "")
    assert check_exposure(host, "admin:s3cret") == [("admin", "s3cret")]


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_needs_no_login(host):
    from assistant.exposure import check_exposure

    assert check_exposure(host, "") is None


@pytest.mark.parametrize("spec", ["admin", "admin:", ":pw", "admin:pw,bob", " , bob:"])
def test_a_malformed_login_is_refused_not_ignored(spec):
    from assistant.exposure import ExposureError, parse_auth

    with pytest.raises(ExposureError):
        parse_auth(spec)


def test_app_on_all_interfaces_without_login_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUIBAO_")}
    started = time.monotonic()
    proc = _run(["app.py", "--host", "0.0.0.0", "--port", "1", "--db", str(tmp_path / "db")], env, timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "拒绝启动" in proc.stderr and "HUIBAO_UI__AUTH" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - started < 60  # said before any model is loaded
    assert not (tmp_path / "db").exists()


# ------------------------------------------------------------------------------------------ 2. links, special files

def test_links_leaving_the_folder_are_not_read(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("绝密：不应被导入。", encoding="utf-8")
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    report_file(docs, "good.txt")
    (docs / "passwd.txt").symlink_to("/etc/passwd")
    (docs / "secret.txt").symlink_to(secret)
    (docs / "zero.txt").symlink_to("/dev/zero")
    (docs / "up.txt").symlink_to("../outside/secret.txt")
    (docs / "alias.txt").symlink_to(docs / "good.txt")  # inside the folder: read
    (docs / "linked-dir").symlink_to(outside, target_is_directory=True)
    (docs / "loop.txt").symlink_to(docs / "loop.txt")
    os.mkfifo(docs / "sub" / "pipe.txt")  # reading it would block the import for ever
    files, skips = collect_files([docs])
    assert sorted(f.name for f in files) == ["alias.txt", "good.txt"]
    reasons = {Path(s.file).name: s.reason for s in skips}
    for name in ("passwd.txt", "secret.txt", "zero.txt", "up.txt", "linked-dir", "loop.txt"):
        assert "文件夹之外" in reasons[name], name
    assert "不是普通文件" in reasons["pipe.txt"]
    assert all(s.error for s in skips)


def test_links_out_of_the_folder_never_reach_the_index(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    report_file(docs, "good.txt")
    (docs / "passwd.txt").symlink_to("/etc/passwd")
    index = hash_index(tmp_path / "index")
    from ingest.pipeline import ingest_paths

    summary = ingest_paths([docs], index)
    assert [Path(d["file"]).name for d in summary["documents"]] == ["good.txt"]
    assert [(Path(e["file"]).name, "文件夹之外" in e["error"]) for e in summary["errors"]] == [("passwd.txt", True)]
    assert not index.keyword.search("root nologin bash", 5)


# ------------------------------------------------------------------------------------------ 3. size, zip bombs, batches

def test_one_size_limit_for_the_command_line_and_the_app(tmp_path, monkeypatch):
    from assistant.service import build_library
    from assistant.settings import Settings

    monkeypatch.setenv("HUIBAO_INGEST__MAX_FILE_MB", "0.5")
    settings = Settings()
    assert settings.ingest.max_file_mb == 0.5 and not hasattr(settings.ui, "max_upload_mb")

    class Reader:
        embeddings = HashEmbeddings()

    monkeypatch.setattr("assistant.service.make_store", lambda s, e=None: object())
    settings.store.path = tmp_path / "index"
    assert build_library(settings, Reader()).max_bytes == 2**19


def test_files_over_the_limit_are_refused_and_the_next_is_reached(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-huge.txt").write_text("扫黑除恶工作汇报。" * 4000, encoding="utf-8")  # 108 KB
    report_file(docs, "b-good.txt")
    files, skips = collect_files([docs], max_bytes=64 * 1024)
    assert [f.name for f in files] == ["b-good.txt"]
    assert "文件过大" in skips[0].reason and "HUIBAO_INGEST__MAX_FILE_MB" in skips[0].reason


def test_a_zip_bomb_docx_is_refused_unread(tmp_path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b"a" * (8 * 2**20))  # 8 MiB of XML in a few KB
    assert bomb.stat().st_size < 64 * 1024
    files, skips = collect_files([bomb], max_bytes=256 * 1024)
    assert not files and "压缩炸弹" in skips[0].reason


def test_a_large_document_is_embedded_in_bounded_batches(tmp_path):
    from vectorstore.index import ADD_BATCH

    index = hash_index(tmp_path / "index")
    text = clean_text("\n".join(REPORT.format(year=2000 + i, money=i, meetings=i, clues=i) for i in range(40)))
    reports = parse_document(text)
    chunks = chunk_reports("d" * 16, text, reports)
    assert len(chunks) > 2 * ADD_BATCH
    with index.lock():
        index.add_document("d" * 16, {"file": "x", "name": "x", "reports": []}, [c.chunk_id for c in chunks],
                           [c.text for c in chunks], [c.embed_text for c in chunks], [c.metadata() for c in chunks],
                           [c.windows() for c in chunks])
    windows = max(len(c.windows()) for c in chunks)
    assert len(index.embeddings.calls) >= 3 and max(index.embeddings.calls) <= ADD_BATCH * (1 + windows)
    assert index.store.count() == len(chunks) == index.count()
    assert index.store.sentences.count() == sum(len(c.windows()) for c in chunks)


# ------------------------------------------------------------------------------------------ 4. unbounded chunks

@pytest.mark.parametrize("line", [
    "扫黑除恶" * 87500,  # 350,000 characters, no punctuation at all
    "线索摸排不够深入，" * 40000,  # commas only
    "宣传、发动、" * 30000,
    "a" * 100000 + "。" + "短句。" * 10,
])
def test_no_chunk_window_or_sentence_exceeds_its_limit(line):
    from assistant.answer.evidence import select_evidence
    from vectorstore.hybrid import Hit

    text = clean_text("某县扫黑除恶工作情况汇报\n一、存在的问题\n" + line)
    chunks = chunk_reports("d" * 16, text, parse_document(text), 150, 400)
    assert chunks and max(len(c.text) for c in chunks) <= 400
    assert all(text[c.start:c.end].strip() == c.text for c in chunks)
    assert max(len(w) for c in chunks for _, w in c.windows()) <= 2 * SENTENCE_MAX
    assert max(len(s) for s in split_sentences(line)) <= SENTENCE_MAX
    hits = [Hit(c.chunk_id, c.text, c.metadata(), 1.0) for c in chunks[:5]]
    evidence = select_evidence("线索摸排", hits, HashEmbeddings())
    assert evidence.sentences and max(len(e.sentence) for e in evidence.sentences) <= SENTENCE_MAX


def test_long_sentences_are_cut_at_commas_first():
    sentence = "，".join(["加强线索摸排工作力度"] * 40) + "。"
    parts = split_sentences(sentence)
    assert len(parts) >= 2 and all(p.endswith("，") or p.endswith("。") for p in parts)
    assert "".join(parts) == sentence


# ------------------------------------------------------------------------------------------ 5. questions, context

class NoSearch:
    """An index that fails the test when searched: a refused question must not reach retrieval."""

    documents: dict = {}

    def search(self, *a, **k):
        raise AssertionError("searched")


@pytest.mark.parametrize("question", ["", "   ", "？？？", "……", "!!!", "？。，、", "\n\t", "a"])
def test_empty_or_meaningless_questions_are_refused_politely(question):
    from assistant.answer.chain import QAChain

    llm = scripted()
    events = list(QAChain(NoSearch(), HashEmbeddings(), llm).answer(question))
    assert [e.type for e in events] == ["evidence", "final"]
    result = events[-1].answer
    assert result.refused and result.mode == "rejected" and "请输入" in result.text and not llm.calls


def test_long_questions_and_forged_history_are_cut_before_retrieval_and_the_model():
    from assistant.answer.chain import QAChain
    from assistant.settings import SearchSettings

    seen = []

    class Recording:
        documents: dict = {}

        def sentence_vectors(self, ids):
            return {}

        def reports(self):
            return []

        def orgs(self):
            return []

        def search(self, query, *a, **k):
            seen.append(query)
            return []

    llm = scripted("改写后的问题" * 1000)  # a model that rewrites the follow-up into 6,000 characters
    chain = QAChain(Recording(), HashEmbeddings(), llm, SearchSettings(max_query_chars=300))
    history = [{"role": "user", "content": "线索" * 20000}, {"role": "assistant", "content": "答" * 20000}]
    result = chain.run("扫黑除恶" * 10000, history)
    assert seen and max(map(len, seen)) <= 300 and len(result.standalone_question) <= 300
    prompt = str(llm.calls[0][0].content)
    assert len(prompt) < 3000  # six history turns of ≤200 characters and the cut question


def test_search_refuses_empty_queries_and_cuts_long_ones(sample_index, settings_factory, tmp_path):
    from assistant.question import QuestionRejected
    from assistant.search import search_records

    settings = settings_factory(tmp_path)
    with pytest.raises(QuestionRejected):
        search_records(sample_index, "？！…", 5, settings)
    seen = []
    original = sample_index.search

    def spy(query, *a, **k):
        seen.append(query)
        return original(query, *a, **k)

    sample_index.search = spy
    try:
        search_records(sample_index, "宣传发动不够深入" * 5000, 3, settings)
    finally:
        del sample_index.search
    assert len(seen[0]) == settings.search.max_query_chars


def test_every_prompt_is_fitted_to_the_context_window():
    from assistant.budget import fit_messages

    question = "县里为这项斗争专门投入了多少资金？"
    messages = [{"role": "system", "content": "你是助手。"},
                {"role": "user", "content": "资料：" + "扫黑除恶" * 20000 + "\n问题：" + question}]
    fitted, max_tokens = fit_messages(messages, n_ctx=4096, max_tokens=384, count=len)
    total = sum(len(m["content"]) + 8 for m in fitted) + 8
    assert total + max_tokens <= 4096 and max_tokens >= 64
    assert fitted[0] == messages[0] and fitted[1]["content"].endswith(question) and "已截断" in fitted[1]["content"]
    small = [{"role": "user", "content": "短问题"}]
    assert fit_messages(small, 4096, 384, len) == (small, 384)
    assert fit_messages([{"role": "user", "content": "x" * 3800}], 4096, 384, len)[1] < 384  # the answer shrinks


@pytest.mark.slow
def test_the_local_model_takes_a_40000_character_prompt(local_llm):
    from langchain_core.messages import HumanMessage

    reply = local_llm.invoke([HumanMessage("请用一句话概括：" + "扫黑除恶专项斗争取得阶段性成效。" * 2500)],
                             max_tokens=16)
    assert isinstance(reply.content, str) and reply.content.strip()


# ------------------------------------------------------------------------------------------ 6. NUL bytes

def test_nul_bytes_anywhere_are_refused(tmp_path):
    raw = ("某县扫黑除恶工作情况汇报。" * 500).encode("utf-8")
    assert len(raw) > 4096
    with pytest.raises(LoadError, match="二进制"):
        decode_text(raw + b"\x00" + raw)
    path = tmp_path / "late-nul.txt"
    path.write_bytes(raw + b"\x00\x00" + raw)
    with pytest.raises(LoadError):
        load_document(path)
    assert "\x00" not in clean_text("扫黑\x00除恶\x0c工作") and clean_text("扫黑\x00除恶") == "扫黑除恶"


# ------------------------------------------------------------------------------------------ 7, 8. busy index, exit codes

@pytest.mark.processes  # two processes: one holds the writer lock
def test_a_second_import_is_told_at_once_with_its_own_exit_code(cli_env, tmp_path):
    from filelock import FileLock

    db = tmp_path / "db"
    db.mkdir()
    good = report_file(tmp_path, "good.txt")
    with FileLock(str(db / ".write.lock")):
        started = time.monotonic()
        proc = _run(["-m", "ingest", str(good), "--db", str(db)], cli_env, timeout=300)
        removed = _run(["-m", "ingest", "remove", "0123456789abcdef", "--db", str(db), "--json"], cli_env, timeout=300)
    assert proc.returncode == 4 and "另一个导入" in proc.stderr and "Traceback" not in proc.stderr
    assert time.monotonic() - started < 240  # not the 600 s wait of old
    assert removed.returncode == 4 and json.loads(removed.stdout)["busy"] is True


def test_exit_codes_and_every_skipped_file_listed(cli_env, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    report_file(docs, "good.txt")
    (docs / "broken.docx").write_bytes(b"PK\x03\x04broken")
    (docs / "table.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (docs / "notes").write_text("no suffix", encoding="utf-8")
    db = str(tmp_path / "db")
    some = run_cli(["-m", "ingest", str(docs), "--db", db, "--json"], cli_env)
    out = json.loads(some.stdout)
    assert some.returncode == 1, some.stderr
    assert {Path(s["file"]).name: s["reason"] for s in out["skipped"]}.keys() == {"table.xls", "notes"}
    assert [Path(e["file"]).name for e in out["errors"]] == ["broken.docx"]
    again = run_cli(["-m", "ingest", str(docs / "good.txt"), "--db", db], cli_env)
    assert again.returncode == 0 and "已存在" in again.stdout  # already present is fine
    none = run_cli(["-m", "ingest", str(docs / "broken.docx"), str(tmp_path / "missing.txt"), "--db", db], cli_env)
    assert none.returncode == 3 and "Traceback" not in none.stderr
    text = run_cli(["-m", "ingest", str(docs), "--db", db], cli_env)
    assert "table.xls" in text.stdout and "不支持的文件类型" in text.stdout
    assert run_cli(["-m", "ingest", "--db", db], cli_env).returncode == 2  # usage


def test_ask_refuses_a_meaningless_question_with_json(cli_env, sample_index):
    proc = run_cli(["-m", "assistant", "ask", "？？？", "--db", str(sample_index.path), "--json"], cli_env)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["refused"] and result["mode"] == "rejected"


# ------------------------------------------------------------------------------------------ kill -9

KILL_AT = """
import os, signal, sys
sys.path.insert(0, {root!r})
import {module} as m
original = getattr(m.{cls}, {method!r})
def killed(self, *a, **k):
    {before}
    os.kill(os.getpid(), signal.SIGKILL)
setattr(m.{cls}, {method!r}, killed)
{run}
"""


def _kill_script(tmp_path, env, module, cls, method, run, before="pass"):
    script = tmp_path / "killer.py"
    script.write_text(KILL_AT.format(root=str(ROOT), module=module, cls=cls, method=method, run=run, before=before),
                      encoding="utf-8")
    proc = _run([str(script)], env)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]


def _consistent(index) -> None:
    """The manifest, the vectors, the windows and the keyword entries describe the same documents."""
    index.refresh()
    docs = set(index.documents)
    with index.lock():
        index.recover()
    assert index.store.doc_ids() - {None} == docs == index.keyword.doc_ids() - {None}
    assert index.store.count() == index.count() == index.keyword.count()
    windows = index.store.sentences.get(include=["metadatas"])["metadatas"]
    assert {m["doc_id"] for m in windows} == docs


@pytest.mark.processes
def test_kill_9_during_remove_leaves_a_consistent_index(library_settings, make_index, cli_env):
    index = make_index(library_settings.store.path)
    doc_id, rec = next(iter(index.documents.items()))
    run = f"from ingest.__main__ import main; main(['remove', {doc_id!r}, '--db', {str(index.path)!r}])"
    _kill_script(Path(index.path).parent, cli_env, "vectorstore.chroma", "ChromaStore", "delete_doc", run)
    fresh = make_index(library_settings.store.path)
    assert doc_id not in fresh.documents  # the manifest said it first: gone for readers at once
    assert all(h.meta["doc_id"] != doc_id for h in fresh.search(rec["reports"][0]["title"], 10))
    _consistent(fresh)


@pytest.mark.processes
def test_kill_9_during_reindex_loses_no_document(library_settings, make_index, cli_env):
    from assistant.library import Library

    library = Library(make_index(library_settings.store.path), make_index(library_settings.store.path),
                      library_settings.ui.upload_dir, 2**20)
    added = library.add_files([(report_file(Path(library_settings.ui.upload_dir).parent, "q.txt"), "青龙湾.txt")])
    assert added[0].status == "added"
    before = {d: rec["chunks"] for d, rec in library.documents().items()}
    run = ("from assistant.settings import load_settings; from assistant.service import make_store; "
           "from assistant.library import Library\n"
           f"s = load_settings({str(library_settings.store.path)!r}); r = make_store(s)\n"
           f"Library(r, make_store(s, r.embeddings), {library_settings.ui.upload_dir!r}, 2**20).reindex()")
    # killed inside the second document's re-import: its old entry is already removed
    _kill_script(Path(library_settings.store.path).parent, cli_env, "vectorstore.index", "ReportIndex",
                 "add_document", run,
                 before="if not os.environ.get('FIRST'):\n        os.environ['FIRST'] = '1'\n"
                        "        return original(self, *a, **k)")
    fresh = make_index(library_settings.store.path)
    assert len(fresh.documents) == len(before) - 1
    _consistent(fresh)
    library = Library(fresh, make_index(library_settings.store.path), library_settings.ui.upload_dir, 2**20)
    outcomes = library.reindex()
    assert all(o.status == "added" for o in outcomes), outcomes
    assert {d: rec["chunks"] for d, rec in library.documents().items()} == before
    assert not (Path(library_settings.store.path) / "reindex-pending.json").exists()
    _consistent(library.writer)


HALF_WRITE = """
import os, signal, sys
sys.path.insert(0, {root!r})
import vectorstore.chroma as c
original, calls = c._upsert, []
def upsert(collection, ids, vectors, texts, metas, *a):
    calls.append(1)
    if len(calls) == 4:  # the second document's chunks (after the first's chunks, windows, points): half written
        original(collection, ids[:len(ids) // 2], vectors[:len(ids) // 2], texts[:len(ids) // 2], metas[:len(ids) // 2])
        os.kill(os.getpid(), signal.SIGKILL)
    return original(collection, ids, vectors, texts, metas, *a)
c._upsert = upsert
from ingest.__main__ import main
main([{docs!r}, "--db", {db!r}])
"""


@pytest.mark.processes
def test_a_reader_keeps_answering_across_a_killed_and_resumed_import(tmp_path, cli_env, make_index):
    """The app open while an import is killed mid-write and run again: the orphans are purged and the same ids
    written anew by another process, and the app's in-memory vector index must not turn every query into an
    internal error ("Error finding id")."""
    docs = tmp_path / "docs"
    docs.mkdir()
    report_file(docs, "a.txt")
    report_file(docs, "b.txt", year=2023, money=88, clues=404)
    db = tmp_path / "db"
    script = tmp_path / "half.py"
    script.write_text(HALF_WRITE.format(root=str(ROOT), docs=str(docs), db=str(db)), encoding="utf-8")
    assert _run([str(script)], cli_env).returncode == -signal.SIGKILL
    reader = make_index(db)
    assert len(reader.documents) == 1 and reader.search("举报线索", 3)
    assert _run(["-m", "ingest", str(docs), "--db", str(db)], cli_env).returncode == 0
    hits = reader.search("全年受理群众举报线索404条", 3)
    assert hits and hits[0].meta["year"] == 2023
    _consistent(reader)


# ------------------------------------------------------------------------------------------ 9, 10. the app

def _rows(value):
    return value["data"] if isinstance(value, dict) else value


def _import(client, files) -> list[list]:
    """Upload through the app's API and wait for the background import job: its outcome rows, which the status
    endpoint sends (instead of "unchanged") on the first tick after a job the page saw running has ended."""
    started = client.predict(files, None, api_name="/upload")
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        line, rows, *_ = client.predict("running", api_name="/import_status")
        if isinstance(rows, list) or "data" in rows:
            return _rows(rows)
        time.sleep(0.5)
    raise AssertionError(f"the import job did not end within 300 s: {started} … {line}")


def test_a_deleted_upload_is_not_downloadable_from_gradio_s_cache(library_settings, serve_app, tmp_path):
    import httpx
    from gradio_client import Client

    url, _, library = serve_app(library_settings)
    cache = Path(library_settings.store.path).parent / "gradio-cache"
    assert os.environ["GRADIO_TEMP_DIR"] == str(cache.resolve())  # beside the index, not /tmp
    good = report_file(tmp_path, "青龙湾.txt")
    with good.open("rb") as fh:
        cached = httpx.post(url + "gradio_api/upload", files={"files": ("青龙湾.txt", fh)}, timeout=60).json()[0]
    assert Path(cached).resolve().is_relative_to(cache.resolve())
    assert httpx.get(url + f"gradio_api/file={cached}", timeout=30).status_code == 200
    client = Client(url, verbose=False)
    rows = _import(client, [{"path": cached, "orig_name": "青龙湾.txt", "meta": {"_type": "gradio.FileData"}}])
    assert rows[0][1] == "已导入"
    assert httpx.get(url + f"gradio_api/file={cached}", timeout=30).status_code != 200  # gone once stored
    doc_id = next(d for d, rec in library.documents().items() if rec["name"] == "青龙湾.txt")
    stray = cache / "elsewhere" / "copy.txt"  # any other copy of the same bytes the server made
    stray.parent.mkdir(parents=True)
    stray.write_bytes(good.read_bytes())
    assert _rows(client.predict(doc_id, api_name="/delete"))[0][1] == "已删除"
    copies = [p for folder in (cache, Path(library_settings.ui.upload_dir)) for p in folder.rglob("*")
              if p.is_file() and p.read_bytes() == good.read_bytes()]
    assert copies == [] and good.is_file()  # every copy the app made is gone; the user's own file is not touched


def test_delete_and_report_filter_need_no_listing_first(library_settings, serve_app, tmp_path):
    from gradio_client import Client

    url, _, library = serve_app(library_settings)
    client = Client(url, verbose=False)  # connected before the upload: its page knows no such report
    added = library.add_files([(report_file(tmp_path, "late.txt", money=77), "late.txt")])
    assert added[0].status == "added"
    doc_id = next(d for d, rec in library.documents().items() if rec["name"] == "late.txt")
    history, sources = client.predict("青龙湾投入专项经费多少万元？", [], "全部", f"{doc_id}#0", api_name="/chat")
    assert "77万元" in sources
    html_out, _ = client.predict("宣传覆盖面", "全部", f"{doc_id}#0", 5, api_name="/search")
    assert "青龙湾" in html_out
    with pytest.raises(Exception, match="不在资料库"):
        client.predict("宣传", "全部", "ffffffffffffffff#0", 5, api_name="/search")
    fresh = Client(url, verbose=False)  # never listed the library
    assert _rows(fresh.predict(doc_id, api_name="/delete"))[0][1] == "已删除"
    assert _rows(fresh.predict("ffffffffffffffff", api_name="/delete"))[0][1] == "错误"


def test_an_upload_of_the_size_limit_while_chats_run(library_settings, serve_app, tmp_path):
    from gradio_client import Client, handle_file

    library_settings.ingest.max_file_mb = 48 / 1024  # 48 KiB
    limit = int(library_settings.ingest.max_file_mb * 2**20)
    url, _, library = serve_app(library_settings)
    body = REPORT.format(year=2024, money=9, meetings=2, clues=31).encode("utf-8")
    exact = tmp_path / "exact.txt"
    copies = limit // len(body)
    exact.write_bytes(body * copies + b"\n" * (limit - copies * len(body)))
    assert exact.stat().st_size == limit
    over = tmp_path / "over.txt"
    over.write_bytes(exact.read_bytes() + b" ")
    answers, errors = [], []

    def chat(i: int):
        try:
            history, _ = Client(url, verbose=False).predict("县里为这项斗争专门投入了多少资金？", [], "全部", "",
                                                             api_name="/chat")
            answers.append(history[-1])
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    rows = _import(Client(url, verbose=False), [handle_file(str(exact))])
    for t in threads:
        t.join(300)
    assert rows[0][1] == "已导入", rows
    assert not errors and len(answers) == 4 and all("35万元" in str(a["content"]) for a in answers)
    refused = library.add_files([(over, "over.txt")])
    assert refused[0].status == "error" and "文件过大" in refused[0].detail


# ------------------------------------------------------------------------------------------ fuzzing

SUFFIXES = [".txt", ".md", ".html", ".docx", ".pdf"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(min_size=1, max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_fuzzed_files_load_or_fail_with_a_reason(tmp_path, raw, suffix):
    path = tmp_path / f"fuzz{suffix}"
    prefix = {".docx": b"PK\x03\x04", ".pdf": b"%PDF-1.4\n"}.get(suffix, b"")
    path.write_bytes(prefix + raw)
    try:
        text = load_document(path)
    except LoadError as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and "\x00" not in text


GENRE = ["一、", "二、", "（一）", "（二）", "1.", "2．", "（1）", "一是", "二是", "第一，", "存在的问题", "下步打算",
         "工作进展及成效", "基本情况", "某县公安局", "市场监督管理局", "扫黑除恶工作情况汇报", "调研报告", "2023年",
         "**条", "xx起", "。", "，", "、", "；", "！", "？", "\n", "\n\n", " ", "”", "（", "）", "线索摸排", "宣传发动",
         "我代表省人民政府", "同时也清醒看到", "困难和问题"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(st.sampled_from(GENRE), st.text(min_size=1, max_size=30)), max_size=120),
       chunk_max=st.integers(min_value=40, max_value=400))
def test_fuzzed_text_parses_into_bounded_chunks(parts, chunk_max):
    text = clean_text("".join(parts))
    reports = parse_document(text)
    chunks = chunk_reports("f" * 16, text, reports, 150, chunk_max)
    for c in chunks:
        assert 0 < len(c.text) <= chunk_max and text[c.start:c.end].strip() == c.text
        assert all(len(w) <= 2 * SENTENCE_MAX for _, w in c.windows())
        json.dumps(c.metadata(), ensure_ascii=False)
    assert all(len(s) <= SENTENCE_MAX for s in split_sentences(text))
