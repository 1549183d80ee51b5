"""Search as the user sees it: section types and result records (the index itself is built in assistant/service.py)."""
from __future__ import annotations

from ingest.sections import SEARCH_FILTERS

from .settings import Settings


def section_filter(section: str | None) -> list[str] | None:
    if section is None:
        return None
    if section not in SEARCH_FILTERS:
        raise ValueError(f"unknown section {section!r}: one of {', '.join(SEARCH_FILTERS)}")
    return SEARCH_FILTERS[section]


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
    hits = index.search(query, k, flt, mode, options=s, prior=prior)
    return [{"rank": rank, "chunk_id": h.chunk_id, "doc_id": h.meta.get("doc_id"),
             "report_title": h.meta.get("report_title"), "org": h.meta.get("org"),
             "section_path": h.meta.get("section_path"), "section_type": h.meta.get("section_type"),
             "source": h.meta.get("source", "text"), "text": h.text, "score": round(h.score, 6)}
            for rank, h in enumerate(hits, start=1)]
