"""Prompt templates are files in ``prompts/``, rendered strictly: a missing variable is an error, not a blank."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"


@lru_cache(maxsize=None)
def _template(name: str, directory: str):
    from jinja2 import Environment, StrictUndefined

    env = Environment(undefined=StrictUndefined, keep_trailing_newline=False, autoescape=False)
    return env.from_string((Path(directory) / f"{name}.txt").read_text(encoding="utf-8"))


def render(name: str, directory: Path = PROMPTS_DIR, **variables) -> str:
    """Render ``prompts/<name>.txt`` with ``variables``; raises ``jinja2.UndefinedError`` if one is missing."""
    return _template(name, str(directory)).render(**variables).strip()


def prompt_names(directory: Path = PROMPTS_DIR) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.txt"))
