"""Structure on hand labels: section-type accuracy, the three parts of the arc, and each report's unit.

    python bench/structure.py [--samples data/samples] [--multi ../shared/corpus_multi]
                              [--distractors ../shared/corpus_distractors] [--json]

Label files (bench/data/section_labels_<set>.jsonl) hold two kinds of lines, both written by reading the reports,
not by running the parser: ``{"doc", "text", "type"}`` — a paragraph (or one listed item) opening with ``text`` has
that section type — and ``{"doc", "report", "org", "place", "level", "kind"}`` — what that report's unit is.  The distractors' labels (two of their eight reports) are held out: the rules were not
written on them.  A
labelled paragraph is scored by the structure unit holding its first character, or the first unit after it (a
heading sentence is its items' path).  No model is needed: this runs in a second.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.sections import ARC  # noqa: E402 (the genre's three parts, in order)

SETS = {"samples": ROOT / "data" / "samples", "multi": ROOT.parent / "shared" / "corpus_multi",
        "distractors": ROOT.parent / "shared" / "corpus_distractors"}


def load_labels(name: str) -> tuple[list[dict], list[dict]]:
    rows = [json.loads(line) for line in open(ROOT / "bench" / "data" / f"section_labels_{name}.jsonl",
                                              encoding="utf-8") if line.strip()]
    return [r for r in rows if "type" in r], [r for r in rows if "report" in r]


def measure(name: str, folder: Path) -> dict:
    from ingest.clean import clean_text
    from ingest.loaders import load_document
    from ingest.structure import parse_document

    paragraphs, units = load_labels(name)
    parsed = {}
    for doc in sorted({r["doc"] for r in paragraphs + units}):
        text = clean_text(load_document(folder / doc))
        parsed[doc] = (text, parse_document(text))
    confusion: Counter = Counter()
    misses = []
    for label in paragraphs:
        text, reports = parsed[label["doc"]]
        at = text.find(label["text"])
        if at < 0:
            raise SystemExit(f"{label['doc']}: label text not found: {label['text']}")
        spans = [u for r in reports for u in r.units]
        # the unit holding the paragraph's first character, else the first unit after it: an inline heading sentence
        # ("（一）进一步提升思想认识。" before "一是…") is only its items' path, a heading alone on its line opens the
        # section of the paragraphs below it
        unit = next((u for u in spans if u.start <= at < u.end), None) or next(
            (u for u in spans if at <= u.start), None)
        got = unit.section_type if unit else "(none)"
        confusion[(label["type"], got)] += 1
        if got != label["type"]:
            misses.append({"doc": label["doc"], "text": label["text"], "label": label["type"], "got": got})
    correct = sum(n for (want, got), n in confusion.items() if want == got)
    per_type = {t: {"n": sum(n for (w, _), n in confusion.items() if w == t),
                    "correct": confusion[(t, t)]} for t in sorted({w for w, _ in confusion})}
    reports = []
    for expected in units:
        _, found = parsed[expected["doc"]]
        r = found[expected["report"]] if expected["report"] < len(found) else None
        got = {k: getattr(r, k, None) if r else None for k in ("org", "place", "level", "kind")}
        reports.append({"doc": expected["doc"], "report": expected["report"], **got,
                        "unit_right": all(got[k] == expected[k] for k in ("org", "place", "level")),
                        "kind_right": got["kind"] == expected["kind"],
                        "arc": sorted({u.section_type for u in r.units} & set(ARC)) if r else []})
    all_reports = [r for doc in parsed.values() for r in doc[1]]
    return {"set": name, "paragraphs": len(paragraphs), "correct": correct, "accuracy": correct / len(paragraphs),
            "per_type": per_type, "misses": misses, "reports": reports, "reports_parsed": len(all_reports),
            "reports_with_arc": sum(set(ARC) <= {u.section_type for u in r.units} for r in all_reports)}


def measure_unlabelled(folder: Path) -> dict:
    """Reports named <year>_<place>_<kind>.txt without paragraph labels (the distractors): only the arc per report and
    whether the unit is that place's government at provincial level."""
    from ingest.clean import clean_text
    from ingest.loaders import load_document
    from ingest.structure import parse_document, unit_rules

    provinces = unit_rules()["provinces"]
    rows = []
    for path in sorted(folder.glob("*_*_*.txt")):
        full = path.name.split("_")[1]
        reports = parse_document(clean_text(load_document(path)))
        rows.append({"doc": path.name, "reports": len(reports),
                     "arc": all(set(ARC) <= {u.section_type for u in r.units} for r in reports),
                     "unit_right": [(r.org, r.place, r.level) for r in reports] == [
                         (f"{full}人民政府", provinces.get(full, full[:-1]), "省")]})
    return {"set": folder.name, "docs": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", default=str(SETS["samples"]))
    parser.add_argument("--multi", default=str(SETS["multi"]))
    parser.add_argument("--distractors", default=str(SETS["distractors"]),
                        help="unlabelled reports named <year>_<place>_<kind>.txt: arc and unit only ('' to skip)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = [measure("samples", Path(args.samples)), measure("multi", Path(args.multi))]
    extra = None
    if args.distractors and Path(args.distractors).is_dir():  # held out: two labelled reports, eight unlabelled
        results.append(measure("distractors", Path(args.distractors)))
        extra = measure_unlabelled(Path(args.distractors))
    if args.json:
        print(json.dumps(results + ([extra] if extra else []), ensure_ascii=False, indent=1))
        return 0
    print("| label set | paragraphs | section type right | " + " | ".join(ARC + ("overview", "other"))
          + " | reports with progress+problems+plans | unit (org, place, level) right | kind right |")
    print("| --- " * 11 + "|")
    for res in results:
        cells = []
        for t in ARC + ("overview", "other"):
            c = res["per_type"].get(t)
            cells.append(f"{c['correct']}/{c['n']}" if c else "—")
        units_right = sum(r["unit_right"] for r in res["reports"])
        kinds_right = sum(r["kind_right"] for r in res["reports"])
        print(f"| {res['set']} | {res['paragraphs']} | {res['correct']}/{res['paragraphs']} "
              f"({100 * res['accuracy']:.1f} %) | " + " | ".join(cells)
              + f" | {res['reports_with_arc']}/{res['reports_parsed']} | {units_right}/{len(res['reports'])}"
              f" | {kinds_right}/{len(res['reports'])} |")
    if extra:
        docs = extra["docs"]
        print(f"| {extra['set']} (no labels) | — | — | — | — | — | — | — | {sum(d['arc'] for d in docs)}/{len(docs)}"
              f" | {sum(d['unit_right'] for d in docs)}/{len(docs)} | — |")
    for res in results:
        for m in res["misses"]:
            print(f"  miss [{res['set']}] {m['doc'][:14]} {m['text'][:20]}: label {m['label']}, got {m['got']}")
        for r in res["reports"]:
            if not (r["unit_right"] and r["kind_right"]):
                print(f"  unit [{res['set']}] {r['doc'][:14]}#{r['report']}: {r['org']} / {r['place']} / "
                      f"{r['level']} / {r['kind']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
