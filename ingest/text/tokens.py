"""Chinese words: jieba (whitespace tokenisation scores zero on Chinese) and the stop words of the keyword index."""
from __future__ import annotations

import re

_PUNCT = re.compile(r"^[\W_]+$")


def quiet_jieba():
    """jieba, imported on first use with its start-up log ("Building prefix dict…") silenced."""
    import jieba

    jieba.setLogLevel(60)
    return jieba


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens (扫黑除恶 → 扫黑, 除恶, 扫黑除恶) without punctuation and stop words."""
    from .lexicons import words

    stop = words("tokens", "stopwords")
    return [t for t in (w.strip().lower() for w in quiet_jieba().cut_for_search(text))
            if t and t not in stop and not _PUNCT.match(t)]
