"""Every prompt file renders with its variables, and a missing variable fails loudly."""
from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from assistant.prompts import prompt_names, render

VARIABLES = {
    "condense_question": {"history": "用户：延安市打掉了几个团伙？", "question": "那公安局呢？"},
    "answer_system": {},
    "answer_user": {"sources": "[1] 《报告》 一、基本情况\n打掉4个团伙。", "question": "打掉了几个团伙？"},
    "draft_system": {"unit": "某县市场监督管理局", "self_name": "我局"},
    "draft_point": {"section_name": "存在的问题", "topic": "扫黑除恶", "heading": "宣传发动不够深入",
                    "facts": "- 发放宣传资料1.2万份", "references": "- 群众知晓率不高", "sentences": "2至3",
                    "chars": "100", "section": "problems"},
    "draft_revise": {"action": "shorten", "chars": "60", "text": "宣传覆盖面不够广。"},
    "answer_sources": {"sources": [{"n": 1, "name": "《报告》", "section_path": "一、基本情况",
                                    "sentences": "打掉4个团伙。"}]},
    "history": {"turns": [{"role": "user", "content": "延安市打掉了几个团伙？"}]},
}
# variables that choose the wording instead of appearing in it
CHOOSERS = {"draft_point": {"section"}, "draft_revise": {"action"}}


def test_every_prompt_file_is_covered():
    assert set(prompt_names()) == set(VARIABLES)


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_prompt_renders(name):
    text = render(name, **VARIABLES[name])
    assert text and "{{" not in text and "{%" not in text and "{#" not in text
    for key, value in VARIABLES[name].items():
        if isinstance(value, str) and key not in CHOOSERS.get(name, ()):
            assert value in text


def test_the_section_chooses_what_a_point_explains():
    focus = {section: render("draft_point", **{**VARIABLES["draft_point"], "section": section}).splitlines()[-1]
             for section in ("problems", "plans", "progress")}
    assert focus == {"problems": "请围绕“宣传发动不够深入”，写2至3句话（约100字），说明问题的具体表现和影响。直接输出正文。",
                     "plans": "请围绕“宣传发动不够深入”，写2至3句话（约100字），说明下一步的具体措施。直接输出正文。",
                     "progress": "请围绕“宣传发动不够深入”，写2至3句话（约100字），说明采取的做法和取得的成效。直接输出正文。"}
    with pytest.raises(UndefinedError):
        render("draft_point", **{**VARIABLES["draft_point"], "section": "overview"})


def test_every_revision_button_has_its_instruction():
    from assistant.draft.chain import REVISIONS

    first = {action: render("draft_revise", action=action, chars=80, text="正文").splitlines()[0] for action in REVISIONS}
    assert first == {"expand": "请修改下面这段公文正文：扩写到约80字，补充具体做法，意思不变。",
                     "shorten": "请修改下面这段公文正文：压缩到约80字，保留要点。",
                     "formal": "请修改下面这段公文正文：改得更正式、更符合公文用语。",
                     "rephrase": "请修改下面这段公文正文：换一种说法表达，意思不变。"}
    with pytest.raises(UndefinedError):
        render("draft_revise", action="delete", chars=80, text="正文")


def test_sources_block_and_history_lines():
    from assistant.answer.evidence import Evidence, EvidenceSet, Source
    from assistant.answer.chain import _history_text, format_sources

    sources = [Source(n, f"c{n}", "d", f"报告{n}{{{{ x }}}}", "", "一、基本情况" if n != 3 else "", "problems", "")
               for n in (1, 2, 3)]
    evidence = EvidenceSet(sources, [Evidence(1, "甲。", 1, 1, 1), Evidence(3, "乙。", 1, 1, 1),
                                     Evidence(1, "丙。", 1, 1, 1)])
    assert format_sources(evidence) == "[1] 《报告1{{ x }}》 一、基本情况\n甲。丙。\n\n[3] 《报告3{{ x }}》 \n乙。"
    turns = [{"role": "user", "content": "问" * 300}, {"role": "assistant", "content": "答{% x %}"}] * 4
    assert _history_text(turns) == "\n".join(["用户：" + "问" * 200, "助手：答{% x %}"] * 3)


@pytest.mark.parametrize("name", [n for n, v in VARIABLES.items() if v])
def test_missing_variable_fails(name):
    with pytest.raises(UndefinedError):
        render(name)
