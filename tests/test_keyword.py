"""The keyword index (SQLite FTS5 over jieba tokens): ranking, filters, coverage, transactions, another process's
writes, a kill -9 mid-write, and the migration of a keyword.json written by the previous version."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from vectorstore.keyword import KeywordIndex, tokenize

ROOT = Path(__file__).resolve().parent.parent

DOCS = {
    "d1": ["全县共打掉恶势力犯罪集团4个，破获刑事案件23起。", "宣传发动不够深入，群众知晓率不高。"],
    "d2": ["雪亮工程建设覆盖全部行政村，视频监控点位1200个。", "线索摸排不够精准，核查质量有待提高。"],
    "d3": ["下一步将加强线索摸排，完善线索核查机制。"],
}


def _meta(doc_id: str, j: int) -> dict:
    return {"doc_id": doc_id, "section_type": "problems" if j else "progress", "report_title": f"{doc_id}报告",
            "org": f"{doc_id}局", "year": 2020 + int(doc_id[1])}


def _fill(index: KeywordIndex, docs=DOCS) -> None:
    for doc_id, texts in docs.items():
        index.add([f"{doc_id}-{j}" for j in range(len(texts))], texts, [_meta(doc_id, j) for j in range(len(texts))])


def test_ranks_by_bm25_and_filters_by_metadata(tmp_path):
    index = KeywordIndex(tmp_path / "keyword.sqlite")
    _fill(index)
    assert index.count() == 5 and index.doc_ids() == {"d1", "d2", "d3"}
    hits = index.search("雪亮工程覆盖了多少行政村", k=3)
    assert hits[0][0] == "d2-0" and all(s > 0 for _, s in hits)
    assert [c for c, _ in index.search("线索摸排", k=5)] and {c for c, _ in index.search("线索摸排", k=5)} == {
        "d2-1", "d3-0"}
    assert [c for c, _ in index.search("线索摸排", k=5, filters={"section_type": ["problems"]})] == ["d2-1"]
    assert [c for c, _ in index.search("线索摸排", k=5, filters={"year": [2023]})] == ["d3-0"]
    assert index.search("线索摸排", k=5, filters={"org": ["别的局"]}) == []
    # a long list of allowed documents (every completed one) is applied after ranking, with the same result
    many = ["d3"] + [f"x{i}" for i in range(500)]
    assert [c for c, _ in index.search("线索摸排", k=5, filters={"doc_id": many})] == ["d3-0"]
    assert index.search("的 了 吗", k=5) == [] and index.search("", k=5) == []
    with pytest.raises(ValueError):
        index.search("线索", k=5, filters={"text; DROP TABLE chunks": ["x"]})


def test_coverage_weights_rare_words(tmp_path):
    index = KeywordIndex(tmp_path / "keyword.sqlite")
    _fill(index)
    assert index.coverage("雪亮工程视频监控", "d2-0") == pytest.approx(1.0)
    partial = index.coverage("雪亮工程宣传发动", "d2-0")
    assert 0.2 < partial < 0.8
    assert index.coverage("陈年旧案", "d2-0") == 0.0  # no word of the question is in the index
    assert index.tokens("d2-0") and set(index.tokens("d2-0")) <= set(tokenize(DOCS["d2"][0]))


def test_replace_and_delete_document(tmp_path):
    index = KeywordIndex(tmp_path / "keyword.sqlite")
    _fill(index)
    index.add(["d1-0"], ["全县共打掉涉黑组织2个。"], [_meta("d1", 0)])  # same chunk id: replaced, not doubled
    assert index.count() == 5 and index.search("恶势力犯罪集团", k=5) == []
    assert index.delete_doc("d2") == 2
    assert index.doc_ids() == {"d1", "d3"} and index.search("雪亮工程", k=5) == []


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    index = KeywordIndex(tmp_path / "keyword.sqlite")
    _fill(index, {"d1": DOCS["d1"]})
    real = KeywordIndex._insert
    calls = []

    def crash_on_second(db, *args):
        calls.append(args[0])
        if len(calls) == 2:
            raise KeyboardInterrupt("power cut mid-document")
        real(db, *args)

    monkeypatch.setattr(KeywordIndex, "_insert", staticmethod(crash_on_second))
    with pytest.raises(KeyboardInterrupt):
        _fill(index, {"d2": DOCS["d2"]})
    monkeypatch.undo()
    assert index.doc_ids() == {"d1"} and index.count() == 2  # the first chunk of d2 was rolled back
    _fill(index, {"d2": DOCS["d2"]})  # and the index is writable again at once
    assert index.count() == 4


@pytest.mark.processes
def test_another_process_sees_writes_without_reload(tmp_path):
    index = KeywordIndex(tmp_path / "keyword.sqlite")
    _fill(index, {"d1": DOCS["d1"]})
    assert index.search("雪亮工程", k=3) == []
    script = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(ROOT)!r})
        from vectorstore.keyword import KeywordIndex
        KeywordIndex({str(tmp_path / "keyword.sqlite")!r}).add(["d2-0"], [{DOCS["d2"][0]!r}], [{_meta("d2", 0)!r}])
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert [c for c, _ in index.search("雪亮工程", k=3)] == ["d2-0"]  # the same open object, no reload


@pytest.mark.processes
def test_kill_9_mid_write_keeps_the_committed_documents(tmp_path):
    path = tmp_path / "keyword.sqlite"
    index = KeywordIndex(path)
    _fill(index)
    script = textwrap.dedent(f"""
        import sys, time; sys.path.insert(0, {str(ROOT)!r})
        from vectorstore.keyword import KeywordIndex
        index = KeywordIndex({str(path)!r})
        index.add(["big-0"], ["扫黑除恶"], [{{"doc_id": "big"}}])
        print("ready", flush=True)
        i = 0
        while True:  # documents of 200 chunks each, until killed
            index.add([f"w{{i}}-{{j}}" for j in range(200)], ["整治软弱涣散基层党组织" * 5] * 200,
                      [{{"doc_id": f"w{{i}}"}}] * 200)
            i += 1
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reopened = KeywordIndex(path)
    counts = dict(reopened._conn().execute("SELECT doc_id, count(*) FROM chunks GROUP BY doc_id").fetchall())
    assert counts.pop("big") == 1 and counts.pop("d1") == 2 and counts.pop("d2") == 2 and counts.pop("d3") == 1
    assert counts and all(n == 200 for n in counts.values())  # whole documents only, never a partial one
    assert reopened._conn().execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert [c for c, _ in reopened.search("雪亮工程", k=1)] == ["d2-0"]


def test_keyword_json_of_the_previous_version_is_migrated(tmp_path):
    legacy = {f"{d}-{j}": {"tokens": tokenize(t), "meta": _meta(d, j)}
              for d, texts in DOCS.items() for j, t in enumerate(texts)}
    (tmp_path / "keyword.json").write_text(json.dumps(legacy, ensure_ascii=False), encoding="utf-8")
    index = KeywordIndex(tmp_path / "keyword.sqlite")
    assert not (tmp_path / "keyword.json").exists()
    assert index.count() == 5 and [c for c, _ in index.search("雪亮工程", k=1)] == ["d2-0"]
    assert KeywordIndex(tmp_path / "keyword.sqlite").count() == 5  # reopening imports nothing twice
