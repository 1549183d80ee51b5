"""The question's soft prior: what its words imply about the answering report's level, genre and body (rules as
data), how search turns that into one more ranking, and — with the real e5 model — that it lifts the right report in
a mixed library without excluding the others."""
from __future__ import annotations

import pytest

from assistant.prior import load_rules, question_prior
from vectorstore.hybrid import SearchOptions, normalise_prior, prior_matches, prior_where

REPORTS = [
    {"org": "某县", "place": "", "level": "县", "kind": "工作汇报"},
    {"org": "x公安局", "place": "", "level": "", "kind": ""},
    {"org": "市市场监管局", "place": "", "level": "市", "kind": "调研报告"},
    {"org": "上海市人民政府", "place": "上海", "level": "省", "kind": "政府工作报告"},
    {"org": "四川省人民政府", "place": "四川", "level": "省", "kind": "政府工作报告"},
]


def test_rules_are_data_with_every_part_present():
    rules = load_rules()
    assert rules.level and rules.prefer_kinds and rules.avoid_kinds and rules.body
    assert all(words and values for words, values in rules.level + rules.prefer_kinds + rules.avoid_kinds + rules.body)


def test_level_and_genre_words():
    assert question_prior("县里派了几个督导组下去检查？", REPORTS) == {
        "level": {"$in": ["县"]}, "kind": {"$nin": ["政府工作报告"]}}
    assert question_prior("县里为这项斗争专门投入了多少资金？", REPORTS) == {"level": {"$in": ["县"]}}
    assert question_prior("公安局打黑办案的钱是从哪儿来的？", REPORTS) == {"kind": {"$nin": ["政府工作报告"]}}
    assert question_prior("乡镇用哪些接地气的方式宣讲？", REPORTS)["level"] == {"$in": sorted(["乡镇", "县", "区"])}
    assert question_prior("有些陈年旧案为什么办不下去？", REPORTS) == {}


def test_a_named_place_outweighs_level_words_and_genre_prefers_government_reports():
    # 上海 is a 直辖市: its "全市" is not a city's level
    assert question_prior("上海今年全市生产总值的增长目标是多少？", REPORTS) == {
        "place": {"$in": ["上海"]}, "kind": {"$in": ["政府工作报告"]}}
    assert question_prior("全市生产总值的增长目标是多少？", REPORTS) == {"kind": {"$in": ["政府工作报告"]}}


def test_words_preferring_and_avoiding_a_kind_cancel():
    # a question about crime figures in a government report: no genre preference either way
    assert "kind" not in question_prior("政府工作报告里扫黑除恶打掉了几个团伙？", REPORTS)


def test_body_words_resolve_to_the_librarys_issuers():
    prior = question_prior("我局下一步怎样加强线索摸排？", REPORTS)
    assert prior["org"] == {"$in": ["x公安局", "市市场监管局"]}
    assert "org" not in question_prior("我局下一步怎样加强线索摸排？", REPORTS[:1])  # no 局 in the library


def test_prior_conditions_on_metadata():
    prior = normalise_prior({"level": {"$in": ["县"]}, "kind": {"$nin": ["政府工作报告"]}, "colour": {"$in": ["x"]},
                             "org": {"$in": []}, "year": "2024"})
    assert prior == {"level": {"$in": ["县"]}, "kind": {"$nin": ["政府工作报告"]}}  # unknown keys, empty, bare dropped
    assert prior_matches({"level": "县", "kind": "工作汇报"}, prior)
    assert prior_matches({"level": "县", "kind": ""}, prior)  # an unknown kind is never avoided
    assert not prior_matches({"level": "县", "kind": "政府工作报告"}, prior)
    assert not prior_matches({"level": "省", "kind": "工作汇报"}, prior)
    assert prior_where({"doc_id": ["a"]}, prior) == {"$and": [{"doc_id": {"$in": ["a"]}}, {"level": {"$in": ["县"]}},
                                                             {"kind": {"$nin": ["政府工作报告"]}}]}
    assert prior_where({}, {"kind": {"$in": ["政府工作报告"]}}) == {"kind": {"$in": ["政府工作报告"]}}


COUNTY = """某县常态化扫黑除恶工作情况汇报

一、工作开展情况
一是强化组织领导。县委、县政府成立常态化扫黑除恶工作领导小组，召开专题会议研究部署。
二是加强经费保障。县财政安排专项经费xx万元，保障线索核查和宣传发动。
三是深化线索摸排。全县共受理群众举报线索xx条，已全部核查办结。

二、存在问题
一是宣传发动不够深入，群众参与度不高。二是行业监管存在漏洞。

三、下步打算
一是加大宣传力度。二是健全长效机制。
"""

PROVINCE = """2026年江南省政府工作报告

各位代表：现在，我代表省人民政府，向大会作政府工作报告，请予审议。

一、2025年工作回顾
过去一年，全省地区生产总值增长5.2%。加大基层投入，为县里专门投入扫黑除恶和平安建设资金30亿元，督导组对各县检查两轮。
深入推进平安江南建设，常态化开展扫黑除恶斗争，社会大局保持稳定。

二、2026年工作安排
今年经济社会发展的主要预期目标是：全省地区生产总值增长5%左右，城镇新增就业60万人以上。
"""


def _mixed(make_index, tmp_path):
    from ingest.pipeline import ingest_paths

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "county.txt").write_text(COUNTY, encoding="utf-8")
    (tmp_path / "docs" / "province.txt").write_text(PROVINCE, encoding="utf-8")
    index = make_index()
    ingest_paths([tmp_path / "docs"], index)
    return index


@pytest.fixture
def mixed_library(make_e5_index, tmp_path):
    """A county's campaign report beside a provincial government work report that uses the question's words (the
    real model: which report wins is retrieval quality)."""
    return _mixed(make_e5_index, tmp_path)


@pytest.fixture
def hash_mixed_library(make_index, tmp_path):
    """The same library with the hash embedder, for the fusion's logic."""
    return _mixed(make_index, tmp_path)


def _best(hits, org: str) -> float:
    """The fused score of ``org``'s best hit (0 when none)."""
    return max((h.score for h in hits if h.meta["org"] == org), default=0.0)


@pytest.mark.e5
@pytest.mark.parametrize("question", ["县里为这项斗争专门投入了多少资金？", "督导组检查了几轮？"])
def test_prior_lifts_the_implied_report_without_excluding_the_other(mixed_library, question):
    """The county's report gets the prior's ranking on top of its own: its best hit gains a first rank's share
    (weight / (rrf_k + 1)), the province's nothing, and the province stays among the results.

    Which of the two ends first is not asserted: the province's sentence holds the question's words (为县里专门投入
    …资金, 督导组…检查两轮), so it leads every ranking of its own, and the county's place then turns on its chunk
    vector's rank (0.0009 apart with encoded chunk vectors, 0.01 the other way with pooled ones)."""
    from assistant.prior import library_reports

    prior = question_prior(question, library_reports(mixed_library))
    assert prior
    options = SearchOptions()
    plain = mixed_library.search(question, k=5, prior=prior, options=SearchOptions(prior_weight=0))
    lifted = mixed_library.search(question, k=5, prior=prior, options=options)
    share = options.prior_weight / (options.rrf_k + 1)
    assert _best(lifted, "某县") == pytest.approx(_best(plain, "某县") + share, abs=1e-6)
    assert _best(lifted, "江南省人民政府") == pytest.approx(_best(plain, "江南省人民政府"), abs=1e-6)
    assert _best(lifted, "江南省人民政府") - _best(lifted, "某县") < 0.5 * share  # within a hair, if still ahead
    assert {h.meta["org"] for h in lifted[:2]} == {"某县", "江南省人民政府"}  # preferred, not filtered


@pytest.mark.e5
def test_search_records_and_the_answer_chain_use_the_prior(mixed_library, settings_factory, tmp_path, e5_embeddings):
    from assistant.answer.chain import QAChain
    from assistant.search import search_records
    from assistant.settings import SearchSettings

    settings = settings_factory(tmp_path / "index", e5=True)
    question = "县里为这项斗争专门投入了多少资金？"

    def county(records):
        return max(r["score"] for r in records if r["org"] == "某县")

    with_prior = search_records(mixed_library, question, 3, settings)
    settings.search.prior_weight = 0
    without = search_records(mixed_library, question, 3, settings)
    assert county(with_prior) > county(without) + 0.05
    chain = QAChain(mixed_library, e5_embeddings, None, SearchSettings(k=3))
    retrieved = {h.chunk_id: h.score for h in chain.retrieve(question)}
    assert max(score for cid, score in retrieved.items() if cid in {r["chunk_id"] for r in with_prior
                                                                     if r["org"] == "某县"}) == pytest.approx(
        county(with_prior), abs=1e-6)  # the chain searches with the same prior


def test_a_prior_every_report_meets_changes_nothing(hash_mixed_library):
    question = "群众举报线索有多少条？"
    every = {"kind": {"$nin": ["述职报告"]}}  # both reports meet it: not selective, so not fused
    assert ([h.chunk_id for h in hash_mixed_library.search(question, k=5, prior=every)]
            == [h.chunk_id for h in hash_mixed_library.search(question, k=5)])
