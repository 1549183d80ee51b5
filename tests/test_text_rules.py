"""The shared vocabulary and Chinese text rules (ingest/sections.py, ingest/text/): one home each, used alike by
ingest, the guards, drafting and the UI."""
from __future__ import annotations

import json

import pytest

from ingest.sections import ARC, POINT_SECTIONS, SEARCH_FILTERS, SECTION_TYPES, Section, choices, name_of
from ingest.text.figures import BLANK, MASK, MASKED_FIGURE, MEASURE_GROUPS, MEASURE_WORDS, halfwidth, has_mask
from ingest.text.lexicons import LEXICONS_FILE, lexicon, words
from ingest.text.numerals import cn_numeral, cn_value
from ingest.text.sentences import (SENTENCE_MAX, sentence_pieces, sentence_spans, sentence_starts,
                                   split_sentences)
from ingest.text.tokens import tokenize


# --- sections --------------------------------------------------------------------------------------------------
def test_section_values_are_the_stored_strings():
    assert [str(s) for s in SECTION_TYPES] == ["overview", "progress", "problems", "plans", "other"]
    assert Section("problems") == "problems" and json.dumps({"s": Section.PLANS}) == '{"s": "plans"}'
    assert f"{Section.PROGRESS}" == "progress"


def test_labels_in_each_style_and_the_arc_numbers():
    assert [s.heading for s in ARC] == ["工作进展及成效", "存在的问题", "下步工作打算"]
    assert [f"{s.number}、{s.heading}" for s in ARC] == ["一、工作进展及成效", "二、存在的问题", "三、下步工作打算"]
    assert [s.label for s in Section] == ["基本情况", "成效", "问题", "打算", "其他"]
    assert Section.OVERVIEW.number == "" and Section.OTHER.number == ""
    assert name_of("problems") == "问题" and name_of("problems", "heading") == "存在的问题"
    assert name_of("unknown") == "unknown" and name_of(None) == ""


def test_ui_choices_keep_their_labels_and_order():
    """The app's radio and dropdown labels, as officials have seen them (labels → values)."""
    assert choices(["any", "problems", "measures", "progress", "plans", "overview"], "asked") == {
        "全部": "any", "问题": "problems", "措施": "measures", "成效/做法": "progress", "打算/建议": "plans",
        "基本情况": "overview"}
    assert choices(["problems", "measures", "progress", "plans", "any"]) == {
        "问题": "problems", "措施": "measures", "成效": "progress", "打算": "plans", "全部": "any"}
    assert choices(POINT_SECTIONS) == {"问题": "problems", "打算": "plans", "成效": "progress"}
    assert choices(POINT_SECTIONS, "heading") == {"存在的问题": "problems", "下步工作打算": "plans",
                                                  "工作进展及成效": "progress"}


def test_search_filters_measures_are_progress_and_plans():
    assert SEARCH_FILTERS["measures"] == ["progress", "plans"] and SEARCH_FILTERS["any"] is None
    assert SEARCH_FILTERS["problems"] == ["problems"] and "other" not in SEARCH_FILTERS


def test_the_app_and_chains_use_the_one_vocabulary():
    from assistant import search
    from assistant.draft import report as report_draft
    from assistant.web import draft_view

    assert report_draft.parts_of_outline([]) == [("progress", "工作进展及成效", []), ("problems", "存在的问题", []),
                                                 ("plans", "下步工作打算", [])]
    assert search.section_filter("measures") == ["progress", "plans"]
    with pytest.raises(ValueError, match="unknown section"):
        search.section_filter("问题")
    assert dict(draft_view.SECTION_OPTIONS)["存在的问题"] == "problems"  # the form shows labels, sends values


# --- sentences -------------------------------------------------------------------------------------------------
TEXT = "一是加强领导。二是“压实责任！”三是强化督导；四是\n整改落实。。尾句"


def test_spans_tile_the_text_with_closers_kept():
    spans = sentence_spans(TEXT)
    assert "".join(TEXT[a:b] for a, b in spans) == TEXT
    assert TEXT[spans[1][0]:spans[1][1]] == "二是“压实责任！”"
    assert sentence_pieces(TEXT)[-2:] == ["四是\n整改落实。。", "尾句"]


def test_lines_mode_ends_a_sentence_at_a_line_break_and_keeps_it():
    answer = "第一点[1]。\n\n第二点。。第三点"
    pieces = sentence_pieces(answer, limit=None, lines=True)
    assert pieces == ["第一点[1]。\n", "\n", "第二点。。", "第三点"]
    assert "".join(pieces) == answer


def test_split_sentences_strips_drops_crumbs_and_bounds_length():
    assert split_sentences("好。一是加强领导。\n二是压实责任") == ["一是加强领导。", "二是压实责任"]
    long = "，".join(["加强线索摸排工作"] * 80) + "。"
    assert max(len(s) for s in split_sentences(long)) <= SENTENCE_MAX


def test_sentence_starts_cut_at_full_stops_only():
    line = "做了工作。同时，也要看到：一是不足；二是短板。"
    assert sentence_starts(line) == [0, 5]


# --- figures and numerals --------------------------------------------------------------------------------------
def test_masks_blanks_and_fullwidth():
    assert has_mask("受理线索**条，打掉xx个团伙") and not has_mask("Excel 表格")
    assert [m.group(0) for m in MASKED_FIGURE.finditer("共**条、xx%")] == ["**条", "xx%"]
    assert [m.group(0) for m in BLANK.finditer("召开X次会议，XX人次参加")] == ["X次", "XX人次"]
    assert halfwidth("投入３５．５万元，占比１２％（ＸＸ）") == "投入35.5万元,占比12%(XX)"
    assert halfwidth("①项目") == "①项目"  # only the full-width block: a circled number is no figure
    assert len(halfwidth("ＡＢＣ１２３")) == 6
    assert MASK.pattern in MASKED_FIGURE.pattern


def test_a_figure_whose_digits_were_taken_out_is_read_as_a_mask():
    from assistant.guards import extract_figures

    blanks = [(f.surface, f.value, f.measure)
              for f in extract_figures("投入宣传经费多万元，印发彩页万多份、罚没金额万元;受教育达到万多人次。")]
    assert blanks == [("多万元", None, "元"), ("万多份", None, "份"), ("万元", None, "元"), ("万多人次", None, "人")]
    # a number in words or digits before 万, or words after the measure word: no blank
    for text in ("每万人口发明专利", "实施亿元以上项目", "带动万名青年", "走进千家万户。", "覆盖数万人。", "近万元，",
                 "投入100多万元，"):
        assert all(f.value is not None for f in extract_figures(text)), text
    # a mask says what kind of figure it stands for
    assert [(f.measure, f.percent) for f in extract_figures("共计价值xx亿元，同比下降xx%，线索**条")] == [
        ("元", False), ("", True), ("条", False)]


def test_one_measure_word_list_for_guards_and_questions():
    from assistant import guards
    from assistant.answer import intent

    assert guards.MEASURE == MEASURE_WORDS and len(set(MEASURE_WORDS)) == len(MEASURE_WORDS)
    assert all(c in MEASURE_WORDS for group in MEASURE_GROUPS for c in group)
    assert [f.measure for f in guards.extract_figures("参会代表11位")] == ["位"]
    assert guards.same_kind("位", "名") and not guards.same_kind("座", "名")
    assert intent._counted("建成了几座污水处理厂")[0] == "座"
    assert intent.asks_for_figure("排查了几户群众")


@pytest.mark.parametrize("numeral,value", [("一", 1), ("十", 10), ("十二", 12), ("二十三", 23), ("两百", 200),
                                           ("百", 100), ("千", 1000), ("一百零五", 105), ("五点五", 5.5), ("12", 12),
                                           ("二〇三五", 2035)])
def test_cn_value(numeral, value):
    assert cn_value(numeral) == value


def test_cn_value_none_for_no_numeral_and_writing_numerals():
    assert cn_value("十十") is None
    assert [cn_numeral(i) for i in (1, 10, 11, 20, 21)] == ["一", "十", "十一", "二十", "二十一"]


def test_guards_read_chinese_figures_with_cn2an():
    from assistant.guards import extract_figures

    got = {(f.surface, f.value) for f in extract_figures("召开两百余次会议，覆盖三千人，百分之十二")}
    assert {("两百余次", 200.0), ("三千人", 3000.0), ("百分之十二", 12.0)} <= got
    assert not extract_figures("增强四个意识")  # a set phrase of lexicons.toml counts nothing


# --- tokens and lexicons ---------------------------------------------------------------------------------------
def test_lexicons_are_data_with_sources():
    text = LEXICONS_FILE.read_text(encoding="utf-8")
    for section, tables in lexicon().items():
        for table in tables:  # every table is preceded by a comment saying where it comes from or what reads it
            before = text[:text.index(f"\n{table} =")]
            assert before.rsplit("\n", 1)[-1].startswith("#"), table
    assert "加强" in words("themes", "how_words") and "进一步" in words("themes", "how_words")
    assert words("units", "self_suffixes") == frozenset("县市区镇乡局院委办所厅会")


def test_tokenize_drops_stop_words_and_punctuation():
    assert tokenize("扫黑除恶的工作有哪些问题？") == ["扫黑", "除恶", "工作", "问题"]
