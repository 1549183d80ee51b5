"""Server mode: two processes with their own data dirs against one real `chroma run` serve the same library.

The manifest lives in the server; each process's keyword index is a cache rebuilt from the server's chunks.  An
import through one process is found through the other (by meaning and by keyword) within seconds, a removal
disappears from both, and the data dirs hold nothing the library needs (deleting one loses nothing).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT, free_port, wait_until_serving

REPORT_A = """某县扫黑除恶专项斗争工作汇报
一、工作进展
一是强化组织领导，召开领导小组会议5次。二是建成雪亮工程视频监控点位1200个，覆盖全部行政村。
二、存在问题
一是宣传发动不够深入，群众知晓率不高。
"""
REPORT_B = """某市市场监督管理局常态化扫黑除恶工作总结
一、主要做法
一是开展行业乱象整治，查处商品过秤短斤缺两案件12起。二是加强市场准入审查，清理异常经营主体。
二、存在问题
一是线索移送机制不够顺畅，部门协作有待加强。
"""


@pytest.fixture
def chroma_server(tmp_path):
    """`chroma run` (the chromadb package's CLI) on a free loopback port; yields the port; always terminated."""
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        exe = shutil.which("chroma")
    port = free_port()
    log = (tmp_path / "chroma.log").open("wb")
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}/api/v2/heartbeat", "chroma run", tmp_path / "chroma.log",
                           60, pause=0.3)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cli(module: str, args: list[str], data_dir: Path, port: int, e5_model_dir: Path) -> dict:
    """Another process: ``python -m <module> … --json`` in server mode with its own data dir."""
    env = {**os.environ, "HUIBAO_STORE__MODE": "server", "HUIBAO_STORE__PORT": str(port),
           "HUIBAO_STORE__HOST": "127.0.0.1", "HUIBAO_EMBEDDING__MODEL": str(e5_model_dir),
           "HUIBAO_LLM__BACKEND": "none", "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", module, *args, "--db", str(data_dir), "--json"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _eventually(check, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not visible within the deadline"
        time.sleep(0.2)


@pytest.mark.server
@pytest.mark.e5
def test_two_processes_share_one_library(chroma_server, settings_factory, e5_embeddings, e5_model_dir, tmp_path):
    from assistant.service import make_store
    from ingest.pipeline import ingest_paths

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (docs / "b.txt").write_text(REPORT_B, encoding="utf-8")

    first = make_store(settings_factory(tmp_path / "dir-a", e5=True, mode="server", port=chroma_server), e5_embeddings)
    added = ingest_paths([docs / "a.txt"], first)
    doc_a = added["documents"][0]["doc_id"]
    assert not (tmp_path / "dir-a" / "manifest.json").exists()  # the manifest is in the server

    # another process, its own (empty) data dir: finds what the first imported, by keyword and by meaning
    found = _cli("assistant", ["search", "雪亮工程视频监控点位"], tmp_path / "dir-b", chroma_server, e5_model_dir)
    assert found["results"] and "雪亮工程" in found["results"][0]["text"]
    assert found["results"][0]["doc_id"] == doc_a

    # an import through the other process is searchable through the first, already open, within seconds
    other = _cli("ingest", [str(docs / "b.txt")], tmp_path / "dir-b", chroma_server, e5_model_dir)
    doc_b = other["documents"][0]["doc_id"]
    start = time.monotonic()
    _eventually(lambda: any("短斤缺两" in h.text for h in first.search("短斤缺两", k=3, mode="keyword")))
    assert time.monotonic() - start < 5
    assert set(first.documents) == {doc_a, doc_b}
    assert "短斤缺两" in first.search("商品过秤缺斤少两的案件查处了多少", k=3)[0].text

    # a removal through the first disappears from the other
    with first.lock():
        assert first.remove_document(doc_b)
    listed = _cli("ingest", ["list"], tmp_path / "dir-b", chroma_server, e5_model_dir)
    assert [d["doc_id"] for d in listed["documents"]] == [doc_a]
    again = _cli("assistant", ["search", "短斤缺两"], tmp_path / "dir-b", chroma_server, e5_model_dir)
    assert all(r["doc_id"] == doc_a for r in again["results"])

    # a data dir is only a cache: a process starting from a fresh one serves the same library
    shutil.rmtree(tmp_path / "dir-a")
    fresh = make_store(settings_factory(tmp_path / "dir-a", e5=True, mode="server", port=chroma_server), e5_embeddings)
    assert set(fresh.documents) == {doc_a}
    assert "雪亮工程" in fresh.search("雪亮工程", k=1, mode="keyword")[0].text


def test_manifest_rows_in_the_store(tmp_path, monkeypatch):
    """Pending rows protect a write in progress, stale ones are cleared, every change moves the version."""
    from vectorstore import manifest as m
    from vectorstore.chroma import make_client

    store = m.ChromaManifest(make_client("embedded", tmp_path), "t")
    assert store.load() == {} and store.stamp() is None
    store.begin("d1")
    assert store.in_progress() == {"d1"} and store.load() == {}  # being written: neither visible nor an orphan
    docs = {"d1": {"name": "一.txt", "chunks": 3}}
    store.put(docs, "d1")
    first = store.stamp()
    assert store.load() == docs and store.in_progress() == set() and first
    store.begin("d2")
    monkeypatch.setattr(m, "PENDING_STALE_S", -1.0)  # as if its writer died long ago
    assert store.in_progress() == set()
    monkeypatch.undo()
    assert store.collection.get(ids=["d2"])["ids"] == []  # the stale row is gone
    store.drop({}, "d1")
    assert store.load() == {} and store.stamp() not in (None, first)
