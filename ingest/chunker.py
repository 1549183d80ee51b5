"""Cut structured reports into retrieval chunks that never cross a section.

Units of one paragraph (its 一是…二是… items) are packed together up to ``chunk_max`` characters; a short unit joins
its neighbour when both sit in the same section; a long one is cut at sentence ends.  Each chunk's *embedded* text
is prefixed with the report title and section path, which is where most of the retrieval gain on short, ambiguous
official prose comes from (the same sentence means different things under 成效 and under 存在问题).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .structure import Report, Unit
from .text.figures import has_mask
from .text.sentences import sentence_spans, split_sentences

SEP = " > "


@dataclass(frozen=True)
class ChunkOptions:
    """Chunk sizes in characters (the defaults of the matching ``HUIBAO_INGEST__CHUNK_*`` settings)."""

    chunk_min: int = 150  # a lead-in shorter than this joins the first item of its section
    chunk_max: int = 400  # chunks are cut at sentence ends before exceeding this


def chunk_head(report_title: str, section_path: str) -> str:
    """A chunk's head, the context its embedded text opens with (and what a pooled chunk vector embeds of it,
    vectorstore.chunk_vectors; ``python -m ingest repool`` rebuilds it from the chunk's metadata)."""
    return f"{report_title}\n{section_path}"


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    seq: int
    text: str
    start: int
    end: int
    report_index: int
    report_title: str
    org: str
    year: int | None
    section_path: str
    section_type: str
    lead: str
    has_placeholder: bool
    place: str = ""  # the report's place, level and kind (see structure.Report): strings, never None
    level: str = ""
    kind: str = ""
    source: str = "text"  # "ocr" when any of the chunk's text was recognised from a page image

    @property
    def embed_text(self) -> str:
        """What the embedder and the keyword index see: title and section path give the text its context."""
        return f"{chunk_head(self.report_title, self.section_path)}\n{self.text}"

    def windows(self) -> list[tuple[str, str]]:
        """(id, text) of each sentence: the units of sentence-level vectors.

        A question usually matches one or two sentences of a chunk; a whole-chunk vector blurs that match (on the dev
        set, sentence windows lifted dense R@5 from 0.80 to 0.98).  Pairs of adjacent sentences were embedded too
        until bench/retrieval.py showed they earn nothing in hybrid search (R@5 0.980 either way, MRR 0.867 with
        them, 0.871 without) while doubling what an import embeds.
        """
        sentences = split_sentences(self.text) or [self.text]
        return [(f"{self.chunk_id}:{j}", s) for j, s in enumerate(sentences)]

    def metadata(self) -> dict:
        """Flat metadata for the stores (no None values: Chroma refuses them)."""
        meta = asdict(self)
        meta.pop("text")
        meta["year"] = self.year or 0
        return meta


def _common_prefix(paths: list[tuple[str, ...]]) -> tuple[str, ...]:
    prefix = paths[0]
    for path in paths[1:]:
        n = 0
        while n < min(len(prefix), len(path)) and prefix[n] == path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix


def _balanced(spans: list[tuple[int, int]], limit: int) -> list[list[tuple[int, int]]]:
    """Group consecutive spans into near-equal runs no longer than ``limit`` (one span may exceed it alone)."""
    total = spans[-1][1] - spans[0][0]
    target = total / -(-total // limit)
    groups: list[list[tuple[int, int]]] = [[]]
    for span in spans:
        current = groups[-1]
        if current and (span[1] - current[0][0] > limit or current[-1][1] - current[0][0] >= target):
            groups.append([span])
        else:
            current.append(span)
    return groups


def _section_runs(report: Report, chunk_min: int) -> list[list[Unit]]:
    """Runs of units that may share a chunk: items of one paragraph, or a short lead-in and the item it opens."""
    runs: list[list[Unit]] = []
    for unit in report.units:
        prev = runs[-1][-1] if runs else None
        joins = prev is not None and (
            (prev.paragraph == unit.paragraph and prev.section_type == unit.section_type)  # a turn starts anew
            or (prev.end - runs[-1][0].start < chunk_min and unit.path[:len(prev.path)] == prev.path
                and prev.section_type == unit.section_type))
        if joins:
            runs[-1].append(unit)
        else:
            runs.append([unit])
    return runs


def chunk_reports(doc_id: str, text: str, reports: list[Report], chunk_min: int = ChunkOptions.chunk_min,
                  chunk_max: int = ChunkOptions.chunk_max) -> list[Chunk]:
    """Chunks of all reports of one document, in reading order, with offsets into ``text``."""
    chunks: list[Chunk] = []
    for report in reports:
        for run in _section_runs(report, chunk_min):
            by_span = {(u.start, u.end): u for u in run}
            for group in _balanced(list(by_span), chunk_max):
                units = [by_span[span] for span in group]
                start, end = group[0][0], group[-1][1]
                pieces = [[(start, end)]] if end - start <= chunk_max else _balanced(
                    sentence_spans(text[start:end], start, chunk_max), chunk_max)
                path = _common_prefix([u.path for u in units])
                for piece in pieces:
                    s, e = piece[0][0], piece[-1][1]
                    body = text[s:e].strip()
                    if not body:
                        continue
                    seq = len(chunks)
                    chunks.append(Chunk(
                        chunk_id=f"{doc_id}-{seq:04d}", doc_id=doc_id, seq=seq, text=body, start=s, end=e,
                        report_index=report.index, report_title=report.title, org=report.org, year=report.year,
                        section_path=SEP.join(path), section_type=units[0].section_type,
                        lead=units[0].lead if len(units) == 1 else "", has_placeholder=has_mask(body),
                        place=report.place or "", level=report.level or "", kind=report.kind or ""))
    return chunks
