"""PDF pages to paragraphs: the text layer where there is one, OCR where a page is only an image.

pdfium (``pypdfium2``) gives each page's text runs with their boxes, which is what :mod:`ingest.layout` needs to drop
running headers, footers and page numbers and to rejoin paragraphs across line and page breaks.  A page whose text
layer holds fewer than ``MIN_TEXT_CHARS`` characters is a scan: it is rendered at ``ocr_dpi`` and recognised.
"""
from __future__ import annotations

from pathlib import Path

from .layout import Page, group_lines

MIN_TEXT_CHARS = 10  # a scanned page sometimes carries a stray text object (a stamp's date, a scanner's label)


def text_page(page) -> Page:
    """The lines of a pdfium page's text layer (top-left origin, points)."""
    width, height = page.get_size()
    textpage = page.get_textpage()
    try:
        boxes = []
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top).replace("\r", "").replace("\n", "")
            boxes.append((text, left, height - top, right, height - bottom))
    finally:
        textpage.close()
    return Page(group_lines(boxes), width, height)


def read_pages(path: Path, options, on_page=None) -> list[Page]:
    """Every page of ``path`` as :class:`Page`, OCR'd when it has no text layer.

    ``on_page(done, total)`` is called after each page (OCR takes seconds a page: the UI shows it).
    """
    import pypdfium2 as pdfium

    from .loaders import LoadError

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        reason = "需要密码" if "password" in str(exc).lower() else str(exc)
        raise LoadError(f"PDF 文件已损坏或无法打开：{reason}") from exc
    try:
        total = len(document)
        pages: list[Page] = []
        scanned = 0
        for index in range(total):
            page = document[index]
            try:
                read = text_page(page)
                if sum(len(line.text.strip()) for line in read.lines) < MIN_TEXT_CHARS:
                    scanned += 1
                    if scanned > options.ocr_max_pages:
                        raise LoadError(f"扫描页超过 {options.ocr_max_pages} 页（HUIBAO_INGEST__OCR_MAX_PAGES），"
                                        "请拆分后导入")
                    read = ocr_page(page, options, first_page=not pages or all(not p.lines for p in pages))
            finally:
                page.close()
            pages.append(read)
            if on_page:
                on_page(index + 1, total)
        return pages
    finally:
        document.close()


def ocr_page(page, options, first_page: bool) -> Page:
    """Render a pdfium page at ``options.ocr_dpi`` and recognise it."""
    from .ocr import recognise

    bitmap = page.render(scale=options.ocr_dpi / 72)
    try:
        image = bitmap.to_pil()
    finally:
        bitmap.close()
    return recognise(image, options.ocr_threads, first_page=first_page)
