"""Figures as reports write them: the measure words that follow a count, the author's masks (``**条``, ``xx起``),
figures whose digits were taken out (``多万元``, ``罚没金额万元``), the blanks a draft leaves (``X次``), full-width
digits.  The rules that read figures (assistant/guards.py) and that flag masked chunks (ingest/clean.py) take their
patterns from here.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache

from .numerals import CN_FIGURE

# Measure words after a count.  One list for reading figures (guards.extract_figures) and for what a question counts
# (assistant/answer/intent.py: "几位", "多少座"): the two lists disagreed, guards lacking 位 架 座 — which its own measure
# groups already held (名人位: 11名 and 11位 agree) — and intent lacking money, dates and most units.
MEASURE_WORDS = "个人起件条份次名家项所元年月日天批轮场期处户宗套部台辆本张篇支队组届级倍位架座"
# Measure words that count the same kind of thing: "11名" and "11人" agree, "2次座谈会" and "两起案件" do not.
MEASURE_GROUPS = ("名人位", "起件宗", "次轮场期", "个")
NOT_COUNTS = frozenset("元年月日天倍%")  # 个 counts anything countable, never these
DATE_MEASURES = frozenset("年月日")

BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
# A figure in digits (35万元, 12.5%, 200余人), 百分之 in words, and a count in Chinese numerals before its measure
# word (两百余次, 三千人): the groups are value, 万/亿, 余/多, %/‰ and the measure word.
ARABIC_FIGURE = re.compile(rf"(\d+(?:\.\d+)?)\s*(?:[余多](?=[万亿]))?([万亿])?\s*(余|多)?\s*(%|‰)?([{MEASURE_WORDS}])?")
PERCENT_WORDS = re.compile(rf"百分之([{CN_FIGURE}点\d.]+)")
CN_FIGURE_WORDS = re.compile(rf"([{CN_FIGURE}]+)([万亿])?(余|多)?([{MEASURE_WORDS}])")

MASK_CHARS = "xX×*"
# A masked figure: ** or x/X/xx/xxx standing where a number would (next to a unit, a place word or a digit).
MASK = re.compile(r"\*{2,}|(?<![A-Za-z])[xX×]{1,4}(?![A-Za-z])")
# The mask with the unit or place word it stands before (``**条``, ``xx%``): how a figure check sees it.
MASKED_FIGURE = re.compile(rf"(?:{MASK.pattern})[%\u4e00-\u9fff]?")
# The measure word after a mask (``xx亿元`` → 元, ``xx%`` → %): what kind of figure the mask stands for.
MASK_MEASURE = re.compile(rf"(?:{MASK.pattern})\s*[万亿]?[余多]?([%‰{MEASURE_WORDS}])?")
# A figure whose digits were taken out (a release that deleted them, a template never filled in): "投入宣传经费多万元，",
# "罚没金额万元;", "宣传彩页万多份、" — 万/亿 and a measure word with no number before them, closing their clause.  Read
# as a mask: an answer may quote it, never fill it.  "每万人口", "亿元以上", "万名干部进农家" go on after the measure
# word, "数万人" and "近万元" say their number in a word, so none of them is a blank; "千家万户" is a set phrase.
STRIPPED_FIGURE = re.compile(rf"(?<![\d{CN_FIGURE}万亿数几上近逾余多成{MASK_CHARS}.\s])[余多]?[万亿][余多]?"
                             rf"(?:人次|[{MEASURE_WORDS}])(?=[，。；：、,;:)）\s]|$)")
# A draft's blank for a figure its writer must give (``X次``, ``XX人次``): what the drafting guard writes.
BLANK = re.compile(rf"(?<![A-Za-z])X{{1,4}}[万亿]?(?:人次|[余多]?[%{MEASURE_WORDS}])")

_FULLWIDTH_FORMS = re.compile(r"[\uff01-\uff5e]")


def has_mask(text: str) -> bool:
    """True when ``text`` holds a masked figure such as ``**条`` or ``xxx起``."""
    return bool(MASK.search(text))


def halfwidth(text: str) -> str:
    """Full-width forms (３５％, ＸＸ, ．) as their ASCII characters, by NFKC, one character for one (offsets hold).

    Only the full-width block: NFKC of the whole text would also turn ① into 1 and ㎡ into m2 — figures nobody wrote."""
    return _FULLWIDTH_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


@cache
def set_phrases() -> re.Pattern:
    """Set phrases of political writing whose numerals count nothing (四个意识, 一案三查): lexicons.toml."""
    from .lexicons import lexicon

    return re.compile("|".join(map(re.escape, lexicon()["figures"]["set_phrases"])))
