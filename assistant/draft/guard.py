"""The figure guard on drafts: every figure a draft states must be the drafting unit's, of the drafting period.

A draft is written for one unit (某县, 东江省人民政府) and one period (the year its topic names, else this year).  Its
figures may come only from the user's facts or from a sentence of that unit's own report of that period in the
library.  A model that writes a figure it saw nowhere, or one that stands in another unit's parallel report
(every county's 汇报 counts 排查线索X条), or in the unit's own report of last year, would put a plausible wrong
number into an official text.  So each figure of a generated point is judged by
:func:`assistant.guards.check_figures` — the same guard the answering chain uses (:mod:`assistant.answer.claims`) —
against:

* the user's facts (the drafting unit, the drafting period);
* the sentences of the point's reference passages, each with its report's unit and the period ingest gave it;
* the library's keyword hits for the figure's clause, so a figure copied from a report the point did not cite is
  still traced to its unit and period.

A figure is kept when the verdict is ``supported``, or when the user's facts hold its value (the model may reword a
fact: "发放宣传资料1.2万份" → "印发宣传材料1.2万份").  Any other figure becomes a placeholder (``X条``) for the writer to
fill, and the draft says which figure it was and why (:class:`RemovedFigure`).  Masked figures (``**条``, ``xx起``)
are looked up only: a mask the draft keeps stays a mask, and a figure written where the sources have a mask is
found nowhere, so it is removed — a mask is never filled.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal

from ingest.clean import split_sentences
from ingest.periods import chunk_sentence_periods, period_of
from ingest.points import Point
from ingest.text.figures import DATE_MEASURES

from ..guards import (FigureCheck, SourceSentence, check_figures, clause_around, extract_figures, same_kind,
                     to_placeholders)
from ..names import family_of
from ..scope import ReportUnit, library_units, periods_agree, place_in

_REASONS = {
    "other_unit": "出自{unit}，不是本单位的数据",
    "other_period": "是{unit}{period}的数据，不是本期的",
    "other_thing": "本单位资料中的这个数字说的是另一件事",
    "unsupported": "所给情况和资料中都没有这个数字",
}


@dataclass(frozen=True, slots=True)
class RemovedFigure:
    """A figure the guard took out of a draft (it became a placeholder), with whose it was and why."""

    figure: str
    verdict: Literal["other_unit", "other_period", "other_thing", "unsupported"]
    unit: str = ""  # the report where it does stand (《…》), "" when nowhere
    period: str = ""
    reason: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def drafting_year(topic: str, facts: list[str], today: date | None = None) -> int:
    """The year a draft speaks of: the first year its topic (then its facts) names, else this year."""
    for text in (topic, *facts):
        period = period_of(text or "", None)
        if re.fullmatch(r"\d{4}", period):
            return int(period)
    return (today or date.today()).year


def own_reports(unit: str, units: list[ReportUnit]) -> set[tuple[str, int]]:
    """The library's reports issued by the drafting unit: its issuer named as the unit, or the unit's place and kind of
    body (东江省人民政府 ↔ a 东江省 government report).  A masked unit (某县) owns none."""
    place = place_in(unit)
    family = family_of(unit)
    out = set()
    for u in units:
        if u.org and (u.org == unit or (len(unit) >= 4 and unit in u.title)):
            out.add(u.key)
        elif place and u.place and place in (u.place, *([u.place[:-1]] if len(u.place) > 2 else [])) \
                and family_of(f"{u.org}{u.title}") == family:
            out.add(u.key)
    return out


class DraftFigureGuard:
    """The figure guard of one draft request: its unit, its period, its facts and the library."""

    def __init__(self, index, unit: str, year: int, facts: list[str], search_k: int = 5):
        self.index = index
        self.unit = unit
        self.year = year
        self.facts = list(facts)
        self.search_k = search_k
        units = library_units(index)
        self.units = {u.key: u for u in units}
        self.own = own_reports(unit, units)
        self.ignore = "".join(a for u in units for a in (u.place, u.org) if a)

    # --- the sentences a figure may rest on -----------------------------------------------------------------
    def _chunk_sentences(self, chunks: dict[str, tuple[str, dict]]) -> list[SourceSentence]:
        out = []
        for text, meta in chunks.values():
            key = (meta.get("doc_id", ""), int(meta.get("report_index") or 0))
            report = self.units.get(key)
            year = int(meta.get("year") or 0) or (report.year if report else None)
            periods = chunk_sentence_periods(text, meta.get("section_path", ""), year, meta.get("periods"))
            name = report.name if report else f"《{meta.get('report_title', '')}》"
            for sentence, period in zip(split_sentences(text), periods):
                period = period or (str(year) if year else "")
                in_period = periods_agree(str(self.year), period, year) is not False
                out.append(SourceSentence(sentence, name, key in self.own, in_period, period))
        return out

    def sources(self, body: str, references: list[Point]) -> list[SourceSentence]:
        """The user's facts, the reference passages' chunks and the library's keyword hits for each figure's clause."""
        # the user's facts stand in no report (unit ""): the unit's own, of the period drafted
        facts = [SourceSentence(f, "", True, True, str(self.year)) for f in self.facts]
        ids = list(dict.fromkeys(r.chunk_id for r in references if r.chunk_id))
        chunks = self.index.store.get(ids) if ids else {}
        for fig in extract_figures(body):
            if fig.value is None or fig.measure in DATE_MEASURES:
                continue
            try:
                hits = self.index.search(clause_around(body, fig.surface), self.search_k, mode="keyword")
            except Exception:  # noqa: BLE001 - a busy or empty keyword index only leaves the trace shorter
                hits = []
            for h in hits:
                chunks.setdefault(h.chunk_id, (h.text, h.meta))
        return facts + self._chunk_sentences(chunks)

    # --- the check ---------------------------------------------------------------------------------------------
    def check(self, body: str, references: list[Point]) -> list[FigureCheck]:
        return check_figures(body, self.sources(body, references), ignore=self.ignore)

    def review(self, body: str, references: list[Point]) -> tuple[str, list[RemovedFigure]]:
        """``body`` with every figure not the unit's own for the period turned into a placeholder, and what was
        removed, with why.  Dates and masks stay as written (a mask is already the writer's to fill)."""
        removed: list[RemovedFigure] = []
        for c in self.check(body, references):
            fig = c.figure
            if fig.value is None or fig.measure in DATE_MEASURES or c.verdict == "supported":
                continue
            if c.verdict in ("other_thing", "unsupported") and self._given(fig):
                continue  # the user's own figure, reworded
            where = c.sentence
            unit = where.unit if where else ""
            period = where.period if where else ""
            label = period.replace("-", "—") + "年" if period and period != "plan" else ("下一步打算" if period else "")
            reason = _REASONS[c.verdict].format(unit=unit, period=label)
            if all(r.figure != fig.surface for r in removed):
                removed.append(RemovedFigure(fig.surface, c.verdict, unit, period, reason))
        return to_placeholders(body, [r.figure for r in removed]), removed

    def _given(self, fig) -> bool:
        return any(f.value is not None and abs(f.value - fig.value) < 1e-6 and f.percent == fig.percent
                   and same_kind(f.measure, fig.measure) for fact in self.facts for f in extract_figures(fact))
