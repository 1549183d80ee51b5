"""Offline OCR of scanned pages: RapidOCR (PP-OCRv4 detection and recognition on onnxruntime).

The engine and its three ONNX models ship inside the PyPI wheel ``rapidocr-onnxruntime``: nothing is downloaded at
run time (tests/test_formats.py runs it with the network refused).  The engine is built on first use and kept for
the process (loading takes about a second), never at import time.

A scanned 红头 copy carries things that are not the report's text: the red masthead (发文机关标志), the red rule
under it, and red seals over the signature.  They are red, the text is black, so red pixels are whitened before
recognition.  Grey scans keep their masthead; it is recognised by its size (characters far taller than the body's)
and dropped together with the 发文字号 line under it, on the first page only.
"""
from __future__ import annotations

import re
from functools import lru_cache
from statistics import median

from .layout import Line, Page, group_lines

# 发文字号 (某扫办〔2024〕3号) and 签发人 lines of a 公文's head.
DOC_NUMBER = re.compile(r"[〔\[［【(（]\s*(19|20)\d{2}\s*[〕\]］】)）]\s*\d+\s*号|^签发人")
MASTHEAD_RATIO = 1.8  # a first-page line whose characters are this many times taller than the body's is a masthead


@lru_cache(maxsize=2)
def engine(threads: int):
    """The RapidOCR engine with ``threads`` onnxruntime threads (cached per process)."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)


def without_red(image):
    """A copy of ``image`` (PIL) in RGB with strongly red pixels (seals, masthead, red rule) made white."""
    import cv2
    import numpy as np
    from PIL import Image

    rgb = np.asarray(image.convert("RGB")).copy()
    r, g, b = (rgb[..., i].astype(np.int16) for i in range(3))
    other = np.maximum(g, b)
    red = (r - other > 35) & (r * 2 > other * 3)
    # the pink halo that anti-aliasing and JPEG leave around red ink: light pixels next to it (not black text)
    near = cv2.dilate(red.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    rgb[red | (near & (np.minimum(g, b) > 110))] = 255
    return Image.fromarray(rgb)


def recognise(image, threads: int = 2, first_page: bool = False) -> Page:
    """The lines of one page image (PIL), in reading order, as a :class:`Page` with ``source="ocr"``."""
    import numpy as np

    clean = without_red(image)
    result, _ = engine(threads)(np.asarray(clean)[:, :, ::-1])  # RapidOCR takes OpenCV's BGR order
    boxes = []
    for points, text, _score in result or []:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        boxes.append((text, min(xs), min(ys), max(xs), max(ys)))
    page = Page(group_lines(boxes), float(clean.width), float(clean.height), source="ocr")
    if first_page:
        _drop_masthead(page)
    return page


def _drop_masthead(page: Page) -> None:
    """Remove a grey scan's masthead and the 发文字号/签发人 lines above the title of a first page."""
    if len(page.lines) < 3:
        return
    body = median(line.height for line in page.lines)
    top = page.height * 0.4
    kept: list[Line] = []
    for line in page.lines:
        head = line.y1 <= top and not kept
        if head and (line.height > MASTHEAD_RATIO * body or DOC_NUMBER.search(line.text)):
            page.notes.append(line.text)
            continue
        kept.append(line)
    page.lines = kept
