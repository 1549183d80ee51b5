"""Reading each archive format: pages or characters, seconds, text match with the .txt, sections found.

    python bench/formats.py [--report data/samples/000_53cd0e863fe8c391.txt] [--dpi 200] [--scan-pages 10]
                            [--threads 2] [--json]

The report is made into .docx (python-docx), .doc / .wps / text PDF (LibreOffice), OFD (a package written by
tests/makers.py) and a scanned 红头 PDF (PIL + WenQuanYi Micro Hei at --dpi, JPEG pages), the way the tests make
them; each is read by the product (load → clean → structure → chunk, no embedding) and compared with the .txt.
Text match is difflib's ratio over the characters, whitespace ignored; "sections" counts the (type, top heading)
pairs found and whether they equal the .txt's.  The scan row also reads a --scan-pages long scan (the report's text
repeated) to give seconds per OCR page.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", default="data/samples/000_53cd0e863fe8c391.txt")
    parser.add_argument("--dpi", type=int, default=200)
    parser.add_argument("--scan-pages", type=int, default=10, help="pages of the long scan timed for s/page (0: none)")
    parser.add_argument("--threads", type=int, default=2, help="OCR threads")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from ingest.pipeline import IngestOptions
    from ingest.pipeline import prepare_document
    from tests import makers
    from tests.test_formats import match, sections

    report = Path(args.report)
    text = report.read_text(encoding="utf-8")
    options = IngestOptions(ocr_dpi=args.dpi, ocr_threads=args.threads)
    original = prepare_document(report)
    want = sections(original)
    rows = []
    with tempfile.TemporaryDirectory(prefix="huibao-bench-formats-") as tmp:
        folder = Path(tmp)
        files = {"txt": report, "docx": makers.report_docx(text, folder / "report.docx")}
        for fmt in ("doc", "wps", "pdf"):
            files[fmt] = makers.soffice_convert(files["docx"], fmt, folder)
        files["ofd"] = makers.report_ofd(text, folder / "report.ofd")
        files["scan"] = makers.scanned_pdf(text, folder / "scan.pdf", dpi=args.dpi)
        for fmt, path in files.items():
            pages: list[int] = []
            started = time.perf_counter()
            doc = prepare_document(path, options=options, on_page=lambda done, total: pages.append(total))
            seconds = time.perf_counter() - started
            found = sections(doc)
            rows.append({"format": fmt if fmt != "pdf" else "pdf (text)", "pages": pages[-1] if pages else None,
                         "chars": len(doc.text), "seconds": round(seconds, 2),
                         "match": round(match(doc.text, original.text), 4), "sections": len(found),
                         "same_sections": found == want,
                         "source": "/".join(sorted({c.source for c in doc.chunks}))})
        if args.scan_pages:
            long_scan = makers.scanned_pdf("\n".join([text] * 4), folder / "long.pdf", dpi=args.dpi,
                                           max_pages=args.scan_pages)
            times: list[float] = []
            cpu: list[float] = []
            last = [time.perf_counter(), time.process_time()]

            def tick(done, total):
                now = [time.perf_counter(), time.process_time()]
                times.append(now[0] - last[0])
                cpu.append(now[1] - last[1])
                last[:] = now

            started = time.perf_counter()
            prepare_document(long_scan, options=options, on_page=tick)
            total = time.perf_counter() - started
            rows.append({"format": f"scan, {len(times)} pages", "pages": len(times), "chars": None,
                         "seconds": round(total, 2), "match": None, "sections": None, "same_sections": None,
                         "source": "ocr", "s_per_page_median": round(statistics.median(times), 2),
                         "cpu_s_per_page_median": round(statistics.median(cpu), 2)})
    if args.json:
        print(json.dumps({"report": str(report), "dpi": args.dpi, "threads": args.threads, "rows": rows,
                          "load_average": round(os.getloadavg()[0], 1)},
                         ensure_ascii=False))
        return 0
    print(f"{report.name}: {len(original.text)} characters, {len(want)} sections; scans at {args.dpi} dpi, "
          f"OCR on {args.threads} threads")
    print(f"{'format':<18}{'pages':>6}{'chars':>7}{'seconds':>9}{'match':>8}{'sections':>9}  same  source")
    for r in rows:
        print(f"{r['format']:<18}{r['pages'] or '':>6}{r['chars'] or '':>7}{r['seconds']:>9.2f}"
              f"{'' if r['match'] is None else format(r['match'], '.4f'):>8}{r['sections'] or '':>9}  "
              f"{'' if r['same_sections'] is None else ('yes' if r['same_sections'] else 'NO'):<4}  {r['source']}"
              + (f"  (median per page: {r['s_per_page_median']} s, {r['cpu_s_per_page_median']} CPU s)"
                 if "s_per_page_median" in r else ""))
    print(f"load average during the run: {os.getloadavg()[0]:.1f} (CPU seconds count both OCR threads)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
