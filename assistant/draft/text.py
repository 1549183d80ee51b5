"""The text of a draft: 公文 numbering, heading-sized leads, reference clauses for a prompt, a model's output made
into one paragraph body.  Pure functions of strings, kept apart from the chain that calls the model."""
from __future__ import annotations

import re

from ingest.points import Point
from ingest.text.figures import has_mask
from ingest.text.lexicons import words as lexicon_words
from ingest.text.numerals import CN_NUM as ORDINALS
from ingest.text.numerals import cn_numeral
from ingest.text.sentences import sentence_pieces

from ..guards import extract_figures


def marker(style: str, i: int) -> str:
    """The numbering of the i-th point: 一是 (style yishi) or （一） (style numbered)."""
    return f"{cn_numeral(i + 1)}是" if style == "yishi" else f"（{cn_numeral(i + 1)}）"


def self_name(unit: str) -> str:
    """How the unit names itself in its own report (某县 → 我县, 某市公安局 → 我局), never the chatty 我们."""
    if unit.endswith("调研组"):
        return "调研组"
    last = unit.strip()[-1:]
    return f"我{last}" if last and last in lexicon_words("units", "self_suffixes") else "我单位"


def unit_level(unit: str) -> str | None:
    """The level of government a unit stands at (某县市场监督管理局 → 县, 某市公安局 → 市), None when it names none."""
    from ..names import BODY_FAMILIES

    rest = unit
    for word in sorted((w for ws in BODY_FAMILIES.values() for w in ws), key=len, reverse=True):
        rest = rest.replace(word, "")
    levels = [c for c in rest if c in "市县区"]
    return levels[-1] if levels else None


# The unit's own scope (全市, 我县, 本区) and its own campaign bodies (县扫黑办, 市扫黑除恶领导小组), at any level:
# written from another level's report they must take the writer's level.  全市场 and 本区域 are no scopes;
# 各县区扫黑办 names many, not one.
_OWN_SCOPE = re.compile(r"(?<=[全我本])([市县区])(?![场域])|(?<![省市县区各全])([市县区])(?=扫黑办|扫黑除恶(?:专项斗争)?领导小组)")


def to_own_level(text: str, unit: str, keep: list[str] = ()) -> str:
    """"全市""市扫黑办" in a county's draft become "全县""县扫黑办": a reference from a city report must not make
    the county describe the city.  The user's own words (``keep``: the facts) stay as written."""
    level = unit_level(unit)
    if not level:
        return text
    kept = [range(m.start(), m.end()) for k in keep if k for m in re.finditer(re.escape(k), text)]
    return _OWN_SCOPE.sub(lambda m: m.group(0) if any(m.start() in r for r in kept) else level, text)


def strip_end(text: str) -> str:
    """A phrase without its closing punctuation, ASCII commas as the genre's full-width ones."""
    return text.strip().replace(",", "，").rstrip("。；;，.").strip()


def clauses_within(lead: str, limit: int = 16) -> str:
    """The lead, or its first whole clauses within ``limit`` characters ("突出重点，强化摸排，切实做到全面精准" →
    "突出重点，强化摸排"); "" when even its first clause is longer."""
    head = ""
    for clause in re.split(r"(?<=[，,])", strip_end(lead)):
        if len(head + clause) > limit + (1 if clause.endswith("，") else 0):
            break
        head += clause
    return strip_end(head)


def reference_clauses(references: list[Point], guard, limit: int) -> str:
    """Reference clauses for a prompt, interleaved across references so no reference's run of prose is handed
    over whole.  A clause that names another unit's place, body or people, or holds a figure or a mask, is left
    out rather than blanked: "某时期X个没有的景象" reads as nonsense and the model copies the blank."""
    per_ref = []
    for ref in references:
        parts = [strip_end(c) for c in re.split(r"[。；;，,：:！？\n]", ref.text)]
        per_ref.append([c for c in parts if 4 <= len(c) <= 30 and c != strip_end(ref.lead)
                        and not guard.find_leaks(c) and not extract_figures(c) and not has_mask(c)])
    out: list[str] = []
    for j in range(max((len(r) for r in per_ref), default=0)):
        out += [r[j] for r in per_ref if j < len(r) and r[j] not in out]
    return "\n".join(f"- {c}" for c in out[:limit]) or "（无）"


def _drop_repeated_clauses(text: str) -> str:
    """Each clause once: a small model that loops repeats a run of clauses ("加强宣传发动，专群结合，…" twice)."""
    seen: set[str] = set()
    out = []
    for clause in re.findall(r"[^，；。！？]+[，；。！？]?", text):
        key = clause.rstrip("，；。！？")
        if len(key) >= 4 and key in seen:
            if clause[-1:] in "。！？" and out:  # keep the sentence end of a dropped closing clause
                out[-1] = out[-1].rstrip("，；") + clause[-1]
            continue
        seen.add(key)
        out.append(clause)
    return "".join(out)


def clean_body(generated: str, heading: str, chars: int, self_ref: str = "我单位") -> str:
    """The model's text as one paragraph body: no heading, quotes, Markdown, list items or enumerations of its own
    (一是… inside 一是… breaks the ladder), no "以下措施：" lead-ins, 我们 as the unit names itself
    (``self_ref``), at most half again the asked length."""
    text = re.sub(r"[\"“”'‘’]|\*\*|#+\s*", "", generated.strip())
    text = re.sub(r"(?m)^\s*(?:[-•*]|\d+[.、．]|[（(]\d+[）)])\s*", "", text)
    text = re.sub(rf"(^|[。；，,：:\n])\s*(?:[{ORDINALS}]+是|[（(][{ORDINALS}]+[）)]|[{ORDINALS}]+、)", r"\1", text)
    lead_ins = r"[^。；\n]*(?:要点|以下[^。；\n]{0,8})[：:]|（无）|(?:措施|成效|做法|表现|原因)[：:]"
    text = re.sub(lead_ins, "", text)
    text = re.sub(r"\s*\n\s*", "", text).strip().replace(",", "，")
    text = text.replace("我们", self_ref)
    if text.startswith(heading):  # "宣传发动不够深入。…" or "宣传发动不够深入是…的关键。…": a restatement
        rest = text[len(heading):]
        text = rest.lstrip("。，：:；; ") if rest[:1] in "。，：:；; " else rest.split("。", 1)[-1]
    text = _drop_repeated_clauses(text)
    kept = ""
    for sentence in sentence_pieces(text, limit=None):
        if kept and len(kept) + len(sentence) > chars * 1.5:
            break
        kept += sentence
    return kept
