"""审校: check an official's own draft against the library and the genre's rules, without the LLM.

Officials mostly start from a draft — their own, a colleague's, last year's report with the numbers changed — and
fear a wrong figure, an "xx" left in, out-of-date wording, a broken heading ladder or a paragraph visibly copied
from another unit.  Each check here points at a rule or at a passage of the library, never at a guess:

* **placeholder** — masked figures and blanks left in (``**条``, ``xx起``, ``X人次``, ``【待补充】``): errors.
* **figure** — every figure is looked up in the user's facts and in the library.  One that differs from the same
  figure (same measure word, same words around it) in a passage of the same unit's earlier report is flagged
  with that passage; one found nowhere is "not verifiable", a suggestion to check it, never an error.
* **expression** — out-of-date official wording, from the rules kept as data (``rules/expressions.toml`` plus the
  user's file), each with its source and the period it applies to.
* **structure** — the 一、（一）1.（1） ladder with skipped or repeated numbers, 一是…二是… out of order, a part the
  report's kind needs (a 工作汇报 without 存在的问题).
* **copied** / **foreign_name** — a passage of ≥ 40 characters found verbatim or nearly in another unit's report,
  and the places and people another unit's reports name.
* **missing_theme** — for each typed part, what several reports of the library raise and the draft does not:
  suggestions only.

Precision matters more than recall: a reviewer that cries wolf is switched off.  Spans are offsets into the draft's
plain text (``Review.text``); the JSON contract is made only at the edge (:meth:`Review.to_dict`).
"""
from __future__ import annotations

import re
import time
import tomllib
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from ingest.clean import clean_text
from ingest.sections import ARC, Section
from ingest.structure import ENUM, _cn_value, heading_level, lead_of, parse_document, section_type_of
from ingest.text.figures import BLANK, MASK, MASK_CHARS, halfwidth
from ingest.text.numerals import CN_NUM, cn_numeral
from ingest.text.sentences import sentence_spans

from .guards import _BOLD  # the Markdown-emphasis pattern the answer guard already uses
from .guards import char_bigrams, extract_figures, same_kind
from .names import family_of
from .places import report_places, report_texts
from .settings import ReviewSettings, ThemesSettings

if TYPE_CHECKING:
    from .themes import Theme

Kind = Literal["figure", "placeholder", "expression", "structure", "copied", "foreign_name", "missing_theme"]
Severity = Literal["error", "warning", "suggestion"]
RULES_FILE = Path(__file__).with_name("rules") / "expressions.toml"
# The format of the themes kept beside the index (review-themes-<section>.json): 2 holds every field of each point;
# a file of another format is built again.
THEMES_FILE_FORMAT = 2
# Blanks a writer leaves for later: 【待补充】, [待定], 〔未核实〕 (what the drafting and answering guards write).
TODO_MARK = re.compile(r"[【\[〔［](?:[^】\]〕］\n]{0,12}?(?:待补充|待填写|待核实|待定|待确认|未核实|补充))[^】\]〕］\n]{0,12}[】\]〕］]")
# Line prefixes that are typesetting, not text: indentation, Markdown quotes and headings, a BOM.
_PREFIX = re.compile(r"^[\s>#\u3000\ufeff]*")
# Words that say a report reviews its problems even without a heading for them (the family's "同时…清醒看到…").
_PROBLEMS_SAID = re.compile(r"(?:存在|还有|仍有|仍然存在|面临)[^。；\n]{0,12}(?:问题|不足|困难|短板|差距|薄弱环节)|清醒(?:地)?(?:认识|看到)")
# Report kinds (typed by ingest.structure from ingest/rules/report_units.toml) whose arc runs from what was done
# through the problems to the next steps; a title of one of them when the structure left the kind open.
FULL_ARC = ("工作汇报", "工作报告", "工作总结", "调研报告", "自查报告", "述职报告")
_REPORT_KINDS = re.compile(r"汇报|工作报告|情况报告|工作总结|调研报告|自查报告|述职报告")
_NOT_CHECKED_MEASURES = set("年月日天")


@dataclass(frozen=True)
class Evidence:
    report_title: str
    section_path: str
    text: str


@dataclass
class Finding:
    kind: Kind
    severity: Severity
    start: int
    end: int
    text: str
    message: str
    evidence: list[Evidence] = field(default_factory=list)
    suggestion: str = ""


@dataclass
class Review:
    text: str
    findings: list[Finding]
    unit: str = ""
    year: int | None = None
    title: str = ""
    timings: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The JSON contract of ``review --json`` and the app."""
        return {"findings": [{"kind": f.kind, "severity": f.severity, "text": f.text, "start": f.start, "end": f.end,
                              "message": f.message, "evidence": [asdict(e) for e in f.evidence],
                              "suggestion": f.suggestion} for f in self.findings],
                "text": self.text, "unit": self.unit, "year": self.year, "title": self.title,
                "timings": self.timings}

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "suggestion": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out


@dataclass(frozen=True)
class ExpressionRule:
    pattern: str
    replacement: str
    message: str
    source: str
    from_year: int | None = None
    until_year: int | None = None
    group: str = ""  # rules of one group (the campaign's old names) warn once per draft; later hits are suggestions

    def applies(self, year: int | None) -> bool:
        if self.from_year is None and self.until_year is None:
            return True
        if year is None:
            return False
        return (self.from_year is None or year >= self.from_year) and \
            (self.until_year is None or year <= self.until_year)


def load_rules(extra: str | Path | None = None) -> list[ExpressionRule]:
    """The shipped expression rules, then the user's (same TOML format); a bad file is a clear error."""
    rules = []
    for path in [RULES_FILE] + ([Path(extra)] if extra else []):
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise FileNotFoundError(f"表述规则文件不存在：{path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"表述规则文件格式错误（{path}）：{exc}") from None
        for i, raw in enumerate(data.get("rule", [])):
            try:
                rule = ExpressionRule(raw["pattern"], raw["replacement"], raw.get("message", ""), raw["source"],
                                      raw.get("from_year"), raw.get("until_year"), raw.get("group", ""))
                re.compile(rule.pattern)
            except (KeyError, TypeError, re.error) as exc:
                raise ValueError(f"表述规则第{i + 1}条无效（{path}）：需要 pattern、replacement、source（{exc}）") from None
            rules.append(rule)
    return rules


@dataclass
class ReviewConfig:
    """The reviewer's own tuning; what users set (copy length, draft limit, their rules) is ``ReviewSettings``."""

    near_gap: int = 3  # a near copy: verbatim pieces separated by at most this many changed characters …
    near_share: float = 0.8  # … that together make up this share of the passage
    candidates: int = 6  # library chunks compared with each paragraph (BM25)
    same_thing: float = 0.5  # bigram overlap of a draft sentence and a library sentence about the same thing
    context: int = 4  # characters on either side of a figure that must agree for "the same figure"
    themes: int = 3  # missing themes suggested per part at most
    theme_reports: int = 2  # a theme counts as recurring when this many reports raise it


# --------------------------------------------------------------------------------------------- the draft's text

@dataclass
class Line:
    start: int  # offset of the first character after the line's typesetting prefix
    end: int
    text: str


def lines_of(text: str) -> list[Line]:
    """The non-empty lines of ``text`` with their prefixes (indentation, ``>``, ``#``) left out of the span."""
    out, pos = [], 0
    for raw in text.split("\n"):
        prefix = len(_PREFIX.match(raw).group(0))
        body = raw[prefix:].rstrip()
        if body:
            out.append(Line(pos + prefix, pos + prefix + len(body), body))
        pos += len(raw) + 1
    return out


def sentences_of(line: Line) -> list[Line]:
    return [Line(line.start + a, line.start + b, line.text[a:b]) for a, b in sentence_spans(line.text, lines=True)
            if line.text[a:b].strip()]


def load_draft(path: str | Path) -> str:
    """The plain text of a .docx (one line per paragraph: the offsets :mod:`review_docx` maps back), .txt or .md."""
    from ingest.loaders import decode_text

    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise FileNotFoundError(f"文件不存在：{path}")
    if suffix == ".docx":
        import docx

        try:
            return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
        except Exception as exc:  # a corrupt or encrypted file: say so, never a traceback
            raise ValueError(f"无法读取 Word 文件（{type(exc).__name__}）") from None
    if suffix in (".txt", ".md"):
        from ingest.loaders import LoadError

        try:
            return decode_text(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
        except LoadError as exc:
            raise ValueError(str(exc)) from None
    raise ValueError(f"不支持的文件类型 {suffix or '(无扩展名)'}：审校支持 .docx .txt .md")


def year_of(text: str, title_year: int | None) -> int | None:
    """The year a draft speaks from: its signature date, its title's year, else the latest year it names (a text
    naming 2023 was written in 2023 or later, which is what a rule "from 2022" needs)."""
    signature = re.findall(r"(?m)^\s*(20\d{2})\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*$", text)
    if signature:
        return int(signature[-1])
    if title_year:
        return title_year
    years = [int(y) for y in re.findall(r"(20\d{2})\s*年", text)]
    return max(years) if years else None


# --------------------------------------------------------------------------------------------- the reviewer

class Reviewer:
    """Reviews drafts against one library (its index; keyword search only, no embedding per draft) and rules.

    The library's reports, their places and the themes are read once per library state and kept."""

    def __init__(self, index, rules: list[ExpressionRule] | None = None, settings: ReviewSettings | None = None,
                 themes=None, *, config: ReviewConfig | None = None,
                 themes_settings: ThemesSettings | None = None):
        self.index = index
        self.themes = themes  # section → its Theme tuple, e.g. the drafting chain's (shared); None: built here
        self.rules = rules if rules is not None else load_rules()
        self.settings = settings or ReviewSettings()  # copy_min, max_chars (the ``review`` settings section)
        self.config = config or ReviewConfig()
        self.themes_settings = themes_settings  # the ``themes`` settings section, for themes built here
        self._cache: dict = {}
        self._memo: dict = {}

    def _cached(self, key, build):
        self.index.refresh()
        state = tuple(sorted(self.index.documents))
        if self._cache.get(key, (None,))[0] != state:
            self._cache[key] = (state, build())
        return self._cache[key][1]

    def warm(self) -> None:
        """Read the library's reports and build its themes now, so the first review does not wait for them."""
        self._reports()
        for section in ("problems", "plans", "progress"):
            self._themes(section)

    # --- the library ------------------------------------------------------------------------------------------
    def _reports(self) -> dict[tuple[str, str], dict]:
        """Every report of the library: (doc_id, title) → its org, year, text (chunks in order) and places."""
        def build():
            reports: dict[tuple[str, str], dict] = {}
            rows = self.index.chunks()
            for _, text, meta in sorted(rows, key=lambda x: (x[2].get("doc_id", ""), x[2].get("start", 0))):
                key = (meta["doc_id"], meta.get("report_title", ""))
                rec = reports.setdefault(key, {"title": key[1], "org": meta.get("org", ""),
                                               "year": meta.get("year") or None, "texts": []})
                rec["texts"].append(text)
            places = report_places(self.index, report_texts(rows))  # computed once per document, then kept
            for key, rec in reports.items():
                rec["places"] = places[key]
            return reports

        return self._cached(("reports",), build)

    def _themes(self, section: str) -> tuple[Theme, ...]:
        if self.themes is not None:
            return self.themes(section)
        return self._cached(("themes", section), lambda: self._stored_themes(section))

    def _stored_themes(self, section: str) -> tuple[Theme, ...]:
        """Themes kept beside the index (``review-themes-<section>.json``, tagged with the library's documents and
        the file's format): building them reads every point (seconds to minutes), which one CLI review must not pay
        each time."""
        import json
        import os

        from .themes import Theme, build_themes

        state = sorted(self.index.documents)
        path = Path(self.index.path) / f"review-themes-{section}.json"
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("documents") == state and stored.get("format") == THEMES_FILE_FORMAT:
                return tuple(Theme.from_stored(t) for t in stored["themes"])
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            pass  # none yet, unreadable, or of an older format: build again
        themes = build_themes(self.index, section, settings=self.themes_settings).themes
        record = {"format": THEMES_FILE_FORMAT, "documents": state, "themes": [t.stored() for t in themes]}
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
        except OSError:
            tmp.unlink(missing_ok=True)  # a read-only index still gets its review
        return themes

    @staticmethod
    def same_unit(unit: str, org: str, title: str = "") -> bool:
        """Whether a library report is the writing unit's own: the same name, or the same kind of body at the same
        level (某县公安局 and x县公安局: masked copies name no place)."""
        from .draft.text import unit_level

        unit, org = unit.strip(), org.strip()
        if not unit or not org:
            return False
        if unit == org or (len(org) >= 3 and (org in unit or unit in org) and family_of(unit) == family_of(org)):
            return True  # 某县公安局 / 县公安局; but 某县 is not 某县市场监管局
        strip = lambda s: re.sub(rf"^(?:某|[{re.escape(MASK_CHARS)}]{{1,3}})", "", s)  # noqa: E731
        if strip(unit) == strip(org):
            return True
        return (family_of(unit) is not None and family_of(unit) == family_of(f"{org}{title}")
                and unit_level(unit) == unit_level(org))

    def _hits(self, text: str, k: int) -> list:
        """BM25 hits for ``text`` (keyword search only: no embedding per draft), remembered during one review (the
        figure and copy checks ask about the same sentences)."""
        key = (text, k)
        if key not in self._memo:
            self._memo[key] = self.index.search(text, k, mode="keyword") if text.strip() else []
        return self._memo[key]

    # --- the review -----------------------------------------------------------------------------------------
    def review(self, text: str, unit: str = "", facts: list[str] = (), year: int | None = None) -> Review:
        t0 = time.perf_counter()
        if not text.strip():
            raise ValueError("稿件为空：请上传 .docx/.txt/.md 文件或粘贴文字")
        if len(text) > self.settings.max_chars:
            raise ValueError(f"稿件过长（{len(text)}字）：审校一次最多{self.settings.max_chars}字"
                             "（HUIBAO_REVIEW__MAX_CHARS），请分部分审校")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        parsed = parse_document(clean_text(text))
        head = parsed[0] if parsed else None
        unit = unit.strip() or (head.org if head else "")
        year = year or year_of(text, head.year if head else None)
        lines = lines_of(text)
        facts = [f for f in facts if f.strip()]
        findings: list[Finding] = []
        timings = {}
        self._memo = {}  # one review at a time per reviewer (the app queues reviews)
        for name, check in (("placeholder", lambda: self.check_placeholders(lines)),
                            ("expression", lambda: self.check_expressions(lines, year)),
                            ("structure", lambda: self.check_structure(lines, head.title if head else "",
                                                                       getattr(head, "kind", "") or "")),
                            ("figure", lambda: self.check_figures(lines, unit, facts)),
                            ("copied", lambda: self.check_copies(lines, unit, facts)),
                            ("missing_theme", lambda: self.check_themes(lines))):
            t = time.perf_counter()
            findings += check()
            timings[f"{name}_ms"] = round((time.perf_counter() - t) * 1000, 1)
        findings = _without_overlaps(findings)
        timings["total_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        return Review(text, findings, unit, year, head.title if head else "", timings)

    # --- placeholders ---------------------------------------------------------------------------------------
    def check_placeholders(self, lines: list[Line]) -> list[Finding]:
        """Masks (``**``, ``xx``: ingest's pattern) and blanks (``X人次``: the drafting guard's; ``【待补充】``)."""
        out = []
        for line in lines:
            # Markdown emphasis (**加强组织领导**) in a .md draft is no mask: its two ** are left out
            bold = {i for m in _BOLD.finditer(line.text) for i in (m.start(), m.start() + len(m.group(0)) - 2)}
            spans = [(m.start(), m.end()) for p in (TODO_MARK, BLANK, MASK) for m in p.finditer(line.text)
                     if not (p is MASK and m.start() in bold and m.group(0) == "**")]
            for s, e in _merged(spans):
                while e < len(line.text) and MASK.match(line.text, e):  # xx月xx日 is one blank
                    e = MASK.match(line.text, e).end()
                surface = line.text[s:e]
                out.append(Finding("placeholder", "error", line.start + s, line.start + e, surface,
                                   f"稿件中留有未填写的占位符“{surface}”", [],
                                   "填入核实后的数字或名称；确实不宜公开的，按保密要求另行处理"))
        return out

    # --- expressions ----------------------------------------------------------------------------------------
    def check_expressions(self, lines: list[Line], year: int | None) -> list[Finding]:
        """Each hit of a rule that applies to the draft's year (an earlier rule wins where two overlap).  The first
        hit of a rule, or of its group, is a warning; the later ones are suggestions saying the same, so a text that
        names the old campaign twenty times gets one warning, not twenty."""
        hits: list[tuple[int, int, str, ExpressionRule]] = []
        for rule in (r for r in self.rules if r.applies(year)):
            pattern = re.compile(rule.pattern)
            for line in lines:
                for m in pattern.finditer(line.text):
                    start, end = line.start + m.start(), line.start + m.end()
                    if not any(s < end and start < e for s, e, _, _ in hits):
                        hits.append((start, end, m.group(0), rule))
        hits.sort(key=lambda h: h[0])
        keys = [rule.group or rule.pattern for _, _, _, rule in hits]
        out = []
        for i, (start, end, surface, rule) in enumerate(hits):
            period = (f"{rule.from_year}年起" if rule.from_year else "") + \
                     (f"至{rule.until_year}年" if rule.until_year else "")
            total = keys.count(keys[i])
            out.append(Finding("expression", "warning" if keys.index(keys[i]) == i else "suggestion", start, end,
                               surface, f"{rule.message}（本文年份：{year}；规则适用：{period or '任何时间'}"
                               + (f"；全文同类表述共{total}处" if total > 1 else "") + "）",
                               [Evidence("表述规则", rule.source, f"{rule.pattern} → {rule.replacement}")],
                               f"改为“{rule.replacement}”"))
        return out

    # --- structure ------------------------------------------------------------------------------------------
    def check_structure(self, lines: list[Line], title: str, kind: str = "") -> list[Finding]:
        out: list[Finding] = []
        last: dict[int, int] = {}  # the last numeral seen at each ladder level under the current parent
        enum_last: int = 0
        sections: list[tuple[str, Line]] = []  # (type, heading line) of the level-1 parts
        for line in lines:
            level = heading_level(line.text)
            if level:
                depth, numeral = level
                value = _cn_value(numeral)
                previous = last.get(depth, 0)
                marker = re.match(rf"^[（(]?[\d{CN_NUM}]+[）)、.．]", line.text).group(0)
                span = (line.start, line.start + len(marker))
                expected = _numeral_like(numeral, previous + 1)
                if value == previous:
                    out.append(Finding("structure", "error", *span, marker, f"标题序号重复：前一个同级标题已是“{marker}”",
                                       [], f"改为“{marker.replace(numeral, expected)}”并顺延其后的序号"))
                elif value > previous + 1:
                    out.append(Finding("structure", "error", *span, marker,
                                       f"标题序号跳号：上一个同级序号是{previous or '（无）'}，此处应为“{expected}”",
                                       [], f"改为“{marker.replace(numeral, expected)}”并顺延其后的序号"))
                elif value < previous and value == 1 and depth == 1:
                    out.append(Finding("structure", "warning", *span, marker,
                                       "一级标题序号重新从“一、”开始：同一份报告的一级标题应连续编号", [],
                                       "如果这是另一份报告，请分开审校；否则顺延编号"))
                last = {d: v for d, v in last.items() if d < depth}
                last[depth] = value
                enum_last = 0
                if depth == 1:
                    sections.append((section_type_of((lead_of(line.text, 40),), (1,)), line))
            for m in ENUM.finditer(line.text):
                word = m.group(1)
                if not word.endswith("是"):
                    continue
                value = _cn_value(word[:-1]) if word[:-1] and all(c in CN_NUM for c in word[:-1]) else None
                if value is None:
                    continue
                if value != 1 and value != enum_last + 1:
                    start = line.start + m.start(1)
                    want = f"{_numeral_like('一', enum_last + 1)}是"
                    out.append(Finding("structure", "error", start, start + len(word), word,
                                       f"“一是、二是……”顺序不对：前一项是“{_numeral_like('一', enum_last)}是”，此处是“{word}”",
                                       [], f"改为“{want}”并顺延其后各项"))
                enum_last = value
        out += self._missing_parts(lines, title, sections, kind)
        return out

    def _missing_parts(self, lines: list[Line], title: str, sections: list[tuple[str, Line]], kind: str = ""
                       ) -> list[Finding]:
        """A report of the 汇报/总结/调研 family reviews its problems and says what comes next; progress is what it
        reports.  A part counts as present when a level-1 heading names it, or (for problems, which the family
        often writes as a paragraph) when a sentence says there are problems."""
        if len(sections) < 2 or (kind not in FULL_ARC if kind else
                                 not _REPORT_KINDS.search(title or (lines[0].text if lines else ""))):
            return []
        present = {t for t, _ in sections}
        text = "\n".join(line.text for line in lines)
        if "overview" in present:
            present.add("progress")
        if "problems" not in present and _PROBLEMS_SAID.search(text):
            present.add("problems")
        out = []
        order = ARC
        for i, part in enumerate(order):
            if part in present:
                continue
            later = [line for t, line in sections if t in order[i + 1:]]
            anchor = later[0] if later else sections[-1][1]
            head = re.match(r"^[^。：:\n]{1,40}", anchor.text).group(0)
            out.append(Finding("structure", "warning", anchor.start, anchor.start + len(head), head,
                               f"缺少“{Section(part).heading}”部分：{kind or _kind_of(title)}一般包括工作进展及成效、"
                               "存在的问题、下步工作打算",
                               [], f"在此前补写“{Section(part).heading}”一节"))
        return out

    # --- figures --------------------------------------------------------------------------------------------
    def check_figures(self, lines: list[Line], unit: str, facts: list[str]) -> list[Finding]:
        reports = self._reports()
        own = {r["title"] for r in reports.values() if self.same_unit(unit, r["org"], r["title"])}
        fact_figures = extract_figures("\n".join(facts))
        out = []
        for line in lines:
            if heading_level(line.text) and len(line.text) < 30:
                continue
            for sentence in sentences_of(line):
                figures = [(fig, s, e) for fig, s, e in _located(sentence.text)
                           if fig.value is not None and fig.measure not in _NOT_CHECKED_MEASURES
                           and not _is_date(sentence.text, s, e)]
                if not figures:
                    continue
                if all(_held(fig, fact_figures) for fig, _, _ in figures):
                    continue
                near = self._near_sentences(sentence.text)
                for fig, s, e in figures:
                    if _held(fig, fact_figures):
                        continue
                    out += self._judge_figure(fig, sentence, s, e, near, own)
        return out

    def _near_sentences(self, sentence: str) -> list[tuple[float, str, object]]:
        """Library sentences about the same thing as ``sentence``: (bigram overlap, sentence, hit)."""
        grams = char_bigrams(sentence)
        out = []
        for hit in self._hits(sentence, self.config.candidates):
            for other in (hit.text[a:b].rstrip("\n") for a, b in sentence_spans(hit.text, lines=True)):
                theirs = char_bigrams(other)
                if grams and theirs:
                    out.append((len(grams & theirs) / min(len(grams), len(theirs)), other, hit))
        return sorted(out, key=lambda x: -x[0])

    def _judge_figure(self, fig, sentence: Line, s: int, e: int, near, own: set[str]) -> list[Finding]:
        c = self.config
        left = _letters(sentence.text[:s])[-c.context:]
        right = _letters(sentence.text[e:])[:c.context]
        start, end = sentence.start + s, sentence.start + e
        surface = sentence.text[s:e]
        supported = False
        for overlap, other, hit in near:
            if overlap < c.same_thing * 0.7:
                break
            for theirs, s2, e2 in _located(other):
                if theirs.value is None or not same_kind(theirs.measure, fig.measure) or theirs.percent != fig.percent:
                    continue
                if abs(theirs.value - fig.value) < 1e-6:
                    supported = True
        if supported:
            return []
        for overlap, other, hit in near:
            if overlap < c.same_thing or hit.meta.get("report_title") not in own:
                continue
            for theirs, s2, e2 in _located(other):
                if theirs.value is None or theirs.percent != fig.percent or not theirs.measure \
                        or not same_kind(theirs.measure, fig.measure) or abs(theirs.value - fig.value) < 1e-6:
                    continue
                same_left = len(left) >= 2 and _letters(other[:s2])[-len(left):] == left
                same_right = len(right) >= 2 and _letters(other[e2:])[:len(right)] == right
                if same_left and same_right or (same_left or same_right) and overlap >= 0.8:
                    return [Finding("figure", "warning", start, end, surface,
                                    f"与本单位此前报告中的同一数字不一致：那里写的是“{other[s2:e2]}”",
                                    [_evidence(hit, other)],
                                    f"核对“{surface}”；如为新的统计口径或时段，请写明时间范围")]
        if not re.search(r"\d", surface) and fig.value < 10 and not fig.percent:
            return []  # 三项制度, 两个专项组: wording more than a statistic; nothing to look up
        return [Finding("figure", "suggestion", start, end, surface,
                        "未能核实：您提供的事实和资料库中都没有这个数字", [],
                        "请对照原始台账核实；可在“事实”中列出已核实的数字")]

    # --- copies and names ---------------------------------------------------------------------------------------
    def check_copies(self, lines: list[Line], unit: str, facts: list[str]) -> list[Finding]:
        c = self.config
        reports = self._reports()
        own_titles = {r["title"] for r in reports.values() if self.same_unit(unit, r["org"], r["title"])}
        out: list[Finding] = []
        for line in lines:
            if len(line.text) < self.settings.copy_min:
                continue
            best = None
            # the paragraph's own hits, and its sentences' (a copied passage is often a small part of a paragraph)
            hits = {h.chunk_id: h for h in self._hits(line.text, c.candidates)}
            for sentence in sentences_of(line):
                if len(sentence.text) >= 15:
                    hits.update((h.chunk_id, h) for h in self._hits(sentence.text, c.candidates))
            for hit in hits.values():
                if hit.meta.get("report_title") in own_titles:
                    continue
                for s, e, matched in _copied_regions(line.text, hit.text, self.settings.copy_min, c):
                    if best is None or e - s > best[1] - best[0]:
                        best = (s, e, matched, hit)
            if best:
                s, e, (s2, e2), hit = best
                verbatim = hit.text[s2:e2] == line.text[s:e]
                out.append(Finding("copied", "warning", line.start + s, line.start + e, line.text[s:e],
                                   f"这段{e - s}字与其他单位的报告{'完全相同' if verbatim else '几乎相同'}"
                                   f"（{hit.meta.get('org') or hit.meta.get('report_title')}）",
                                   [_evidence(hit, hit.text[s2:e2])], "结合本单位实际情况重写这段内容"))
        # places and people that only another unit's reports name
        own_text = "\n".join([unit, *facts])
        own_places = set().union(*(r["places"] for r in reports.values() if r["title"] in own_titles)) \
            if own_titles else set()
        foreign: dict[str, dict] = {}
        for rec in reports.values():
            if rec["title"] in own_titles:
                continue
            for place in rec["places"]:
                if place not in own_places and place not in own_text and place not in unit:
                    foreign.setdefault(place, rec)
        for line in lines:
            for place in sorted(foreign, key=len, reverse=True):
                for m in re.finditer(re.escape(place), line.text):
                    start, end = line.start + m.start(), line.start + m.end()
                    if any(f.kind == "foreign_name" and f.start <= start < f.end for f in out):
                        continue
                    rec = foreign[place]
                    passage = next((t for t in rec["texts"] if place in t), "")
                    i = passage.find(place)
                    out.append(Finding("foreign_name", "warning", start, end, place,
                                       f"“{place}”是其他单位报告中的地名或人名（{rec['org'] or rec['title']}），"
                                       "不应出现在本单位的材料中",
                                       [Evidence(rec["title"], "", passage[max(0, i - 30):i + 40])],
                                       "改为本单位的名称，或删去"))
        return out

    # --- themes ---------------------------------------------------------------------------------------------
    def check_themes(self, lines: list[Line]) -> list[Finding]:
        from .themes import _names

        out = []
        parts: list[tuple[str, Line, list[str]]] = []
        for line in lines:
            level = heading_level(line.text)
            if level and level[0] == 1:
                parts.append((section_type_of((lead_of(line.text, 40),), (1,)), line, []))
            elif parts:
                parts[-1][2].append(line.text)
        for section, heading, body in parts:
            if section not in ("progress", "problems", "plans"):
                continue
            said = heading.text + "\n" + "\n".join(body)
            missing = []
            for theme in self._themes(section):
                if theme.reports < self.config.theme_reports or not theme.label:
                    continue
                if _names(said, theme.label) or any(_names(said, p.lead[:6]) for p in theme.points):
                    continue
                missing.append(theme)
            missing.sort(key=lambda t: -t.reports)
            head = re.match(r"^[^。：:\n]{1,40}", heading.text).group(0)
            for theme in missing[: self.config.themes]:
                seen, evidence = set(), []
                for p in theme.points:
                    if p.report_title not in seen and len(evidence) < 2:
                        seen.add(p.report_title)
                        evidence.append(Evidence(p.report_title, p.section_path, p.lead))
                out.append(Finding("missing_theme", "suggestion", heading.start, heading.start + len(head), head,
                                   f"资料库中{theme.reports}份报告的这一部分都谈到“{theme.label}”，本稿未涉及",
                                   evidence, f"如本单位也有这方面情况，可补充“{theme.label}”方面的内容"))
        return out


# --------------------------------------------------------------------------------------------- helpers

def _kind_of(title: str) -> str:
    m = _REPORT_KINDS.search(title or "")
    return m.group(0) if m else "工作汇报"


def _numeral_like(numeral: str, value: int) -> str:
    """``value`` written like ``numeral`` (Arabic or Chinese)."""
    if numeral.isdigit():
        return str(value)
    if value <= 0:
        return "（无）"
    return cn_numeral(value)


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _located(text: str) -> list[tuple[object, int, int]]:
    """The figures of ``text`` (guards.extract_figures) with their offsets, in text order."""
    translated = halfwidth(text)  # what extract_figures reads: the same length, so offsets hold
    used: list[tuple[int, int]] = []
    out = []
    for fig in extract_figures(text):
        pos = 0
        while True:
            i = translated.find(fig.surface, pos)
            if i < 0:
                break
            span = (i, i + len(fig.surface))
            if not any(s < span[1] and span[0] < e for s, e in used) and \
                    not (i > 0 and translated[i - 1].isdigit()):
                used.append(span)
                out.append((fig, *span))
                break
            pos = i + 1
    return sorted(out, key=lambda x: x[1])


def _is_date(text: str, s: int, e: int) -> bool:
    return bool(re.match(r"\s*[年月日号]", text[e:e + 2])) or bool(re.search(r"\d年$", text[max(0, s - 5):s]))


def _held(fig, figures) -> bool:
    return any(f.value is not None and abs(f.value - fig.value) < 1e-6 and f.percent == fig.percent
               and same_kind(f.measure, fig.measure) for f in figures)


def _letters(text: str) -> str:
    """The words around a figure without digits, masks or punctuation: what names the thing counted."""
    return re.sub(rf"[\d.．,，、\s{re.escape(MASK_CHARS)}%％]", "", text)


def _evidence(hit, passage: str) -> Evidence:
    return Evidence(hit.meta.get("report_title", ""), hit.meta.get("section_path", ""), passage.strip())


def _copied_regions(text: str, ref: str, copy_min: int, c: ReviewConfig) -> list[tuple[int, int, tuple[int, int]]]:
    """Regions of ``text`` (start, end, (ref start, ref end)) copied from ``ref``: verbatim runs joined across gaps
    of at most ``near_gap`` changed characters on both sides, ≥ ``copy_min`` long and ≥ ``near_share`` verbatim."""
    blocks = [b for b in SequenceMatcher(None, text, ref, autojunk=False).get_matching_blocks() if b.size >= 4]
    out, group = [], []
    for b in blocks + [None]:
        if b is not None and group:
            last = group[-1]
            gap_a, gap_b = b.a - (last.a + last.size), b.b - (last.b + last.size)
            if 0 <= gap_a <= c.near_gap and 0 <= gap_b <= c.near_gap:
                group.append(b)
                continue
        if group:
            s, e = group[0].a, group[-1].a + group[-1].size
            matched = sum(g.size for g in group)
            if e - s >= copy_min and matched >= c.near_share * (e - s):
                out.append((s, e, (group[0].b, group[-1].b + group[-1].size)))
        group = [b] if b is not None else []
    return out


_KIND_ORDER = {"placeholder": 0, "copied": 1, "foreign_name": 2, "figure": 3, "expression": 4, "structure": 5,
               "missing_theme": 6}


_MAY_NEST = {"structure", "missing_theme"}  # a heading may lack a part and have a skipped number at once


def _without_overlaps(findings: list[Finding]) -> list[Finding]:
    """One finding per stretch of text and kind, in text order (a figure inside a copied passage keeps both: they say
    different things; the same kind twice over the same characters says it twice)."""
    out: list[Finding] = []
    for f in sorted(findings, key=lambda f: (f.start, _KIND_ORDER[f.kind], -(f.end - f.start))):
        if any(o.kind == f.kind and o.start < f.end and f.start < o.end and f.kind not in _MAY_NEST for o in out):
            continue
        out.append(f)
    return out
