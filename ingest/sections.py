"""The genre's section vocabulary, in one place: the section types a report is cut into, what officials call each
of them in the styles the product shows, and the order and numbers of the arc.

A 公文 report reads 基本情况 → 工作进展及成效 → 存在的问题 → 下步工作打算 (numbered 一、二、三 in a drafted
汇报).  ``ingest.structure`` types every unit with one of :class:`Section`; the index stores the plain value
("problems"), the UI shows a label.  It lives under ``ingest/`` because ingest types the text and must not import
``assistant/``; the chains and the app import it from here.  Which heading words give which type are rules of the
text, not names: they stay in ``ingest/rules/section_cues.toml``.
"""
from __future__ import annotations

from enum import StrEnum


class Section(StrEnum):
    """A section type; a ``str``, so stored metadata, JSON and comparisons with plain strings are unchanged."""

    OVERVIEW = "overview"
    PROGRESS = "progress"
    PROBLEMS = "problems"
    PLANS = "plans"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The short name a result list or a filter shows (问题, 成效)."""
        return _LABELS[self][0]

    @property
    def heading(self) -> str:
        """The part's heading in a report (存在的问题, 下步工作打算)."""
        return _LABELS[self][1]

    @property
    def asked(self) -> str:
        """The name a question's section filter shows, wide enough for how officials ask (成效/做法)."""
        return _LABELS[self][2]

    @property
    def item(self) -> str:
        """What one point of the part is (一个问题, 一项打算, 一种做法): how a theme of them is named."""
        return _LABELS[self][3]

    @property
    def number(self) -> str:
        """The part's number in the genre's order (一 工作进展及成效, 二 存在的问题, 三 下步工作打算); "" off the arc."""
        return "一二三"[ARC.index(self)] if self in ARC else ""


# Section → (label, heading, asked, item).  基本情况 is also its own short name.
_LABELS = {
    Section.OVERVIEW: ("基本情况", "基本情况", "基本情况", "情况"),
    Section.PROGRESS: ("成效", "工作进展及成效", "成效/做法", "做法"),
    Section.PROBLEMS: ("问题", "存在的问题", "问题", "问题"),
    Section.PLANS: ("打算", "下步工作打算", "打算/建议", "打算"),
    Section.OTHER: ("其他", "其他", "其他", "内容"),
}

SECTION_TYPES = tuple(Section)  # every type, in the order a report tells them
ARC = (Section.PROGRESS, Section.PROBLEMS, Section.PLANS)  # the three parts a drafted 汇报 has, in order
# The types whose enumerated points are drafted and grouped into themes, in the order the UI offers them.
POINT_SECTIONS = (Section.PROBLEMS, Section.PLANS, Section.PROGRESS)

# What a search may ask for: one type, "measures" (what was done and what will be: progress and plans alike, the
# 措施 of the 检索 tab) or "any".  The value is the list of stored types it matches; None for all.
MEASURES, ANY = "measures", "any"
SEARCH_FILTERS: dict[str, list[str] | None] = {
    **{s.value: [s.value] for s in (Section.OVERVIEW, Section.PROGRESS, Section.PROBLEMS, Section.PLANS)},
    MEASURES: [Section.PROGRESS.value, Section.PLANS.value],
    ANY: None,
}
_FILTER_LABELS = {MEASURES: "措施", ANY: "全部"}


def choices(keys, style: str = "label") -> dict[str, str]:
    """A UI's choices as {Chinese name: value}, in the order of ``keys`` (section types, ``measures``, ``any``);
    ``style`` is the :class:`Section` property that names a type (``label``, ``heading`` or ``asked``)."""
    return {(_FILTER_LABELS[k] if k in _FILTER_LABELS else getattr(Section(k), style)): str(k) for k in keys}


def name_of(value: str | None, style: str = "label") -> str:
    """The Chinese name of a stored section type (``style`` as in :func:`choices`); an unknown value as it is."""
    try:
        return getattr(Section(value), style)
    except ValueError:
        return value or ""
