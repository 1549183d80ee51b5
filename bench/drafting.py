"""Drafting quality and speed on a set of drafting tasks.

    python bench/drafting.py --docs ../shared/corpus --tasks ../shared/dev_drafts.jsonl [--llm none|local|openai]
                             [--repeat N] [--json]

Per task (``section``, ``unit``, ``topic``, ``length``, optional ``facts``; ``must_cover`` entries may list
alternatives split by ``|``): coverage of ``must_cover``, ``must_include`` figures present, ``must_avoid`` terms
leaked, figures not among the user's facts, the longest passage of a point's body copied verbatim from any single
report chunk of the library (lead-phrase headings excluded: the genre reuses them), points with references, time
to the first point and in total (themes and names built beforehand, as the app does at start).  Coverage and leaks are read from the drafted points only, never from the
reference quotes the outline mode shows beside them.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_library, print_summary  # noqa: E402


def load_tasks(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def score(task: dict, result, chunks: list[str]) -> dict:
    """The per-task figures of the module docstring for one drafted ``result``."""
    from assistant.guards import longest_copy, unsupported_figures

    text = "\n".join(p.text for p in result.points)
    cover = task.get("must_cover", [])
    covered = [c for c in cover if any(alt in text for alt in c.split("|"))]
    include = task.get("must_include", [])
    return {
        "task": f"{task['section']} · {task['unit']}",
        "points": len(result.points),
        "coverage": round(len(covered) / len(cover), 3) if cover else None,
        "missed": [c for c in cover if c not in covered],
        "facts_used": f"{sum(f in text for f in include)}/{len(include)}",
        "leaks": [w for w in task.get("must_avoid", []) if w in text],
        "unsupported": unsupported_figures(text, task.get("facts", []), masks=False),
        "longest_copy": max((longest_copy(p.body, chunks) for p in result.points if p.body), default=0),
        "with_references": f"{sum(bool(p.references) for p in result.points)}/{len(result.points)}",
        "first_point_s": round(result.timings.first_point_ms / 1000, 2),
        "total_s": round(result.timings.total_ms / 1000, 2),
        "placeholders": list(result.placeholders),
        "mode": result.mode,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", required=True)
    parser.add_argument("--tasks", required=True)
    parser.add_argument("--llm", default="none", choices=["none", "local", "openai", "auto"])
    parser.add_argument("--repeat", type=int, default=1, help="run every task N times (medians of the times)")
    parser.add_argument("--show", action="store_true", help="print each draft")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from assistant.draft.chain import DraftRequest

    tasks = load_tasks(args.tasks)
    rows, drafts = [], []
    with fresh_library(args.docs, args.llm) as assistant:
        chunks = assistant.index.store.collection.get(include=["documents"])["documents"]
        assistant.drafter.warm()  # as the app does at start: the times are those of a draft in the app
        for _ in range(args.repeat):
            for task in tasks:
                client = getattr(assistant.llm, "client", None)
                if client is not None:
                    client.reset()  # no prompt-prefix reuse from the previous task
                request = DraftRequest(task["section"], task["unit"], task.get("topic", ""), task.get("length", 400),
                                       task.get("facts", []))
                result = assistant.drafter.run(request)
                rows.append(score(task, result, chunks))
                drafts.append(result.text)
    covered = [r["coverage"] for r in rows if r["coverage"] is not None]
    summary = {
        "llm": args.llm, "runs": len(rows),
        "coverage_mean": round(statistics.mean(covered), 3) if covered else None,
        "facts_used": f"{sum(int(r['facts_used'].split('/')[0]) for r in rows)}/"
                      f"{sum(int(r['facts_used'].split('/')[1]) for r in rows)}",
        "leaks": sum(len(r["leaks"]) for r in rows),
        "unsupported_numbers": sum(len(r["unsupported"]) for r in rows),
        "longest_copy_max": max(r["longest_copy"] for r in rows),
        "points_with_references": f"{sum(int(r['with_references'].split('/')[0]) for r in rows)}/"
                                  f"{sum(r['points'] for r in rows)}",
        "first_point_s_median": round(statistics.median(r["first_point_s"] for r in rows), 2),
        "first_point_s_max": max(r["first_point_s"] for r in rows),
        "total_s_median": round(statistics.median(r["total_s"] for r in rows), 2),
    }
    if args.json:
        print(json.dumps({"summary": summary, "rows": rows, "drafts": drafts}, ensure_ascii=False))
        return 0
    print(f"{'task':<26}{'cover':>6}{'facts':>6}{'leaks':>6}{'unsup':>6}{'copy':>6}{'refs':>6}{'first s':>8}"
          f"{'total s':>8}  missed")
    for r, text in zip(rows, drafts):
        print(f"{r['task']:<26}{r['coverage'] if r['coverage'] is not None else '—':>6}{r['facts_used']:>6}"
              f"{len(r['leaks']):>6}{len(r['unsupported']):>6}{r['longest_copy']:>6}{r['with_references']:>6}"
              f"{r['first_point_s']:>8}{r['total_s']:>8}  {'、'.join(r['missed'] + r['leaks'])}")
        if args.show:
            print(text, "\n")
    return print_summary(summary)


if __name__ == "__main__":
    sys.exit(main())
