"""``build_assistant(settings)``: the one place where settings become objects (index, embedder, LLM, chains)."""
from __future__ import annotations

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
    reviewer: object | None = None


def build_assistant(settings: Settings, llm_backend: str | None = None) -> Assistant:
    """Load the embedder, open the index, load the LLM (``llm_backend`` overrides settings) and wire the chains."""
    from .llm import generation_slots, make_llm

    if llm_backend:
        settings.llm.backend = llm_backend
    embeddings = make_embeddings_from(settings)
    index = make_store(settings, embeddings)
    llm = make_llm(settings.llm)
    s = settings.search
    lock = generation_slots(settings.llm)  # chats and drafts alike: one at a time locally, llm.parallel on a server
    qa = QAChain(index, embeddings, llm, QAConfig(k=s.k, candidates=s.candidates, rrf_k=s.rrf_k,
                                                  context_weight=s.context_weight, keyword_weight=s.keyword_weight,
                                                  prior_weight=s.prior_weight, max_question_chars=s.max_query_chars),
                 llm_lock=lock)
    drafter = DraftChain(index, embeddings, llm, llm_lock=lock)
    return Assistant(settings, index, embeddings, llm, qa, drafter,
                     build_reviewer(settings, index, drafter.section_themes))


def build_reviewer(settings: Settings, index, themes=None):
    """The 审校 reviewer over ``index``: the shipped wording rules plus the user's file, limits from settings;
    ``themes`` (section → themes) shares the drafting chain's instead of building them twice."""
    from .review import ReviewConfig, Reviewer, load_rules

    r = settings.review
    return Reviewer(index, load_rules(r.rules or None), ReviewConfig(copy_min=r.copy_min, max_chars=r.max_chars),
                    themes)
