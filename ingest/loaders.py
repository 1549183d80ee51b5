"""Turn a report file into plain text, or say clearly why it cannot be read.

Officials hand us whatever they have: UTF-8 or GBK text exported from old Word versions, .docx with tables, PDFs,
saved web pages, legacy .doc/.wps, OFD, scanned PDFs and photos of pages.  Each loader returns the text in reading
order; every failure is a :class:`LoadError` whose message names the file and the reason, so one bad file never stops
a batch.  Each format that needs more than a few lines lives in its own module (office, ofd, pdf, ocr, layout);
this one only dispatches.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".doc", ".wps", ".ofd", ".png", ".jpg", ".jpeg")
IMAGES = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class LoadOptions:
    """Limits of the slow formats (the defaults of the matching ``HUIBAO_INGEST__*`` settings)."""

    convert_timeout: float = 120.0  # seconds one LibreOffice conversion may take before it is killed
    ocr_dpi: int = 200  # resolution scanned PDF pages are rendered at for OCR
    ocr_threads: int = 2  # onnxruntime threads of the OCR engine
    ocr_max_pages: int = 300  # scanned pages one file may have


@dataclass
class Segment:
    """A stretch of a document's text and where it came from: a text layer or file ("text"), or OCR ("ocr")."""

    text: str
    source: Literal["text", "ocr"] = "text"


class LoadError(ValueError):
    """A file that cannot be turned into text (unsupported, corrupt, empty, binary)."""


def load_document(path: str | Path, options: LoadOptions | None = None, on_page=None) -> str:
    """Return the text of ``path``; raise :class:`LoadError` with a reason a person can act on."""
    return "\n".join(segment.text for segment in load_segments(path, options, on_page))


def load_segments(path: str | Path, options=None, on_page=None) -> list[Segment]:
    """The text of ``path`` as segments marked by source (OCR'd pages apart from a text layer's).

    ``options`` is anything with :class:`LoadOptions`' fields (the ``ingest`` settings section);
    ``on_page(done, total)`` reports pages of paged formats (OCR takes seconds a page).
    """
    options = options or LoadOptions()
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise LoadError(f"不支持的文件类型 {suffix or '(无扩展名)'}（支持 {' '.join(SUPPORTED)}）")
    if not path.is_file():
        raise LoadError("文件不存在")
    raw = path.read_bytes()
    if not raw.strip():
        raise LoadError("文件为空")
    match suffix:
        case ".txt" | ".md":
            segments = [Segment(decode_text(raw))]
        case ".docx":
            segments = [Segment(_load_docx(path))]
        case ".doc" | ".wps":
            from io import BytesIO

            from .office import convert_to_docx

            segments = [Segment(_load_docx(BytesIO(convert_to_docx(path, options.convert_timeout))))]
        case ".pdf":
            from . import pdf

            segments = _paged(pdf.read_pages(path, options, on_page))
        case ".ofd":
            from . import ofd

            segments = _paged(ofd.read_pages(path, on_page))
        case _ if suffix in IMAGES:
            segments = _paged([_load_image(path, options)])
            if on_page:
                on_page(1, 1)
        case _:
            segments = [Segment(_load_html(decode_text(raw)))]
    if not any(segment.text.strip() for segment in segments):
        raise LoadError("文件中没有可读取的文字")
    return segments


def _paged(pages) -> list[Segment]:
    """Paragraphs of paged formats (page furniture dropped, wrapped lines rejoined), one segment per source run."""
    from .layout import drop_furniture, paragraphs

    drop_furniture(pages)
    segments: list[Segment] = []
    for text, source in paragraphs(pages):
        if segments and segments[-1].source == source:
            segments[-1].text += "\n" + text
        else:
            segments.append(Segment(text, source))
    return segments


def _load_image(path: Path, options):
    """A photo or scan of one page, recognised by OCR."""
    from PIL import Image, UnidentifiedImageError

    from .ocr import recognise

    try:
        with Image.open(path) as opened:
            opened.load()
            image = opened.copy()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise LoadError(f"图片文件已损坏或无法识别：{exc}") from exc
    return recognise(image, options.ocr_threads, first_page=True)


def decode_text(raw: bytes) -> str:
    """Decode bytes of unknown encoding (UTF-8, UTF-8-BOM, GBK/GB18030…); binary content is refused.

    charset-normalizer guesses the encoding; a GB18030 attempt comes first when UTF-8 fails because it is the
    superset most Chinese office files use and short GBK texts are sometimes mis-guessed as other code pages.
    """
    from charset_normalizer import from_bytes

    if b"\x00" in raw and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # anywhere, not only the first 4 KB
        raise LoadError("文件是二进制内容，不是文本（含 NUL 字节）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw).best()
    if best is None or "\x00" in str(best):  # UTF-16 text holding a NUL character
        raise LoadError("无法识别文件编码（不是文本文件？）")
    return str(best)


def _load_docx(path) -> str:
    """Paragraphs and tables in document order (tables as one line per row, cells joined by a tab).

    ``path`` may be a file object (a .doc/.wps converted in memory)."""
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path) if isinstance(path, Path) else path)
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise LoadError(f"Word 文件已损坏或不是 .docx 格式：{exc}") from exc
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells = [cell.text.strip() for cell in row.cells]
                lines.append("\t".join(dict.fromkeys(cells)))  # merged cells repeat: keep one
    return "\n".join(lines)


def _load_html(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n")
