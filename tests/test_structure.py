"""Structure of the two sample files: reports, titles, bodies, section types, noise, placeholders, chunks."""
from __future__ import annotations

import pytest

from ingest.chunker import chunk_reports
from ingest.clean import clean_text
from ingest.loaders import load_document
from ingest.structure import parse_document


@pytest.fixture(scope="module")
def parsed(samples_dir):
    out = {}
    for path in sorted(samples_dir.glob("*.txt")):
        text = clean_text(load_document(path))
        reports = parse_document(text)
        out[path.name[:3]] = (text, reports, chunk_reports("doc", text, reports))
    return out


def _chunk_with(parsed, needle):
    for text, reports, chunks in parsed.values():
        for c in chunks:
            if needle in c.text:
                return c
    raise AssertionError(f"no chunk holds {needle!r}")


def test_four_reports_with_titles_bodies_years(parsed):
    reports = [r for key in ("000", "004") for r in parsed[key][1]]
    assert len(reports) == 4
    assert [len(parsed[k][1]) for k in ("000", "004")] == [1, 3]
    assert reports[0].title == "某县常态化扫黑除恶工作情况汇报" and reports[0].org == "某县"
    assert "公安局" in reports[1].org and reports[1].title_inferred and reports[1].year == 2024
    assert "市场监管" in reports[2].org and reports[2].title.startswith("扫黑除恶专项斗争开展情况调研报告")
    assert reports[3].org == "市人大常委会调研组" and reports[3].year == 2024


def test_section_types_on_known_paragraphs(parsed):
    expected = {
        "条块结合不够紧密，协调联动效率不高。部分单位": "problems",
        "积极与x财政局协调": "progress",            # a measure under 一、基本情况 （一）
        "自2024年1月中央开展扫黑除恶专项斗争以来": "overview",
        "继续加强宣传发动，提高群众知晓率": "plans",  # 三、几点建议
        "狠抓“关键少数”": "plans",
        "采取设置咨询宣传点": "progress",           # 二、主要做法
        "宣传动员广度、深度不够": "problems",
        "市委、市政府立即": "progress",             # 人大 report: 基本情况 （一） holds measures
        "今年以来，全市上下认真贯彻落实": "overview",
        "成立27个县级部门": "progress",
    }
    for needle, section_type in expected.items():
        assert _chunk_with(parsed, needle).section_type == section_type, needle


def test_section_path_follows_the_ladder(parsed):
    chunk = _chunk_with(parsed, "基层派出所人员较少")
    assert chunk.section_path == "二、工作中存在的问题 > 二是基层基础不够扎实，工作推进不够强力"
    assert chunk.lead == "基层基础不够扎实，工作推进不够强力"
    assert _chunk_with(parsed, "110举报电话").section_path.startswith(
        "一、基本情况 > (二)突出重点，不断压实专项斗争的政治责任 > 二是广辟线索来源")


def test_noise_stripped_placeholders_kept(parsed):
    text_004 = parsed["004"][0]
    assert "侵权必究" not in text_004 and "公众号原创" not in text_004
    assert "有效提高了全社会对扫黑除恶专项斗争的覆盖率" in text_004  # the sentence around the noise survives
    chunk = _chunk_with(parsed, "累计受理有效举报线索**条")
    assert chunk.has_placeholder
    assert _chunk_with(parsed, "选调了xx名业务尖子").has_placeholder
    assert not _chunk_with(parsed, "当前时期的黑恶犯罪与早期黑恶犯罪").has_placeholder


def test_chunks_keep_offsets_order_and_bounds(parsed):
    for text, reports, chunks in parsed.values():
        assert [c.seq for c in chunks] == list(range(len(chunks)))
        assert all(a.start < b.start for a, b in zip(chunks, chunks[1:]))
        for c in chunks:
            assert text[c.start:c.end].strip() == c.text
            assert len(c.text) <= 400
            assert c.embed_text.startswith(c.report_title)
        # every body paragraph is covered by some chunk
        covered = "".join(c.text for c in chunks)
        for paragraph in ("沿涪江一带砂石开采乱象突出", "电信诈骗问题突出", "市财政部门安排了专项奖励资金"):
            if paragraph in text:
                assert paragraph in covered


def test_chunks_never_cross_sections(parsed):
    for text, reports, chunks in parsed.values():
        for c in chunks:
            report = reports[c.report_index]
            types = {u.section_type for u in report.units if u.start < c.end and u.end > c.start}
            assert types == {c.section_type}, (c.chunk_id, types)
