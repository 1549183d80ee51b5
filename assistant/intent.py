"""What a question implies about where its answer stands: a section type, an issuing body.

Used as a *soft* preference (filtered and unfiltered results are fused), because officials' wording is loose:
"为什么整改过的问题又反复冒出来" is about 存在问题, "怎样切断经济来源" may be answered by 做法 or by 建议.
"""
from __future__ import annotations

import re

_PLANS = re.compile(r"下一步|下步|打算|建议|今后|将要|计划|准备怎么|要重点")
_PROBLEMS = re.compile(r"问题|不足|短板|困难|差距|薄弱|为什么|原因")
_PROGRESS = re.compile(r"做了哪些|采取了|开展了|取得|成效|成绩|打掉|端掉|破获|查办|投入|发放|印制|召开")


def implied_sections(question: str) -> list[str] | None:
    if _PLANS.search(question):
        return ["plans"]
    if _PROGRESS.search(question):
        return ["progress", "overview"]
    if _PROBLEMS.search(question):
        return ["problems"]
    return None


def _aliases(org: str) -> list[str]:
    """Ways a question names a body: the org without masks and leading place words (x公安局 → 公安局, 公安)."""
    bare = re.sub(r"^[某x*×]+|^[市县区省]", "", org)
    out = {org, bare}
    for suffix in ("监督管理局", "局", "常委会调研组", "常委会", "调研组"):
        if bare.endswith(suffix) and len(bare) > len(suffix) + 1:
            out.add(bare[: -len(suffix)])
    if org in ("某县", "**县", "x县"):
        out |= {"该县", "这个县", "县里", "全县", "本县"}
    return [a for a in out if len(a) >= 2]


def implied_orgs(question: str, orgs: list[str]) -> list[str]:
    """Known issuing bodies that the question names."""
    return [org for org in orgs if any(alias in question for alias in _aliases(org))]


# What a question asks for, when it asks for one kind of thing: a figure, or a person's name.
_ASKS_FIGURE = re.compile(r"多少|几[个次名起件项家条人位轮批所处年]|号码|电话|数量|比例|百分之")
_ASKS_NAME = re.compile(r"叫什么名字|叫什么|姓名|名字是")
_NAMED_PERSON = re.compile(r"(?:[xX*]{1,3}|某某)(?:同志|主任|书记|局长)?")


def answers_the_ask(question: str, answer: str, figures: int) -> bool:
    """False when the answer lacks the kind of thing the question asks for: a figure (``figures`` counts those the
    number guard found in the answer) or a person's name.  A small model handed material without the answer
    restates the question ("举报电话号码是：") or answers with a neighbouring fact (a report title for a name);
    without the thing asked for, that is a refusal, not an answer."""
    if _ASKS_FIGURE.search(question) and not figures:
        return False
    if _ASKS_NAME.search(question):
        from vectorstore.keyword import quiet_jieba

        quiet_jieba()
        import jieba.posseg

        asked = set(question)
        names = [w.word for w in jieba.posseg.cut(answer) if w.flag.startswith("nr") and not set(w.word) <= asked]
        return bool(names or _NAMED_PERSON.search(answer))
    return True
