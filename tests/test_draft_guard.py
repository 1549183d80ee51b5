"""The figure guard on drafts: a real Chroma library of two counties' parallel 2025 汇报 (real jieba, the hash embedder), the
drafting chain with a scripted chat model.  A figure of the other county's report, one of the drafting county's own
report of last year, a figure found nowhere and a mask filled in are taken out, each with whose it was and why; the
user's own figure and a mask kept as a mask stay."""
from __future__ import annotations

import pytest

from assistant.draft.chain import DraftChain, DraftRequest
from assistant.draft.guard import DraftFigureGuard, drafting_year, own_reports
from assistant.web.draft_view import notes_markdown
from assistant.draft.report import ReportDrafter, ReportRequest
from assistant.scope import library_units
from tests.fakes import scripted

DONGCHUAN = """东川县2025年常态化扫黑除恶工作情况汇报
中共东川县委政法委员会
一、工作进展及成效
2025年，全县常态化扫黑除恶工作取得新成效。
一是强化组织领导。全县召开扫黑除恶工作推进会12次，研究部署重点任务，压实各级责任。
二是深化线索摸排。全县排查涉黑涉恶线索35条，逐条建立台账，落实核查责任。
三是加强宣传发动。发放宣传资料1.5万份，营造全民参与的浓厚氛围。
二、存在的问题
一是宣传发动不够深入。群众知晓率仍需提高，农村地区宣传覆盖面不广。
二是线索质量不高。群众举报线索多为一般治安问题，成案率较低。
三、下步工作打算
一是持续深化宣传发动，扩大宣传覆盖面。
二是加大线索核查力度，提高线索成案率。
"""
XILING = """西岭县2025年常态化扫黑除恶工作情况汇报
中共西岭县委政法委员会
一、工作进展及成效
2025年，全县扎实推进常态化扫黑除恶斗争。
一是健全工作机制。全县召开领导小组会议8次，完善工作推进机制。
二是深挖线索来源。全县排查涉黑涉恶线索46条，受理群众举报xx条，均已核查办结。
三是强化经费保障。投入专项经费20万元，保障工作顺利开展。
二、存在的问题
一是宣传发动不够广泛。部分群众参与度不高，宣传方式较为单一。
二是线索摸排不够精准。线索核查质量不高，深挖彻查不够。
三、下步工作打算
一是创新宣传方式，提高群众参与度。
二是强化线索摸排，提升核查质效。
"""
UNIT = "东川县"
TOPIC = "2026年常态化扫黑除恶"
FACTS = ["打掉恶势力犯罪集团2个"]


@pytest.fixture(scope="module")
def library(library_of):
    return library_of({"东川县汇报.txt": DONGCHUAN, "西岭县汇报.txt": XILING})


def _by_figure(removed: list[tuple]) -> dict[str, tuple]:
    """figure → (part index, point index, RemovedFigure) or (point index, RemovedFigure)."""
    return {where[-1].figure: where for where in removed}


def test_the_drafting_unit_owns_its_reports_and_the_year_comes_from_the_topic(library):
    units = library_units(library)
    own = own_reports(UNIT, units)
    assert {u.place for u in units if u.key in own} == {"东川县"}
    assert own_reports("某县", units) == set()  # a masked unit owns nothing
    assert drafting_year(TOPIC, []) == 2026 and drafting_year("常态化扫黑除恶", ["2025年打掉团伙2个"]) == 2025


def test_a_point_keeps_only_its_units_figures_for_its_period(library):
    guard = DraftFigureGuard(library, UNIT, 2026, FACTS)
    body = ("全县召开扫黑除恶工作推进会12次，研究部署重点任务。全县排查涉黑涉恶线索46条，逐条核查。"
            "受理群众举报30条，受理群众举报xx条。打掉恶势力犯罪集团2个，投入专项经费50万元。")
    checked, removed = guard.review(body, [])
    found = {r.figure: r for r in removed}
    assert found["12次"].verdict == "other_period" and found["12次"].period == "2025"
    assert "东川县" in found["12次"].unit and "不是本期" in found["12次"].reason
    assert found["46条"].verdict == "other_unit" and "西岭县" in found["46条"].unit
    assert found["30条"].verdict == "unsupported" and found["50万元"].verdict == "unsupported"
    assert "2个" not in found and "xx条" not in found
    assert "推进会X次" in checked and "线索X条" in checked and "举报X条" in checked and "经费X万元" in checked
    assert "举报xx条" in checked and "集团2个" in checked
    # the same county's figure for the drafting period itself stands
    same_year = DraftFigureGuard(library, UNIT, 2025, [])
    assert same_year.review("全县召开扫黑除恶工作推进会12次。", [])[1] == []


def test_the_drafting_chain_takes_out_and_explains_foreign_figures(library, embeddings):
    replies = ["我县召开扫黑除恶工作推进会12次，研究部署重点任务，压实工作责任。",
               "全县排查涉黑涉恶线索46条，逐条建立台账，打掉恶势力犯罪集团2个。",
               "受理群众举报30条，投入专项经费50万元，营造浓厚氛围。"]
    chain = DraftChain(library, embeddings, scripted(*replies))
    request = DraftRequest("progress", UNIT, TOPIC, 300, FACTS,
                           outline=["强化组织领导", "深化线索摸排", "加强宣传发动"])
    result = chain.run(request)
    removed = _by_figure(result.removed_figures)
    assert removed["12次"][1].verdict == "other_period" and removed["12次"][0] == 0
    assert removed["46条"][1].verdict == "other_unit" and "西岭县" in removed["46条"][1].unit
    assert removed["30条"][1].verdict == "unsupported" and removed["50万元"][1].verdict == "unsupported"
    text = result.text
    for figure in ("12次", "46条", "30条", "50万元"):
        assert figure not in text
    assert "2个" in text and {"X次", "X条", "X万元"} <= set(result.placeholders)
    assert result.points[1].removed_figures[0].figure == "46条"
    assert "46条（出自《西岭县" in notes_markdown(result)  # the writer is told what was taken out, and why


def test_a_masked_fact_stays_masked_and_a_whole_report_lists_what_was_removed(library, embeddings):
    replies = ["全县召开扫黑除恶工作推进会12次，受理群众举报30条，及时核查处置。",
               "宣传发动不够深入，群众知晓率仍需提高。",
               "持续深化宣传发动，扩大宣传覆盖面。"]
    chain = DraftChain(library, embeddings, scripted(*replies))
    request = ReportRequest(UNIT, TOPIC, 300, ["受理群众举报**条"],
                            outline=["一、工作进展及成效", "强化组织领导", "二、存在的问题", "宣传发动不够深入",
                                     "三、下步工作打算", "深化宣传发动"])
    result = ReportDrafter(chain).run(request)
    removed = _by_figure(result.removed_figures)
    assert removed["12次"][2].verdict == "other_period" and removed["12次"][0] == 0
    assert removed["30条"][2].verdict == "unsupported"  # a mask is never filled
    assert "受理群众举报**条" in result.text and "30条" not in result.text
    json_removed = {r["figure"]: r for r in result.to_dict()["removed_figures"]}  # the CLI's record says where
    assert json_removed["12次"]["part"] == 0 and json_removed["12次"]["point"] == removed["12次"][1]
