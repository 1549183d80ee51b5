"""``build_assistant(settings)``: the one place where settings become objects (index, embedder, LLM, chains)."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from .draft import DraftChain
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
    drafter: DraftChain | None = None


def build_assistant(settings: Settings, llm_backend: str | None = None) -> Assistant:
    """Load the embedder, open the index, load the LLM (``llm_backend`` overrides settings) and wire the chains."""
    from .llm import make_llm

    if llm_backend:
        settings.llm.backend = llm_backend
    embeddings = make_embeddings_from(settings)
    index = make_store(settings, embeddings)
    llm = make_llm(settings.llm)
    s = settings.search
    lock = threading.Lock()  # one generation at a time, chats and drafts alike: two would halve each other's speed
    qa = QAChain(index, embeddings, llm, QAConfig(k=s.k, candidates=s.candidates, rrf_k=s.rrf_k), llm_lock=lock)
    return Assistant(settings, index, embeddings, llm, qa, DraftChain(index, embeddings, llm, llm_lock=lock))
