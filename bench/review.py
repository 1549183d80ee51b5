"""审校 precision, recall and speed on drafts made from the sample reports; whole-report drafting.

    python bench/review.py --docs data/samples [--llm none|local|openai] [--json]

The library is a throw-away index of ``--docs``.  Each report of it is a base draft, its public copy's redactions
filled in (``**条`` → ``12条``, ``x公安局`` → ``某公安局``: a real draft has none).  Planted errors, one per draft:

* figure — a figure of the base changed (+2) where the same unit's report in the library gives it;
* placeholder — a figure's digits replaced by ``xx``;
* expression — "扎实推进扫黑除恶专项斗争" added to an undated base that is then signed in 2023;
* structure (skip) — a heading's number raised by one, the later ones of its level shifted with it;
* copied — a 60-character passage of another unit's report holding its place name, added to a paragraph;
* structure (missing part) — the 存在的问题 part removed, the later parts renumbered.

A planted error is found when a finding of the right kind covers at least half of its span.  Clean drafts: every
base itself, and a whole report drafted by the product (``--llm``); what counts against them is every finding that
is not a suggestion.  Timings: the reviewer's library caches (reports, places, themes) built once beforehand, as the
app does at start, then each review timed alone.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_library, print_summary  # noqa: E402

REPORT_FACTS = [  # (fact, the part it belongs to)
    ("召开县委常委会专题研究扫黑除恶工作3次", "progress"),
    ("打掉恶势力犯罪集团2个", "progress"),
    ("发放宣传资料1.2万份", "progress"),
    ("部分乡镇线索摸排不够深入", "problems"),
    ("下一步将开展行业乱象专项整治", "plans"),
]
MUST_AVOID = ["延安", "吴起", "甘泉", "涪江", "高雷雷", "白小平", "23000", "35万元"]


def _fill(text: str) -> str:
    """A redacted public copy made into a plausible draft: masked figures get a number, masked names 某."""
    from assistant.guards import MEASURE
    from ingest.clean import PLACEHOLDER

    def repl(m):
        after = m.string[m.end():m.end() + 1]
        return "12" if after and (after in MEASURE or after in "%万亿余多") else "某"

    return PLACEHOLDER.sub(repl, text)


def load_bases(docs: str) -> list[dict]:
    from ingest.clean import clean_text
    from ingest.loaders import load_document
    from ingest.pipeline import expand_paths
    from ingest.structure import parse_document

    out = []
    for path in expand_paths([docs]):
        text = clean_text(load_document(path))
        for report in parse_document(text):
            body = _fill(text[report.start:report.end])
            out.append({"name": f"{path.name[:3]}#{report.index} {report.title[:14]}", "text": body,
                        "year": report.year})
    return out


# --------------------------------------------------------------------------------------------- planting

def plant_figures(base: dict, reviewer, unit: str, limit: int = 6) -> list[dict]:
    """Change figures that the same unit's library report states in the same words (a real contradiction)."""
    from assistant.review import _is_date, _located, lines_of, sentences_of

    own = "\n".join(t for r in reviewer._reports().values() if reviewer.same_unit(unit, r["org"], r["title"])
                    for t in r["texts"])
    out = []
    for line in lines_of(base["text"]):
        for sentence in sentences_of(line):
            for fig, s, e in _located(sentence.text):
                surface = sentence.text[s:e]
                if fig.value is None or not re.match(r"\d+[^\d.]", surface) or fig.measure in "年月日天" \
                        or _is_date(sentence.text, s, e):
                    continue
                context = sentence.text[max(0, s - 6):e + 4]
                if context not in own:
                    continue
                number = re.match(r"\d+", surface).group(0)
                changed = str(int(number) + 2) + surface[len(number):]
                start = sentence.start + s
                text = base["text"][:start] + changed + base["text"][start + len(surface):]
                out.append({"kind": "figure", "text": text, "start": start, "end": start + len(changed),
                            "what": f"{surface} → {changed}"})
                if len(out) >= limit:
                    return out
    return out


def plant_placeholders(base: dict, limit: int = 4) -> list[dict]:
    out = []
    for m in re.finditer(r"(?<![\d.])\d{1,3}(?=[个人起件条份次名家项])", base["text"]):
        text = base["text"][:m.start()] + "xx" + base["text"][m.end():]
        out.append({"kind": "placeholder", "text": text, "start": m.start(), "end": m.start() + 2,
                    "what": f"{m.group(0)} → xx"})
        if len(out) >= limit:
            break
    return out


def plant_expression(base: dict) -> list[dict]:
    if base["year"]:
        return []
    text = base["text"]
    first = text.find("\n", text.find("一、")) if "一、" in text else text.find("\n")
    line_end = text.find("\n", first + 1)
    insert = "今年以来，我们扎实推进扫黑除恶专项斗争。"
    start = line_end + 1
    new = text[:start] + insert + "\n" + text[start:] + "\n2023年12月20日"
    s = start + insert.index("扫黑除恶专项斗争")
    return [{"kind": "expression", "text": new, "start": s, "end": s + len("扫黑除恶专项斗争"),
             "what": "扫黑除恶专项斗争 in a 2023 text"}]


def _headings(text: str) -> list[tuple[int, int, str, int]]:
    from ingest.structure import _cn_value, heading_level

    out, pos = [], 0
    for line in text.split("\n"):
        level = heading_level(line)
        if level:
            out.append((pos, level[0], level[1], _cn_value(level[1])))
        pos += len(line) + 1
    return out


def _renumber(text: str, heads: list, delta: int) -> str:
    """Shift the numerals of ``heads`` (offset, level, numeral, value) by ``delta``, last first."""
    from assistant.review import _numeral_like

    for pos, _, numeral, value in sorted(heads, reverse=True):
        i = text.index(numeral, pos)
        text = text[:i] + _numeral_like(numeral, value + delta) + text[i + len(numeral):]
    return text


def plant_skips(base: dict, limit: int = 3) -> list[dict]:
    """Raise one heading's number by one (a skip) and shift the later headings of its level and parent with it."""
    heads = _headings(base["text"])
    out = []
    for j, (pos, level, numeral, value) in enumerate(heads):
        if value < 2:
            continue
        later = [pos]
        for p2, l2, n2, v2 in heads[j + 1:]:
            if l2 < level:
                break
            if l2 == level:
                later.append(p2)
        text = _renumber(base["text"], [h for h in heads if h[0] in later], 1)
        end = pos + len(re.match(r"^[（(]?[\d一二三四五六七八九十]+[）)、.．]", text[pos:]).group(0))
        out.append({"kind": "structure", "text": text, "start": pos, "end": end, "what": f"skip at level {level}"})
        if len(out) >= limit:
            break
    return out


def plant_copy(base: dict, reviewer, unit: str) -> list[dict]:
    """60 characters of another unit's report around one of its place names, added after a paragraph."""
    for rec in reviewer._reports().values():
        if reviewer.same_unit(unit, rec["org"], rec["title"]) or not rec["places"]:
            continue
        for place in sorted(rec["places"]):
            for chunk in rec["texts"]:
                i = chunk.find(place)
                if i < 0 or "\n" in chunk[max(0, i - 25):i + 35] or len(chunk) < 60:
                    continue
                s = max(0, min(i - 25, len(chunk) - 60))
                passage = chunk[s:s + 60]
                if "\n" in passage:
                    continue
                text = base["text"]
                at = text.find("\n", len(text) // 3)
                new = text[:at] + passage + text[at:]
                return [{"kind": "copied", "text": new, "start": at, "end": at + 60, "place": place,
                         "place_at": at + passage.index(place), "what": f"60 chars with {place} ({rec['org']})"}]
    return []


def plant_missing(base: dict) -> list[dict]:
    """Remove the 存在的问题 part (its level-1 heading to the next) and renumber the later level-1 headings."""
    from ingest.structure import lead_of, section_type_of

    heads = [h for h in _headings(base["text"]) if h[1] == 1]
    text = base["text"]
    for j, (pos, _, numeral, value) in enumerate(heads):
        line = text[pos:text.find("\n", pos)]
        if section_type_of((lead_of(line, 40),), (1,)) != "problems" or j + 1 >= len(heads):
            continue
        cut = heads[j + 1][0] - pos
        rest = [(p - cut, lvl, n, v) for p, lvl, n, v in heads[j + 1:]]
        new = _renumber(text[:pos] + text[heads[j + 1][0]:], rest, -1)
        end = new.find("\n", pos)
        return [{"kind": "structure", "text": new, "start": pos, "end": end, "what": "存在的问题 removed"}]
    return []


def found(plant: dict, review) -> bool:
    want = plant["end"] - plant["start"]
    return any(f.kind == plant["kind"] and min(f.end, plant["end"]) - max(f.start, plant["start"]) >= want / 2
               for f in review.findings)


# --------------------------------------------------------------------------------------------- the run

def _library(docs: str, llm: str, db: str | None):
    """A fresh throw-away library of ``docs``, or an index already built from them (``--db``)."""
    from contextlib import nullcontext

    from assistant.service import build_assistant
    from assistant.settings import load_settings

    return nullcontext(build_assistant(load_settings(db), llm)) if db else fresh_library(docs, llm)


def run(docs: str, llm: str, db: str | None = None) -> dict:
    from assistant.draft.report import ReportDrafter, ReportRequest

    with _library(docs, llm, db) as assistant:
        reviewer = assistant.reviewer
        from assistant.service import build_reviewer

        first = load_bases(docs)[0]["text"]
        t = time.perf_counter()
        build_reviewer(assistant.settings, assistant.index).review(first)  # what one CLI run pays: reports, places,
        # themes, then the review
        cold_s = time.perf_counter() - t
        t = time.perf_counter()
        reviewer.warm()
        assistant.drafter.warm()
        warm_s = time.perf_counter() - t
        rows, clean, times = [], [], []
        for base in load_bases(docs):
            unit = reviewer.review(base["text"]).unit  # the unit as the reviewer reads it from the draft
            t = time.perf_counter()
            review = reviewer.review(base["text"])
            times.append((time.perf_counter() - t, len(base["text"])))
            loud = [f for f in review.findings if f.severity != "suggestion"]
            clean.append({"draft": base["name"], "chars": len(base["text"]), "not_suggestions": len(loud),
                          "kinds": sorted({f"{f.kind}:{f.text}" for f in loud}),
                          "suggestions": len(review.findings) - len(loud)})
            plants = (plant_figures(base, reviewer, unit) + plant_placeholders(base) + plant_expression(base)
                      + plant_skips(base) + plant_copy(base, reviewer, unit) + plant_missing(base))
            for plant in plants:
                t = time.perf_counter()
                got = reviewer.review(plant["text"])
                times.append((time.perf_counter() - t, len(plant["text"])))
                row = {"draft": base["name"], "kind": plant["kind"], "what": plant["what"], "found": found(plant, got)}
                if plant["kind"] == "copied":
                    row["place_found"] = any(f.kind == "foreign_name" and f.start <= plant["place_at"] < f.end
                                             for f in got.findings)
                rows.append(row)
        # a whole report drafted by the product, then reviewed as a clean draft
        request = ReportRequest("某县", "常态化扫黑除恶", 1500, [f for f, _ in REPORT_FACTS])
        events, t0, seen = [], time.perf_counter(), {}
        for event in ReportDrafter(assistant.drafter, reviewer).draft(request):
            if event.type in ("report_plan", "point", "part") and event.type not in seen:
                seen[event.type] = time.perf_counter() - t0
            events.append(event)
        report = events[-1].result
        text = "\n".join(p.text for p in report.points)
        parts = [p.section for p in report.parts]
        placed = {f: report.facts_placed.get(f) for f, _ in REPORT_FACTS}
        in_part = sum(any(f in p.text for p in part.points) for f, want in REPORT_FACTS
                      for part in report.parts if part.section == want)
        findings = report.review.to_dict()["findings"]
        loud = [f for f in findings if f["severity"] != "suggestion"]
        whole = {"parts_in_order": parts == ["progress", "problems", "plans"],
                 "facts_placed_right": f"{sum(placed[f] == w for f, w in REPORT_FACTS)}/{len(REPORT_FACTS)}",
                 "facts_written_in_their_part": f"{in_part}/{len(REPORT_FACTS)}",
                 "leaks": [w for w in MUST_AVOID if w in text],
                 "figures_not_given": list(report.unsupported_numbers),
                 "placeholders": list(report.placeholders),
                 "outline_visible_s": round(seen.get("report_plan", 0), 2),
                 "first_point_s": round(seen.get("point", 0), 2), "first_part_s": round(seen.get("part", 0), 2),
                 "total_s": round(report.timings.total_ms / 1000, 2),
                 "review_not_suggestions": len(loud), "review_kinds": sorted({f["kind"] for f in loud}),
                 "mode": report.mode, "text": report.text}
        clean.append({"draft": "whole report drafted (" + report.mode + ")", "chars": len(report.text),
                      "not_suggestions": len([f for f in loud if f["kind"] != "placeholder"]),
                      "kinds": sorted({f"{f['kind']}:{f['text']}" for f in loud if f["kind"] != "placeholder"}),
                      "suggestions": len(findings) - len(loud)})
    per_3000 = [s * 3000 / max(n, 1) for s, n in times]
    by_kind: dict[str, list[bool]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"] + (" (missing part)" if row["what"].endswith("removed") else ""),
                           []).append(row["found"])
    return {"planted": rows, "clean": clean, "whole_report": whole,
            "summary": {"planted_found": f"{sum(r['found'] for r in rows)}/{len(rows)}",
                        "recall": round(sum(r["found"] for r in rows) / max(1, len(rows)), 3),
                        "by_kind": {k: f"{sum(v)}/{len(v)}" for k, v in by_kind.items()},
                        "copied_place_found": f"{sum(r.get('place_found', False) for r in rows)}/"
                                              f"{sum('place_found' in r for r in rows)}",
                        "clean_max_not_suggestions": max(c["not_suggestions"] for c in clean),
                        "review_median_s": round(statistics.median(s for s, _ in times), 3),
                        "review_max_s": round(max(s for s, _ in times), 3),
                        "review_per_3000_chars_median_s": round(statistics.median(per_3000), 3),
                        "first_review_cold_s": round(cold_s, 1),
                        "library_caches_built_s": round(warm_s, 1), "reviews": len(times)}}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default="data/samples")
    parser.add_argument("--llm", default="none", choices=["none", "local", "openai", "auto"])
    parser.add_argument("--db", help="an index already built from --docs (default: a fresh one, removed after)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.docs, args.llm, args.db)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    print("| planted | kind | found |\n| --- | --- | --- |")
    for row in result["planted"]:
        extra = f" (place: {'yes' if row['place_found'] else 'no'})" if "place_found" in row else ""
        print(f"| {row['draft']} · {row['what']} | {row['kind']} | {'yes' if row['found'] else 'NO'}{extra} |")
    print("\n| clean draft | chars | findings not suggestions | which | suggestions |\n| --- | --- | --- | --- | --- |")
    for c in result["clean"]:
        print(f"| {c['draft']} | {c['chars']} | {c['not_suggestions']} | {'; '.join(c['kinds'])[:120]} |"
              f" {c['suggestions']} |")
    shown = {k: v for k, v in result["whole_report"].items() if k != "text"}
    print("\nwhole report:", json.dumps(shown, ensure_ascii=False))
    return print_summary(result["summary"])


if __name__ == "__main__":
    sys.exit(main())
