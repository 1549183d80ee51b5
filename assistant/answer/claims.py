"""The figure guard in the scope of a question: is each figure of an answer the asked unit's, for the asked period,
counting the asked thing?  And if not, what the answer becomes.

:func:`assistant.guards.check_figures` judges figures against sentences that know whether they are of the asked unit
and period; this module builds those sentences from an answer's evidence (their sources' reports and the periods
ingest gave their sentences) and turns the verdicts into an outcome:

* every figure supported → the answer stands;
* a question that asks for a figure, answered with a figure of another unit, another period or (where the question
  names its unit or period) another thing → the
  sentences of the asked unit and period that give a figure of the asked thing, if the evidence holds any
  (``fallback``); otherwise a plain statement that the report does not give it, naming whose figure it was
  (``absent``: "《广东省政府工作报告》未提出该项指标（资料中的5.0%是2025年的数据）。");
* any other answer keeps its text with each such figure marked (``〔出自《浙江省…》〕``, ``〔系2025年数据〕``).

Drafting and 审校 build their own :class:`~assistant.guards.SourceSentence` lists and call ``check_figures`` too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ingest.clean import split_sentences

from .evidence import Evidence, EvidenceSet, Source
from .results import Misattribution
from ..guards import (CITATION, FigureCheck, SourceSentence, check_figures, figure_clauses, extract_figures, same_kind,
                      same_thing, thing_bigrams)
from ..scope import Asked, ReportUnit, place_aliases

_DATES = ("年", "月", "日")
# Words of a question that say nothing about the thing counted.
_QUESTION_WORDS = "今年去年目标预期多少什么水平控制达到实现了是的数量情况报告提出"


def period_label(period: str) -> str:
    if period == "plan":
        return "下一步打算"
    return period.replace("-", "—") + "年" if period else ""


@dataclass
class ClaimOutcome:
    action: Literal["keep", "fallback", "absent"]
    answer: str
    checks: list[FigureCheck] = field(default_factory=list)

    @property
    def misattributed(self) -> tuple[Misattribution, ...]:
        """Figures of another unit, period or thing, with where they do stand (for the answer and the bench)."""
        return tuple(Misattribution(c.figure.surface, c.verdict, c.sentence.unit if c.sentence else "",
                                    c.sentence.period if c.sentence else "")
                     for c in self.checks if c.verdict in ("other_unit", "other_period", "other_thing"))


class ScopedGuard:
    """The figure guard of one answer: its evidence, the asked scope and the library's units."""

    def __init__(self, evidence: EvidenceSet, asked: Asked, units: list[ReportUnit]):
        self.evidence = evidence
        self.asked = asked
        self.units = {u.key: u for u in units}
        self.ignore = _QUESTION_WORDS + "".join(a for u in units if u.place for a in place_aliases(u.place)) \
            + "".join(u.org for u in units)

    def unit_of(self, source: Source) -> ReportUnit | None:
        return self.units.get((source.doc_id, source.report_index))

    def _sentence(self, source: Source, text: str, period: str) -> SourceSentence:
        unit = self.unit_of(source)
        return SourceSentence(text, unit.name if unit else f"《{source.report_title}》",
                              self.asked.unit_fits(source.doc_id, source.report_index),
                              self.asked.period_fits(period, source.year or None) is not False, period, source.n)

    def sources(self) -> list[SourceSentence]:
        """Every sentence of every source chunk, with its unit and period judged against the asked scope."""
        out = []
        for s in self.evidence.sources:
            for j, text in enumerate(split_sentences(s.text)):
                out.append(self._sentence(s, text, s.periods[j] if j < len(s.periods) else ""))
        return out

    def check(self, text: str, question: str) -> list[FigureCheck]:
        return check_figures(CITATION.sub("", text), self.sources(), question, self.ignore)

    def answering_sentences(self, question: str) -> list[Evidence]:
        """Evidence sentences of the asked unit and period that give a figure of the thing asked."""
        from .intent import of_the_asked_kind

        asked = thing_bigrams(question, self.ignore)
        by_n = {s.n: s for s in self.evidence.sources}
        out = []
        for ev in self.evidence.sentences:
            source = by_n[ev.n]
            scoped = self._sentence(source, ev.sentence, ev.period)
            if not (scoped.in_unit and scoped.in_period):
                continue
            figures = [f for f in extract_figures(ev.sentence)
                       if f.value is not None and f.measure not in _DATES and of_the_asked_kind(question, f)]
            if any(same_thing(asked, clause, self.ignore)
                   for f in figures for clause in figure_clauses(ev.sentence, f.surface)):
                out.append(ev)
        return out

    def scoped_answer(self, question: str) -> str:
        """The asked unit's sentences of the asked period that give a figure of the thing asked, cited, or "".

        A question that counts a named thing ("几次座谈会", "多少名死刑犯") takes only sentences that speak of that
        thing with a figure of its measure: "扫黑除恶" shared with every sentence of the library is no such thing."""
        from .intent import counting_sentences, counts_a_thing

        answering = self.answering_sentences(question)
        if counts_a_thing(question):
            answering = [answering[i] for i in counting_sentences(question, [e.sentence for e in answering])]
        return "\n".join(f"{e.sentence}[{e.n}]" for e in answering[:2])

    def masked_sentences(self, question: str) -> list[Evidence]:
        """Evidence sentences of the asked unit and period whose figure of the thing asked is masked or blanked
        ("共计价值xx亿元", "罚没金额万元"): the report states the fact and withholds the number.  A small model declines
        such a sentence or fills its blank ("100多万元"); the sentence, its blank kept, is the answer.

        Only for a question that says what kind of figure it wants (几次, 多少名, 多少钱, 率): the mask must be of that
        kind, in a clause about the thing asked — read with the clause before it, as a list ends "一并查封…房产、现金等，
        共计价值xx亿元" — and, for a count of a named thing ("多少名死刑犯"), in a sentence that speaks of that thing."""
        from .intent import asked_measure, counting_sentences, counts_a_thing

        measure = asked_measure(question)
        if measure is None or measure in _DATES:
            return []
        asked = thing_bigrams(question, self.ignore)
        by_n = {s.n: s for s in self.evidence.sources}
        out = []
        for ev in self.evidence.sentences:
            scoped = self._sentence(by_n[ev.n], ev.sentence, ev.period)
            if not (scoped.in_unit and scoped.in_period):
                continue
            masks = [f.surface for f in extract_figures(ev.sentence) if f.value is None and (
                f.percent if measure == "%" else f.measure and not f.percent and same_kind(f.measure, measure))]
            clauses = [clause for surface in masks for clause in _with_clause_before(ev.sentence, surface)]
            if any(same_thing(asked, clause, self.ignore) for clause in clauses):
                out.append(ev)
        if counts_a_thing(question):
            out = [out[i] for i in counting_sentences(question, [e.sentence for e in out])]
        return out

    def masked_answer(self, question: str) -> str:
        """The (at most two best-scored) :meth:`masked_sentences`, cited, or ""."""
        best = sorted(self.masked_sentences(question), key=lambda e: e.score, reverse=True)[:2]
        return "\n".join(f"{e.sentence}[{e.n}]" for e in self.evidence.sentences if e in best)

    def review(self, answer: str, question: str, asks_figure: bool) -> ClaimOutcome:
        checks = self.check(answer, question if asks_figure else "")
        # "another thing" rests on shared wording, which a paraphrase lacks ("印了多少材料" for "印制宣传资料"): it
        # decides only where the question names its unit or period, where parallel figures stand side by side
        explicit = bool(self.asked.units or self.asked.cue)
        bad = [c for c in checks
               if c.verdict in ("other_unit", "other_period") or c.verdict == "other_thing" and explicit]
        if not bad:
            return ClaimOutcome("keep", answer, checks)
        if asks_figure:
            answering = self.answering_sentences(question)
            if answering:
                return ClaimOutcome("fallback", "\n".join(f"{e.sentence}[{e.n}]" for e in answering[:2]), checks)
            return ClaimOutcome("absent", self.absent_text(bad), checks)
        marked = answer
        for c in bad:
            note = {"other_unit": f"出自{c.sentence.unit}" if c.sentence else "未核实",
                    "other_period": f"系{period_label(c.sentence.period)}数据" if c.sentence else "未核实",
                    "other_thing": "未核实"}[c.verdict]
            marked = re.sub(rf"(?<![\d.]){re.escape(c.figure.surface)}(?![\d.]|〔)", f"{c.figure.surface}〔{note}〕",
                            marked, count=1)
        return ClaimOutcome("keep", marked, checks)

    def absent_text(self, bad: list[FigureCheck] | None = None) -> str:
        """"《X》未提出该项指标", with whose figure the answer would have shown."""
        names = list(dict.fromkeys(u.name for u in self.asked.units))
        text = f"{'、'.join(names) if names else '资料'}未提出该项指标。"
        notes = []
        for c in bad or []:
            if c.verdict == "other_unit" and c.sentence:
                notes.append(f"资料中的{c.figure.surface}出自{c.sentence.unit}，不是所问单位的数据")
            elif c.verdict == "other_period" and c.sentence and c.sentence.period:
                notes.append(f"资料中的{c.figure.surface}是{period_label(c.sentence.period)}的数据")
        if notes:
            text = text[:-1] + "（" + "；".join(dict.fromkeys(notes)) + "）。"
        return text


def _with_clause_before(text: str, surface: str) -> list[str]:
    """Each clause of ``text`` holding ``surface``, joined to the clause before it."""
    clauses = re.split(r"(?<=[，,；;：:。！？!?])", text)
    return ["".join(clauses[max(0, i - 1):i + 1]) for i, clause in enumerate(clauses)
            if re.search(rf"(?<![\d.]){re.escape(surface)}(?![\d.])", clause)]
