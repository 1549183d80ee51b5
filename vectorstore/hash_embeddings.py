"""A deterministic embedder without a model: hashed jieba tokens and character bigrams → a unit vector.

For tests of chain logic, guards, library operations and command-line contracts, where what matters is that the
same text always gets the same vector and similar wording gets similar vectors, not paraphrase recall (as simonw/llm's
``EmbedDemo``).  It loads nothing (no torch, no model folder), so a test process starts in a second instead of
loading multilingual-e5-small.  Retrieval with it is lexical: the real model stays where retrieval quality is the
point.  Selected with ``HUIBAO_EMBEDDING__BACKEND=hash``.

Like e5 (whose vectors share a large common component: two unrelated Chinese sentences score about 0.7), every
vector here holds a shared component, so cosine = ``floor`` + (1 − ``floor``) × the similarity of the hashed features:
thresholds tuned on the real model (the Q&A chain's evidence strength) keep their meaning in logic tests.
"""
from __future__ import annotations

import hashlib
import math


class HashEmbeddings:
    """The embedder interface the index and the chains use (``model_id``, ``dimension``, ``embed_documents``,
    ``embed_query``, ``embed_queries``); records the size of every ``embed_documents`` call."""

    def __init__(self, dimension: int = 256, floor: float = 0.72):
        self.dimension = dimension
        self.model_id = f"hash-{dimension}"
        self.common = math.sqrt(floor / (1 - floor))  # weight of the shared component beside unit features
        self.calls: list[int] = []

    def _features(self, text: str) -> list[str]:
        from .keyword import tokenize

        chars = [c for c in text if not c.isspace()]
        return tokenize(text) + ["".join(pair) for pair in zip(chars, chars[1:])]

    def _vector(self, text: str) -> list[float]:
        v = [0.0] * self.dimension  # v[0]: the shared component; the features hash into the rest
        for feature in self._features(text):
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            h = int.from_bytes(digest, "little")
            v[1 + h % (self.dimension - 1)] += 1.0 if (h >> 63) & 1 else -1.0  # a sign bit halves collisions' effect
        norm = math.sqrt(sum(x * x for x in v)) or 1.0  # a featureless text: the shared component alone
        v = [x / norm for x in v]
        v[0] = self.common
        total = math.sqrt(sum(x * x for x in v))
        return [x / total for x in v]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]
