"""What drafting returns and streams, as types: a drafted point, a section draft, a whole report, and the events the
UI and CLI consume while they are written.

Results are frozen: a revision or the user's edits make a new result (``dataclasses.replace``), so the draft a UI
holds in its state never changes under it.  JSON exists only at the edge: ``to_dict`` writes the exact records the
CLI printed when results were dicts (``tests/test_json_contract.py`` pins them), key order included.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ingest.points import Point

from .guard import RemovedFigure

if TYPE_CHECKING:
    from ..review import Review

Mode = Literal["llm", "outline"]  # written by the model, or the outline (no model: headings, facts, references)
Style = Literal["yishi", "numbered"]  # 一是…二是… or （一）（二）…
PointSection = Literal["problems", "plans", "progress"]


def reference_record(p: Point) -> dict:
    """A reference passage as the draft's JSON shows it."""
    return {"report_title": p.report_title, "org": p.org, "section_path": p.section_path, "chunk_id": p.chunk_id,
            "lead": p.lead, "text": p.text}


@dataclass(frozen=True, slots=True)
class DraftPoint:
    """One checked point: its marker (一是 / （一）) and heading, the body the model wrote (or the facts, in the
    outline), the facts placed on it, the passages it was written from and what the guards took out."""

    heading: str
    marker: str
    body: str
    text: str  # marker + heading + body, as the draft shows it
    facts: tuple[str, ...] = ()
    label: str = ""  # the theme it stands for ("" for an outline heading no theme matches)
    references: tuple[Point, ...] = ()
    leaked_names: tuple[str, ...] = ()
    removed_figures: tuple[RemovedFigure, ...] = ()

    def to_dict(self) -> dict:
        return {"heading": self.heading, "marker": self.marker, "body": self.body, "text": self.text,
                "facts": list(self.facts), "label": self.label,
                "references": [reference_record(r) for r in self.references],
                "leaked_names": list(self.leaked_names),
                "removed_figures": [r.to_dict() for r in self.removed_figures]}


@dataclass(frozen=True, slots=True)
class DraftTimings:
    first_point_ms: float | None
    total_ms: float

    def to_dict(self) -> dict:
        return {"first_point_ms": self.first_point_ms, "total_ms": self.total_ms}


@dataclass(frozen=True, slots=True)
class ReportTimings:
    first_point_ms: float | None
    first_part_ms: float | None
    total_ms: float

    def to_dict(self) -> dict:
        return {"first_point_ms": self.first_point_ms, "first_part_ms": self.first_part_ms, "total_ms": self.total_ms}


@dataclass(frozen=True, slots=True)
class DraftResult:
    """A drafted section: its heading (二、存在的问题, or the report's numbering when it is a part of one), the points,
    the whole text, and what is left for the writer (placeholders) or was taken out (names, figures)."""

    title: str
    section: PointSection
    section_heading: str
    unit: str
    topic: str
    style: Style
    facts: tuple[str, ...]
    text: str
    points: tuple[DraftPoint, ...]
    placeholders: tuple[str, ...]
    unsupported_numbers: tuple[str, ...]
    leaked_names: tuple[str, ...]
    mode: Mode
    timings: DraftTimings | None = None  # None until the chain's final event

    @property
    def removed_figures(self) -> list[tuple[int, RemovedFigure]]:
        """(point index, figure) of every figure the guard turned into a placeholder."""
        return [(i, r) for i, p in enumerate(self.points) for r in p.removed_figures]

    def to_dict(self) -> dict:
        out = {"title": self.title, "section": self.section, "section_heading": self.section_heading,
               "unit": self.unit, "topic": self.topic, "style": self.style, "facts": list(self.facts),
               "text": self.text, "points": [p.to_dict() for p in self.points],
               "placeholders": list(self.placeholders), "unsupported_numbers": list(self.unsupported_numbers),
               "leaked_names": list(self.leaked_names),
               "removed_figures": [{**r.to_dict(), "point": i} for i, r in self.removed_figures],
               "mode": self.mode}
        if self.timings is not None:
            out["timings"] = self.timings.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class ReportResult:
    """A whole 工作汇报: title, opening, the drafted parts in order, the text, and 审校's review of that text."""

    title: str
    opening: str
    unit: str
    topic: str
    facts: tuple[str, ...]
    facts_placed: dict[str, str]  # fact → the part type it went to
    style: Style
    parts: tuple[DraftResult, ...]
    text: str
    placeholders: tuple[str, ...]
    unsupported_numbers: tuple[str, ...]
    leaked_names: tuple[str, ...]
    mode: Mode
    review: Review | None = None  # 审校 on the assembled text; None without a reviewer
    timings: ReportTimings | None = None

    @property
    def points(self) -> list[DraftPoint]:
        """Every part's points, in order."""
        return [p for part in self.parts for p in part.points]

    @property
    def removed_figures(self) -> list[tuple[int, int, RemovedFigure]]:
        """(part index, point index, figure) of every figure the guard turned into a placeholder."""
        return [(j, i, r) for j, part in enumerate(self.parts) for i, r in part.removed_figures]

    def to_dict(self) -> dict:
        out = {"title": self.title, "opening": self.opening, "unit": self.unit, "topic": self.topic,
               "facts": list(self.facts), "facts_placed": dict(self.facts_placed), "style": self.style,
               "parts": [p.to_dict() for p in self.parts], "text": self.text,
               "placeholders": list(self.placeholders), "unsupported_numbers": list(self.unsupported_numbers),
               "leaked_names": list(self.leaked_names),
               "removed_figures": [{**r.to_dict(), "point": i, "part": j} for j, i, r in self.removed_figures],
               "mode": self.mode}
        if self.review is not None:
            out["review"] = self.review.to_dict()
        if self.timings is not None:
            out["timings"] = self.timings.to_dict()
        return out


# --- events ---------------------------------------------------------------------------------------------------
# A section draft yields PlanEvent, then per point TokenEvents (with a model; QueueEvents first while it waits for
# the model) and a PointEvent, then FinalEvent.  A
# whole report yields ReportPlanEvent, then per part PartStartEvent, the section's events with ``part`` set and
# PartEvent, then ReviewEvent (with a reviewer) and FinalEvent.
@dataclass(frozen=True, slots=True)
class PlanEvent:
    headings: tuple[str, ...]
    mode: Mode
    part: int | None = None
    type: Literal["plan"] = field(default="plan", init=False)


@dataclass(frozen=True, slots=True)
class TokenEvent:
    i: int  # the point being written
    text: str
    part: int | None = None
    type: Literal["token"] = field(default="token", init=False)


@dataclass(frozen=True, slots=True)
class QueueEvent:
    i: int  # the point waiting for the model
    ahead: int  # requests before it (generating, or queued earlier): the chat's 排队中：前面还有 N 个请求
    part: int | None = None
    type: Literal["queue"] = field(default="queue", init=False)


@dataclass(frozen=True, slots=True)
class PointEvent:
    i: int
    point: DraftPoint
    part: int | None = None
    type: Literal["point"] = field(default="point", init=False)


@dataclass(frozen=True, slots=True)
class FinalEvent:
    result: DraftResult | ReportResult
    type: Literal["final"] = field(default="final", init=False)


@dataclass(frozen=True, slots=True)
class PartPlan:
    heading: str  # 一、工作进展及成效
    section: PointSection
    headings: tuple[str, ...]  # its points' headings


@dataclass(frozen=True, slots=True)
class ReportPlanEvent:
    title: str
    opening: str
    facts_placed: dict[str, str]
    parts: tuple[PartPlan, ...]
    mode: Mode
    type: Literal["report_plan"] = field(default="report_plan", init=False)


@dataclass(frozen=True, slots=True)
class PartStartEvent:
    part: int
    heading: str
    type: Literal["part_start"] = field(default="part_start", init=False)


@dataclass(frozen=True, slots=True)
class PartEvent:
    part: int
    result: DraftResult
    type: Literal["part"] = field(default="part", init=False)


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    review: Review
    type: Literal["review"] = field(default="review", init=False)


DraftEvent = PlanEvent | QueueEvent | TokenEvent | PointEvent | FinalEvent
ReportEvent = (ReportPlanEvent | PartStartEvent | PlanEvent | QueueEvent | TokenEvent | PointEvent | PartEvent
               | ReviewEvent | FinalEvent)
