"""What a question (or search query) must be before anything is embedded or sent to a model.

A question of punctuation only ("？？？", "……") retrieves arbitrary passages that look like an answer; a pasted
40,000-character question costs minutes of embedding and overflows the model's context.  The first is refused
politely, the second cut to ``search.max_query_chars`` (the same setting in the CLI and the app) — here, once, at the
entry of the chain and of search.
"""
from __future__ import annotations

import unicodedata

# Fewer letters or digits than this, and there is nothing to look for.
MIN_WORD_CHARS = 2
REJECTION = "请输入一个具体的问题（例如：县里为这项斗争专门投入了多少资金？）"


class QuestionRejected(ValueError):
    """An empty or meaningless question; the message is shown to the user as is."""


def prepare_question(text: str | None, limit: int) -> str:
    """``text`` stripped and cut to ``limit`` characters; :class:`QuestionRejected` when it holds no words."""
    text = " ".join(str(text or "").split())  # newlines and runs of spaces: one space
    if sum(1 for c in text if unicodedata.category(c)[0] in "LN") < MIN_WORD_CHARS:
        raise QuestionRejected(REJECTION)
    return cut(text, limit)


def cut(text: str, limit: int) -> str:
    """The first ``limit`` characters (a follow-up rewritten with a long history is cut the same way)."""
    return text if len(text) <= limit else text[:limit]
