"""The command-line contract — in this process (fast) and as real subprocesses (``processes``) — and the Chroma
server mode."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli import run_cli
from tests.conftest import HASH_ENV, free_port


@pytest.fixture(params=["in-process", pytest.param("process", marks=pytest.mark.processes)])
def _run(request):
    """The same contract through ``main(argv)`` and through ``python -m`` in a new process."""
    def run(args, env, check=True):
        proc = run_cli(args, env, process=request.param == "process")
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
        return proc

    return run


@pytest.fixture
def cli_env():
    """The command-line contract, not retrieval quality: the hash embedder starts a process without loading e5."""
    return {**os.environ, **HASH_ENV}


def test_ingest_list_search_remove(_run, cli_env, samples_dir, tmp_path):
    db = str(tmp_path / "db")
    bad = tmp_path / "bad.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    proc = _run(["-m", "ingest", str(samples_dir), str(bad), "--db", db, "--json"], cli_env, check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]  # some files failed, the others imported
    out = json.loads(proc.stdout)
    assert set(out) == {"documents", "added_chunks", "skipped", "errors"}
    assert sum(len(d["reports"]) for d in out["documents"]) == 4 and out["added_chunks"] > 40
    assert set(out["documents"][0]["reports"][0]) == {"title", "org", "year", "chunks"}
    assert out["errors"][0]["file"].endswith("bad.pdf") and "损坏" in out["errors"][0]["error"]

    listed = json.loads(_run(["-m", "ingest", "list", "--db", db, "--json"], cli_env).stdout)
    assert {d["doc_id"] for d in listed["documents"]} == {d["doc_id"] for d in out["documents"]}

    found = json.loads(_run(["-m", "assistant", "search", "宣传发动不够深入", "--k", "3", "--section", "problems",
                             "--db", db, "--json"], cli_env).stdout)
    assert found["query"] == "宣传发动不够深入" and len(found["results"]) == 3
    first = found["results"][0]
    assert set(first) == {"rank", "chunk_id", "doc_id", "report_title", "org", "section_path", "section_type",
                          "source", "text", "score"}
    assert first["source"] == "text"
    assert all(r["section_type"] == "problems" for r in found["results"])
    measures = json.loads(_run(["-m", "assistant", "search", "线索摸排", "--section", "measures", "--db", db,
                                "--json"], cli_env).stdout)
    assert {r["section_type"] for r in measures["results"]} <= {"progress", "plans"}

    batch = tmp_path / "queries.txt"
    batch.write_text("延安市打掉了几个恶势力犯罪集团？\n\n经费保障\n", encoding="utf-8")
    lines = _run(["-m", "assistant", "search", "--batch", str(batch), "--db", db, "--json"], cli_env).stdout
    assert [json.loads(line)["query"] for line in lines.splitlines()] == ["延安市打掉了几个恶势力犯罪集团？", "经费保障"]

    doc_id = out["documents"][0]["doc_id"]
    _run(["-m", "ingest", "remove", doc_id, "--db", db], cli_env)
    listed = json.loads(_run(["-m", "ingest", "list", "--db", db, "--json"], cli_env).stdout)
    assert doc_id not in {d["doc_id"] for d in listed["documents"]}
    missing = _run(["-m", "ingest", "remove", doc_id, "--db", db], cli_env, check=False)
    assert missing.returncode == 1 and doc_id in missing.stderr


def test_ask_extractive_json(_run, cli_env, samples_dir, tmp_path):
    db = str(tmp_path / "db")
    _run(["-m", "ingest", str(samples_dir), "--db", db, "--json"], cli_env)
    result = json.loads(_run(["-m", "assistant", "ask", "县里为这项斗争专门投入了多少资金？", "--llm", "none",
                              "--db", db, "--json"], cli_env).stdout)
    assert {"question", "standalone_question", "answer", "mode", "refused", "citations", "unsupported_numbers",
            "timings"} <= set(result)
    assert result["mode"] == "extractive" and "35万元" in result["answer"]
    assert set(result["citations"][0]) == {"n", "chunk_id", "doc_id", "report_title", "section_path", "text"}



@pytest.mark.server
def test_server_mode_against_a_real_chroma_server(settings_factory, embeddings, samples_dir, tmp_path):
    from assistant.search import search_records
    from assistant.service import make_store
    from ingest.pipeline import ingest_paths

    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    server = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import chromadb

        deadline = time.time() + 60
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError("chroma server did not start")
                time.sleep(0.5)
        settings = settings_factory(tmp_path / "local", mode="server", host="127.0.0.1", port=port)
        index = make_store(settings, embeddings)
        summary = ingest_paths([samples_dir], index)
        assert index.store.count() == summary["added_chunks"] > 0
        results = search_records(index, "公安局扫黑领导小组组长", 3, settings)
        assert results and "公安局" in results[0]["report_title"] + results[0]["org"]
        assert not (tmp_path / "local" / "chroma").exists()  # vectors live on the server
    finally:
        server.terminate()
        server.wait(timeout=30)
