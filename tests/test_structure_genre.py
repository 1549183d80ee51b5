"""The whole report family: units, places, levels and kinds; section types of government work reports.

Inline texts are short but real-shaped (a page's interface words, the speaker's formula, a signature); the four
2026 provincial reports of ../shared/corpus_multi are read when present.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ingest.chunker import chunk_reports
from ingest.clean import clean_text
from ingest.loaders import load_document
from ingest.structure import find_kind, find_unit, parse_document

MULTI = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus_multi"
PLACES = {"上海市": ("上海", "上海市人民政府"), "四川省": ("四川", "四川省人民政府"),
          "广东省": ("广东", "广东省人民政府"), "浙江省": ("浙江", "浙江省人民政府")}

HEBEI = """下载
打印
【字号：
加大
】
2026年河北省政府工作报告
——2026年1月20日在河北省第十四届人民代表大会第五次会议上
各位代表：
现在，我代表省人民政府，向大会报告工作，请予审议，并请各位政协委员提出意见。
一、2025年工作回顾
过去一年，全省经济运行稳中有进，地区生产总值增长5.3%，城镇新增就业90万人，居民人均可支配收入增长5.5%，各项事业取得新进展。
同时，我们也清醒看到，发展中还存在不少困难和挑战，主要是：有效需求不足，部分企业生产经营困难；科技创新能力不强，新旧动能转换任务较重；民生保障还有短板。我们一定直面问题，切实加以解决。
二、2026年主要工作
今年是“十五五”开局之年。我们将重点抓好以下工作：一是扩大有效需求，二是加快建设现代化产业体系。
"""


def test_government_report_unit_place_level_kind():
    reports = parse_document(clean_text(HEBEI))
    assert len(reports) == 1
    r = reports[0]
    assert (r.title, r.org, r.place, r.level, r.kind, r.year) == (
        "2026年河北省政府工作报告", "河北省人民政府", "河北", "省", "政府工作报告", 2026)


@pytest.mark.parametrize("title,body,expected", [
    ("政府工作报告", "广东省省长 孟凡利\n各位代表：\n现在，我代表省人民政府，向大会报告工作。", ("广东省人民政府", "广东", "省")),
    ("2026年北京市政府工作报告", "现在，我代表市人民政府，向大会报告工作。", ("北京市人民政府", "北京", "省")),
    ("2026年西藏自治区政府工作报告", "现在，我代表自治区人民政府，向大会报告工作。", ("西藏自治区人民政府", "西藏", "省")),
    ("政府工作报告", "自治区人民政府主席 包钢\n现在，我代表自治区人民政府，向大会报告工作。内蒙古自治区各族人民",
     ("内蒙古自治区人民政府", "内蒙古", "省")),
    ("2025年延安市政府工作报告", "现在，我代表市人民政府，向大会报告工作。", ("延安市人民政府", "延安", "市")),
    ("政府工作报告", "现在，我代表县人民政府，向大会报告工作。", ("县人民政府", "", "县")),  # no place: no guess
    ("延安市公安局2024年扫黑除恶工作总结", "我局认真贯彻落实……", ("延安市公安局", "延安", "市")),
    ("吴起县常态化扫黑除恶工作汇报", "我县认真贯彻落实……", ("吴起县", "吴起", "县")),
])
def test_units_are_normalised_never_a_bare_level(title, body, expected):
    org, place, level = find_unit(title, body)
    assert (org, place, level) == expected
    assert org not in ("市", "区", "县", "省")


@pytest.mark.parametrize("title,body,kind", [
    ("2026年河北省政府工作报告", "", "政府工作报告"),
    ("某县常态化扫黑除恶工作情况汇报", "", "工作汇报"),
    ("关于扫黑除恶专项斗争开展情况的调研报告", "", "调研报告"),
    ("2025年度述职述廉报告", "", "述职报告"),
    ("关于巡察反馈问题整改情况的报告", "", "整改报告"),
    ("某局2025年工作总结", "", "工作总结"),
    ("2026年政法工作要点", "", "工作要点"),
    ("", "现将调研情况报告如下：", "调研报告"),
    ("", "各位领导：今天我们在这里开会。", ""),
])
def test_kind_from_title_or_formula(title, body, kind):
    assert find_kind(title, body, inferred=not title) == kind


def test_samples_keep_their_bodies_and_gain_place_level_kind(samples_dir):
    reports = [r for path in sorted(samples_dir.glob("*.txt"))
               for r in parse_document(clean_text(load_document(path)))]
    got = [(r.org, r.place, r.level, r.kind) for r in reports]
    assert got == [("某县", "", "县", "工作汇报"),       # **县: the place is masked
                   ("x公安局", "", "", ""),              # x公安局, no title, no formula: nothing guessed
                   ("市市场监管局", "", "市", "调研报告"),  # names no place of its own
                   ("市人大常委会调研组", "延安", "市", "调研报告")]  # 《延安市开展…方案》, 延安日报


def test_chunk_metadata_and_manifest_record_carry_place_level_kind(tmp_path):
    from ingest.pipeline import prepare_document

    path = tmp_path / "hebei.txt"
    path.write_text(HEBEI, encoding="utf-8")
    doc = prepare_document(path)
    for chunk in doc.chunks:
        meta = chunk.metadata()
        assert (meta["place"], meta["level"], meta["kind"]) == ("河北", "省", "政府工作报告")
        assert all(v is not None for v in meta.values())
    record = doc.record()["reports"][0]
    assert (record["org"], record["place"], record["level"], record["kind"]) == (
        "河北省人民政府", "河北", "省", "政府工作报告")


@pytest.fixture(scope="module")
def multi():
    if not MULTI.is_dir():
        pytest.skip("../shared/corpus_multi not present")
    out = {}
    for path in sorted(MULTI.glob("*.txt")):
        text = clean_text(load_document(path))
        reports = parse_document(text)
        out[path.name.split("_")[1]] = (text, reports, chunk_reports("d", text, reports))
    return out


def test_multi_one_report_each_with_its_government(multi):
    for name, (_, reports, _) in multi.items():
        assert len(reports) == 1, (name, [r.title for r in reports])  # no trailer or appendix split off
        r = reports[0]
        assert (r.place, r.org, r.level, r.kind, r.year) == (*PLACES[name], "省", "政府工作报告", 2026)
        assert not r.title_inferred and "政府工作报告" in r.title


def _units_with(reports, needle):
    return [u for r in reports for u in r.units if needle in HEBEI_CLEAN[u.start:u.end]]


HEBEI_CLEAN = clean_text(HEBEI)


def test_review_plans_and_the_problems_paragraph_inside_the_review():
    reports = parse_document(HEBEI_CLEAN)
    by_type = lambda needle: {u.section_type for u in _units_with(reports, needle)}  # noqa: E731
    assert by_type("全省经济运行稳中有进") == {"progress"}     # 一、2025年工作回顾
    assert by_type("我们也清醒看到") == {"problems"}           # the turn inside the review
    assert by_type("有效需求不足") == {"problems"}
    assert by_type("我们一定直面问题") == {"problems"}          # its closing sentence stays with it
    assert by_type("重点抓好以下工作") == {"plans"}            # 二、2026年主要工作: the year to come
    leads = [u.lead for u in reports[0].units if u.section_type == "problems" and u.lead]
    assert leads == ["有效需求不足", "科技创新能力不强", "民生保障还有短板"]
    chunks = chunk_reports("d", HEBEI_CLEAN, reports)
    problems = [c for c in chunks if c.section_type == "problems"]
    assert problems and all("稳中有进" not in c.text for c in problems)  # a turn starts a new chunk


@pytest.mark.parametrize("heading,expected", [
    ("一、“十四五”时期经济社会发展回顾", "progress"),
    ("三、2026年主要工作", "plans"),              # 主要工作 follows the heading's time
    ("一、2025年主要工作和“十四五”发展成就", "progress"),
    ("二、“十五五”时期的主要目标任务", "plans"),
    ("三、一鼓作气勇争先，全力推动“十五五”开好局", "plans"),  # no cue word: the period decides
    ("二、存在的问题和不足", "problems"),
    ("三、面临的困难和挑战", "problems"),
    ("四、下一步工作打算", "plans"),
    ("三、几点意见建议", "plans"),
    ("二、整改措施", "plans"),
    ("一、基本情况", "overview"),
])
def test_headings_of_the_family(heading, expected):
    text = f"2026年某省政府工作报告\n现在，我代表省人民政府，向大会报告工作。\n{heading}\n" + "这一部分的正文。" * 12
    reports = parse_document(text)
    body = [u for u in reports[0].units if "这一部分的正文" in text[u.start:u.end]]
    assert {u.section_type for u in body} == {expected}, heading


def test_same_year_is_past_in_a_summary_and_to_come_in_a_work_report():
    body = "\n一、2025年工作情况\n" + "全年完成了各项任务。" * 10
    summary = parse_document("某局2025年工作总结" + body)[0]
    report = parse_document("2025年某省政府工作报告\n现在，我代表省人民政府，向大会报告工作。" + body)[0]
    assert summary.kind == "工作总结" and {u.section_type for u in summary.units} == {"progress"}
    assert report.kind == "政府工作报告" and {u.section_type for u in report.units if u.path} == {"plans"}


def test_rules_are_data():
    from ingest.structure import RULES_DIR, section_rules

    assert (RULES_DIR / "section_cues.toml").is_file() and (RULES_DIR / "report_units.toml").is_file()
    assert section_rules() is section_rules()  # read once
    types = {name for name, _, _ in section_rules()["heading"]}
    assert types == {"problems", "plans", "progress", "overview", "other"}


def test_multi_every_report_has_the_arc_and_chunks_stay_in_one_section(multi):
    for name, (text, reports, chunks) in multi.items():
        assert {"progress", "problems", "plans"} <= {c.section_type for c in chunks}, name
        for c in chunks:
            types = {u.section_type for u in reports[c.report_index].units if u.start < c.end and u.end > c.start}
            assert types == {c.section_type}, (name, c.text[:30], types)
        problems = [c for c in chunks if c.section_type == "problems"]
        assert any("清醒" in c.text for c in problems), name


def test_labelled_accuracy_on_both_label_sets(multi, samples_dir):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.structure import measure

    for name, folder in (("samples", samples_dir), ("multi", MULTI)):
        result = measure(name, folder)
        assert result["paragraphs"] >= 60
        assert result["accuracy"] >= 0.9, (name, result["misses"])
        assert all(r["unit_right"] and r["arc"] == ["plans", "problems", "progress"] for r in result["reports"])


def test_themes_read_the_problems_listed_in_a_paragraph():
    from ingest.points import items as _items

    line = next(line for line in HEBEI_CLEAN.split("\n") if line.startswith("同时，我们也清醒看到"))
    items = _items(line, listed=True)
    assert [lead for _, lead, _ in items if lead] == ["有效需求不足", "科技创新能力不强", "民生保障还有短板"]
    assert _items(line) == [((), "", line)]  # outside problems sections a paragraph stays whole


FAMILY = {  # title → (its headings and their types by reading, its kind)
    "2025年度个人述职述廉报告": ([("一、履职尽责情况", "progress"), ("二、存在的不足", "problems"),
                          ("三、今后努力方向", "plans")], "述职报告"),
    "关于巡察反馈问题整改情况的报告": ([("一、整改工作开展情况", "progress"), ("二、下一步整改措施", "plans")], "整改报告"),
    "关于农村人居环境整治的调研报告": ([("一、基本情况", "overview"), ("二、存在的主要问题", "problems"),
                          ("三、原因分析", "problems"), ("四、对策建议", "plans")], "调研报告"),
    "某局2025年工作总结": ([("一、2025年工作完成情况", "progress"), ("二、工作中存在的不足", "problems"),
                      ("三、2026年工作思路", "plans")], "工作总结"),
    "2026年全县政法工作要点": ([("一、坚决维护国家政治安全", "plans"), ("二、深化平安建设", "plans")], "工作要点"),
}


@pytest.mark.parametrize("title", list(FAMILY))
def test_the_report_family(title):
    headings, kind = FAMILY[title]
    text = title + "\n" + "\n".join(f"{h}\n" + f"{h[2:]}的第一段正文，写明具体情况。" * 6 for h, _ in headings)
    report = parse_document(text)[0]
    assert report.kind == kind
    for heading, expected in headings:
        body = {u.section_type for u in report.units if text[u.start:u.end].startswith(heading[2:] + "的第一段")}
        assert body == {expected}, (title, heading, body)
