"""Wiring of the index from settings, and search as the user sees it (section types, result records)."""
from __future__ import annotations

from .settings import Settings

SECTION_FILTERS: dict[str, list[str] | None] = {
    "overview": ["overview"],
    "progress": ["progress"],
    "problems": ["problems"],
    "plans": ["plans"],
    "measures": ["progress", "plans"],  # measures taken and measures planned
    "any": None,
}


def make_embeddings_from(settings: Settings):
    from vectorstore.embeddings import make_embeddings

    e = settings.embedding
    return make_embeddings(e.model, e.model_id, e.query_prefix, e.passage_prefix, e.device, e.threads, e.batch_size)


def make_store(settings: Settings, embeddings=None):
    """The report index (Chroma embedded or server + keyword index + manifest) described by ``settings``."""
    from vectorstore.chroma import make_client
    from vectorstore.index import ReportIndex

    s = settings.store
    client = make_client(s.mode, s.path, s.host, s.port)
    manifest = None
    if s.mode == "server":  # the library lives in the server; the data dir holds only a keyword cache
        from vectorstore.manifest import ChromaManifest

        manifest = ChromaManifest(client, s.collection)
    return ReportIndex(s.path, client, embeddings or make_embeddings_from(settings), s.collection, manifest)


def section_filter(section: str | None) -> list[str] | None:
    if section is None:
        return None
    if section not in SECTION_FILTERS:
        raise ValueError(f"unknown section {section!r}: one of {', '.join(SECTION_FILTERS)}")
    return SECTION_FILTERS[section]


def search_records(index, query: str, k: int, settings: Settings, section: str | None = "any",
                   filters: dict | None = None, mode: str = "hybrid") -> list[dict]:
    """Search results as the CLI/UI records of the contract (rank, chunk_id, …, score).

    An empty or meaningless query raises :class:`assistant.question.QuestionRejected`; a long one is cut to
    ``search.max_query_chars`` before it is embedded."""
    from .question import prepare_question

    query = prepare_question(query, settings.search.max_query_chars)
    flt = dict(filters or {})
    types = section_filter(section)
    if types:
        flt["section_type"] = types
    s = settings.search
    from .prior import library_reports, question_prior

    prior = question_prior(query, library_reports(index)) if s.prior_weight else None
    hits = index.search(query, k, flt, mode, s.candidates, s.rrf_k, s.context_weight, s.keyword_weight,
                        prior=prior, prior_weight=s.prior_weight)
    return [{"rank": rank, "chunk_id": h.chunk_id, "doc_id": h.meta.get("doc_id"),
             "report_title": h.meta.get("report_title"), "org": h.meta.get("org"),
             "section_path": h.meta.get("section_path"), "section_type": h.meta.get("section_type"),
             "source": h.meta.get("source", "text"), "text": h.text, "score": round(h.score, 6)}
            for rank, h in enumerate(hits, start=1)]
