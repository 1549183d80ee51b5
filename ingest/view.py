"""What was read from a document: each report's cleaned text and its chunks, as `ingest show` and the 资料库 print.

An official should be able to check what OCR or a conversion produced before trusting an answer drawn from it, so
the view gives the text in reading order and every chunk with its section and its source (``ocr`` or ``text``).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class ChunkView:
    chunk_id: str
    section_path: str
    section_type: str
    source: str
    text: str


@dataclass
class ReportView:
    title: str
    org: str
    year: int | None
    text: str
    chunks: list[ChunkView] = field(default_factory=list)


@dataclass
class DocumentView:
    doc_id: str
    file: str
    reports: list[ReportView]

    def to_json(self) -> dict:
        return asdict(self)

    def to_text(self) -> str:
        """Plain text for a terminal: each report's heading, its text, then its chunks with section and source."""
        out = [f"{self.file}  [{self.doc_id}]"]
        for report in self.reports:
            out += ["", f"== {report.title}（{report.org or '—'}，{report.year or '—'}）", "", report.text, "",
                    f"-- {len(report.chunks)} 段"]
            for chunk in report.chunks:
                mark = "〔OCR〕" if chunk.source == "ocr" else ""
                out.append(f"[{chunk.chunk_id}] {chunk.section_type} · {chunk.section_path or '（导语）'} {mark}")
                out.append("    " + chunk.text.replace("\n", "\n    "))
        return "\n".join(out)


def document_view(index, doc_id: str) -> DocumentView | None:
    """The view of ``doc_id`` in ``index`` (a :class:`vectorstore.index.ReportIndex`), or None when it is unknown.

    A document ingested before texts were kept shows its chunks joined as its text.
    """
    index.refresh()
    record = index.documents.get(doc_id)
    if record is None:
        return None
    stored = index.document_text(doc_id) or {}
    chunks = index.document_chunks(doc_id)
    reports = []
    for i, report in enumerate(stored.get("reports") or record.get("reports", [])):
        mine = [ChunkView(cid, meta.get("section_path", ""), meta.get("section_type", ""),
                          meta.get("source", "text"), text)
                for cid, text, meta in chunks if meta.get("report_index", 0) == i]
        text = report.get("text") or "\n".join(c.text for c in mine)
        reports.append(ReportView(report.get("title", ""), report.get("org", ""), report.get("year") or None, text,
                                  mine))
    return DocumentView(doc_id, record.get("file", ""), reports)
