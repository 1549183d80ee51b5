"""Make a chat prompt fit the model's context window, whatever the inputs.

The chains bound what they send (a cut question, a few evidence sentences, six short history turns), but drafting
takes the user's facts, outline and topic as given, and a 7B model may run with a smaller ``n_ctx``.  llama.cpp
fails outright ("Requested tokens exceed context window") when prompt + answer do not fit; here the answer's budget
shrinks first, then the longest message loses its middle (its head, which holds the instructions or sources, and
its tail, which holds the question, are kept), until the prompt leaves room for an answer.
"""
from __future__ import annotations

from collections.abc import Callable

MESSAGE_OVERHEAD = 8  # tokens a chat template adds around each message (Qwen's ChatML: ~5)
MIN_ANSWER = 64  # tokens left for the answer at least
MARK = "\n…（内容过长，已截断）…\n"


def fit_messages(messages: list[dict], n_ctx: int, max_tokens: int, count: Callable[[str], int],
                 min_answer: int = MIN_ANSWER) -> tuple[list[dict], int]:
    """(messages, max_tokens) with prompt tokens + max_tokens ≤ ``n_ctx``; ``count(text)`` counts tokens."""
    messages = [dict(m) for m in messages]
    sizes = [count(str(m["content"])) + MESSAGE_OVERHEAD for m in messages]
    floor = min(max_tokens, min_answer)
    for _ in range(12):  # each round cuts the longest message to what should fit; re-counted, as tokens ≠ chars
        total = sum(sizes) + MESSAGE_OVERHEAD
        if total + floor <= n_ctx:
            return messages, min(max_tokens, n_ctx - total)
        i = max(range(len(sizes)), key=sizes.__getitem__)
        text = str(messages[i]["content"])
        body = max(1, sizes[i] - MESSAGE_OVERHEAD)
        keep_tokens = body - (total + floor - n_ctx) - count(MARK) - 8
        keep = max(0, int(len(text) * keep_tokens / body))
        head = keep * 2 // 3
        messages[i]["content"] = text[:head] + MARK + (text[len(text) - (keep - head):] if keep > head else "")
        sizes[i] = count(messages[i]["content"]) + MESSAGE_OVERHEAD
    raise ValueError(f"提示词无法放入上下文窗口（n_ctx={n_ctx}）")
