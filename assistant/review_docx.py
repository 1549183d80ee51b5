"""A review written back into Word: one comment per finding, anchored at its span (python-docx ≥ 1.2 comments).

The user reads the findings in Word's review pane, beside their own text.  A .docx draft is written back as it was
(its runs split only where a span starts or ends, formatting kept); a .txt/.md draft becomes a new .docx with one
paragraph per line, so the offsets of the review's plain text — one line per paragraph, see
:func:`assistant.review.load_draft` — point at the same characters in both.
"""
from __future__ import annotations

import copy
from pathlib import Path

from .review import Finding, Review

AUTHOR, INITIALS = "汇报助手审校", "审"
KIND_LABELS = {"figure": "数字", "placeholder": "占位符", "expression": "表述", "structure": "结构", "copied": "雷同",
               "foreign_name": "他单位名称", "missing_theme": "可补充"}
SEVERITY_LABELS = {"error": "错误", "warning": "提醒", "suggestion": "建议"}


def comment_text(finding: Finding) -> str:
    """What the comment says: kind and severity, why, the suggestion, the evidence (report · section: passage)."""
    lines = [f"【{KIND_LABELS[finding.kind]}·{SEVERITY_LABELS[finding.severity]}】{finding.message}"]
    if finding.suggestion:
        lines.append(f"建议：{finding.suggestion}")
    for e in finding.evidence:
        where = " · ".join(x for x in (e.report_title, e.section_path) if x)
        lines.append(f"依据：{where}：{e.text[:160]}")
    return "\n".join(lines)


def _split_at(paragraph, k: int) -> None:
    """Split the run holding character ``k`` of ``paragraph`` so that a run starts at ``k`` (formatting copied)."""
    from docx.text.run import Run

    pos = 0
    for run in paragraph.runs:
        text = run.text
        if pos < k < pos + len(text):
            twin = copy.deepcopy(run._r)
            run._r.addnext(twin)
            run.text = text[:k - pos]
            Run(twin, paragraph).text = text[k - pos:]
            return
        pos += len(text)


def _isolate(paragraph, start: int, end: int) -> list:
    """The runs covering characters [start, end) of ``paragraph``, split out of their neighbours; the whole
    paragraph's runs when its text is not made of plain runs alone (a hyperlink, a field)."""
    runs = paragraph.runs
    if "".join(r.text for r in runs) != paragraph.text:
        return runs
    _split_at(paragraph, start)
    _split_at(paragraph, end)
    out, pos = [], 0
    for run in paragraph.runs:
        if start <= pos < end and run.text:
            out.append(run)
        pos += len(run.text)
    return out


def write_review_docx(review: Review, out: str | Path, source: str | Path | None = None) -> Path:
    """Write ``review``'s findings as Word comments: into a copy of ``source`` when it is a .docx (its paragraphs
    must be the review's text), else into a new document of the review's text."""
    import docx

    if source is not None and Path(source).suffix.lower() == ".docx":
        document = docx.Document(str(source))
        if "\n".join(p.text for p in document.paragraphs) != review.text:
            raise ValueError("Word 文件与审校的文字不一致（文件在审校后被修改过？）请重新审校")
    else:
        document = docx.Document()
        for line in review.text.split("\n"):
            document.add_paragraph(line)
    paragraphs = document.paragraphs
    starts, pos = [], 0
    for p in paragraphs:
        starts.append(pos)
        pos += len(p.text) + 1
    # Splitting a run never moves a character nor changes what an earlier comment's range covers, so comments are
    # added in text order (their ids follow the text).
    for finding in sorted(review.findings, key=lambda f: (f.start, f.end)):
        i = max(j for j, s in enumerate(starts) if s <= finding.start)
        paragraph = paragraphs[i]
        start = finding.start - starts[i]
        end = min(max(finding.end - starts[i], start + 1), len(paragraph.text))
        runs = _isolate(paragraph, start, end)
        if not runs:  # an empty paragraph: nothing to anchor at
            runs = [paragraph.add_run("")]
        document.add_comment(runs, text=comment_text(finding), author=AUTHOR, initials=INITIALS)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(out))
    return out


def read_comments(path: str | Path) -> list[dict]:
    """The comments of a .docx with the text each is anchored at, in document order: [{"text", "anchor"}].

    Reads ``w:commentRangeStart``/``End`` in the body, so it checks what Word will highlight, not what we meant."""
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(str(path))
    bodies = {c.comment_id: c.text for c in document.comments}
    anchors: dict[int, str] = {}
    open_ids: list[int] = []
    order: list[int] = []
    for element in document.element.body.iter():
        if element.tag == qn("w:commentRangeStart"):
            cid = int(element.get(qn("w:id")))
            open_ids.append(cid)
            anchors.setdefault(cid, "")
            order.append(cid)
        elif element.tag == qn("w:commentRangeEnd"):
            cid = int(element.get(qn("w:id")))
            if cid in open_ids:
                open_ids.remove(cid)
        elif element.tag == qn("w:t") and open_ids:
            for cid in open_ids:
                anchors[cid] += element.text or ""
    return [{"id": cid, "text": bodies.get(cid, ""), "anchor": anchors[cid]} for cid in order]
