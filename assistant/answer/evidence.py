"""Evidence selection: from retrieved chunks to the few sentences that answer the question.

On two CPU cores the LLM reads ~70 tokens/s, so it must see a few hundred tokens, not five chunks.  Each chunk is
split into sentences; each sentence is scored by embedding similarity to the question plus keyword overlap; the
best few (with their source numbers) are the extractive answer shown at once and the only context the LLM gets.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ingest.periods import chunk_sentence_periods
from ingest.text.lexicons import words as lexicon_words
from ingest.text.sentences import split_sentences
from ingest.text.tokens import tokenize


@dataclass(frozen=True, slots=True)
class Source:
    n: int
    chunk_id: str
    doc_id: str
    report_title: str
    org: str
    section_path: str
    section_type: str
    text: str
    report_index: int = 0
    year: int = 0
    place: str = ""
    periods: tuple[str, ...] = ()  # the period of each sentence of ``text`` (ingest/periods.py)


@dataclass(frozen=True, slots=True)
class Evidence:
    n: int  # source number, 1-based, as cited [n]
    sentence: str
    score: float
    similarity: float
    overlap: float
    period: str = ""  # the period the sentence speaks of ("2025", "2021-2025", "plan", "": not said)


@dataclass
class EvidenceSet:
    sources: list[Source]
    sentences: list[Evidence] = field(default_factory=list)

    @property
    def strength(self) -> float:
        return max((e.score for e in self.sentences), default=0.0)

    @property
    def coverage(self) -> float:
        """Share of the question's content words found in the selected evidence."""
        return max((e.overlap for e in self.sentences), default=0.0)

    def cited_sources(self) -> list[Source]:
        used = {e.n for e in self.sentences}
        return [s for s in self.sources if s.n in used]


def content_words(question: str) -> list[str]:
    generic = lexicon_words("tokens", "question_generic")  # what kind of answer is wanted, not what it is about
    return [t for t in dict.fromkeys(tokenize(question)) if t not in generic and len(t) > 1]


def select_evidence(question: str, hits: list, embeddings, max_sentences: int = 6, max_chars: int = 700, *,
                    sim_weight: float = 1.0, overlap_weight: float = 0.5, vector_lookup=None, judge=None
                    ) -> EvidenceSet:
    """Pick the sentences that best answer ``question`` from ``hits`` (vectorstore Hit objects, best first).

    ``vector_lookup(ids)`` returns stored sentence vectors (``{chunk_id}:{j}``, written at ingest), so only the
    question is embedded at query time; sentences it does not know are embedded here.  ``judge(source, period)``
    returns a score adjustment for a sentence of that source and period, or None to leave it out (a sentence of
    another period than the one asked).
    """
    sources = [Source(i, h.chunk_id, h.meta.get("doc_id", ""), h.meta.get("report_title", ""), h.meta.get("org", ""),
                      h.meta.get("section_path", ""), h.meta.get("section_type", ""), h.text,
                      int(h.meta.get("report_index") or 0), int(h.meta.get("year") or 0), h.meta.get("place", ""),
                      tuple(chunk_sentence_periods(h.text, h.meta.get("section_path", ""), h.meta.get("year") or None,
                                                   h.meta.get("periods"))))
               for i, h in enumerate(hits, start=1)]
    pool, ids, periods, shift = [], [], [], []
    for s in sources:
        for j, sentence in enumerate(split_sentences(s.text)):
            period = s.periods[j] if j < len(s.periods) else ""
            adjust = judge(s, period) if judge else 0.0
            if adjust is None:
                continue
            pool.append((s.n, sentence))
            ids.append(f"{s.chunk_id}:{j}")
            periods.append(period)
            shift.append(adjust)
    if not pool:
        return EvidenceSet(sources)
    words = content_words(question)
    query_vec = embeddings.embed_query(question)
    stored = vector_lookup(ids) if vector_lookup else {}
    todo = [i for i, sid in enumerate(ids) if sid not in stored]
    fresh = dict(zip(todo, embeddings.embed_documents([pool[i][1] for i in todo]))) if todo else {}
    vectors = [stored[sid] if sid in stored else fresh[i] for i, sid in enumerate(ids)]
    identity = {s.n: s.org + s.report_title + s.place for s in sources}
    total = max(1, sum(len(w) for w in words))
    import numpy as np

    similarities = np.asarray(vectors, dtype=np.float64) @ np.asarray(query_vec, dtype=np.float64)  # cosines
    scored = []
    for (n, sentence), similarity, period, adjust in zip(pool, similarities.tolist(), periods, shift):
        # A word naming the report's issuer ("人大调研组", "市场监管") holds for every sentence of that report:
        # counted only where written, it pulls in the preamble and the sentences that repeat the name, and the
        # sentence that answers loses to them (dev set: best sentence from the right passage 34/49 → 41/49).
        overlap = sum(len(w) for w in words if w in sentence or w in identity[n]) / total
        # earlier sources are likelier: a small rank prior breaks ties between near-duplicate sentences
        scored.append(Evidence(n, sentence, sim_weight * similarity + overlap_weight * overlap - 0.005 * n + adjust,
                               similarity, overlap, period))
    scored.sort(key=lambda e: e.score, reverse=True)
    chosen, used = [], 0
    for ev in scored:
        if len(chosen) == max_sentences or used + len(ev.sentence) > max_chars and chosen:
            break
        if any(ev.sentence == c.sentence for c in chosen):
            continue
        chosen.append(ev)
        used += len(ev.sentence)
    # present in source order, then reading order, so the extractive answer reads naturally
    order = {(n, s): i for i, (n, s) in enumerate(pool)}
    chosen.sort(key=lambda e: order[(e.n, e.sentence)])
    return EvidenceSet(sources, chosen)
