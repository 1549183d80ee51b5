"""Points and themes on the sample reports (real Chroma, real e5, real jieba), their export and the CLI."""
from __future__ import annotations

import csv
import json

import pytest

from assistant.themes import build_themes, extract_points, label_of, themes_to_csv, themes_to_markdown
from ingest.points import items as _items


@pytest.fixture(scope="module")
def problems(sample_index):
    return build_themes(sample_index, "problems")


def _theme_of(result, word):
    """The themes holding the points whose lead names ``word``, and how many such points there are."""
    themes = [t for t in result.themes if any(word in p.lead for p in t.points)]
    return themes, sum(word in p.lead for t in result.themes for p in t.points)


@pytest.mark.parametrize("word", ["宣传", "线索摸排"])
def test_recurring_problems_form_one_theme_raised_by_three_reports(problems, word):
    themes, n = _theme_of(problems, word)
    assert len(themes) == 1, [t.label for t in themes]
    theme = themes[0]
    assert n >= 3 and all(word in p.lead for p in theme.points)  # nothing unrelated pulled in
    assert theme.reports >= 3
    assert theme.reports == len({p.report_title for p in theme.points})
    assert word in theme.label


def test_the_two_themes_are_distinct_and_lead_the_list(problems):
    (propaganda,), _ = _theme_of(problems, "宣传")
    (leads,), _ = _theme_of(problems, "线索摸排")
    assert propaganda is not leads
    assert {propaganda.label, leads.label} == {t.label for t in problems.themes[:2]}


def test_themes_are_ordered_by_reports_then_points(problems):
    keys = [(t.reports, len(t.points)) for t in problems.themes]
    assert keys == sorted(keys, reverse=True)
    assert problems.section == "problems"
    assert all(t.label and 1 <= t.reports <= len(t.points) for t in problems.themes)


def test_every_point_comes_from_the_index(sample_index, problems):
    points = [p for t in problems.themes for p in t.points]
    assert len(points) == len(extract_points(sample_index, "problems")) >= 12
    stored = sample_index.store.get(sorted({p.chunk_id for p in points}))
    for p in points:
        assert set(p.record()) == {"lead", "text", "report_title", "org", "section_path", "chunk_id"}
        text, meta = stored[p.chunk_id]
        assert p.lead and p.lead in p.text and p.text[:40] in text
        assert meta["section_type"] == "problems" and meta["doc_id"] in sample_index.documents
        assert p.report_title == meta["report_title"] and p.org == meta["org"]
        assert p.section_path.startswith(meta["section_path"]) and p.section_path.endswith(p.lead)


def test_a_chunk_of_several_items_is_split_and_its_lead_in_dropped(sample_index):
    points = extract_points(sample_index, "problems")
    market = [p for p in points if p.org == "市市场监管局"]
    assert [p.lead for p in market] == ["宣传工作还需加强", "线索摸排不到位", "治乱没有形成合力"]
    assert len({p.chunk_id for p in market}) == 1
    assert not any(p.text.startswith(("虽然", "开展常态化")) for p in points)  # lead-in sentences are not points


def test_items_of_a_chunk_text():
    text = ("下一步，我们将坚持问题导向。\n"
            "（一）进一步提升思想认识。一是狠抓关键少数，提升认识。培训两次。二是狠抓宣讲，夯实基础。\n"
            "（二）强化宣传发动\n组建宣传小分队，加大宣传力度。")
    items = _items(text)
    assert [(below, lead) for below, lead, _ in items] == [
        ((), ""),  # the lead-in
        (("（一）进一步提升思想认识", "一是狠抓关键少数，提升认识"), "狠抓关键少数，提升认识"),
        (("（一）进一步提升思想认识", "二是狠抓宣讲，夯实基础"), "狠抓宣讲，夯实基础"),
        (("（二）强化宣传发动",), "强化宣传发动"),  # the body of a heading alone on its line
    ]
    assert items[1][2] == "一是狠抓关键少数，提升认识。培训两次。"
    assert _items("紧盯重点领域，深入摸排。", opened="(二)坚持依法办事") == [
        (("(二)坚持依法办事",), "坚持依法办事", "紧盯重点领域，深入摸排。")]


def test_labels_name_what_the_leads_share():
    assert label_of(["线索摸排还不够深入", "线索摸排不到位", "线索摸排和挖掘力度不大"]) == "线索摸排"
    assert label_of(["宣传发动不够深入", "宣传工作还需加强", "宣传动员广度、深度不够"]) == "宣传"
    assert label_of(["业务能力有待提高"]) == "业务能力"


def test_topic_keeps_only_points_on_it(sample_index):
    result = build_themes(sample_index, "progress", topic="宣传")
    assert result.themes and all("宣传" in p.lead for t in result.themes for p in t.points)
    assert result.themes[0].reports == 4  # every report tells how it publicised the campaign


@pytest.mark.e5
def test_a_topic_named_by_no_point_keeps_the_nearest_by_meaning(e5_sample_index):
    by_meaning = build_themes(e5_sample_index, "progress", topic="队伍建设")  # the real model: nearest by meaning
    assert any("专业队伍" in p.lead for t in by_meaning.themes for p in t.points)


def test_markdown_and_csv_export_round_trip(problems, tmp_path):
    md = themes_to_markdown(problems)
    for theme in problems.themes:
        assert f"{theme.label}（{theme.reports}份报告）" in md
        assert all(p.lead in md for p in theme.points)
    path = themes_to_csv(problems, tmp_path / "themes.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    expected = [(t.label, str(t.reports), p.lead, p.chunk_id, p.text)
                for t in problems.themes for p in t.points]
    assert [(r["theme"], r["reports"], r["lead"], r["chunk_id"], r["text"]) for r in rows] == expected


def test_cli_themes(sample_index, monkeypatch, capsys, tmp_path):
    from assistant.__main__ import main

    monkeypatch.setenv("HUIBAO_EMBEDDING__BACKEND", "hash")  # the sample index's embedder
    db = str(sample_index.path)
    assert main(["themes", "--section", "problems", "--db", db, "--json", "--export", str(tmp_path / "t.md")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"section", "themes"} and set(out["themes"][0]) == {"label", "reports", "points"}
    assert (tmp_path / "t.md").read_text(encoding="utf-8").startswith("# 存在的问题")
    assert main(["themes", "--section", "problems", "--db", db]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == f"{out['themes'][0]['label']}（{out['themes'][0]['reports']}份报告）"
