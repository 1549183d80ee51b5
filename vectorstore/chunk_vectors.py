"""How a chunk's whole-chunk vector is made from what an import embeds, and how a library records it.

Each chunk has two kinds of vectors: one per sentence (what a question matches) and one for the whole chunk (its
title and section path give it context, weighted 0.35 in the hybrid search).  Embedding the chunk as one passage
besides its sentences embeds every character twice; pooling the sentence vectors with the head's vector embeds it
once, and ranked chunks better on the dev set (README, "Import speed").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class ChunkVectors:
    """How a library's whole-chunk vectors are made, recorded with the library (vectorstore.chroma): vectors made two
    ways rank apart (a question is ~0.03 more similar to pooled vectors than to encoded ones, three times the spread
    within a question), so one library holds one kind.  The defaults are what a library recorded before the choice
    existed holds; the product's choice is the ``HUIBAO_EMBEDDING__CHUNK_VECTORS`` setting."""

    mode: Literal["pooled", "encoded"] = "encoded"
    head_weight: float = 0.0

    @property
    def label(self) -> str:
        return "encoded" if self.mode == "encoded" else f"pooled:{self.head_weight:g}"

    @classmethod
    def parse(cls, label: str | None) -> "ChunkVectors":
        mode, _, weight = (label or "encoded").partition(":")
        if mode not in ("pooled", "encoded"):
            raise ValueError(f"unknown chunk vectors {label!r}")
        return cls("encoded") if mode == "encoded" else cls("pooled", float(weight or 0))


def embed_chunks(embeddings, heads: list[str], bodies: list[str], sentences: list[list[str]], how: ChunkVectors
                 ) -> tuple[list[list[float]], list[list[list[float]]]]:
    """Vectors of chunks (``head`` — title and section path — then ``body``) and of each chunk's sentences.

    The sentences are embedded on their own either way: they are what a question matches (sentence vectors lifted
    dense R@5 from 0.80 to 0.96).  A chunk's vector:

    - ``pooled``: the mean of its sentence vectors plus ``head_weight`` × its head's vector, normalised.  Each
      character is embedded once (a head, shared by a section's chunks, once per call), and on the dev set this
      vector ranks chunks better than the encoded one (bench/retrieval.py, README).
    - ``encoded``: head and body embedded again as one passage: each character embedded twice.
    - Reading sentence vectors off the chunk's own forward pass instead ("late chunking": one pass, the encoded
      chunk vector unchanged) was measured and dropped: dense R@5 fell from 0.959 to 0.857 with multilingual-e5-small.
    """
    flat = [s for ss in sentences for s in ss]
    if how.mode == "encoded":
        vectors = embeddings.embed_documents([h + b for h, b in zip(heads, bodies)] + flat)
        chunks, rest = vectors[:len(heads)], iter(vectors[len(heads):])
        return chunks, [[next(rest) for _ in ss] for ss in sentences]
    whole = [i for i, ss in enumerate(sentences) if not ss]  # no sentence (a bare fragment): embedded whole
    unique_heads = sorted({h.strip() for h, ss in zip(heads, sentences) if ss and h.strip()})
    vectors = embeddings.embed_documents(flat + unique_heads + [heads[i] + bodies[i] for i in whole])
    rest = iter(vectors[:len(flat)])
    sentence_vectors = [[next(rest) for _ in ss] for ss in sentences]
    head_vectors = dict(zip(unique_heads, vectors[len(flat):len(flat) + len(unique_heads)]))
    whole_vectors = dict(zip(whole, vectors[len(flat) + len(unique_heads):]))
    return [whole_vectors[i] if i in whole_vectors else pool_chunk(vs, head_vectors.get(heads[i].strip()), how)
            for i, vs in enumerate(sentence_vectors)], sentence_vectors


def pool_chunk(sentence_vectors: list[list[float]], head_vector: list[float] | None, how: ChunkVectors) -> list[float]:
    """A pooled chunk vector (:func:`embed_chunks`) from vectors already made: at import, or when a library is
    converted (``python -m ingest repool``) from the sentence vectors it stores."""
    import numpy as np

    mean = np.mean(np.asarray(sentence_vectors, dtype=np.float64), axis=0)
    if head_vector is not None:
        mean = mean + how.head_weight * np.asarray(head_vector, dtype=np.float64)
    return (mean / (np.linalg.norm(mean) or 1.0)).tolist()
