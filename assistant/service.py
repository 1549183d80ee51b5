"""``build_assistant(settings)``: the one place where settings become objects (index, embedder, LLM, chains)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from .qa import QAChain, QAConfig
from .search import make_embeddings_from, make_store
from .settings import Settings


@dataclass
class Assistant:
    settings: Settings
    index: object
    embeddings: object
    llm: object | None
    qa: QAChain


def build_assistant(settings: Settings, llm_backend: str | None = None) -> Assistant:
    """Load the embedder, open the index, load the LLM (``llm_backend`` overrides settings) and wire the chains."""
    from .llm import make_llm

    if llm_backend:
        settings.llm.backend = llm_backend
    embeddings = make_embeddings_from(settings)
    index = make_store(settings, embeddings)
    llm = make_llm(settings.llm)
    s = settings.search
    qa = QAChain(index, embeddings, llm, QAConfig(k=s.k, candidates=s.candidates, rrf_k=s.rrf_k),
                 llm_lock=threading.Lock())  # one generation at a time: two would halve each other's speed
    return Assistant(settings, index, embeddings, llm, qa)
