"""Enumerated points of typed sections, found once at ingest and kept in the index.

A **point** is one item of a problems / plans / progress section — its lead phrase ("宣传发动不够深入") and its text —
with the report, issuing body, section path and chunk it comes from.  A chunk whose ``lead`` is set is one item
(consecutive chunks of one long item are joined); a chunk without a lead is cut at its 一是…二是… enumerations and
（一）/1./（1） headings with the spine's own patterns (lead-in sentences such as "虽然做了大量工作，……" are not
points); the body of a sub-heading that stood alone on its line is a point led by that heading.

The points are computed here, from a document's chunks, when the document is ingested (the index stores them beside
its chunks and serves them by ``ReportIndex.points(section)``), so the themes, drafting and review features read
them back instead of parsing the text again.  An index built before points were kept gets them from this same
function at read time.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from .chunker import SEP
from .sections import POINT_SECTIONS
from .structure import ENUM, heading_level, lead_of, list_items, list_lead
from .text.numerals import CN_NUM

_NUMERAL = re.compile(rf"^\s*(?:[{CN_NUM}]+是|第[{CN_NUM}]+[，、,]|[（(]?[{CN_NUM}\d]+[）)、.．])\s*")


@dataclass
class Point:
    lead: str
    text: str
    report_title: str
    org: str
    section_path: str
    chunk_id: str
    doc_id: str
    report_index: int
    chunk_ids: list[str] = field(default_factory=list)

    @property
    def report(self) -> tuple[str, int]:
        return self.doc_id, self.report_index

    def record(self) -> dict:
        """The point as the themes' JSON shows it."""
        return {"lead": self.lead, "text": self.text, "report_title": self.report_title, "org": self.org,
                "section_path": self.section_path, "chunk_id": self.chunk_id}


def _strip_numeral(text: str) -> str:
    return _NUMERAL.sub("", text).strip()


def items(text: str, opened: str = "", listed: bool = False) -> list[tuple[tuple[str, ...], str, str]]:
    """(path below the chunk's, lead, item text) of each enumerated item or headed paragraph of a chunk's text.

    ``opened`` is the sub-heading the chunk's path ends at (its paragraphs are that heading's body).  Text before
    the first item of a line is a lead-in, returned with an empty lead (the caller decides whether it continues the
    previous point or is dropped).  ``listed``: a paragraph that lists problems after its opening, without 一是…
    ("同时，我们也清醒认识到…，主要是：A；B；C。", structure.list_items), gives one item per listed problem.
    """
    out: list[tuple[tuple[str, ...], str, str]] = []
    heading: tuple[str, ...] = (opened,) if opened else ()
    for line in (raw.strip() for raw in text.split("\n")):
        level = heading_level(line) if line else None
        if level and level[0] > 1:
            heading = (lead_of(line, limit=40),)
            if len(heading[0]) >= len(line.rstrip("。")) - 1:  # a heading alone on its line opens a section
                continue
        marks = [m.start(1) for m in ENUM.finditer(line)]
        ends: list[int] = []
        if listed and not marks and not level:  # "同时…清醒认识到…，主要是：A；B；C。": its problems
            spans = list_items(line)
            marks, ends = [a for a, _ in spans], [b for _, b in spans]
        if not marks:
            if line:
                out.append((heading, _strip_numeral(heading[0]) if heading else "", line))
            continue
        before = line[:marks[0]].strip()
        if before and not (level and heading and len(before.rstrip("。 ")) <= len(heading[0])):
            out.append((heading, "", before))  # "（一）进一步提升思想认识。一是…": the heading is only the path
        for i, pos in enumerate(marks):
            end = ends[i] if ends else marks[i + 1] if i + 1 < len(marks) else len(line)
            item = line[pos:end].strip()
            lead = list_lead(item) if ends else lead_of(item)
            out.append((heading + (lead,), _strip_numeral(lead), item))
    return out


def points_of(rows: Iterable[tuple[str, str, dict]], section: str) -> list[Point]:
    """The points of ``section`` in chunks ``(chunk_id, text, metadata)`` of that section, in reading order
    (documents by id, chunks by ``seq``); an item cut across consecutive chunks is one point."""
    rows = sorted(rows, key=lambda r: (r[2].get("doc_id", ""), int(r[2].get("seq", 0))))
    points: list[Point] = []
    last: tuple | None = None  # (doc_id, seq, section_path, end offset) of the chunk that produced points[-1]
    for chunk_id, text, meta in rows:
        doc, seq, path = meta.get("doc_id", ""), int(meta.get("seq", 0)), meta.get("section_path", "")
        follows = last is not None and last[:3] == (doc, seq - 1, path)
        glue = "" if follows and last[3] == meta.get("start") else "\n"  # same paragraph, or the next one
        base = {"report_title": meta.get("report_title", ""), "org": meta.get("org", ""), "doc_id": doc,
                "report_index": int(meta.get("report_index", 0))}
        if meta.get("lead"):
            found = [((), meta["lead"], text)]
        else:
            tail = path.rsplit(SEP, 1)[-1]
            found = items(text, tail if (heading_level(tail) or (1,))[0] > 1 else "", listed=section == "problems")
        produced = False
        for below, lead, item in found:
            if not lead:  # a lead-in, or the head of a chunk cut inside the previous chunk's last item
                if follows and not produced and not glue:
                    points[-1].text += item
                    points[-1].chunk_ids.append(chunk_id)
                continue
            if below and path.endswith(below[0]):  # the chunk's path already ends at this heading
                below = below[1:]
            item_path = SEP.join((path,) + below if path else below)
            previous = points[-1] if points and (produced or follows) else None
            if previous and (previous.lead, previous.section_path) == (lead, item_path):
                previous.text += ("\n" if produced else glue) + item  # more of the same item (long, or paragraphs)
                if chunk_id not in previous.chunk_ids:
                    previous.chunk_ids.append(chunk_id)
            else:
                points.append(Point(lead, item, section_path=item_path, chunk_id=chunk_id, chunk_ids=[chunk_id],
                                    **base))
            produced = True
        last = (doc, seq, path, meta.get("end")) if produced else None
    return points


def document_points(ids: list[str], texts: list[str], metadatas: list[dict]) -> dict[str, list[Point]]:
    """Every typed section's points of one document's chunks (what ingest stores beside them)."""
    rows = list(zip(ids, texts, metadatas))
    return {section: points_of([r for r in rows if r[2].get("section_type") == section], section)
            for section in POINT_SECTIONS}


# What a point's vector is made of (point_vector): the sentences starting in its first READ characters, each
# weighed by its length and the lead's LEAD_WEIGHT times.  Themes were first clustered on e5("lead。text"), which
# reads the lead twice and truncates long items; over the samples and corpus_multi (174 points with e5 vectors
# beside) this mix kept those clusters best (adjusted Rand 0.92 / 1.00 / 0.63 on the samples' problems / plans /
# progress) and no largest cluster grew, where a plain mean of all sentences merged long plans into one blob of 20.
READ = 300
LEAD_WEIGHT = 3


def point_vector(point: Point, windows: dict[str, list[tuple[str, list[float]]]]):
    """The point's vector from the sentence vectors already embedded for its chunks (``chunk_id → [(sentence,
    vector)]``): the weighted mean (see ``READ``) of the sentences its text covers (or that hold it: one listed
    problem inside a sentence), normalised; None when no sentence of its chunks overlaps it.  Made at import from
    vectors the windows cost anyway, so themes never embed the points (an archive's 50k points were ~2 h of e5 at
    first use); embedding "lead。text" at import instead would add ~44% to what an import embeds (the samples)."""
    import numpy as np

    text, lead = point.text, point.lead
    found = []
    for cid in point.chunk_ids or [point.chunk_id]:
        for sentence, vec in windows.get(cid, ()):
            at = text.find(sentence)
            if at >= 0 and at < READ or at < 0 and text in sentence:
                found.append((len(sentence) * (LEAD_WEIGHT if lead and lead in sentence else 1), vec))
    if not found:
        return None
    weights = np.asarray([w for w, _ in found], dtype=np.float32)
    mean = weights @ np.asarray([v for _, v in found], dtype=np.float32)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None  # float32: 50k points as Python lists would hold ~0.6 GB
