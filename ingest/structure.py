"""Recognise the genre: reports inside a file, the heading ladder, enumerations and typed sections.

A 公文 report reads 基本情况 → 工作进展/主要做法/成效 → 存在问题 → 下步打算/建议, numbered 一、 （一） 1. （1） with
paragraphs that enumerate 一是…二是….  This module turns cleaned text into :class:`Report` objects whose
:class:`Unit` s (a paragraph, or one enumerated item of it) know their heading path and section type, with exact
character offsets into the cleaned text.  Everything downstream (chunks, points, themes, drafting) reads this.
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from .text.figures import MASK_CHARS
from .text.numerals import CN_NUM, cn_value
from .text.sentences import FULL_STOPS, sentence_starts
from .text.tokens import quiet_jieba

RULES_DIR = Path(__file__).with_name("rules")

# Heading ladder, level 1..4: 一、 / （一） / 1. / （1）
HEADING = [
    (1, re.compile(rf"^([{CN_NUM}]+)、")),
    (2, re.compile(rf"^[（(]([{CN_NUM}]+)[）)]")),
    (3, re.compile(r"^(\d{1,2})[.．、](?!\d)")),
    (4, re.compile(r"^[（(](\d{1,2})[）)]")),
]
# Enumerations inside paragraphs: 一是… 二是… / 第一，第二，
ENUM = re.compile(rf"(?:^|(?<=[{FULL_STOPS}；]))\s*((?:[{CN_NUM}]+是)|(?:第[{CN_NUM}]+[，、,]))")

TITLE_WORDS = re.compile(r"报告|汇报|总结|调研|情况|意见|方案|讲话|要点|计划|述职")
ORG_PATTERN = re.compile(
    r"(?:[某x*×]{1,3}|[\u4e00-\u9fff]{1,4}[省市县区]|[省市县区])?"
    r"(?:市场监督管理局|市场监管局|公安局|人大常委会|人民法院|法院|检察院|司法局|政法委)"
)
ORG_KEYWORDS = [  # (what the text says, the body it implies)
    ("市场监管", "市场监管局"), ("公安", "公安局"), ("人大", "人大常委会"), ("法院", "法院"), ("检察", "检察院"),
]


@dataclass
class Unit:
    """A paragraph, or one enumerated item of a paragraph, with its place in the report."""

    start: int
    end: int
    path: tuple[str, ...]
    section_type: str
    paragraph: int
    lead: str = ""  # the item's lead phrase ("宣传发动不够深入") when it is a numbered or enumerated item


@dataclass
class Report:
    index: int
    title: str
    org: str
    year: int | None
    start: int
    end: int
    title_inferred: bool = False
    units: list[Unit] = field(default_factory=list)
    place: str = ""  # the place the issuing body governs, without its suffix ("河北", "上海", "延安"); "" unknown
    level: str = ""  # 省 / 市 / 县 / 区 / 乡镇 ("" unknown); a 直辖市 and an 自治区 are 省
    kind: str = ""   # the report's genre (政府工作报告, 工作汇报, 调研报告 …; "" unknown)


def heading_level(line: str) -> tuple[int, str] | None:
    """Return (level, numeral) when ``line`` starts with a ladder marker."""
    for level, pattern in HEADING:
        m = pattern.match(line)
        if m:
            return level, m.group(1)
    return None


def lead_of(text: str, limit: int = 30) -> str:
    """The lead phrase of a heading or item: up to the first sentence end, or the first comma if long."""
    head = re.split(r"[。；！？：:]", text, maxsplit=1)[0]
    if len(head) > limit:
        head = re.split(r"[，,]", head, maxsplit=1)[0]
    return head[:limit].strip()


def _is_title_line(line: str) -> bool:
    return (len(line) <= 40 and heading_level(line) is None and not re.search(r"[。；，,！？]", line)
            and not line.endswith(("：", ":")) and bool(TITLE_WORDS.search(line)))


def _is_salutation(line: str) -> bool:
    """"各位代表：", "尊敬的督导组各位领导：" — addressed to people; "一年来，主要做了以下工作：" is text."""
    return (len(line) <= 30 and line.endswith(("：", ":")) and heading_level(line) is None
            and bool(re.search(r"各位|尊敬|代表|领导|委员|主任|同志|同事|朋友", line)))


def _cn_value(numeral: str) -> int:
    """A heading's numeral as a number (十二 → 12); one that is none (十十) counts as 0, before any other."""
    return int(cn_value(numeral) or 0)


def _lines(text: str) -> list[tuple[int, int, str]]:
    out, pos = [], 0
    for line in text.split("\n"):
        out.append((pos, pos + len(line), line))
        pos += len(line) + 1
    return [item for item in out if item[2].strip()]


APPENDIX = re.compile(rf"^(?:附件\s*[\d{CN_NUM}]*[:：]?|附录|名词解释|注释)$")


def _is_chrome(line: str) -> bool:
    """A web page's interface word before the title (下载, 打印, 【字号：, 加大): short, no sentence punctuation."""
    return len(line) <= 12 and heading_level(line) is None and not re.search(r"[。；，,！？]", line)


def _title_at(lines: list[tuple[int, int, str]]) -> int | None:
    """Where a report's title line is: its first line, or the first title line after a page's interface words."""
    for i, (_, _, line) in enumerate(lines[:16]):
        if _is_title_line(line):
            return i
        if not _is_chrome(line):
            return None
    return None


def _has_body(group: list[tuple[int, int, str]]) -> bool:
    return any(heading_level(line) or len(line) > 60 for _, _, line in group)


def split_reports(text: str) -> list[list[tuple[int, int, str]]]:
    """Group lines into reports.

    A new report starts at a title line once the current one has body text, or where the level-1 numbering starts
    over (一、 after 三、); title and salutation lines just before such a restart travel with the new report.  An
    appendix (附件1) is part of its report, whatever its numbering; a run of short lines without body (a web page's
    links and buttons after the text) stays with the report before it.
    """
    groups: list[list[tuple[int, int, str]]] = [[]]
    last_l1, has_body = 0, False
    for item in _lines(text):
        line = item[2]
        level = heading_level(line)
        current = groups[-1]
        if APPENDIX.match(line):
            last_l1 = 0
        elif _is_title_line(line) and has_body:
            groups.append([item])
            last_l1, has_body = 0, False
            continue
        if level and level[0] == 1:
            value = _cn_value(level[1])
            if value <= last_l1 and has_body:
                carried = []
                while current and (_is_title_line(current[-1][2]) or _is_salutation(current[-1][2])):
                    carried.insert(0, current.pop())
                groups.append(carried)
                current = groups[-1]
            last_l1 = value
        current.append(item)
        if not _is_title_line(line) and not _is_salutation(line):
            has_body = has_body or level is not None or len(line) > 60
    merged: list[list[tuple[int, int, str]]] = []
    for group in groups:
        if merged and group and not _has_body(group):
            merged[-1].extend(group)
        elif group:
            merged.append(group)
    return merged


@cache
def section_rules() -> dict:
    """ingest/rules/section_cues.toml, read once and compiled: heading cues, times, periods, turns, lists."""
    with open(RULES_DIR / "section_cues.toml", "rb") as f:
        data = tomllib.load(f)
    time = data["time"]
    return {
        "heading": [(h["type"], h.get("timed", False), re.compile("|".join(f"(?:{c})" for c in h["cues"])))
                    for h in data["heading"]],
        "forward_kinds": set(time["forward_kinds"]),
        "plan_kinds": set(time["plan_kinds"]),
        "year": re.compile(time["year"]),
        "past": re.compile("|".join(time["past"])),
        "future": re.compile("|".join(time["future"])),
        "opening": re.compile(time["opening"]),
        "periods": [(re.compile(p["cue"]), p["start"], p["end"]) for p in data["period"]],
        "turns": [(t["type"], re.compile("|".join(f"(?:{c})" for c in t["cues"]))) for t in data["turn"]],
        "intro": re.compile(data["list"]["intro"]),
        "list_closing": re.compile(data["list"]["closing"]),
        "closing": re.compile("|".join(f"(?:{c})" for c in data["closing"]["cues"])),
    }


@dataclass(frozen=True)
class Frame:
    """When a report speaks: its year and whether that year is the one it plans (a 政府工作报告) or reviews."""

    year: int | None = None
    forward: bool = False
    after_plans: bool = False  # a top section already typed plans: what follows without a time continues them


def time_of(label: str, frame: Frame = Frame()) -> str | None:
    """"past" or "future" when a heading's years, five-year periods or time words all point one way, else None."""
    rules = section_rules()
    found = set()
    if frame.year:
        for m in rules["year"].finditer(label):
            y = int(m.group(1))
            found.add("past" if y < frame.year or (y == frame.year and not frame.forward) else "future")
        for pattern, start, end in rules["periods"]:
            if pattern.search(label):
                found.add("past" if end < frame.year else "future" if start >= frame.year else "")
    found.discard("")
    if not found:
        found = {name for name in ("past", "future") if rules[name].search(label)}
    return found.pop() if len(found) == 1 else None


def heading_type(label: str, frame: Frame = Frame()) -> str | None:
    """The type a heading's words give (first matching cue of the rules), a timed cue's type following the heading's
    time; None when no cue matches."""
    for name, timed, pattern in section_rules()["heading"]:
        if pattern.search(label):
            if timed:
                when = time_of(label, frame)
                return {"past": "progress", "future": "plans"}.get(when, "plans" if frame.after_plans else name)
            return name
    return None


def _label(heading: str) -> str:
    return re.sub(rf"^([{CN_NUM}\d]+[、.．]|[（(][{CN_NUM}\d]+[）)]|[{CN_NUM}]+是)", "", heading)


def section_type_of(path: tuple[str, ...], levels: tuple[int, ...], frame: Frame = Frame(),
                    fallback: str = "other") -> str:
    """Decide the type from the heading words, nearest heading first; a top heading without such words is typed by
    its time ("三、一鼓作气…全力推动“十五五”…" looks ahead), else ``fallback`` (the arc: what follows the plans).

    Sub-sections and items under a 基本情况 heading are what was done (measures), so they count as progress.
    Long item leads ("聚焦问题，不断做实专项斗争的成效") use the genre's words in another sense: only short labels
    and top headings are read.
    """
    for depth in range(len(path) - 1, -1, -1):
        name = _own_type(path[depth], levels[depth], frame)
        if name:
            if name == "overview" and depth < len(path) - 1:
                return "progress"
            if name == "progress" and depth and "plans" in (
                    _own_type(path[d], levels[d], frame) for d in range(depth)):
                return "plans"  # "（五）加快释放改革开放成效" under "三、2026年重点工作": an aim, not a result
            return name
    return fallback


def _own_type(heading: str, level: int, frame: Frame) -> str | None:
    """The type one heading gives by its words, or (a top heading) by its time; None when it says nothing."""
    label = _label(heading)
    if level > 1 and len(label) > 12:
        return None
    name = heading_type(label, frame)
    if name is None and level <= 1:
        name = {"past": "progress", "future": "plans"}.get(time_of(label, frame))
    return name


def list_lead(item: str) -> str:
    """A listed problem's lead: its first clause ("外部环境变化影响加深，不确定…" → 外部环境变化影响加深)."""
    return re.split(r"[，,]", lead_of(item), maxsplit=1)[0]


def turns_in(line: str) -> list[tuple[int, str]]:
    """(offset, type) of each sentence that turns its paragraph ("同时，我们也清醒认识到…" → problems)."""
    out = []
    for pos in sentence_starts(line):
        for name, pattern in section_rules()["turns"]:
            if pattern.match(line[pos:]):  # sliced: "^" of a pattern never matches at match(line, pos)
                out.append((pos, name))
                break
    return out


def list_items(line: str, start: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each listed problem of a paragraph from ``start`` on: after its opening ("主要是：", or the
    turn sentence itself) the clauses separated by "；" (or the sentences, when there are fewer than two "；"), up to
    a closing sentence ("对此，我们将…").  [] when the paragraph lists nothing (fewer than two items)."""
    rules = section_rules()
    intro = rules["intro"].search(line, start, min(len(line), start + 150))
    if intro:
        begin = intro.end()
    else:
        first_end = re.search(r"[。！？]", line[start:])
        if not first_end or not any(p == start for p, _ in turns_in(line)):
            return []
        begin = start + first_end.end()
    end = len(line)
    for pos in sentence_starts(line):
        if pos > begin and rules["list_closing"].match(line[pos:]):
            end = pos
            break
    rest = line[begin:end]
    sep = "；;" if len(re.findall("[；;]", rest)) >= 2 else "。！？"
    items = []
    for m in re.finditer(rf"[^{sep}]+[{sep}]*", rest):
        a, b = begin + m.start(), begin + m.end()
        if rules["list_closing"].match(line[a:]):  # "；等等。我们将…"
            break
        if len(line[a:b].strip("。；; ")) >= 6:
            items.append((a, b))
    return items if len(items) >= 2 else []


def _find_org(title: str, body: str) -> str:
    """The issuing body: named in the title, else the body the text speaks as (我x公安局, 市局…), else 县/市."""
    head = title + "\n" + body[:800]
    named = [m.group(0) for m in ORG_PATTERN.finditer(head)]
    first_person = re.search(r"我(?:[x*×]{1,3}|[县市区局])([\u4e00-\u9fff]{0,6}?(?:局|委|院|办))?", head)
    if first_person and first_person.group(1):
        return first_person.group(0)[1:]
    if "调研组" in head and "人大" in head:
        return "市人大常委会调研组" if "市人大" in head else "人大常委会调研组"
    counts = Counter({body_name: body.count(word) for word, body_name in ORG_KEYWORDS})
    word_name, n = counts.most_common(1)[0]
    place = re.search(r"(某|\*\*|x)?[县市区](?=常态化|扫黑|委|政府|局)", title) or re.search(r"我([县市区])", head)
    if n >= 5 and re.search(r"[市县区]局", head):  # a body speaking of itself as 市局/县局
        return re.search(r"([市县区])局", head).group(1) + word_name
    if named:
        return Counter(named).most_common(1)[0][0]
    if place:
        return place.group(0).lstrip("我")
    return ""


@cache
def unit_rules() -> dict:
    """ingest/rules/report_units.toml, read once and compiled: levels, provinces, unit patterns, report kinds."""
    with open(RULES_DIR / "report_units.toml", "rb") as f:
        data = tomllib.load(f)
    unit = data["unit"]
    suffixes = sorted(data["levels"], key=len, reverse=True)
    fill = {"place": unit["place"], "suffix": "|".join(map(re.escape, suffixes))}
    return {
        "levels": data["levels"], "provinces": data["provinces"], "municipalities": set(unit["municipalities"]),
        "suffix": re.compile(rf"^(?:(?P<mask>[某{re.escape(MASK_CHARS)}]{{1,3}})|(?P<place>{unit['place']}))?"
                             rf"(?P<suffix>{fill['suffix']})(?!{unit['not_suffix_after']})"),
        "government_title": re.compile(unit["government_title"].format(**fill)),
        "speaker": re.compile(unit["speaker"].format(**fill)),
        "signature": re.compile(unit["signature"].format(**fill)),
        "not_in_place": re.compile(unit["not_in_place"]),
        "not_suffix_after": re.compile(unit["not_suffix_after"]),
        "place_with_suffix": re.compile(rf"(?P<place>[\u4e00-\u9fff]{{2,3}})(?P<suffix>{fill['suffix']})"
                                        rf"(?!{unit['not_suffix_after']})"),
        "kinds": [(k["kind"], re.compile(k["title"]), re.compile(k["said"]) if k.get("said") else None)
                  for k in data["kind"]],
    }


@dataclass
class Place:
    """A place as a report names it: its name without suffix (河北), its suffix (省) and their level (省)."""

    name: str
    suffix: str

    @property
    def full(self) -> str:
        return self.name + self.suffix

    @property
    def level(self) -> str:
        rules = unit_rules()
        if self.name in rules["municipalities"] and self.suffix == "市":
            return "省"
        return rules["levels"].get(self.suffix, "")


def _place(raw: str, suffix: str) -> Place | None:
    """Normalise what a pattern caught before a suffix: a province's full name gives its short name (内蒙古自治区 →
    内蒙古); otherwise words of the sentence before the name are cut off ("2026年河北" → 河北, "全市" → nothing)."""
    rules = unit_rules()
    for full, short in rules["provinces"].items():
        if (raw + suffix).endswith(full) or (raw.endswith(short) and full == short + suffix):
            return Place(short, full[len(short):])
    if raw.endswith("自治"):  # "自治区人民政府主席": the suffix without its place
        return None
    cut = raw
    while cut and (rules["not_in_place"].match(cut[0]) or re.match(r"[\d年月日届次]", cut[0])):
        cut = cut[1:]
    for stop in rules["not_in_place"].finditer(cut):  # "在延安" → 延安: keep what follows the last stop character
        cut = cut[stop.end():]
    return Place(cut, suffix) if len(cut) >= 2 else None


def _named_place(pattern: re.Pattern, text: str) -> Place | None:
    for m in pattern.finditer(text):
        if m.group("place"):
            found = _place(m.group("place"), m.group("suffix"))
            if found:
                return found
    return None


def _is_place_name(stem: str, suffix: str) -> bool:
    """jieba's tagger says the stem names a place (延安市 ns; 吴起 nr), not a word of the sentence (按照市, 落实市)."""
    quiet_jieba()
    import jieba.posseg

    words = jieba.posseg.lcut(stem + suffix)
    return bool(words) and words[0].word in (stem, stem + suffix) and words[0].flag in ("ns", "nr", "nrt", "nz")


def _place_in_text(body: str, suffix: str) -> Place | None:
    """The place a body of ``suffix`` level governs, read from the text: the stem written with that suffix where a
    name starts ("《延安市开展…方案》", "在延安市") and most often in all ("延安是…", "延安日报"); at least twice."""
    rules = unit_rules()
    counts: Counter = Counter()
    for m in rules["place_with_suffix"].finditer(body):
        before = body[m.start() - 1:m.start()] if m.start() else ""
        if m.group("suffix") != suffix or re.match(r"[\u4e00-\u9fff]", before) and before not in "在到于赴":
            continue
        for stem in {m.group("place")[-2:], m.group("place")}:
            if not rules["not_in_place"].search(stem) and _is_place_name(stem, suffix):
                counts[stem] = body.count(stem)
    best = [(n, stem) for stem, n in counts.items() if n >= 2]
    return _place(max(best)[1], suffix) if best else None


def find_kind(title: str, body: str, inferred: bool = False) -> str:
    """The report's genre from its title (first matching kind of the rules), else from the formula that opens it."""
    rules = unit_rules()
    if not inferred:
        for kind, pattern, _ in rules["kinds"]:
            if pattern.search(title):
                return kind
    for kind, _, said in rules["kinds"]:
        if said and said.search(body[:1500]):
            return kind
    return ""


def find_unit(title: str, body: str) -> tuple[str, str, str]:
    """(org, place, level) of a report: a government named in the title ("2026年河北省政府工作报告"), the speaker's
    formula ("我代表省人民政府") with the place of the signature or session line ("广东省省长 孟凡利"), else the body
    the report speaks as (_find_org: 某县, x公安局, 市人大常委会调研组) with its level and, where the text names it,
    its place.  Never a bare 市/区: a body known only by its level is "" unless its place is known."""
    rules = unit_rules()
    head, tail = body[:2500], body[-1500:]
    government = _named_place(rules["government_title"], title)
    speaker = rules["speaker"].search(head) or rules["speaker"].search(tail)
    if government is None and speaker:
        raw, suffix = speaker.group("place") or "", speaker.group("suffix")
        if raw + suffix in rules["levels"]:  # "我代表自治区人民政府": 自治区 is the suffix, no place
            raw, suffix = "", raw + suffix
        said = _place(raw, suffix) if raw else None
        signed = _named_place(rules["signature"], title + "\n" + head) or _named_place(rules["signature"], tail)
        if said is None and signed and rules["levels"].get(signed.suffix) == rules["levels"].get(suffix):
            said = signed
        if said is None and rules["levels"].get(suffix) == "省":
            said = _province_in_text(body)
        government = said or _place_in_text(body, suffix)
        if government is None:
            return f"{suffix}人民政府", "", rules["levels"].get(suffix, "")
    if government is not None:
        return f"{government.full}人民政府", government.name, government.level
    org = _find_org(title, body)
    m = rules["suffix"].match(org)
    if not m:
        return org, "", ""
    level = rules["levels"].get(m.group("suffix"), "")
    if m.group("place"):
        named = _place(m.group("place"), m.group("suffix"))
        if named:
            return org, named.name, named.level
    if m.group("mask"):
        return org, "", level
    # 市人大常委会调研组, 县: the place is in the title ("吴起县常态化…汇报") or the text ("《延安市…方案》")
    titled = _title_place(title)
    named = titled if titled and titled.suffix == m.group("suffix") else _place_in_text(body, m.group("suffix"))
    if named and titled is named:
        org = named.name + org
    if org == m.group("suffix"):  # a bare 市 / 县: only with the place that makes it a name
        return (named.full if named else ""), (named.name if named else ""), level
    return org, (named.name if named else ""), (named.level if named else level)


def _title_place(title: str) -> Place | None:
    """A place that opens the title ("2025年吴起县…", "延安市公安局…"), when the tagger knows it as a place."""
    m = unit_rules()["suffix"].match(re.sub(r"^(?:关于)?(?:20\d{2}年(?:度)?)?", "", title))
    if m and m.group("place"):
        named = _place(m.group("place"), m.group("suffix"))
        if named and (named.name in unit_rules()["provinces"].values() or _is_place_name(named.name, named.suffix)):
            return named
    return None


def _province_in_text(body: str) -> Place | None:
    """The provincial-level unit a text names most often by its full name (内蒙古自治区, 广东省)."""
    counts = Counter({full: body.count(full) for full in unit_rules()["provinces"]})
    full, n = counts.most_common(1)[0]
    if not n:
        return None
    short = unit_rules()["provinces"][full]
    return Place(short, full[len(short):])


def _find_year(title: str, body: str) -> int | None:
    m = re.search(r"(20\d{2})\s*年", title) or re.search(r"(20\d{2})\s*年", body[:1500])
    return int(m.group(1)) if m else None


def _units_of_paragraph(start: int, line: str, index: int, base: tuple[str, ...], levels: tuple[int, ...],
                        frame: Frame = Frame(), fallback: str = "other", force: str | None = None) -> list[Unit]:
    """Cut a paragraph at its enumerations (一是…二是…), at the sentences that turn it ("同时，我们也清醒认识到…")
    and at the problems such a turn lists ("主要是：A；B；C"); each item extends the heading path by its lead.

    A unit is typed by its turn when one precedes it in the paragraph, else by its path; ``force`` types them all.
    """
    base_type = force or section_type_of(base, levels, frame, fallback)
    enum_marks = [m.start(1) for m in ENUM.finditer(line)]
    turns, current = [], base_type
    opening = None if force else section_rules()["opening"].match(line)
    when = time_of(opening.group(0), frame) if opening else None
    if (when, base_type) in (("past", "plans"), ("future", "progress"), ("future", "overview")):
        turns.append((0, "progress" if when == "past" else "plans"))
        current = turns[0][1]
    for pos, name in ([] if force else turns_in(line)):
        if name != current:
            turns.append((pos, name))
            current = name
    items: list[tuple[int, int]] = []
    for i, (pos, name) in enumerate(turns):
        stop = turns[i + 1][0] if i + 1 < len(turns) else len(line)
        if name == "problems" and not any(pos <= m < stop for m in enum_marks):
            items += list_items(line[:stop], pos)
    item_starts = {a for a, _ in items}
    cuts = sorted({0, len(line)} | set(enum_marks) | {p for p, _ in turns} | item_starts
                  | {b for _, b in items})
    units = []
    for a, b in zip(cuts, cuts[1:]):
        if not line[a:b].strip():
            continue
        turned = next((name for pos, name in reversed(turns) if pos <= a), None)
        if a in enum_marks or a in item_starts:
            lead = lead_of(line[a:b]) if a in enum_marks else list_lead(line[a:b])
            path = base + (lead,)
            kind = force or turned or section_type_of(path, levels + (9,), frame, fallback)
            units.append(Unit(start + a, start + b, path, kind, index,
                              lead=re.sub(rf"^[{CN_NUM}]+是|^第[{CN_NUM}]+[，、,]", "", lead)))
        else:
            units.append(Unit(start + a, start + b, base, force or turned or base_type, index))
    return units


def parse_report(index: int, lines: list[tuple[int, int, str]]) -> Report:
    """Walk one report's lines, keeping a stack of open headings.

    Besides the ladder: an appendix (附件1 and the line that names it) roots its own headings; before the first
    numbered heading a short line of the genre's heading words ("“十四五”时期发展成就和2025年工作回顾") opens a
    section; a top section without words or time of its own after the plans continues them ("四、深入推进政府治理
    创新"); closing formulas ("各位代表！……让我们……") and the page's leftovers after the last one are other.
    """
    title, inferred = "", False
    body_lines = list(lines)
    at = _title_at(body_lines)
    if at is not None:
        title = body_lines[at][2]
        body_lines = body_lines[at + 1:]
    body = "\n".join(line for _, _, line in body_lines)
    org, place, level = find_unit(title, body)
    if not title:
        topic = re.search(r"(常态化)?扫黑除恶(专项斗争)?", body)
        title, inferred = f"{org or '未署名单位'}{topic.group(0) if topic else ''}工作报告", True
    report = Report(index, title, org, _find_year(title, body), lines[0][0], lines[-1][1], inferred,
                    place=place, level=level, kind=find_kind(title, body, inferred))
    rules = section_rules()
    frame = Frame(report.year, report.kind in rules["forward_kinds"])
    closings = [i for i, (_, _, line) in enumerate(body_lines) if rules["closing"].match(line)]
    end_matter = closings[-1] if closings and not any(
        heading_level(line) for _, _, line in body_lines[closings[-1]:]) else None
    stack: list[tuple[int, str]] = []
    numbered = appendix_named = reviewed = False
    planning = report.kind in rules["plan_kinds"]  # a 工作要点 is plans from end to end
    fallback = "plans" if planning else "other"
    for paragraph, (start, _, line) in enumerate(body_lines):
        if APPENDIX.match(line):
            stack, appendix_named, end_matter = [(0, line)], True, None
            frame, fallback = replace(frame, after_plans=False), "plans" if planning else "other"
            continue
        if appendix_named:
            appendix_named = False
            if len(line) <= 40 and heading_level(line) is None and not re.search(r"[。；，,！？]", line):
                stack.append((0, line))
                continue
        level = heading_level(line)
        if (level is None and not numbered and len(line) <= 30 and not re.search(r"[。；，,：:！？]", line)
                and heading_type(line, frame)):
            stack = [(1, line)]
            own = section_type_of((line,), (1,), frame)
            reviewed = reviewed or own == "progress"
            if own == "plans":
                frame = replace(frame, after_plans=True)
            continue
        if level:
            numbered = True
            stack = [h for h in stack if h[0] < level[0]]
            head = lead_of(line, limit=40)
            stack.append((level[0], head))
            if level[0] == 1:
                # after the plans began, or after the review of a forward-looking report (a 政府工作报告 looks
                # ahead once it has looked back), a top section without words or time of its own is plans
                fallback = "plans" if frame.after_plans or (frame.forward and reviewed) or planning else "other"
                own = section_type_of(tuple(h[1] for h in stack), tuple(h[0] for h in stack), frame, fallback)
                reviewed = reviewed or own == "progress"
                if own == "plans":
                    frame = replace(frame, after_plans=True)
            # A heading alone on its line only opens a section; a heading that starts a paragraph
            # ("(二)宣传发动不够深入。通过…") opens it and its text belongs to it.
            if len(head) >= len(line.rstrip("。")) - 1:
                continue
        base = tuple(h[1] for h in stack)
        levels = tuple(h[0] for h in stack)
        if _is_salutation(line):
            continue
        force = "other" if paragraph in closings or (end_matter is not None and paragraph > end_matter) else None
        units = _units_of_paragraph(start, line, paragraph, base, levels, frame, fallback, force)
        if level:  # the item led by an inline heading carries that heading as its lead
            first = units[0]
            if len(units) > 1 and len(line[:first.end - start].rstrip("。 ")) <= len(base[-1]):
                units.pop(0)  # "（一）进一步提升思想认识。一是…": the heading sentence alone is only the path
            else:
                first.lead = re.sub(rf"^[（(]?[{CN_NUM}\d]+[）)、.．]", "", base[-1])
        report.units.extend(units)
    return report


def parse_document(text: str) -> list[Report]:
    """All reports in a cleaned document text, in order."""
    return [parse_report(i, group) for i, group in enumerate(split_reports(text))]
