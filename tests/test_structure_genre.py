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
