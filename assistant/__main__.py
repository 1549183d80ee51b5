"""`python -m assistant search|ask|…` — the command line of the assistant (JSON on stdout with --json)."""
from __future__ import annotations

import argparse
import json
import sys

from ingest.sections import SEARCH_FILTERS



def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="index data dir (default: settings store.path, ./data/index)")
    common.add_argument("--json", action="store_true", help="print JSON on stdout")

    search = sub.add_parser("search", parents=[common], help="hybrid search of the reports")
    search.add_argument("query", nargs="?", help="the query (or --batch FILE)")
    search.add_argument("--batch", help="file with one query per line; prints one JSON object per line")
    search.add_argument("--k", type=int, default=None, help="results (default: settings search.k)")
    search.add_argument("--section", choices=list(SEARCH_FILTERS), default="any")
    search.add_argument("--report", help="only this report title")
    search.add_argument("--org", help="only this issuing body")
    search.add_argument("--doc", help="only this doc id")
    search.add_argument("--year", type=int, help="only this year")
    search.add_argument("--export", help="also write the results to FILE.csv or FILE.md")

    ask = sub.add_parser("ask", parents=[common], help="answer a question from the reports, with sources")
    ask.add_argument("question")
    ask.add_argument("--history", help="JSON file: [{role: user|assistant, content: …}, …]")
    ask.add_argument("--llm", choices=["auto", "local", "openai", "none"], help="LLM backend (default: settings)")
    ask.add_argument("--section", choices=list(SEARCH_FILTERS), default=None)

    themes = sub.add_parser("themes", parents=[common], help="recurring points across reports")
    themes.add_argument("--section", choices=["problems", "plans", "progress"], required=True)
    themes.add_argument("--topic", help="keep only the points on this topic")
    themes.add_argument("--export", help="also write the themes to FILE.csv or FILE.md")

    draft = sub.add_parser("draft", parents=[common], help="draft a report section for your unit")
    draft.add_argument("--section", choices=["problems", "plans", "progress", "report"], required=True,
                       help="one part, or report: a whole 工作汇报 (three parts, then 审校 on it)")
    draft.add_argument("--unit", required=True, help="the unit writing, e.g. 某县市场监督管理局")
    draft.add_argument("--topic", default="", help="the campaign or work, e.g. 常态化扫黑除恶")
    draft.add_argument("--length", type=int, default=None,
                       help="target length in characters (default 400; 1500 for --section report)")
    draft.add_argument("--facts", help="file of your own facts, one per line (打掉恶势力犯罪集团2个)")
    draft.add_argument("--outline", help="file of point headings, one per line, in order")
    draft.add_argument("--style", choices=["yishi", "numbered"], default="yishi", help="一是… or （一）…")
    draft.add_argument("--llm", choices=["auto", "local", "openai", "none"], help="LLM backend (default: settings)")
    draft.add_argument("--docx", help="also write the draft as a Word file in 公文 form")

    review = sub.add_parser("review", parents=[common], help="审校: check your own draft against the library")
    review.add_argument("file", help="the draft: .docx, .txt or .md (- reads pasted text from stdin)")
    review.add_argument("--unit", default="", help="the unit writing (default: read from the draft's title)")
    review.add_argument("--facts", help="file of verified facts, one per line: their figures count as checked")
    review.add_argument("--year", type=int, help="the year the draft speaks from (default: read from the draft)")
    review.add_argument("--docx", help="write the draft with one Word comment per finding to this .docx")
    return parser


def cmd_ask(args) -> int:
    from .service import build_assistant
    from .settings import load_settings

    history = json.load(open(args.history, encoding="utf-8")) if args.history else None
    assistant = build_assistant(load_settings(args.db), args.llm)
    from .search import section_filter

    section = section_filter(args.section) if args.section else None
    from .answer.results import EvidenceFound, Final, Token

    result = None
    for event in assistant.qa.answer(args.question, history, section=section):
        match event:
            case Final(answer=result):
                pass
            case _ if args.json:
                continue
            case EvidenceFound(sentences=sentences, weak=weak):
                print("【依据】")
                for sentence in sentences:
                    print(f"  [{sentence.n}] {sentence.sentence}")
                if assistant.llm is not None and not weak:
                    print("\n【回答】", flush=True)
            case Token(text=text):
                print(text, end="", flush=True)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
        return 0
    print()
    print(f"\n【{'未找到答案' if result.refused else '答案（已核对）'}】\n{result.text}")
    if result.unsupported_numbers:
        print(f"⚠ 以下数字未在来源中找到：{'、'.join(result.unsupported_numbers)}")
    print("\n【来源】" if not result.refused else "\n【可能相关】")
    for c in result.citations or result.nearest:
        print(f"  [{c.n}] {c.report_title} · {c.section_path or '（导语）'}")
    return 0


def cmd_search(args) -> int:
    from .search import search_records
    from .service import make_store
    from .settings import load_settings

    if not args.query and not args.batch:
        print("search needs a QUERY or --batch FILE", file=sys.stderr)
        return 2
    settings = load_settings(args.db)
    index = make_store(settings)
    k = args.k or settings.search.k
    filters = {"report_title": args.report, "org": args.org, "doc_id": args.doc, "year": args.year}
    queries = ([line.strip() for line in open(args.batch, encoding="utf-8") if line.strip()]
               if args.batch else [args.query])
    exported = []
    for query in queries:
        results = search_records(index, query, k, settings, args.section, filters)
        exported.append((query, results))
        if args.json or args.batch:
            print(json.dumps({"query": query, "results": results}, ensure_ascii=False), flush=True)
            continue
        print(f"检索：{query}")
        for r in results:
            print(f"\n[{r['rank']}] {r['report_title']} · {r['section_path'] or '（导语）'}  ({r['section_type']})")
            print("    " + r["text"][:300])
    if args.export:
        _export_search(exported, args.export)
    return 0


def _export_search(exported: list[tuple[str, list[dict]]], path: str) -> None:
    from pathlib import Path

    from .export import search_to_csv, search_to_markdown

    if path.lower().endswith(".csv"):
        search_to_csv([r | {"query": q} for q, results in exported for r in results], path)
    else:
        Path(path).write_text("\n\n".join(search_to_markdown(results, q) for q, results in exported), encoding="utf-8")


def _lines(path: str | None) -> list[str]:
    return [line.strip() for line in open(path, encoding="utf-8") if line.strip()] if path else []


def cmd_draft(args) -> int:
    from .draft.chain import DraftRequest, draft_to_docx
    from .draft.results import FinalEvent, PlanEvent, PointEvent, TokenEvent
    from .service import build_assistant
    from .settings import load_settings

    if args.section == "report":
        return cmd_draft_report(args)
    request = DraftRequest(args.section, args.unit, args.topic, args.length or 400, _lines(args.facts),
                           _lines(args.outline), args.style)
    assistant = build_assistant(load_settings(args.db), args.llm)
    result = None
    for event in assistant.drafter.draft(request):
        match event:
            case FinalEvent():
                result = event.result
            case _ if args.json:
                continue
            case PlanEvent():
                mode = "提纲模式（未启用大模型）" if event.mode == "outline" else "逐条起草"
                print(f"【{mode}】要点：" + "；".join(event.headings), flush=True)
            case TokenEvent():
                print(event.text, end="", flush=True)
            case PointEvent() if assistant.drafter.llm is not None:
                print(flush=True)
    if args.docx:
        draft_to_docx(result, args.docx)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0
    print(f"\n【{result.title}】\n{result.text}")
    if result.placeholders:
        print("\n【待补充】" + "、".join(result.placeholders))
    for _, r in result.removed_figures:
        print(f"已换成待补充：{r.figure}（{r.reason}）")
    if result.leaked_names:
        print("已删去含其他单位名称的句子：" + "、".join(result.leaked_names))
    print("\n【参考】")
    for p in result.points:
        refs = "；".join(f"{r.report_title} · {r.section_path}" for r in p.references)
        print(f"  {p.marker}{p.heading} ← {refs or '（无）'}")
    if args.docx:
        print(f"\n已导出 Word：{args.docx}")
    return 0


def cmd_draft_report(args) -> int:
    """A whole 工作汇报, streamed part by part, then 审校 on it."""
    from .draft.report import ReportDrafter, ReportRequest, report_to_docx
    from .draft.results import FinalEvent, PartStartEvent, PointEvent, ReportPlanEvent, TokenEvent
    from .service import build_assistant
    from .settings import load_settings

    request = ReportRequest(args.unit, args.topic, args.length or 1500, _lines(args.facts), _lines(args.outline),
                            args.style)
    assistant = build_assistant(load_settings(args.db), args.llm)
    result = None
    for event in ReportDrafter(assistant.drafter, assistant.reviewer).draft(request):
        match event:
            case FinalEvent():
                result = event.result
            case _ if args.json:
                continue
            case ReportPlanEvent():
                print(f"【{event.title}】\n{event.opening}", flush=True)
            case PartStartEvent():
                print(f"\n{event.heading}", flush=True)
            case TokenEvent():
                print(event.text, end="", flush=True)
            case PointEvent():
                print(event.point.text if assistant.drafter.llm is None else "", flush=True)
    if args.docx:
        report_to_docx(result, args.docx)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0
    print("\n【全文】\n" + result.text)
    if result.placeholders:
        print("\n【待补充】" + "、".join(result.placeholders))
    for *_, r in result.removed_figures:
        print(f"已换成待补充：{r.figure}（{r.reason}）")
    if result.review is not None:
        _print_findings(result.review.to_dict())
    if args.docx:
        print(f"\n已导出 Word：{args.docx}")
    return 0



def _print_findings(review: dict) -> None:
    from .review_docx import KIND_LABELS, SEVERITY_LABELS

    findings = review["findings"]
    print(f"\n【审校】{len(findings)}处：" + "，".join(
        f"{SEVERITY_LABELS[s]}{sum(f['severity'] == s for f in findings)}" for s in SEVERITY_LABELS))
    text = review["text"]
    for f in findings:
        line = text.count("\n", 0, f["start"]) + 1
        print(f"  [{SEVERITY_LABELS[f['severity']]}·{KIND_LABELS[f['kind']]}] 第{line}行“{f['text'][:30]}”：{f['message']}")
        if f["suggestion"]:
            print(f"      建议：{f['suggestion']}")
        for e in f["evidence"]:
            where = " · ".join(x for x in (e["report_title"], e["section_path"]) if x)
            print(f"      依据：{where}：{e['text'][:80]}")


def cmd_review(args) -> int:
    """Exit 0: no errors found; 3: the draft has errors (placeholders left in, broken numbering); 1: bad input."""
    from .review import load_draft
    from .review_docx import write_review_docx
    from .service import build_reviewer, make_store
    from .settings import load_settings

    text = sys.stdin.read() if args.file == "-" else load_draft(args.file)
    settings = load_settings(args.db)
    reviewer = build_reviewer(settings, make_store(settings))
    review = reviewer.review(text, args.unit, _lines(args.facts), args.year)
    if args.docx:
        write_review_docx(review, args.docx, None if args.file == "-" else args.file)
    if args.json:
        print(json.dumps(review.to_dict(), ensure_ascii=False))
    else:
        print(f"审校：{review.title or args.file}（单位：{review.unit or '未识别'}；年份：{review.year or '未识别'}）")
        _print_findings(review.to_dict())
        if args.docx:
            print(f"\n已写入批注：{args.docx}")
    return 3 if any(f.severity == "error" for f in review.findings) else 0


def cmd_themes(args) -> int:
    from pathlib import Path

    from .service import make_store
    from .settings import load_settings
    from .themes import build_themes, themes_to_csv, themes_to_markdown

    settings = load_settings(args.db)
    result = build_themes(make_store(settings), args.section, args.topic, settings=settings.themes)
    if args.export:
        if args.export.lower().endswith(".csv"):
            themes_to_csv(result, args.export)
        else:
            Path(args.export).write_text(themes_to_markdown(result), encoding="utf-8")
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return 0
    for theme in result.themes:
        print(f"{theme.label}（{theme.reports}份报告）")
        for p in theme.points:
            print(f"    {p.lead} —— {p.report_title}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"search": cmd_search, "ask": cmd_ask, "themes": cmd_themes, "draft": cmd_draft,
                "review": cmd_review}[args.command](args)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
