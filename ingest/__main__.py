"""`python -m ingest [add] PATH… | list | show DOC_ID | remove DOC_ID | repool` — the ingest library's command line.

Exit codes (README, "Security and limits"): 0 every file imported or already present; 1 some files failed, the
others imported; 2 a usage error; 3 nothing imported (every file failed, or none found); 4 another import is
running (the index's writer lock is held), nothing done.  ``remove``: 0 removed, 1 no such document, 4 busy.
``repool``: 0 converted (or nothing to do), 2 the setting asks for encoded chunk vectors, 4 busy.
"""
from __future__ import annotations

import argparse
import json
import sys

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_NONE_IMPORTED, EXIT_BUSY = 0, 1, 2, 3, 4


def exit_code(summary: dict) -> int:
    """What an import's summary means for a script: all ok, some failed, or nothing imported."""
    done = len(summary["documents"]) + sum(1 for s in summary["skipped"] if s.get("present"))
    if not done:
        return EXIT_NONE_IMPORTED
    return EXIT_SOME_FAILED if summary["errors"] else EXIT_OK


def _busy(exc, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"error": str(exc), "busy": True}, ensure_ascii=False))
    print(f"! {exc}", file=sys.stderr)
    return EXIT_BUSY


COMMANDS = ("add", "list", "show", "remove", "repool")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="The report library: import files (the "
                                     "default command: `python -m ingest PATH…` is `python -m ingest add PATH…`), "
                                     "list, show or remove documents.")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="index data dir (default: settings store.path, ./data/index)")
    common.add_argument("--json", action="store_true", help="print JSON on stdout")
    add = sub.add_parser("add", parents=[common], help="import report files or folders (txt, md, docx, doc, wps, "
                         "pdf, ofd, html, png, jpg; scans are OCR'd)")
    add.add_argument("paths", nargs="+")
    sub.add_parser("list", parents=[common], help="the documents in the library")
    show = sub.add_parser("show", parents=[common], help="what was read from a document: its reports and chunks")
    show.add_argument("doc_id")
    remove = sub.add_parser("remove", parents=[common], help="remove a document from the library")
    remove.add_argument("doc_id")
    sub.add_parser("repool", parents=[common], help="make a library's chunk vectors pooled from the sentence vectors "
                   "it stores (a library imported with encoded chunk vectors; only titles and section paths are "
                   "embedded)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv = ["add", *argv]  # `python -m ingest PATH…`: importing is the default command
    args = _parser().parse_args(argv)
    return {"add": _add, "list": _list, "show": _show, "remove": _remove, "repool": _repool}[args.command](args)


def _add(args) -> int:
    from assistant.service import make_store
    from assistant.settings import load_settings

    from vectorstore.index import IndexBusy

    from .pipeline import ingest_paths

    settings = load_settings(args.db)
    index = make_store(settings)
    try:
        summary = ingest_paths(args.paths, index, options=settings.ingest,
                               progress=sys.stderr.isatty() or not args.json,
                               max_bytes=int(settings.ingest.max_file_mb * 2**20))
    except IndexBusy as exc:
        return _busy(exc, args.json)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    else:
        for doc in summary["documents"]:
            for r in doc["reports"]:
                print(f"+ {doc['file']}  [{doc['doc_id']}]  {r['title']}（{r['org'] or '—'}，{r['year'] or '—'}）"
                      f" {r['chunks']} 段")
        for s in summary["skipped"]:
            print(f"= {s['file']}: {s['reason']}")
        print(f"共新增 {summary['added_chunks']} 段")
    for e in summary["errors"]:
        print(f"! {e['file']}: {e['error']}", file=sys.stderr)
    return exit_code(summary)


def _open(args):
    from assistant.service import make_store
    from assistant.settings import load_settings

    return make_store(load_settings(args.db))


def _list(args) -> int:
    docs = _open(args).documents
    if args.json:
        print(json.dumps({"documents": [{"doc_id": d, **rec} for d, rec in docs.items()]}, ensure_ascii=False))
        return 0
    for doc_id, rec in docs.items():
        print(f"{doc_id}  {rec['name']}  {rec['chunks']} 段")
        for r in rec["reports"]:
            print(f"    {r['title']}（{r['org'] or '—'}，{r['year'] or '—'}）{'/'.join(r['sections'])}")
    return 0


def _show(args) -> int:
    from .view import document_view

    view = document_view(_open(args), args.doc_id)
    if view is None:
        print(f"没有找到文档 {args.doc_id}", file=sys.stderr)
        return 1
    print(json.dumps(view.to_json(), ensure_ascii=False) if args.json else view.to_text())
    return 0


def _remove(args) -> int:
    from vectorstore.index import IndexBusy

    index = _open(args)
    try:
        with index.lock():
            found = index.remove_document(args.doc_id)
    except IndexBusy as exc:
        return _busy(exc, args.json)
    if not found:
        print(f"没有找到文档 {args.doc_id}", file=sys.stderr)
        return 1
    print(json.dumps({"removed": args.doc_id}) if args.json else f"已删除 {args.doc_id}")
    return 0


def _repool(args) -> int:
    from vectorstore.index import IndexBusy

    index = _open(args)
    before, wanted = index.store.chunk_vectors, index.chunk_vectors
    if wanted.mode != "pooled":
        print("! HUIBAO_EMBEDDING__CHUNK_VECTORS=encoded: encoded chunk vectors need the text embedded again "
              "(import into a new --db)", file=sys.stderr)
        return EXIT_USAGE
    if before == wanted.label:
        written = 0
    else:
        from tqdm import tqdm

        bar = tqdm(total=len(index.documents), desc="转换", unit="份", disable=args.json and not sys.stderr.isatty())
        try:
            with index.lock():
                written = index.repool(wanted, progress=lambda _: bar.update())
        except IndexBusy as exc:
            return _busy(exc, args.json)
        finally:
            bar.close()
    result = {"chunk_vectors": wanted.label, "before": before, "chunks": written}
    print(json.dumps(result) if args.json else f"段落向量：{before} → {wanted.label}，重写 {written} 段")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
