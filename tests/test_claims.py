"""The figure guard that checks the claim: the asked unit's figure, for the asked period, of the asked thing."""
from __future__ import annotations

import pytest

from assistant.guards import SourceSentence, check_figures

SH_2026 = SourceSentence("建议今年全市经济社会发展的主要预期目标是：全市生产总值增长5%左右，地方一般公共预算收入增长2%，"
                         "城镇调查失业率5%以内。", "《上海市2026年政府工作报告》", True, True, "2026")
SH_2025 = SourceSentence("全市生产总值达到5.67万亿元、增长5.4%，城镇新增就业64.1万人。", "《上海市2026年政府工作报告》",
                         True, False, "2025")
SH_5Y = SourceSentence("五年来，全市生产总值年均增长5.5%，城镇累计新增就业300万人。", "《上海市2026年政府工作报告》",
                       True, False, "2021-2025")
ZJ_2026 = SourceSentence("今年经济社会发展主要预期目标为：全省生产总值增长5%—5.5%；居民消费价格涨幅2%左右。",
                         "《浙江省2026年政府工作报告》", False, True, "2026")
SOURCES = [SH_2026, SH_2025, SH_5Y, ZJ_2026]
IGNORE = "上海浙江今年去年目标预期多少什么水平"


def verdicts(answer: str, question: str = "") -> list[tuple[str, str, str]]:
    return [(c.figure.surface, c.verdict, c.sentence.unit if c.sentence else "")
            for c in check_figures(answer, SOURCES, question, IGNORE)]


@pytest.mark.parametrize("answer, question, verdict", [
    ("上海今年全市生产总值的增长目标是5%左右[1]。", "", "supported"),
    ("目标是5%左右。", "上海今年全市生产总值的增长目标是多少？", "supported"),  # the question says what is counted
    ("上海今年城镇调查失业率控制在5%以内。", "", "supported"),  # 5% twice in the sentence: each clause is read
    ("城镇调查失业率目标为百分之五以内。", "", "supported"),
    # the right unit, the wrong period: last year's result and the five-year total for this year's target
    ("上海今年全市生产总值增长目标为5.4%。", "", "other_period"),
    ("上海全市生产总值年均增长5.5%。", "上海去年全市生产总值增长了多少？", "other_period"),
    # another unit's figure, standing in another report
    ("上海今年居民消费价格涨幅目标为2%左右。", "", "other_unit"),
    # an absent target filled with an unrelated figure of the same report and period
    ("上海今年粮食产量目标是5%左右。", "上海今年粮食产量目标是多少？", "other_thing"),
    ("上海今年粮食产量目标是3%。", "", "unsupported"),
])
def test_verdicts(answer, question, verdict):
    assert verdicts(answer, question)[0][1] == verdict


def test_another_units_figure_names_that_unit():
    (_, verdict, unit), = verdicts("居民消费价格涨幅2%左右。", "上海今年居民消费价格涨幅的预期目标是多少？")
    assert verdict == "other_unit" and unit == "《浙江省2026年政府工作报告》"


def test_dates_and_masks_are_only_looked_up():
    sources = [SourceSentence("2025年受理线索**条。", "《甲》", True, False, "2025")]
    assert [c.verdict for c in check_figures("2025年受理线索**条", sources)] == ["supported", "supported"]
    assert [c.verdict for c in check_figures("受理线索xx条", sources)] == ["unsupported"]


# --- a figure the report masks or blanks -------------------------------------------------------------------------
def _masked_guard(*sentences: str):
    from assistant.answer.claims import ScopedGuard
    from assistant.answer.evidence import Evidence, EvidenceSet, Source
    from assistant.scope import Asked

    text = "".join(sentences)
    source = Source(1, "c-1", "d", "公安局工作报告", "", "一、基本情况", "progress", text, 0, 2024)
    evidence = EvidenceSet([source], [Evidence(1, s, 1.0 - i / 10, 1.0, 0.5) for i, s in enumerate(sentences)])
    return ScopedGuard(evidence, Asked(), [])


SEIZED = "一并查封、扣押、冻结该犯罪组织大量涉案房产、现金、车辆等，共计价值xx亿元，彻底斩断了幕后经济链条。"
FINES = "共查办各类经济违法案件件，罚没金额万元;"
SENTENCED = "对涉恶犯罪**人处以刑罚，移送起诉待判决**人。"


def test_a_masked_figure_of_the_thing_asked_answers_with_its_sentence():
    guard = _masked_guard(SEIZED, FINES, SENTENCED)
    assert guard.masked_answer("那个犯罪组织被打掉后，查封的财产值多少钱？") == SEIZED + "[1]"
    assert guard.masked_answer("市场监管系统查办经济违法案件罚了多少钱？") == FINES + "[1]"


def test_a_mask_of_another_kind_or_thing_answers_nothing():
    guard = _masked_guard(SEIZED, FINES, SENTENCED)
    assert guard.masked_answer("该县一共判处了多少名死刑犯？") == ""  # counts 人, but not 死刑犯
    assert guard.masked_answer("查封的房产有多少套？") == ""  # the mask counts 元, not 套
    assert guard.masked_answer("破案率是多少？") == ""  # a rate wants a masked percentage
    assert guard.masked_answer("查封的财产情况如何？") == ""  # no figure asked
