"""Who and when: the units (reports and their issuers) a library holds, and the unit and period a question asks about.

A library of parallel reports (every province's 政府工作报告, every county's 汇报) holds the same kinds of figures for
different units and periods.  A question that names a unit ("上海今年…") is answered from that unit's report only;
a question that names a period ("去年", "2025年", "今年…目标") is answered from sentences of that period (resolved
against each report's own year: in a 2026 report 去年 is 2025), sentences of another period being left out and
sentences whose period the text does not say kept.  Sentence periods come from ingest (:mod:`ingest.periods`).

A report's place comes from its metadata (``place``, ``level`` written by ingest's structure step) when present, else
from its title ("2026年四川省人民政府工作报告"), its issuer ("上海市人民政府") or its file name
("2026_广东省_政府工作报告.txt"), in that order; masked places (某县, x县) name no one.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.periods import Cue, find_cues

_PLACE = re.compile(r"([\u4e00-\u9fff]{2,7}?(?:特别行政区|自治区|自治州|自治县|省|市|县|区|州|盟|旗))")
_NOT_PLACE_HEAD = set("某全我各本该每x×*")
_LEVEL_OF_SUFFIX = {"省": "省", "自治区": "省", "特别行政区": "省", "市": "市", "州": "市", "自治州": "市", "盟": "市",
                    "县": "县", "自治县": "县", "旗": "县", "区": "区"}
_UNNAMED = "未署名单位"


def place_in(text: str) -> str:
    """The first named place of ``text`` (a title, an issuer, a file name), or ""."""
    text = re.sub(r"20\d{2}\s*年?", " ", re.sub(r"[_\-.]", " ", text or ""))
    for m in _PLACE.finditer(text):
        place = m.group(1)
        if place[0] not in _NOT_PLACE_HEAD and not re.search(r"地区|社区|辖区|城区|片区|园区|开发区", place):
            return place
    return ""


def place_aliases(place: str) -> list[str]:
    """How a question names a place: 上海市 → 上海市, 上海; 内蒙古自治区 → 内蒙古."""
    out = {place}
    for suffix in sorted(_LEVEL_OF_SUFFIX, key=len, reverse=True):
        if place.endswith(suffix) and len(place) - len(suffix) >= 2:
            out.add(place[: -len(suffix)])
            break
    return sorted(out, key=len, reverse=True)


@dataclass(frozen=True)
class ReportUnit:
    """One report of the library and the unit that issued it."""

    doc_id: str
    report_index: int
    title: str
    org: str = ""
    place: str = ""
    level: str = ""
    year: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return self.doc_id, self.report_index

    @property
    def who(self) -> str:
        """What tells this unit from the others: its place, else its issuer, else its title."""
        return self.place or self.org or self.title

    @property
    def name(self) -> str:
        """The report as an answer names it: 《上海市2026年政府工作报告》; the place is added when the title
        lacks it."""
        title = self.title.removeprefix(_UNNAMED) or "工作报告"
        if self.place and self.place not in title and not any(a in title for a in place_aliases(self.place)):
            written = place_in(self.org)  # as the issuer writes it: 广东省人民政府 → 广东省
            title = (written if written.startswith(self.place) else self.place) + title
        return f"《{title}》"


def library_units(index) -> list[ReportUnit]:
    """Every report of the index's manifest, with its place resolved as the module docstring says."""
    units = []
    for doc_id, rec in index.documents.items():
        for i, r in enumerate(rec.get("reports", [])):
            title, org = r.get("title", ""), r.get("org", "")
            place = r.get("place") or place_in("" if title.startswith(_UNNAMED) else title) or place_in(org) \
                or place_in(rec.get("name", ""))
            level = r.get("level") or next((lv for sfx, lv in sorted(_LEVEL_OF_SUFFIX.items(), key=lambda x: -len(x[0]))
                                            if place.endswith(sfx)), "")
            units.append(ReportUnit(doc_id, r.get("index", i), title, org, place, level, r.get("year") or None))
    return units


def several_units(units: list[ReportUnit]) -> bool:
    """True when the library holds reports of more than one unit: answers must then say whose report they quote."""
    return len({u.who for u in units}) > 1


@dataclass
class Asked:
    """The unit(s) and period a question asks about.  ``units`` empty: any unit; ``cue`` None: any period."""

    units: list[ReportUnit] = field(default_factory=list)
    cue: Cue | None = None

    @property
    def keys(self) -> set[tuple[str, int]]:
        return {u.key for u in self.units}

    def period_for(self, year: int | None) -> str:
        """The asked period in a report of ``year`` (去年 in a 2026 report: "2025"); "" when not asked."""
        return self.cue.resolve(year) if self.cue else ""

    def unit_fits(self, doc_id: str, report_index: int) -> bool:
        return not self.units or (doc_id, report_index) in self.keys

    def period_fits(self, period: str, year: int | None) -> bool | None:
        """True: the sentence's period is the asked one; False: another; None: not asked, or not said."""
        return periods_agree(self.period_for(year), period, year)

    def describe(self) -> str:
        who = "、".join(dict.fromkeys(u.who for u in self.units)) if self.units else ""
        return who


def periods_agree(asked: str, period: str, year: int | None) -> bool | None:
    """Whether a sentence of ``period`` speaks of the ``asked`` period (None when either is unknown).

    A five-year total is not last year's figure ("2021-2025" ≠ "2025"); a plan without a year ("下一步") fits an asked
    period from the report's year on."""
    if not asked or not period:
        return None
    if asked == period:
        return True
    if "plan" in (asked, period):
        other = period if asked == "plan" else asked
        if other == "plan" or not year:
            return None
        return int(other.split("-")[0]) >= year
    return False


def asked_scope(question: str, units: list[ReportUnit]) -> Asked:
    """The units the question names (by place; longest alias first) and the first period cue it holds."""
    named = [u for u in units if u.place and any(a in question for a in place_aliases(u.place))]
    cues = find_cues(question)
    return Asked(named, cues[0][1] if cues else None)
