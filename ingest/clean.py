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


def split_sentences(text: str) -> list[str]:
    """Sentences (ending at 。！？；) of at least four characters: the unit of evidence and of sentence vectors."""
    return [s.strip() for s in _SENTENCE.findall(text) if len(s.strip()) >= 4]
