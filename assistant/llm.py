"""Build the LangChain chat model that phrases answers and drafts, from :class:`assistant.settings.LLMSettings`.

Backends: ``local`` (llama-cpp-python on a GGUF file, in process), ``openai`` (any OpenAI-compatible server:
``python -m llama_cpp.server``, vLLM, Ollama, DeepSeek …), ``none`` (no LLM: extractive answers) and ``auto``
(local when the GGUF and llama-cpp-python are both there, else none).  Every heavy import happens inside its
branch, so importing this module costs nothing and a machine without llama-cpp-python can still use ``openai``.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

    from .settings import LLMSettings

# Prompt tokens evaluated per batch: small batches make prompt processing several times slower on CPU.
LOCAL_N_BATCH = 512
# Requests to an OpenAI-compatible server: a small CPU server can take minutes on a long prompt; a retry of a slow
# generation would only double the wait.
OPENAI_TIMEOUT_S = 300.0
OPENAI_MAX_RETRIES = 1
# llama.cpp is built with OpenMP; libgomp spins 300,000 rounds at every barrier before sleeping.  With 2 threads on
# 2 cores and one other busy process, generation falls from ~14 to ~1 tok/s; a short spin keeps the idle speed and
# gives ~7 tok/s under that load (measured, see the llm report).  Read by libgomp when llama_cpp is first imported.
LOCAL_OPENMP_ENV = {"GOMP_SPINCOUNT": "3000"}


def _tune_openmp() -> None:
    """Set :data:`LOCAL_OPENMP_ENV` unless the user chose an OpenMP wait policy or llama_cpp is already loaded."""
    if "llama_cpp" in sys.modules or "OMP_WAIT_POLICY" in os.environ:
        return
    for key, value in LOCAL_OPENMP_ENV.items():
        os.environ.setdefault(key, value)


def llama_cpp_available() -> bool:
    """True when llama-cpp-python is installed (checked without importing it: the import loads the C library)."""
    return importlib.util.find_spec("llama_cpp") is not None


def _local(cfg: LLMSettings) -> BaseChatModel:
    model_path = Path(cfg.model_path).expanduser()
    if not model_path.is_file():
        raise RuntimeError(f"GGUF not found at {model_path}: run `python -m assistant.local_model` (or `make models`)")
    if not llama_cpp_available():
        raise RuntimeError("llama-cpp-python is not installed: run `make llm`")
    _tune_openmp()
    from .llama_chat import LlamaCppChat

    # The chat template stored in the GGUF (Qwen's ChatML) formats the messages.
    return LlamaCppChat(model_path=str(model_path), n_ctx=cfg.n_ctx, n_threads=cfg.threads, n_batch=LOCAL_N_BATCH,
                        temperature=cfg.temperature, top_p=cfg.top_p, repeat_penalty=cfg.repeat_penalty,
                        max_tokens=cfg.max_tokens, seed=cfg.seed)


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


class GenerationSlots:
    """How many generations may run at once, shared by every chain of an app: one for the in-process model (two
    would halve each other's speed on the same cores), ``cfg.parallel`` for an OpenAI-compatible server that can
    batch requests (vLLM, llama.cpp's ``--parallel``).

    Callers are served first come, first served.  ``with slots:`` simply waits; :meth:`turn` lets a chain tell its
    user their place meanwhile (``排队中：前面还有 N 个请求``).  ``waiting`` is how many callers queue for a slot.
    """

    def __init__(self, slots: int):
        import threading
        from collections import deque

        self.slots = max(1, slots)
        self._cond = threading.Condition()
        self._queue: deque[Turn] = deque()  # waiting turns, in arrival order
        self.running = 0
        self._held = threading.local()  # the turns ``with slots:`` holds, per thread

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def turn(self) -> Turn:
        """Queue for a slot now; use as ``with slots.turn() as t: for ahead in t.wait(): ...``."""
        return Turn(self)

    def _enqueue(self, turn: Turn) -> None:
        with self._cond:
            self._queue.append(turn)

    def _ahead(self, turn: Turn) -> int | None:
        """Requests before ``turn`` (generating or queued earlier), or None once it may take a slot.  Under _cond."""
        position = self._queue.index(turn)
        if position < self.slots - self.running:
            return None
        return self.running + position

    def _next_change(self, turn: Turn, last: int | None, poll: float) -> int | None:
        """Block until ``turn`` may take a slot (then take it: None) or its place differs from ``last``."""
        with self._cond:
            while (ahead := self._ahead(turn)) is not None and ahead == last:
                self._cond.wait(poll)
            if ahead is None:
                self._queue.remove(turn)
                self.running += 1
            return ahead

    def _leave(self, turn: Turn, held: bool) -> None:
        with self._cond:
            if held:
                self.running -= 1
            elif turn in self._queue:
                self._queue.remove(turn)  # a user who gave up while waiting
            self._cond.notify_all()

    def __enter__(self):
        turn = self.turn().__enter__()
        try:
            for _ in turn.wait():
                pass
        except BaseException:
            turn.__exit__()
            raise
        self._held.__dict__.setdefault("turns", []).append(turn)
        return self

    def __exit__(self, *exc) -> None:
        self._held.turns.pop().__exit__(*exc)


class Turn:
    """One caller's place in :class:`GenerationSlots`' queue, from arrival until its generation ends."""

    def __init__(self, slots: GenerationSlots):
        self.slots, self.held = slots, False

    def __enter__(self) -> Turn:
        self.slots._enqueue(self)
        return self

    def wait(self, poll: float = 0.5):
        """Yield the number of requests ahead whenever it changes, until this turn holds a slot (nothing is yielded
        when a slot is free at once).  A generator closed while waiting leaves the queue in ``__exit__``."""
        last = None
        while (ahead := self.slots._next_change(self, last, poll)) is not None:
            last = ahead
            yield ahead
        self.held = True

    def __exit__(self, *exc) -> None:
        self.slots._leave(self, self.held)
        self.held = False


def take_turn(lock) -> Turn | _PlainTurn:
    """A turn at ``lock``: :class:`GenerationSlots` report the queue, any other lock (or None) just waits."""
    if isinstance(lock, GenerationSlots):
        return lock.turn()
    return _PlainTurn(lock)


class _PlainTurn:
    def __init__(self, lock):
        from contextlib import nullcontext

        self.lock = lock if lock is not None else nullcontext()

    def __enter__(self):
        self.lock.__enter__()
        return self

    def wait(self, poll: float = 0.5):
        return iter(())

    def __exit__(self, *exc) -> None:
        self.lock.__exit__(*exc)


def generation_slots(cfg: LLMSettings) -> GenerationSlots:
    return GenerationSlots(cfg.parallel if cfg.backend == "openai" else 1)


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
