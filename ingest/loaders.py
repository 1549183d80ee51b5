"""Turn a report file into plain text, or say clearly why it cannot be read.

Officials hand us whatever they have: UTF-8 or GBK text exported from old Word versions, .docx with tables, PDFs,
saved web pages.  Each loader returns the text in reading order; every failure is a :class:`LoadError` whose message
names the file and the reason, so one bad file never stops a batch.
"""
from __future__ import annotations

from pathlib import Path

SUPPORTED = (".txt", ".md", ".docx", ".pdf", ".html", ".htm")


class LoadError(ValueError):
    """A file that cannot be turned into text (unsupported, corrupt, empty, binary)."""


def load_document(path: str | Path) -> str:
    """Return the text of ``path``; raise :class:`LoadError` with a reason a person can act on."""
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
            text = decode_text(raw)
        case ".docx":
            text = _load_docx(path)
        case ".pdf":
            text = _load_pdf(path)
        case _:
            text = _load_html(decode_text(raw))
    if not text.strip():
        raise LoadError("文件中没有可读取的文字")
    return text


def decode_text(raw: bytes) -> str:
    """Decode bytes of unknown encoding (UTF-8, UTF-8-BOM, GBK/GB18030…); binary content is refused.

    charset-normalizer guesses the encoding; a GB18030 attempt comes first when UTF-8 fails because it is the
    superset most Chinese office files use and short GBK texts are sometimes mis-guessed as other code pages.
    """
    from charset_normalizer import from_bytes

    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise LoadError("文件是二进制内容，不是文本")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    best = from_bytes(raw).best()
    if best is None:
        raise LoadError("无法识别文件编码（不是文本文件？）")
    return str(best)


def _load_docx(path: Path) -> str:
    """Paragraphs and tables in document order (tables as one line per row, cells joined by a tab)."""
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = Document(str(path))
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


def _load_pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(f"PDF 文件已损坏：{exc}") from exc
    return "\n".join(pages)


def _load_html(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    return soup.get_text("\n")
