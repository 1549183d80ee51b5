"""When a sentence speaks of: the period of each sentence of a report, where the text says it.

A government work report holds last year's results, this year's targets and five-year totals side by side, all with
the same kinds of figures ("城镇新增就业64.1万人" for 2025, "城镇新增就业85万人" as the 2026 target, "城镇累计新增就业超
700万人" for 2021–2025).  An answer must take its figure from the asked period, so every sentence gets one:

1. its own cue (去年, 2025年, 五年来, “十四五”, 下一步 …; the first one in the sentence counts);
2. else a cue said earlier in its paragraph ("一年来，全市经济…。一是经济持续回升向好。全市生产总值达到…");
3. else the period a paragraph *opened* with earlier in the same level-1 section ("五年来，我们…" followed by
   paragraphs of five-year figures), reset by the next such opening or heading with a cue;
4. else its nearest heading that names one period ("三、2026年主要任务"; "2025年和“十四五”时期工作回顾" names two
   and decides nothing);
5. else nothing ("": unknown, which matches any asked period).

Relative cues are resolved against the report's year (in a 2026 report 去年 is 2025).  A period is a string:
``"2025"``, ``"2021-2025"``, ``"plan"`` (a plan without a year), or ``""``.  The cue words are data
(``rules/periods.json``), not code.  Ingest stores the periods of a chunk's sentences in its metadata (``periods``,
one per :func:`ingest.clean.split_sentences` sentence, ``|``-separated) because only the ingest walk sees the paragraph and
section a chunk starts in; :func:`chunk_sentence_periods` recomputes them from a chunk's text and section path for an
index built before (heading and in-chunk cues only).
"""
from __future__ import annotations

import json
import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text.numerals import CN_NUM
from .text.sentences import split_sentences

RULES = Path(__file__).with_name("rules") / "periods.json"
_ENUM_LEAD = re.compile(rf"^(?:[{CN_NUM}]+是|第[{CN_NUM}]+[，、,])")
_COMPARED = "比较与同于自从"  # 比2020年翻一番: a year compared with is not the period spoken of


@dataclass(frozen=True)
class Cue:
    """A period cue as the rules define it: ``years`` relative to the report's year (``relative``), absolute, or
    None for a plan without a year."""

    scope: str
    years: tuple[int, int] | None
    relative: bool

    def resolve(self, year: int | None) -> str:
        if self.years is None:
            return "plan"
        start, end = self.years
        if self.relative:
            if not year:
                return ""
            start, end = year + start, year + end
        return str(start) if start == end else f"{start}-{end}"


@dataclass(frozen=True)
class Rules:
    words: tuple[tuple[str, Cue], ...]  # cue word → cue, longest first
    span: re.Pattern
    year: re.Pattern


@lru_cache(maxsize=4)
def load_rules(path: str | Path = RULES) -> Rules:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    words: list[tuple[str, Cue]] = []
    for rule in data["relative"]:
        cue = Cue(rule["scope"], tuple(rule["years"]) if rule["years"] else None, True)
        words += [(w, cue) for w in rule["cues"]]
    for rule in data["named"]:
        words.append((rule["name"], Cue(rule["name"], tuple(rule["years"]), False)))
    words.sort(key=lambda item: len(item[0]), reverse=True)
    return Rules(tuple(words), re.compile(data["explicit_span"]), re.compile(data["explicit_year"]))


def find_cues(text: str, rules: Rules | None = None) -> list[tuple[int, Cue]]:
    """Every period cue of ``text`` with its position, in reading order."""
    rules = rules or load_rules()
    found: list[tuple[int, int, Cue]] = []
    taken: list[tuple[int, int]] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for m in rules.span.finditer(text):
        found.append((m.start(), m.end(), Cue("span", (int(m.group(1)), int(m.group(2))), False)))
        taken.append((m.start(), m.end()))
    for m in rules.year.finditer(text):
        if free(m.start(), m.end()) and not (m.start() and text[m.start() - 1] in _COMPARED):
            y = int(m.group(1))
            found.append((m.start(), m.end(), Cue("year", (y, y), False)))
            taken.append((m.start(), m.end()))
    for word, cue in rules.words:
        for m in re.finditer(re.escape(word), text):
            if free(m.start(), m.end()):
                found.append((m.start(), m.end(), cue))
                taken.append((m.start(), m.end()))
    return [(pos, cue) for pos, _, cue in sorted(found, key=lambda f: f[0])]


def first_period(text: str, year: int | None, rules: Rules | None = None) -> tuple[str, int, Cue | None]:
    """The period ``text`` itself names (its first cue that resolves) with the cue's position, or ("", -1, None)."""
    for pos, cue in find_cues(text, rules):
        if value := cue.resolve(year):
            return value, pos, cue
    return "", -1, None


def period_of(text: str, year: int | None, rules: Rules | None = None) -> str:
    """The period ``text`` itself names (its first cue that resolves), or ""."""
    return first_period(text, year, rules)[0]


def heading_period(path: list[str] | tuple[str, ...], year: int | None, rules: Rules | None = None) -> str:
    """The period of the nearest heading that names exactly one ("2025年和“十四五”时期" names two: nothing)."""
    for label in reversed(list(path)):
        periods = {p for p in (cue.resolve(year) for _, cue in find_cues(label, rules)) if p}
        if len(periods) == 1:
            return periods.pop()
        if periods:
            return ""
    return ""


def _heading_part(path: tuple[str, ...]) -> tuple[str, ...]:
    """A unit's path without its enumeration lead (一是…): the headings it stands under."""
    return path[:-1] if path and _ENUM_LEAD.match(path[-1]) else path


def report_sentence_periods(text: str, report, rules: Rules | None = None) -> list[tuple[int, int, str]]:
    """(start, end, period) of every sentence of ``report`` (an :class:`ingest.structure.Report` over ``text``)."""
    rules = rules or load_rules()
    out: list[tuple[int, int, str]] = []
    section, section_carry, headings, paragraph = None, "", None, None
    para_carry, para_sentences = "", 0
    for unit in report.units:
        heads = _heading_part(unit.path)
        if heads != headings:
            own = heading_period(heads, report.year, rules)
            if not heads or heads[:1] != section:
                section, section_carry = heads[:1], own
            elif own and heading_period(heads[-1:], report.year, rules):
                section_carry = own  # a sub-heading naming its own period
            headings = heads
        if unit.paragraph != paragraph:
            paragraph, para_carry, para_sentences = unit.paragraph, "", 0
        body = text[unit.start:unit.end]
        cursor = 0
        for sentence in split_sentences(body):
            at = body.find(sentence, cursor)
            cursor = at + len(sentence)
            own, pos, cue = first_period(sentence, report.year, rules)
            para_sentences += 1
            if own:
                para_carry = own
                # a paragraph that opens with a period ("五年来，…", "2025年是…") sets it for what follows; a year
                # inside a sentence ("到2030年…") speaks for that sentence and its paragraph only
                if para_sentences <= 2 and (cue.scope not in ("year", "span") or pos == 0):
                    section_carry = own
            period = own or para_carry or section_carry or heading_period(heads, report.year, rules)
            out.append((unit.start + at, unit.start + at + len(sentence), period))
    return out


def annotate_chunks(text: str, reports: list, chunks: list) -> dict[str, dict]:
    """Metadata per chunk id: ``periods`` (one per sentence of the chunk text, ``|``-joined) and ``period`` (the
    most frequent known one), from the reading-order walk of each report."""
    rules = load_rules()
    spans = {r.index: report_sentence_periods(text, r, rules) for r in reports}
    out = {}
    for chunk in chunks:
        rows = spans.get(chunk.report_index, [])
        starts = [r[0] for r in rows]
        periods, cursor = [], chunk.start
        for sentence in split_sentences(chunk.text):
            at = text.find(sentence, cursor)
            if at < 0:
                periods.append("")
                continue
            cursor = at + len(sentence)
            i = bisect_right(starts, at) - 1
            periods.append(rows[i][2] if i >= 0 and rows[i][0] <= at < rows[i][1] else "")
        known = [p for p in periods if p]
        out[chunk.chunk_id] = {"periods": "|".join(periods),
                               "period": max(set(known), key=known.count) if known else ""}
    return out


def chunk_sentence_periods(chunk_text: str, section_path: str, year: int | None, stored: str | None = None
                           ) -> list[str]:
    """The period of each :func:`split_sentences` sentence of a chunk: the stored ones when they fit, else
    recomputed from the chunk alone (heading, then cues carried forward inside the chunk)."""
    sentences = split_sentences(chunk_text)
    if stored is not None and len(values := stored.split("|")) == len(sentences):
        return values
    rules = load_rules()
    carry = heading_period([p for p in section_path.split(" > ") if p], year, rules)
    out = []
    for sentence in sentences:
        carry = period_of(sentence, year, rules) or carry
        out.append(carry)
    return out
