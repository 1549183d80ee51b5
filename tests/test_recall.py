"""Dev-set retrieval quality: the goal of the spine issue (R@5 ≥ 0.97, MRR ≥ 0.85) on the sample reports."""
from __future__ import annotations

from pathlib import Path

import pytest

from bench.retrieval import is_hit, load_qa, score

QA = Path(__file__).resolve().parent.parent / "bench" / "data" / "dev_qa.jsonl"


def test_hit_rule():
    evidence = ["一是条块结合不够紧密，协调联动效率不高。部分单位对扫黑除恶治乱的目标理解不透彻、不深刻，全县一盘棋的工作格局还未全面形成。"
                "部分县级部门特别是重点行业主管部门在业务上对乡镇指导不够。"]
    assert is_hit("前文。" + evidence[0][10:72] + "后文", evidence)
    assert not is_hit(evidence[0][:50], evidence)  # 50 < min(60, 0.6·len)
    assert is_hit("短证据全文", ["短证据全文"])  # short evidence: 0.6·len suffices


@pytest.mark.e5
def test_dev_set_recall_meets_goal(e5_sample_index):
    questions = [q for q in load_qa(QA) if q.get("evidence")]
    assert len(questions) == 49
    result = score(e5_sample_index, questions, k=5, mode="hybrid")
    assert result["R@5"] >= 0.97, result
    assert result["MRR"] >= 0.85, result
