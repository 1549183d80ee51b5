"""The index's query interface: points kept at ingest, an old index without them, chunks and sentence windows."""
from __future__ import annotations

import logging
from dataclasses import asdict

import pytest

from ingest.pipeline import ingest_paths
from ingest.points import POINT_SECTIONS, points_of


@pytest.fixture(scope="module")
def library(settings_factory, embeddings, samples_dir, tmp_path_factory):
    """The samples ingested once; the tests that change it (an old index, a removal) come last."""
    from assistant.service import make_store

    index = make_store(settings_factory(tmp_path_factory.mktemp("points-index")), embeddings)
    ingest_paths([samples_dir], index)
    return index


def test_points_are_stored_at_ingest_and_equal_a_fresh_parse(library, caplog):
    """What the index serves from its points collection is exactly what parsing the stored chunks gives."""
    caplog.set_level(logging.WARNING, logger="vectorstore.index")
    docs = sorted(library.documents)
    assert library.store.points.count() > len(docs)  # one marker per document, and its points
    total = 0
    for section in POINT_SECTIONS:
        served = library.points(section)
        parsed = points_of(library.chunks(section), section)
        assert [asdict(p) for p in served] == [asdict(p) for p in parsed]
        total += len(served)
        assert [p.doc_id for p in served] == sorted(p.doc_id for p in served)  # reading order across documents
        one = library.points(section, doc_ids=docs[:1])
        assert [asdict(p) for p in one] == [asdict(p) for p in served if p.doc_id == docs[0]]
    assert total >= 30
    assert "重新导入" not in caplog.text  # nothing parsed at read time


def test_unknown_section_is_refused(library):
    with pytest.raises(ValueError, match="unknown section"):
        library.points("overview")


def test_chunks_windows_and_orgs(library):
    chunks = library.chunks("problems")
    assert chunks and all(m["section_type"] == "problems" for _, _, m in chunks)
    assert len(library.chunks()) == library.count()
    windows = library.sentence_windows([chunks[0][0]])
    (text, vector), *_ = windows[chunks[0][0]]
    assert text in chunks[0][1] and len(vector) == library.embeddings.dimension
    assert library.sentence_windows([]) == {}
    assert library.orgs() == sorted({r["org"] for r in library.reports() if r["org"]}) and "x公安局" in library.orgs()


def test_an_index_built_before_points_were_kept_parses_them_and_says_so(library, caplog):
    before = {s: [asdict(p) for p in library.points(s)] for s in POINT_SECTIONS}
    old = sorted(library.documents)[0]
    library.store.points.delete(where={"doc_id": old})  # as an index ingested by the previous version
    caplog.set_level(logging.WARNING, logger="vectorstore.index")
    after = {s: [asdict(p) for p in library.points(s)] for s in POINT_SECTIONS}
    assert after == before
    assert "1 份文档导入时尚未保存要点" in caplog.text and "重新导入" in caplog.text


def test_removing_a_document_removes_its_points(library):
    doc = sorted(library.documents)[0]
    with library.lock():
        library.remove_document(doc)
    assert not library.store.points.get(where={"doc_id": doc})["ids"]
    assert all(p.doc_id != doc for s in POINT_SECTIONS for p in library.points(s))
