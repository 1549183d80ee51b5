"""Sentence periods at ingest (ingest/periods.py): cues as data, resolved against the report's year, inherited from
the paragraph, the section's opening and the heading."""
from __future__ import annotations

import json

from ingest.chunker import chunk_reports
from ingest.clean import clean_text, split_sentences
from ingest.periods import RULES, annotate_chunks, chunk_sentence_periods, find_cues, load_rules, period_of
from ingest.structure import parse_document

REPORT = """2026年甲省人民政府工作报告
各位代表：
一、2025年和“十四五”时期工作回顾
2025年是极不平凡的一年。全省经济运行稳中有进。
一是经济持续回升向好。地区生产总值增长5.4%，城镇新增就业64.1万人。
二是改革开放深入推进。外贸进出口总额增长5.6%。
五年来，我们坚定不移推动高质量发展。经济总量跨过两个万亿元大关，年均增长5.7%。
这是人民生活品质不断提高的五年。
城镇累计新增就业超过500万人。
二、2026年主要任务
今年是实施“十五五”规划的开局之年。主要预期目标是：地区生产总值增长5%左右；城镇新增就业60万人。
居民人均可支配收入比2020年增长30%以上。
（一）到2030年基本建成现代化产业体系
力争战略性新兴产业占比达到30%。
"""


def _periods(text: str) -> dict[str, str]:
    text = clean_text(text)
    reports = parse_document(text)
    chunks = chunk_reports("d", text, reports, chunk_min=10, chunk_max=120)
    meta = annotate_chunks(text, reports, chunks)
    out = {}
    for chunk in chunks:
        for sentence, period in zip(split_sentences(chunk.text), meta[chunk.chunk_id]["periods"].split("|")):
            out[sentence] = period
    return out


def _of(periods: dict[str, str], needle: str) -> str:
    return next(p for s, p in periods.items() if needle in s)


def test_each_sentence_knows_its_period():
    p = _periods(REPORT)
    # the heading names two periods; the section opens with 2025年 and its items inherit it
    assert _of(p, "地区生产总值增长5.4%") == "2025"
    assert _of(p, "外贸进出口总额") == "2025"
    # a paragraph opening with 五年来 sets the period for the paragraphs after it
    assert _of(p, "年均增长5.7%") == "2021-2025"
    assert _of(p, "城镇累计新增就业") == "2021-2025"
    # a new level-1 heading: this year's targets (今年 resolved against the report's 2026)
    assert _of(p, "地区生产总值增长5%左右") == "2026"
    # a year compared with is not the period spoken of
    assert _of(p, "比2020年增长30%") == "2026"
    # a sub-heading naming its own year
    assert _of(p, "战略性新兴产业占比") == "2030"


def test_relative_cues_resolve_against_the_report_year():
    assert period_of("去年城镇新增就业64.1万人", 2026) == "2025"
    assert period_of("过去五年，城镇新增就业522万人", 2026) == "2021-2025"
    assert period_of("“十四五”时期累计新增就业700万人", None) == "2021-2025"  # named periods need no year
    assert period_of("去年城镇新增就业64.1万人", None) == ""  # unknown year: not guessed
    assert period_of("下一步，要加强线索摸排", None) == "plan"
    assert period_of("2021—2025年累计完成投资", 2026) == "2021-2025"
    assert period_of("全市生产总值增长5%左右", 2026) == ""


def test_cues_are_data(tmp_path):
    rules = json.loads(RULES.read_text(encoding="utf-8"))
    rules["relative"].append({"scope": "last_year", "years": [-1, -1], "cues": ["上一年度"]})
    path = tmp_path / "periods.json"
    path.write_text(json.dumps(rules, ensure_ascii=False), encoding="utf-8")
    custom = load_rules(path)
    assert period_of("上一年度完成投资", 2026, custom) == "2025"
    assert period_of("上一年度完成投资", 2026) == ""  # the shipped rules do not know that cue
    assert [c.scope for _, c in find_cues("去年和今年", custom)] == ["last_year", "this_year"]


def test_periods_recomputed_from_a_chunk_when_not_stored():
    text = "地区生产总值增长5%左右。城镇新增就业60万人。去年城镇新增就业64.1万人。"
    assert chunk_sentence_periods(text, "三、2026年主要任务 > （一）稳增长", 2026) == ["2026", "2026", "2025"]
    assert chunk_sentence_periods(text, "x", 2026, stored="a|b|c") == ["a", "b", "c"]
    assert chunk_sentence_periods(text, "三、2026年主要任务", 2026, stored="a|b") == ["2026", "2026", "2025"]
