"""What a question implies about the report that answers it — the unit's level, the genre, a body — as a soft prior.

In a real archive most reports are other units' ("县里投入了多少资金" beside twelve provincial 政府工作报告 that also
speak of 资金).  The question's own words say which reports are likelier: "县里" a county's, "扫黑…线索" a campaign
report rather than an annual government report, "生产总值…目标" a government work report.  The words live in
``rules/question_prior.toml``; here they become a preference over report metadata (``level``, ``kind``, ``org``, as
ingest's structure step writes them) that search fuses as one more weighted ranking — the preferred reports rise,
none is excluded.

A question that names a place the library holds ("上海今年全市…", "延安市…") prefers that place's reports, and its
level words say nothing more ("全市" of 上海, a 直辖市, is provincial), so they are dropped.  Imposing the named unit
on the answer (its figures only) is grounding's business, not this prior's.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

RULES = Path(__file__).with_name("rules") / "question_prior.toml"


@dataclass(frozen=True)
class PriorRules:
    level: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)  # (words, levels)
    prefer_kinds: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)  # (words, kinds)
    avoid_kinds: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    body: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)  # (words, org suffixes)


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES) -> PriorRules:
    """The rule words of ``path`` (see the file's comments for their meaning and source)."""
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    rules = PriorRules()
    for rule in data.get("level", []):
        rules.level.append((tuple(rule["words"]), tuple(rule["levels"])))
    for rule in data.get("genre", []):
        if rule.get("prefer_kinds"):
            rules.prefer_kinds.append((tuple(rule["words"]), tuple(rule["prefer_kinds"])))
        if rule.get("avoid_kinds"):
            rules.avoid_kinds.append((tuple(rule["words"]), tuple(rule["avoid_kinds"])))
    for rule in data.get("body", []):
        rules.body.append((tuple(rule["words"]), tuple(rule["org_suffixes"])))
    return rules


def _said(question: str, pairs) -> set[str]:
    return {value for words, values in pairs if any(w in question for w in words) for value in values}


def library_reports(index) -> list[dict]:
    """The report records (org, place, level, kind) of every document in the index's manifest."""
    return index.reports()


def named_places(question: str, reports: list[dict]) -> list[str]:
    """The places of the library's reports that the question names (their short names: 上海, 延安)."""
    return sorted(p for p in {r.get("place", "") for r in reports} if len(p) >= 2 and p in question)


def question_prior(question: str, reports: list[dict], rules: PriorRules | None = None) -> dict[str, dict]:
    """The preferred reports as conditions on chunk metadata: ``{"level": {"$in": […]}, "kind": {"$nin": […]}, …}``
    (Chroma's operators; empty: no preference).  A named place prefers its reports (and silences level words);
    kinds both preferred and avoided cancel; a body suffix becomes the library's issuers that end with it."""
    rules = rules or load_rules()
    prior: dict[str, dict] = {}
    places = named_places(question, reports)
    if places:
        prior["place"] = {"$in": places}
    levels = set() if places else _said(question, rules.level)
    if levels:
        prior["level"] = {"$in": sorted(levels)}
    prefer, avoid = _said(question, rules.prefer_kinds), _said(question, rules.avoid_kinds)
    prefer, avoid = prefer - avoid, avoid - prefer
    if prefer:
        prior["kind"] = {"$in": sorted(prefer)}
    elif avoid:
        prior["kind"] = {"$nin": sorted(avoid)}
    if suffixes := _said(question, rules.body):
        orgs = sorted({r["org"] for r in reports if r.get("org") and r["org"].endswith(tuple(suffixes))})
        if orgs:
            prior["org"] = {"$in": orgs}
    return prior
