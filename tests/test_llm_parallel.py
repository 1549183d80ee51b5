"""Generation slots: one generation at a time for the in-process model, ``llm.parallel`` for an OpenAI-compatible
server — tested with threads, and with two overlapping clients against a real llama_cpp.server (slow)."""
from __future__ import annotations

import threading
import time

import pytest

from assistant.llm import generation_slots, make_llm
from assistant.settings import LLMSettings


def _overlap(slots, work, n=2):
    """Run ``work(i)`` in ``n`` threads through ``slots``; (start, end) of each inside its slot, and the results."""
    spans, results = [None] * n, [None] * n
    ready = threading.Barrier(n)

    def run(i):
        ready.wait()
        with slots:
            t0 = time.monotonic()
            results[i] = work(i)
            spans[i] = (t0, time.monotonic())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return spans, results


def _overlapping(spans) -> bool:
    (a0, a1), (b0, b1) = sorted(spans)
    return b0 < a1


def test_local_runs_one_generation_at_a_time_and_counts_the_queue():
    slots = generation_slots(LLMSettings(backend="local", parallel=4))
    assert slots.slots == 1
    seen = []

    def work(i):
        time.sleep(0.3)
        seen.append(slots.waiting)
        return i

    spans, results = _overlap(slots, work)
    assert results == [0, 1] and not _overlapping(spans)
    assert sorted(seen) == [0, 1]  # while the first generated, the second was waiting in the queue


def test_openai_runs_parallel_requests_up_to_the_setting():
    slots = generation_slots(LLMSettings(backend="openai", parallel=2))
    spans, _ = _overlap(slots, lambda i: time.sleep(0.3))
    assert slots.slots == 2 and _overlapping(spans)
    spans, _ = _overlap(generation_slots(LLMSettings(backend="openai", parallel=1)), lambda i: time.sleep(0.3))
    assert not _overlapping(spans)
    with pytest.raises(ValueError):
        LLMSettings(parallel=0)


@pytest.mark.slow
def test_two_clients_overlap_against_a_real_server(llama_server):
    from langchain_core.messages import HumanMessage

    cfg = LLMSettings(backend="openai", base_url=llama_server, model="qwen2.5", temperature=0.0, max_tokens=24,
                      parallel=2)
    chat = make_llm(cfg)
    questions = ["用一句话回答：3加4等于几？", "用一句话回答：10减2等于几？"]
    spans, answers = _overlap(generation_slots(cfg),
                              lambda i: "".join(c.content for c in chat.stream([HumanMessage(questions[i])])))
    assert _overlapping(spans), spans  # both requests were in flight at once
    assert "7" in answers[0] and "8" in answers[1], answers
