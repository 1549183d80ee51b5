"""The Q&A chain's helpers that the index and numpy now do: RRF of hit lists (vectorstore.hybrid.rrf_fuse) and the
evidence sentences' cosines (a matrix product) — the same rankings as the hand-written loops they replace."""
from __future__ import annotations

import random

from assistant.answer.evidence import select_evidence
from assistant.answer.chain import _fuse
from vectorstore.hybrid import Hit


def _hand_fused(rankings, rrf_k, k):
    """The loop qa.py used to hold, kept here as the reference."""
    scores, by_id = {}, {}
    for ranking in rankings:
        for rank, hit in enumerate(ranking, start=1):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1 / (rrf_k + rank)
            by_id.setdefault(hit.chunk_id, hit)
    return [by_id[i] for i in sorted(scores, key=scores.get, reverse=True)[:k]]


def test_fuse_ranks_as_reciprocal_rank_fusion():
    a, b, c, d = (Hit(x, x, {}, 0.0) for x in "abcd")
    b_again = Hit("b", "b", {"other": 1}, 0.0)
    fused = _fuse([[a, b, c], [b_again, d]], rrf_k=10, k=3)
    assert [h.chunk_id for h in fused] == ["b", "a", "d"] and fused[0] is b  # in both lists: first; first object
    rng = random.Random(7)
    for _ in range(200):
        pool = [Hit(str(i), "", {}, 0.0) for i in range(12)]
        rankings = [rng.sample(pool, rng.randint(0, 12)) for _ in range(rng.randint(1, 3))]
        rrf_k, k = rng.choice([1, 10, 60]), rng.randint(1, 12)
        assert _fuse(rankings, rrf_k, k) == _hand_fused(rankings, rrf_k, k)


class _Vectors:
    """Fixed sentence vectors (not unit length: the score is the plain dot product the e5 vectors make a cosine)."""

    def __init__(self, table):
        self.table = table

    def embed_query(self, text):
        return [0.6, 0.8, 0.0]

    def embed_documents(self, texts):
        return [self.table[t] for t in texts]


def test_evidence_similarity_is_the_dot_product():
    table = {"打掉团伙4个。": [0.6, 0.8, 0.0], "投入经费35万元。": [0.0, 0.6, 0.8], "召开会议。": [1.0, 0.0, 0.0]}
    hit = Hit("c1", "".join(table), {"report_title": "t"}, 0.0)
    chosen = select_evidence("打掉几个团伙", [hit], _Vectors(table), max_sentences=3).sentences
    expected = {s: sum(a * b for a, b in zip([0.6, 0.8, 0.0], v)) for s, v in table.items()}
    assert {e.sentence: round(e.similarity, 12) for e in chosen} == {s: round(v, 12) for s, v in expected.items()}
    assert all(isinstance(e.similarity, float) for e in chosen)
