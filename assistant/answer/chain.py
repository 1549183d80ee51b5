"""The grounded Q&A chain: rewrite → retrieve → select evidence → (LLM phrases) → check.

Evidence first: the selected sentences and their sources are yielded before the LLM starts, so the user sees the
answer's basis at once; ``none`` mode stops there.  Whatever the model writes is checked: citations are attached
by matching sentences to evidence, invalid ones dropped, every figure must stand in a cited source, degenerate
output falls back to the extractive answer, and weak evidence is refused rather than guessed from.
"""
from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass

from ingest.text.lexicons import words as lexicon_words
from ingest.text.sentences import sentence_pieces, split_sentences
from vectorstore.hybrid import rrf_fuse

from .claims import ScopedGuard
from .evidence import EvidenceSet, select_evidence
from ..guards import (CITATION, char_bigrams, clean_citations, extract_figures, mark_unsupported, plain_text,
                     unsupported_figures)
from .intent import (answers_the_ask, asks_for_figure, counting_sentences, implied_orgs, implied_sections,
                     is_open_question)
from ..llm import take_turn
from ..prior import library_reports, question_prior
from ..prompts import render
from ..scope import Asked, asked_scope, library_units, several_units
from ..question import QuestionRejected, cut, prepare_question
from ..settings import SearchSettings
from .results import Answer, AnswerEvent, AskedScope, EvidenceFound, Final, Queued, Refusal, Timings, Token

REFUSAL = "资料中未找到相关信息。"
_REFUSAL_WORDS = re.compile(r"资料中未找到|资料中没有|未提及|没有提到|无法回答|无法从资料|资料未")
_FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|其中|它|他们|这个|该)|呢[？?]?$")


@dataclass
class QAConfig:
    """The chain's own tuning (measured on the dev set); what users set is the ``search`` settings section."""

    # Best evidence score below this → refuse without asking the LLM.  On the dev set answerable questions scored
    # 0.89–1.42 and absent ones 0.89–1.18: retrieval strength only catches questions about nothing in the library;
    # a missing detail of a covered topic ("无人机", "死刑犯") is for the LLM to refuse.
    min_strength: float = 0.85
    max_sentences: int = 6
    max_chars: int = 700


def attach_citations(answer: str, evidence: EvidenceSet) -> str:
    """Keep the model's valid [n]; add the [n] of the evidence sentence each answer sentence matches best.

    Small models rarely cite, and cite the wrong source when they do; matching answer sentences to evidence
    sentences (as RAGFlow does) gives every claim the source it actually came from.
    """
    valid = {s.n for s in evidence.sources}
    answer = clean_citations(answer, valid)
    answer = re.sub(r"([。！？；])\s*((?:\[\d{1,2}\])+)", r"\2\1", answer)  # "…。[1]" → "…[1]。"
    out = []
    for sentence in sentence_pieces(answer, limit=None, lines=True):
        if not CITATION.sub("", sentence).strip() or _REFUSAL_WORDS.search(sentence):
            out.append(sentence)
            continue
        grams = char_bigrams(sentence)
        best, best_n = 0.0, None
        for ev in evidence.sentences:
            overlap = len(grams & char_bigrams(ev.sentence)) / max(1, len(grams))
            if overlap > best:
                best, best_n = overlap, ev.n
        cited = {int(n) for n in CITATION.findall(sentence)}
        if best_n is not None and best >= 0.25 and best_n not in cited:
            body = CITATION.sub("", sentence.rstrip("\n")).rstrip()
            marks = "".join(f"[{n}]" for n in sorted(cited | {best_n}))
            tail = body[-1] if body and body[-1] in "。！？；" else ""
            sentence = body[: len(body) - len(tail)] + marks + tail + ("\n" if sentence.endswith("\n") else "")
        out.append(sentence)
    return "".join(out)


def check_numbers(answer: str, evidence: EvidenceSet) -> tuple[str, list[str]]:
    """Every figure must stand in a source its sentence cites (or in any evidence source if it cites none).

    A figure found in another evidence source than the one cited gets that source's [n] added: the model cited
    the wrong passage, the figure itself is supported.  A figure found nowhere is listed and marked.
    """
    by_n = {s.n: s.text for s in evidence.sources}
    unsupported: list[str] = []
    out = []
    for sentence in sentence_pieces(answer, limit=None, lines=True):
        cited = [int(n) for n in CITATION.findall(sentence) if int(n) in by_n]
        bare = CITATION.sub("", sentence)
        missing = unsupported_figures(bare, [by_n[n] for n in cited] or list(by_n.values()))
        extra = [n for n in by_n if n not in cited and missing
                 and len(unsupported_figures(bare, [by_n[m] for m in cited + [n]])) < len(missing)]
        if extra and cited:
            n = extra[0]
            missing = unsupported_figures(bare, [by_n[m] for m in cited + [n]])
            body = sentence.rstrip("\n")
            tail = body[-1] if body and body[-1] in "。！？；" else ""
            sentence = body[: len(body) - len(tail)] + f"[{n}]" + tail + ("\n" if sentence.endswith("\n") else "")
        unsupported += [f for f in missing if f not in unsupported]
        out.append(sentence)
    return mark_unsupported("".join(out), unsupported), unsupported


def is_degenerate(answer: str, evidence: EvidenceSet) -> bool:
    """Empty, looping, or a wholesale copy of the evidence instead of an answer."""
    text = CITATION.sub("", answer).strip()
    if len(text) < 2:
        return True
    if re.search(r"(.{4,30}?)\1{2,}", text):  # the same phrase three times in a row
        return True
    sentences = [s for s in split_sentences(text) if len(s) >= 8]
    if len(sentences) >= 4 and len(set(sentences)) <= len(sentences) / 2:
        return True
    joined = "".join(e.sentence for e in evidence.sentences)
    return len(joined) > 200 and len(text) >= 0.9 * len(joined) and joined[:100] in text


def restates_question(question: str, answer: str) -> bool:
    """True when the answer says nothing the question did not ("因为群众举报了很多线索，但真正能立案的很少"):
    every pair of characters it adds holds a connective (因为, 是的, 可以), and it gives no figure."""
    text = CITATION.sub("", answer)
    if extract_figures(text):
        return False
    novel = char_bigrams(text) - char_bigrams(question)
    return not [g for g in novel if not set(g) & lexicon_words("answers", "glue")]


def extractive_answer(evidence: EvidenceSet) -> str:
    return "\n".join(f"{e.sentence}[{e.n}]" for e in evidence.sentences)


def format_sources(evidence: EvidenceSet, names: dict[int, str] | None = None) -> str:
    """The LLM's whole context: only the selected sentences, grouped under their numbered source.  ``names``: each
    source's report as the answer names it (《西岭省政府工作报告》 for a report titled 政府工作报告), so the model
    can tell whose figures it reads when the question names a unit."""
    return render("answer_sources", sources=[
        {"n": source.n, "name": (names or {}).get(source.n) or f"《{source.report_title}》",
         "section_path": source.section_path,
         "sentences": "".join(e.sentence for e in evidence.sentences if e.n == source.n)}
        for source in evidence.cited_sources()])


def _fuse(rankings: list[list], rrf_k: int, k: int) -> list:
    """Reciprocal-rank fusion of hit lists (a preference: hits in both rise, none is dropped), by the index's own
    :func:`~vectorstore.hybrid.rrf_fuse`, equal weights; a hit keeps the object of its first ranking."""
    by_id = {}
    for ranking in rankings:
        for hit in ranking:
            by_id.setdefault(hit.chunk_id, hit)
    scores = rrf_fuse([([hit.chunk_id for hit in ranking], 1.0) for ranking in rankings], rrf_k)
    return [by_id[i] for i in sorted(scores, key=scores.get, reverse=True)[:k]]


def scope_judge(asked: Asked):
    """Evidence sentences of the asked unit only; of another period than the asked one, none; of the asked period,
    a small lift over those whose period the text does not say."""
    def judge(source, period: str) -> float | None:
        if not asked.unit_fits(source.doc_id, source.report_index):
            return None
        fits = asked.period_fits(period, source.year or None)
        return None if fits is False else (0.05 if fits else 0.0)

    return judge


def _holds_period(hit, asked: Asked) -> bool:
    """Whether a chunk holds a sentence of the asked period (periods stored at ingest, else read from the chunk)."""
    from ingest.periods import chunk_sentence_periods

    year = int(hit.meta.get("year") or 0) or None
    periods = chunk_sentence_periods(hit.text, hit.meta.get("section_path", ""), year, hit.meta.get("periods"))
    return any(asked.period_fits(p, year) for p in periods)


def _history_text(history: list[dict]) -> str:
    """The last six turns, each cut to 200 characters, as prompts/history.txt lays them out."""
    return render("history", turns=[{"role": turn.get("role"), "content": str(turn.get("content", ""))[:200]}
                                    for turn in history[-6:]])


class QAChain:
    """Receives its index, embeddings, chat model (or None) and the ``search`` settings section (k, the fusion's
    weights, the question limit: the same as the 检索 tab's); ``answer`` yields events for the UI/CLI."""

    def __init__(self, index, embeddings, llm=None, search: SearchSettings | None = None, *,
                 config: QAConfig | None = None, llm_lock=None):
        self.index = index
        self.embeddings = embeddings
        self.llm = llm
        self.search = search or SearchSettings()
        self.config = config or QAConfig()
        self.llm_lock = llm_lock

    # --- steps ---------------------------------------------------------------------------------------------
    def standalone(self, question: str, history: list[dict] | None) -> str:
        last_user = next((t["content"] for t in reversed(history or []) if t.get("role") == "user"), None)
        if not last_user:
            return question
        if self.llm is not None:
            prompt = render("condense_question", history=_history_text(history), question=question)
            rewritten = self._invoke(prompt).strip().splitlines()
            if rewritten and 4 <= len(rewritten[0]) <= 120:
                return rewritten[0].strip()
        if len(question) <= 12 or _FOLLOW_UP.search(question):
            return f"{last_user} {question}"
        return question

    def asked(self, question: str, standalone: str | None = None) -> Asked:
        """The unit and period asked about: what the (follow-up) question says, else what its rewrite says."""
        units = library_units(self.index)
        own = asked_scope(question, units)
        if standalone and standalone != question:
            rewritten = asked_scope(standalone, units)
            own = Asked(own.units or rewritten.units, own.cue or rewritten.cue)
        return own

    def retrieve(self, question: str, section: str | None = None, filters: dict | None = None,
                 asked: Asked | None = None) -> list:
        """Hybrid search; sections and bodies the question implies are preferred, not imposed; a unit the question
        names is imposed (only its reports are searched); sentences of the asked period are preferred."""
        c = self.search
        base = dict(filters or {})
        if section:
            base["section_type"] = section if isinstance(section, list) else [section]
        asked = asked or Asked()
        search = dict(options=c, prior=question_prior(question, library_reports(self.index)))
        if asked.units and "doc_id" not in base:
            base["doc_id"] = sorted({u.doc_id for u in asked.units})
        hits = [h for h in self.index.search(question, c.candidates, base, "hybrid", **search)
                if asked.unit_fits(h.meta.get("doc_id", ""), int(h.meta.get("report_index") or 0))]
        self._label(hits)
        if asked.cue is not None:
            hits = _fuse([hits, [h for h in hits if _holds_period(h, asked)]], c.rrf_k, len(hits))
        soft = {}
        if "section_type" not in base and (types := implied_sections(question)):
            soft["section_type"] = types
        orgs = self.index.orgs()
        if "org" not in base and (named := implied_orgs(question, orgs)):
            soft["org"] = named
        if not soft:
            return hits[: c.k]
        preferred = [h for h in self.index.search(question, c.candidates, {**base, **soft}, "hybrid", **search)
                     if asked.unit_fits(h.meta.get("doc_id", ""), int(h.meta.get("report_index") or 0))]
        self._label(preferred)
        return _fuse([hits, preferred], c.rrf_k, c.k)

    def _label(self, hits: list) -> None:
        """Give each hit its report's place when the chunk metadata lacks it (an index built before places)."""
        places = {u.key: u.place for u in library_units(self.index)}
        for h in hits:
            if not h.meta.get("place"):
                h.meta["place"] = places.get((h.meta.get("doc_id", ""), int(h.meta.get("report_index") or 0)), "")

    def _invoke(self, prompt: str) -> str:
        from langchain_core.messages import HumanMessage

        with self.llm_lock or nullcontext():
            return str(self.llm.invoke([HumanMessage(prompt)]).content)

    def _stream(self, evidence: EvidenceSet, question: str, names: dict[int, str] | None = None) -> Iterator[str]:
        from langchain_core.messages import HumanMessage, SystemMessage

        messages = [SystemMessage(render("answer_system")),
                    HumanMessage(render("answer_user", sources=format_sources(evidence, names), question=question))]
        for chunk in self.llm.stream(messages):  # the caller holds a generation slot (see answer)
            yield str(chunk.content)

    # --- the chain -----------------------------------------------------------------------------------------
    def answer(self, question: str, history: list[dict] | None = None, section: str | None = None,
               filters: dict | None = None) -> Iterator[AnswerEvent]:
        """Events (:mod:`.results`): :class:`EvidenceFound` (at once), :class:`Queued` (requests before this one
        while it waits for the model; only when it has to wait), :class:`Token` (streamed), :class:`Final` (the
        checked answer)."""
        t0 = time.perf_counter()
        try:
            question = prepare_question(question, self.search.max_query_chars)
        except QuestionRejected as exc:
            yield from _rejected(question, str(exc))
            return
        standalone = cut(self.standalone(question, history), self.search.max_query_chars)
        asked = self.asked(question, standalone)
        hits = self.retrieve(standalone, section, filters, asked)
        t_retrieve = time.perf_counter()
        evidence = select_evidence(standalone, hits, self.embeddings, self.config.max_sentences,
                                   self.config.max_chars, vector_lookup=self.index.sentence_vectors,
                                   judge=scope_judge(asked))
        t_evidence = time.perf_counter()
        units = library_units(self.index)
        guard = ScopedGuard(evidence, asked, units)
        asks_figure = asks_for_figure(standalone)
        weak = evidence.strength < self.config.min_strength
        yield EvidenceFound(standalone, weak, tuple(evidence.sentences), tuple(evidence.sources))

        first_token = None
        mode = "extractive"
        refusal: Refusal | None = "weak" if weak else None
        answer = REFUSAL if weak else extractive_answer(evidence)
        if self.llm is not None and not refusal:
            parts = []
            names = {s.n: guard.unit_of(s).name for s in evidence.sources if guard.unit_of(s)} \
                if several_units(units) else None
            with take_turn(self.llm_lock) as turn:  # one generation at a time locally: the user sees their place
                for ahead in turn.wait():
                    yield Queued(ahead)
                for piece in self._stream(evidence, standalone, names):
                    if first_token is None:
                        first_token = time.perf_counter()
                    parts.append(piece)
                    yield Token(piece)
            generated = plain_text("".join(parts)).strip()
            if _REFUSAL_WORDS.search(generated) and len(CITATION.sub("", generated)) < 40:
                # a small model declines when the sources do not repeat the question's words (西岭 for 《政府工作报告》,
                # 去年 for 2025年); the model's "not found" is no evidence of absence where the asked unit's
                # sentences of the asked period give a figure of the thing asked: those answer, as without a
                # model.  An open question (how, why, which measures) is answered by what the reports say: its
                # evidence passed the strength gate, and the decline says the wording differs (网络热点 for 舆情),
                # not that the library is silent; a question for one fact (a figure, a name, an address) is refused.
                scoped = guard.scoped_answer(standalone) if asks_figure and (asked.units or asked.cue) else ""
                scoped = scoped or (guard.masked_answer(standalone) if asks_figure else "")  # "共计价值xx亿元"
                if scoped:
                    answer = scoped
                elif not is_open_question(standalone):
                    answer, mode, refusal = REFUSAL, "llm", "declined"
            elif is_degenerate(generated, evidence):
                pass  # the extractive answer stands
            elif not answers_the_ask(standalone, CITATION.sub("", generated), [s.text for s in evidence.sources]):
                # the model's figure is not the sources' (or not of the thing counted): where an evidence sentence
                # counts that very thing, it is the answer; otherwise the model had nothing to go on
                counting = [evidence.sentences[i]
                            for i in counting_sentences(standalone, [e.sentence for e in evidence.sentences])]
                scoped = guard.scoped_answer(standalone) \
                    if not counting and asks_figure and (asked.units or asked.cue) else ""
                scoped = scoped or ("" if counting else guard.masked_answer(standalone))  # a blank it filled
                if counting:
                    answer = "\n".join(f"{e.sentence}[{e.n}]" for e in counting[:2])
                elif scoped:  # the asked unit's figure of the asked period, as without a model
                    answer = scoped
                else:
                    answer, mode, refusal = REFUSAL, "llm", "off_the_ask"
            elif restates_question(standalone, generated):
                pass  # an echo of the question: the evidence answers better
            else:
                answer, mode = attach_citations(generated, evidence), "llm"
        misattributed = ()
        if not refusal and mode == "llm":
            # the claim, not just the number: the asked unit's figure, of the asked period, counting the asked thing
            outcome = guard.review(answer, standalone, asks_figure)
            misattributed = outcome.misattributed
            if outcome.action == "fallback":
                answer, mode = outcome.answer, "extractive"
            elif outcome.action == "absent":
                answer, refusal = outcome.answer, "absent"
            else:
                answer = outcome.answer
        elif not refusal and asks_figure and (asked.units or asked.cue) \
                and not guard.answering_sentences(standalone) and not guard.masked_sentences(standalone):
            # an explicit question ("上海今年…目标") whose unit and period give no figure of the thing asked
            answer, refusal = guard.absent_text(), "absent"
        if refusal and refusal != "absent" and asked.units and asks_figure:
            answer, refusal = guard.absent_text(), "absent"
        answer, unsupported = check_numbers(answer, evidence) if not refusal else (answer, [])
        cited = {int(n) for n in CITATION.findall(answer)} if not refusal else set()
        if not refusal and cited and several_units(units):
            names = list(dict.fromkeys(guard.unit_of(s).name if guard.unit_of(s) else f"《{s.report_title}》"
                                       for s in evidence.sources if s.n in cited))
            answer = f"据{'、'.join(names[:3])}，{answer}"
        t_end = time.perf_counter()
        yield Final(Answer(
            question, standalone, answer, mode,
            Timings(round((t_retrieve - t0) * 1000, 1), round((t_evidence - t_retrieve) * 1000, 1),
                    round((first_token - t0) * 1000, 1) if first_token else None, round((t_end - t0) * 1000, 1)),
            refusal,
            citations=tuple(s for s in evidence.sources if s.n in cited),
            nearest=tuple(evidence.sources[:3]) if refusal else (),
            unsupported_numbers=tuple(unsupported), misattributed=misattributed,
            asked=AskedScope(tuple(u.name for u in asked.units), asked.cue.scope if asked.cue else "")))

    def run(self, question: str, history: list[dict] | None = None, **kwargs) -> Answer | None:
        """Consume the events and return the final answer (CLI ``--json``, benchmarks, tests)."""
        final = None
        for event in self.answer(question, history, **kwargs):
            if isinstance(event, Final):
                final = event.answer
        return final


def _rejected(question, reason: str) -> Iterator[AnswerEvent]:
    """The events of a question refused before retrieval (empty or meaningless): no evidence, a polite answer."""
    yield EvidenceFound("", True, (), ())
    yield Final(Answer(str(question or ""), "", reason, "rejected", Timings(0.0, 0.0, None, 0.0), "rejected",
                       asked=None))
