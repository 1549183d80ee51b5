"""What the answering and drafting benchmarks share: a throw-away library of the given documents, and the summary
lines at the end of a table."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def fresh_library(docs: str, llm: str, db: str | None = None) -> Iterator:
    """An assistant (``llm`` backend) over a new index of ``docs`` in a temporary folder, removed afterwards; or in
    ``db``, kept, so that a second run skips the ingest (documents already there are not embedded again)."""
    from assistant.service import build_assistant
    from assistant.settings import load_settings
    from ingest.pipeline import ingest_paths

    with tempfile.TemporaryDirectory() as tmp:
        assistant = build_assistant(load_settings(db or tmp), llm)
        ingest_paths([docs], assistant.index)
        yield assistant


def print_summary(summary: dict) -> int:
    print()
    for key, value in summary.items():
        print(f"{key:<24}{value}")
    return 0
