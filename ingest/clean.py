"""Normalise report text without touching what officials need verbatim.

Copies of reports found online carry repost notices inside paragraphs ("文章系…原创发布，侵权必究。"), markdown
quote marks, full-width spaces used as indentation.  Masked figures (``**条``, ``xxx起``, ``x公安局``) are the
author's redactions: they stay exactly as written and chunks holding them are flagged.
"""
from __future__ import annotations

import re

# Repost / watermark notices; each ends at the first sentence end so surrounding text survives.
NOISE_PATTERNS = [
    re.compile(r"文章系[^。！？\n]{0,40}?(原创|首发|发布)[^。！？\n]{0,20}?[，,]?\s*(侵权必究|转载请注明出处|未经授权[^。！？\n]{0,15})[。！!]?"),
    re.compile(r"(本文|文章)(来源|来自|转自)[:：][^。\n]{0,40}[。]?"),
    re.compile(r"(版权归原作者所有|如有侵权[^。\n]{0,20}删除)[。]?"),
]
_LINE_PREFIX = re.compile(r"^[\s>\u3000\ufeff]+")
_INNER_SPACE = re.compile(r"[ \t\u3000\xa0]+")
# A masked figure: ** or x/X/xx/xxx standing where a number would (next to a unit, a place word or a digit).
PLACEHOLDER = re.compile(r"\*{2,}|(?<![A-Za-z])[xX×]{1,4}(?![A-Za-z])")


def clean_text(text: str) -> str:
    """Return ``text`` with noise removed, lines trimmed and blank lines collapsed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub(" ", text)  # control characters a PDF or Word extraction can leave (NUL, form feed…)
    for pattern in NOISE_PATTERNS:
        text = pattern.sub("", text)
    lines = []
    for line in text.split("\n"):
        line = _LINE_PREFIX.sub("", line)
        line = _INNER_SPACE.sub(" ", line).strip()
        # Spaces between CJK characters are typesetting artefacts (PDF extraction, justified text).
        line = re.sub(r"(?<=[\u4e00-\u9fff，。；：、）（])\s+(?=[\u4e00-\u9fff，。；：、（）])", "", line)
        if line:
            lines.append(line)
    return "\n".join(lines)


def has_placeholder(text: str) -> bool:
    """True when ``text`` holds a masked figure such as ``**条`` or ``xxx起``."""
    return bool(PLACEHOLDER.search(text))


_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*[”’」）)]*")
_SENTENCE_END = re.compile(r"[。！？；!?;]+[”’」』）)]*")
# The longest sentence: the unit of evidence and of sentence vectors (a pair of sentences is one window, so ≤ 512
# characters, about what e5 reads).  The longest sentence of the sample reports is 240 characters; a run without
# 。！？； (a pasted table, a hostile 350,000-character line) is cut at ，、 and, failing those, at this length.
SENTENCE_MAX = 256
_CLAUSE_END = re.compile(r"[，、,：:]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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


def sentence_spans(text: str, start: int = 0, limit: int = SENTENCE_MAX) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text`` (ending at 。！？；, a closing quote kept), none longer than
    ``limit``; the spans tile the text, offsets shifted by ``start``.  The one sentence rule of the product."""
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] != len(text):
        ends.append(len(text))
    return [(start + a, start + b) for s, e in zip([0] + ends[:-1], ends) for a, b in bounded_spans(text, s, e, limit)]


def split_sentences(text: str, limit: int = SENTENCE_MAX) -> list[str]:
    """Sentences (ending at 。！？；) of at least four characters and at most ``limit``: the unit of evidence and of
    sentence vectors."""
    out = []
    for piece in _SENTENCE.findall(text):
        for a, b in bounded_spans(piece, 0, len(piece), limit):
            if len(sentence := piece[a:b].strip()) >= 4:
                out.append(sentence)
    return out
