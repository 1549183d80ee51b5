"""Checks on what a model wrote: every figure must stand in a cited source, every [n] must point at a source.

Small models invent numbers ("2023年GDP是7.9万亿元"); officials copy answers into reports.  So each figure in an
answer is normalised (全角 digits, 万/亿, 余/多, 百分之, Chinese numerals before a measure word) and looked up among
the figures of the sources the sentence cites; a figure found nowhere is reported and visibly marked, never shown
as fact.  Masked figures (``**条``, ``xx名``) must be copied verbatim, never filled in.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ingest.text.figures import ARABIC_FIGURE as _ARABIC
from ingest.text.figures import BIG_UNITS as _BIG
from ingest.text.figures import BLANK, DATE_MEASURES, MASKED_FIGURE, MEASURE_GROUPS, MEASURE_WORDS, NOT_COUNTS
from ingest.text.figures import MASK_MEASURE, STRIPPED_FIGURE
from ingest.text.figures import CN_FIGURE_WORDS as _CN_NUMBER
from ingest.text.figures import PERCENT_WORDS as _PERCENT_CN
from ingest.text.figures import halfwidth, set_phrases
from ingest.text.lexicons import words as lexicon_words
from ingest.text.numerals import CN_FIGURE, cn_value

MEASURE = MEASURE_WORDS


@dataclass(frozen=True)
class Figure:
    surface: str  # as written
    value: float | None  # normalised value (None for a masked figure)
    percent: bool = False
    measure: str = ""  # the measure word after it (个, 次, 万元 → 元), "" when none


def extract_figures(text: str) -> list[Figure]:
    """All figures in ``text``: Arabic (with 万/亿/%), 百分之…, Chinese numerals before a measure word, masks."""
    text = re.sub(r"\[\d{1,2}\]", "", halfwidth(text))  # citation markers are not figures
    text = set_phrases().sub(lambda m: "　" * len(m.group(0)), text)
    figures: list[Figure] = []
    for m in _ARABIC.finditer(text):
        if re.match(r"[.．、)）]\D", text[m.end():m.end() + 2]) and not m.group(2) and not m.group(5) \
                and (m.start() == 0 or text[m.start() - 1] in "\n ：:；;。（("):
            continue  # "1. …" / "2、…": list numbering, not a figure
        value = float(m.group(1)) * _BIG.get(m.group(2) or "", 1)
        figures.append(Figure(m.group(0).strip(), value, bool(m.group(4)), m.group(5) or ""))
    for m in _PERCENT_CN.finditer(text):
        inner = m.group(1)
        value = float(inner) if re.fullmatch(r"[\d.]+", inner) else cn_value(inner.split("点")[0])
        if value is not None:
            figures.append(Figure(m.group(0), float(value), True))
    for m in _CN_NUMBER.finditer(text):
        if m.start() > 0 and text[m.start() - 1] in "第之":  # 第二次, 百分之… are ordinals/handled above
            continue
        number = cn_value(m.group(1))
        if number is None or (number == 1 and not m.group(2)):  # 一个/一次 are wording, not figures
            continue
        figures.append(Figure(m.group(0), float(number * _BIG.get(m.group(2) or "", 1)), False, m.group(4)))
    for m in MASKED_FIGURE.finditer(text):
        measure = MASK_MEASURE.match(text, m.start()).group(1) or ""
        figures.append(Figure(m.group(0), None, measure in "%‰" and bool(measure), "" if measure in "%‰" else measure))
    for m in STRIPPED_FIGURE.finditer(text):  # "罚没金额万元": a figure whose digits were taken out, read as a mask
        measure = "人" if m.group(0).endswith("人次") else m.group(0)[-1]
        figures.append(Figure(m.group(0), None, False, measure))
    return figures




def same_kind(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return True
    if "个" in (a, b):  # 个 counts anything countable, never money or dates
        return not ({a, b} & NOT_COUNTS)
    return any(a in group and b in group for group in MEASURE_GROUPS)


def _supported(fig: Figure, source_figures: list[Figure], source_text: str) -> bool:
    if fig.value is None:
        return fig.surface in source_text
    return any(s.value is not None and abs(s.value - fig.value) < 1e-6 and s.percent == fig.percent
               and same_kind(s.measure, fig.measure) for s in source_figures)


def char_bigrams(text: str) -> set[str]:
    """Pairs of characters, punctuation and digits left out: how close two Chinese sentences are, without a tokenizer."""
    text = re.sub(r"[\s，。；：、“”‘’（）()\[\]\d]", "", text)
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _judged(text: str, sources: list[str]) -> list[tuple[Figure, bool]]:
    """Each figure of ``text`` with whether ``sources`` hold it."""
    source_text = "\n".join(sources)
    source_figures = extract_figures(source_text)
    return [(fig, _supported(fig, source_figures, source_text)) for fig in extract_figures(text)]


def supported_figures(text: str, sources: list[str]) -> list[Figure]:
    """Figures of ``text`` that occur in ``sources``: what an answer actually gives from the material."""
    return [fig for fig, held in _judged(text, sources) if held]


def unsupported_figures(text: str, sources: list[str], masks: bool = True) -> list[str]:
    """Figures of ``text`` that occur in none of ``sources`` (surface forms, in order, without repeats).

    ``masks=False`` passes over masked figures: in a draft, ``X次`` is a placeholder the writer fills in."""
    out: list[str] = []
    for fig, held in _judged(text, sources):
        if not held and (masks or fig.value is not None) and fig.surface not in out:
            out.append(fig.surface)
    return out


def mark_unsupported(text: str, figures: list[str]) -> str:
    """Make each unsupported figure visible in the text: ``35万元`` → ``35万元〔未核实〕``."""
    for surface in sorted(set(figures), key=len, reverse=True):
        text = re.sub(rf"(?<![\d.\[]){re.escape(surface)}(?![\d.\]]|〔未核实〕)", surface + "〔未核实〕", text)
    return text


_BOLD = re.compile(r"\*\*([^*\n]{1,80}?)\*\*(?=[\s，。；：:、！？,.;]|$)")


def plain_text(text: str) -> str:
    """A model's Markdown made plain: ``**青壮年劳动力大量外出**：`` would otherwise read as masked figures (``**青``).

    Emphasis counts only where its closing ``**`` ends a phrase; a mask such as ``投入**万元，印制**份`` keeps both."""
    text = _BOLD.sub(r"\1", text)
    return re.sub(r"(?m)^\s*#{1,6}\s+", "", text)


def to_placeholders(text: str, figures: list[str]) -> str:
    """Turn each unsupported figure into a placeholder the writer must fill: ``500人次`` → ``X人次``.

    A draft may need a figure its writer did not give; a placeholder says so, where a guessed figure would be
    copied into a report as fact."""
    for surface in sorted(set(figures), key=len, reverse=True):
        blank = "X%" if surface.startswith("百分之") else re.sub(rf"[\d.]+|[{CN_FIGURE}]+", "X",
                                                                 surface, count=1)
        text = re.sub(rf"(?<![\d.]){re.escape(surface)}(?![\d.])", blank, text)
    return text


PLACEHOLDER = BLANK  # a draft's blank (X次): ingest.text.figures


def placeholders_in(text: str) -> list[str]:
    """The placeholders of a draft (``X个``, ``XX次``), each once, in order."""
    return list(dict.fromkeys(m.group(0) for m in PLACEHOLDER.finditer(text)))


def longest_copy(text: str, references: list[str]) -> int:
    """Characters of the longest passage of ``text`` copied verbatim from any single reference."""
    from difflib import SequenceMatcher

    best = 0
    for ref in references:
        matcher = SequenceMatcher(None, text, ref, autojunk=False)
        best = max(best, matcher.find_longest_match(0, len(text), 0, len(ref)).size)
    return best


CITATION = re.compile(r"\[(\d{1,2})\]")


_PSEUDO_CITATION = re.compile(r"\[(?:编号|n|N|数字|来源)\]")


def clean_citations(text: str, valid: set[int]) -> str:
    """Drop [n] markers that point at no source, and template leftovers such as ``[编号]``."""
    text = _PSEUDO_CITATION.sub("", text)
    return CITATION.sub(lambda m: m.group(0) if int(m.group(1)) in valid else "", text)


# --- the claim, not just the number ------------------------------------------------------------------------------
# In a library of parallel reports the same figure can stand in another unit's report, or in the asked unit's report
# for another period, or beside another thing: "5%左右" is Shanghai's 2026 growth target and Zhejiang's 2026 price
# target.  A figure supports a claim only where a source sentence of the asked unit and period gives it, of the same
# measure, in a clause about the same thing.

Verdict = Literal["supported", "other_unit", "other_period", "other_thing", "unsupported"]
_CLAUSE_END = "，,；;：:。！？!?\n"
_DATE_MEASURES = DATE_MEASURES


@dataclass(frozen=True)
class SourceSentence:
    """A sentence a claim may rest on, with whose it is and whether it is of the asked unit and period."""

    text: str
    unit: str = ""  # the report as an answer names it (《…》)
    in_unit: bool = True
    in_period: bool = True
    period: str = ""
    n: int = 0  # the source number it is cited by


@dataclass(frozen=True)
class FigureCheck:
    figure: Figure
    verdict: Verdict
    sentence: SourceSentence | None = None  # the sentence that supports it, or where the figure does stand


def clause_around(text: str, surface: str) -> str:
    """The clause of ``text`` (between commas, semicolons, colons and sentence ends) holding ``surface``."""
    return next(figure_clauses(text, surface), text)


def figure_clauses(text: str, surface: str):
    """Each clause of ``text`` where ``surface`` stands (a figure may stand twice: 增长5%左右 … 失业率5%以内)."""
    text = re.sub(r"\[\d{1,2}\]", "", halfwidth(text))
    for m in re.finditer(rf"(?<![\d.]){re.escape(surface)}(?![\d.])", text):
        start = max(text.rfind(c, 0, m.start()) for c in _CLAUSE_END) + 1
        ends = [i for i in (text.find(c, m.end()) for c in _CLAUSE_END) if i >= 0]
        yield text[start:min(ends) if ends else len(text)]


def thing_bigrams(text: str, ignore: str = "") -> set[str]:
    """What a clause speaks of, as pairs of Chinese characters: figures, fillers (左右, 累计, 增长 is kept) and the
    words of ``ignore`` (the unit's names, period words) left out."""
    text = re.sub(r"[^\u4e00-\u9fff]", " ", text)
    grams = {text[i:i + 2] for i in range(len(text) - 1) if " " not in text[i:i + 2]}
    filler = lexicon_words("figures", "filler")
    return {g for g in grams if not set(g) <= filler and g not in ignore}


def same_thing(claim: set[str], source_clause: str, ignore: str = "") -> bool:
    """The source clause speaks of what the claim does: at least two shared pairs, or half of the source's."""
    source = thing_bigrams(source_clause, ignore)
    shared = len(claim & source)
    return shared >= 2 or (bool(source) and shared >= 0.5 * len(source))


def check_figures(text: str, sources: list[SourceSentence], about: str = "", ignore: str = "") -> list[FigureCheck]:
    """Judge each figure of ``text`` (an answer, a draft, a sentence under review) against ``sources``.

    ``about`` is what the claim is about beyond its own clause (the question); ``ignore`` holds words that tell
    nothing about the thing counted (unit names, period words).  Verdicts, best first: ``supported`` (a sentence of
    the asked unit and period gives the figure, of the same measure, about the same thing), ``other_period`` (only
    the asked unit's sentence of another period does), ``other_unit`` (only another unit's sentence does),
    ``other_thing`` (the figure stands in scope, but counting something else), ``unsupported`` (nowhere).  Dates
    (2025年) and masked figures are only looked up."""
    judged = [(s, extract_figures(s.text)) for s in sources]
    out: list[FigureCheck] = []
    for fig in extract_figures(text):
        holding = [s for s, figs in judged if _supported(fig, figs, s.text)]
        if fig.value is None or fig.measure in _DATE_MEASURES:
            best = next((s for s in holding if s.in_unit), holding[0] if holding else None)
            verdict = "supported" if best and best.in_unit else ("other_unit" if best else "unsupported")
            out.append(FigureCheck(fig, verdict, best))
            continue
        claim = thing_bigrams(clause_around(text, fig.surface) + " " + about, ignore)
        about_it = [s for s in holding if any(same_thing(claim, clause, ignore)
                                              for surface in _surfaces_in(s.text, fig)
                                              for clause in figure_clauses(s.text, surface))]
        verdict, best = "unsupported", None
        # the asked unit's own sentences first: a figure of its report for another period is the likelier origin
        for wanted, candidates in (("supported", [s for s in about_it if s.in_unit and s.in_period]),
                                   ("other_period", [s for s in about_it if s.in_unit and not s.in_period]),
                                   ("other_unit", [s for s in about_it if not s.in_unit]),
                                   ("other_thing", [s for s in holding if s.in_unit and s.in_period]),
                                   ("other_period", [s for s in holding if s.in_unit and not s.in_period]),
                                   ("other_unit", [s for s in holding if not s.in_unit])):
            if candidates:
                verdict, best = wanted, candidates[0]
                break
        out.append(FigureCheck(fig, verdict, best))
    return out


def _surfaces_in(text: str, fig: Figure) -> list[str]:
    """How ``text`` writes the figure ``fig`` stands for (``5.5%`` for 百分之五点五): what its clauses are cut around."""
    return list(dict.fromkeys(own.surface for own in extract_figures(text)
                              if own.value is not None and fig.value is not None and abs(own.value - fig.value) < 1e-6
                              and own.percent == fig.percent and same_kind(own.measure, fig.measure)))
