"""The drafting chain on the sample library (real Chroma, e5 and jieba) with a scripted chat model: points chosen
from the themes, the user's facts placed and kept, invented figures turned into placeholders, foreign names and
copied passages dropped, revisions under the same guards, the outline mode, Word export and the CLI."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assistant.draft.chain import DraftChain, DraftConfig, DraftRequest, draft_to_docx
from assistant.draft.text import clean_body, self_name, to_own_level, unit_level
from assistant.guards import longest_copy, unsupported_figures
from assistant.names import NameGuard, family_of, place_names
from tests.cli import run_cli
from tests.conftest import HASH_ENV
from tests.fakes import scripted

FACTS = ["召开县委常委会专题研究扫黑除恶工作3次", "打掉恶势力犯罪集团2个", "发放宣传资料1.2万份"]


def _request(**kw):
    base = {"section": "progress", "unit": "某县", "topic": "常态化扫黑除恶", "length": 300, "facts": FACTS}
    return DraftRequest(**{**base, **kw})


def test_request_is_validated():
    with pytest.raises(ValueError, match="section"):
        DraftRequest("summary", "某县")
    with pytest.raises(ValueError, match="unit"):
        DraftRequest("problems", "  ")
    with pytest.raises(ValueError, match="style"):
        DraftRequest("problems", "某县", style="bullets")
    assert DraftRequest("problems", "某县", facts=["", " - 打掉团伙2个。"]).facts == ["打掉团伙2个"]


def test_units_name_themselves():
    assert [self_name(u) for u in ("某县", "某市公安局", "某县市场监督管理局", "某区人大常委会调研组", "某中心")] == \
        ["我县", "我局", "我局", "调研组", "我单位"]


def test_a_draft_speaks_at_its_units_level_and_keeps_the_users_words():
    assert [unit_level(u) for u in ("某县市场监督管理局", "某市公安局", "某区人大常委会调研组", "某中心")] == \
        ["县", "市", "区", None]
    text = "全市召开市扫黑除恶领导小组会议，各县区扫黑办、全市场监管系统和本区域内均落实；市扫黑办督导我县3次。"
    assert to_own_level(text, "某县", keep=["市扫黑办督导我县3次"]) == \
        "全县召开县扫黑除恶领导小组会议，各县区扫黑办、全市场监管系统和本区域内均落实；市扫黑办督导我县3次。"
    assert to_own_level("全县共打掉团伙", "某市公安局") == "全市共打掉团伙"
    assert to_own_level("全县共打掉团伙", "某中心") == "全县共打掉团伙"


def test_model_output_becomes_one_plain_paragraph():
    raw = ("宣传发动不够深入。为此我们将采取以下具体措施：\n1. 一是加强宣传，二是深入摸排。\n- 强化协作，形成合力，"
           "加强宣传，形成合力。")
    body = clean_body(raw, "宣传发动不够深入", 100, "我局")
    assert body == "加强宣传，深入摸排。强化协作，形成合力。"
    long = "。".join(f"第{i}句内容较长的一句话" for i in range(20)) + "。"
    assert len(clean_body(long, "无关", 40)) <= 60


def test_names_of_other_units_are_found_and_masked(samples_dir):
    text = "\n".join(p.read_text(encoding="utf-8") for p in samples_dir.iterdir())
    places = place_names(text)
    assert {"延安", "吴起", "甘泉", "涪江"} <= places and not places & {"全市", "各县区", "深水", "领导"}
    assert family_of("某县市场监督管理局") == "市场监管" and family_of("某县") is None
    market = NameGuard.from_references("某县市场监督管理局", [text])
    assert market.find_leaks("延安市民警与市场监管所开展联合检查") == ["延安", "民警"]
    police = NameGuard.from_references("某市公安局", [text])
    assert police.find_leaks("全局民警深入摸排线索") == [] and police.find_leaks("市场监管局") == ["市场监管局"]


def test_outline_mode_picks_recurring_themes_and_places_facts(sample_index, embeddings):
    chain = DraftChain(sample_index, embeddings, None)
    result = chain.run(_request(section="problems", unit="某县市场监督管理局", facts=[], length=400))
    assert result.mode == "outline" and result.text.startswith("二、存在的问题")
    headings = [p.heading for p in result.points]
    assert len(headings) == 4 and any("宣传" in h for h in headings) and any("线索" in h for h in headings)
    assert all(p.references and p.text.startswith(f"{'一二三四'[i]}是") for i, p in enumerate(result.points))
    assert "【参考】" in result.text

    progress = chain.run(_request(style="numbered"))
    owner = {f: p.heading for p in progress.points for f in p.facts}
    assert set(owner) == set(FACTS)  # every fact placed, each with the point it belongs to
    assert "宣传" in owner["发放宣传资料1.2万份"] and "领导" in owner[FACTS[0]]
    assert all(f in progress.text for f in FACTS) and progress.points[0].text.startswith("（一）")


def _plan(sample_index, embeddings, request):
    chain = DraftChain(sample_index, embeddings, None)
    return chain.plan(request, chain._guard(request))


def test_guards_on_what_the_model_writes(sample_index, embeddings):
    request = _request()
    planned = _plan(sample_index, embeddings, request)
    assert len(planned) == 3
    copied = next(r.text for r in planned[0].references if len(r.text) > 80)[10:70]
    replies = [
        f"一是坚持高位推动。{copied}。",  # a copied passage: written again …
        f"{copied}。同时走访群众500人次。",  # … copied again: dropped; the invented figure becomes a placeholder
        "各乡镇联合延安市民警开展排查。全县上下形成了齐抓共管的工作格局。",  # a foreign place and body
        "通过深入排查，我们共打掉恶势力犯罪集团两个，一是摸清底数，二是深挖彻查。",  # 两个 = the fact's 2个
    ]
    chain = DraftChain(sample_index, embeddings, scripted(*replies), config=DraftConfig())
    events = list(chain.draft(request))
    kinds = [e.type for e in events]
    assert kinds[0] == "plan" and kinds[-1] == "final" and kinds.count("point") == 3 and "token" in kinds
    result = events[-1].result
    assert result.mode == "llm" and result.unsupported_numbers == ()
    assert "500" not in result.text and "X人次" in result.placeholders
    assert result.leaked_names == ("延安", "民警") and "延安" not in result.text and "民警" not in result.text
    assert "齐抓共管" in result.text  # only the offending sentence went
    assert "我们" not in result.text and "我县共打掉" in result.text  # the unit names itself as 公文 does
    for point in result.points:
        assert longest_copy(point.body, [r.text for r in point.references]) < 40
        assert point.references and "一是" not in point.body and "二是" not in point.body
        assert all(not unsupported_figures(fact, [point.body]) for fact in point.facts)  # 两个 stands for 2个
    assert sorted(f for p in result.points for f in p.facts) == sorted(FACTS)
    assert result.timings.first_point_ms > 0


def test_revisions_keep_the_guards(sample_index, embeddings):
    base = DraftChain(sample_index, embeddings, None).run(_request())
    reply = "宣传覆盖面持续扩大，累计开展活动80场，发放宣传资料1.2万份。"
    chain = DraftChain(sample_index, embeddings, scripted(reply))
    revised = chain.revise(base, "shorten", point=0)
    assert revised.points[0].body.startswith("宣传覆盖面持续扩大") and "X场" in revised.placeholders
    assert "1.2万份" in revised.points[0].body and "80" not in revised.text
    assert [p.text for p in revised.points[1:]] == [p.text for p in base.points[1:]]
    sent = chain.llm.calls[0][-1].content
    assert "压缩" in sent and base.points[0].body in sent
    with pytest.raises(ValueError, match="shorten"):
        chain.revise(base, "翻译")
    with pytest.raises(ValueError, match="共3条"):
        chain.revise(base, "shorten", point=5)
    with pytest.raises(RuntimeError, match="大模型"):
        DraftChain(sample_index, embeddings, None).revise(base, "expand")


def test_user_outline_is_followed(sample_index, embeddings):
    outline = ["加强宣传引导", "深挖线索来源"]
    result = DraftChain(sample_index, embeddings, None).run(_request(section="plans", facts=[], outline=outline))
    assert [p.heading for p in result.points] == outline
    assert any("宣传" in r.text for r in result.points[0].references)
    assert any("线索" in r.text for r in result.points[1].references)


def test_word_export_of_a_draft(sample_index, embeddings, tmp_path):
    from docx import Document

    chain = DraftChain(sample_index, embeddings, scripted("开展宣传活动X次。", "召开会议部署。", "排查线索。"))
    result = chain.run(_request())
    path = draft_to_docx(result, tmp_path / "draft.docx")
    doc = Document(str(path))
    texts = [p.text for p in doc.paragraphs if p.text]
    assert texts[0] == result.title and texts[1] == "一、工作进展及成效"
    assert texts[2:] == [p.text for p in result.points]
    highlighted = [r.text for p in doc.paragraphs for r in p.runs if r.font.highlight_color]
    assert "X次" in highlighted


def test_draft_cli_contract(sample_index, tmp_path):
    env = {**os.environ, **HASH_ENV}
    facts = tmp_path / "facts.txt"
    facts.write_text("\n".join(FACTS), encoding="utf-8")
    db = str(sample_index.path)
    out = run_cli(["-m", "assistant", "draft", "--section", "progress", "--unit", "某县", "--facts", str(facts),
                   "--db", db, "--json", "--docx", str(tmp_path / "d.docx")], env)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert {"title", "section", "unit", "text", "points", "placeholders", "unsupported_numbers", "leaked_names",
            "mode"} <= set(result) and result["mode"] == "outline"
    assert set(result["points"][0]) >= {"heading", "text", "references"}
    assert set(result["points"][0]["references"][0]) >= {"report_title", "section_path", "chunk_id"}
    assert (tmp_path / "d.docx").stat().st_size > 5000
    for name in ("hits.csv", "hits.md"):
        proc = run_cli(["-m", "assistant", "search", "宣传发动不够深入", "--section", "problems", "--db", db,
                        "--export", str(tmp_path / name)], env)
        assert proc.returncode == 0, proc.stderr[-2000:]
    assert "宣传发动不够深入" in (tmp_path / "hits.csv").read_text(encoding="utf-8-sig")
    assert (tmp_path / "hits.md").read_text(encoding="utf-8").startswith("# 检索：宣传发动不够深入")


def test_themes_are_built_once_per_library_state(sample_index, embeddings, monkeypatch):
    import assistant.draft.chain as draft_module

    calls = []
    real = draft_module.build_themes
    monkeypatch.setattr(draft_module, "build_themes", lambda index, section, **kw: calls.append(section) or
                        real(index, section, **kw))
    chain = DraftChain(sample_index, embeddings, None)
    chain.warm()
    assert sorted(calls) == ["plans", "problems", "progress"]
    chain.run(_request(section="plans", facts=[]))
    chain.run(_request(section="problems", facts=[]))
    assert len(calls) == 3  # the drafts reused what warm() built
