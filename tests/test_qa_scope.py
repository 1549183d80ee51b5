"""Answering over a library of parallel reports: the asked unit's figure for the asked period, or a plain "not
given" (a scripted chat model, or the real local model in the slow test, over two small 2026 provincial reports
written to files and indexed with the hash embedder)."""
from __future__ import annotations

import pytest

from assistant.answer.claims import ScopedGuard
from assistant.answer.evidence import Evidence, EvidenceSet, Source
from assistant.answer.results import Misattribution
from assistant.answer.chain import QAChain
from assistant.scope import Asked, ReportUnit, asked_scope, place_in
from ingest.periods import Cue
from tests.fakes import scripted

DONGJIANG = """2026年东江省人民政府工作报告
——2026年1月20日在东江省第十四届人民代表大会第五次会议上
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议。
一、2025年工作回顾和“十四五”发展成就
2025年是极不平凡的一年。面对复杂严峻的外部环境，全省经济运行稳中有进。
一是经济持续回升向好。地区生产总值增长5.4%，地方一般公共预算收入增长1.5%。
二是民生福祉持续改善。城镇新增就业64.1万人，城镇调查失业率平均为4.2%。
三是社会大局安全稳定。全省刑事立案数下降13.5%，公众安全感持续提升。
五年来，我们坚定不移推动高质量发展，综合实力显著提升。地区生产总值年均增长5.7%。
这是人民生活品质不断提高的五年。城镇累计新增就业320万人，居民收入持续增长。
二、2026年工作安排
今年经济社会发展主要预期目标是：地区生产总值增长5%左右；城镇新增就业60万人，城镇调查失业率5.5%左右；居民消费价格涨幅2%左右。
（一）着力扩大内需。深入实施提振消费专项行动，推动大宗消费更新升级，扩大有效投资。
"""
XILING = """政府工作报告
——2026年1月26日在西岭省第十四届人民代表大会第四次会议上
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议。
一、2025年和“十四五”时期工作回顾
2025年是很不平凡的一年。我们坚持稳中求进工作总基调，经济运行稳中向好。
一是经济运行稳中向好。地区生产总值增长3.9%，货物进出口总额增长4.4%。
二是民生持续改善。城镇新增就业149.4万人，城镇调查失业率平均值为5.0%。
五年来，我们有效应对各种风险挑战，经济实力持续提升。城镇累计新增就业超700万人。
二、2026年工作安排
今年经济社会发展的主要预期目标是：地区生产总值增长4.5%—5%；地方一般公共预算收入增长3%左右。
（一）推动实体经济高质量发展。坚持制造业当家，加快构建现代化产业体系。
"""
DJ, XL = "《2026年东江省人民政府工作报告》", "《西岭省政府工作报告》"


@pytest.fixture(scope="module")
def index(library_of):
    return library_of({"2026_东江省_政府工作报告.txt": DONGJIANG, "2026_西岭省_政府工作报告.txt": XILING})


@pytest.fixture
def chain(index, embeddings):
    return lambda llm=None: QAChain(index, embeddings, llm)


def _docs(index, result) -> set[str]:
    names = {d: rec["name"] for d, rec in index.documents.items()}
    return {names[c.doc_id] for c in result.citations}


def test_places_come_from_title_issuer_or_file_name():
    assert place_in("2026年四川省人民政府工作报告") == "四川省"
    assert place_in("2026_广东省_政府工作报告.txt") == "广东省"
    assert place_in("某县常态化扫黑除恶工作情况汇报") == "" and place_in("政府工作报告") == ""


def test_an_explicit_unit_restricts_and_the_answer_names_it(chain, index):
    result = chain().run("东江今年地区生产总值增长目标是多少？")
    assert not result.refused and "5%左右" in result.text
    assert _docs(index, result) == {"2026_东江省_政府工作报告.txt"}
    assert result.text.startswith(f"据{DJ}，")


def test_the_asked_period_is_taken_not_the_five_year_total(chain, index):
    result = chain().run("西岭去年城镇新增就业多少人？")
    assert "149.4万人" in result.text and "700万" not in result.text
    assert _docs(index, result) == {"2026_西岭省_政府工作报告.txt"} and result.text.startswith(f"据{XL}，")


def test_a_follow_up_asks_about_the_unit_it_names(chain, index):
    history = [{"role": "user", "content": "东江去年城镇新增就业多少人？"}]
    result = chain().run("那西岭呢？", history)
    assert _docs(index, result) == {"2026_西岭省_政府工作报告.txt"} and "149.4万人" in result.text


def test_an_absent_target_filled_with_another_figure_is_refused(chain):
    # 5%左右 is 东江's growth target, not a grain target
    result = chain(scripted("东江今年粮食产量目标是5%左右[1]。")).run("东江今年粮食产量目标是多少？")
    assert result.refusal == "absent" and result.text == f"{DJ}未提出该项指标。" and result.nearest
    assert result.misattributed[0].verdict == "other_thing"


def test_a_rate_is_not_answered_by_a_count(chain):
    # 60万人 stands in the asked unit's target sentence, but counts new jobs: a rate takes a percentage
    result = chain(scripted("城镇调查失业率的控制目标是60万人[1]。")).run("东江今年城镇调查失业率的控制目标是多少？")
    assert "5.5%左右" in result.text and "控制目标是60万人" not in result.text


def test_last_years_result_is_not_this_years_target(chain):
    result = chain(scripted("西岭今年城镇调查失业率的控制目标为5.0%[1]。")).run("西岭今年城镇调查失业率的控制目标是多少？")
    assert result.refused and result.text.startswith(f"{XL}未提出该项指标")
    assert "5.0%" not in result.text or "2025年的数据" in result.text


def test_a_figure_of_the_asked_unit_and_period_stands(chain, index):
    result = chain(scripted("东江今年城镇新增就业目标为60万人[1]。")).run("东江今年城镇新增就业的目标是多少？")
    assert not result.refused and "60万人" in result.text and result.misattributed == ()
    assert result.text.startswith(f"据{DJ}，") and result.mode == "llm"


def test_the_model_reads_whose_report_each_source_is(chain):
    llm = scripted("城镇新增就业149.4万人[1]。")
    result = chain(llm).run("西岭去年城镇新增就业多少人？")
    assert XL in llm.calls[0][-1].content and "149.4万人" in result.text


def test_a_decline_is_no_evidence_of_absence_where_the_asked_unit_gives_the_figure(chain, index):
    result = chain(scripted("资料中未找到相关信息。")).run("西岭去年城镇新增就业多少人？")
    assert not result.refused and result.mode == "extractive" and "149.4万人" in result.text
    assert _docs(index, result) == {"2026_西岭省_政府工作报告.txt"} and "700万" not in result.text
    result = chain(scripted("资料中未找到相关信息。")).run("东江今年粮食产量目标是多少？")
    assert result.refused and result.text == f"{DJ}未提出该项指标。"


def test_a_target_given_for_last_years_result_gives_way_to_last_years_sentence(chain):
    # the question's own year is no figure of the sources: "5%左右" (the 2026 target) does not answer it
    result = chain(scripted("东江2025年地区生产总值增长5%左右[1]。")).run("东江2025年地区生产总值增长了多少？")
    assert not result.refused and "5.4%" in result.text and "5%左右" not in result.text


def _guard(asked_unit: str) -> tuple[ScopedGuard, Asked]:
    units = [ReportUnit("a", 0, "2026年东江省人民政府工作报告", place="东江省", year=2026),
             ReportUnit("b", 0, "政府工作报告", place="西岭省", year=2026)]
    sources = [Source(1, "a-1", "a", units[0].title, "", "二、2026年工作安排", "plans",
                      "主要预期目标是：地区生产总值增长5%左右；城镇新增就业60万人。", 0, 2026, "东江省", ("2026", "2026")),
               Source(2, "b-1", "b", units[1].title, "", "一、2025年工作回顾", "progress",
                      "二是民生持续改善。城镇新增就业149.4万人。", 0, 2026, "西岭省", ("2025", "2025"))]
    evidence = EvidenceSet(sources, [Evidence(1, "城镇新增就业60万人。", 1.0, 1.0, 0.5, "2026"),
                                     Evidence(2, "城镇新增就业149.4万人。", 1.0, 1.0, 0.5, "2025")])
    asked = asked_scope(asked_unit, units)
    return ScopedGuard(evidence, asked, units), asked


def test_another_units_figure_is_named_and_the_asked_units_sentence_answers():
    guard, asked = _guard("西岭去年城镇新增就业多少人？")
    assert [u.place for u in asked.units] == ["西岭省"] and asked.cue == Cue("last_year", (-1, -1), True)
    outcome = guard.review("城镇新增就业60万人[1]。", "西岭去年城镇新增就业多少人？", asks_figure=True)
    assert outcome.misattributed == (Misattribution("60万人", "other_unit", "《2026年东江省人民政府工作报告》", "2026"),)
    assert outcome.action == "fallback" and outcome.answer == "城镇新增就业149.4万人。[2]"


def test_a_figure_outside_a_figure_question_is_marked_with_its_unit():
    guard, _ = _guard("西岭去年就业工作怎么样？")
    outcome = guard.review("就业形势稳定，城镇新增就业60万人[1]。", "西岭去年就业工作怎么样？", asks_figure=False)
    assert outcome.action == "keep" and "60万人〔出自《2026年东江省人民政府工作报告》〕" in outcome.answer


@pytest.mark.slow
def test_the_local_model_answers_the_asked_unit_and_period_and_refuses_the_absent(chain, index, local_llm):
    result = chain(local_llm).run("西岭去年城镇新增就业多少人？")
    assert not result.refused and "149.4万" in result.text and "700万" not in result.text, result
    assert _docs(index, result) == {"2026_西岭省_政府工作报告.txt"}
    result = chain(local_llm).run("东江今年粮食产量目标是多少？")
    assert result.refused and result.nearest, result
