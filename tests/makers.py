"""Real files of the formats an archive holds, made at test time from a sample report's text with real tools.

- .docx by python-docx, laid out as a 公文 (centred title, first lines indented two characters, a running header and
  a "— N —" page number in the footer);
- .doc, .wps and a text PDF by LibreOffice from that .docx (LibreOffice has no export filter for Kingsoft's own
  format: asked for .wps it writes the Word 97 OLE binary under that name — the container WPS files use, though
  not a file saved by WPS Office itself; the reader gets no hint from the name: LibreOffice detects the content);
- an OFD package written here (OFD.xml → Document.xml → Pages/Page_N/Content.xml, a TemplatePage carrying a running
  header, one TextObject per line with X/Y and DeltaX, a "— N —" page number), because no tool on a Debian machine
  writes OFD;
- a scanned 红头 PDF and page images rendered with PIL and a CJK font (WenQuanYi Micro Hei): a red masthead, a
  black 发文字号, a red rule, the body in 22 lines of 28 characters, page numbers and a red seal, saved as JPEG pages
  the way a scanner's PDF is.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
MASTHEAD = "某县扫黑除恶领导小组办公室文件"
DOC_NUMBER = "某扫办〔2024〕3号"
RUNNING_HEADER = "内部资料 注意保存"


def report_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _is_title(i: int, line: str) -> bool:
    return i == 0


def _flush_left(line: str) -> bool:
    """Salutations (尊敬的…：) start at the margin; every other paragraph is indented two characters."""
    return line.endswith("：") and len(line) < 30


# --- Word and LibreOffice -------------------------------------------------------------------------------------
def report_docx(text: str, path: Path) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.size = Pt(16)
    style.font.name = "WenQuanYi Micro Hei"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "WenQuanYi Micro Hei")
    section = doc.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEADER
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("— ")
    run = footer.add_run()
    for kind, body in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.text = body
        run._r.append(element)
    footer.add_run(" —")
    for i, line in enumerate(report_lines(text)):
        paragraph = doc.add_paragraph(line)
        if _is_title(i, line):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph.runs[0].font.size = Pt(22)
        else:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            if not _flush_left(line):
                paragraph.paragraph_format.first_line_indent = Pt(32)
    doc.save(path)
    return path


def soffice_convert(source: Path, fmt: str, out_dir: Path, timeout: float = 180) -> Path:
    """Convert ``source`` with LibreOffice (``fmt``: doc, wps, pdf …) into ``out_dir``; returns the new file."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: run `make test`, which installs it")
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="huibao-test-lo-") as profile:
        subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation={Path(profile).as_uri()}",
                        "--convert-to", fmt, "--outdir", str(out_dir), str(source)],
                       check=True, capture_output=True, timeout=timeout, env={**os.environ, "HOME": profile})
    target = out_dir / f"{source.stem}.{fmt}"
    if not target.is_file():
        raise RuntimeError(f"LibreOffice did not write {target}")
    return target


# --- OFD ------------------------------------------------------------------------------------------------------
PAGE_W, PAGE_H = 210.0, 297.0
LEFT, TOP, TEXT_W = 28.0, 37.0, 156.0
SIZE = 5.6  # mm, about 三号 (16 pt)
LINE_PITCH = 10.0
LINES_PER_PAGE = 22


def _advance(ch: str) -> float:
    """Width of a character in em: full-width for CJK and full-width punctuation, half for digits and Latin."""
    return 1.0 if "\u2e80" <= ch or ch in "“”‘’—…" else 0.5


def _wrap(line: str, width: float, indent: int) -> list[str]:
    """Break a paragraph into lines no wider than ``width`` em, the first indented by ``indent`` em."""
    out, current, used = [], "", float(indent)
    for ch in line:
        if used + _advance(ch) > width + 1e-6:
            out.append(current)
            current, used = "", 0.0
        current += ch
        used += _advance(ch)
    if current:
        out.append(current)
    return out


def _laid_out(text: str, chars: int, first_page: int = LINES_PER_PAGE) -> list[list[tuple[str, float, float, str]]]:
    """Pages of (text, x offset in characters, size factor, kind) lines; the first page holds ``first_page`` lines."""
    lines: list[tuple[str, float, float, str]] = []
    for i, paragraph in enumerate(report_lines(text)):
        if _is_title(i, paragraph):
            lines.append((paragraph, max(0.0, (chars - len(paragraph) * 22 / 16) / 2), 22 / 16, "title"))
            continue
        indent = 0 if _flush_left(paragraph) else 2
        for j, piece in enumerate(_wrap(paragraph, chars, indent)):
            lines.append((piece, indent if j == 0 else 0, 1.0, "body"))
    pages = [lines[:first_page]]
    pages += [lines[i:i + LINES_PER_PAGE] for i in range(first_page, len(lines), LINES_PER_PAGE)]
    return [page for page in pages if page]


def report_ofd(text: str, path: Path) -> Path:
    """A minimal valid OFD 1.0 package of ``text``, paged and wrapped as a 公文 (27 characters a line)."""
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    chars = int(TEXT_W // SIZE)
    pages = _laid_out(text, chars)
    files: dict[str, str] = {}
    files["OFD.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} Version="1.0" DocType="OFD">'
                        '<ofd:DocBody><ofd:DocInfo><ofd:DocID>0</ofd:DocID><ofd:Title>report</ofd:Title>'
                        '</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')
    page_refs = "".join(f'<ofd:Page ID="{10 + n}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
    files["Doc_0/Document.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>9999'
        f'</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {PAGE_W} {PAGE_H}</ofd:PhysicalBox></ofd:PageArea>'
        '<ofd:TemplatePage ID="2" BaseLoc="Tpls/Tpl_0/Content.xml"/></ofd:CommonData>'
        f'<ofd:Pages>{page_refs}</ofd:Pages></ofd:Document>')
    object_id = [1000]

    def text_object(content: str, x: float, y: float, size: float) -> str:
        object_id[0] += 1
        deltas = " ".join(f"{size * _advance(ch):g}" for ch in content[:-1])
        return (f'<ofd:TextObject ID="{object_id[0]}" Boundary="0 0 {PAGE_W} {PAGE_H}" Size="{size:g}">'
                f'<ofd:TextCode X="{x:.2f}" Y="{y:.2f}" DeltaX="{deltas}">{escape(content)}</ofd:TextCode>'
                '</ofd:TextObject>')

    files["Doc_0/Tpls/Tpl_0/Content.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Content><ofd:Layer ID="3">'
        f'{text_object(RUNNING_HEADER, LEFT, 20.0, 3.5)}</ofd:Layer></ofd:Content></ofd:Page>')
    for n, lines in enumerate(pages):
        objects = []
        for k, (content, offset, factor, _kind) in enumerate(lines):
            size = SIZE * factor
            objects.append(text_object(content, LEFT + offset * SIZE, TOP + LINE_PITCH * (k + 1), size))
        number = f"— {n + 1} —"
        objects.append(text_object(number, PAGE_W / 2 - 2 * SIZE, PAGE_H - 18.0, SIZE))
        files[f"Doc_0/Pages/Page_{n}/Content.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}><ofd:Template TemplateID="2"/><ofd:Content>'
            f'<ofd:Layer ID="{5000 + n}">{"".join(objects)}</ofd:Layer></ofd:Content></ofd:Page>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, body in files.items():
            package.writestr(name, body)
    return path


# --- scans ----------------------------------------------------------------------------------------------------
def render_pages(text: str, dpi: int = 200, masthead: bool = True, seal: bool = True, grey: bool = False,
                 max_pages: int | None = None) -> list:
    """PIL images of ``text`` printed as a 红头 公文 at ``dpi``: A4, 28 characters × 22 lines, page numbers."""
    from PIL import Image, ImageChops, ImageDraw, ImageFont

    px = dpi / 25.4
    width, height = int(PAGE_W * px), int(PAGE_H * px)
    body = ImageFont.truetype(CJK_FONT, int(SIZE * px))
    chars = int(TEXT_W // SIZE)
    pages = _laid_out(text, chars, LINES_PER_PAGE - 5 if masthead else LINES_PER_PAGE)[:max_pages]
    red = (128, 128, 128) if grey else (220, 30, 30)
    images = []
    for n, lines in enumerate(pages):
        image = Image.new("RGB", (width, height), "white")
        draw = ImageDraw.Draw(image)
        top = TOP
        if n == 0 and masthead:
            big = ImageFont.truetype(CJK_FONT, int(12 * px))
            draw.text((width / 2, 45 * px), MASTHEAD, font=big, fill=red, anchor="mm")
            draw.text((width / 2, 72 * px), DOC_NUMBER, font=body, fill="black", anchor="mm")
            draw.line([(LEFT * px, 80 * px), ((LEFT + TEXT_W) * px, 80 * px)], fill=red, width=int(0.8 * px))
            top = 85.0
        for k, (content, offset, factor, kind) in enumerate(lines):
            font = body if factor == 1.0 else ImageFont.truetype(CJK_FONT, int(SIZE * factor * px))
            y = (top + LINE_PITCH * (k + 1)) * px
            x = (LEFT + offset * SIZE) * px
            pitch = SIZE * px
            for ch in content:  # one cell per character, as a 公文 grid
                draw.text((x, y), ch, font=font, fill="black", anchor="ls")
                x += pitch * factor * _advance(ch)
        draw.text((width / 2, (PAGE_H - 18) * px), f"— {n + 1} —", font=body, fill="black", anchor="ms")
        if seal and n == len(pages) - 1:  # seal ink is translucent: it darkens the text under it (multiply)
            stamp = Image.new("RGB", image.size, "white")
            ink = ImageDraw.Draw(stamp)
            cx, cy, r = (LEFT + TEXT_W - 30) * px, (top + LINE_PITCH * (len(lines) - 1)) * px, 21 * px
            ink.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=int(1.2 * px))
            ink.text((cx, cy), "★", font=body, fill=red, anchor="mm")
            ink.text((cx, cy + 10 * px), "专用章", font=body, fill=red, anchor="mm")
            image = ImageChops.multiply(image, stamp)
        images.append(image)
    return images


def scanned_pdf(text: str, path: Path, dpi: int = 200, **kwargs) -> Path:
    """An image-only PDF (JPEG pages, no text layer) of ``text`` as a scanned 红头 公文."""
    images = render_pages(text, dpi, **kwargs)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=dpi, quality=85)
    return path
