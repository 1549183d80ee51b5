"""The report index: Chroma vectors, the BM25 keyword index and a manifest of completed documents.

Writes happen one document at a time under a file lock: vectors first, keywords second, the manifest entry last.  A
document is in the index only once its manifest entry exists; anything a crash left half-written is purged by
:meth:`ReportIndex.recover` before the next write, so readers never see a partial document for long and writers
never build on one.
"""
from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path

from .chroma import EF_SEARCH, READ_PAGE, ChromaStore
from .chunk_vectors import ChunkVectors, embed_chunks, pool_chunk
from .hybrid import (Hit, SearchOptions, chroma_where, hybrid_search, normalise_filters, normalise_prior,
                     prior_matches)
from .keyword import COLUMNS as KEYWORD_COLUMNS
from .keyword import KeywordIndex
from .manifest import FileManifest

log = logging.getLogger(__name__)
# The id suffix of a document's marker row among the points: present once its points are stored (maybe none).
POINTS_MARK = "-points"


def keyword_text(text: str, meta: dict) -> str:
    """What the keyword index holds for a chunk, rebuilt from what the store keeps (ingest's Chunk.embed_text)."""
    return f"{meta.get('report_title', '')}\n{meta.get('section_path', '')}\n{text}"


# Sentence windows (keyword hits) read per search when the question has a prior: the preferred reports' ranking is
# taken from this deeper list of the same query instead of a second, filtered one (a Chroma ``where`` on report
# metadata cost more than the query itself; bench/retrieval.py --with measures both).
PRIOR_WINDOWS = 600
PRIOR_KEYWORDS = 200

# Values named in one ``$in`` filter of a whole-library read (documents, chunks): each is one SQL variable, and a
# long list slows Chroma's filter down more than reading the rows in a few filters.
IN_BATCH = 200

# Chunks embedded and written per batch (with their sentence windows, ~6 per chunk): memory stays flat however
# large the document; a crash between batches leaves an orphan that :meth:`ReportIndex.recover` purges.
ADD_BATCH = 64


class IndexBusy(RuntimeError):
    """Another process (or the app) is writing this index."""


class _WriterLock:
    """A file lock that says "another import is running" instead of waiting in silence (or raising filelock's
    Timeout, which a user would see as a traceback)."""

    def __init__(self, path: Path, wait: float):
        from filelock import FileLock

        self._lock, self.wait = FileLock(str(path)), wait

    def __enter__(self):
        from filelock import Timeout

        try:
            self._lock.acquire(timeout=self.wait)
        except Timeout:
            raise IndexBusy("另一个导入（或删除、重建）正在进行，请稍后再试") from None
        return self

    def __exit__(self, *exc) -> None:
        self._lock.release()

    def acquire(self, timeout: float | None = None):
        """filelock's own call, for callers that poll (raises filelock.Timeout)."""
        return self._lock.acquire(timeout=self.wait if timeout is None else timeout)

    def release(self) -> None:
        self._lock.release()


class ReportIndex:
    def __init__(self, path: str | Path, client, embeddings, collection: str = "huibao", manifest=None, *,
                 read_page: int = READ_PAGE, chunk_vectors: ChunkVectors = ChunkVectors(), ef_search: int = EF_SEARCH):
        """``chunk_vectors``: how a new library's chunk vectors are made (an existing one keeps its own, see
        :meth:`add_document` and :meth:`repool`)."""
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.embeddings = embeddings
        self.chunk_vectors = chunk_vectors
        self.store = ChromaStore(client, collection, embeddings.model_id, embeddings.dimension, read_page,
                                 chunk_vectors.label, ef_search)
        self.keyword_path = self.path / "keyword.sqlite"
        self.texts_path = self.path / "texts"  # each document's cleaned text, for `ingest show` and the 资料库 page
        # Embedded: manifest.json here.  Server: the manifest lives in the server (vectorstore.manifest), and the
        # keyword index here is only a cache rebuilt from the server's chunks.
        self.manifest_store = manifest or FileManifest(self.path / "manifest.json")
        self.keyword = KeywordIndex(self.keyword_path)  # SQLite: another process's writes need no reload
        self._stamp = object()
        self._derived: dict = {}  # what depends only on the library (its manifest), rebuilt when that changes
        self.last_timings: dict[str, float] = {}  # ms per stage of the last search (bench/scale.py reads it)
        self._legacy_said = False
        self._chunk_vectors_said = False
        self._load()

    # --- state -------------------------------------------------------------------------------------------
    def _load(self) -> None:
        self._stamp = self.manifest_store.stamp()  # read before the manifest: a write in between shows next time
        self.manifest = {"documents": self.manifest_store.load()}
        self._derived = {}
        if self.manifest_store.shared:
            self._sync_keywords()

    def refresh(self) -> None:
        """Pick up writes made by another process (the CLI ingesting while the app serves, another app process
        on the same Chroma server)."""
        if self.manifest_store.stamp() != self._stamp:
            # An embedded Chroma client keeps its vector index in memory: another process's vectors are seen only
            # once its files are read again (otherwise the new document is found by keywords alone).
            self.store._reopen()
            self._load()

    def _sync_keywords(self, batch: int = 20) -> None:
        """Make the local keyword cache hold exactly the completed documents of the shared store."""
        have, want = self.keyword.doc_ids(), set(self.documents)
        for doc_id in have - want:
            self.keyword.delete_doc(doc_id)
        missing = sorted(want - have)
        for i in range(0, len(missing), batch):
            got = self.store.get_where({"doc_id": {"$in": missing[i:i + batch]}})
            self.keyword.add(got["ids"], [keyword_text(t, m) for t, m in zip(got["documents"], got["metadatas"])],
                             got["metadatas"])

    def _save_manifest(self, doc_id: str) -> None:
        if doc_id in self.documents:
            self.manifest_store.put(self.documents, doc_id)
        else:
            self.manifest_store.drop(self.documents, doc_id)
        self._stamp = object()  # reload at the next refresh: another process may have written meanwhile
        self._derived = {}

    def lock(self, wait: float = 0.0):
        """The single-writer lock shared by every process writing this index.

        A second writer is told at once (after ``wait`` seconds at most) with :class:`IndexBusy`, never left
        waiting in silence for another import to end.
        """
        return _WriterLock(self.path / ".write.lock", wait)

    @property
    def documents(self) -> dict[str, dict]:
        return self.manifest["documents"]

    def find_file(self, file_key: str) -> str | None:
        return next((d for d, rec in self.documents.items() if rec.get("file") == file_key), None)

    # --- writes (call inside ``with index.lock():``) --------------------------------------------------------
    def recover(self) -> list[str]:
        """Purge chunks of documents that never reached the manifest (a crash mid-write)."""
        self.refresh()
        orphans = ((self.store.doc_ids() | self.keyword.doc_ids()) - set(self.documents) - {None}
                   - self.manifest_store.in_progress())
        for doc_id in orphans:
            self.store.delete_doc(doc_id)
            self.keyword.delete_doc(doc_id)
        if self.texts_path.is_dir():
            for stale in self.texts_path.glob("*.json"):
                if stale.stem not in self.documents:
                    stale.unlink(missing_ok=True)
        return sorted(orphans)

    def add_document(self, doc_id: str, record: dict, ids: list[str], texts: list[str], embed_texts: list[str],
                     metadatas: list[dict], windows: list[list[tuple[str, str]]] | None = None,
                     points: dict[str, list] | None = None) -> None:
        """Add one document's chunks (and each chunk's sentence windows) to both indexes, then record it complete.

        ``points``: section type → the document's enumerated points (ingest/points.py), kept as records beside the
        chunks (with a marker row saying the document has them, even when it has none)."""
        self.manifest_store.begin(doc_id)
        how = self._library_chunk_vectors()
        windows = windows or [[] for _ in ids]
        # the sentence vectors of the chunks holding points: each point's vector is made from them (ingest.points)
        wanted = {cid for found in (points or {}).values() for p in found for cid in (p.chunk_ids or [p.chunk_id])}
        kept: dict[str, list[tuple[str, list[float]]]] = {}
        for b in range(0, len(ids), ADD_BATCH):  # bounded batches: a large file's vectors are never all in memory
            part = slice(b, b + ADD_BATCH)
            flat = [(wid, text, {**meta, "chunk_id": cid})
                    for cid, meta, ws in zip(ids[part], metadatas[part], windows[part]) for wid, text in ws]
            # an embedded text is its chunk's head (title, section path) followed by the chunk's text
            heads = [e[:len(e) - len(t)] if e.endswith(t) else "" for e, t in zip(embed_texts[part], texts[part])]
            bodies = [e[len(h):] for e, h in zip(embed_texts[part], heads)]
            chunk_vectors, window_vectors = embed_chunks(self.embeddings, heads, bodies,
                                                         [[text for _, text in ws] for ws in windows[part]], how)
            flat_vectors = [vec for vs in window_vectors for vec in vs]
            for (_, text, meta), vec in zip(flat, flat_vectors):
                if meta["chunk_id"] in wanted:
                    kept.setdefault(meta["chunk_id"], []).append((text, vec))
            self.store.add(ids[part], chunk_vectors, texts[part], metadatas[part],
                           [(wid, text, vec, meta) for (wid, text, meta), vec in zip(flat, flat_vectors)])
        if points is not None:
            self._add_points(doc_id, points, kept)
        self.keyword.add(ids, embed_texts, metadatas)
        self.documents[doc_id] = {**record, "chunks": len(ids), "added": time.strftime("%Y-%m-%d %H:%M:%S")}
        self._save_manifest(doc_id)

    def _library_chunk_vectors(self) -> ChunkVectors:
        """How this library's chunk vectors are made, as it recorded: an import follows the library, not the
        setting, so that its chunks rank alike; a library recorded otherwise than the setting is said once."""
        recorded = ChunkVectors.parse(self.store.chunk_vectors)
        if recorded != self.chunk_vectors and not self._chunk_vectors_said:
            self._chunk_vectors_said = True
            log.warning("this library's chunk vectors are %s, the setting says %s: imports keep %s "
                        "(`python -m ingest repool` converts the library)", recorded.label, self.chunk_vectors.label,
                        recorded.label)
        return recorded

    def repool(self, how: ChunkVectors | None = None, progress=None) -> int:
        """Make every chunk vector pooled (``how``, default the setting's) from the sentence vectors the library
        stores: only each section's title and path is embedded, so an archive imported with encoded chunk vectors
        converts in minutes instead of a new import.  Idempotent: after a crash, run it again (the library records
        the new kind only at the end).  ``progress(doc_id)`` after each document.  Call inside :meth:`lock`.
        Returns the number of chunk vectors written."""
        from ingest.chunker import chunk_head

        how = how or self.chunk_vectors
        if how.mode != "pooled":
            raise ValueError("only pooled chunk vectors can be made from stored vectors; encoded ones need the text "
                             "embedded again (import into a new --db)")
        self.refresh()
        written = 0
        for doc_id, record in list(self.documents.items()):
            ids = [f"{doc_id}-{seq:04d}" for seq in range(record.get("chunks", 0))]
            stored = self.store.get(ids)
            windows = self.sentence_windows([cid for cid in ids if cid in stored])
            todo = [cid for cid in ids if windows.get(cid)]  # a chunk without sentences keeps its whole vector
            heads = {cid: chunk_head(stored[cid][1].get("report_title", ""), stored[cid][1].get("section_path", ""))
                     .strip() for cid in todo}
            unique = sorted({h for h in heads.values() if h})
            head_vectors = dict(zip(unique, self.embeddings.embed_documents(unique))) if unique else {}
            self.store.set_chunk_vectors(todo, [pool_chunk([v for _, v in windows[cid]], head_vectors.get(heads[cid]),
                                                           how) for cid in todo])
            written += len(todo)
            if progress:
                progress(doc_id)
        self.store.record_chunk_vectors(how.label)
        self._chunk_vectors_said = False
        return written

    def remove_document(self, doc_id: str) -> bool:
        """Delete a document from the manifest first (so it disappears at once), then from both indexes."""
        self.refresh()
        known = self.documents.pop(doc_id, None) is not None
        self._save_manifest(doc_id)
        self.store.delete_doc(doc_id)
        self.keyword.delete_doc(doc_id)
        self._text_file(doc_id).unlink(missing_ok=True)
        return known

    def _text_file(self, doc_id: str) -> Path:
        if not doc_id.isalnum():  # ids are content hashes; anything else must not become a path
            raise ValueError(f"invalid doc_id {doc_id!r}")
        return self.texts_path / f"{doc_id}.json"

    def save_text(self, doc_id: str, record: dict) -> None:
        """Keep a document's text beside the index (before its manifest entry: a crash leaves an orphan file that
        :meth:`recover` removes)."""
        self.texts_path.mkdir(exist_ok=True)
        path = self._text_file(doc_id)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)

    def document_text(self, doc_id: str) -> dict | None:
        """The record :meth:`save_text` kept, or None (unknown id, or a document ingested before texts were kept)."""
        try:
            path = self._text_file(doc_id)
        except ValueError:
            return None
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def document_chunks(self, doc_id: str) -> list[tuple[str, str, dict]]:
        """(chunk_id, text, metadata) of a document's chunks, in reading order."""
        n = self.documents.get(doc_id, {}).get("chunks", 0)
        got = self.store.get([f"{doc_id}-{seq:04d}" for seq in range(n)])
        return sorted(((cid, text, meta) for cid, (text, meta) in got.items()), key=lambda c: c[2].get("seq", 0))

    # --- reads -------------------------------------------------------------------------------------------
    def count(self) -> int:
        return sum(rec.get("chunks", 0) for rec in self.documents.values())

    def _selective(self, prior: dict[str, dict], doc_ids: list[str]) -> dict[str, dict]:
        """``prior`` when it tells the searched reports apart (some meet it, some do not), else {}: a preference all
        reports meet, or none, would only re-weight the dense ranking."""
        if not prior:
            return {}
        if doc_ids is self.documents:  # the whole library: its distinct reports, once per manifest version
            units = self._derived.get("units")
            if units is None:
                units = self._derived["units"] = list({json.dumps(r, sort_keys=True, ensure_ascii=False): r for r in (
                    {k: r.get(k, "") for k in ("org", "place", "level", "kind")}
                    for rec in self.documents.values() for r in rec.get("reports", []))}.values())
        else:
            units = [r for d in doc_ids for r in self.documents[d].get("reports", [])]
        met = {prior_matches(r, prior) for r in units}
        return prior if met == {True, False} else {}

    def _report_ends(self, doc_id: str) -> list[tuple[int, dict]] | None:
        """(first seq after the report, report record) of a document's reports, or None when its record does not
        count each report's chunks.  A file's chunks are cut report by report (ingest.chunker), so a chunk's seq
        says which report it belongs to without reading its metadata."""
        ends = self._derived.setdefault("ends", {})
        if doc_id not in ends:
            rec, total, out = self.documents.get(doc_id, {}), 0, []
            for report in rec.get("reports", []):
                total += report.get("chunks", 0)
                out.append((total, report))
            ends[doc_id] = out if out and total == rec.get("chunks") else None
        return ends[doc_id]

    def _preferred(self, prior: dict[str, dict]):
        """``chunk_id → bool``: whether the chunk's report meets ``prior`` (the twin of a Chroma ``where`` on its
        metadata, answered from the manifest)."""
        memo: dict[str, list[tuple[int, bool]] | bool] = {}

        def prefers(chunk_id: str) -> bool:
            doc_id, _, seq = chunk_id.rpartition("-")
            if doc_id not in memo:
                ends = self._report_ends(doc_id)
                memo[doc_id] = ([(end, prior_matches(r, prior)) for end, r in ends] if ends is not None else
                                any(prior_matches(r, prior) for r in self.documents.get(doc_id, {}).get("reports", [])))
            met = memo[doc_id]
            if isinstance(met, bool):
                return met
            n = int(seq) if seq.isdigit() else -1
            return next((ok for end, ok in met if 0 <= n < end), False)
        return prefers

    def _keyword_filters(self, flt: dict[str, list], prior: dict[str, dict] | None = None) -> dict[str, list]:
        """Filters on the keyword index's own columns.  Report metadata it does not hold (place, level, kind: the
        manifest does) and a prior become the documents and titles of the reports that meet them."""
        own = {key: values for key, values in flt.items() if key in KEYWORD_COLUMNS}
        conditions = [{key: {"$in": values}} for key, values in flt.items() if key not in KEYWORD_COLUMNS]
        conditions += [prior] if prior else []
        if not conditions:
            return own
        met = [(d, r.get("title", "")) for d in own.get("doc_id", self.documents) if d in self.documents
               for r in self.documents[d].get("reports", []) if all(prior_matches(r, c) for c in conditions)]
        docs = sorted({d for d, _ in met})
        titles = sorted({t for _, t in met if t in own.get("report_title", [t])})
        return {**own, "doc_id": docs or ["∅"], "report_title": titles or ["∅"]}

    def search(self, query: str, k: int, filters: dict | None = None, mode: str = "hybrid", *,
               options: SearchOptions | None = None, query_vector: list[float] | None = None,
               prior: dict | None = None) -> list[Hit]:
        """Top ``k`` chunks for ``query``.

        ``mode``: hybrid (the product: sentence-window vectors, fused with whole-chunk vectors that carry the title
        and section path, and with BM25 weighted by how much of the query its best hit covers), or one retriever
        alone for the benchmark: dense (sentence windows), dense-chunk, keyword.
        ``prior`` (hybrid only): the reports a question implies, as ``{key: {"$in"|"$nin": values}}`` on chunk
        metadata; sentence windows and keyword hits of those reports are ranked once more and fused with
        ``prior_weight`` — a soft preference that also brings them into the pool (from the PRIOR_WINDOWS nearest
        windows and PRIOR_KEYWORDS best keyword hits), never a filter.  Texts are fetched for the top ``k`` only.
        ``options``: the fusion's candidates, ``rrf_k`` and weights — the ``search`` settings section, or
        :class:`~vectorstore.hybrid.SearchOptions` (its defaults).
        """
        o = options or SearchOptions()
        candidates, rrf_k, keyword_weight = o.candidates, o.rrf_k, o.keyword_weight
        context_weight, prior_weight = o.context_weight, o.prior_weight
        clock, laps = time.perf_counter(), {}

        def lap(stage: str) -> None:
            nonlocal clock
            now = time.perf_counter()
            laps[stage] = laps.get(stage, 0.0) + (now - clock) * 1000
            clock = now

        self.refresh()
        flt = normalise_filters(filters)
        visible = set(self.documents)  # only completed documents are visible
        if "doc_id" in flt or self.store.count() != self.count():
            # Chunks of a document being written (or left by a crash) are in the store: name the visible ones.
            # Otherwise every stored chunk is visible, and a filter listing thousands of documents would only slow
            # Chroma down.
            flt["doc_id"] = [d for d in flt.get("doc_id", visible) if d in visible]
            if not flt["doc_id"]:
                return []
        if not visible:
            return []
        where = chroma_where(flt)
        searched = flt["doc_id"] if "doc_id" in flt else self.documents
        pri = {}
        if mode == "hybrid" and prior_weight > 0:
            pri = self._selective(normalise_prior(prior), searched)
        lap("prepare")
        rankings = []
        vector = None
        if mode in ("hybrid", "dense", "dense-chunk"):
            vector = query_vector or self.embeddings.embed_query(query)
            lap("embed")
        if mode in ("hybrid", "dense"):
            # one query for the windows; with a prior, deeper, and the preferred reports' ranking read from it
            windows = self.store.window_ranking(vector, max(candidates * 6, PRIOR_WINDOWS if pri else 0), where)
            rankings.append(("dense", _best_per_chunk(windows, candidates), 1.0))
            if pri:
                prefers = self._preferred(pri)
                rankings.append(("prior", _best_per_chunk([w for w in windows if prefers(w[0])], candidates),
                                 prior_weight))
            lap("windows")
        if mode in ("hybrid", "dense-chunk"):
            rankings.append(("context" if mode == "hybrid" else "dense",
                             self.store.chunk_ranking(vector, candidates, where),
                             context_weight if mode == "hybrid" else 1.0))
            lap("chunks")
        if mode in ("hybrid", "keyword"):
            keyword = self.keyword.search(query, max(candidates, PRIOR_KEYWORDS if pri else 0),
                                          self._keyword_filters(flt))
            best = keyword[:candidates]
            if mode == "hybrid" and best:
                keyword_weight *= self.keyword.coverage(query, best[0][0]) ** 2
            rankings.append(("keyword", best, keyword_weight if mode == "hybrid" else 1.0))
            if pri:
                preferred = [hit for hit in keyword if prefers(hit[0])][:candidates]
                if preferred:
                    coverage = self.keyword.coverage(query, preferred[0][0])
                    rankings.append(("prior-keyword", preferred, prior_weight * coverage ** 2))
            lap("keyword")
        hits = hybrid_search(rankings, self.store.get, k, rrf_k)
        lap("fusion")
        self.last_timings = laps
        return hits


    # --- queries for the assistant (it never needs to know how Chroma stores things) ------------------------
    def _add_points(self, doc_id: str, points: dict[str, list], windows: dict | None = None) -> None:
        from ingest.points import point_vector

        rows = [(f"{doc_id}{POINTS_MARK}", "", {"doc_id": doc_id, "section_type": "", "order": -1})]
        for section, found in points.items():
            section = str(section)  # a plain string in the store (ingest's Section is a StrEnum)
            rows += [(f"{doc_id}-{section}-{order:05d}", p.text,
                      {"doc_id": doc_id, "section_type": section, "order": order, "lead": p.lead,
                       "section_path": p.section_path, "chunk_id": p.chunk_id, "chunk_ids": json.dumps(p.chunk_ids),
                       "report_title": p.report_title, "org": p.org, "report_index": p.report_index})
                     for order, p in enumerate(found)]
        for b in range(0, len(rows), ADD_BATCH * 8):
            self.store.add_points(*map(list, zip(*rows[b:b + ADD_BATCH * 8])))
        vectors = [(f"{doc_id}-{section}-{order:05d}", point_vector(p, windows or {}))
                   for section, found in points.items() for order, p in enumerate(found)]
        vectors = [(i, v) for i, v in vectors if v is not None]
        if vectors:
            self.store.add_point_vectors([i for i, _ in vectors], [v for _, v in vectors], doc_id)

    def _wheres(self, section: str | None, doc_ids: list[str] | None) -> tuple[list[dict | None], set[str]]:
        """Chroma filters on section type and documents, each read in turn, and the completed documents they may
        return.  Naming every completed document in a filter would only slow Chroma down: without ``doc_ids`` one
        filter (section type only) is read and the rows of documents not (yet) in the manifest are dropped after
        the read; with them, the documents are named ``IN_BATCH`` to a filter (each value is one SQL variable)."""
        visible = set(self.documents) if doc_ids is None else set(doc_ids) & set(self.documents)
        conditions = [{"section_type": section}] if section else []
        if doc_ids is None:
            return [_all_of(conditions)], visible
        named = sorted(visible)
        return [_all_of([*conditions, {"doc_id": {"$in": named[i:i + IN_BATCH]}}])
                for i in range(0, len(named), IN_BATCH)], visible

    def chunks(self, section: str | None = None, doc_ids: list[str] | None = None
               ) -> list[tuple[str, str, dict]]:
        """(chunk_id, text, metadata) of the completed documents' chunks (of one section type, of some documents),
        in reading order: by document, then ``seq``.  Read a page at a time (``read_page`` rows per ``get``)."""
        self.refresh()
        wheres, visible = self._wheres(section, doc_ids)
        if not visible:
            return []
        rows = []
        for where in wheres:
            got = self.store.get_where(where)
            rows += [(i, t, m) for i, t, m in zip(got["ids"], got["documents"], got["metadatas"])
                     if m.get("doc_id") in visible]
        return sorted(rows, key=lambda r: (r[2].get("doc_id", ""), int(r[2].get("seq", 0))))

    def points(self, section: str, doc_ids: list[str] | None = None) -> list:
        """The enumerated points (ingest.points.Point) of ``section`` in the completed documents, in reading order.

        Documents ingested before points were kept have none stored: theirs are parsed from their chunks now, by
        the same function ingest uses (the same points, only slower; re-importing the files stores them)."""
        from ingest.points import POINT_SECTIONS, Point, points_of

        if section not in POINT_SECTIONS:
            raise ValueError(f"unknown section {section!r}: one of {', '.join(POINT_SECTIONS)}")
        self.refresh()
        wheres, visible = self._wheres(section, doc_ids)
        if not visible:
            return []
        marked = {i[: -len(POINTS_MARK)] for i in self.store.has_points([f"{d}{POINTS_MARK}" for d in sorted(visible)])}
        stored = [(m["doc_id"], int(m["order"]), Point(
            m.get("lead", ""), text, m.get("report_title", ""), m.get("org", ""), m.get("section_path", ""),
            m.get("chunk_id", ""), m["doc_id"], int(m.get("report_index", 0)), json.loads(m.get("chunk_ids", "[]"))))
            for where in wheres for _, text, m in self.store.get_points(where) if m.get("doc_id") in marked]
        points = [p for _, _, p in sorted(stored, key=lambda s: s[:2])]
        legacy = sorted(visible - marked)
        if legacy:
            if not self._legacy_said:
                log.warning("%d 份文档导入时尚未保存要点：要点由其文本重新解析（重新导入这些文件可免去此步）",
                            len(legacy))
                self._legacy_said = True
            points += points_of(self.chunks(section, legacy), section)
            points.sort(key=lambda p: p.doc_id)  # stable: each document's points stay in reading order
        return points

    def point_vectors(self, section: str, points: list, batch: int = 2000) -> list:
        """The vector of each of ``points`` (all of ``section``'s points of their documents, as :meth:`points`
        serves them), without the embedder: the one stored at import, else the one made the same way from the
        stored sentence vectors it covers (documents imported before point vectors were kept), else None (no
        sentence of its chunks overlaps it: the caller embeds it)."""
        from ingest.points import point_vector

        order: dict[str, int] = {}
        keys = []
        for p in points:  # a point's row id: its document, section and place among the document's points
            keys.append(f"{p.doc_id}-{section}-{order.get(p.doc_id, 0):05d}")
            order[p.doc_id] = order.get(p.doc_id, 0) + 1
        stored = self.store.point_vectors(keys)
        vectors = [stored.get(key) for key in keys]
        missing = [i for i, key in enumerate(keys) if key not in stored]
        for b in range(0, len(missing), batch):  # the sentences of a batch of points at a time: memory stays flat
            part = missing[b:b + batch]
            windows = self.sentence_windows(sorted({c for i in part for c in (points[i].chunk_ids or
                                                                             [points[i].chunk_id])}))
            for i in part:
                vectors[i] = point_vector(points[i], windows)
        return vectors

    def sentence_vectors(self, ids: list[str]) -> dict[str, list[float]]:
        """Stored vectors of sentence windows, by window id (``<chunk_id>:<j>``)."""
        return self.store.sentence_vectors(ids)

    def sentence_windows(self, chunk_ids: list[str]) -> dict[str, list[tuple[str, list[float]]]]:
        """chunk_id → its sentence windows (text, stored vector), in the store's order."""
        if not chunk_ids:
            return {}
        chunk_ids = list(chunk_ids)
        windows: dict[str, list[tuple[str, list[float]]]] = {}
        for i in range(0, len(chunk_ids), IN_BATCH):
            got = self.store.get_where({"chunk_id": {"$in": chunk_ids[i:i + IN_BATCH]}},
                                       ("embeddings", "documents", "metadatas"), sentences=True)
            for vector, text, meta in zip(got["embeddings"], got["documents"], got["metadatas"]):
                windows.setdefault(meta["chunk_id"], []).append((text, vector))
        return windows

    def reports(self) -> list[dict]:
        """The report records (title, org, year, place, level, kind…) of every completed document."""
        return [r for rec in self.documents.values() for r in rec.get("reports", [])]

    def orgs(self) -> list[str]:
        """The issuing bodies named by the library's reports, sorted."""
        return sorted({r["org"] for r in self.reports() if r.get("org")})


def _all_of(conditions: list[dict]) -> dict | None:
    """One Chroma filter requiring every condition (None: no condition)."""
    return conditions[0] if len(conditions) == 1 else {"$and": conditions} if conditions else None


def _best_per_chunk(windows: list[tuple[str, float]], n: int) -> list[tuple[str, float]]:
    """The first ``n`` chunks of a window ranking, each at its best window's similarity."""
    best: dict[str, float] = {}
    for chunk_id, sim in windows:
        if chunk_id not in best:
            best[chunk_id] = sim
            if len(best) == n:
                break
    return list(best.items())
