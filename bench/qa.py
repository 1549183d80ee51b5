"""Answer quality and speed on a question set, with the raw llama.cpp speed on the same prompts for comparison.

    python bench/qa.py --docs ../shared/corpus --qa ../shared/dev_qa.jsonl [--llm none|local|openai] [--limit N] [--json]

Per question: whether the best-scored evidence sentence lies in an evidence passage (what the model reads most
surely), answered with a citation that hits the evidence (hit rule of bench/retrieval.py), refused on
``kind: absent``, falsely refused, unsupported numbers (and whether they were flagged), time to evidence, time to
first token, tokens/s.  With ``--llm local`` each prompt is also run straight through llama-cpp-python, so the
chain's overhead shows as a ratio of medians measured in the same run.
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


def raw_llama_seconds(llm, chain, question: str) -> float | None:
    """Time the same messages through llama-cpp-python directly (no LangChain, no checks)."""
    from assistant.evidence import select_evidence
    from assistant.prompts import render
    from assistant.qa import format_sources

    client = getattr(llm, "client", None)
    if client is None:
        return None
    evidence = select_evidence(question, chain.retrieve(question), chain.embeddings)
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", required=True)
    parser.add_argument("--qa", required=True)
    parser.add_argument("--llm", default="none", choices=["none", "local", "openai", "auto"])
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions of each kind")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    questions = load_qa(args.qa)
    if args.limit:
        questions = ([q for q in questions if q.get("evidence")][: args.limit]
                     + [q for q in questions if not q.get("evidence")][: args.limit])
    rows = []
    with fresh_library(args.docs, args.llm) as assistant:
        for q in questions:
            t0 = time.perf_counter()
            first_evidence = None
            tokens = 0
            client = getattr(assistant.llm, "client", None)
            if client is not None:
                client.reset()  # no prompt-prefix reuse across questions: chain and raw start alike
            for event in assistant.qa.answer(q["q"]):
                if event["type"] == "evidence":
                    first_evidence = time.perf_counter() - t0
                    best = max(event["sentences"], key=lambda e: e["score"], default=None)
                elif event["type"] == "token":
                    tokens += 1
                else:
                    result = event["result"]
            absent = not q.get("evidence")
            cited_hit = any(is_hit(c["text"], q.get("evidence", [])) for c in result["citations"])
            flagged = all(f"{n}〔未核实〕" in result["answer"] for n in result["unsupported_numbers"])
            gen_s = (result["timings"]["total_ms"] - (result["timings"]["first_token_ms"] or 0)) / 1000
            row = {"q": q["q"], "answer": result["answer"], "cited": [c["n"] for c in result["citations"]],
                   "absent": absent, "refused": result["refused"], "mode": result["mode"],
                   "answered_right_source": (not absent) and (not result["refused"]) and cited_hit,
                   "best_sentence_hit": bool(best) and sentence_in(best["sentence"], q.get("evidence", [])),
                   "unsupported": result["unsupported_numbers"], "unflagged": not flagged,
                   "evidence_s": round(first_evidence, 3), "first_token_s":
                   (result["timings"]["first_token_ms"] or 0) / 1000 or None,
                   "total_s": result["timings"]["total_ms"] / 1000,
                   "tok_per_s": round(tokens / gen_s, 1) if tokens and gen_s > 0 else None}
            if args.llm in ("local", "auto") and assistant.llm is not None and not result["refused"]:
                row["raw_llama_s"] = raw_llama_seconds(assistant.llm, assistant.qa, result["standalone_question"])
            rows.append(row)
    answerable = [r for r in rows if not r["absent"]]
    absent = [r for r in rows if r["absent"]]

    def med(key, items=rows):
        values = [r[key] for r in items if r.get(key) is not None]
        return round(statistics.median(values), 3) if values else None

    paired = [r for r in rows if r.get("raw_llama_s")]
    summary = {
        "llm": args.llm, "questions": len(rows),
        "answered_right_source": f"{sum(r['answered_right_source'] for r in answerable)}/{len(answerable)}",
        "best_evidence_sentence_right": f"{sum(r['best_sentence_hit'] for r in answerable)}/{len(answerable)}",
        "absent_refused": f"{sum(r['refused'] for r in absent)}/{len(absent)}",
        "false_refusals": f"{sum(r['refused'] for r in answerable)}/{len(answerable)}",
        "unsupported_numbers": sum(len(r["unsupported"]) for r in rows),
        "unflagged_numbers": sum(r["unflagged"] for r in rows),
        "evidence_s_median": med("evidence_s"), "evidence_s_max": max(r["evidence_s"] for r in rows),
        "first_token_s_median": med("first_token_s"), "tok_per_s_median": med("tok_per_s"),
        "chain_over_raw": round(statistics.median(r["total_s"] for r in paired)
                                / statistics.median(r["raw_llama_s"] for r in paired), 3) if paired else None,
    }
    if args.json:
        print(json.dumps({"summary": summary, "rows": rows}, ensure_ascii=False))
        return 0
    for r in rows:
        flag = "absent" if r["absent"] else ("OK " if r["answered_right_source"] else "MISS")
        print(f"{flag:<6} refused={str(r['refused']):<5} {r['mode']:<10} ev={r['evidence_s']:.2f}s "
              f"total={r['total_s']:.1f}s  {r['q']}")
    return print_summary(summary)


if __name__ == "__main__":
    sys.exit(main())
