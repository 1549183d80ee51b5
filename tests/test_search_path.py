"""The search path's cost-saving shortcuts give the answers of the long way: one window query whose deeper list also
yields the prior's ranking (instead of a second query filtered by report metadata), a chunk's report read from the
manifest (instead of from Chroma metadata), texts fetched for the top k only."""
from __future__ import annotations

import pytest

from tests.test_prior import COUNTY, PROVINCE
from vectorstore.hybrid import prior_matches, prior_where


@pytest.fixture
def one_file_two_reports(make_index, tmp_path):
    """A county's report and a provincial government report in one file (reports split by the structure step)."""
    from ingest.pipeline import ingest_paths

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "both.txt").write_text(PROVINCE + "\n\n" + COUNTY, encoding="utf-8")
    index = make_index()
    ingest_paths([tmp_path / "docs"], index)
    return index


PRIORS = [{"level": {"$in": ["县"]}}, {"kind": {"$nin": ["政府工作报告"]}}, {"kind": {"$in": ["政府工作报告"]}},
          {"org": {"$in": ["某县"]}, "level": {"$in": ["县"]}}]


@pytest.mark.parametrize("prior", PRIORS)
def test_a_chunks_report_from_the_manifest_is_the_one_its_metadata_names(one_file_two_reports, prior):
    index = one_file_two_reports
    (doc_id, record), = index.documents.items()
    assert [r["org"] for r in record["reports"]] == ["江南省人民政府", "某县"]
    got = index.store.collection.get(include=["metadatas"])
    prefers = index._preferred(prior)
    verdicts = {cid: prefers(cid) for cid in got["ids"]}
    assert verdicts == {cid: prior_matches(meta, prior) for cid, meta in zip(got["ids"], got["metadatas"])}
    assert set(verdicts.values()) == {True, False}  # each prior tells the two reports apart


def test_the_prior_ranking_equals_a_filtered_query_and_costs_one_window_query(one_file_two_reports, monkeypatch):
    index = one_file_two_reports
    question = "县里为这项斗争专门投入了多少资金？"
    prior = {"level": {"$in": ["县"]}}
    vector = index.embeddings.embed_query(question)
    # the long way: a second query filtered by report metadata, chunks ranked by their best window
    filtered = [cid for cid, _, _, _ in index.store.query_sentences(vector, 20, prior_where({}, prior))]
    assert filtered

    index.refresh()  # the first read after an import reopens the store's collections
    calls = []
    query = index.store.sentences.query
    monkeypatch.setattr(index.store.sentences, "query", lambda **kw: calls.append(kw) or query(**kw))
    captured = {}
    import vectorstore.index as module

    fuse = module.hybrid_search
    monkeypatch.setattr(module, "hybrid_search",
                        lambda rankings, *a: captured.update({n: r for n, r, _ in rankings}) or fuse(rankings, *a))
    hits = index.search(question, k=3, query_vector=vector, prior=prior)

    assert [cid for cid, _ in captured["prior"]] == filtered
    assert len(calls) == 1 and calls[0]["include"] == ["distances"]  # no metadata read, no second query
    assert "某县" in {h.meta["org"] for h in hits}  # the preferred report is brought into the top k
    assert all(h.text and h.meta.get("chunk_id") == h.chunk_id for h in hits)  # texts still come with the hits
    assert set(index.last_timings) >= {"prepare", "embed", "windows", "chunks", "keyword", "fusion"}


def test_derived_library_state_follows_the_manifest(one_file_two_reports, tmp_path):
    """What is cached per manifest version (the library's distinct reports, each document's report ranges) is
    dropped when a document is removed or added."""
    from ingest.pipeline import ingest_paths

    index = one_file_two_reports
    prior = {"kind": {"$in": ["政府工作报告"]}}
    assert index._selective(prior, index.documents) == prior  # one report meets it, the other not
    (doc_id,) = index.documents
    with index.lock():
        index.remove_document(doc_id)
    (tmp_path / "gov").mkdir()
    (tmp_path / "gov" / "province.txt").write_text(PROVINCE, encoding="utf-8")
    ingest_paths([tmp_path / "gov"], index)
    assert index._selective(prior, index.documents) == {}  # every report of the library now meets it
