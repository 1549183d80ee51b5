"""Chroma, embedded or as a server, with the embedding model recorded on the collection.

Vectors from two models live in different spaces: searching one with the other returns confident garbage.  The
collection stores the model id and dimension it was built with, and opening it with another model is an error.
"""
from __future__ import annotations

import functools
from pathlib import Path


class EmbeddingMismatchError(RuntimeError):
    """The index was built with another embedding model."""


def make_client(mode: str, path: str | Path | None = None, host: str = "127.0.0.1", port: int = 8000):
    """A Chroma client: files under ``path`` (embedded) or a server at host:port (``chroma run``)."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    settings = ChromaSettings(anonymized_telemetry=False)
    match mode:
        case "embedded":
            Path(path).mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(Path(path) / "chroma"), settings=settings)
        case "server":
            return chromadb.HttpClient(host=host, port=port, settings=settings)
        case _:
            raise ValueError(f"unknown store mode {mode!r} (embedded | server)")


def _collection(client, name: str, model_id: str, dimension: int):
    collection = client.get_or_create_collection(
        name, metadata={"embedding_model": model_id, "dimension": dimension},
        configuration={"hnsw": {"space": "cosine"}}, embedding_function=None)
    meta = collection.metadata or {}
    if meta.get("embedding_model") != model_id or int(meta.get("dimension", dimension)) != dimension:
        raise EmbeddingMismatchError(
            f"索引 {name!r} 由嵌入模型 {meta.get('embedding_model')!r}（{meta.get('dimension')} 维）建立，"
            f"当前模型为 {model_id!r}（{dimension} 维）：请换回原模型，或用新的 --db 目录重新导入")
    return collection


def _points_collection(client, name: str):
    """``<name>-points``: each document's enumerated points (ingest/points.py), stored as records, not vectors."""
    return client.get_or_create_collection(f"{name}-points", metadata={"role": "points"}, embedding_function=None)


def _upsert(collection, ids, vectors, texts, metadatas, batch: int = 500) -> None:
    for i in range(0, len(ids), batch):
        collection.upsert(ids=ids[i:i + batch], embeddings=vectors[i:i + batch], documents=texts[i:i + batch],
                          metadatas=metadatas[i:i + batch])


def _reopening(method):
    """Retry a read once on a freshly opened client when Chroma's in-memory vector index is stale.

    An embedded client keeps its HNSW index in memory.  When another process (a CLI import resuming after a kill -9)
    purges the vectors a crash left and writes the same ids again, the reader's index still returns the old internal
    ids and every query fails ("Error finding id") until the files are read again.
    """
    @functools.wraps(method)
    def read(self, *args, **kwargs):
        from chromadb.errors import InternalError

        try:
            return method(self, *args, **kwargs)
        except InternalError:
            if not self._reopen():
                raise
            return method(self, *args, **kwargs)
    return read


class ChromaStore:
    """The dense side of the index, in cosine space with our own embeddings: a collection of chunks (text, metadata,
    chunk vector) and one of sentence windows (each sentence and adjacent pair, pointing at its chunk)."""

    def __init__(self, client, name: str, model_id: str, dimension: int):
        self.client, self.name, self.model_id, self.dimension = client, name, model_id, dimension
        self.collection = _collection(client, name, model_id, dimension)
        self.sentences = _collection(client, f"{name}-sentences", model_id, dimension)
        self.points = _points_collection(client, name)

    def _reopen(self) -> bool:
        """Open the embedded files anew (see :func:`_reopening`); False for a server client (nothing to reload)."""
        import chromadb
        from chromadb.api.client import SharedSystemClient

        settings = self.client.get_settings()
        if not settings.is_persistent or not settings.persist_directory:
            return False
        SharedSystemClient.clear_system_cache()
        self.client = chromadb.PersistentClient(path=settings.persist_directory, settings=settings)
        self.collection = _collection(self.client, self.name, self.model_id, self.dimension)
        self.sentences = _collection(self.client, f"{self.name}-sentences", self.model_id, self.dimension)
        self.points = _points_collection(self.client, self.name)
        return True

    def add(self, ids: list[str], vectors: list[list[float]], texts: list[str], metadatas: list[dict],
            windows: list[tuple[str, str, list[float], dict]] = ()) -> None:
        """Chunks and their sentence windows ``(window_id, text, vector, metadata with chunk_id)``."""
        _upsert(self.collection, ids, vectors, texts, metadatas)
        if windows:
            w_ids, w_texts, w_vectors, w_metas = map(list, zip(*windows))
            _upsert(self.sentences, w_ids, w_vectors, w_texts, w_metas)

    def add_points(self, ids: list[str], texts: list[str], metadatas: list[dict]) -> None:
        """Records without vectors (a placeholder one: Chroma wants a vector per row)."""
        _upsert(self.points, ids, [[1.0]] * len(ids), texts, metadatas)

    @_reopening
    def get_points(self, where: dict) -> list[tuple[str, str, dict]]:
        got = self.points.get(where=where, include=["documents", "metadatas"])
        return list(zip(got["ids"], got["documents"], got["metadatas"]))

    @_reopening
    def has_points(self, ids: list[str]) -> set[str]:
        """Which of these point-record ids exist."""
        return set(self.points.get(ids=ids, include=[])["ids"]) if ids else set()

    @_reopening
    def get_where(self, where: dict | None, include: tuple[str, ...] = ("documents", "metadatas"),
                  sentences: bool = False) -> dict:
        """Chroma's own ``get`` on the chunks (or the sentence windows) matching ``where`` (None: all)."""
        return (self.sentences if sentences else self.collection).get(where=where or None, include=list(include))

    def delete_doc(self, doc_id: str) -> None:
        self.points.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})
        self.collection.delete(where={"doc_id": doc_id})

    def doc_ids(self, page: int = 5000) -> set[str]:
        """Every doc_id the chunks name, read a page at a time: one ``get`` of the whole collection fails at archive
        scale (Chroma: "too many SQL variables" at ~50k chunks)."""
        ids: set[str] = set()
        offset = 0
        while True:
            got = self.collection.get(include=["metadatas"], limit=page, offset=offset)
            ids |= {m.get("doc_id") for m in got["metadatas"] or []}
            if len(got["ids"]) < page:
                return ids
            offset += page

    @_reopening
    def query_sentences(self, vector: list[float], k: int, where: dict | None = None
                        ) -> list[tuple[str, float, str, dict]]:
        """Chunks ranked by their best-matching sentence window: (chunk_id, similarity, window text, metadata)."""
        n = self.sentences.count()
        if n == 0:
            return []
        got = self.sentences.query(query_embeddings=[vector], n_results=min(k * 6, n), where=where or None,
                                   include=["documents", "metadatas", "distances"])
        best: dict[str, tuple[str, float, str, dict]] = {}
        for dist, doc, meta in zip(got["distances"][0], got["documents"][0], got["metadatas"][0]):
            best.setdefault(meta["chunk_id"], (meta["chunk_id"], 1.0 - dist, doc, meta))
        return list(best.values())[:k]

    @_reopening
    def window_ranking(self, vector: list[float], n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk_id, similarity) of the ``n`` nearest sentence windows, best first (a chunk may recur).

        Distances only: fetching each window's metadata and text is what made a query slow (about 40 ms for 120
        windows among 10,000, against 7 ms for the distances), and the chunk is in the window's id
        (``<chunk_id>:<j>``, ingest.chunker.Chunk.windows).  No count() first: Chroma returns what it holds."""
        got = self.sentences.query(query_embeddings=[vector], n_results=max(1, n), where=where or None,
                                   include=["distances"])
        return [(wid.rsplit(":", 1)[0], 1.0 - dist) for wid, dist in zip(got["ids"][0], got["distances"][0])]

    @_reopening
    def chunk_ranking(self, vector: list[float], k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk_id, similarity) of the ``k`` nearest whole-chunk vectors, best first; distances only (see
        :meth:`window_ranking`)."""
        got = self.collection.query(query_embeddings=[vector], n_results=max(1, k), where=where or None,
                                    include=["distances"])
        return [(cid, 1.0 - dist) for cid, dist in zip(got["ids"][0], got["distances"][0])]

    @_reopening
    def sentence_vectors(self, ids: list[str]) -> dict[str, list[float]]:
        if not ids:
            return {}
        got = self.sentences.get(ids=ids, include=["embeddings"])
        return {i: list(v) for i, v in zip(got["ids"], got["embeddings"])}

    def count(self) -> int:
        return self.collection.count()

    @_reopening
    def get(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["documents", "metadatas"])
        return {i: (d, m) for i, d, m in zip(got["ids"], got["documents"], got["metadatas"])}

    @_reopening
    def query(self, vector: list[float], k: int, where: dict | None = None) -> list[tuple[str, float, str, dict]]:
        """(chunk_id, cosine similarity, text, metadata), best first."""
        n = self.collection.count()
        if n == 0:
            return []
        got = self.collection.query(query_embeddings=[vector], n_results=min(k, n), where=where or None,
                                    include=["documents", "metadatas", "distances"])
        return [(i, 1.0 - dist, doc, meta) for i, dist, doc, meta in
                zip(got["ids"][0], got["distances"][0], got["documents"][0], got["metadatas"][0])]
