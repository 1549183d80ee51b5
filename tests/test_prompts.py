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
                    "chars": "100", "focus": "问题的具体表现和影响"},
    "draft_revise": {"instruction": "压缩到约60字", "text": "宣传覆盖面不够广。"},
}


def test_every_prompt_file_is_covered():
    assert set(prompt_names()) == set(VARIABLES)


@pytest.mark.parametrize("name", sorted(VARIABLES))
def test_prompt_renders(name):
    text = render(name, **VARIABLES[name])
    assert text and "{{" not in text
    for value in VARIABLES[name].values():
        assert value in text


@pytest.mark.parametrize("name", [n for n, v in VARIABLES.items() if v])
def test_missing_variable_fails(name):
    with pytest.raises(UndefinedError):
        render(name)
