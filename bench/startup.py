"""App start-up to first answer, and the app's memory, over a large library (issue #13: ≤ 15 s and ≤ 4 GiB at 100k
chunks with the local model).

    python bench/startup.py [--size 100000] [--db /tmp/huibao-100k] [--question ...] [--json]

``bench/scale.py --startup-size N`` runs the same measurement as one more part of its table.

The library is built once in ``--db`` (kept: building 100k chunks takes tens of minutes) through the product's own
index classes, so the app opens exactly what an import would have written: Chroma collections with the product's
configuration, the FTS5 keyword index, the manifest with one record per 25-chunk document.  Its chunks are those of
``bench/scale.py`` (real report text, split and recombined) and its vectors are REUSED real vectors plus noise, as
there: embedding 100k chunks for real is hours on 2 cores, and start-up cost does not depend on what the vectors mean.

The app is then started in a fresh process exactly as ``python app.py`` starts it (:func:`app.prepare`: settings,
embedder, index, LLM, warm-up, the Gradio Blocks), and one question is answered through the Q&A chain.  Times are
wall-clock seconds from the moment the process was spawned: ``ready`` (the app could serve), ``evidence`` (the
first answer's sources shown), ``first_token`` and ``answer`` (the whole answer); RSS is the process's resident
memory after the answer.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "存在的主要问题有哪些？"
BUILD_BATCH = 1000  # chunks written per step while building


def _settings(db: Path):
    from assistant.settings import load_settings

    return load_settings(db)


def build_library(db: Path, size: int, docs: list[Path], pool: int = 300, seed: int = 7) -> dict:
    """Write a library of ``size`` chunks into ``db`` (unless it already holds them); what was built and how long."""
    import numpy as np

    from assistant.service import make_embeddings_from, make_store
    from bench.scale import DOC_CHUNKS, docs_of, pooled_vectors, real_chunks, synthetic
    from vectorstore.keyword import terms

    settings = _settings(db)
    embeddings = make_embeddings_from(settings)
    index = make_store(settings, embeddings)
    if index.count() >= size:
        return {"chunks": index.count(), "windows": index.store.sentences.count(), "build_s": 0.0, "reused": True}
    # A build stopped part-way (it takes tens of minutes) goes on from its last whole step: the rows are the same
    # (fixed seeds), an upsert of a step written in part only writes it again, and the manifest is saved per step.
    resume = min(index.store.count(), index.keyword.count()) // BUILD_BATCH * BUILD_BATCH
    t0 = time.perf_counter()
    chunks = real_chunks(docs)
    rows, sentences = synthetic(chunks, size)
    pool_vecs = np.asarray(pooled_vectors(embeddings, sentences, pool), dtype=np.float32)
    rng = np.random.default_rng(seed)

    def noisy(v):
        v = v + rng.normal(0, 0.02, v.shape).astype(np.float32)
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    for start in range(0, size, BUILD_BATCH):
        part = rows[start:start + BUILD_BATCH]
        if start < resume:
            _record(index, part)
            continue
        ids = [r[0] for r in part]
        metas = [{**r[2], "report_index": 0, "start": r[2]["seq"] * 300, "lead": ""} for r in part]
        w_ids, w_texts, w_metas, w_src = [], [], [], []
        for r, meta in zip(part, metas):
            for j, s in enumerate(r[4]):
                w_ids.append(f"{r[0]}:{j}")
                w_texts.append(sentences[s])
                w_metas.append({**meta, "chunk_id": r[0]})
                w_src.append(s % len(pool_vecs))
        w_vecs = noisy(pool_vecs[w_src])
        c_vecs = noisy(np.stack([pool_vecs[[s % len(pool_vecs) for s in r[4]]].mean(axis=0) for r in part]))
        index.store.add(ids, c_vecs.tolist(), [r[5] for r in part], metas,
                        list(zip(w_ids, w_texts, w_vecs.tolist(), w_metas)))
        index.keyword.add_tokens(ids, [terms(r[1]) for r in part], metas)
        _record(index, part)
        index.manifest_store.put(index.documents, part[-1][2]["doc_id"])  # a library of this size from now on
        print(f"  {start + len(part)} / {size} chunks, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    assert len(index.documents) == size // DOC_CHUNKS + (size % DOC_CHUNKS > 0)
    return {"chunks": index.count(), "windows": index.store.sentences.count(),
            "build_s": time.perf_counter() - t0, "reused": False}


def _record(index, part) -> None:
    """Manifest records of the 25-chunk documents in ``part``: one report each (with the place, level and kind the
    question prior reads), as an import records it."""
    from bench.scale import docs_of

    for doc in docs_of(part):
        meta = doc[0][2]
        index.documents[meta["doc_id"]] = {
            "file": f"/archive/{meta['doc_id']}.docx", "name": f"{meta['doc_id']}.docx",
            "reports": [{"title": meta["report_title"], "org": meta["org"], "year": meta["year"],
                         **{k: meta.get(k) for k in ("place", "level", "kind")},
                         "sections": sorted({r[2]["section_type"] for r in doc}), "chunks": len(doc)}],
            "chunks": len(doc), "added": "2026-01-01 00:00:00"}


def _rss_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child(db: Path, question: str, spawned: float) -> dict:
    """In the measured process: start the app as ``python app.py`` does, then answer one question."""
    import app

    settings = _settings(db)
    assistant, demo = app.prepare(settings)
    marks = {"ready_s": time.time() - spawned}
    for event in assistant.qa.answer(question, []):
        if event.type == "evidence" and "evidence_s" not in marks:
            marks["evidence_s"] = time.time() - spawned
        elif event.type == "token" and "first_token_s" not in marks:
            marks["first_token_s"] = time.time() - spawned
        elif event.type == "final":
            marks["answer_s"] = time.time() - spawned
            marks["refused"] = event.answer.refused
    marks["rss_mb"] = _rss_mb()
    marks["llm"] = settings.llm.backend if assistant.llm is None else type(assistant.llm).__name__
    marks["chunks"] = assistant.index.count()
    del demo
    return marks


def measure(db: Path, question: str = QUESTION, env: dict | None = None) -> dict:
    """Spawn a fresh process that starts the app over ``db`` and answers ``question``; its marks."""
    spawned = time.time()
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", "--db", str(db),
                           "--question", question, "--spawned", repr(spawned)],
                          cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"start-up run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def startup_bench(size: int, db: Path | None, docs: list[Path], question: str = QUESTION) -> dict:
    """The ``startup`` row of bench/scale.py: build (or reuse) the library, then one measured start."""
    db = db or Path(tempfile.gettempdir()) / f"huibao-startup-{size}"
    built = build_library(db, size, docs)
    print(json.dumps({"built": built}), file=sys.stderr)
    return {"part": "startup", **built, **measure(db, question)}


def print_row(r: dict) -> None:
    print(f"app start-up over {r['chunks']} chunks ({r['windows']} windows, LLM {r['llm']}): ready "
          f"{r['ready_s']:.1f} s, first answer's sources {r['evidence_s']:.1f} s, first token "
          f"{r.get('first_token_s', float('nan')):.1f} s, whole answer {r['answer_s']:.1f} s; RSS "
          f"{r['rss_mb'] / 1024:.2f} GiB")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--docs", nargs="*", default=None)
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--spawned", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.db, args.question, args.spawned), ensure_ascii=False))
        return 0
    from bench.scale import DEFAULT_DOCS

    docs = [Path(p) for p in args.docs] if args.docs else DEFAULT_DOCS
    if args.build_only:
        print(json.dumps(build_library(args.db, args.size, docs)))
        return 0
    row = startup_bench(args.size, args.db, docs, args.question)
    if args.json:
        print(json.dumps(row, ensure_ascii=False))
    else:
        print_row(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
