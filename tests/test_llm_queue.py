"""The local model's queue: first come, first served, and each waiting request learns its place (``排队中：前面还有
N 个请求``) as it moves — in GenerationSlots with threads, and in the Q&A chain's event stream."""
from __future__ import annotations

import threading
import time

from assistant.llm import GenerationSlots
from assistant.answer.chain import QAChain

from .fakes import ScriptedChatModel


def _until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_waiting_turns_see_their_place_move_and_are_served_in_order():
    slots = GenerationSlots(1)
    release = {name: threading.Event() for name in "abc"}
    places: dict[str, list[int]] = {name: [] for name in "abc"}
    order: list[str] = []

    def run(name):
        with slots.turn() as turn:
            for ahead in turn.wait(poll=0.05):
                places[name].append(ahead)
            order.append(name)
            release[name].wait(30)

    threads = {}
    for name in "abc":  # arrive one after another
        threads[name] = threading.Thread(target=run, args=(name,))
        threads[name].start()
        _until(lambda: len(order) + slots.waiting == len(threads))
    _until(lambda: places["c"] == [2])
    assert places == {"a": [], "b": [1], "c": [2]} and order == ["a"]
    release["a"].set()
    _until(lambda: order == ["a", "b"] and places["c"] == [2, 1])  # c moved up one place
    release["b"].set()
    _until(lambda: order == ["a", "b", "c"])
    release["c"].set()
    for t in threads.values():
        t.join(10)
    assert places == {"a": [], "b": [1], "c": [2, 1]} and slots.running == slots.waiting == 0


def test_a_request_given_up_while_waiting_leaves_the_queue():
    slots = GenerationSlots(1)
    with slots:
        turn = slots.turn().__enter__()
        waiting = turn.wait(poll=0.05)
        assert next(waiting) == 1 and slots.waiting == 1
        waiting.close()
        turn.__exit__(None, None, None)  # what a closed chat stream does
        assert slots.waiting == 0
    with slots.turn() as other:  # the slot is free for the next one at once
        assert list(other.wait()) == []
    assert slots.running == 0


def test_parallel_slots_queue_only_beyond_their_number():
    slots = GenerationSlots(2)
    with slots, slots.turn() as second:
        assert list(second.wait()) == [] and slots.running == 2
        third = slots.turn().__enter__()
        assert next(third.wait(poll=0.05)) == 2
        third.__exit__(None, None, None)


class SlowModel(ScriptedChatModel):
    started: list = []
    gate: threading.Event | None = None

    def _stream(self, messages, stop=None, run_manager=None, **kwargs):
        self.started.append(time.monotonic())
        self.gate.wait(60)
        yield from super()._stream(messages, stop, run_manager, **kwargs)


def test_a_chat_waiting_for_the_model_is_told_its_place(sample_index, embeddings):
    gate = threading.Event()
    reply = "延安市打掉恶势力犯罪集团。[1]"
    llm = SlowModel(replies=[reply, reply], calls=[], started=[], gate=gate)
    qa = QAChain(sample_index, embeddings, llm, llm_lock=GenerationSlots(1))
    question = "延安市打掉了几个恶势力犯罪集团？"
    events: dict[str, list[dict]] = {"first": [], "second": []}

    def ask(name):
        for event in qa.answer(question):
            events[name].append(event)

    first = threading.Thread(target=ask, args=("first",))
    first.start()
    _until(lambda: llm.started)  # the first generates (held by the gate)…
    second = threading.Thread(target=ask, args=("second",))
    second.start()
    _until(lambda: any(e.type == "queue" for e in events["second"]))
    assert [e.ahead for e in events["second"] if e.type == "queue"] == [1]  # …the second is told its place
    assert not any(e.type == "token" for e in events["second"])
    gate.set()
    first.join(60)
    second.join(60)
    kinds = [e.type for e in events["second"]]
    assert kinds.index("queue") > kinds.index("evidence") and kinds.index("token") > kinds.index("queue")
    assert "queue" not in [e.type for e in events["first"]]  # the first never waited
    assert kinds[-1] == "final" and [e.type for e in events["first"]][-1] == "final"


def test_a_draft_waiting_for_the_model_is_told_its_place(sample_index, embeddings):
    """Two drafts overlapping: the second waits while the first writes, told its place before each point it waits
    for, and both finish; the first never waits."""
    from assistant.draft.chain import DraftChain, DraftRequest
    from assistant.draft.results import QueueEvent

    gate = threading.Event()
    bodies = [f"本局第{n}项工作有待加强，群众参与程度不高，需要持续改进。" for n in "一二三四五六七八九十" * 2]
    llm = SlowModel(replies=bodies, calls=[], started=[], gate=gate)
    drafter = DraftChain(sample_index, embeddings, llm, llm_lock=GenerationSlots(1))
    request = DraftRequest("problems", "某县市场监督管理局", "扫黑除恶")
    events: dict[str, list] = {"first": [], "second": []}

    def draft(name):
        for event in drafter.draft(request):
            events[name].append(event)

    first = threading.Thread(target=draft, args=("first",))
    first.start()
    _until(lambda: llm.started)  # the first writes its first point (held by the gate)…
    second = threading.Thread(target=draft, args=("second",))
    second.start()
    _until(lambda: any(e.type == "queue" for e in events["second"]))
    queued = [e for e in events["second"] if e.type == "queue"]
    assert queued == [QueueEvent(i=0, ahead=1)]  # …the second is told its place, at its first point
    assert not any(e.type == "token" for e in events["second"])
    kinds = [e.type for e in events["second"]]
    assert kinds == ["plan", "queue"]  # its headings are shown at once, before it waits
    gate.set()
    first.join(60)
    second.join(60)
    assert "queue" not in [e.type for e in events["first"]]
    kinds = [e.type for e in events["second"]]
    assert kinds[-1] == "final" and events["first"][-1].type == "final"
    assert kinds.index("token") > kinds.index("queue")
    assert len(events["second"][-1].result.points) == len(events["first"][-1].result.points) > 1
