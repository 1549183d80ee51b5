"""The persistent index: ingest, duplicates, changed files, remove, crash recovery, model mismatch, search."""
from __future__ import annotations

import json
import shutil

import pytest

from ingest.pipeline import ingest_paths
from vectorstore.chroma import EmbeddingMismatchError


def _copy_samples(samples_dir, dest):
    dest.mkdir(parents=True, exist_ok=True)
    for f in samples_dir.glob("*.txt"):
        shutil.copy(f, dest / f.name)
    return dest


def test_ingest_is_idempotent_and_reports_bad_files(make_index, samples_dir, tmp_path):
    docs = _copy_samples(samples_dir, tmp_path / "docs")
    (docs / "empty.txt").write_bytes(b"")
    (docs / "broken.docx").write_bytes(b"PK\x03\x04broken")
    index = make_index()
    first = ingest_paths([docs], index)
    assert len(first["documents"]) == 2
    assert [len(d["reports"]) for d in first["documents"]] == [1, 3]
    assert first["added_chunks"] == index.count() == index.store.count() == index.keyword.count()
    assert {e["file"].rsplit("/", 1)[-1] for e in first["errors"]} == {"empty.txt", "broken.docx"}
    again = ingest_paths([docs], index)
    assert again["added_chunks"] == 0 and len(again["skipped"]) == 2
    assert index.store.count() == first["added_chunks"]


def test_changed_file_replaces_its_chunks_and_remove_deletes(make_index, tmp_path):
    path = tmp_path / "r.txt"
    path.write_text("某县工作汇报\n一、工作进展及成效\n一是强化组织领导，召开会议5次。\n二、存在问题\n一是宣传不够深入。\n",
                    encoding="utf-8")
    index = make_index()
    old_id = ingest_paths([path], index)["documents"][0]["doc_id"]
    path.write_text(path.read_text(encoding="utf-8") + "三、下步打算\n一是加强线索摸排。\n", encoding="utf-8")
    result = ingest_paths([path], index)
    new_id = result["documents"][0]["doc_id"]
    assert new_id != old_id and result["documents"][0]["replaced"] == old_id
    assert set(index.documents) == {new_id}
    assert index.store.doc_ids() == {new_id} and index.keyword.doc_ids() == {new_id}
    assert any("线索摸排" in h.text for h in index.search("线索摸排打算", k=3))
    with index.lock():
        assert index.remove_document(new_id)
    assert index.count() == 0 and index.store.count() == 0 and index.keyword.count() == 0
    assert index.search("宣传", k=3) == []


def test_crash_mid_document_leaves_no_partial_document(make_index, samples_dir, tmp_path, monkeypatch):
    docs = _copy_samples(samples_dir, tmp_path / "docs")
    index = make_index()

    def crash(self, doc_id):
        raise KeyboardInterrupt("power cut before the manifest entry")

    monkeypatch.setattr(type(index), "_save_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([docs], index)
    monkeypatch.undo()
    assert index.store.count() > 0  # vectors of the first document were written…
    reopened = make_index()
    assert reopened.documents == {}  # …but it never completed, so it is not visible
    assert reopened.search("宣传发动", k=5) == []
    ingest_paths([docs], reopened)  # the next write purges the orphans and ingests cleanly
    assert reopened.store.count() == reopened.count() == reopened.keyword.count()


def test_other_embedding_model_is_refused(make_index, settings_factory, embeddings, samples_dir, tmp_path):
    from assistant.service import make_store

    index = make_index(tmp_path / "idx")
    ingest_paths([samples_dir], index)
    original = embeddings.model_id
    embeddings.model_id = "bge-small-zh-v1.5"
    try:
        with pytest.raises(EmbeddingMismatchError, match=original):
            make_store(settings_factory(tmp_path / "idx"), embeddings)
    finally:
        embeddings.model_id = original


def test_search_filters_and_sections(sample_index):
    hits = sample_index.search("宣传发动不够深入", k=5, filters={"section_type": ["problems"]})
    assert hits and all(h.meta["section_type"] == "problems" for h in hits)
    orgs = {h.meta["org"] for h in sample_index.search("线索", k=10, filters={"org": "x公安局"})}
    assert orgs == {"x公安局"}
    assert sample_index.search("线索", k=5, filters={"year": 1999}) == []
    dense = sample_index.search("端掉了几个恶势力团伙", k=5, mode="dense")
    keyword = sample_index.search("雪亮工程", k=5, mode="keyword")
    assert dense and keyword and "雪亮工程" in keyword[0].text
    assert all(h.keyword_rank is None for h in dense) and all(h.dense_rank is None for h in keyword)


def test_manifest_records_reports(sample_index):
    reports = [r for rec in sample_index.documents.values() for r in rec["reports"]]
    assert len(reports) == 4
    assert all(r["chunks"] > 0 and r["sections"] for r in reports)
    json.dumps(sample_index.manifest, ensure_ascii=False)  # serialisable as written


def test_fusion_skips_a_keyword_hit_deleted_meanwhile():
    from vectorstore.hybrid import hybrid_search

    dense = ("dense", [("a", 0.9, "甲", {"doc_id": "d1"}), ("b", 0.8, "乙", {"doc_id": "d1"})], 1.0)
    keyword = ("keyword", [("gone", 3.0), ("b", 2.0)], 1.0)  # "gone" was removed by another process
    hits = hybrid_search([dense, keyword], lambda ids: {}, k=3)
    assert [h.chunk_id for h in hits] == ["b", "a"]
