"""A whole 工作汇报 in one go: title, a short opening, 一、工作进展及成效 / 二、存在的问题 / 三、下步工作打算 (or the
user's outline), then 审校 on the result.

Each part is drafted by the section chain (:class:`assistant.draft.chain.DraftChain`), so every guard of section drafting
holds: figures the user did not give become placeholders, other units' names are dropped, copies are rewritten,
every fact is kept.  What this module adds is the report around the parts: which part each of the user's facts
belongs to, the order and numbering of the parts, the opening, and the review of the assembled text — the same
reviewer an official runs on their own draft, so what it finds is what they would be told.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from ingest.sections import ARC, Section
from ingest.structure import heading_level, lead_of, section_type_of
from ingest.text.numerals import CN_NUM, cn_numeral

from ..guards import placeholders_in, unsupported_figures
from .chain import DraftChain, DraftRequest
from .results import (DraftResult, FinalEvent, PartEvent, PartPlan, PartStartEvent, PointEvent, ReportEvent,
                      ReportPlanEvent, ReportResult, ReportTimings, ReviewEvent, Style)

PARTS = ARC  # the genre's order
SHARE = {"progress": 0.45, "problems": 0.25, "plans": 0.3}  # of the requested length
# Words that tell where a fact belongs before any similarity is computed: a fact saying what will be done is a plan,
# one saying what falls short is a problem.  Checked in this order; a fact that says neither is weighed by its
# likeness to each part's points in the library (and, failing that, is progress: what was done).
FACT_CUES = [
    ("plans", re.compile(r"^(?:下一?步|明年|今后|计划|拟|将|要|力争|争取)|(?:下一?步|今后)[^。]{0,6}(?:将|要)")),
    ("problems", re.compile(r"不够|不足|不强|不高|不深|不到位|薄弱|滞后|欠缺|有待|尚未|短板|困难|差距|问题")),
]


@dataclass
class ReportRequest:
    unit: str
    topic: str = ""
    length: int = 1500
    facts: list[str] = field(default_factory=list)
    outline: list[str] = field(default_factory=list)  # 一、… lines open a part; the lines under one are its points
    style: Style = "yishi"

    def __post_init__(self):
        if not self.unit.strip():
            raise ValueError("the writing unit is required (e.g. 某县市场监督管理局)")
        if not 300 <= self.length <= 8000:
            raise ValueError("length of a whole report must be between 300 and 8000 characters")
        self.unit, self.topic = self.unit.strip(), self.topic.strip()
        self.facts = [f.strip(" \t-•·。") for f in self.facts if f.strip(" \t-•·。")]
        self.outline = [o.strip() for o in self.outline if o.strip()]


def parts_of_outline(outline: list[str]) -> list[tuple[str, str, list[str]]]:
    """(section type, heading label, point headings) per 一、 line of the user's outline; the parts the genre needs
    when the outline has no 一、 lines.  A 一、 heading of no known type is refused: the chain drafts three types."""
    parts: list[tuple[str, str, list[str]]] = []
    for line in outline:
        level = heading_level(line)
        if level and level[0] == 1:
            label = re.sub(rf"^[{CN_NUM}]+、", "", lead_of(line, 40)).strip()
            kind = section_type_of((label,), (1,))
            if kind not in PARTS:
                raise ValueError(f"提纲中的“{line}”不是工作进展、存在问题或下步打算之一，无法起草")
            parts.append((kind, label, []))
        elif parts:
            parts[-1][2].append(re.sub(rf"^[（(][{CN_NUM}\d]+[）)]|^[{CN_NUM}]+是", "", line))
    return parts or [(p, Section(p).heading, []) for p in PARTS]


class ReportDrafter:
    """Drafts the parts one after the other with the section chain, then reviews the whole."""

    def __init__(self, drafter: DraftChain, reviewer=None):
        self.drafter = drafter
        self.reviewer = reviewer

    def place_facts(self, facts: list[str], parts: list[str]) -> dict[str, str]:
        """Each fact → the part it belongs to: by its words (FACT_CUES), else by its likeness (e5) to the points the
        library's reports make in each part, else progress."""
        placed: dict[str, str] = {}
        undecided = []
        for fact in facts:
            cue = next((kind for kind, pattern in FACT_CUES if pattern.search(fact) and kind in parts), None)
            if cue:
                placed[fact] = cue
            else:
                undecided.append(fact)
        if undecided:
            scores = self._likeness(undecided, parts)
            for fact, row in zip(undecided, scores):
                placed[fact] = max(row, key=row.get) if row else ("progress" if "progress" in parts else parts[0])
        return placed

    def _likeness(self, facts: list[str], parts: list[str]) -> list[dict[str, float]]:
        import numpy as np

        d = self.drafter
        queries = d._embed_queries(facts)
        out = [dict() for _ in facts]
        for part in parts:
            points = [p for t in d._themes(DraftRequest(part, "本单位")) for p in t.points]
            if not points:
                continue
            vectors = np.vstack(d._point_vectors(points))
            best = (queries @ vectors.T).max(axis=1)
            for row, score in zip(out, best):
                row[part] = float(score)
        return out

    def draft(self, request: ReportRequest) -> Iterator[ReportEvent]:
        """Events: ``report_plan`` (title, opening, the parts and their point headings, at once), then per part
        ``part_start``, the section chain's events with ``part`` added, ``part`` (the checked part); then ``review``
        (the findings on the assembled text) and ``final``."""
        t0 = time.perf_counter()
        outline = parts_of_outline(request.outline)
        kinds = [kind for kind, _, _ in outline]
        placed = self.place_facts(request.facts, kinds)
        title = f"{request.unit}关于{request.topic or '有关'}工作情况的汇报"
        opening = (f"根据工作安排，现将{request.unit}{request.topic + '工作' if request.topic else '有关工作'}"
                   "开展情况汇报如下。")
        total = sum(SHARE[k] for k in kinds)
        requests = []
        for j, (kind, label, points) in enumerate(outline):
            facts = [f for f in request.facts if placed.get(f) == kind and
                     kinds.index(kind) == j]  # a part type given twice gets its facts once, in its first part
            length = max(100, min(5000, int(request.length * SHARE[kind] / total)))
            heading = f"{cn_numeral(j + 1)}、{label}"
            requests.append((heading, DraftRequest(kind, request.unit, request.topic, length, facts, points,
                                                   request.style)))
        plans = []
        guard = None
        for heading, sub in requests:
            guard = self.drafter._guard(sub)
            plans.append(self.drafter.plan(sub, guard))
        yield ReportPlanEvent(title, opening, placed,
                              tuple(PartPlan(h, sub.section, tuple(p.heading for p in plan))
                                    for (h, sub), plan in zip(requests, plans)),
                              "llm" if self.drafter.llm else "outline")
        parts, first_point, first_part = [], None, None
        for j, (heading, sub) in enumerate(requests):
            yield PartStartEvent(j, heading)
            result = None
            for event in self.drafter.draft(sub, planned=plans[j]):
                if isinstance(event, FinalEvent):
                    result = event.result
                    continue
                if isinstance(event, PointEvent) and first_point is None:
                    first_point = time.perf_counter()
                yield replace(event, part=j)
            result = replace(result, section_heading=heading)
            parts.append(result)
            first_part = first_part or time.perf_counter()
            yield PartEvent(j, result)
        report = self._result(request, title, opening, parts, placed)
        if self.reviewer is not None:
            # a report drafted now speaks from this year: dated wording rules apply to it
            review = self.reviewer.review(report.text, request.unit, request.facts, date.today().year)
            report = replace(report, review=review)
            yield ReviewEvent(review)
        timings = ReportTimings(_ms(first_point, t0), _ms(first_part, t0), _ms(time.perf_counter(), t0))
        yield FinalEvent(replace(report, timings=timings))

    def run(self, request: ReportRequest) -> ReportResult:
        return next(e.result for e in self.draft(request) if isinstance(e, FinalEvent))

    @staticmethod
    def _result(request: ReportRequest, title: str, opening: str, parts: list[DraftResult],
                placed: dict[str, str]) -> ReportResult:
        lines = [title, opening]
        for part in parts:
            lines.append(part.section_heading)
            lines += [p.text for p in part.points]
        body = "\n".join(lines[1:])
        return ReportResult(title, opening, request.unit, request.topic, tuple(request.facts), placed, request.style,
                            tuple(parts), "\n".join(lines), tuple(placeholders_in(body)),
                            tuple(unsupported_figures(body, request.facts, masks=False)),
                            tuple(sorted({n for part in parts for n in part.leaked_names})),
                            parts[0].mode if parts else "outline")


def _ms(t: float | None, t0: float) -> float | None:
    return round((t - t0) * 1000, 1) if t else None


def report_to_docx(result: ReportResult, path: str | Path) -> Path:
    """The whole report as one Word file in 公文 form (:mod:`assistant.docx_export`), placeholders highlighted."""
    from ..docx_export import write_docx

    sections = [{"heading": "", "paragraphs": [result.opening]}]
    sections += [{"heading": p.section_heading, "paragraphs": [q.text for q in p.points]} for p in result.parts]
    return write_docx(path, result.title, sections, list(result.placeholders))
