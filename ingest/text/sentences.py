"""The one sentence rule of the product: where a Chinese sentence ends, and how long one may be.

A sentence ends at a run of 。！？； (or their ASCII forms), a closing quote or bracket kept with it.  The sentence
is the unit of evidence and of sentence vectors (a pair of sentences is one window, so ≤ 512 characters, about what
e5 reads): the longest sentence of the sample reports is 240 characters; a run without 。！？； (a pasted table, a
hostile 350,000-character line) is cut at ，、 and, failing those, at ``SENTENCE_MAX``.  ``;`` ends a sentence here
(officials list problems with "；"); the genre's *full* stops (no ；) are ``FULL_STOPS``, which
``ingest.structure`` uses where a paragraph turns.
"""
from __future__ import annotations

import re

FULL_STOPS = "。！？"
ENDS = "。！？；!?;"
CLOSERS = "”’」』）)"
SENTENCE_MAX = 256

_SENTENCE = re.compile(rf"[^{ENDS}\n]+[{ENDS}]*[{CLOSERS}]*")
_SENTENCE_END = re.compile(rf"[{ENDS}]+[{CLOSERS}]*")
_PIECE_IN_LINES = re.compile(rf"(?:[^{ENDS}\n]*[{ENDS}]+[{CLOSERS}]*|[^{ENDS}\n]+)\n?|\n")
_FULL_STOP = re.compile(rf"[{FULL_STOPS}]+[{CLOSERS}]*")
_CLAUSE_END = re.compile(r"[，、,：:]")


def bounded_spans(text: str, start: int, end: int, limit: int = SENTENCE_MAX) -> list[tuple[int, int]]:
    """Cut ``text[start:end]`` into pieces of at most ``limit`` characters: after the last ，、 that fits, else at
    the limit.  Offsets stay offsets into ``text``."""
    spans = []
    while end - start > limit:
        cut = max((m.end() for m in _CLAUSE_END.finditer(text, start, start + limit)), default=0)
        cut = cut if cut > start + limit // 4 else start + limit  # a clause end too early would leave crumbs
        spans.append((start, cut))
        start = cut
    if end > start:
        spans.append((start, end))
    return spans


def sentence_spans(text: str, start: int = 0, limit: int | None = SENTENCE_MAX, lines: bool = False
                   ) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` (ending at 。！？；, a closing quote kept), none longer than
    ``limit`` (None: no bound); the spans tile the text, offsets shifted by ``start``.  ``lines``: a line break
    ends a sentence too, and stays with it (a model's answer, one point a line)."""
    if lines:
        ends = [m.end() for m in _PIECE_IN_LINES.finditer(text)]
    else:
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        if not ends or ends[-1] != len(text):
            ends.append(len(text))
    pairs = zip([0] + ends[:-1], ends)
    if limit is None:
        return [(start + s, start + e) for s, e in pairs if e > s]
    return [(start + a, start + b) for s, e in pairs for a, b in bounded_spans(text, s, e, limit)]


def sentence_pieces(text: str, limit: int | None = SENTENCE_MAX, lines: bool = False) -> list[str]:
    """The sentences of ``text`` as written (they join back to it): :func:`sentence_spans` as strings."""
    return [text[a:b] for a, b in sentence_spans(text, 0, limit, lines)]


def split_sentences(text: str, limit: int = SENTENCE_MAX) -> list[str]:
    """Sentences (ending at 。！？； or a line end) of at least four characters and at most ``limit``, stripped: the
    unit of evidence and of sentence vectors."""
    out = []
    for piece in _SENTENCE.findall(text):
        for a, b in bounded_spans(piece, 0, len(piece), limit):
            if len(sentence := piece[a:b].strip()) >= 4:
                out.append(sentence)
    return out


def sentence_starts(line: str) -> list[int]:
    """Where each sentence of a paragraph starts, cut at the full stops 。！？ only (a "；" continues a list)."""
    return [0] + [m.end() for m in _FULL_STOP.finditer(line) if m.end() < len(line)]
