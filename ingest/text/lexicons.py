"""The domain's Chinese word tables, as data (lexicons.toml, each table with its source), read once."""
from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LEXICONS_FILE = Path(__file__).with_name("lexicons.toml")


@cache
def lexicon() -> dict:
    """lexicons.toml as read, the tables as TOML gives them (strings and lists)."""
    with open(LEXICONS_FILE, "rb") as f:
        return tomllib.load(f)


@cache
def words(section: str, table: str) -> frozenset[str]:
    """A table as a set: whitespace-separated words, a list of words, or (a string without spaces) characters."""
    value = lexicon()[section][table]
    if isinstance(value, list):
        return frozenset(value)
    return frozenset(value.split()) if any(c.isspace() for c in value.strip()) else frozenset(value)
