"""The JSON the command lines print, pinned key by key: typed results inside must not change what scripts read.

Each command runs as a real subprocess on a library of the sample reports (real Chroma, real e5, no LLM), and the
*shape* of its JSON (every key, nested, with the type of each value; a list by its first item) is compared with the
shape the dict-based code printed before results became dataclasses (``EXPECTED`` below, written from that code).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.answer.chain import REFUSAL
from assistant.question import REJECTION

pytestmark = [pytest.mark.e5, pytest.mark.processes]  # the CLIs as real processes over the real embedder

ROOT = Path(__file__).resolve().parent.parent


def shape(value):
    """Keys and value types of a JSON value; a list by its first item (``[]`` when empty)."""
    match value:
        case dict():
            return {k: shape(v) for k, v in value.items()}
        case list():
            return [shape(value[0])] if value else []
        case None:
            return "null"
        case bool():
            return "bool"
        case int() | float():
            return "number"
        case str():
            return "str"
    raise TypeError(type(value))


def capture(root: Path, db: Path, env: dict, samples: Path) -> dict:
    """Every command's JSON on the sample library (``root``: the checkout whose code runs)."""
    def run(*args):
        proc = subprocess.run([sys.executable, *args, "--db", str(db), "--json"], cwd=root, env=env,
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        return json.loads(proc.stdout)

    facts = db.parent / "facts.txt"
    facts.write_text("打掉恶势力犯罪集团2个\n", encoding="utf-8")
    return {
        "ingest": run("-m", "ingest", str(samples)),
        "list": run("-m", "ingest", "list"),
        "search": run("-m", "assistant", "search", "宣传发动不够深入", "--k", "3"),
        "ask": run("-m", "assistant", "ask", "县里为这项斗争专门投入了多少资金？", "--llm", "none"),
        "ask_figure": run("-m", "assistant", "ask", "全省的GDP增速是多少？", "--llm", "none"),
        "ask_refused": run("-m", "assistant", "ask", "火星探测器的发射窗口是哪一天？", "--llm", "none"),
        "ask_rejected": run("-m", "assistant", "ask", "？？？", "--llm", "none"),
        "themes": run("-m", "assistant", "themes", "--section", "problems"),
        "draft": run("-m", "assistant", "draft", "--section", "problems", "--unit", "某县市场监督管理局",
                     "--topic", "扫黑除恶", "--facts", str(facts), "--llm", "none"),
    }


@pytest.fixture(scope="module")
def outputs(e5_model_dir, samples_dir, tmp_path_factory):
    env = {**os.environ, "HUIBAO_EMBEDDING__MODEL": str(e5_model_dir), "HUIBAO_LLM__BACKEND": "none"}
    return capture(ROOT, tmp_path_factory.mktemp("contract") / "db", env, samples_dir)


EXPECTED_PATH = Path(__file__).with_name("data") / "cli_json_shapes.json"


@pytest.mark.parametrize("command", ["ingest", "list", "search", "ask", "ask_figure", "ask_refused", "ask_rejected",
                                     "themes", "draft"])
def test_cli_json_keeps_its_shape(outputs, command):
    expected = json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))[command]
    assert shape(outputs[command]) == expected


def test_the_pinned_values_are_the_samples(outputs):
    """The shapes above were taken from real answers, not empty ones."""
    assert outputs["ask"]["mode"] == "extractive" and not outputs["ask"]["refused"] and outputs["ask"]["citations"]
    assert outputs["ask_figure"]["question"] == "全省的GDP增速是多少？"
    refused = outputs["ask_refused"]  # nothing in the library: refused, with the nearest passages to read
    assert refused["refused"] and refused["answer"] == REFUSAL and refused["nearest"]
    assert refused["citations"] == [] and list(refused) == list(outputs["ask"])  # the same keys, in the same order
    assert outputs["ask_rejected"] == {  # a question of punctuation only: no scope read, so no asked/misattributed
        "question": "？？？", "standalone_question": "", "answer": REJECTION, "mode": "rejected", "refused": True,
        "citations": [], "nearest": [], "unsupported_numbers": [],
        "timings": {"retrieve_ms": 0.0, "evidence_ms": 0.0, "first_token_ms": None, "total_ms": 0.0}}
    assert len(outputs["themes"]["themes"]) >= 2 and outputs["draft"]["points"]


if __name__ == "__main__":  # write the shapes from a checkout: python tests/test_json_contract.py ROOT DB MODEL_DIR
    root, db, model = map(Path, sys.argv[1:4])
    env = {**os.environ, "HUIBAO_EMBEDDING__MODEL": str(model), "HUIBAO_LLM__BACKEND": "none"}
    got = capture(root, db, env, root / "data" / "samples")
    EXPECTED_PATH.parent.mkdir(exist_ok=True)
    EXPECTED_PATH.write_text(json.dumps({k: shape(v) for k, v in got.items()}, ensure_ascii=False, indent=1),
                             encoding="utf-8")
    (db.parent / "outputs.json").write_text(json.dumps(got, ensure_ascii=False, indent=1), encoding="utf-8")
