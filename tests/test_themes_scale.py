"""Themes at archive scale: each point's vector is kept at import (themes never embed the points) and a section larger
than ``themes.max_cluster_points`` is clustered in bounded rounds.  Real Chroma, real jieba, the hash embedder."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.settings import ThemesSettings
from assistant.themes import THRESHOLD, _cluster, _cluster_bounded, build_themes
from ingest.pipeline import ingest_paths
from ingest.points import POINT_SECTIONS, point_vector


class CountingEmbeddings:
    """The index's embedder, counting the texts it is asked to embed."""

    def __init__(self, inner):
        self.inner, self.texts = inner, []

    def embed_documents(self, texts):
        self.texts += list(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        self.texts.append(text)
        return self.inner.embed_query(text)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.fixture
def library(make_index, samples_dir):
    index = make_index()
    ingest_paths([samples_dir], index)
    return index


def _groups(result) -> list[list[tuple]]:
    """A theme list as comparable data: each theme's label, report count and points."""
    return [[t.label, t.reports, [(p.doc_id, p.chunk_id, p.lead, p.text) for p in t.points]] for t in result.themes]


def _partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels):
        groups.setdefault(label, set()).add(i)
    return {frozenset(g) for g in groups.values()}


KEPT = ThemesSettings(embed_max_points=0)  # the kept vectors whatever the section's size (as above the bound)


def test_point_vectors_are_kept_at_import_and_themes_embed_no_point(library):
    total = 0
    for section in POINT_SECTIONS:
        points = library.points(section)
        total += len(points)
        kept = library.point_vectors(section, points)
        windows = library.sentence_windows(sorted({c for p in points for c in p.chunk_ids}))
        made = [point_vector(p, windows) for p in points]  # the same computation from the stored sentences
        assert all(v is not None for v in kept)
        assert np.allclose(np.asarray(kept), np.asarray(made), atol=1e-5)
    assert total >= 30 and library.store.point_vecs.count() == total  # one stored vector per point
    before = {s: _groups(build_themes(library, s, settings=KEPT)) for s in POINT_SECTIONS}
    counter = library.embeddings = CountingEmbeddings(library.embeddings)
    after = {s: _groups(build_themes(library, s, settings=KEPT)) for s in POINT_SECTIONS}
    assert counter.texts == []  # not one point embedded at themes time
    assert after == before


def test_a_library_imported_before_point_vectors_gets_the_same_themes_without_embedding(library):
    before = {s: _groups(build_themes(library, s, settings=KEPT)) for s in POINT_SECTIONS}
    library.store.point_vecs.delete(where={"doc_id": {"$in": sorted(library.documents)}})  # as an older import
    assert library.store.point_vecs.count() == 0
    counter = library.embeddings = CountingEmbeddings(library.embeddings)
    assert {s: _groups(build_themes(library, s, settings=KEPT)) for s in POINT_SECTIONS} == before  # from the stored sentences
    assert counter.texts == []
    # a document whose sentence vectors are gone too: only its points are embedded, as "lead。text"
    doc = sorted(library.documents)[0]
    library.store.sentences.delete(where={"doc_id": doc})
    build_themes(library, "problems", settings=KEPT)
    own = [p for p in library.points("problems") if p.doc_id == doc]
    assert own and sorted(counter.texts) == sorted(f"{p.lead}。{p.text}" for p in own)


def test_a_small_section_is_embedded_lead_and_text_as_before(library):
    """At most ``embed_max_points`` points: e5 of "lead。text" for every point, made when themes are built (the
    sharper grouping); above it the kept vectors and nothing embedded."""
    points = library.points("problems")
    counter = library.embeddings = CountingEmbeddings(library.embeddings)
    build_themes(library, "problems", settings=ThemesSettings(embed_max_points=len(points)))
    assert sorted(counter.texts) == sorted(f"{p.lead}。{p.text}" for p in points)
    counter.texts.clear()
    build_themes(library, "problems", settings=ThemesSettings(embed_max_points=len(points) - 1))
    assert counter.texts == []


def test_removing_a_document_removes_its_point_vectors(library):
    doc = sorted(library.documents)[0]
    with library.lock():
        library.remove_document(doc)
    assert not library.store.point_vecs.get(where={"doc_id": doc})["ids"]
    assert library.store.point_vecs.count() > 0


def test_small_sections_are_clustered_as_before(library):
    """Below the limit (the default, 2,500), one clustering of the whole section: the same themes as no bound."""
    assert ThemesSettings().max_cluster_points >= 2000
    for section in POINT_SECTIONS:
        assert (_groups(build_themes(library, section, settings=ThemesSettings()))
                == _groups(build_themes(library, section, settings=ThemesSettings(max_cluster_points=0))))


def test_bounded_rounds_find_clear_clusters_as_one_clustering_does():
    """Five well-apart groups of 40 points each, in shuffled order: clustered 30 points at a time, each other point
    joining its nearest cluster, the partition is the one clustering all 200 at once gives."""
    from scipy import sparse

    rng = np.random.default_rng(7)
    centres = np.linalg.qr(rng.normal(size=(48, 5)))[0].T  # five orthogonal directions
    rows = np.repeat(centres, 40, axis=0) + rng.normal(scale=0.05, size=(200, 48))
    words = sparse.random(200, 30, density=0.05, random_state=3, format="csr")  # a TF-IDF-like sparse half
    features = sparse.hstack([sparse.csr_matrix(rows), words], format="csr")
    order = list(rng.permutation(200))
    whole = _cluster(features.toarray(), THRESHOLD)
    bounded = _cluster_bounded(features, THRESHOLD, order, limit=30, dimension=48)
    assert len(_partition(whole)) == 5
    assert _partition(bounded) == _partition(whole)


def test_a_section_over_the_limit_still_places_every_point_once(library):
    for section in POINT_SECTIONS:
        points = library.points(section)
        limit = max(2, len(points) // 3)
        bounded = build_themes(library, section, settings=ThemesSettings(max_cluster_points=limit))
        placed = [(p.doc_id, p.chunk_id, p.lead, p.text) for t in bounded.themes for p in t.points]
        assert sorted(placed) == sorted((p.doc_id, p.chunk_id, p.lead, p.text) for p in points)  # each exactly once
    # the samples' two recurring problems stay one theme each, whatever round their points fall in
    problems = build_themes(library, "problems", settings=ThemesSettings(max_cluster_points=5))
    for word in ("宣传", "线索摸排"):
        holding = [t for t in problems.themes if any(word in p.lead for p in t.points)]
        assert len(holding) == 1 and holding[0].reports >= 3, [t.label for t in holding]


def test_max_cluster_points_is_a_setting(monkeypatch):
    from assistant.settings import Settings

    monkeypatch.setenv("HUIBAO_THEMES__MAX_CLUSTER_POINTS", "300")
    assert Settings().themes.max_cluster_points == 300
