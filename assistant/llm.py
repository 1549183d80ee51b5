"""Build the LangChain chat model that phrases answers and drafts, from :class:`assistant.settings.LLMSettings`.

Backends: ``local`` (llama-cpp-python on a GGUF file, in process), ``openai`` (any OpenAI-compatible server:
``python -m llama_cpp.server``, vLLM, Ollama, DeepSeek …), ``none`` (no LLM: extractive answers) and ``auto``
(local when the GGUF and llama-cpp-python are both there, else none).  Every heavy import happens inside its
branch, so importing this module costs nothing and a machine without llama-cpp-python can still use ``openai``.
"""
from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from .settings import LLMSettings

# ChatLlamaCpp's own default is n_batch=8, which makes prompt processing several times slower on CPU.
LOCAL_N_BATCH = 512
# Requests to an OpenAI-compatible server: a small CPU server can take minutes on a long prompt; a retry of a slow
# generation would only double the wait.
OPENAI_TIMEOUT_S = 300.0
OPENAI_MAX_RETRIES = 1


def llama_cpp_available() -> bool:
    """True when llama-cpp-python is installed (checked without importing it: the import loads the C library)."""
    return importlib.util.find_spec("llama_cpp") is not None


def _local(cfg: LLMSettings) -> BaseChatModel:
    model_path = Path(cfg.model_path).expanduser()
    if not model_path.is_file():
        raise RuntimeError(f"GGUF not found at {model_path}: run `python -m assistant.local_model` (or `make models`)")
    if not llama_cpp_available():
        raise RuntimeError("llama-cpp-python is not installed: run `make llm`")
    with warnings.catch_warnings():
        # langchain-community warns at import that it is being sunset; ChatLlamaCpp has no successor package yet.
        warnings.filterwarnings("ignore", message=".*langchain-community.*", category=DeprecationWarning)
        from langchain_community.chat_models import ChatLlamaCpp

    # No chat_format given: llama-cpp-python uses the chat template stored in the GGUF (Qwen's ChatML).
    return ChatLlamaCpp(
        model_path=str(model_path),
        n_ctx=cfg.n_ctx,
        n_threads=cfg.threads,
        n_batch=min(LOCAL_N_BATCH, cfg.n_ctx),
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        repeat_penalty=cfg.repeat_penalty,
        max_tokens=cfg.max_tokens,
        streaming=True,
        verbose=False,
    )


def _openai(cfg: LLMSettings) -> BaseChatModel:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - it is in requirements.txt
        raise RuntimeError("langchain-openai is not installed: run `make install`") from exc
    return ChatOpenAI(
        base_url=cfg.base_url,
        api_key=cfg.api_key,
        model=cfg.model,
        temperature=cfg.temperature,
        top_p=cfg.top_p,
        max_tokens=cfg.max_tokens,
        streaming=True,
        timeout=OPENAI_TIMEOUT_S,
        max_retries=OPENAI_MAX_RETRIES,
    )


def make_llm(cfg: LLMSettings) -> BaseChatModel | None:
    """The chat model for ``cfg.backend``, or ``None`` when answers are to stay extractive.

    ``local`` loads the GGUF now (about 3 s for the 1.5B model; keep the returned object, do not call this per
    question).  Raises :class:`RuntimeError` naming what is missing when the chosen backend cannot be built.
    """
    match cfg.backend:
        case "local":
            return _local(cfg)
        case "openai":
            return _openai(cfg)
        case "none":
            return None
        case "auto":
            if Path(cfg.model_path).expanduser().is_file() and llama_cpp_available():
                return _local(cfg)
            return None
        case other:
            raise ValueError(f"unknown LLM backend {other!r} (expected auto, local, openai or none)")


def _file_label(path: Path) -> str:
    path = path.expanduser()
    if not path.is_file():
        return f"{path} (missing)"
    return f"{path.name} ({path.stat().st_size / 2**30:.2f} GiB)"


def describe_llm(cfg: LLMSettings) -> str:
    """One line for a status page: backend, model file and size (or endpoint).  Loads nothing."""
    local = f"{_file_label(Path(cfg.model_path))}, {cfg.threads} threads, n_ctx {cfg.n_ctx}"
    match cfg.backend:
        case "local":
            extra = "" if llama_cpp_available() else " — llama-cpp-python not installed"
            return f"local: {local}{extra}"
        case "openai":
            return f"openai: model {cfg.model} at {cfg.base_url}"
        case "none":
            return "none: extractive answers only"
        case _:
            if not Path(cfg.model_path).expanduser().is_file():
                return f"auto → none: GGUF not found at {cfg.model_path} (extractive answers only)"
            if not llama_cpp_available():
                return "auto → none: llama-cpp-python not installed (extractive answers only)"
            return f"auto → local: {local}"
