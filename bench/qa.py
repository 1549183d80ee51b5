"""Answer quality and speed on question sets, with the raw llama.cpp speed on the same prompts for comparison.

    python bench/qa.py [--sets samples,multi] [--llm none|local|openai] [--limit N | --only 1,5,12] [--json]
    python bench/qa.py --docs ../shared/corpus --qa ../shared/dev_qa.jsonl      # one set of your own

Sets: ``samples`` (../shared/dev_qa.jsonl over data/samples) and ``multi`` (../shared/dev_multi_qa.jsonl over the four
parallel 2026 政府工作报告 of ../shared/corpus_multi, where each question names its report in ``doc``).  A table per set.

Per question: whether the best-scored evidence sentence lies in an evidence passage (what the model reads most
surely), answered with a citation that hits the evidence (hit rule of bench/retrieval.py; an excerpt shorter than 40
characters must stand whole in the cited chunk, so "全市生产总值增长5.4%" is no hit for "全市生产总值增长5%左右"; with
``doc``, the cited chunk must also be of that report), refused on ``kind: absent``, falsely refused, unsupported
numbers (and whether they were flagged), answers showing a figure of another unit or period (a figure of the answer
that the cited sentences hold only in another report than the evidence's, or only in sentences of another period than
the evidence sentence's, read from the periods ingest stored; for an extractive answer, which lists evidence from
several reports, only where the question names a unit or period), time to evidence, time to first token, tokens/s.
With ``--llm local`` each prompt is also run straight through llama-cpp-python, so the chain's overhead shows as a
ratio of medians measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_library, print_summary  # noqa: E402
from bench.retrieval import is_hit, load_qa, sentence_in  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = {"samples": (ROOT / "data" / "samples", ROOT.parent / "shared" / "dev_qa.jsonl"),
        "multi": (ROOT.parent / "shared" / "corpus_multi", ROOT.parent / "shared" / "dev_multi_qa.jsonl")}


def holds(chunk: str, evidence: list[str]) -> bool:
    """The chunk holds an evidence passage (a short excerpt whole, a long passage by the retrieval hit rule)."""
    return any(ev in chunk for ev in evidence if len(ev) < 40) or is_hit(chunk, [ev for ev in evidence
                                                                             if len(ev) >= 40])


class Library:
    """Every chunk of the bench's index with its sentences' periods: whose and when each figure of an answer is."""

    def __init__(self, index):
        from ingest.clean import split_sentences
        from ingest.periods import chunk_sentence_periods

        got = index.store.collection.get(include=["documents", "metadatas"])
        self.chunks = {}
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"]):
            periods = chunk_sentence_periods(text, meta.get("section_path", ""), meta.get("year") or None,
                                             meta.get("periods"))
            self.chunks[cid] = (text, meta, list(zip(split_sentences(text), periods)))
        self.doc_ids = {rec.get("name"): d for d, rec in index.documents.items()}
        self.years = {(d, i): r.get("year") for d, rec in index.documents.items()
                      for i, r in enumerate(rec.get("reports", []))}

    @staticmethod
    def key(meta: dict) -> tuple[str, int]:
        return meta.get("doc_id", ""), int(meta.get("report_index") or 0)

    def expected(self, q: dict, index) -> tuple[set, set]:
        """The reports and periods an answer must come from: those of the evidence (or the named doc and the
        period the question names, for an absent figure)."""
        keys, periods = set(), set()
        for text, meta, sentences in self.chunks.values():
            if q.get("evidence") and holds(text, q["evidence"]):
                keys.add(self.key(meta))
                periods |= {p for s, p in sentences if any(ev in s for ev in q["evidence"] if len(ev) < 40)
                            or sentence_in(s, q["evidence"])}
        if q.get("doc") in self.doc_ids:
            keys = {k for k in self.years if k[0] == self.doc_ids[q["doc"]]} if not keys else keys
            if not q.get("evidence"):
                from assistant.scope import asked_scope

                cue = asked_scope(q["q"], []).cue
                periods = {cue.resolve(self.years.get(k)) for k in keys} if cue else set()
        return keys, periods

    def foreign_figures(self, result, keys: set, periods: set) -> list[str]:
        """Figures the answer shows that its cited sentences hold only for another unit or period."""
        from assistant.guards import extract_figures, supported_figures

        if result.refused or not keys:
            return []
        if result.mode != "llm" and not (result.asked.units or result.asked.period):
            return []  # evidence listed from several reports, for a question that names no unit or period
        body = result.text
        cited = [self.chunks[c.chunk_id] for c in result.citations if c.chunk_id in self.chunks]
        out = []
        for fig in extract_figures(body):
            if fig.value is None or fig.measure in ("年", "月", "日") or f"{fig.surface}〔" in body:
                continue  # dates, masks and figures the answer itself marks as not the asked unit's
            holders = [(self.key(meta), p) for _, meta, sentences in cited for s, p in sentences
                       if supported_figures(fig.surface, [s])]
            if not holders:
                continue
            if all(k not in keys for k, _ in holders):
                out.append(f"{fig.surface}: other unit")
            elif periods and "" not in periods and all(p and p not in periods for k, p in holders if k in keys):
                out.append(f"{fig.surface}: other period")
        return out


def raw_llama_seconds(llm, chain, question: str) -> float | None:
    """Time the same messages through llama-cpp-python directly (no LangChain, no checks)."""
    from assistant.answer.evidence import select_evidence
    from assistant.prompts import render
    from assistant.answer.chain import format_sources, scope_judge

    client = getattr(llm, "client", None)
    if client is None:
        return None
    asked = chain.asked(question)
    evidence = select_evidence(question, chain.retrieve(question, asked=asked), chain.embeddings,
                               judge=scope_judge(asked))
    messages = [{"role": "system", "content": render("answer_system")},
                {"role": "user", "content": render("answer_user", sources=format_sources(evidence),
                                                   question=question)}]
    client.reset()  # the chain just evaluated this prompt: do not let raw llama.cpp reuse its cache
    t0 = time.perf_counter()
    for _ in client.create_chat_completion(messages=messages, stream=True, max_tokens=llm.max_tokens,
                                           temperature=llm.temperature, top_p=llm.top_p,
                                           repeat_penalty=llm.repeat_penalty):
        pass
    return time.perf_counter() - t0


def run_set(name: str, docs: str, qa: str, args) -> tuple[dict, list[dict]]:
    from assistant.answer.results import EvidenceFound, Final, Token

    questions = [dict(q, line=i) for i, q in enumerate(load_qa(qa), start=1)]
    if args.only:
        wanted = {int(n) for n in args.only.split(",") if n.strip()}
        questions = [q for q in questions if q["line"] in wanted]
    elif args.limit:
        questions = ([q for q in questions if q.get("evidence")][: args.limit]
                     + [q for q in questions if not q.get("evidence")][: args.limit])
    rows = []
    with fresh_library(docs, args.llm, f"{args.db}/{name}" if args.db else None) as assistant:
        library = Library(assistant.index)
        for q in questions:
            t0 = time.perf_counter()
            first_evidence = None
            tokens = 0
            client = getattr(assistant.llm, "client", None)
            if client is not None:
                client.reset()  # no prompt-prefix reuse across questions: chain and raw start alike
            for event in assistant.qa.answer(q["q"]):
                match event:
                    case EvidenceFound(sentences=sentences):
                        first_evidence = time.perf_counter() - t0
                        best = max(sentences, key=lambda e: e.score, default=None)
                    case Token():
                        tokens += 1
                    case Final(answer=result):
                        pass
            absent = not q.get("evidence")
            keys, periods = library.expected(q, assistant.index)
            cited_hit = any(holds(c.text, q.get("evidence", [])) and (not q.get("doc") or Library.key(
                library.chunks.get(c.chunk_id, ("", {}, []))[1]) in keys) for c in result.citations)
            foreign = library.foreign_figures(result, keys, periods)
            flagged = all(f"{n}〔未核实〕" in result.text for n in result.unsupported_numbers)
            gen_s = (result.timings.total_ms - (result.timings.first_token_ms or 0)) / 1000
            row = {"line": q["line"], "q": q["q"], "answer": result.text, "cited": [c.n for c in result.citations],
                   "absent": absent, "refused": result.refused, "mode": result.mode,
                   "answered_right_source": (not absent) and (not result.refused) and cited_hit,
                   "best_sentence_hit": bool(best) and (
                       any(ev in best.sentence for ev in q.get("evidence", []) if len(ev) < 40)
                       or sentence_in(best.sentence, [ev for ev in q.get("evidence", []) if len(ev) >= 40])),
                   "unsupported": list(result.unsupported_numbers), "unflagged": not flagged, "foreign": foreign,
                   "from_asked_report": all(Library.key(library.chunks.get(c.chunk_id, ("", {}, []))[1]) in keys
                                            for c in result.citations) if keys and q.get("doc") else None,
                   "evidence_s": round(first_evidence, 3), "first_token_s":
                   (result.timings.first_token_ms or 0) / 1000 or None,
                   "total_s": result.timings.total_ms / 1000,
                   "tok_per_s": round(tokens / gen_s, 1) if tokens and gen_s > 0 else None}
            if args.llm in ("local", "auto") and args.raw and assistant.llm is not None and not result.refused:
                row["raw_llama_s"] = raw_llama_seconds(assistant.llm, assistant.qa, result.standalone_question)
            rows.append(row)
            print(f"[{name} {len(rows)}/{len(questions)} #{q['line']}] refused={row['refused']} right={row['answered_right_source']}"
                  f" foreign={row['foreign']} {q['q']} → {row['answer'][:120]!r}", file=sys.stderr, flush=True)
    answerable = [r for r in rows if not r["absent"]]
    absent = [r for r in rows if r["absent"]]

    def med(key, items=rows):
        values = [r[key] for r in items if r.get(key) is not None]
        return round(statistics.median(values), 3) if values else None

    paired = [r for r in rows if r.get("raw_llama_s")]
    answered = [r for r in rows if not r["refused"]]
    summary = {
        "set": name, "llm": args.llm, "questions": len(rows),
        "answered_right_source": f"{sum(r['answered_right_source'] for r in answerable)}/{len(answerable)}",
        "best_evidence_sentence_right": f"{sum(r['best_sentence_hit'] for r in answerable)}/{len(answerable)}",
        "absent_refused": f"{sum(r['refused'] for r in absent)}/{len(absent)}",
        "false_refusals": f"{sum(r['refused'] for r in answerable)}/{len(answerable)}",
        "other_unit_or_period": sum(bool(r["foreign"]) for r in rows),
        "answers_from_asked_report": (f"{sum(bool(r['from_asked_report']) for r in answered)}/{len(answered)}"
                                      if any(r["from_asked_report"] is not None for r in rows) else "—"),
        "unsupported_numbers": sum(len(r["unsupported"]) for r in rows),
        "unflagged_numbers": sum(r["unflagged"] for r in rows),
        "evidence_s_median": med("evidence_s"), "evidence_s_max": max(r["evidence_s"] for r in rows),
        "first_token_s_median": med("first_token_s"), "tok_per_s_median": med("tok_per_s"),
        "chain_over_raw": round(statistics.median(r["total_s"] for r in paired)
                                / statistics.median(r["raw_llama_s"] for r in paired), 3) if paired else None,
    }
    return summary, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="samples,multi", help="comma-separated: " + ", ".join(SETS))
    parser.add_argument("--docs", help="documents of a set of your own (with --qa)")
    parser.add_argument("--qa", help="questions of a set of your own (with --docs)")
    parser.add_argument("--llm", default="none", choices=["none", "local", "openai", "auto"])
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of each kind")
    parser.add_argument("--only", help="only these questions of each set, by line number in its file (1,5,12)")
    parser.add_argument("--no-raw", dest="raw", action="store_false",
                        help="skip the raw llama.cpp runs (half the time; no chain_over_raw)")
    parser.add_argument("--db", help="keep each set's index in DIR/<set> and reuse it (default: a fresh temp index)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    if bool(args.docs) != bool(args.qa):
        parser.error("--docs and --qa go together")
    sets = [("custom", args.docs, args.qa)] if args.docs else []
    for name in [] if args.docs else [n.strip() for n in args.sets.split(",") if n.strip()]:
        if name not in SETS:
            parser.error(f"unknown set {name!r}: one of {', '.join(SETS)}")
        sets.append((name, str(SETS[name][0]), str(SETS[name][1])))
    results = [run_set(name, docs, qa, args) for name, docs, qa in sets]
    if args.json:
        print(json.dumps([{"summary": summary, "rows": rows} for summary, rows in results], ensure_ascii=False))
        return 0
    for summary, rows in results:
        print(f"## {summary['set']}")
        for r in rows:
            flag = "absent" if r["absent"] else ("OK " if r["answered_right_source"] else "MISS")
            print(f"{flag:<6} refused={str(r['refused']):<5} {r['mode']:<10} ev={r['evidence_s']:.2f}s "
                  f"total={r['total_s']:.1f}s {' '.join(r['foreign'])} {r['q']}")
        print_summary(summary)
        print()
    names = [s["set"] for s, _ in results]
    print("| measure | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for key in results[0][0]:
        if key != "set":
            print(f"| {key} | " + " | ".join(str(s.get(key)) for s, _ in results) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
