"""The library at archive scale: keyword-index candidates side by side, hybrid search, disk, RSS, import speed.

    python bench/scale.py [--sizes 1000,10000,100000] [--docs data/samples ../shared/corpus_multi
                          ../shared/corpus_distractors] [--hybrid-sizes 1000,10000] [--json]

Libraries of N chunks are made of real report text: the given files are cut into chunks by the product's own
structure parser and chunker, and each synthetic chunk keeps a real chunk's title, section path and section type
while its body is that chunk's sentences mixed with sentences drawn from the whole pool (so no two chunks are
equal and the vocabulary is the reports'). Documents hold 25 chunks.

Keyword part (jieba tokens cut once and shared): for each candidate, the write cost of one more document at each
size (what a batch import pays per document), the median and p95 search time over the dev questions, index size on
disk and the time to open an existing index. Candidates: the previous ``keyword.json`` + rank-bm25, SQLite FTS5
(the product, vectorstore/keyword.py), bm25s (a static sparse matrix: any change rebuilds it) and tantivy (when
importable; not a dependency of the product).

Hybrid part: the product's ReportIndex (Chroma + FTS5) at the ``--hybrid-sizes``, documents written one at a time
as an import does. Embedding 100k chunks for real takes days on 2 cores, so vectors are REUSED: ``--pool`` real
sentences spread over the corpus are embedded once, for real; each synthetic sentence window gets one of those
vectors plus Gaussian noise (renormalised; cosine ≈ 0.93 to the original) and each chunk the mean of its windows'
(plus noise). Search timings (the query embedded for real, each retriever, the fusion) are real; vector *quality* at
scale is not what this measures.  ``--hybrid-db DIR --hybrid-sizes N`` times the same over the N-chunk library
``bench/startup.py --size N --db DIR`` built (no second bulk load), opened as the app opens it; the five documents are
written to a copy of it (``--in-place``: into it, removed again afterwards).

Import part: the real ``--import-docs`` are imported into a fresh index (structure + embedding + both indexes) and
the raw embedder (sentence-transformers ``encode``, same threads, same batch size) embeds their chunks once, in the
same run.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOCS = [ROOT / "data" / "samples", ROOT.parent / "shared" / "corpus_multi",
                ROOT.parent / "shared" / "corpus_distractors"]
DOC_CHUNKS = 25


# ------------------------------------------------------------------------------------------------ the library
def real_chunks(paths: list[Path]):
    from ingest.pipeline import expand_paths, prepare_document

    chunks = []
    for path in expand_paths(paths):
        try:
            chunks.extend(prepare_document(path).chunks)
        except Exception as exc:  # a file the parser rejects is simply not in the pool
            print(f"skip {path.name}: {exc}", file=sys.stderr)
    return chunks


def synthetic(chunks, n: int, seed: int = 13):
    """``n`` chunks as (chunk_id, embed_text, meta, source chunk index, sentence indexes into the pool)."""
    from ingest.clean import split_sentences

    rng = random.Random(seed)
    sentences, owner = [], []
    per_chunk = []
    for i, c in enumerate(chunks):
        ss = split_sentences(c.text) or [c.text]
        per_chunk.append(list(range(len(sentences), len(sentences) + len(ss))))
        sentences.extend(ss)
        owner.extend([i] * len(ss))
    out = []
    for i in range(n):
        src = i % len(chunks) if i < len(chunks) else rng.randrange(len(chunks))
        own = per_chunk[src]
        picks = own if i < len(chunks) else [s if rng.random() < 0.5 else rng.randrange(len(sentences)) for s in own]
        c = chunks[src]
        doc = f"s{i // DOC_CHUNKS:06d}"
        text = "".join(sentences[s] for s in picks)
        meta = {"doc_id": doc, "section_type": c.section_type, "report_title": c.report_title,
                "org": c.org or f"单位{rng.randrange(500)}", "year": c.year or 2020, "seq": i % DOC_CHUNKS,
                "section_path": c.section_path, "place": c.place, "level": c.level, "kind": c.kind}
        out.append((f"{doc}-{i % DOC_CHUNKS:04d}", f"{c.report_title}\n{c.section_path}\n{text}", meta, src, picks,
                    text))
    return out, sentences


def docs_of(rows):
    """Group rows into documents of DOC_CHUNKS chunks."""
    for i in range(0, len(rows), DOC_CHUNKS):
        yield rows[i:i + DOC_CHUNKS]


def record_of(doc) -> dict:
    """The manifest record of a synthetic document: its runs of chunks from one report, in order, as the reports
    of a file (what the question prior and the keyword filters read)."""
    reports = []
    for _, _, meta, *_ in doc:
        unit = {k: meta[k] for k in ("report_title", "org", "year", "place", "level", "kind")}
        if reports and reports[-1]["unit"] == unit:
            reports[-1]["chunks"] += 1
        else:
            reports.append({"unit": unit, "chunks": 1})
    return {"file": doc[0][2]["doc_id"], "name": "", "chunks": len(doc), "reports": [
        {"title": r["unit"]["report_title"], **{k: r["unit"][k] for k in ("org", "year", "place", "level", "kind")},
         "chunks": r["chunks"]} for r in reports]}


def questions(path: Path) -> list[str]:
    return [json.loads(line)["q"] for line in open(path, encoding="utf-8") if line.strip()]


def pct(values: list[float], p: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, int(p * len(v)))]


def dir_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 2 ** 20


def rss_mb() -> float:
    """Resident memory now (not the peak: the JSON baseline at 100k chunks would dominate a peak)."""
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------------------ candidates
class LegacyJson:
    """The previous keyword index: every chunk's tokens in one JSON file, rank-bm25 rebuilt after each change."""

    name = "keyword.json + rank-bm25"
    writes = 3  # each rewrites everything: a few suffice for the median

    def __init__(self, folder: Path):
        self.path = folder / "keyword.json"
        self.entries: dict = {}
        self._bm25 = None

    def bulk(self, rows, tokens):
        for (cid, _, meta, *_), toks in zip(rows, tokens):
            self.entries[cid] = {"tokens": toks, "meta": meta}

    def write_doc(self, rows, tokens):
        self.bulk(rows, tokens)
        self._save()
        self._bm25 = None

    def _save(self):
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def reopen(self):
        self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        self._bm25 = None
        self.search(["工作"], 1)

    def search(self, toks, k):
        if self._bm25 is None:
            from rank_bm25 import BM25Okapi

            self._ids = list(self.entries)
            self._bm25 = BM25Okapi([self.entries[i]["tokens"] or ["∅"] for i in self._ids])
        scores = self._bm25.get_scores(toks)
        return [self._ids[i] for i in scores.argsort()[::-1][:k]]

    def disk(self):
        return self.path.stat().st_size / 2 ** 20


class Fts5:
    name = "SQLite FTS5 (product)"
    writes = 20

    def __init__(self, folder: Path):
        from vectorstore.keyword import KeywordIndex

        self.folder = folder
        self.index = KeywordIndex(folder / "keyword.sqlite")

    def bulk(self, rows, tokens):
        self.index.add_tokens([r[0] for r in rows], tokens, [r[2] for r in rows])

    def write_doc(self, rows, tokens):
        self.index.add([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])  # jieba included

    def reopen(self):
        from vectorstore.keyword import KeywordIndex

        self.index = KeywordIndex(self.folder / "keyword.sqlite")
        self.index.search("工作", 1)

    def search(self, query, k):
        return [c for c, _ in self.index.search(query, k)]

    def disk(self):
        return dir_mb(self.folder)


class Bm25s:
    name = "bm25s (static, rebuilt per change)"
    writes = 3

    def __init__(self, folder: Path):
        self.folder = folder
        self.ids, self.tokens = [], []

    def bulk(self, rows, tokens):
        self.ids += [r[0] for r in rows]
        self.tokens += tokens

    def write_doc(self, rows, tokens):
        self.bulk(rows, tokens)
        self._build()
        self.model.save(str(self.folder / "bm25s"))

    def _build(self):
        import bm25s

        self.model = bm25s.BM25()
        self.model.index([list(t) for t in self.tokens], show_progress=False)  # it may alter its input

    def reopen(self):
        import bm25s

        self.model = bm25s.BM25.load(str(self.folder / "bm25s"))

    def search(self, toks, k):
        import bm25s  # noqa: F401

        vocab = self.model.vocab_dict
        known = [t for t in toks if t in vocab]
        if not known:
            return []
        docs, _ = self.model.retrieve([known], k=k, show_progress=False, n_threads=1)
        return [self.ids[i] for i in docs[0]]

    def disk(self):
        return dir_mb(self.folder)


class Tantivy:
    name = "tantivy"
    writes = 20

    def __init__(self, folder: Path):
        import tantivy

        self.t = tantivy
        self.dir = folder / "tantivy"
        self.dir.mkdir()
        sb = tantivy.SchemaBuilder()
        sb.add_text_field("chunk_id", stored=True, tokenizer_name="raw")
        sb.add_text_field("doc_id", stored=False, tokenizer_name="raw")
        sb.add_text_field("tokens", stored=False, tokenizer_name="whitespace")
        self.schema = sb.build()
        self.index = tantivy.Index(self.schema, path=str(self.dir))
        self.writer = self.index.writer(heap_size=50_000_000, num_threads=1)

    def bulk(self, rows, tokens):
        for (cid, _, meta, *_), toks in zip(rows, tokens):
            self.writer.add_document(self.t.Document(chunk_id=cid, doc_id=meta["doc_id"], tokens=" ".join(toks)))
        self.writer.commit()
        self.index.reload()

    def write_doc(self, rows, tokens):
        self.bulk(rows, tokens)

    def reopen(self):
        self.index = self.t.Index.open(str(self.dir))
        self.index.reload()

    def search(self, toks, k):
        t = self.t
        q = t.Query.boolean_query([(t.Occur.Should, t.Query.term_query(self.schema, "tokens", w)) for w in toks])
        searcher = self.index.searcher()
        return [searcher.doc(addr)["chunk_id"][0] for _, addr in searcher.search(q, k).hits]

    def disk(self):
        return dir_mb(self.dir)


def keyword_bench(rows, tokens, queries, sizes, tmp: Path, with_legacy_max: int) -> list[dict]:
    from vectorstore.keyword import terms

    qtoks = [terms(q) for q in queries]
    candidates = [LegacyJson, Fts5]
    for cls, module in ((Bm25s, "bm25s"), (Tantivy, "tantivy")):  # candidates measured, not requirements
        try:
            __import__(module)
            candidates.append(cls)
        except ImportError:
            print(f"{module} not importable (pip install {module} to compare it): left out", file=sys.stderr)
    out = []
    for size in sizes:
        base, base_tokens = rows[:size], tokens[:size]
        for cls in candidates:
            if cls is LegacyJson and size > with_legacy_max:
                continue
            folder = tmp / f"{cls.__name__}-{size}"
            folder.mkdir()
            idx = cls(folder)
            for start in range(0, size, 5000):  # the existing library, in large batches
                idx.bulk(base[start:start + 5000], base_tokens[start:start + 5000])
            gc.collect()
            writes = []
            extra = rows[size:size + cls.writes * DOC_CHUNKS]
            for d, doc in enumerate(docs_of(extra)):  # then documents written the way an import writes them
                t0 = time.perf_counter()
                idx.write_doc(doc, tokens[size + d * DOC_CHUNKS:size + (d + 1) * DOC_CHUNKS])
                writes.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            idx.reopen()
            open_ms = (time.perf_counter() - t0) * 1000
            lat = []
            for q, toks in zip(queries, qtoks):
                t0 = time.perf_counter()
                idx.search(q if cls is Fts5 else toks, 20)
                lat.append((time.perf_counter() - t0) * 1000)
            out.append({"part": "keyword", "chunks": size, "index": cls.name,
                        "write_doc_ms": statistics.median(writes), "open_ms": open_ms,
                        "search_p50_ms": statistics.median(lat), "search_p95_ms": pct(lat, 0.95),
                        "disk_mb": idx.disk()})
            print(json.dumps(out[-1], ensure_ascii=False), file=sys.stderr)
            del idx
            gc.collect()
    return out


# ------------------------------------------------------------------------------------------------ hybrid
def pooled_vectors(embeddings, sentences, pool: int):
    """Real vectors of ``pool`` real sentences spread over the corpus (embedded once, for real)."""
    step = max(1, len(sentences) // pool)
    return embeddings.embed_documents(sentences[::step][:pool])


def noisy(vec, rng, sigma=0.02):
    """A pooled vector with Gaussian noise, renormalised (cosine ≈ 0.93 to the original)."""
    import numpy as np

    v = np.asarray(vec, dtype=np.float32) + rng.normal(0, sigma, len(vec)).astype(np.float32)
    return (v / np.linalg.norm(v)).tolist()


def hybrid_bench(rows, tokens, sentences, pool_vecs, embeddings, queries, sizes, tmp: Path,
                 keep: Path | None = None, library: Path | None = None, in_place: bool = False) -> list[dict]:
    """The product's index at each size: the library bulk-loaded (vectors, keywords, manifest), then five documents
    written through ``add_document`` as an import does (timed), then every retriever timed on the dev questions,
    each with the question's prior as the product computes it (assistant/prior.py), and the product's search split
    into its stages (ReportIndex.last_timings).  ``keep``: the libraries live there and are reused by the next run
    (bulk-loading 100k chunks' windows takes tens of minutes).

    ``library``: the library ``bench/startup.py`` built (its data dir), opened as the app opens it
    (assistant.service.make_store), for the size it holds: a copy of it in ``tmp`` (the five documents are written
    there), or with ``in_place`` the library itself, the five documents removed again afterwards."""
    import shutil

    import numpy as np

    from assistant.prior import library_reports, question_prior
    from ingest.chunker import Chunk
    from vectorstore.chroma import make_client
    from vectorstore.index import ReportIndex

    class Reused:  # the real embedder for queries; pooled vectors for documents (see the module docstring)
        model_id, dimension = embeddings.model_id, embeddings.dimension
        embed_query = staticmethod(embeddings.embed_query)
        queue: list = []

        def embed_documents(self, texts):
            vecs, self.queue = self.queue, []
            return vecs

    rng = np.random.default_rng(7)
    qvecs = embeddings.embed_queries(queries)
    probe = Chunk("p", "p", 0, "甲。乙。", 0, 4, 0, "", "", None, "", "other", "", False)
    pairs = any(i.endswith("+") for i, _ in probe.windows())  # mirror the product's windows
    sv = lambda s: pool_vecs[s % len(pool_vecs)]  # noqa: E731  a sentence's vector: one of the real pool

    def prepared(chunk_rows):
        """ids, texts, embed texts, metadatas, windows, chunk vectors, window vectors of some chunks."""
        windows, wvecs = [], []
        for cid, _, _, _, picks, _ in chunk_rows:
            ws = [(f"{cid}:{j}", sentences[s]) for j, s in enumerate(picks)]
            wvecs += [noisy(sv(s), rng) for s in picks]
            if pairs:
                adjacent = list(zip(picks, picks[1:]))
                ws += [(f"{cid}:{j}+", sentences[a] + sentences[b]) for j, (a, b) in enumerate(adjacent)]
                wvecs += [noisy(np.add(sv(a), sv(b)), rng) for a, b in adjacent]
            windows.append(ws)
        vecs = [noisy(np.mean([sv(s) for s in r[4]], axis=0), rng) for r in chunk_rows]  # its windows' mean
        return ([r[0] for r in chunk_rows], [r[5] for r in chunk_rows], [r[1] for r in chunk_rows],
                [r[2] for r in chunk_rows], windows, vecs, wvecs)

    out = []
    for size in sizes:
        folder = (keep or tmp) / f"hybrid-{size}"
        emb = Reused()
        reused = (folder / "manifest.json").exists()
        if library is not None:  # the start-up library: the product's own index, as the app opens it
            from assistant.service import make_store
            from assistant.settings import load_settings

            folder, reused = library, True
            held = sum(rec.get("chunks", 0) for rec in json.loads(
                (library / "manifest.json").read_text(encoding="utf-8"))["documents"].values())
            if held != size:  # told before a copy of gigabytes
                raise SystemExit(f"--hybrid-db {library} holds {held} chunks, not {size}: give --hybrid-sizes {held}")
            if not in_place:
                folder = tmp / f"hybrid-db-{size}"
                t0 = time.perf_counter()
                shutil.copytree(library, folder)
                print(f"hybrid {size}: {library} copied in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
            index = make_store(load_settings(folder), emb)
        else:
            index = ReportIndex(folder, make_client("embedded", folder), emb, "scale")
        t_build = time.perf_counter()
        if not reused:
            for start in range(0, size, 1000):
                ids, texts, _, metas, windows, vecs, wvecs = prepared(rows[start:min(size, start + 1000)])
                flat = [(wid, text, {**meta, "chunk_id": cid}) for cid, meta, ws in zip(ids, metas, windows)
                        for wid, text in ws]
                index.store.add(ids, vecs, texts, metas, [(w, t, v, m) for (w, t, m), v in zip(flat, wvecs)])
                index.keyword.add_tokens(ids, tokens[start:start + len(ids)], metas)
                for doc in docs_of(rows[start:start + len(ids)]):
                    index.documents[doc[0][2]["doc_id"]] = record_of(doc)
                print(f"hybrid {size}: {start + len(ids)} chunks loaded", file=sys.stderr)
            index.manifest_store.put(index.documents, rows[size - 1][2]["doc_id"])
        build_s = time.perf_counter() - t_build
        writes = []
        for doc in docs_of(rows[size:size + 5 * DOC_CHUNKS]):
            ids, texts, embed_texts, metas, windows, vecs, wvecs = prepared(doc)
            emb.queue = vecs + wvecs
            t0 = time.perf_counter()
            with index.lock():
                index.add_document(doc[0][2]["doc_id"], {k: v for k, v in record_of(doc).items() if k != "chunks"},
                                   ids, texts, embed_texts, metas, windows)
            writes.append((time.perf_counter() - t0) * 1000)
        parts = {"hybrid": [], "dense": [], "dense-chunk": [], "keyword": []}
        stages: dict[str, list[float]] = {}
        index.search(queries[0], 5, query_vector=qvecs[0])  # first search opens the HNSW indexes
        for q, v in zip(queries, qvecs):
            for mode in parts:
                t0 = time.perf_counter()
                prior = question_prior(q, library_reports(index)) if mode == "hybrid" else None
                index.search(q, 5, mode=mode, query_vector=v, prior=prior)
                parts[mode].append((time.perf_counter() - t0) * 1000)
                if mode == "hybrid":
                    for stage, ms in getattr(index, "last_timings", {}).items():
                        stages.setdefault(stage, []).append(ms)
        if library is not None and in_place:  # the library as it was built
            with index.lock():
                for doc in docs_of(rows[size:size + 5 * DOC_CHUNKS]):
                    index.remove_document(doc[0][2]["doc_id"])
        row = {"part": "hybrid", "chunks": size, "windows": index.store.sentences.count(),
               "build_s": None if reused else build_s, "library": str(library) if library else None,
               "write_doc_ms": statistics.median(writes), "disk_mb": dir_mb(folder), "rss_mb": rss_mb()}
        for mode, lat in parts.items():
            row[f"{mode}_p50_ms"] = statistics.median(lat)
            row[f"{mode}_p95_ms"] = pct(lat, 0.95)
        row["stages"] = {stage: {"p50_ms": statistics.median(lat), "p95_ms": pct(lat, 0.95)}
                         for stage, lat in stages.items()}
        out.append(row)
        print(json.dumps(row, ensure_ascii=False), file=sys.stderr)
        del index
        gc.collect()
    return out


# ------------------------------------------------------------------------------------------------ import speed
def import_bench(paths, settings, embeddings, tmp: Path) -> dict:
    """The whole import of real files vs the raw embedder on the same text in the same run.

    Raw: sentence-transformers ``encode`` of every chunk once (its embedded text: title, section path, body), same
    threads and batch size.  Import: load, structure, chunk, embed sentence windows (and, with
    ``HUIBAO_EMBEDDING__CHUNK_VECTORS=encoded``, every chunk again; pooled: each section's head once), write Chroma,
    the keyword index and the manifest.  Both are quoted per character of chunk body (the document's text), so the
    ratio says what the whole import costs beyond embedding the text once.
    """
    from assistant.service import make_store
    from ingest.pipeline import expand_paths, ingest_paths, prepare_document

    chunks = []
    for path in expand_paths(paths):
        try:
            chunks += prepare_document(path).chunks
        except Exception:
            continue
    chars = sum(len(c.text) for c in chunks)
    windows = sum(len(t) for c in chunks for _, t in c.windows())
    mode = settings.embedding.chunk_vectors  # what the import embeds beside the sentences (a new library's kind)
    heads = {c.embed_text[:-len(c.text)].strip() for c in chunks}  # counted once (at most once per batch)
    embedded = windows + (sum(map(len, heads)) if mode == "pooled" else sum(len(c.embed_text) for c in chunks))
    t0 = time.perf_counter()
    embeddings.model.encode([embeddings.passage_prefix + c.embed_text for c in chunks],
                            batch_size=embeddings.batch_size, normalize_embeddings=True, show_progress_bar=False)
    raw_s = time.perf_counter() - t0
    settings.store.path = tmp / "import"
    settings.store.collection = "import"
    index = make_store(settings, embeddings)
    t0 = time.perf_counter()
    ingest_paths(paths, index)
    import_s = time.perf_counter() - t0
    return {"part": "import", "chars": chars, "window_chars": windows, "chunk_vectors": mode,
            "embedded_chars": embedded, "raw_chars_per_s": chars / raw_s,
            "import_chars_per_s": chars / import_s, "ratio": raw_s / import_s}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", nargs="*", default=[str(p) for p in DEFAULT_DOCS])
    parser.add_argument("--import-docs", nargs="*", default=[str(p) for p in DEFAULT_DOCS[:2]],
                        help="files imported for real against the raw embedder (default: samples + corpus_multi)")
    parser.add_argument("--qa", default=str(ROOT.parent / "shared" / "dev_qa.jsonl"))
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--legacy-max", type=int, default=100000, help="largest size the JSON baseline runs at")
    parser.add_argument("--hybrid-sizes", default="1000,10000")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--pool", type=int, default=2000, help="real sentences embedded for the reused vectors")
    parser.add_argument("--keep", help="keep the hybrid libraries in this folder and reuse them in the next run")
    parser.add_argument("--hybrid-db", type=Path,
                        help="time hybrid search over the library bench/startup.py built in this data dir (its size "
                        "must be the one --hybrid-sizes names) instead of bulk-loading one; five documents are "
                        "written to a copy of it")
    parser.add_argument("--in-place", action="store_true",
                        help="with --hybrid-db: write the five documents into that library itself (no copy; they are "
                        "removed again afterwards)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--startup-size", type=int, default=0,
                        help="also time app start-up to first answer over a library of this many chunks (bench/startup.py)")
    parser.add_argument("--startup-db", type=Path, help="where that library is built, and reused by the next run")
    args = parser.parse_args(argv)
    from vectorstore.keyword import terms

    sizes = [int(s) for s in args.sizes.split(",") if s]
    hybrid_sizes = [int(s) for s in args.hybrid_sizes.split(",") if s]
    chunks = real_chunks([Path(p) for p in args.docs])
    biggest = max(sizes + hybrid_sizes) + 20 * DOC_CHUNKS
    rows, sentences = synthetic(chunks, biggest)
    t0 = time.perf_counter()
    # jieba cuts each pool sentence (and each title + section path) once; a chunk's tokens are theirs joined (the
    # same as cutting the chunk whole but at the sentence seams): 100k chunks are cut in seconds, not half an hour
    cut: dict = {}

    def cached(text: str) -> list[str]:
        if text not in cut:
            cut[text] = terms(text)
        return cut[text]

    tokens = [cached("\n".join(r[1].split("\n", 2)[:2])) + [t for s in r[4] for t in cached(sentences[s])]
              for r in rows]
    print(f"{len(chunks)} real chunks, {len(sentences)} sentences; {len(rows)} chunks cut by jieba in "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    queries = questions(Path(args.qa))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results += keyword_bench(rows, tokens, queries, sizes, tmp, args.legacy_max)
        if hybrid_sizes or not args.skip_import:
            from assistant.service import make_embeddings_from
            from assistant.settings import load_settings

            settings = load_settings()
            embeddings = make_embeddings_from(settings)
            if not args.skip_import:
                results.append(import_bench([Path(p) for p in args.import_docs], settings, embeddings, tmp))
                print(json.dumps(results[-1]), file=sys.stderr)
            if hybrid_sizes:
                pool_vecs = pooled_vectors(embeddings, sentences, args.pool)
                results += hybrid_bench(rows, tokens, sentences, pool_vecs, embeddings, queries,
                                        hybrid_sizes, tmp, Path(args.keep) if args.keep else None,
                                        args.hybrid_db, args.in_place)
    if args.startup_size:
        from bench.startup import startup_bench

        results.append(startup_bench(args.startup_size, args.startup_db, [Path(p) for p in args.docs]))
    if args.json:
        print(json.dumps({"real_chunks": len(chunks), "rows": results}, ensure_ascii=False))
        return 0
    print(f"keyword index, {len(queries)} dev questions, top 20, documents of {DOC_CHUNKS} chunks")
    print(f"{'chunks':>8}  {'index':<36}{'write/doc ms':>13}{'open ms':>10}{'p50 ms':>9}{'p95 ms':>9}{'disk MB':>9}")
    for r in (r for r in results if r["part"] == "keyword"):
        print(f"{r['chunks']:>8}  {r['index']:<36}{r['write_doc_ms']:>13.1f}{r['open_ms']:>10.0f}"
              f"{r['search_p50_ms']:>9.1f}{r['search_p95_ms']:>9.1f}{r['disk_mb']:>9.1f}")
    fts = {r["chunks"]: r["write_doc_ms"] for r in results if r["part"] == "keyword" and "FTS5" in r["index"]}
    if len(fts) > 1:
        print(f"FTS5 write cost per document, {max(fts)} vs {min(fts)} chunks: ×{fts[max(fts)] / fts[min(fts)]:.2f}")
    for r in (r for r in results if r["part"] == "import"):
        print(f"import {r['import_chars_per_s']:.0f} chars/s, raw embedder on the same chunks "
              f"{r['raw_chars_per_s']:.0f} chars/s: ratio {r['ratio']:.2f} ({r['chars']} characters; chunk vectors "
              f"{r['chunk_vectors']}: the import embeds {r['embedded_chars'] / r['chars']:.2f}× that)")
    hy = [r for r in results if r["part"] == "hybrid"]
    if hy:
        print("hybrid search (REUSED vectors: pooled real vectors + noise), p50 / p95 ms")
        for r in hy:
            print(f"{r['chunks']:>8}  " + "  ".join(f"{m} {r[m + '_p50_ms']:.1f}/{r[m + '_p95_ms']:.1f}"
                                                      for m in ("hybrid", "dense", "dense-chunk", "keyword"))
                  + f"  write/doc {r['write_doc_ms']:.0f} ms  disk {r['disk_mb']:.0f} MB  RSS {r['rss_mb']:.0f} MB"
                  f"  ({r['windows']} windows, " + (f"bulk-loaded in {r['build_s']:.0f} s)" if r["build_s"] else
                                                     f"library of {r['library']})" if r.get("library") else
                                                     "library reused)"))
            if r["stages"]:
                print("          product search by stage, p50 / p95 ms: " + "  ".join(
                    f"{stage} {t['p50_ms']:.1f}/{t['p95_ms']:.1f}" for stage, t in r["stages"].items()))
    for r in (r for r in results if r["part"] == "startup"):
        from bench.startup import print_row

        print_row(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
