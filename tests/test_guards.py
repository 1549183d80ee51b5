"""The number guard and citation checks (pure logic)."""
from __future__ import annotations

import pytest

from assistant.guards import clean_citations, extract_figures, mark_unsupported, unsupported_figures

SOURCE = ("投入专项经费35万元，印制宣传资料23000余份，悬挂横幅标语1000余条，已成功打掉4个恶势力犯罪集团，"
          "同比下降10%，2024年累计受理线索**条，选调了xx名业务尖子。")


@pytest.mark.parametrize("answer", [
    "投入35万元[1]。", "印制宣传资料2.3万余份。", "打掉四个恶势力犯罪集团。", "同比下降百分之十。", "２０２４年",
    "受理线索**条。", "选调xx名骨干。", "悬挂横幅1000多条。",
])
def test_supported_figures_pass(answer):
    assert unsupported_figures(answer, [SOURCE]) == []


@pytest.mark.parametrize("answer,bad", [
    ("投入3.5万元。", "3.5万元"), ("打掉5个团伙。", "5个"), ("2023年GDP是7.9万亿元。", "2023年"),
    ("受理线索120条。", "120条"), ("同比下降百分之二十。", "百分之二十"), ("打掉八个团伙", "八个"),
    ("受理线索xxx条", "xxx条"),
])
def test_invented_figures_are_caught(answer, bad):
    assert bad in unsupported_figures(answer, [SOURCE])


def test_an_approximation_before_wan_keeps_the_wan():
    assert unsupported_figures("印了200多万份材料", ["印制宣传资料200余万份"]) == []
    assert unsupported_figures("印了200多份材料", ["印制宣传资料200余万份"]) == ["200多份"]


def test_wording_numbers_are_not_figures():
    assert extract_figures("一是强化组织领导，第二次会议，一个中心") == []
    assert extract_figures("短板有：1. 宣传不够；2、线索不足。\n3.协作不够") == []
    assert [f.surface for f in extract_figures("共1.5万元，2.3万份")] == ["1.5万元", "2.3万份"]


def test_mark_and_citations():
    assert mark_unsupported("投入3.5万元，共13个", ["3.5万元", "3个"]) == "投入3.5万元〔未核实〕，共13个"
    assert clean_citations("甲[1]乙[7]丙[2]丁[编号]", {1, 2}) == "甲[1]乙丙[2]丁"


def test_markdown_emphasis_is_not_a_masked_figure():
    from assistant.guards import plain_text

    answer = plain_text("1. **青壮年劳动力大量外出**：村两委班子青黄不接。\n### 小结\n投入**万元，印制**份")
    assert answer.startswith("1. 青壮年劳动力大量外出：") and "### " not in answer
    assert [f.surface for f in extract_figures(answer)] == ["**万", "**份"]  # masks keep their stars


def test_a_blank_may_be_quoted_never_filled():
    from assistant.guards import SourceSentence, check_figures

    source = "共查办各类经济违法案件件，罚没金额万元;投入宣传经费多万元，"
    assert unsupported_figures("罚没金额60万元，宣传经费100多万元", [source]) == ["60万元", "100多万元"]
    assert [(c.figure.surface, c.verdict) for c in check_figures("罚没金额万元", [SourceSentence(source)])] == [
        ("万元", "supported")]
