"""How a chunk gets its whole-chunk vector (``HUIBAO_EMBEDDING__CHUNK_VECTORS``), and how a library keeps one kind.

pooled (the default): the mean of its sentence vectors plus ``head_weight`` × its title-and-section-path vector, so
each character is embedded once; encoded: the whole passage embedded again.  Real Chroma, real jieba, the hash
embedder (deterministic, so the stored vectors can be recomputed exactly).
"""
from __future__ import annotations

import json
import logging
import os

import numpy as np
import pytest

from tests.cli import run_cli
from tests.conftest import HASH_ENV

REPORT = """某县常态化扫黑除恶工作情况汇报

一、工作进展
（一）强化线索核查。今年以来共受理涉黑涉恶线索12条，已核查办结10条。对群众反映强烈的问题逐一回访。
（二）深化行业整治。全县开展交通运输、自然资源等重点行业专项整治，排查问题隐患23个。
二、存在问题
一是线索质量不高，有效线索占比偏低；二是部分行业监管存在盲区。
"""
OTHER = REPORT.replace("某县", "某区").replace("12条", "15条")


class Recording:
    """The hash embedder, recording every text it embeds."""

    def __init__(self):
        from vectorstore.hash_embeddings import HashEmbeddings

        self.inner = HashEmbeddings()
        self.model_id, self.dimension = self.inner.model_id, self.inner.dimension
        self.texts: list[str] = []

    def embed_documents(self, texts):
        self.texts.extend(texts)
        return self.inner.embed_documents(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)

    def embed_queries(self, texts):
        return self.inner.embed_queries(texts)


def _library(tmp_path, settings_factory, embedder, mode: str, head_weight: float = 0.5):
    from assistant.service import make_store

    settings = settings_factory(tmp_path / "index")
    settings.embedding.chunk_vectors, settings.embedding.head_weight = mode, head_weight
    return make_store(settings, embedder)


def _import(index, tmp_path, text: str = REPORT, name: str = "某县汇报.txt"):
    """Import ``text``; its chunks and their stored chunk vectors."""
    from ingest.pipeline import ingest_paths, prepare_document

    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    ingest_paths([path], index)
    chunks = prepare_document(path).chunks
    return chunks, _stored(index, chunks[0].doc_id)


def _stored(index, doc_id: str) -> dict:
    got = index.store.get_where({"doc_id": doc_id}, ("embeddings", "metadatas"))
    return {meta["chunk_id"]: np.asarray(vec) for vec, meta in zip(got["embeddings"], got["metadatas"])}


def _head(chunk) -> str:
    return chunk.embed_text[:-len(chunk.text)].strip()


def _pooled(chunk, weight: float) -> np.ndarray:
    from vectorstore.hash_embeddings import HashEmbeddings

    hash_ = HashEmbeddings()
    vector = (np.mean(hash_.embed_documents([t for _, t in chunk.windows()]), axis=0)
              + weight * np.asarray(hash_.embed_query(_head(chunk))))
    return vector / np.linalg.norm(vector)


def _encoded(chunk) -> np.ndarray:
    from vectorstore.hash_embeddings import HashEmbeddings

    return np.asarray(HashEmbeddings().embed_query(chunk.embed_text))


def test_pooled_chunk_vector_is_the_mean_of_its_sentences_and_its_head(tmp_path, settings_factory):
    embedder = Recording()
    index = _library(tmp_path, settings_factory, embedder, "pooled", 0.5)
    chunks, stored = _import(index, tmp_path)
    assert len(chunks) >= 2 and set(stored) == {c.chunk_id for c in chunks}
    assert index.store.chunk_vectors == "pooled:0.5"  # recorded with the new library
    for chunk in chunks:
        assert _head(chunk) == f"{chunk.report_title}\n{chunk.section_path}"
        assert np.allclose(stored[chunk.chunk_id], _pooled(chunk, 0.5), atol=1e-6), chunk.chunk_id
    # each character once: every sentence embedded exactly once, no passage embedded whole, besides them only the
    # heads, each once (this document's chunks share one batch)
    heads = [t for t in embedder.texts if "\n" in t]
    assert sorted(t for t in embedder.texts if "\n" not in t) == sorted(t for c in chunks for _, t in c.windows())
    assert sorted(heads) == sorted({_head(c) for c in chunks})
    assert not {c.embed_text for c in chunks} & set(embedder.texts)


def test_head_weight_moves_the_chunk_vector_towards_its_section(tmp_path, settings_factory):
    from vectorstore.hash_embeddings import HashEmbeddings

    _, bare = _import(_library(tmp_path / "bare", settings_factory, Recording(), "pooled", 0.0), tmp_path / "bare")
    chunks, weighted = _import(_library(tmp_path / "w", settings_factory, Recording(), "pooled", 0.5), tmp_path / "w")
    for chunk in chunks:
        head = np.asarray(HashEmbeddings().embed_query(_head(chunk)))
        assert float(weighted[chunk.chunk_id] @ head) > float(bare[chunk.chunk_id] @ head)


def test_encoded_chunk_vector_is_the_whole_passage(tmp_path, settings_factory):
    embedder = Recording()
    index = _library(tmp_path, settings_factory, embedder, "encoded")
    chunks, stored = _import(index, tmp_path)
    assert index.store.chunk_vectors == "encoded"
    for chunk in chunks:
        assert np.allclose(stored[chunk.chunk_id], _encoded(chunk), atol=1e-6)
    assert {c.embed_text for c in chunks} <= set(embedder.texts)


def test_a_chunk_without_sentences_is_embedded_whole():
    from vectorstore.chunk_vectors import ChunkVectors, embed_chunks

    embedder = Recording()
    chunks, sentences = embed_chunks(embedder, ["标题\n一、工作进展\n", ""], ["表1", "一是强化宣传。二是深化整治。"],
                                     [[], ["一是强化宣传。", "二是深化整治。"]], ChunkVectors("pooled", 0.5))
    assert np.allclose(chunks[0], embedder.inner.embed_query("标题\n一、工作进展\n表1"))
    assert len(sentences[1]) == 2 and "标题\n一、工作进展\n表1" in embedder.texts
    expected = np.mean(sentences[1], axis=0)
    assert np.allclose(chunks[1], expected / np.linalg.norm(expected))  # no head: the sentences' mean alone


def test_labels_round_trip():
    from vectorstore.chunk_vectors import ChunkVectors

    for how in (ChunkVectors(), ChunkVectors("pooled", 0.5), ChunkVectors("pooled", 1.25)):
        assert ChunkVectors.parse(how.label) == how
    assert ChunkVectors.parse(None) == ChunkVectors("encoded")  # a library recorded before the choice existed
    with pytest.raises(ValueError):
        ChunkVectors.parse("mean")


def test_a_library_keeps_its_kind_until_repooled(tmp_path, settings_factory, caplog):
    """An archive imported with encoded chunk vectors stays encoded when the setting says pooled (a question would
    rank the two kinds apart); ``repool`` converts it from the stored sentence vectors, embedding only heads."""
    from vectorstore.chunk_vectors import ChunkVectors

    old = _library(tmp_path, settings_factory, Recording(), "encoded")
    county, _ = _import(old, tmp_path)
    embedder = Recording()
    index = _library(tmp_path, settings_factory, embedder, "pooled", 0.5)  # the same data dir, the new setting
    with caplog.at_level(logging.WARNING, logger="vectorstore.index"):
        district, stored = _import(index, tmp_path, OTHER, "某区汇报.txt")
    assert "ingest repool" in caplog.text
    assert index.store.chunk_vectors == "encoded"
    for chunk in district:
        assert np.allclose(stored[chunk.chunk_id], _encoded(chunk), atol=1e-6)

    embedder.texts.clear()
    seen = []
    with index.lock():
        written = index.repool(progress=seen.append)
    assert written == len(county) + len(district) and sorted(seen) == sorted(index.documents)
    assert index.store.chunk_vectors == "pooled:0.5"
    assert sorted(embedder.texts) == sorted({_head(c) for c in county + district})  # only heads embedded
    for chunks in (county, district):
        stored = _stored(index, chunks[0].doc_id)
        for chunk in chunks:
            assert np.allclose(stored[chunk.chunk_id], _pooled(chunk, 0.5), atol=1e-6), chunk.chunk_id
    assert index.search("线索核查办结了多少条", k=3)  # the converted library searches
    with pytest.raises(ValueError):
        index.repool(ChunkVectors("encoded"))


def test_repool_command(tmp_path):
    db = str(tmp_path / "db")
    (tmp_path / "某县汇报.txt").write_text(REPORT, encoding="utf-8")
    env = {**os.environ, **HASH_ENV, "HUIBAO_EMBEDDING__CHUNK_VECTORS": "encoded"}
    assert run_cli(["-m", "ingest", str(tmp_path / "某县汇报.txt"), "--db", db], env).returncode == 0
    refused = run_cli(["-m", "ingest", "repool", "--db", db, "--json"], env)
    assert refused.returncode == 2 and "encoded" in refused.stderr
    env = {**os.environ, **HASH_ENV}  # the default: pooled
    done = run_cli(["-m", "ingest", "repool", "--db", db, "--json"], env)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["before"] == "encoded" and out["chunk_vectors"] == "pooled:0.5" and out["chunks"] >= 2
    again = run_cli(["-m", "ingest", "repool", "--db", db, "--json"], env)
    assert again.returncode == 0 and json.loads(again.stdout)["chunks"] == 0  # nothing left to do


def test_settings_reach_the_index(tmp_path, settings_factory, embeddings, monkeypatch):
    from assistant.service import make_store
    from assistant.settings import Settings
    from vectorstore.chunk_vectors import ChunkVectors

    assert (Settings().embedding.chunk_vectors, Settings().embedding.head_weight) == ("pooled", 0.5)
    monkeypatch.setenv("HUIBAO_EMBEDDING__HEAD_WEIGHT", "0.25")
    settings = Settings()
    settings.embedding.backend, settings.store.path = "hash", tmp_path / "index"
    index = make_store(settings, embeddings)
    assert index.chunk_vectors == ChunkVectors("pooled", 0.25) and index.store.chunk_vectors == "pooled:0.25"
