"""Chroma, embedded or as a server, with the embedding model recorded on the collection.

Vectors from two models live in different spaces: searching one with the other returns confident garbage.  The
collection stores the model id and dimension it was built with, and opening it with another model is an error.  The
chunk collection also records how its chunk vectors are made (vectorstore.embeddings.ChunkVectors), so a library's
imports all make them alike.
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


# HNSW candidates examined per query (Chroma's ``ef_search``; the ``store.hnsw_ef_search`` setting).  Chroma's
# default of 100 missed the true nearest sentence windows: over the 16 reports of the benches (5,914 windows), the
# 120 nearest of the 62 dev questions came back with recall 0.957 on average and 0.750 at worst, and one evidence
# sentence of the prior's 600-deep query was lost; 1000 gives 1.000 / 0.992 and 0.998 at 600 deep.
EF_SEARCH = 1000


def _collection(client, name: str, model_id: str, dimension: int, ef_search: int = EF_SEARCH, **created: str):
    """The collection ``name`` for this model; ``created``: more metadata, recorded only if it is created now.
    ``ef_search`` is set on a collection made before it was a setting too (Chroma lets it change)."""
    collection = client.get_or_create_collection(
        name, metadata={"embedding_model": model_id, "dimension": dimension, **created},
        configuration={"hnsw": {"space": "cosine", "ef_search": ef_search}}, embedding_function=None)
    meta = collection.metadata or {}
    if meta.get("embedding_model") != model_id or int(meta.get("dimension", dimension)) != dimension:
        raise EmbeddingMismatchError(
            f"索引 {name!r} 由嵌入模型 {meta.get('embedding_model')!r}（{meta.get('dimension')} 维）建立，"
            f"当前模型为 {model_id!r}（{dimension} 维）：请换回原模型，或用新的 --db 目录重新导入")
    if (collection.configuration or {}).get("hnsw", {}).get("ef_search", ef_search) != ef_search:
        collection.modify(configuration={"hnsw": {"ef_search": ef_search}})
        collection = client.get_collection(name)
    return collection


def _points_collection(client, name: str):
    """``<name>-points``: each document's enumerated points (ingest/points.py), stored as records, not vectors."""
    return client.get_or_create_collection(f"{name}-points", metadata={"role": "points"}, embedding_function=None)


def _upsert(collection, ids, vectors, texts, metadatas, batch: int = 500) -> None:
    for i in range(0, len(ids), batch):
        collection.upsert(ids=ids[i:i + batch], embeddings=vectors[i:i + batch], documents=texts[i:i + batch],
                          metadatas=metadatas[i:i + batch])


# Rows one Chroma ``get`` returns at most (the ``store.read_page`` setting).  Chroma answers a ``get`` by binding every
# row it returns into one SQL statement: a read of the whole collection fails past ~50k rows ("too many SQL
# variables") and holds every row twice in memory on the way.
READ_PAGE = 5000


def read_pages(collection, include: list[str], where: dict | None = None, ids: list[str] | None = None,
               page: int = READ_PAGE):
    """Chroma's ``get`` a page at a time: yields one ``get`` result per page.

    With ``ids``, the ids a page at a time; else ``limit``/``offset`` over the rows matching ``where`` (None: all).
    Offset pages are consistent while no one deletes rows meanwhile (a writer only appends); a delete by another
    process during the read can make it miss rows, which the callers' caches, keyed by the library's state, read
    again once the manifest says the library changed."""
    if ids is not None:
        for i in range(0, len(ids), page):
            yield collection.get(ids=ids[i:i + page], where=where or None, include=include)
        return
    offset = 0
    while True:
        got = collection.get(where=where or None, include=include, limit=page, offset=offset)
        yield got
        if len(got["ids"]) < page:
            return
        offset += page


def read_all(collection, include: list[str], where: dict | None = None, ids: list[str] | None = None,
             page: int = READ_PAGE) -> dict:
    """:func:`read_pages` joined into one result of the shape of Chroma's ``get`` (ids and each included field)."""
    out: dict[str, list] = {"ids": [], **{field: [] for field in include}}
    for got in read_pages(collection, include, where, ids, page):
        out["ids"] += got["ids"]
        for field in include:
            out[field] += list(got[field]) if got[field] is not None else []
    return out


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
    chunk vector) and one of sentence windows (each sentence, pointing at its chunk)."""

    def __init__(self, client, name: str, model_id: str, dimension: int, page: int = READ_PAGE,
                 chunk_vectors: str = "encoded", ef_search: int = EF_SEARCH):
        """``chunk_vectors``: the label of how a *new* library's chunk vectors are made; an existing library keeps
        the one it recorded (:attr:`chunk_vectors`; none recorded: encoded, the only way before)."""
        self.client, self.name, self.model_id, self.dimension = client, name, model_id, dimension
        self.page = page  # rows per ``get`` (read_pages)
        self._new_chunk_vectors, self.ef_search = chunk_vectors, ef_search
        self._open_collections()

    def _open_collections(self) -> None:
        client, name, model_id, dimension, ef = self.client, self.name, self.model_id, self.dimension, self.ef_search
        self.collection = _collection(client, name, model_id, dimension, ef, chunk_vectors=self._new_chunk_vectors)
        self.sentences = _collection(client, f"{name}-sentences", model_id, dimension, ef)
        self.points = _points_collection(client, name)
        self.point_vecs = _collection(client, f"{name}-point-vectors", model_id, dimension, ef)

    def _reopen(self) -> bool:
        """Open the embedded files anew (see :func:`_reopening`); False for a server client (nothing to reload)."""
        import chromadb
        from chromadb.api.client import SharedSystemClient

        settings = self.client.get_settings()
        if not settings.is_persistent or not settings.persist_directory:
            return False
        SharedSystemClient.clear_system_cache()
        self.client = chromadb.PersistentClient(path=settings.persist_directory, settings=settings)
        self._open_collections()
        return True

    @property
    def chunk_vectors(self) -> str:
        """The label of how this library's chunk vectors are made, as recorded now (read afresh: another process may
        have converted the library)."""
        return (self.client.get_collection(self.name).metadata or {}).get("chunk_vectors", "encoded")

    def record_chunk_vectors(self, label: str) -> None:
        """Record that every chunk vector is now made as ``label`` says (after a conversion)."""
        current = self.client.get_collection(self.name).metadata or {}
        self.collection.modify(metadata={**current, "chunk_vectors": label})

    def set_chunk_vectors(self, ids: list[str], vectors: list[list[float]], batch: int = 500) -> None:
        """Replace the vectors of chunks already stored (texts and metadata untouched)."""
        for i in range(0, len(ids), batch):
            self.collection.update(ids=ids[i:i + batch], embeddings=vectors[i:i + batch])

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

    def add_point_vectors(self, ids: list[str], vectors: list[list[float]], doc_id: str, batch: int = 500) -> None:
        """Each point's vector (ids as its record's), in a collection of its own recorded with the embedding model:
        the points' records hold a placeholder vector, and libraries imported before have none (see themes)."""
        for i in range(0, len(ids), batch):
            self.point_vecs.upsert(ids=ids[i:i + batch], embeddings=vectors[i:i + batch],
                                   metadatas=[{"doc_id": doc_id}] * len(ids[i:i + batch]))

    @_reopening
    def point_vectors(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored point vectors by point id (ids without one are absent)."""
        if not ids:
            return {}
        got = read_all(self.point_vecs, ["embeddings"], ids=ids, page=self.page)
        return dict(zip(got["ids"], got["embeddings"]))  # numpy rows: no Python float per component

    @_reopening
    def get_points(self, where: dict) -> list[tuple[str, str, dict]]:
        got = read_all(self.points, ["documents", "metadatas"], where, page=self.page)
        return list(zip(got["ids"], got["documents"], got["metadatas"]))

    @_reopening
    def has_points(self, ids: list[str]) -> set[str]:
        """Which of these point-record ids exist."""
        return set(read_all(self.points, [], ids=ids, page=self.page)["ids"]) if ids else set()

    @_reopening
    def get_where(self, where: dict | None, include: tuple[str, ...] = ("documents", "metadatas"),
                  sentences: bool = False) -> dict:
        """Chroma's own ``get`` on the chunks (or the sentence windows) matching ``where`` (None: all), read a page
        at a time (:func:`read_pages`)."""
        return read_all(self.sentences if sentences else self.collection, list(include), where, page=self.page)

    def delete_doc(self, doc_id: str) -> None:
        self.points.delete(where={"doc_id": doc_id})
        self.point_vecs.delete(where={"doc_id": doc_id})
        self.sentences.delete(where={"doc_id": doc_id})
        self.collection.delete(where={"doc_id": doc_id})

    def doc_ids(self) -> set[str]:
        """Every doc_id the chunks name, read a page at a time (:func:`read_pages`)."""
        return {m.get("doc_id") for got in read_pages(self.collection, ["metadatas"], page=self.page)
                for m in got["metadatas"] or []}

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
        got = read_all(self.sentences, ["embeddings"], ids=ids, page=self.page)
        return {i: list(v) for i, v in zip(got["ids"], got["embeddings"])}

    def count(self) -> int:
        return self.collection.count()

    @_reopening
    def get(self, ids: list[str]) -> dict[str, tuple[str, dict]]:
        if not ids:
            return {}
        got = read_all(self.collection, ["documents", "metadatas"], ids=ids, page=self.page)
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
