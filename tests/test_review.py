"""审校 on the sample library (real Chroma, jieba, e5 for the themes), Word comments written by python-docx and read
back (and opened by LibreOffice), the CLI's JSON contract, and whole-report drafting with a scripted chat model."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.review import Finding, Review, Reviewer, lines_of, load_draft, load_rules, year_of
from assistant.review_docx import read_comments, write_review_docx
from ingest.clean import PLACEHOLDER, clean_text
from tests.cli import run_cli
from tests.conftest import HASH_ENV
from tests.fakes import scripted



def _filled(text: str) -> str:
    """A redacted public copy made into a plausible draft: masked figures get a number, masked names 某."""
    return PLACEHOLDER.sub(lambda m: "12" if m.string[m.end():m.end() + 1] in "条人个名起件%万" else "某", text)


@pytest.fixture(scope="module")
def county(samples_dir) -> str:
    """The 某县 report of the samples, redactions filled: a clean draft of a unit the library knows."""
    return _filled(clean_text((samples_dir / "000_53cd0e863fe8c391.txt").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def reviewer(sample_index) -> Reviewer:
    return Reviewer(sample_index)


def _at(review: Review, kind: str, surface: str) -> list[Finding]:
    return [f for f in review.findings if f.kind == kind and review.text[f.start:f.end] == surface == f.text]


# ------------------------------------------------------------------------------------------- rules without a library

def test_placeholders_are_errors_at_their_exact_span():
    text = "某县工作汇报\n一、工作进展及成效\n共受理线索xx条，处理**人，培训X人次，经费【待补充】万元，2024年x月xx日前完成。"
    found = Reviewer(None).check_placeholders(lines_of(text))
    assert [text[f.start:f.end] for f in found] == ["xx", "**", "X人次", "【待补充】", "x", "xx"]
    assert {f.severity for f in found} == {"error"} and all(f.suggestion for f in found)


def test_expression_rules_apply_in_their_period_and_warn_once():
    text = "一、工作进展\n我县扎实推进扫黑除恶专项斗争，专项斗争领导小组统筹推进专项斗争。"
    rules = load_rules()
    reviewer = Reviewer(None, rules)
    found = reviewer.check_expressions(lines_of(text), 2023)
    assert [(f.text, f.severity) for f in found] == [("扫黑除恶专项斗争", "warning"), ("专项斗争领导小组", "suggestion"),
                                                     ("专项斗争", "suggestion")]
    assert found[0].suggestion == "改为“常态化扫黑除恶”" and "2021" in found[0].evidence[0].section_path
    assert reviewer.check_expressions(lines_of(text), 2019) == []  # the campaign still ran then
    assert reviewer.check_expressions(lines_of(text), None) == []  # undated: a dated rule cannot be applied


def test_users_rule_file_extends_the_rules(tmp_path):
    extra = tmp_path / "mine.toml"
    extra.write_text('[[rule]]\npattern = "扫黑办"\nreplacement = "扫黑除恶斗争领导小组办公室"\nsource = "本单位公文规范"\n',
                     encoding="utf-8")
    found = Reviewer(None, load_rules(extra)).check_expressions(lines_of("县扫黑办牵头。"), None)
    assert [(f.text, f.evidence[0].section_path) for f in found] == [("扫黑办", "本单位公文规范")]
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\npattern = "("\nreplacement = "x"\nsource = "s"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="无效"):
        load_rules(bad)


def test_structure_skips_repeats_enumerations_and_missing_parts():
    text = ("某县关于常态化扫黑除恶工作情况的汇报\n一、工作进展及成效\n（一）强化组织领导\n一是召开会议。三是开展宣传。\n"
            "（一）加强线索摸排\n三、下步工作打算\n一是加强宣传。二是深化整治。")
    found = Reviewer(None).check_structure(lines_of(text), "某县关于常态化扫黑除恶工作情况的汇报")
    got = {(f.text, f.severity) for f in found}
    assert ("三是", "error") in got  # 一是 … 三是
    assert ("（一）", "error") in got  # （一） twice
    assert ("三、", "error") in got  # 一、 → 三、
    missing = [f for f in found if "存在的问题" in f.message]
    assert len(missing) == 1 and text[missing[0].start:missing[0].end] == "三、下步工作打算"
    # a report whose problems sit in a paragraph ("清醒看到…问题") is not told it lacks them
    ok = "某县工作汇报\n一、工作进展及成效\n同时也清醒看到，工作中还存在一些问题。\n二、下步工作打算\n一是加强宣传。"
    assert not [f for f in Reviewer(None).check_structure(lines_of(ok), "某县工作汇报") if "缺少" in f.message]


def test_year_of_a_draft():
    assert year_of("标题\n正文提到2019年。\n某县\n2023年12月20日", None) == 2023  # the signature
    assert year_of("正文提到2019年和2021年。", None) == 2021  # written in 2021 or later
    assert year_of("无年份", None) is None


# ------------------------------------------------------------------------------------------- against the library

def test_a_clean_report_draws_no_errors_or_warnings(reviewer, county):
    review = reviewer.review(county)
    assert review.unit == "某县"
    loud = [(f.kind, f.text) for f in review.findings if f.severity != "suggestion"]
    assert loud == []
    assert any(f.kind == "missing_theme" for f in review.findings)  # peers' themes: suggestions only


def test_a_changed_figure_is_flagged_with_the_units_earlier_passage(reviewer, county):
    assert "先后召开5次县委常委会" in county
    draft = county.replace("先后召开5次县委常委会", "先后召开7次县委常委会")
    review = reviewer.review(draft, "某县")
    found = _at(review, "figure", "7次")
    assert len(found) == 1 and found[0].severity == "warning"
    assert "5次" in found[0].message and "5次县委常委会" in found[0].evidence[0].text
    assert found[0].evidence[0].report_title == "某县常态化扫黑除恶工作情况汇报"
    # the same figure given as a verified fact is not questioned
    review = reviewer.review(draft, "某县", facts=["召开县委常委会7次"])
    assert not _at(review, "figure", "7次")


def test_a_figure_found_nowhere_is_only_a_suggestion(reviewer):
    draft = "某县工作汇报\n一、工作进展及成效\n全年共走访企业386家，发放调查问卷4200份。"
    review = reviewer.review(draft, "某县")
    found = [f for f in review.findings if f.kind == "figure"]
    assert [f.text for f in found] == ["386家", "4200份"]
    assert {f.severity for f in found} == {"suggestion"} and "未能核实" in found[0].message


def test_a_passage_copied_from_another_unit_and_its_place_name(reviewer, county, sample_index):
    people = next(t for t in sample_index.store.collection.get(include=["documents"])["documents"] if "延安" in t)
    i = people.index("延安")
    passage = people[max(0, i - 20):max(0, i - 20) + 60]
    assert "\n" not in passage and len(passage) == 60
    at = county.index("\n二、")
    draft = county[:at] + passage + county[at:]
    review = reviewer.review(draft, "某县")
    copied = [f for f in review.findings if f.kind == "copied"]
    assert len(copied) == 1
    assert copied[0].start <= at + 5 and copied[0].end >= at + 55  # the span is the inserted passage
    assert copied[0].evidence[0].report_title != "某县常态化扫黑除恶工作情况汇报"
    assert _at(review, "foreign_name", "延安")
    # the unit's own report is its own to reuse: reviewing it again copies nothing
    assert not [f for f in reviewer.review(county).findings if f.kind in ("copied", "foreign_name")]


def test_review_limits_are_clear_errors(sample_index):
    from assistant.settings import ReviewSettings

    with pytest.raises(ValueError, match="稿件为空"):
        Reviewer(sample_index).review("  \n ")
    with pytest.raises(ValueError, match="HUIBAO_REVIEW__MAX_CHARS"):
        Reviewer(sample_index, settings=ReviewSettings(max_chars=100)).review("字" * 101)


# ------------------------------------------------------------------------------------------- Word comments

def test_comments_in_a_new_docx_sit_at_each_span(reviewer, county, tmp_path):
    draft = county.replace("先后召开5次", "先后召开xx次").replace("\n二、工作中存在的问题", "\n三、工作中存在的问题", 1)
    review = reviewer.review(draft, "某县")
    assert len(review.findings) >= 3
    out = write_review_docx(review, tmp_path / "review.docx")
    comments = read_comments(out)
    assert len(comments) == len(review.findings)
    assert [c["anchor"] for c in comments] == [f.text for f in review.findings]
    assert all(c["text"].startswith("【") for c in comments)
    import docx

    assert "\n".join(p.text for p in docx.Document(str(out)).paragraphs) == draft  # the text is unchanged


def test_comments_written_back_into_the_users_own_docx(reviewer, tmp_path):
    import docx

    src = tmp_path / "mine.docx"
    document = docx.Document()
    document.add_paragraph("某县关于常态化扫黑除恶工作情况的汇报")
    p = document.add_paragraph("一、工作进展及成效")
    p.runs[0].bold = True
    p = document.add_paragraph("共受理群众举报线索")
    p.add_run("xx条，").italic = True
    p.add_run("办结率达到【待补充】。")
    document.add_paragraph("三、下步工作打算")
    document.save(str(src))
    text = load_draft(src)
    review = reviewer.review(text, "某县")
    out = write_review_docx(review, tmp_path / "mine-reviewed.docx", src)
    comments = read_comments(out)
    anchors = [c["anchor"] for c in comments]
    assert "xx" in anchors and "【待补充】" in anchors and "三、" in anchors
    assert len(comments) == len(review.findings)
    again = docx.Document(str(out))
    assert "\n".join(p.text for p in again.paragraphs) == text
    assert again.paragraphs[1].runs[0].bold  # the user's formatting is kept
    assert [r.text for r in again.paragraphs[2].runs if r.italic] == ["xx", "条，"]
    with pytest.raises(ValueError, match="不一致"):
        write_review_docx(Review(text + "改", review.findings), tmp_path / "x.docx", src)


@pytest.mark.office
@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed: make test installs it")
def test_libreoffice_opens_the_commented_docx(reviewer, county, tmp_path):
    review = reviewer.review(county.replace("先后召开5次", "先后召开xx次"), "某县")
    out = write_review_docx(review, tmp_path / "review.docx")
    proc = subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path / 'lo'}",
                           "--convert-to", "odt", "--outdir", str(tmp_path / "odt"), str(out)],
                          capture_output=True, text=True, timeout=180)
    odt = tmp_path / "odt" / "review.odt"
    assert proc.returncode == 0 and odt.is_file(), proc.stderr
    import zipfile

    content = zipfile.ZipFile(odt).read("content.xml").decode("utf-8")
    assert content.count("<office:annotation ") == len(review.findings)  # every comment survived the import


# ------------------------------------------------------------------------------------------- the CLI

def test_review_cli_json_contract_and_exit_codes(sample_index, county, tmp_path):
    env = {**os.environ, **HASH_ENV}
    draft = tmp_path / "draft.md"
    draft.write_text(county.replace("先后召开5次", "先后召开xx次"), encoding="utf-8")

    def run(*args):
        return run_cli(["-m", "assistant", "review", *args, "--db", str(sample_index.path)], env)

    proc = run(str(draft), "--unit", "某县", "--json", "--docx", str(tmp_path / "out.docx"))
    assert proc.returncode == 3, proc.stderr[-2000:]  # 3: the draft has errors
    result = json.loads(proc.stdout)
    assert set(result) >= {"findings", "text"} and result["text"] == draft.read_text(encoding="utf-8")
    for f in result["findings"]:
        assert set(f) == {"kind", "severity", "text", "start", "end", "message", "evidence", "suggestion"}
        assert f["kind"] in {"figure", "placeholder", "expression", "structure", "copied", "foreign_name",
                             "missing_theme"} and f["severity"] in {"error", "warning", "suggestion"}
        assert result["text"][f["start"]:f["end"]] == f["text"]
        assert all(set(e) == {"report_title", "section_path", "text"} for e in f["evidence"])
    assert [f["text"] for f in result["findings"] if f["severity"] == "error"] == ["xx"]
    assert len(read_comments(tmp_path / "out.docx")) == len(result["findings"])
    clean = tmp_path / "clean.txt"
    clean.write_text(county, encoding="utf-8")
    assert run(str(clean)).returncode == 0
    bad = run(str(tmp_path / "draft.pdf"))
    assert bad.returncode == 1 and "错误" in bad.stderr and "Traceback" not in bad.stderr


# ------------------------------------------------------------------------------------------- whole report

def test_whole_report_drafting_places_facts_and_reviews_itself(sample_index, embeddings, tmp_path):
    from assistant.draft.chain import DraftChain
    from assistant.draft.report import ReportDrafter, ReportRequest, report_to_docx

    facts = ["召开县委常委会专题研究扫黑除恶工作3次", "部分乡镇线索摸排不够深入", "下一步将开展行业乱象专项整治"]
    replies = ["我县坚持高位推动，各乡镇累计开展培训500人次，形成了齐抓共管的工作格局。",
               "延安市的做法值得借鉴。各部门协同配合，扎实推进各项工作。"] * 12
    model = scripted(*replies)
    drafter = DraftChain(sample_index, embeddings, model)
    events = list(ReportDrafter(drafter, Reviewer(sample_index)).draft(ReportRequest("某县", "常态化扫黑除恶", 900,
                                                                                     facts)))
    kinds = [e.type for e in events]
    assert kinds[0] == "report_plan" and kinds[-2:] == ["review", "final"]
    assert [e.heading for e in events if e.type == "part_start"] == ["一、工作进展及成效", "二、存在的问题",
                                                                            "三、下步工作打算"]
    assert kinds.index("token") < kinds.index("part")  # streamed before the first part is complete
    report = events[-1].result
    assert report.facts_placed == {facts[0]: "progress", facts[1]: "problems", facts[2]: "plans"}
    for fact, part in zip(facts, report.parts):
        assert any(fact in p.text for p in part.points)
    lines = report.text.split("\n")
    assert lines[0] == "某县关于常态化扫黑除恶工作情况的汇报" and lines[1].startswith("根据工作安排")
    assert "延安" not in report.text and report.leaked_names == ("延安",)
    assert "500人次" not in report.text and "X人次" in report.placeholders
    assert report.unsupported_numbers == ()
    review = report.review
    assert review.text == report.text and events[-2].review is review
    assert {f.text for f in review.findings if f.kind == "placeholder"} == {"X人次"}
    assert not [f for f in review.findings if f.kind in ("structure", "copied", "foreign_name")]
    path = report_to_docx(report, tmp_path / "report.docx")
    import docx

    paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
    assert paragraphs[0] == report.title
    assert [p for p in paragraphs if re.match("^[一二三]、", p)] == ["一、工作进展及成效", "二、存在的问题", "三、下步工作打算"]


def test_whole_report_follows_the_users_outline(sample_index, embeddings):
    from assistant.draft.chain import DraftChain
    from assistant.draft.report import ReportDrafter, ReportRequest

    outline = ["一、主要做法", "加强组织领导", "二、下步打算", "深化线索摸排"]
    report = ReportDrafter(DraftChain(sample_index, embeddings, None)).run(
        ReportRequest("某县", "常态化扫黑除恶", 600, [], outline))
    assert [p.section_heading for p in report.parts] == ["一、主要做法", "二、下步打算"]
    assert [[q.heading for q in p.points] for p in report.parts] == [["加强组织领导"], ["深化线索摸排"]]
    with pytest.raises(ValueError, match="无法起草"):
        ReportDrafter(DraftChain(sample_index, embeddings, None)).run(
            ReportRequest("某县", "", 600, [], ["一、附件清单"]))


def test_review_tab_escapes_the_draft_and_returns_commented_word(library_settings, serve_app):
    from gradio_client import Client

    url, _, _ = serve_app(library_settings)
    pasted = "某县工作汇报\n一、工作进展及成效\n<script>alert(1)</script>共受理线索xx条。"
    marked, findings, docx_path = Client(url, verbose=False).predict(None, pasted, "某县", "", api_name="/review")
    assert "<script>" not in marked and "&lt;script&gt;" in marked
    assert "<mark" in marked and "占位符" in findings and "<script>" not in findings
    comments = read_comments(docx_path)
    assert "xx" in [c["anchor"] for c in comments]


def test_themes_are_kept_beside_the_index_for_the_next_review(library_settings, embeddings, monkeypatch):
    import assistant.themes as themes_module
    from assistant.service import make_store

    index = make_store(library_settings, embeddings)
    for stale in index.path.glob("review-themes-*.json"):
        stale.unlink()
    calls = []
    real = themes_module.build_themes
    monkeypatch.setattr(themes_module, "build_themes", lambda index, section, **kw: calls.append(section) or
                        real(index, section, **kw))
    draft = "某县工作汇报\n一、工作进展及成效\n召开会议。\n二、存在的问题\n宣传不够。\n三、下步工作打算\n加强宣传。"
    first = Reviewer(index).review(draft)
    assert sorted(calls) == ["plans", "problems", "progress"]
    assert (index.path / "review-themes-problems.json").is_file()
    second = Reviewer(index).review(draft)  # a new process would read the same files
    assert len(calls) == 3 and second.to_dict()["findings"] == first.to_dict()["findings"]
    # read back as typed themes, points whole, equal to those built
    from assistant.review import THEMES_FILE_FORMAT
    from assistant.themes import Theme

    kept = json.loads((index.path / "review-themes-problems.json").read_text(encoding="utf-8"))
    assert kept["format"] == THEMES_FILE_FORMAT
    assert tuple(Theme.from_stored(t) for t in kept["themes"]) == real(index, "problems").themes
    # a file of the earlier format (points as the CLI's records, no format) is built again, not misread
    kept.pop("format")
    kept["themes"] = [real(index, "problems").to_dict()["themes"][0]] if kept["themes"] else []
    (index.path / "review-themes-problems.json").write_text(json.dumps(kept, ensure_ascii=False), encoding="utf-8")
    third = Reviewer(index).review(draft)
    assert calls.count("problems") == 2 and third.to_dict()["findings"] == first.to_dict()["findings"]


def test_draft_report_cli_writes_one_docx_and_reviews_it(sample_index, tmp_path):
    env = {**os.environ, **HASH_ENV}
    facts = tmp_path / "facts.txt"
    facts.write_text("打掉恶势力犯罪集团2个\n下一步将开展行业乱象专项整治\n", encoding="utf-8")
    proc = run_cli(["-m", "assistant", "draft", "--section", "report", "--unit", "某县", "--topic", "常态化扫黑除恶",
                    "--facts", str(facts), "--db", str(sample_index.path), "--json", "--docx", str(tmp_path / "r.docx")],
                   env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert [p["section"] for p in result["parts"]] == ["progress", "problems", "plans"]
    assert result["facts_placed"] == {"打掉恶势力犯罪集团2个": "progress", "下一步将开展行业乱象专项整治": "plans"}
    assert set(result["review"]) >= {"findings", "text"}
    import docx

    paragraphs = [p.text for p in docx.Document(str(tmp_path / "r.docx")).paragraphs]
    assert paragraphs[0] == result["title"] and "三、下步工作打算" in paragraphs
