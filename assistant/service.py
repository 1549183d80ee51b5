"""The one place where settings become objects: embedder, index, LLM, chains, reviewer and the 资料库.

The app, the library, the search CLI and the ask/draft/review CLI all build through here, so a setting reaches every
surface the same way (the search weights once reached 检索 but not 问答).  Each component receives the settings
section it owns, whole; nothing here changes the caller's settings.  Imports are lazy: ``python -m ingest`` opens an
index without loading the chains.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .settings import Settings

if TYPE_CHECKING:
    from .draft.chain import DraftChain
    from .library import Library
    from .answer.chain import QAChain
    from .review import Reviewer


@dataclass
class Assistant:
    settings: Settings
    index: object
    embeddings: object
    llm: object | None
    qa: QAChain
    drafter: DraftChain
    reviewer: Reviewer


def make_embeddings_from(settings: Settings):
    """The embedder of ``settings.embedding``: the sentence-transformers model, or the model-free hash embedder."""
    match settings.embedding.backend:
        case "hash":
            from vectorstore.hash_embeddings import HashEmbeddings

            return HashEmbeddings()
        case _:
            from vectorstore.embeddings import make_embeddings

            return make_embeddings(settings.embedding)


def make_store(settings: Settings, embeddings=None):
    """The report index (Chroma embedded or server + keyword index + manifest) described by ``settings.store``;
    ``embeddings``: an embedder already loaded (else the one of ``settings.embedding``)."""
    from vectorstore.chroma import make_client
    from vectorstore.chunk_vectors import ChunkVectors
    from vectorstore.index import ReportIndex

    s = settings.store
    client = make_client(s.mode, s.path, s.host, s.port)
    manifest = None
    if s.mode == "server":  # the library lives in the server; the data dir holds only a keyword cache
        from vectorstore.manifest import ChromaManifest

        manifest = ChromaManifest(client, s.collection, s.read_page)
    e = settings.embedding
    return ReportIndex(s.path, client, embeddings or make_embeddings_from(settings), s.collection, manifest,
                       read_page=s.read_page, chunk_vectors=ChunkVectors(e.chunk_vectors, e.head_weight),
                       ef_search=s.hnsw_ef_search)


def build_reviewer(settings: Settings, index, themes=None) -> Reviewer:
    """The 审校 reviewer over ``index``: the shipped wording rules plus the user's file, limits from settings;
    ``themes`` (section → themes) shares the drafting chain's instead of building them twice."""
    from .review import Reviewer, load_rules

    return Reviewer(index, load_rules(settings.review.rules or None), settings.review, themes,
                    themes_settings=settings.themes)


def assemble(settings: Settings, index, embeddings, llm, qa_class=None) -> Assistant:
    """The chains over parts already made (``build_assistant`` makes them from settings; tests pass a scripted LLM):
    one generation lock for chats and drafts alike (one at a time locally, ``llm.parallel`` on a server)."""
    from .draft.chain import DraftChain
    from .llm import generation_slots
    from .answer.chain import QAChain

    lock = generation_slots(settings.llm)
    qa = (qa_class or QAChain)(index, embeddings, llm, settings.search, llm_lock=lock)
    drafter = DraftChain(index, embeddings, llm, review=settings.review, llm_lock=lock,
                         themes=settings.themes)
    return Assistant(settings, index, embeddings, llm, qa, drafter,
                     build_reviewer(settings, index, drafter.section_themes))


def build_assistant(settings: Settings, llm_backend: str | None = None) -> Assistant:
    """Load the embedder, open the index, load the LLM (``llm_backend`` overrides ``settings.llm.backend`` in a copy:
    the caller's settings are left as they are) and wire the chains."""
    from .llm import make_llm

    if llm_backend:
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"backend": llm_backend})})
    embeddings = make_embeddings_from(settings)
    index = make_store(settings, embeddings)
    return assemble(settings, index, embeddings, make_llm(settings.llm))


def build_library(settings: Settings, reader) -> Library:
    """The 资料库 over ``reader`` (the index chats read): a writer index of its own on the same data, sharing the
    reader's embedder, the upload folder and the ingest settings section."""
    from .library import Library, gradio_temp_dir

    upload_dir = settings.ui.upload_dir or Path(settings.store.path).parent / "uploads"
    return Library(reader, make_store(settings, reader.embeddings), upload_dir,
                   int(settings.ingest.max_file_mb * 2**20), settings.ingest, cache_dirs=[gradio_temp_dir(settings)])
