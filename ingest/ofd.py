"""OFD (GB/T 33190) documents: the text objects of each page, read by ``ofdkit``.

ofdkit (Apache-2.0, no dependencies) opens the package with size and entry limits, refuses DTDs, resolves
templates, composite objects and transforms, and gives every TextCode run with its position in millimetres.  The
runs go through :mod:`ingest.layout` like a PDF's text layer, so running headers (often put on a template page),
page numbers and line wrapping are handled the same way for both paged formats.
"""
from __future__ import annotations

from pathlib import Path

from .layout import Page, group_lines


def read_pages(path: Path, on_page=None) -> list[Page]:
    """Every page of the OFD at ``path`` as a :class:`Page` of lines (millimetres, top-left origin)."""
    import ofdkit

    from .loaders import LoadError

    try:
        document = ofdkit.open(path)
    except ofdkit.OFDError as exc:
        raise LoadError(f"OFD 文件已损坏或不是 OFD 格式：{exc}") from exc
    with document:
        pages = []
        total = len(document.pages)
        for index, page in enumerate(document.pages):
            try:
                x0, y0, width, height = page.box
                runs = page.runs
            except ofdkit.OFDError as exc:
                raise LoadError(f"OFD 第 {index + 1} 页无法读取：{exc}") from exc
            boxes = [(run.text, run.x - x0, run.y - y0 - run.size, run.x - x0 + run.width, run.y - y0)
                     for run in runs]
            pages.append(Page(group_lines(boxes), width, height))
            if on_page:
                on_page(index + 1, total)
    return pages
