"""The formats an archive is in: .doc, .wps, OFD, text PDF, scanned PDF and page images, made at test time by real
tools (LibreOffice, an OFD package, PIL with a CJK font) from a sample report, each read into the same sections and
nearly the same text as the .txt of that report."""
from __future__ import annotations

import difflib
import os
import re
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from ingest.layout import Line, Page, drop_furniture, paragraphs
from ingest.loaders import LoadError, LoadOptions, load_segments
from ingest.pipeline import IngestOptions, prepare_document
from tests import makers
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "000_53cd0e863fe8c391.txt"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def match(a: str, b: str) -> float:
    """Character-level similarity ignoring whitespace (difflib ratio: 2·matches / total length)."""
    return difflib.SequenceMatcher(None, squash(a), squash(b), autojunk=False).ratio()


def sections(doc) -> list[tuple[str, str]]:
    """(section type, top-level heading) in reading order: what the structure parser found."""
    return list(dict.fromkeys((c.section_type, c.section_path.split(" > ")[0]) for c in doc.chunks))


@pytest.fixture(scope="module")
def original():
    return prepare_document(SAMPLE)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The sample report as .docx (python-docx) and, from it, .doc, .wps and .pdf by LibreOffice; and an OFD."""
    folder = tmp_path_factory.mktemp("formats")
    text = SAMPLE.read_text(encoding="utf-8")
    files = {"docx": makers.report_docx(text, folder / "report.docx")}
    for fmt in ("doc", "wps", "pdf"):
        files[fmt] = makers.soffice_convert(files["docx"], fmt, folder)
    files["ofd"] = makers.report_ofd(text, folder / "report.ofd")
    return files


@pytest.mark.office
@pytest.mark.parametrize("fmt", ["doc", "wps", "pdf", "ofd"])
def test_each_format_reads_like_the_original(made, original, fmt):
    doc = prepare_document(made[fmt])
    assert match(doc.text, original.text) >= 0.99
    assert sections(doc) == sections(original)
    assert [r.title for r in doc.reports] == [r.title for r in original.reports]
    assert {c.source for c in doc.chunks} == {"text"}
    if fmt in ("pdf", "ofd"):  # paged: the running header and "— N —" page numbers are gone, paragraphs whole
        assert makers.RUNNING_HEADER not in doc.text and not re.search(r"—\s*\d+\s*—", doc.text)
        assert doc.text.count("\n") == original.text.count("\n")


@pytest.mark.office
def test_wps_is_the_word97_container_wps_office_writes(made):
    """LibreOffice has no Kingsoft export: its .wps is the OLE compound file (Word 97 streams) WPS files use."""
    assert made["wps"].read_bytes()[:8] == bytes.fromhex("D0CF11E0A1B11AE1")


@pytest.mark.office
def test_libreoffice_missing_is_a_clear_error(made, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LoadError, match="LibreOffice.*libreoffice-writer-nogui"):
        load_segments(made["doc"])


@pytest.mark.office
def test_a_hung_conversion_is_killed_at_the_timeout(made, tmp_path, monkeypatch):
    """A soffice that never finishes: the file fails after the timeout, its process group is gone."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pid_file = tmp_path / "pid"
    fake = bin_dir / "soffice"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nsleep 300 &\nwait\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(LoadError, match="超时"):
        load_segments(made["doc"], LoadOptions(convert_timeout=1))
    assert time.monotonic() - started < 10
    pid = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.office
def test_concurrent_conversions_do_not_clash(made):
    results: list = []
    threads = [threading.Thread(target=lambda f=f: results.append(load_segments(f)[0].text))
               for f in (made["doc"], made["wps"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 2 and squash(results[0]) == squash(results[1])


@pytest.mark.parametrize("name, content, reason", [
    ("bad.ofd", b"PK\x03\x04 not a zip at all", "OFD"),
    ("bad.pdf", b"%PDF-1.4 broken", "损坏"),
    ("noise.doc", bytes(range(256)) * 16, "不是 Word/WPS 文档"),  # LibreOffice would import it as garbled text
    pytest.param("bad.wps", b"PK\x03\x04 garbage", "LibreOffice 无法转换", marks=pytest.mark.office),
    ("bad.png", b"\x89PNG\r\n\x1a\n broken", "图片文件已损坏"),
])
def test_corrupt_files_are_clear_errors(tmp_path, name, content, reason):
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_segments(bad)


# --- page layout rules ----------------------------------------------------------------------------------------
def _page(rows: list[tuple[str, float, float]], height: float = 297) -> Page:
    """Lines (text, x0, x1) 10 units apart from y=40, font size 5."""
    return Page([Line(t, x0, 40 + 10 * i, x1, 45 + 10 * i) for i, (t, x0, x1) in enumerate(rows)], 210, height)


def test_wrapped_lines_join_but_headings_indents_and_short_lines_do_not():
    page = _page([("一、工作进展", 38, 90), ("一是强化组织领导，压实责任。全县先后召开", 38, 182),
                  ("会议5次。", 28, 60), ("（一）问题", 38, 70), ("存在的问题主要是宣传不够深入，发动", 28, 182),
                  ("（二）打算", 28, 70)])
    assert [p for p, _ in paragraphs([page])] == [
        "一、工作进展", "一是强化组织领导，压实责任。全县先后召开会议5次。", "（一）问题", "存在的问题主要是宣传不够深入，发动",
        "（二）打算"]


def test_page_numbers_and_running_headers_go_and_paragraphs_cross_pages():
    first = _page([("内部资料", 28, 60), ("一是强化组织领导，召开", 38, 182), ("— 1 —", 95, 115)])
    second = _page([("内部资料", 28, 60), ("会议5次。", 28, 60), ("第 2 页", 95, 115)])
    for page in (first, second):  # furniture sits in the top and bottom bands
        page.lines[0].y0, page.lines[0].y1 = 15, 20
        page.lines[-1].y0, page.lines[-1].y1 = 280, 285
    drop_furniture([first, second])
    assert paragraphs([first, second]) == [("一是强化组织领导，召开会议5次。", "text")]


# --- OCR ------------------------------------------------------------------------------------------------------
@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test (the OCR models must be local)."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.ocr
def test_scanned_pdf_is_read_by_ocr_offline(original, tmp_path, no_network):
    """A 红头 scan at 200 dpi: ≥ 95 % of the text, the same sections, masthead/文号/page numbers/seal kept out of the
    first chunk, every chunk marked as OCR, progress reported per page."""
    scan = makers.scanned_pdf(SAMPLE.read_text(encoding="utf-8"), tmp_path / "scan.pdf", dpi=200)
    pages: list[tuple[int, int]] = []
    doc = prepare_document(scan, options=IngestOptions(ocr_dpi=200), on_page=lambda done, total: pages.append(
        (done, total)))
    total = pages[-1][1]
    assert total >= 5 and pages == [(i, total) for i in range(1, total + 1)]
    assert match(doc.text, original.text) >= 0.95
    assert [t for t, _ in sections(doc)] == [t for t, _ in sections(original)]
    assert {c.source for c in doc.chunks} == {"ocr"} and doc.chunks[0].metadata()["source"] == "ocr"
    first = doc.chunks[0].text + doc.reports[0].title
    for furniture in ("领导小组办公室文件", "〔2024", "扫办", "专用章"):
        assert furniture not in doc.text, furniture
    assert doc.reports[0].title == original.reports[0].title
    assert not re.search(r"—\s*\d+\s*—|^\W*\d+\W*$", first, re.M)


@pytest.mark.ocr
def test_grey_page_image_drops_the_masthead_by_size(original, tmp_path, no_network):
    """A grey photo of the first page (the masthead no longer red): dropped because its characters are huge."""
    image = makers.render_pages(SAMPLE.read_text(encoding="utf-8"), 200, grey=True, seal=False, max_pages=1)[0]
    path = tmp_path / "page1.png"
    image.convert("L").save(path)
    segments = load_segments(path)
    text = "\n".join(s.text for s in segments)
    assert {s.source for s in segments} == {"ocr"}
    assert "领导小组办公室文件" not in text and "〔2024" not in text
    assert text.startswith(original.reports[0].title)
    page_one = squash(original.text)[:len(squash(text))]
    assert match(text, page_one) >= 0.95


@pytest.mark.office
@pytest.mark.ocr
def test_mixed_pdf_marks_only_the_scanned_pages(made, tmp_path, no_network):
    """A text PDF with a scanned page appended: only the chunks from that page say source=ocr."""
    from pypdfium2 import PdfDocument

    extra = "附件\n一、补充情况\n一是新增排查线索12条，已全部办结。二是开展专项整治行动3次。"
    scan = makers.scanned_pdf(extra, tmp_path / "extra.pdf", masthead=False, seal=False)
    merged = PdfDocument(str(made["pdf"]))
    merged.import_pages(PdfDocument(str(scan)))
    path = tmp_path / "mixed.pdf"
    merged.save(str(path))
    doc = prepare_document(path)
    ocr = [c for c in doc.chunks if c.source == "ocr"]
    assert ocr and all("新增排查线索" in c.text or "专项整治" in c.text or "附件" in c.text for c in ocr)
    assert any(c.source == "text" for c in doc.chunks)
    assert "新增排查线索12条" in doc.text
