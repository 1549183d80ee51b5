"""Reciprocal-rank fusion of dense and keyword results under metadata filters.

Dense retrieval finds paraphrases ("端掉了几个团伙" ↔ "打掉4个恶势力犯罪集团"); BM25 finds exact names and figures
(110举报电话, 雪亮工程).  RRF needs no score calibration between the two, which is why it is the fusion used here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

FILTER_KEYS = ("section_type", "doc_id", "report_title", "org", "year", "place", "level", "kind")
PRIOR_OPS = ("$in", "$nin")


@dataclass
class Hit:
    chunk_id: str
    text: str
    meta: dict
    score: float
    dense_rank: int | None = None
    keyword_rank: int | None = None
    similarity: float | None = None
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SearchOptions:
    """How the hybrid search fuses its rankings (the defaults of the matching ``HUIBAO_SEARCH__*`` settings, whose
    section is passed whole in its place)."""

    candidates: int = 20  # candidates taken from each retriever before fusion
    rrf_k: int = 10  # reciprocal-rank-fusion constant (small: the top ranks dominate)
    context_weight: float = 0.35  # whole-chunk vectors beside sentence-window vectors (weight 1)
    keyword_weight: float = 1.0  # BM25, further scaled by the squared share of the query its best hit covers
    prior_weight: float = 1.0  # the question's soft prior, ranked once more; 0: off


def normalise_filters(filters: dict | None) -> dict[str, list]:
    """Keep known keys with values; scalars become one-element lists."""
    out = {}
    for key, value in (filters or {}).items():
        if key not in FILTER_KEYS or value in (None, "", [], ()):
            continue
        out[key] = list(value) if isinstance(value, (list, tuple, set)) else [value]
    return out


def chroma_where(filters: dict[str, list]) -> dict | None:
    clauses = [{key: {"$in": values}} for key, values in filters.items()]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def normalise_prior(prior: dict | None) -> dict[str, dict]:
    """Keep known keys whose condition is ``{"$in": [...]}`` or ``{"$nin": [...]}`` with values."""
    out = {}
    for key, cond in (prior or {}).items():
        if key in FILTER_KEYS and isinstance(cond, dict):
            cond = {op: list(v) for op, v in cond.items() if op in PRIOR_OPS and v}
            if cond:
                out[key] = cond
    return out


def prior_where(filters: dict[str, list], prior: dict[str, dict]) -> dict | None:
    """The Chroma ``where`` of the hard filters and the preferred reports together."""
    clauses = [{key: {"$in": values}} for key, values in filters.items()]
    clauses += [{key: {op: values}} for key, cond in prior.items() for op, values in cond.items()]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def prior_matches(meta: dict, prior: dict[str, dict]) -> bool:
    """Whether a chunk's metadata meets every preference (the keyword index's twin of :func:`prior_where`)."""
    return all((op == "$in") == (meta.get(key, "") in values) for key, cond in prior.items()
               for op, values in cond.items())


def rrf_fuse(rankings: list[tuple[list[str], float]], rrf_k: int = SearchOptions.rrf_k) -> dict[str, float]:
    """Weighted reciprocal-rank fusion: score = Σ weight / (rrf_k + rank)."""
    scores: dict[str, float] = {}
    for ids, weight in rankings:
        for rank, chunk_id in enumerate(ids, start=1):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return scores


def hybrid_search(rankings: list[tuple[str, list[tuple], float]], lookup, k: int,
                  rrf_k: int = SearchOptions.rrf_k) -> list[Hit]:
    """Fuse named rankings ``(name, [(chunk_id, score, text?, meta?), …], weight)`` by weighted RRF.

    ``lookup(ids)`` fetches text and metadata of hits that came without them (keyword hits).
    """
    scores = rrf_fuse([([row[0] for row in rows], weight) for _, rows, weight in rankings], rrf_k)
    best = sorted(scores, key=scores.get, reverse=True)[:k]
    known: dict[str, tuple[str, dict]] = {}
    for _, rows, _ in rankings:
        for row in rows:
            if len(row) >= 4 and row[0] not in known:
                known[row[0]] = (row[2], row[3])
    missing = [c for c in best if c not in known]
    if missing:
        known.update(lookup(missing))
        best = [c for c in best if c in known]  # deleted by another process since its keyword index was read
    ranks = {name: {row[0]: (r, row[1]) for r, row in enumerate(rows, 1)} for name, rows, _ in rankings}
    hits = []
    for chunk_id in best:
        text, meta = known[chunk_id]
        dense = ranks.get("dense", {}).get(chunk_id)
        hits.append(Hit(chunk_id, text, meta, scores[chunk_id], dense[0] if dense else None,
                        ranks.get("keyword", {}).get(chunk_id, (None,))[0], dense[1] if dense else None))
    return hits
