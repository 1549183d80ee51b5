"""How surely Chroma's HNSW index finds the nearest sentence windows (``HUIBAO_STORE__HNSW_EF_SEARCH``).

e5's vectors share a large common direction (two unrelated sentences score ~0.8), which is hard on an approximate
index: with Chroma's default ``ef_search`` of 100 the 120 nearest windows of a dev question came back with recall
0.957 on average and 0.750 at worst.  Real Chroma in a temp dir; vectors drawn the same way (a shared component plus
a random one), so the exact answer is known.
"""
from __future__ import annotations

import numpy as np


def _e5_like(n: int, dim: int, rng) -> np.ndarray:
    common = np.ones(dim) / np.sqrt(dim)
    v = 2.0 * common + rng.standard_normal((n, dim)) / np.sqrt(dim)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_an_existing_library_gets_the_setting_and_finds_the_true_nearest(tmp_path, settings_factory, embeddings):
    import chromadb

    from assistant.service import make_store
    from vectorstore.chroma import make_client

    rng = np.random.default_rng(3)
    dim = embeddings.dimension
    windows = _e5_like(6000, dim, rng)
    # a library made before the setting: Chroma's default configuration
    client = make_client("embedded", tmp_path / "index")
    old = client.get_or_create_collection("huibao-sentences", metadata={"embedding_model": embeddings.model_id,
                                                                        "dimension": dim},
                                          configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    assert old.configuration["hnsw"]["ef_search"] == 100
    ids = [f"d-{i:05d}:0" for i in range(len(windows))]
    for b in range(0, len(ids), 1000):
        old.add(ids=ids[b:b + 1000], embeddings=windows[b:b + 1000].tolist(),
                metadatas=[{"chunk_id": i.split(":")[0]} for i in ids[b:b + 1000]])
    queries = _e5_like(30, dim, rng)
    exact = [{ids[i] for i in np.argsort(-(windows @ q))[:120]} for q in queries]

    def recall(query) -> list[float]:
        return [len(e & set(query(q))) / 120 for q, e in zip(queries, exact)]

    before = recall(lambda q: old.query(query_embeddings=[q.tolist()], n_results=120, include=[])["ids"][0])
    chromadb.api.client.SharedSystemClient.clear_system_cache()

    settings = settings_factory(tmp_path / "index")
    assert settings.store.hnsw_ef_search == 1000
    index = make_store(settings, embeddings)
    assert index.store.sentences.configuration["hnsw"]["ef_search"] == 1000
    after = recall(lambda q: [f"{chunk}:0" for chunk, _ in index.store.window_ranking(q.tolist(), 120)])
    print(f"recall of the 120 nearest: default {np.mean(before):.3f} (min {min(before):.3f}), "
          f"setting {np.mean(after):.3f} (min {min(after):.3f})")
    # the graph is built in threads, so recall varies a little from run to run (seen: default 0.83, setting
    # 0.994–0.996 with the worst query at 0.975–0.983)
    assert np.mean(before) < 0.93  # what the default misses on vectors like e5's ...
    assert min(after) >= 0.95 and np.mean(after) >= 0.985, after  # ... the setting finds


def test_a_new_library_is_made_with_the_setting(tmp_path, settings_factory, embeddings):
    from assistant.service import make_store

    settings = settings_factory(tmp_path / "index")
    settings.store.hnsw_ef_search = 300
    store = make_store(settings, embeddings).store
    for collection in (store.collection, store.sentences, store.point_vecs):
        assert collection.configuration["hnsw"]["ef_search"] == 300
        assert collection.configuration["hnsw"]["space"] == "cosine"
