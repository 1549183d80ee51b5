"""From files to index entries: load → clean → structure → chunk → write, one document at a time.

The pipeline takes the index as an argument (anything with ``documents``, ``find_file``, ``lock``, ``recover``,
``add_document`` and ``remove_document``, i.e. :class:`vectorstore.index.ReportIndex`) so that ingest stays a library
of plain functions.  A bad file becomes an entry in ``errors`` and the batch goes on.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .chunker import Chunk, ChunkOptions, chunk_reports
from .clean import clean_text
from .loaders import LoadError, LoadOptions, load_segments
from .periods import annotate_chunks
from .points import document_points
from .sources import collect_files
from .structure import Report, parse_document


@dataclass(frozen=True)
class IngestOptions(ChunkOptions, LoadOptions):
    """Everything ingest takes from settings: the format limits and the chunk sizes.  The ``ingest`` settings
    section has these fields and is passed whole in its place; this class holds their defaults."""


@dataclass
class PreparedDocument:
    doc_id: str
    file: str
    name: str
    text: str
    reports: list[Report]
    chunks: list[Chunk]
    ocr_spans: list[tuple[int, int]] = field(default_factory=list)  # stretches of ``text`` recognised by OCR

    def metadatas(self) -> list[dict]:
        """Each chunk's metadata with the periods of its sentences (ingest/periods.py), which only this walk over
        the whole report can tell (a chunk may start in a paragraph or section whose opening names the period)."""
        periods = annotate_chunks(self.text, self.reports, self.chunks)
        return [{**c.metadata(), **periods.get(c.chunk_id, {})} for c in self.chunks]

    def record(self) -> dict:
        """What the manifest keeps about a document (what `ingest list` and the library page show)."""
        return {"file": self.file, "name": self.name, "reports": [
            {"title": r.title, "org": r.org, "year": r.year, "place": r.place, "level": r.level, "kind": r.kind,
             "sections": sorted({c.section_type for c in self.chunks if c.report_index == r.index}),
             "chunks": sum(1 for c in self.chunks if c.report_index == r.index)} for r in self.reports]}


    def text_record(self) -> dict:
        """What `ingest show` and the 资料库 page show of the text itself: each report's cleaned text."""
        return {"doc_id": self.doc_id, "file": self.file, "ocr_spans": [list(s) for s in self.ocr_spans],
                "reports": [{"title": r.title, "org": r.org, "year": r.year, "start": r.start, "end": r.end,
                             "text": self.text[r.start:r.end]} for r in self.reports]}


def document_id(raw: bytes) -> str:
    """A document's id is its content hash: the same bytes ingested twice are one document."""
    return hashlib.sha256(raw).hexdigest()[:16]


def clean_segments(segments) -> tuple[str, list[tuple[int, int]]]:
    """The cleaned text of a document's segments, and the spans of it that came from OCR."""
    parts: list[str] = []
    ocr_spans: list[tuple[int, int]] = []
    position = 0
    for segment in segments:
        cleaned = clean_text(segment.text)
        if not cleaned:
            continue
        if parts:
            position += 1  # the newline that joins it to the previous part
        if segment.source == "ocr":
            ocr_spans.append((position, position + len(cleaned)))
        parts.append(cleaned)
        position += len(cleaned)
    return "\n".join(parts), ocr_spans


def prepare_document(path: str | Path, options=None, on_page=None) -> PreparedDocument:
    """Load, clean, structure and chunk one file; ``options``: :class:`IngestOptions` or the ``ingest`` settings
    section; ``on_page`` as in :func:`load_segments`."""
    options = options or IngestOptions()
    path = Path(path)
    text, ocr_spans = clean_segments(load_segments(path, options, on_page))
    reports = parse_document(text)
    doc_id = document_id(path.read_bytes())
    chunks = chunk_reports(doc_id, text, reports, options.chunk_min, options.chunk_max)
    if not chunks:
        raise LoadError("没有找到可索引的正文")
    for chunk in chunks:
        if any(start < chunk.end and chunk.start < end for start, end in ocr_spans):
            chunk.source = "ocr"
    return PreparedDocument(doc_id, str(path.resolve()), path.name, text, reports, chunks, ocr_spans)


def expand_paths(paths: list[str | Path]) -> list[Path]:
    """Files as given, and supported files inside given folders (sorted, so runs are repeatable; links leaving a
    folder and non-regular files left out: see :func:`ingest.sources.collect_files` for the reasons)."""
    return collect_files(paths)[0]


class _Progress:
    """A tqdm bar over the bytes of the files still to import: files found already imported (a resumed batch) or
    unreadable leave the total instead of advancing it, so the ETA is the time the remaining work will take."""

    def __init__(self, files: list[Path]):
        from tqdm import tqdm

        self.sizes = [p.stat().st_size if p.is_file() else 0 for p in files]
        self.bar = tqdm(total=sum(self.sizes), desc="导入", unit="B", unit_scale=True)
        self.previous: tuple[int, int] | None = None

    def _settle(self, added_chunks: int) -> None:
        """Count the previous file as done if it added chunks, else take it out of the total."""
        if self.previous is not None:
            j, before = self.previous
            if added_chunks > before:
                self.bar.update(self.sizes[j])
            else:
                self.bar.total -= self.sizes[j]
                self.bar.refresh()

    def step(self, i: int, path: Path, added_chunks: int) -> None:
        self._settle(added_chunks)
        self.previous = (i, added_chunks)
        self.bar.set_postfix_str(f"{i + 1}/{len(self.sizes)} {path.name}"[:60])

    def close(self, added_chunks: int) -> None:
        self._settle(added_chunks)
        self.bar.close()


def ingest_paths(paths: list[str | Path], index, *, options=None, progress: bool = False, on_file=None,
                 on_page=None, max_bytes: int | None = None, stop=None) -> dict:
    """Ingest files into ``index``; returns the CLI summary (documents, added_chunks, skipped, errors).

    Every file left out is listed: refused ones (a link out of the folder, larger than ``max_bytes``, unreadable)
    under ``errors``, unsupported types found in a folder and documents already present under ``skipped``.
    ``on_file(i, n, name)`` reports progress to a UI, ``on_page(done, total, name)`` the pages of a PDF, OFD or scan
    (OCR takes seconds a page); ``progress`` shows tqdm bars on the terminal.  ``options``: the ``ingest`` settings
    section (chunk sizes, timeouts and OCR limits; defaults: :class:`IngestOptions`).  ``stop()`` is asked before
    each file: once it says True the batch ends there (the documents finished stay, the rest are listed under
    ``skipped`` as not imported and ``cancelled`` is set), so a cancelled import resumes where it stopped.
    """
    files, skips = collect_files(paths, max_bytes)
    summary: dict = {"documents": [], "added_chunks": 0,
                     "skipped": [{"file": k.file, "reason": k.reason} for k in skips if not k.error],
                     "errors": [{"file": k.file, "error": k.reason} for k in skips if k.error]}
    bar = _Progress(files) if progress else None
    with index.lock():
        index.recover()
        for i, path in enumerate(files):
            if stop is not None and stop():
                summary["cancelled"] = True
                summary["skipped"] += [{"file": str(p), "reason": "已取消，未导入"} for p in files[i:]]
                break
            if on_file:
                on_file(i, len(files), path.name)
            if bar:
                bar.step(i, path, summary["added_chunks"])
            try:  # a finished document is known by its bytes: a resumed batch does not even parse it again
                known = document_id(path.read_bytes())
            except OSError:
                known = None
            if known in index.documents:
                summary["skipped"].append({"file": str(path), "reason": f"已存在（doc_id {known}）", "present": True})
                continue
            pages = _PageProgress(path.name, on_page, progress)
            try:
                doc = prepare_document(path, options, pages)
            except LoadError as exc:
                summary["errors"].append({"file": str(path), "error": str(exc)})
                continue
            except Exception as exc:  # a parser bug on one odd file must not stop the batch
                summary["errors"].append({"file": str(path), "error": f"{type(exc).__name__}: {exc}"})
                continue
            finally:
                pages.close()
            if doc.doc_id in index.documents:
                summary["skipped"].append({"file": str(path), "reason": f"已存在（doc_id {doc.doc_id}）",
                                           "present": True})
                continue
            previous = index.find_file(doc.file)
            index.save_text(doc.doc_id, doc.text_record())
            ids, texts, metadatas = [c.chunk_id for c in doc.chunks], [c.text for c in doc.chunks], doc.metadatas()
            index.add_document(doc.doc_id, doc.record(), ids, texts, [c.embed_text for c in doc.chunks],
                               metadatas, [c.windows() for c in doc.chunks],
                               points=document_points(ids, texts, metadatas))
            if previous:  # the file changed: its new version is in, the old one goes
                index.remove_document(previous)
            summary["added_chunks"] += len(doc.chunks)
            summary["documents"].append({
                "doc_id": doc.doc_id, "file": str(path), "replaced": previous,
                "reports": [{k: r[k] for k in ("title", "org", "year", "chunks")} for r in doc.record()["reports"]]})
        if bar:
            bar.close(summary["added_chunks"])
    return summary


class _PageProgress:
    """Per-page progress of one file: the UI's ``on_page`` and, on a terminal, a tqdm bar for long files."""

    def __init__(self, name: str, on_page, progress: bool):
        self.name, self.on_page, self.progress, self.bar = name, on_page, progress, None

    def __call__(self, done: int, total: int) -> None:
        if self.on_page:
            self.on_page(done, total, self.name)
        if self.progress and total > 1:
            if self.bar is None:
                from tqdm import tqdm

                self.bar = tqdm(total=total, desc=f"  {self.name}", unit="页", leave=False, miniters=1)
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
