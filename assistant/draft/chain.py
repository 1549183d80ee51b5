"""Drafting a report section for the user's own unit, one short point at a time, from the themes of past reports.

Asked for a whole section at once, the local 1.5B copies its reference paragraphs verbatim.  So the draft is built
from structure: the points are the themes most reports raise for that section type (or the user's outline), each
headed by a lead phrase the reports use; the model only writes each point's two or three sentences, from a short
prompt that holds the unit's own facts and a few reference clauses (other units' names and figures taken out).
Everything written is checked before it is shown: a figure the user did not give becomes a placeholder (``X次``)
listed under 待补充, a sentence naming another unit's place, people or body is dropped, a passage copied from a
reference is written again or dropped, and every fact the user supplied appears.  Without an LLM the draft is the
outline: the chosen lead phrases, each with its facts and the reference sentences it would draw on.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ingest.points import Point
from ingest.sections import POINT_SECTIONS, Section
from ingest.text.lexicons import words as lexicon_words
from ingest.text.sentences import sentence_pieces
from ingest.text.tokens import quiet_jieba

from ..guards import longest_copy, placeholders_in, to_placeholders, unsupported_figures
from ..llm import take_turn
from ..names import NameGuard, family_of
from ..places import library_places
from ..prompts import render
from ..settings import ReviewSettings, ThemesSettings
from ..themes import Theme, build_themes
from .guard import DraftFigureGuard, drafting_year
from .results import (DraftEvent, DraftPoint, DraftResult, DraftTimings, FinalEvent, PlanEvent, PointEvent,
                      PointSection, QueueEvent, Style, TokenEvent)
from .text import clauses_within, clean_body, marker, reference_clauses, self_name, strip_end, to_own_level

# revision → its button's label; the instructions are in prompts/draft_revise.txt, the length factor here
REVISIONS = {"expand": "扩写", "shorten": "压缩", "formal": "更正式", "rephrase": "换个说法"}
_REVISION_LENGTH = {"expand": 2, "shorten": 0.5}
STYLES = ("yishi", "numbered")


@dataclass
class DraftRequest:
    section: PointSection
    unit: str
    topic: str = ""
    length: int = 400
    facts: list[str] = field(default_factory=list)
    outline: list[str] = field(default_factory=list)
    style: Style = "yishi"

    def __post_init__(self):
        if self.section not in POINT_SECTIONS:
            raise ValueError(f"unknown section {self.section!r}: one of {', '.join(POINT_SECTIONS)}")
        if self.style not in STYLES:
            raise ValueError(f"unknown style {self.style!r}: yishi (一是…) or numbered (（一）…)")
        if not self.unit.strip():
            raise ValueError("the writing unit is required (e.g. 某县市场监督管理局)")
        if not 100 <= self.length <= 5000:
            raise ValueError("length must be between 100 and 5000 characters")
        self.unit, self.topic = self.unit.strip(), self.topic.strip()
        self.facts = [f.strip(" \t-•·。") for f in self.facts if f.strip(" \t-•·。")]
        self.outline = [o.strip(" \t-•·。") for o in self.outline if o.strip(" \t-•·。")]


@dataclass
class DraftConfig:
    min_points: int = 3
    max_points: int = 6
    chars_per_point: int = 100  # a point per ~100 characters of the requested length
    references: int = 3  # reference points per drafted point (one per report where possible)
    clauses: int = 8  # reference clauses shown to the model per point
    affinity: float = 0.5  # bonus of a theme raised by a unit of the writer's own kind (公安 for 公安)
    retry_temperature: float = 0.8


@dataclass
class PlannedPoint:
    heading: str
    references: list[Point]
    facts: list[str] = field(default_factory=list)
    label: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A theme as one request sees it: its points on the request's topic, how many reports raise them, and its
    rank (reports, plus ``DraftConfig.affinity`` when a unit of the writer's kind raises it)."""

    label: str
    points: tuple[Point, ...]
    reports: int
    score: float


class DraftChain:
    """Receives its index, embeddings and chat model (or None); ``draft`` yields events for the UI and CLI.

    ``review``: the 审校 settings section — a written point must pass the same copy check (``copy_min``) that 审校
    applies to the user's drafts."""

    def __init__(self, index, embeddings, llm=None, *, review: ReviewSettings | None = None, llm_lock=None,
                 config: DraftConfig | None = None, themes: ThemesSettings | None = None):
        self.index = index
        self.embeddings = embeddings
        self.llm = llm
        self.llm_lock = llm_lock
        self.copy_limit = (review or ReviewSettings()).copy_min  # a passage this long copied is not the unit's own
        self.config = config or DraftConfig()
        self.themes_settings = themes  # the ``themes`` settings section (None: its defaults)
        self._cache: dict = {}  # themes and names per library state: rebuilding them costs seconds per draft

    def warm(self) -> None:
        """Build the themes of every section and the library's names now (a few seconds on 2 cores), so the first
        draft does not wait for them; the app calls this once at start."""
        for section in POINT_SECTIONS:
            self._cached(("themes", section),
                         lambda s=section: build_themes(self.index, s, settings=self.themes_settings))
        self._guard(DraftRequest("problems", "本单位"))

    def section_themes(self, section: str) -> tuple[Theme, ...]:
        """The library's themes of one section type, built once per library state (审校 shares them)."""
        return self._cached(("themes", section), lambda: build_themes(self.index, section,
                                                                        settings=self.themes_settings)).themes

    def _cached(self, key: tuple, build):
        self.index.refresh()
        state = tuple(sorted(self.index.documents))
        if self._cache.get(key, (None,))[0] != state:
            self._cache[key] = (state, build())
        return self._cache[key][1]

    # --- choosing the points -----------------------------------------------------------------------------
    def _reports_on_topic(self, topic: str) -> set[str] | None:
        """Titles of the reports on ``topic`` (any of its words in the title), or None for all of them: the topic
        names the campaign, and a campaign word such as 常态化 must not shut out the reports that omit it."""
        titles = {r["title"] for r in self.index.reports()}
        how = lexicon_words("themes", "how_words")
        words = [w for w in quiet_jieba().lcut(topic) if len(w) >= 2 and w not in how]
        hit = {t for t in titles if any(w in t for w in words)}
        return hit or None

    def _themes(self, request: DraftRequest) -> list[Candidate]:
        on_topic = self._reports_on_topic(request.topic) if request.topic else None
        own = family_of(request.unit)
        themes = []
        for theme in self.section_themes(request.section):
            points = tuple(p for p in theme.points if on_topic is None or p.report_title in on_topic)
            if not points:
                continue
            reports = {(p.report_title, p.org) for p in points}
            akin = any(family_of(f"{p.org}{p.report_title}") == own for p in points)
            themes.append(Candidate(theme.label, points, len(reports),
                                    len(reports) + (self.config.affinity if akin else 0.0)))
        return themes

    def _point_vectors(self, points: list[Point]) -> list:
        """Each point's stored sentence vectors (those of its chunk whose window lies in the point's text; the
        chunk's all when none does): facts and outline headings are matched to what a point says, sentence by
        sentence, and nothing is embedded again."""
        import numpy as np

        ids = list(dict.fromkeys(p.chunk_id for p in points))
        windows = self.index.sentence_windows(ids)
        stored = next((v for ws in windows.values() for _, v in ws), None)
        dim = len(stored) if stored is not None else len(self.embeddings.embed_query("维度"))
        out = []
        for p in points:
            own = windows.get(p.chunk_id, [])
            inside = [v for t, v in own if t in p.text] or [v for _, v in own]
            out.append(np.asarray(inside) if inside else np.zeros((1, dim)))  # a point without windows matches nothing
        return out

    def _embed_queries(self, texts: list[str]):
        import numpy as np

        return np.asarray([self.embeddings.embed_query(t) for t in texts])

    @staticmethod
    def _affinity(queries, groups: list[list]):
        """queries × groups: the best cosine of each query vector (a fact, an outline heading) with a group's."""
        import numpy as np

        return np.stack([(queries @ np.vstack(g).T).max(axis=1) for g in groups], axis=1)

    def plan(self, request: DraftRequest, guard: NameGuard) -> list[PlannedPoint]:
        """The points to write: the outline's headings, else the most-raised themes that have a heading-like lead
        (the user's facts pull the themes they belong to in), each with its references and its facts."""
        themes = self._themes(request)
        if not themes and not request.outline:
            raise ValueError(f"资料库中没有“{Section(request.section).heading}”类章节可供参考，请先导入报告或给出提纲")
        flat = [p for t in themes for p in t.points]
        vectors = dict(zip((p.chunk_id + p.lead for p in flat), self._point_vectors(flat)))
        groups = [[vectors[p.chunk_id + p.lead] for p in t.points] for t in themes]
        facts = self._embed_queries(request.facts) if request.facts else None  # embedded once, used twice
        if request.outline:
            match = (list(self._affinity(self._embed_queries(request.outline), groups).argmax(axis=1)) if themes
                     else [None] * len(request.outline))
            planned = [PlannedPoint(h, self._references(themes[i], request) if i is not None else [],
                                    label=themes[i].label if i is not None else "")
                       for h, i in zip(request.outline, match)]
        else:
            c = self.config
            headed = [(i, self._heading(t, guard)) for i, t in enumerate(themes)]
            order = [i for i, h in sorted(headed, key=lambda x: -themes[x[0]].score) if h]  # stable sort
            n = max(c.min_points, min(c.max_points, round(request.length / c.chars_per_point)))
            wanted = ({order[int(j)] for j in self._affinity(facts, [groups[i] for i in order])
                       .argmax(axis=1)} if request.facts and order else set())
            chosen = sorted(wanted, key=order.index)[:n]
            chosen += [i for i in order if i not in chosen][: n - len(chosen)]
            chosen.sort(key=order.index)
            planned = [PlannedPoint(dict(headed)[i], self._references(themes[i], request), label=themes[i].label)
                       for i in chosen]
        if request.facts:  # every fact goes to the point whose heading and references it is most like
            heads = self.embeddings.embed_documents([p.heading for p in planned])
            point_groups = [[[h]] + [vectors.get(r.chunk_id + r.lead, [h]) for r in p.references]
                            for h, p in zip(heads, planned)]
            for fact, i in zip(request.facts, self._affinity(facts, point_groups).argmax(axis=1)):
                planned[int(i)].facts.append(fact)
        return planned

    def _heading(self, theme: Candidate, guard: NameGuard) -> str:
        """The theme's most typical lead: one that names no foreign body or figure, is short enough to head a
        paragraph and shares the most words with the other leads; "" when no lead can head a paragraph."""
        leads = [strip_end(p.lead) for p in theme.points]
        pool = [head for head in map(clauses_within, leads) if len(head) >= 4 and not guard.find_leaks(head)
                and not unsupported_figures(head, [])]
        if not pool:
            return ""

        def shared(lead: str) -> int:
            grams = {lead[i:i + 2] for i in range(len(lead) - 1)}
            return sum(len(grams & {o[i:i + 2] for i in range(len(o) - 1)}) for o in leads if o != lead)

        best = max(pool, key=lambda lead: (theme.label in lead, shared(lead), -len(lead)))
        return to_own_level(best, guard.unit)

    def _references(self, theme: Candidate, request: DraftRequest) -> list[Point]:
        """Up to ``config.references`` points of the theme, one per report first, the writer's own kind first."""
        own = family_of(request.unit)
        points = sorted(theme.points, key=lambda p: family_of(f"{p.org}{p.report_title}") != own)
        seen, first, rest = set(), [], []
        for p in points:
            (rest if p.report_title in seen else first).append(p)
            seen.add(p.report_title)
        return (first + rest)[: self.config.references]

    # --- writing one point ---------------------------------------------------------------------------------
    def _stream(self, messages, **options) -> Iterator[str | int]:
        """The model's pieces (str); before them, while this request waits for the model, its place in the queue
        (int: requests before it) whenever it changes."""
        with take_turn(self.llm_lock) as turn:
            yield from turn.wait()
            for chunk in self.llm.stream(messages, **options):
                yield str(chunk.content)

    def _messages(self, request: DraftRequest, point: PlannedPoint, guard: NameGuard, chars: int):
        from langchain_core.messages import HumanMessage, SystemMessage

        facts = "\n".join(f"- {f}" for f in point.facts) or "（无）"
        clauses = reference_clauses(point.references, guard, self.config.clauses)
        user = render("draft_point", section_name=Section(request.section).heading, topic=request.topic or "工作",
                      heading=point.heading, facts=facts, references=clauses,
                      sentences="2至3" if chars < 150 else "3至4", chars=chars, section=request.section)
        system = render("draft_system", unit=request.unit, self_name=self_name(request.unit))
        return [SystemMessage(system), HumanMessage(user)]

    def figure_guard(self, request: DraftRequest) -> DraftFigureGuard:
        """The figure guard of a request: its unit, the year it speaks of, its facts (assistant/draft/guard.py)."""
        return DraftFigureGuard(self.index, request.unit, drafting_year(request.topic, request.facts), request.facts)

    def check(self, body: str, facts: list[str], guard: NameGuard, references: list[str],
              figures: DraftFigureGuard | None = None, reference_points: list[Point] = ()) -> tuple[str, dict]:
        """The guards on one point's body: foreign names out, figures that are not the unit's own for the period
        (``figures``: another unit's, another period's, found nowhere) → placeholders, copied passages out, every
        fact in.  Returns the body and what was found."""
        sentences = [s for s in sentence_pieces(body.replace("\n", ""), limit=None) if s.strip()]
        leaks = sorted({name for s in sentences for name in guard.find_leaks(s)})
        sentences = [s for s in sentences if not guard.find_leaks(s)]
        copied = [s for s in sentences if longest_copy(s, references) >= self.copy_limit]
        sentences = [s for s in sentences if s not in copied]
        body = "".join(sentences)
        if body and body[-1] not in "。！？":
            body = body.rstrip("；;，,") + "。"
        removed = []
        if figures is not None:
            body, removed = figures.review(body, list(reference_points))
        body = to_placeholders(body, unsupported_figures(body, facts, masks=False))
        for fact in facts:  # a fact whose figures (masks too) the model dropped or changed is stated as given
            if unsupported_figures(fact, [body]) or (not unsupported_figures(fact, []) and
                                                     strip_end(fact) not in body):
                body += strip_end(fact) + "。"
        return body, {"leaked_names": leaks, "copied": len(copied), "removed_figures": removed}

    def _write(self, request, point, guard, chars: int, i: int, figures: DraftFigureGuard | None = None
               ) -> Iterator[TokenEvent | QueueEvent]:
        """Write one point's body with the model, yielding its tokens, again more freely if it copied a reference;
        returns (body, found) as the generator's value."""
        messages = self._messages(request, point, guard, chars)
        references = [r.text for r in point.references]
        max_tokens = int(chars * 1.3) + 60
        raw = ""
        for attempt in range(2):
            options = {"max_tokens": max_tokens}
            if attempt:
                options["temperature"] = self.config.retry_temperature
            generated = ""
            for piece in self._stream(messages, **options):
                if isinstance(piece, int):  # waiting for the model: the user's place in the queue
                    yield QueueEvent(i, piece)
                    continue
                generated += piece
                yield TokenEvent(i, piece)
            raw = clean_body(generated, point.heading, chars, self_name(request.unit))
            raw = to_own_level(raw, request.unit, point.facts)
            if longest_copy(raw, references) < self.copy_limit:
                break
        return self.check(raw, point.facts, guard, references, figures, point.references)

    # --- the chain -----------------------------------------------------------------------------------------
    def _guard(self, request: DraftRequest) -> NameGuard:
        """The names of every report in the library (not only the references shown: any could leak)."""
        places = self._cached(("places",), lambda: library_places(self.index))  # kept per document
        own = "\n".join([request.unit, request.topic, *request.facts, *request.outline])
        return NameGuard(request.unit, own, {p for p in places if p not in own})

    def draft(self, request: DraftRequest, planned: list[PlannedPoint] | None = None) -> Iterator[DraftEvent]:
        """Events: ``plan`` (headings, at once), ``token`` (streamed, with the point's index ``i``), ``point`` (a
        checked point), ``final`` (the whole draft).  ``planned``: points planned beforehand (a whole report plans
        all its parts before writing the first)."""
        t0 = time.perf_counter()
        guard = self._guard(request)
        planned = planned if planned is not None else self.plan(request, guard)
        yield PlanEvent(tuple(p.heading for p in planned), "llm" if self.llm else "outline")
        chars = max(40, request.length // max(1, len(planned)) - 12)
        figures = self.figure_guard(request) if self.llm is not None else None
        points, first = [], None
        for i, point in enumerate(planned):
            if self.llm is None:
                body, found = "".join(strip_end(f) + "。" for f in point.facts), {"leaked_names": []}
            else:
                body, found = yield from self._write(request, point, guard, chars, i, figures)
            record = self._point(request, i, point, body, found)
            first = first or time.perf_counter()
            points.append(record)
            yield PointEvent(i, record)
        result = self._result(request, points)
        timings = DraftTimings(round((first - t0) * 1000, 1) if first else None,
                               round((time.perf_counter() - t0) * 1000, 1))
        yield FinalEvent(replace(result, timings=timings))

    def _point(self, request, i: int, point: PlannedPoint, body: str, found: dict) -> DraftPoint:
        return DraftPoint(point.heading, marker(request.style, i), body,
                          f"{marker(request.style, i)}{point.heading}。{body}", tuple(point.facts), point.label,
                          tuple(point.references), tuple(found["leaked_names"]),
                          tuple(found.get("removed_figures", ())))

    def _result(self, request: DraftRequest, points: list[DraftPoint]) -> DraftResult:
        heading = f"{Section(request.section).number}、{Section(request.section).heading}"
        paragraphs = [p.text for p in points]
        if self.llm is None:  # the outline: each point with the reference sentences it would draw on
            paragraphs = [p.text + "".join(f"\n【参考】{strip_end(r.text)[:120]}（{r.report_title}）"
                                           for r in p.references) for p in points]
        body = "\n".join(p.text for p in points)
        return DraftResult(f"{request.unit}关于{request.topic or '有关'}工作情况的汇报", request.section, heading,
                           request.unit, request.topic, request.style, tuple(request.facts),
                           heading + "\n" + "\n".join(paragraphs), tuple(points), tuple(placeholders_in(body)),
                           tuple(unsupported_figures(body, request.facts, masks=False)),
                           tuple(sorted({n for p in points for n in p.leaked_names})),
                           "llm" if self.llm is not None else "outline")

    def run(self, request: DraftRequest) -> DraftResult:
        """Consume the events and return the final draft (CLI ``--json``, benchmarks, tests)."""
        return next(e.result for e in self.draft(request) if isinstance(e, FinalEvent))

    # --- revisions ---------------------------------------------------------------------------------------------
    def revise(self, result: DraftResult, action: str, point: int | None = None) -> DraftResult:
        """A revision (a key of ``REVISIONS``: expand, shorten, formal, rephrase) on one point (its index) or on
        every point, with the same guards."""
        from langchain_core.messages import HumanMessage

        if action not in REVISIONS:
            raise ValueError(f"unknown revision {action!r}: one of {', '.join(REVISIONS)}")
        if self.llm is None:
            raise RuntimeError("修改需要大模型：当前为提纲模式（llm.backend = none）")
        if point is not None and not 0 <= point < len(result.points):
            raise ValueError(f"没有第{point + 1}条：初稿共{len(result.points)}条")
        request = DraftRequest(result.section, result.unit, result.topic, 400, list(result.facts), [], result.style)
        guard = self._guard(request)
        figures = self.figure_guard(request)
        targets = range(len(result.points)) if point is None else [point]
        points = list(result.points)
        for i in targets:
            p = points[i]
            chars = _REVISION_LENGTH.get(action, 1) * max(40, len(p.body))
            prompt = render("draft_revise", action=action, chars=int(chars), text=p.body)
            generated = "".join(piece for piece in self._stream([HumanMessage(prompt)],
                                                                max_tokens=int(chars * 1.3) + 60)
                                if isinstance(piece, str))
            new = clean_body(generated, p.heading, int(chars), self_name(request.unit))
            new = to_own_level(new, request.unit, list(p.facts))
            if not new:
                continue
            body, found = self.check(new, list(p.facts), guard, [r.text for r in p.references], figures,
                                     list(p.references))
            planned = PlannedPoint(p.heading, list(p.references), list(p.facts), p.label)
            points[i] = self._point(request, i, planned, body or p.body, found)
        return replace(self._result(request, points), timings=result.timings)


def draft_to_docx(result: DraftResult, path: str | Path) -> Path:
    """The draft as a Word file in 公文 form (see :mod:`assistant.docx_export`), placeholders highlighted."""
    from ..docx_export import write_docx

    paragraphs = [line for line in result.text.split("\n")[1:] if line.strip()]
    return write_docx(path, result.title, [{"heading": result.section_heading, "paragraphs": paragraphs}],
                      list(result.placeholders))
