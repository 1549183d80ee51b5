"""A library of government work reports alone (no 扫黑除恶 report): section filters, themes and a problems draft
for 某省人民政府 work from their structure.  Real Chroma, jieba and e5; the four reports of ../shared/corpus_multi
are condensed to their head, review opening, problems paragraph and a few plans paragraphs (a whole report takes
minutes to embed on two cores)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

MULTI = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus_multi"
RECURRING = {  # what most of these reports name among their problems (read from the four problems paragraphs)
    "需求": r"需求|消费|投资",
    "创新": r"科技创新|创新|新旧动能|产业",
    "民生": r"公共服务|民生|就业",
    "风险": r"风险",
    "政府": r"政府|作风|工作人员",
}


def _condensed(text: str) -> str:
    """Head lines, the first review paragraphs, the problems paragraph and the first plans paragraphs."""
    lines = text.split("\n")
    tops = [i for i, line in enumerate(lines) if re.match(r"^[一二三]、", line)]
    turn = next(i for i, line in enumerate(lines) if "清醒" in line and ("困难" in line or "问题" in line))
    plans = next(i for i in tops if re.search(r"2026年", lines[i]))
    keep = list(range(tops[0] + 3)) + [turn] + list(range(plans, plans + 6))
    return "\n".join(lines[i] for i in keep)


def _gov_index(settings, embeddings, tmp_path_factory):
    if not MULTI.is_dir():
        pytest.skip("../shared/corpus_multi not present")
    from assistant.service import make_store
    from ingest.pipeline import ingest_paths

    folder = tmp_path_factory.mktemp("gov")
    for path in sorted(MULTI.glob("*.txt")):
        (folder / path.name).write_text(_condensed(path.read_text(encoding="utf-8")), encoding="utf-8")
    index = make_store(settings, embeddings)
    summary = ingest_paths([folder], index)
    assert not summary["errors"] and len(summary["documents"]) == 4
    return index


@pytest.fixture(scope="module")
def gov_index(settings_factory, embeddings, tmp_path_factory):
    return _gov_index(settings_factory(tmp_path_factory.mktemp("gov-index")), embeddings, tmp_path_factory)


@pytest.fixture(scope="module")
def e5_gov_index(settings_factory, e5_embeddings, tmp_path_factory):
    """With the real model: which problems recur across the governments is a matter of meaning."""
    return _gov_index(settings_factory(tmp_path_factory.mktemp("e5-gov-index"), e5=True), e5_embeddings,
                      tmp_path_factory)


def test_manifest_and_filters_know_the_governments(gov_index):
    reports = [r for rec in gov_index.documents.values() for r in rec["reports"]]
    assert sorted((r["org"], r["place"], r["level"], r["kind"]) for r in reports) == sorted(
        (f"{p}人民政府", p[:2], "省", "政府工作报告") for p in ("上海市", "四川省", "广东省", "浙江省"))
    assert all({"progress", "problems", "plans"} <= set(r["sections"]) for r in reports)
    hits = gov_index.search("经济社会发展还存在哪些困难和问题", k=5, filters={"section_type": "problems"})
    assert hits and all(h.meta["section_type"] == "problems" for h in hits)
    assert {h.meta["place"] for h in hits} <= {"上海", "四川", "广东", "浙江"}


def test_themes_of_problems_span_the_reports(gov_index):
    from assistant.themes import build_themes

    themes = build_themes(gov_index, "problems").themes
    assert themes and themes[0].reports >= 2  # a problem several governments name
    assert len({p.org for t in themes for p in t.points}) == 4


@pytest.mark.e5
def test_problems_draft_for_a_province_names_the_recurring_problems(e5_gov_index, e5_embeddings):
    from assistant.draft.chain import DraftChain, DraftRequest

    result = DraftChain(e5_gov_index, e5_embeddings, None).run(DraftRequest("problems", "某省人民政府", length=400))
    assert result.mode == "outline" and result.points
    headings = " ".join(p.heading for p in result.points)
    named = [name for name, pattern in RECURRING.items() if re.search(pattern, headings)]
    assert len(named) >= 3, (headings, named)
