"""Drafting with the real local 1.5B (slow): the dev drafting tasks' guarantees hold on what the model writes."""
from __future__ import annotations

import pytest

from assistant.draft.chain import DraftChain, DraftRequest
from assistant.guards import longest_copy, unsupported_figures

pytestmark = [pytest.mark.slow, pytest.mark.e5]  # the product as it runs: the real LLM over the real embedder

FACTS = ["召开县委常委会专题研究扫黑除恶工作3次", "打掉恶势力犯罪集团2个", "发放宣传资料1.2万份"]


def test_progress_draft_for_a_county(e5_sample_index, e5_embeddings, local_llm):
    chain = DraftChain(e5_sample_index, e5_embeddings, local_llm)
    result = chain.run(DraftRequest("progress", "某县", "常态化扫黑除恶", 300, FACTS))
    assert result.mode == "llm" and len(result.points) == 3
    assert result.unsupported_numbers == () and unsupported_figures(result.text, FACTS, masks=False) == []
    for word in ("延安", "23000", "35万元", "民警"):
        assert word not in result.text, result.text
    for point in result.points:
        assert len(point.body) >= 20, point  # the model wrote something of its own
        assert longest_copy(point.body, [r.text for r in point.references]) < 40
        assert all(not unsupported_figures(f, [point.body]) for f in point.facts)

    shorter = chain.revise(result, "shorten", point=0)
    assert shorter.unsupported_numbers == () and all(f in shorter.points[0].facts for f in result.points[0].facts)
    assert [p.text for p in shorter.points[1:]] == [p.text for p in result.points[1:]]
