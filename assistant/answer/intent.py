"""What a question implies about where its answer stands (a section type, an issuing body), and what kind of thing
it asks for (a figure of something counted, a name), so an answer without that thing counts as a refusal.

Used as a *soft* preference (filtered and unfiltered results are fused), because officials' wording is loose:
"为什么整改过的问题又反复冒出来" is about 存在问题, "怎样切断经济来源" may be answered by 做法 or by 建议.
"""
from __future__ import annotations

import re

from ingest.text.figures import MASK_CHARS, MEASURE_WORDS
from ingest.text.sentences import split_sentences
from ingest.text.tokens import quiet_jieba

from ..guards import char_bigrams, extract_figures, same_kind, supported_figures

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


# What a question asks for, when it asks for one kind of thing: a figure, a person's name, a named enterprise.
_ASKS_FIGURE = re.compile(rf"多少|几[{MEASURE_WORDS}]|号码|电话|数量|比例|百分之|什么水平|多大幅度|幅度多大")
_COUNTED = re.compile(rf"(?:几|多少)([{MEASURE_WORDS}])([^？?。！]{{2,}})")  # 几|次|座谈会
# A rate or share (失业率, 破案率, 占比) is answered by a percentage, never by a count: "失业率的控制目标" answered
# with the neighbouring "新增就业110万人以上" is a figure of the sources, but not of the kind asked.
_ASKS_RATE = re.compile(r"率|比例|比重|占比|百分点")
# A question for a sum of money ("罚了多少钱", "投入了多少资金", "经费有多少") is answered by a figure in 元.
_ASKS_MONEY = re.compile(r"多少(?:钱|资金|经费|金额|万?元)|(?:资金|经费|金额|费用|价值)[^，。？?]{0,6}多少")
_ASKS_MEASURE = re.compile(rf"(?:几|多少)([{MEASURE_WORDS}])")
_ASKS_NAME = re.compile(r"叫什么名字|叫什么|姓名|名字是")
_NAMED_PERSON = re.compile(rf"(?:[{MASK_CHARS}]{{1,3}}|某某)(?:同志|主任|书记|局长)?")
_ASKS_FIRM = re.compile(r"哪家(?!单位|部门|机关)|哪(?:个|些)(?:企业|公司|商户)|什么(?:企业|公司)")
_FIRM = re.compile(r"[\u4e00-\u9fffxX*“”]{2,}(?:公司|企业|集团|厂|店|合作社|商行)")


def asks_for_figure(question: str) -> bool:
    """Whether the question asks for a figure (多少, 几个, 什么水平 …)."""
    return bool(_ASKS_FIGURE.search(question))


_OPEN = re.compile(r"怎么|怎样|如何|为什么|为何|原因|哪些|有什么|什么(?:问题|要求|影响|变化|措施|做法|办法|短板|困难)")


def is_open_question(question: str) -> bool:
    """Whether the question asks how, why, which measures or what problems — answered by what the reports say —
    rather than for one fact (a figure, a name, an enterprise, an address), which the library may simply lack."""
    return bool(_OPEN.search(question)) and not (_ASKS_FIGURE.search(question) or _ASKS_NAME.search(question)
                                                 or _ASKS_FIRM.search(question))


def _counted(question: str) -> tuple[str, set[str]] | None:
    """The measure word and the thing a "几次座谈会 / 多少名死刑犯" question counts (as character pairs)."""
    counted = _COUNTED.search(question)
    return (counted.group(1), char_bigrams(counted.group(2))) if counted else None


def _counts_what_was_asked(question: str, answer: str, sources: list[str]) -> bool:
    """A count answers "几次座谈会" only where a source sentence gives that figure *and* speaks of 座谈会: the
    sources' "联席会议5次" is a supported figure, but not of the thing asked."""
    counted = _counted(question)
    if not counted:
        return True
    return any(counted[1] & char_bigrams(sentence) and supported_figures(answer, [sentence])
               for source in sources for sentence in split_sentences(source))


def counts_a_thing(question: str) -> bool:
    """Whether the question counts a named thing ("几次座谈会", "多少名死刑犯"), not only a figure ("多少人？")."""
    return _counted(question) is not None


def counting_sentences(question: str, sentences: list[str]) -> list[int]:
    """Which ``sentences`` count the thing a "几个/多少名 X" question asks about: they speak of X and hold a figure
    (or a masked one) of that measure.  When the model's own figure is not from the sources, these are the answer."""
    counted = _counted(question)
    if not counted:
        return []
    measure, thing = counted
    return [i for i, sentence in enumerate(sentences) if thing & char_bigrams(sentence)
            and any(fig.value is None or same_kind(fig.measure, measure) for fig in extract_figures(sentence))]


def _names(answer: str, question: str, flags: tuple[str, ...]) -> list[str]:
    quiet_jieba()
    import jieba.posseg

    asked = set(question)
    return [w.word for w in jieba.posseg.cut(answer) if w.flag.startswith(flags) and not set(w.word) <= asked]


def of_the_asked_kind(question: str, figure) -> bool:
    """Whether ``figure`` can answer ``question`` by its kind: a question for a rate or share takes a percentage."""
    return figure.percent or not (_ASKS_RATE.search(question) and not _counted(question))


def asked_measure(question: str) -> str | None:
    """The kind of figure a question asks for: the measure word of its count ("几次", "多少名"), 元 for a sum of money
    ("多少钱", "投入了多少资金"), % for a rate or share; None where the question does not say ("是多少？")."""
    if counted := _ASKS_MEASURE.search(question):
        return counted.group(1)
    if _ASKS_MONEY.search(question):
        return "元"
    return "%" if _ASKS_RATE.search(question) else None


def _given_figures(question: str, answer: str, sources: list[str]) -> list:
    """The answer's figures that the sources hold, dates left out unless years are counted ("几年"): "广东2025年…增长
    5%左右" repeats the question's year and gives no figure the sources hold."""
    counted = _counted(question)
    dates = set("年月日") - ({counted[0]} if counted else set())
    return [f for f in supported_figures(answer, sources) if f.measure not in dates and of_the_asked_kind(question, f)]


def answers_the_ask(question: str, answer: str, sources: list[str]) -> bool:
    """False when the answer lacks, from ``sources``, the kind of thing the question asks for: a figure of the thing
    counted, a person's name, an enterprise's name.  A small model handed material without the answer restates
    the question ("举报电话号码是："), answers with a neighbouring fact (a report title for a name, a case for an
    enterprise) or makes a figure up ("召开了2次座谈会"); without the thing asked for, that is a refusal."""
    if _ASKS_FIGURE.search(question) and not (_given_figures(question, answer, sources)
                                             and _counts_what_was_asked(question, answer, sources)):
        return False
    if _ASKS_NAME.search(question):
        return bool(_names(answer, question, ("nr",)) or _NAMED_PERSON.search(answer))
    if _ASKS_FIRM.search(question):
        return bool(_names(answer, question, ("nt",)) or _FIRM.search(answer))
    return True
