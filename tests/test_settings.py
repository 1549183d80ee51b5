"""Settings: one typed object, every field described, every variable documented in the README, env overrides."""
from __future__ import annotations

from pathlib import Path

import pytest

from assistant.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def _fields():
    for section, info in Settings.model_fields.items():
        for name, field in info.annotation.model_fields.items():
            yield section, name, field


def test_every_field_is_described_and_documented():
    readme = README.read_text(encoding="utf-8")
    for section, name, field in _fields():
        assert field.description and len(field.description) > 10, (section, name)
        assert f"`HUIBAO_{section.upper()}__{name.upper()}`" in readme, f"README lacks HUIBAO_{section}__{name}"


def test_environment_overrides_and_validates(monkeypatch):
    monkeypatch.setenv("HUIBAO_LLM__BACKEND", "none")
    monkeypatch.setenv("HUIBAO_SEARCH__K", "7")
    settings = Settings()
    assert settings.llm.backend == "none" and settings.search.k == 7
    monkeypatch.setenv("HUIBAO_LLM__BACKEND", "gpt-9")
    with pytest.raises(ValueError):
        Settings()
