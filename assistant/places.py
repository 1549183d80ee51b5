"""The places and people each report of the library names (:func:`assistant.names.place_names`), kept per document.

The reviewer (a draft naming another unit's places) and the drafting chain (names a draft must not borrow) need the
names of every report in the library.  jieba's tagger reads ~28,000 characters/s on 2 busy cores: ~14 minutes for a
100k-chunk library, paid again after every import when it was recomputed from the whole library.  A document's names
depend only on its text, and its id is a hash of its content, so they are computed once per document and kept beside
the index (``places.json``: doc_id → report title → names); a changed library computes only its new documents'.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .names import place_names

FILE = "places.json"


def report_texts(rows) -> dict[tuple[str, str], list[str]]:
    """(doc_id, report title) → its chunks' texts in reading order, from ``ReportIndex.chunks()`` rows."""
    texts: dict[tuple[str, str], list[str]] = {}
    for _, text, meta in sorted(rows, key=lambda x: (x[2].get("doc_id", ""), x[2].get("start", 0))):
        texts.setdefault((meta["doc_id"], meta.get("report_title", "")), []).append(text)
    return texts


def report_places(index, texts: dict[tuple[str, str], list[str]]) -> dict[tuple[str, str], set[str]]:
    """The names each report of ``texts`` (:func:`report_texts` of the whole library) holds: kept ones read from
    ``places.json``, the others computed and added to it (documents no longer in the library are dropped from it)."""
    path = Path(index.path) / FILE
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        kept = kept if isinstance(kept, dict) else {}
    except (OSError, ValueError):
        kept = {}  # none yet, or unreadable: computed again
    out, added = {}, False
    for (doc_id, title), parts in texts.items():
        names = kept.get(doc_id, {}).get(title)
        if not isinstance(names, list):
            names = sorted(place_names("\n".join(parts)))
            kept.setdefault(doc_id, {})[title] = names
            added = True
        out[(doc_id, title)] = set(names)
    documents = {doc_id for doc_id, _ in texts}
    if added or set(kept) - documents:
        _save(path, {d: v for d, v in kept.items() if d in documents})
    return out


def library_places(index) -> set[str]:
    """Every name the library's reports hold."""
    return set().union(*report_places(index, report_texts(index.chunks())).values())


def _save(path: Path, kept: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
    except OSError:
        tmp.unlink(missing_ok=True)  # a read-only index still gets its names, computed each time
