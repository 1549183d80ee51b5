"""Normalise report text without touching what officials need verbatim.

Copies of reports found online carry repost notices inside paragraphs ("文章系…原创发布，侵权必究。"), markdown
quote marks, full-width spaces used as indentation.  Masked figures (``**条``, ``xxx起``, ``x公安局``) are the
author's redactions: they stay exactly as written and chunks holding them are flagged (the pattern:
``ingest.text.figures.MASK``).
"""
from __future__ import annotations

import re

# Masked figures and sentences are rules of their own (ingest/text/): the names stay importable from here.
from .text.figures import MASK as PLACEHOLDER  # noqa: F401
from .text.figures import has_mask as has_placeholder  # noqa: F401
from .text.sentences import SENTENCE_MAX, sentence_spans, split_sentences  # noqa: F401

# Repost / watermark notices; each ends at the first sentence end so surrounding text survives.
NOISE_PATTERNS = [
    re.compile(r"文章系[^。！？\n]{0,40}?(原创|首发|发布)[^。！？\n]{0,20}?[，,]?\s*(侵权必究|转载请注明出处|未经授权[^。！？\n]{0,15})[。！!]?"),
    re.compile(r"(本文|文章)(来源|来自|转自)[:：][^。\n]{0,40}[。]?"),
    re.compile(r"(版权归原作者所有|如有侵权[^。\n]{0,20}删除)[。]?"),
]
_LINE_PREFIX = re.compile(r"^[\s>\u3000\ufeff]+")
_INNER_SPACE = re.compile(r"[ \t\u3000\xa0]+")


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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
