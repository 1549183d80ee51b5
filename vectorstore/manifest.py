"""The manifest of completed documents: a JSON file beside embedded Chroma, or a collection on a Chroma server.

A document is in the index once its manifest record exists; everything else a reader sees is filtered by it.
Embedded, the record lives in ``manifest.json`` (one writer at a time, under the index's file lock).  Against a
Chroma server, several app processes with their own data dirs share one library, so the manifest must live in the
server too: a collection ``<name>-documents`` with one row per document (the record as JSON), a ``pending`` row
while a document is being written (so another process's recovery leaves it alone), and a version row rewritten
with a fresh nonce after every change (readers compare one row instead of reloading the manifest per query).
"""
from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

from .chroma import READ_PAGE, read_all

# A pending write older than this is taken for the leftover of a crashed process and purged.
PENDING_STALE_S = 3600.0


class FileManifest:
    """``manifest.json`` in the data dir, rewritten atomically on every change."""

    shared = False

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def load(self) -> dict[str, dict]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))["documents"]

    def stamp(self):
        return self.path.stat().st_mtime_ns if self.path.exists() else 0

    def _save(self, documents: dict[str, dict]) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"documents": documents}, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def begin(self, doc_id: str) -> None:
        """Nothing to mark: the file lock keeps every other writer out."""

    def put(self, documents: dict[str, dict], doc_id: str) -> None:
        self._save(documents)

    def drop(self, documents: dict[str, dict], doc_id: str) -> None:
        self._save(documents)

    def in_progress(self) -> set[str]:
        return set()


class ChromaManifest:
    """One row per document in ``<name>-documents`` on the shared Chroma server."""

    shared = True
    VERSION = "~version"

    def __init__(self, client, name: str, page: int = READ_PAGE):
        self.page = page  # rows per ``get`` (chroma.read_pages): an archive holds tens of thousands of documents
        self.collection = client.get_or_create_collection(f"{name}-documents", metadata={"role": "manifest"},
                                                          embedding_function=None)

    def _upsert(self, row_id: str, document: str, status: str) -> None:
        self.collection.upsert(ids=[row_id], embeddings=[[1.0]], documents=[document],
                               metadatas=[{"status": status, "at": time.time()}])

    def _bump(self) -> None:
        self._upsert(self.VERSION, uuid.uuid4().hex, "version")

    def load(self) -> dict[str, dict]:
        got = read_all(self.collection, ["documents"], {"status": "complete"}, page=self.page)
        return dict(sorted((i, json.loads(d)) for i, d in zip(got["ids"], got["documents"])))

    def stamp(self):
        got = self.collection.get(ids=[self.VERSION], include=["documents"])
        return got["documents"][0] if got["ids"] else None

    def begin(self, doc_id: str) -> None:
        self._upsert(doc_id, "{}", "pending")

    def put(self, documents: dict[str, dict], doc_id: str) -> None:
        self._upsert(doc_id, json.dumps(documents[doc_id], ensure_ascii=False), "complete")
        self._bump()

    def drop(self, documents: dict[str, dict], doc_id: str) -> None:
        self.collection.delete(ids=[doc_id])
        self._bump()

    def in_progress(self) -> set[str]:
        """Documents another process started writing recently (their chunks are not orphans yet); the pending rows
        of writers that died long ago are deleted on the way."""
        got = read_all(self.collection, ["metadatas"], {"status": "pending"}, page=self.page)
        fresh = time.time() - PENDING_STALE_S
        stale = [i for i, m in zip(got["ids"], got["metadatas"]) if m.get("at", 0) <= fresh]
        if stale:
            self.collection.delete(ids=stale)
        return {i for i, m in zip(got["ids"], got["metadatas"]) if m.get("at", 0) > fresh}
