"""`python -m assistant search|ask|…` — the command line of the assistant (JSON on stdout with --json)."""
from __future__ import annotations

import argparse
import json
import sys

from .search import SECTION_FILTERS


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
    search.add_argument("--section", choices=list(SECTION_FILTERS), default="any")
    search.add_argument("--report", help="only this report title")
    search.add_argument("--org", help="only this issuing body")
    search.add_argument("--doc", help="only this doc id")
    search.add_argument("--year", type=int, help="only this year")
    search.add_argument("--export", help="also write the results to FILE.csv or FILE.md")

    ask = sub.add_parser("ask", parents=[common], help="answer a question from the reports, with sources")
    ask.add_argument("question")
    ask.add_argument("--history", help="JSON file: [{role: user|assistant, content: …}, …]")
    ask.add_argument("--llm", choices=["auto", "local", "openai", "none"], help="LLM backend (default: settings)")
    ask.add_argument("--section", choices=list(SECTION_FILTERS), default=None)

    themes = sub.add_parser("themes", parents=[common], help="recurring points across reports")
    themes.add_argument("--section", choices=["problems", "plans", "progress"], required=True)
    themes.add_argument("--topic", help="keep only the points on this topic")
    themes.add_argument("--export", help="also write the themes to FILE.csv or FILE.md")

    draft = sub.add_parser("draft", parents=[common], help="draft a report section for your unit")
    draft.add_argument("--section", choices=["problems", "plans", "progress"], required=True)
    draft.add_argument("--unit", required=True, help="the unit writing, e.g. 某县市场监督管理局")
    draft.add_argument("--topic", default="", help="the campaign or work, e.g. 常态化扫黑除恶")
    draft.add_argument("--length", type=int, default=400, help="target length in characters")
    draft.add_argument("--facts", help="file of your own facts, one per line (打掉恶势力犯罪集团2个)")
    draft.add_argument("--outline", help="file of point headings, one per line, in order")
    draft.add_argument("--style", choices=["yishi", "numbered"], default="yishi", help="一是… or （一）…")
    draft.add_argument("--llm", choices=["auto", "local", "openai", "none"], help="LLM backend (default: settings)")
    draft.add_argument("--docx", help="also write the draft as a Word file in 公文 form")
    return parser


def cmd_ask(args) -> int:
    from .service import build_assistant
    from .settings import load_settings

    history = json.load(open(args.history, encoding="utf-8")) if args.history else None
    assistant = build_assistant(load_settings(args.db), args.llm)
    from .search import section_filter

    section = section_filter(args.section) if args.section else None
    result = None
    for event in assistant.qa.answer(args.question, history, section=section):
        if event["type"] == "final":
            result = event["result"]
        elif args.json:
            continue
        elif event["type"] == "evidence":
            print("【依据】")
            for sentence in event["sentences"]:
                print(f"  [{sentence['n']}] {sentence['sentence']}")
            if assistant.llm is not None and not event["weak"]:
                print("\n【回答】", flush=True)
        elif event["type"] == "token":
            print(event["text"], end="", flush=True)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print()
    print(f"\n【{'未找到答案' if result['refused'] else '答案（已核对）'}】\n{result['answer']}")
    if result["unsupported_numbers"]:
        print(f"⚠ 以下数字未在来源中找到：{'、'.join(result['unsupported_numbers'])}")
    print("\n【来源】" if not result["refused"] else "\n【可能相关】")
    for c in result["citations"] or result["nearest"]:
        print(f"  [{c['n']}] {c['report_title']} · {c['section_path'] or '（导语）'}")
    return 0


def cmd_search(args) -> int:
    from .search import make_store, search_records
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
    from .draft import DraftRequest, draft_to_docx
    from .service import build_assistant
    from .settings import load_settings

    request = DraftRequest(args.section, args.unit, args.topic, args.length, _lines(args.facts),
                           _lines(args.outline), args.style)
    assistant = build_assistant(load_settings(args.db), args.llm)
    result = None
    for event in assistant.drafter.draft(request):
        if event["type"] == "final":
            result = event["result"]
        elif args.json:
            continue
        elif event["type"] == "plan":
            mode = "提纲模式（未启用大模型）" if event["mode"] == "outline" else "逐条起草"
            print(f"【{mode}】要点：" + "；".join(event["headings"]), flush=True)
        elif event["type"] == "token":
            print(event["text"], end="", flush=True)
        elif event["type"] == "point" and assistant.drafter.llm is not None:
            print(flush=True)
    if args.docx:
        draft_to_docx(result, args.docx)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"\n【{result['title']}】\n{result['text']}")
    if result["placeholders"]:
        print("\n【待补充】" + "、".join(result["placeholders"]))
    if result["leaked_names"]:
        print("已删去含其他单位名称的句子：" + "、".join(result["leaked_names"]))
    print("\n【参考】")
    for p in result["points"]:
        refs = "；".join(f"{r['report_title']} · {r['section_path']}" for r in p["references"])
        print(f"  {p['marker']}{p['heading']} ← {refs or '（无）'}")
    if args.docx:
        print(f"\n已导出 Word：{args.docx}")
    return 0


def cmd_themes(args) -> int:
    from pathlib import Path

    from .search import make_store
    from .settings import load_settings
    from .themes import build_themes, themes_to_csv, themes_to_markdown

    result = build_themes(make_store(load_settings(args.db)), args.section, args.topic)
    if args.export:
        if args.export.lower().endswith(".csv"):
            themes_to_csv(result, args.export)
        else:
            Path(args.export).write_text(themes_to_markdown(result), encoding="utf-8")
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    for theme in result["themes"]:
        print(f"{theme['label']}（{theme['reports']}份报告）")
        for p in theme["points"]:
            print(f"    {p['lead']} —— {p['report_title']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return {"search": cmd_search, "ask": cmd_ask, "themes": cmd_themes, "draft": cmd_draft}[args.command](args)
    except (FileNotFoundError, RuntimeError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
