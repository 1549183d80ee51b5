"""Only completed documents are visible, whether or not the search names them to Chroma: with no unfinished chunk in
the store the search passes no document list (thousands of ids would slow every query down); with one, it does."""
from __future__ import annotations

import pytest

from ingest.pipeline import ingest_paths

from .test_server_mode import REPORT_A, REPORT_B


def test_unfinished_document_stays_invisible(make_index, tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(REPORT_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(REPORT_B, encoding="utf-8")
    index = make_index()
    doc_a = ingest_paths([tmp_path / "a.txt"], index)["documents"][0]["doc_id"]
    assert index.store.count() == index.count()

    def crash(self, doc_id):
        raise KeyboardInterrupt("killed before the manifest entry")

    monkeypatch.setattr(type(index), "_save_manifest", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths([tmp_path / "b.txt"], index)
    monkeypatch.undo()
    index = make_index()  # a reader: b never reached the manifest
    assert set(index.documents) == {doc_a} and index.store.count() > index.count()  # b's chunks are in the store…
    for mode in ("hybrid", "dense", "keyword", "dense-chunk"):
        hits = index.search("商品过秤短斤缺两案件", k=5, mode=mode)
        assert all(h.meta["doc_id"] == doc_a for h in hits), mode  # …and never shown
        assert hits or mode == "keyword"  # (a's text holds none of these words)

    with index.lock():
        assert index.recover()  # the orphan is purged; now every stored chunk is visible
    assert index.store.count() == index.count()
    assert "雪亮工程" in index.search("雪亮工程视频监控", k=1)[0].text
    assert index.search("雪亮工程", k=3, filters={"doc_id": "another"}) == []
    assert index.search("雪亮工程", k=3, filters={"doc_id": doc_a})
