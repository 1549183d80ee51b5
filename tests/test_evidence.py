"""Evidence selection with the real e5 model: which sentences the LLM reads, and in what order."""
from __future__ import annotations

from assistant.answer.evidence import select_evidence
from vectorstore.hybrid import Hit

RESEARCH = {"org": "市人大常委会调研组", "report_title": "扫黑除恶专项斗争开展情况调研报告", "doc_id": "d1",
            "section_path": "三、几点建议", "section_type": "plans"}


def test_the_issuers_name_does_not_outweigh_the_answer(embeddings):
    # The preamble repeats the issuer's name ("人大调研组"); the answer does not need to: it is the issuer's report.
    hits = [Hit("c1", "按照市人大常委会年度监督工作计划，市人大调研组先后深入县区进行了调研。"
                      "政法各部门要落实快侦、快捕、快诉、快审、快判，进一步提高办案效率。", RESEARCH, 1.0)]
    evidence = select_evidence("人大调研组对加快办案速度提了什么要求？", hits, embeddings)
    best = max(evidence.sentences, key=lambda e: e.score)
    assert "快侦" in best.sentence

