"""The 起草 tab: the form, the streamed text, hand edits carried into revisions and the Word file (scripted model)."""
from __future__ import annotations

import pytest

from assistant.draft.chain import DraftChain
from assistant.draft.results import DraftPoint, DraftResult
from ingest.points import Point
from assistant.web.draft_view import (DraftStream, export_docx, make_request, notes_markdown, references_html,
                                  target_index, targets, with_edits)
from tests.fakes import scripted

FACTS = "召开专题会议3次\n\n发放宣传资料1.2万份"
BODIES = [f"本局第{n}项工作有待加强，群众参与程度不高，需要持续改进。" for n in "一二三四五六七八九十"]


def test_form_becomes_a_request():
    request = make_request("plans", " 某县市场监督管理局 ", "扫黑除恶", 600, FACTS, "加强宣传\n", "numbered")
    assert (request.section, request.unit, request.length, request.style) == ("plans", "某县市场监督管理局", 600,
                                                                              "numbered")
    assert request.facts == ["召开专题会议3次", "发放宣传资料1.2万份"] and request.outline == ["加强宣传"]
    with pytest.raises(ValueError, match="unit"):
        make_request("problems", "  ", "", 400, "", "", "yishi")


@pytest.fixture
def drafted(sample_index, embeddings):
    """A problems draft by a scripted model, with every text the box showed on the way."""
    llm = scripted(*BODIES)
    chain = DraftChain(sample_index, embeddings, llm)
    request = make_request("problems", "某县市场监督管理局", "扫黑除恶", 400, "", "", "yishi")
    stream = DraftStream(request)
    shown = [stream.apply(event) for event in chain.draft(request)]
    return chain, llm, stream.result, shown


def test_points_stream_into_the_box(drafted):
    _, _, result, shown = drafted
    headings = [p.heading for p in result.points]
    assert shown[0] == "二、存在的问题\n" + "\n".join(f"{'一二三四五六'[i]}是{h}。" for i, h in enumerate(headings))
    assert any(BODIES[0][:6] in text and BODIES[1][:6] not in text for text in shown)  # mid-stream, point one only
    assert shown[-1] == result.text and all(BODIES[i][:10] in result.text for i in range(len(headings)))
    assert targets(result) == [("全文", "all")] + [(f"第{i + 1}条 {h}", i) for i, h in enumerate(headings)]
    assert target_index("all", result) is None and target_index(targets(result)[2][1], result) == 1
    with pytest.raises(ValueError, match="没有第9条"):
        target_index(8, result)


def test_hand_edits_reach_revisions_and_the_word_file(drafted, tmp_path):
    from docx import Document

    chain, llm, result, _ = drafted
    lines = result.text.split("\n")
    lines[2] = lines[2].replace(result.points[1].body, "本局XX个所队宣传覆盖面不足，需要在集市开展流动宣讲。")
    edited = with_edits(result, "\n".join(lines) + "\n\n")
    assert edited.points[1].body == "本局XX个所队宣传覆盖面不足，需要在集市开展流动宣讲。"
    assert edited.placeholders == ("XX个",) and "**待补充**：XX个" in notes_markdown(edited)
    llm.replies[:] = ["本局宣传覆盖面仍不够广，将在集市和村组开展流动宣讲，扩大群众知晓面。"]
    revised = chain.revise(edited, "formal", 1)
    assert "流动宣讲" in str(llm.calls[-1][-1].content)  # the model was given the hand-edited text
    assert "扩大群众知晓面" in revised.points[1].text and revised.points[0] == edited.points[0]

    path = export_docx(result, "\n".join(lines), tmp_path)
    assert path.name == "某县市场监督管理局-存在的问题.docx"
    paragraphs = [p.text for p in Document(str(path)).paragraphs]
    assert "二、存在的问题" in paragraphs and any("集市开展流动宣讲" in p for p in paragraphs)


def test_references_and_notes_are_escaped():
    evil = "<img src=x onerror=alert(1)>"
    reference = Point(lead="", text=evil, report_title=evil, org="", section_path=evil, chunk_id="c", doc_id="d",
                      report_index=0)
    point = DraftPoint(evil, "一是", "", f"一是{evil}。", references=(reference,), leaked_names=(evil,))
    html = references_html([point])
    assert "<img" not in html and html.count("&lt;img") == 4  # heading, title, path, text
    notes = notes_markdown(DraftResult("t", "problems", "二、存在的问题", "某县", "", "yishi", (), "", (point,),
                                       placeholders=(evil,), unsupported_numbers=(), leaked_names=(evil,),
                                       mode="llm"))
    assert "<img" not in notes and "待补充" in notes
