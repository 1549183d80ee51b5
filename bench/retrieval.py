"""Retrieval quality and speed on a question set: R@1, R@5, MRR, ingest chars/s, search latency.

    python bench/retrieval.py --docs ../shared/corpus --qa ../shared/dev_qa.jsonl [--k 5] [--json]
    python bench/retrieval.py --docs data/samples --qa ../shared/dev_qa.jsonl \
        --with ../shared/corpus_multi/*.txt ../shared/corpus_distractors/*.txt [--db /tmp/bench] [--json]

With ``--with``, other units' reports are mixed into the library ("with distractors"): the product rows are measured
on the questions' documents alone and on the mixed library in one run (search p95 ratio mixed ÷ alone), with and
without the question's soft prior (assistant/prior.py).  ``--db DIR`` keeps both indexes (DIR/alone, DIR/mixed) between
runs; documents already there are not ingested again.

A hit is a returned chunk sharing a common substring of at least min(60, 0.6·len) characters with an evidence text.
Rows: hybrid (the product), dense-only and keyword-only (so the fusion's gain shows), and ablations of the
chunking — plain 300-character windows, structure chunks without the title/section prefix — so each step's gain
is visible.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from difflib import SequenceMatcher
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def is_hit(chunk: str, evidence: list[str]) -> bool:
    for ev in evidence:
        need = min(60, int(0.6 * len(ev)))
        m = SequenceMatcher(None, chunk, ev, autojunk=False).find_longest_match(0, len(chunk), 0, len(ev))
        if m.size >= need:
            return True
    return False


def sentence_in(sentence: str, evidence: list[str]) -> bool:
    """A selected evidence sentence comes from one of the question's evidence passages."""
    for ev in evidence:
        m = SequenceMatcher(None, sentence, ev, autojunk=False).find_longest_match(0, len(sentence), 0, len(ev))
        if m.size >= 0.8 * len(sentence):
            return True
    return False


def load_qa(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def score(index, questions: list[dict], k: int, mode: str, prior: bool = False, **search) -> dict:
    """R@1, R@k, MRR and search latency; ``prior``: the product's search, the question's soft prior included."""
    from assistant.prior import library_reports, question_prior

    r1 = r5 = rr = 0.0
    latencies, cpu = [], []
    for q in questions:
        t0, c0 = time.perf_counter(), time.process_time()
        if prior:
            search["prior"] = question_prior(q["q"], library_reports(index))
        hits = index.search(q["q"], k=k, mode=mode, **search)
        latencies.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        ranks = [i for i, h in enumerate(hits, 1) if is_hit(h.text, q["evidence"])]
        if ranks:
            r1 += ranks[0] == 1
            r5 += 1
            rr += 1 / ranks[0]
    n = len(questions)
    lat = sorted(latencies)
    return {"R@1": r1 / n, f"R@{k}": r5 / n, "MRR": rr / n, "p50_ms": statistics.median(lat),
            "p95_ms": lat[min(len(lat) - 1, int(0.95 * len(lat)))],
            # CPU time of this process (all its threads) per search: what the search costs, without the time spent
            # waiting for a core that the wall-clock figures include on a shared machine
            "cpu_p50_ms": statistics.median(cpu), "cpu_p95_ms": sorted(cpu)[min(len(cpu) - 1, int(0.95 * len(cpu)))]}


def build(docs: list[str], variant: str, settings, embeddings, tmp: Path):
    """Ingest ``docs`` into a fresh index; ``variant``: full | noprefix | plain300 | withpairs (each pair of adjacent
    sentences embedded beside the sentences, as before) | pairs (the pairs alone, a lone sentence where a chunk has
    one)."""
    from assistant.service import make_store
    from ingest.clean import split_sentences
    from ingest.pipeline import expand_paths, ingest_paths, prepare_document

    settings.store.path = tmp / variant
    settings.store.collection = f"bench-{variant}"
    index = make_store(settings, embeddings)
    t0 = time.perf_counter()
    if variant == "full":
        ingest_paths(docs, index, options=settings.ingest)
    else:
        for path in expand_paths(docs):
            doc = prepare_document(path)
            chunks = doc.chunks
            if variant == "plain300":
                texts = [doc.text[i:i + 300] for i in range(0, len(doc.text), 300)]
                ids = [f"{doc.doc_id}-{i:04d}" for i in range(len(texts))]
                metas = [{"doc_id": doc.doc_id, "section_type": "other"} for _ in texts]
                windows = [[(f"{cid}:{j}", s) for j, s in enumerate(split_sentences(t))] for cid, t in zip(ids, texts)]
                index.add_document(doc.doc_id, doc.record(), ids, texts, texts, metas, windows)
            elif variant in ("withpairs", "pairs"):
                windows = []
                for c in chunks:
                    sentences = c.windows()
                    pairs = [(f"{a[0]}+", a[1] + b[1]) for a, b in zip(sentences, sentences[1:])]
                    windows.append(sentences + pairs if variant == "withpairs" else pairs or sentences)
                index.add_document(doc.doc_id, doc.record(), [c.chunk_id for c in chunks], [c.text for c in chunks],
                                   [c.embed_text for c in chunks], [c.metadata() for c in chunks], windows)
            else:
                texts = [c.text for c in chunks]
                index.add_document(doc.doc_id, doc.record(), [c.chunk_id for c in chunks], texts, texts,
                                   [c.metadata() for c in chunks], [c.windows() for c in chunks])
    return index, time.perf_counter() - t0


def mixed(args, questions, settings, embeddings) -> dict:
    """Product rows on the questions' documents alone and with other units' reports mixed in, in one run."""
    from assistant.service import make_store
    from ingest.pipeline import ingest_paths

    search = dict(options=settings.search)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.db or tmp)
        indexes = {}
        for library, paths in (("alone", args.docs), ("mixed", args.docs + args.with_)):
            settings.store.path = root / library
            indexes[library] = index = make_store(settings, embeddings)
            ingest_paths(paths, index, options=settings.ingest, progress=not args.json)
            index.search(questions[0]["q"], 1)  # warm up jieba, BM25 and the embedder
        # each retriever on both libraries back to back, so that both latencies see the same machine load
        for retriever, mode, prior in (("hybrid+prior", "hybrid", True), ("hybrid", "hybrid", False),
                                       ("dense", "dense", False), ("keyword", "keyword", False)):
            for library, index in indexes.items():
                rows.append({"library": library, "retriever": retriever,
                             **score(index, questions, args.k, mode, prior, **search)})
    p95 = {r["library"]: r["p95_ms"] for r in rows if r["retriever"] == "hybrid+prior"}
    cpu = {r["library"]: r["cpu_p95_ms"] for r in rows if r["retriever"] == "hybrid+prior"}
    return {"questions": len(questions), "k": args.k, "rows": rows, "p95_ratio": p95["mixed"] / p95["alone"],
            "cpu_p95_ratio": cpu["mixed"] / cpu["alone"]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", required=True, nargs="+")
    parser.add_argument("--qa", required=True)
    parser.add_argument("--with", dest="with_", nargs="+", default=[], help="other units' reports to mix in")
    parser.add_argument("--db", help="keep the indexes of --with runs here (DIR/alone, DIR/mixed)")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--variants", default="full,noprefix,plain300",
                        help="comma-separated: full, noprefix, plain300, withpairs, pairs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant.service import make_embeddings_from
    from assistant.settings import load_settings
    from ingest.pipeline import expand_paths, prepare_document

    questions = [q for q in load_qa(args.qa) if q.get("evidence")]
    settings = load_settings()
    embeddings = make_embeddings_from(settings)
    if args.with_:
        out = mixed(args, questions, settings, embeddings)
        if args.json:
            print(json.dumps(out, ensure_ascii=False))
            return 0
        print(f"{out['questions']} questions, k={args.k}")
        print(f"{'library':<8}{'retriever':<14}{'R@1':>7}{'R@' + str(args.k):>7}{'MRR':>7}{'p50 ms':>9}{'p95 ms':>9}"
              f"{'cpu p50':>9}{'cpu p95':>9}")
        for r in out["rows"]:
            print(f"{r['library']:<8}{r['retriever']:<14}{r['R@1']:>7.3f}{r['R@' + str(args.k)]:>7.3f}"
                  f"{r['MRR']:>7.3f}{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}{r['cpu_p50_ms']:>9.1f}{r['cpu_p95_ms']:>9.1f}")
        print(f"search p95 mixed / alone (hybrid+prior): wall {out['p95_ratio']:.2f}, CPU {out['cpu_p95_ratio']:.2f}")
        return 0
    chars = sum(len(prepare_document(p).text) for p in expand_paths(args.docs))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        plan = {"full": ("hybrid", "dense", "keyword", "dense-chunk"), "noprefix": ("hybrid",),
                "plain300": ("hybrid", "dense", "dense-chunk", "keyword"), "withpairs": ("hybrid", "dense"),
                "pairs": ("hybrid", "dense")}
        for variant in args.variants.split(","):
            modes = plan[variant]
            index, seconds = build(args.docs, variant, settings, embeddings, Path(tmp))
            for mode in modes:
                row = {"chunks": variant, "retriever": mode,
                       **score(index, questions, args.k, mode, options=settings.search)}
                if mode == "hybrid":
                    row["ingest_chars_per_s"] = round(chars / seconds)
                rows.append(row)
    if args.json:
        print(json.dumps({"questions": len(questions), "k": args.k, "rows": rows}, ensure_ascii=False))
        return 0
    print(f"{len(questions)} questions, k={args.k}, {chars} characters ingested")
    print(f"{'chunks':<10}{'retriever':<10}{'R@1':>7}{'R@' + str(args.k):>7}{'MRR':>7}{'p50 ms':>9}{'p95 ms':>9}")
    for r in rows:
        print(f"{r['chunks']:<10}{r['retriever']:<10}{r['R@1']:>7.3f}{r['R@' + str(args.k)]:>7.3f}{r['MRR']:>7.3f}"
              f"{r['p50_ms']:>9.1f}{r['p95_ms']:>9.1f}")
    for r in rows:
        if "ingest_chars_per_s" in r:
            print(f"ingest {r['chunks']}: {r['ingest_chars_per_s']} chars/s (structure + embedding + both indexes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
