"""BM25 over jieba tokens, persisted beside Chroma.

Whitespace tokenisation scores zero on Chinese, so texts are cut with jieba's search mode (which also emits the
sub-words of long compounds: 扫黑除恶 → 扫黑, 除恶, 扫黑除恶).  Tokens are stored per chunk and the BM25 statistics
(rank-bm25) are rebuilt only when documents change, never per query.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

_PUNCT = re.compile(r"^[\W_]+$")
_STOP = set("的 了 和 与 及 是 在 对 为 等 中 将 并 把 被 也 都 而 或 之 其 有 从 以 于 这 那 哪些 什么 怎么 如何 怎样 为什么 吗 呢 多少 几 个".split())


def quiet_jieba():
    """jieba, imported on first use with its start-up log ("Building prefix dict…") silenced."""
    import jieba

    jieba.setLogLevel(60)
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens without punctuation and function words."""
    jieba = quiet_jieba()
    return [t for t in (w.strip().lower() for w in jieba.cut_for_search(text))
            if t and t not in _STOP and not _PUNCT.match(t)]


class KeywordIndex:
    """Chunk tokens and metadata in one JSON file; a BM25Okapi model built lazily from them."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.entries: dict[str, dict] = {}
        if self.path.exists():
            self.entries = json.loads(self.path.read_text(encoding="utf-8"))
        self._bm25 = None
        self._ids: list[str] = []

    def add(self, ids: list[str], texts: list[str], metadatas: list[dict]) -> None:
        for chunk_id, text, meta in zip(ids, texts, metadatas):
            self.entries[chunk_id] = {"tokens": tokenize(text), "meta": meta}
        self._bm25 = None

    def delete_doc(self, doc_id: str) -> int:
        doomed = [cid for cid, e in self.entries.items() if e["meta"].get("doc_id") == doc_id]
        for cid in doomed:
            del self.entries[cid]
        self._bm25 = None
        return len(doomed)

    def doc_ids(self) -> set[str]:
        return {e["meta"].get("doc_id") for e in self.entries.values()}

    def save(self) -> None:
        """Write atomically: a crash leaves the previous file intact."""
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.entries, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)

    def _model(self):
        if self._bm25 is None and self.entries:
            from rank_bm25 import BM25Okapi

            self._ids = list(self.entries)
            self._bm25 = BM25Okapi([self.entries[i]["tokens"] or ["∅"] for i in self._ids])
        return self._bm25

    def coverage(self, query: str, chunk_id: str) -> float:
        """IDF-weighted share of the query's words that occur in a chunk (0–1).

        The hybrid search trusts the keyword ranking as much as its best hit covers the question: a paraphrase
        ("陈年旧案" for "时间跨度大…已过追诉期") matches no rare word, and its BM25 list is then mostly noise.
        """
        model = self._model()
        tokens = set(tokenize(query))
        if model is None or not tokens or chunk_id not in self.entries:
            return 0.0
        weights = {t: max(model.idf.get(t, 0.0), 0.0) for t in tokens}
        total = sum(weights.values())
        found = set(self.entries[chunk_id]["tokens"])
        return sum(w for t, w in weights.items() if t in found) / total if total else 0.0

    def search(self, query: str, k: int, allowed=None) -> list[tuple[str, float]]:
        """Top ``k`` (chunk_id, score) with a positive score; ``allowed(meta)`` filters by metadata."""
        model = self._model()
        tokens = tokenize(query)
        if model is None or not tokens:
            return []
        scores = model.get_scores(tokens)
        order = scores.argsort()[::-1]
        hits = []
        for i in order:
            if scores[i] <= 0:
                break
            cid = self._ids[i]
            if allowed is None or allowed(self.entries[cid]["meta"]):
                hits.append((cid, float(scores[i])))
                if len(hits) == k:
                    break
        return hits
