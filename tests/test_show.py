"""`python -m ingest show` and the 资料库's view of what was read from a document (real index, real e5)."""
from __future__ import annotations

import json
import os

import pytest

from assistant.web import render
from assistant.library import Library
from tests import makers
from tests.cli import run_cli
from tests.conftest import HASH_ENV, SAMPLES

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"
TEXT = (SAMPLES / "000_53cd0e863fe8c391.txt").read_text(encoding="utf-8")


@pytest.fixture
def ofd_file(tmp_path):
    lines = TEXT.splitlines()
    return makers.report_ofd("\n".join(lines[:3] + [HOSTILE] + lines[3:]), tmp_path / "汇报.ofd")


def test_library_view_escapes_and_follows_the_document(make_index, tmp_path, ofd_file):
    library = Library(make_index(tmp_path / "index"), make_index(tmp_path / "index"), tmp_path / "uploads",
                      max_bytes=2**20)
    pages: list[tuple[int, int, str]] = []
    outcome, = library.add_files([(ofd_file, ofd_file.name)], on_page=lambda i, n, name: pages.append((i, n, name)))
    assert outcome.status == "added", outcome
    assert pages and pages[-1][0] == pages[-1][1] and pages[-1][2] == ofd_file.name
    doc_id = next(iter(library.documents()))
    view = library.view(doc_id)
    assert set(view) == {"doc_id", "file", "reports"} and view["doc_id"] == doc_id
    report = view["reports"][0]
    assert set(report) == {"title", "org", "year", "text", "chunks"}
    assert report["title"] == "某县常态化扫黑除恶工作情况汇报" and HOSTILE in report["text"]
    assert set(report["chunks"][0]) == {"chunk_id", "section_path", "section_type", "source", "text"}
    assert {c["source"] for c in report["chunks"]} == {"text"}
    assert {c["section_type"] for c in report["chunks"]} >= {"progress", "problems", "plans"}
    html = render.document_html(view)
    assert "<script>" not in html and "<img" not in html and "&lt;script&gt;" in html
    assert library.view("0123456789abcdef") is None and library.view(None) is None
    text_file = library.writer.texts_path / f"{doc_id}.json"
    assert text_file.is_file()
    library.delete(doc_id)
    assert not text_file.exists() and library.view(doc_id) is None


def test_ocr_hits_are_flagged_in_search_results():
    hit = {"rank": 1, "report_title": "t", "org": "", "section_path": "一、成效", "section_type": "progress",
           "source": "ocr", "text": "打掉4个团伙"}
    assert "OCR 识别" in render.search_html([hit], ["团伙"])
    assert "OCR" not in render.search_html([{**hit, "source": "text"}], ["团伙"])


def test_ocr_chunks_are_flagged_in_the_view():
    view = {"doc_id": "d", "file": "scan.pdf", "reports": [{"title": "t", "org": "", "year": None, "text": "x",
            "chunks": [{"chunk_id": "d-0000", "section_path": "一、成效", "section_type": "progress",
                        "source": "ocr", "text": "打掉4个团伙"}]}]}
    html = render.document_html(view)
    assert "1 段由 OCR 识别" in html and "<mark>OCR</mark>" in html


def test_cli_show(tmp_path, ofd_file):
    env = {**os.environ, **HASH_ENV}
    db = str(tmp_path / "db")

    def run(*args):
        return run_cli(["-m", "ingest", *args, "--db", db], env)

    added = json.loads(run(str(ofd_file), "--json").stdout)
    doc_id = added["documents"][0]["doc_id"]
    shown = run("show", doc_id, "--json")
    assert shown.returncode == 0, shown.stderr
    view = json.loads(shown.stdout)
    assert view["doc_id"] == doc_id and view["file"].endswith("汇报.ofd")
    report = view["reports"][0]
    assert "一、工作进展及成效" in report["text"] and makers.RUNNING_HEADER not in report["text"]
    assert sum(len(r["chunks"]) for r in view["reports"]) == added["added_chunks"]
    plain = run("show", doc_id)
    assert plain.returncode == 0 and "某县常态化扫黑除恶工作情况汇报" in plain.stdout
    missing = run("show", "0123456789abcdef")
    assert missing.returncode == 1 and "没有找到文档" in missing.stderr
