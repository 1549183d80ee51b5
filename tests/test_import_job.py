"""Large imports as jobs: the CLI's ETA counts only the work left, and a batch killed with -9 resumes without redoing
the documents it finished."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from ingest.pipeline import _Progress

from .conftest import ROOT

SECTIONS = ["强化组织领导", "深化线索摸排", "严厉打击犯罪", "推进行业整治", "加强宣传发动", "夯实基层基础"]


def _report(n: int) -> str:
    body = "".join(f"{'一二三四五六'[j]}是{s}，第{n}县召开专题会议{j + 2}次，排查问题线索{n * 10 + j}条，形成整改清单。"
                   for j, s in enumerate(SECTIONS))
    return f"第{n}县扫黑除恶工作汇报\n一、工作进展\n{body}\n二、存在问题\n一是宣传发动不够深入，第{n}县群众知晓率不高。\n"


def test_progress_total_leaves_out_files_already_imported(tmp_path):
    files = []
    for i, size in enumerate((100, 200, 400)):
        files.append(tmp_path / f"{i}.txt")
        files[-1].write_bytes(b"x" * size)
    bar = _Progress(files)
    assert bar.bar.total == 700
    bar.step(0, files[0], 0)
    bar.step(1, files[1], 5)  # the first file added chunks: done
    bar.step(2, files[2], 5)  # the second added none (already imported): out of the total
    bar.close(9)
    assert bar.bar.n == bar.bar.total == 500


@pytest.mark.processes
@pytest.mark.e5  # the real model's pace leaves time to kill the batch between documents
def test_killed_batch_resumes_without_redoing_finished_documents(tmp_path, e5_model_dir, e5_embeddings):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(1, 9):
        (docs / f"{n:02d}.txt").write_text(_report(n), encoding="utf-8")
    db = tmp_path / "index"
    env = {**os.environ, "HUIBAO_EMBEDDING__MODEL": str(e5_model_dir), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "ingest", str(docs), "--db", str(db), "--json"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    manifest = db / "manifest.json"
    deadline = time.monotonic() + 300
    while not (manifest.exists() and json.loads(manifest.read_text(encoding="utf-8"))["documents"]):
        assert proc.poll() is None and time.monotonic() < deadline, "no document finished"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    finished = set(json.loads(manifest.read_text(encoding="utf-8"))["documents"])
    assert finished

    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    skipped = {s["reason"].split("doc_id ")[1].rstrip("）") for s in summary["skipped"]}
    assert skipped == finished  # what was finished is not done again…
    assert len(summary["documents"]) + len(skipped) == 8  # …and the rest is imported
    assert not summary["errors"]

    from assistant.service import make_store
    from assistant.settings import load_settings

    index = make_store(load_settings(db), e5_embeddings)
    assert len(index.documents) == 8
    assert index.store.count() == index.count() == index.keyword.count()  # nothing half-written was kept
