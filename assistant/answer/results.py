"""What the Q&A chain yields: typed events while it works and a typed answer at the end.

The UI, the CLI and the benchmarks read attributes; JSON exists only at the edge, in :meth:`Answer.to_json` (what
``python -m assistant ask --json`` prints, pinned key by key by tests/test_json_contract.py).  Why an answer was
refused is a value (:data:`Refusal`), never the refusal's wording: the wording is for people.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

from ..guards import Verdict
from .evidence import Evidence, Source

# extractive: evidence sentences, cited; llm: the model's checked text; rejected: no question to answer
Mode = Literal["extractive", "llm", "rejected"]
# weak: the evidence is too weak to ask anyone; declined: the model found no answer to a question for one fact;
# off_the_ask: the model's figure is not the sources' and no evidence sentence counts the thing asked;
# absent: the asked unit or period gives no such figure (the answer says so, naming whose figure it was);
# rejected: an empty or meaningless question (the answer asks for one)
Refusal = Literal["weak", "declined", "off_the_ask", "absent", "rejected"]


@dataclass(frozen=True, slots=True)
class Misattribution:
    """A figure of the answer that is another unit's, period's or thing's, with where it does stand."""

    figure: str
    verdict: Verdict
    unit: str = ""
    period: str = ""


@dataclass(frozen=True, slots=True)
class AskedScope:
    """The unit(s) and period the question asked about, as the answer names them ("" / (): not asked)."""

    units: tuple[str, ...] = ()
    period: str = ""


@dataclass(frozen=True, slots=True)
class Timings:
    retrieve_ms: float
    evidence_ms: float
    first_token_ms: float | None  # None: no model wrote anything
    total_ms: float


@dataclass(frozen=True, slots=True)
class Answer:
    """The checked answer: its text, how it was made, its sources, and what the checks found."""

    question: str
    standalone_question: str
    text: str
    mode: Mode
    timings: Timings
    refusal: Refusal | None = None
    citations: tuple[Source, ...] = ()  # the sources the text cites
    nearest: tuple[Source, ...] = ()  # a refusal's nearest passages, for the user to read themselves
    unsupported_numbers: tuple[str, ...] = ()
    misattributed: tuple[Misattribution, ...] = ()
    asked: AskedScope | None = AskedScope()  # None: a rejected question, never read for its scope

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    def to_json(self) -> dict:
        """The answer as ``ask --json`` prints it (the same keys, in the same order, as before answers were typed)."""
        out = {"question": self.question, "standalone_question": self.standalone_question, "answer": self.text,
               "mode": self.mode, "refused": self.refused,
               "citations": [_source_json(s, "n", "chunk_id", "doc_id", "report_title", "section_path", "text")
                             for s in self.citations],
               "nearest": [_source_json(s, "n", "chunk_id", "report_title", "section_path", "text")
                           for s in self.nearest],
               "unsupported_numbers": list(self.unsupported_numbers)}
        if self.asked is not None:
            out["misattributed"] = [asdict(m) for m in self.misattributed]
            out["asked"] = {"units": list(self.asked.units), "period": self.asked.period}
        out["timings"] = asdict(self.timings)
        return out


def _source_json(source: Source, *keys: str) -> dict:
    return {k: getattr(source, k) for k in keys}


@dataclass(frozen=True, slots=True)
class EvidenceFound:
    """At once, before any model runs: the sentences the answer will rest on and their sources."""

    standalone_question: str
    weak: bool  # too weak to answer from: a refusal follows
    sentences: tuple[Evidence, ...]
    sources: tuple[Source, ...]
    type: Literal["evidence"] = field(default="evidence", init=False)


@dataclass(frozen=True, slots=True)
class Queued:
    """Waiting for the model: ``ahead`` requests before this one (only when it has to wait)."""

    ahead: int
    type: Literal["queue"] = field(default="queue", init=False)


@dataclass(frozen=True, slots=True)
class Token:
    """A piece of the model's text as it streams (unchecked: the final answer is what counts)."""

    text: str
    type: Literal["token"] = field(default="token", init=False)


@dataclass(frozen=True, slots=True)
class Final:
    answer: Answer
    type: Literal["final"] = field(default="final", init=False)


AnswerEvent = EvidenceFound | Queued | Token | Final
