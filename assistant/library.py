"""The 资料库 behind the app: uploads kept safely on disk, ingested under the single-writer lock, listed, deleted and
re-indexed.  The UI only passes events here.

Uploaded names come from a browser and are not to be trusted: :func:`safe_name` keeps only a plain file name, so
``../../etc/passwd.txt``, ``C:\\x\\a.txt``, ``/abs/a.txt``, full-width slashes and bidi/zero-width/control characters
cannot steer where a file lands or how it looks in the list.  Files are stored as ``<upload_dir>/<content hash>/<safe
name>``: the same bytes uploaded twice land on the same path (and the index says "already present"), two different
files with the same name never overwrite each other, and the resolved path is checked to stay inside the folder.

Writes go through a second :class:`~vectorstore.index.ReportIndex` on the same data (the *writer*), exactly as the
CLI would from another process: the readers that chats use only ever swap in the writer's finished files on their
next ``refresh()``, so a chat never walks a keyword index or manifest that an ingest is changing under it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from typing import Literal
from pathlib import Path

from ingest.loaders import SUPPORTED, LoadError
from ingest.pipeline import document_id, ingest_paths, prepare_document
from vectorstore.index import IndexBusy

_FORBIDDEN = re.compile(r'[<>:"|?*\x00-\x1f]')
NAME_LIMIT = 120  # characters; 120 CJK characters are 360 bytes in UTF-8, so the stem is cut shorter below
_BYTES_LIMIT = 200  # most file systems allow 255 bytes per name


class UploadRejected(ValueError):
    """An uploaded file that is not stored: wrong type, too large, empty.  The message is shown to the user."""


def safe_name(name: str) -> str:
    """A plain file name from an untrusted one: no folders, no control or invisible characters, no leading dots.

    NFKC first, so full-width ``／`` and ``．`` become the ``/`` and ``.`` they look like and are then treated as such.
    """
    name = unicodedata.normalize("NFKC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c == " " or unicodedata.category(c)[0] not in "CZ")  # Cc Cf Co Cn Zl Zp Zs
    name = _FORBIDDEN.sub("_", name).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    suffix = suffix[:10]
    stem = stem.strip(" .") or "upload"
    while len(stem) > NAME_LIMIT or len(stem.encode()) + len(suffix) + 1 > _BYTES_LIMIT:
        stem = stem[:-1]
    return f"{stem}.{suffix}" if suffix else stem


# What happened to a file; the 资料库 page shows each as a label (web/library_view.OUTCOME_LABELS).
OutcomeStatus = Literal["added", "present", "not_added", "removed", "error"]


@dataclass
class Outcome:
    """What happened to one file: added (N chunks) / present / not added / removed / error, and why."""

    file: str
    status: OutcomeStatus
    chunks: int = 0
    detail: str = ""


class Library:
    """Upload folder + writer index over the data the chats read (``reader``)."""

    def __init__(self, reader, writer, upload_dir: str | Path, max_bytes: int, options=None,
                 cache_dirs: list[str | Path] = ()):
        self.reader, self.writer = reader, writer
        self.options = options  # the ingest settings section: chunk sizes, conversion timeout, OCR limits
        self.upload_dir = Path(upload_dir)
        # Folders where the web server keeps its own copies of uploads (Gradio's temp dir): an upload's copy there
        # is removed once stored, and any copy of a deleted document's bytes is removed with it.
        self.cache_dirs = [Path(d) for d in cache_dirs]
        self.max_bytes = int(max_bytes)
        self.last_ingest: dict | None = None  # {"chunks", "chars", "seconds"} of the last add/reindex, for 状态

    # --- uploads -------------------------------------------------------------------------------------------
    def store(self, source: str | Path, name: str | None = None) -> Path:
        """Copy an uploaded (temporary) file into the upload folder under its safe name; the stored path."""
        name = safe_name(name if name is not None else Path(source).name)
        suffix = Path(name).suffix.lower()
        if suffix not in SUPPORTED:
            raise UploadRejected(f"不支持的文件类型 {suffix or '（无扩展名）'}（支持 {' '.join(SUPPORTED)}）")
        size = os.path.getsize(source)
        if size > self.max_bytes:
            raise UploadRejected(f"文件过大：{size / 2**20:.1f} MiB，上限 {self.max_bytes / 2**20:g} MiB")
        if size == 0:
            raise UploadRejected("文件为空")
        raw = Path(source).read_bytes()
        root = self.upload_dir.resolve()
        target = (root / document_id(raw) / name).resolve()
        if not target.is_relative_to(root) or target.parent.parent != root:  # safe_name makes this unreachable
            raise UploadRejected("文件名不合法")
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists():
            tmp = target.with_name(f".{target.name}.part")
            tmp.write_bytes(raw)
            os.replace(tmp, target)
        return target

    def _discard(self, path: Path) -> None:
        """Remove a stored upload that the index does not refer to (and its folder when empty)."""
        root = self.upload_dir.resolve()
        path = Path(path).resolve()
        if path.is_relative_to(root) and path != root and self.writer.find_file(str(path)) is None:
            path.unlink(missing_ok=True)
            if path.parent != root and not any(path.parent.iterdir()):
                path.parent.rmdir()

    def _purge_copies(self, doc_id: str, size: int) -> int:
        """Remove every file in the cache folders holding the bytes of ``doc_id``; how many were removed."""
        removed = 0
        for folder in self.cache_dirs:
            for path in list(folder.rglob("*")) if folder.is_dir() else []:
                try:
                    if path.is_symlink() or not path.is_file() or path.stat().st_size != size:
                        continue
                    if hashlib.sha256(path.read_bytes()).hexdigest()[:16] == doc_id:
                        path.unlink()
                        removed += 1
                        if path.parent != folder and not any(path.parent.iterdir()):
                            path.parent.rmdir()
                except OSError:
                    continue
        return removed

    def _drop_cached(self, source: str | Path) -> None:
        """Remove the web server's temporary copy of an upload once it is stored (it would stay downloadable)."""
        path = Path(source).resolve()
        for folder in self.cache_dirs:
            root = folder.resolve()
            if path.is_relative_to(root) and path != root:
                path.unlink(missing_ok=True)
                if path.parent != root and not any(path.parent.iterdir()):
                    path.parent.rmdir()

    def _ingest(self, paths: list[Path], names: dict[str, str], on_file=None, on_page=None, stop=None
                ) -> list[Outcome]:
        """ingest_paths under the writer lock; one Outcome per path (in order), counted for the 状态 tab."""
        started = time.perf_counter()
        chars = sum(p.stat().st_size for p in paths)
        try:
            summary = ingest_paths(paths, self.writer, options=self.options, on_file=on_file, on_page=on_page,
                                   max_bytes=self.max_bytes, stop=stop)
        except IndexBusy as exc:
            return [Outcome(names[str(p)], "error", 0, str(exc)) for p in paths]
        by_file: dict[str, Outcome] = {}
        for d in summary["documents"]:
            titles = "；".join(r["title"] for r in d["reports"])
            by_file[d["file"]] = Outcome(names[d["file"]], "added", sum(r["chunks"] for r in d["reports"]),
                                         f"{len(d['reports'])} 份报告：{titles}")
        for s in summary["skipped"]:
            by_file[s["file"]] = Outcome(names[s["file"]], "present" if s.get("present") else "not_added", 0,
                                         s["reason"])
        for e in summary["errors"]:
            by_file[e["file"]] = Outcome(names[e["file"]], "error", 0, e["error"])
        self.last_ingest = {"chunks": summary["added_chunks"], "bytes": chars,
                            "seconds": round(time.perf_counter() - started, 2)}
        self.reader.refresh()
        return [by_file[str(p)] for p in paths]

    def add_files(self, files: list[tuple[str | Path, str]], on_file=None, on_page=None, stop=None
                  ) -> list[Outcome]:
        """Store and ingest uploads given as (temporary path, name the browser sent); one Outcome per file, in order.

        ``on_file(i, n, name)`` is called inside the lock before each file (the UI's progress bar), ``on_page(done,
        total, name)`` after each page of a PDF, OFD or scan (OCR takes seconds a page); ``stop()`` before each file
        ends the batch there when True (:func:`ingest.pipeline.ingest_paths`).
        """
        results: list[Outcome | Path] = []
        names: dict[str, str] = {}
        for source, name in files:
            shown = safe_name(name)
            try:
                path = self.store(source, name)
            except UploadRejected as exc:
                results.append(Outcome(shown, "error", 0, str(exc)))
                continue
            except OSError:
                results.append(Outcome(shown, "error", 0, "上传的临时文件已不存在，请重新选择文件"))
                continue
            finally:
                self._drop_cached(source)
            if str(path) in names:  # the same file twice in one batch
                results.append(Outcome(shown, "present", 0, "同一批次中重复"))
                continue
            names[str(path)] = shown
            results.append(path)
        done = iter(self._ingest([r for r in results if isinstance(r, Path)], names, on_file, on_page, stop)
                    if names else [])
        outcomes = [next(done) if isinstance(r, Path) else r for r in results]
        for r, outcome in zip(results, outcomes):
            if isinstance(r, Path) and outcome.status != "added":
                self._discard(r)
        return outcomes

    # --- the list ------------------------------------------------------------------------------------------
    def documents(self) -> dict[str, dict]:
        self.reader.refresh()
        return dict(self.reader.documents)

    def report_filter(self, key: str | None) -> dict:
        """Search filters selecting one report (doc_id + title); {} for none or a report no longer there."""
        if not key or "#" not in key:
            return {}
        doc_id, _, i = key.partition("#")
        reports = self.documents().get(doc_id, {}).get("reports", [])
        if not i.isdigit() or int(i) >= len(reports):
            return {}
        return {"doc_id": doc_id, "report_title": reports[int(i)]["title"]}

    def counts(self) -> dict:
        docs = self.documents()
        return {"documents": len(docs), "reports": sum(len(r.get("reports", [])) for r in docs.values()),
                "chunks": sum(r.get("chunks", 0) for r in docs.values())}

    def view(self, doc_id: str | None) -> dict | None:
        """What was read from a document (``ingest show --json``), or None for none or an unknown id."""
        from ingest.view import document_view

        view = document_view(self.reader, doc_id) if doc_id else None
        return view.to_json() if view else None

    # --- delete, re-index ----------------------------------------------------------------------------------
    def delete(self, doc_id: str) -> Outcome:
        """Remove a document from the index and, when it was uploaded here, its stored file."""
        try:
            with self.writer.lock():
                self.writer.refresh()
                rec = self.writer.documents.get(doc_id)
                if rec is None:
                    return Outcome(str(doc_id), "error", 0, "资料库中没有这个文档")
                self.writer.remove_document(doc_id)
        except IndexBusy as exc:
            return Outcome(str(doc_id), "error", 0, str(exc))
        stored = Path(rec["file"])
        size = stored.stat().st_size if stored.is_file() else None
        self._discard(stored)
        if size is not None:
            self._purge_copies(doc_id, size)
        self.reader.refresh()
        return Outcome(rec.get("name", doc_id), "removed", rec.get("chunks", 0), "；".join(
            r["title"] for r in rec.get("reports", [])))

    def reindex(self, on_file=None, stop=None) -> list[Outcome]:
        """Rebuild every document from its source file (after a change of chunking or parsing).

        A file is parsed before its old entry is removed, so a file that is gone or no longer parses keeps its old
        chunks instead of vanishing.  The lock is taken per document: chats keep reading the others meanwhile.  A
        document between its removal and its re-import is named in a journal beside the index, so a re-index
        killed at that moment brings it back on the next run instead of losing it.
        """
        self.writer.refresh()
        pending = self._pending()
        docs = list(self.writer.documents.items())
        docs += [(d, rec) for d, rec in pending.items() if d not in self.writer.documents]  # left by a killed run
        outcomes = []
        for i, (doc_id, rec) in enumerate(docs):
            if stop is not None and stop():  # between documents: each one is either rebuilt or untouched
                outcomes += [Outcome(r.get("name", d), "not_added", 0, "已取消，保留原索引") for d, r in docs[i:]]
                break
            if on_file:
                on_file(i, len(docs), rec.get("name", doc_id))
            path = Path(rec["file"])
            try:
                prepare_document(path, self.options)
            except (LoadError, OSError) as exc:
                outcomes.append(Outcome(rec.get("name", doc_id), "error", 0, f"保留原索引：{exc}"))
                continue
            try:
                with self.writer.lock():
                    pending[doc_id] = {"file": rec["file"], "name": rec.get("name", path.name)}
                    self._save_pending(pending)
                    self.writer.remove_document(doc_id)
            except IndexBusy as exc:
                outcomes.append(Outcome(rec.get("name", doc_id), "error", 0, str(exc)))
                break
            outcome = self._ingest([path], {str(path): rec.get("name", path.name)})
            outcomes += outcome
            if outcome[0].status != "error":
                pending.pop(doc_id, None)
                self._save_pending(pending)
        self.reader.refresh()
        return outcomes

    @property
    def _pending_path(self) -> Path:
        return Path(self.writer.path) / "reindex-pending.json"

    def _pending(self) -> dict[str, dict]:
        try:
            return json.loads(self._pending_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_pending(self, pending: dict) -> None:
        if not pending:
            self._pending_path.unlink(missing_ok=True)
            return
        tmp = self._pending_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(pending, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self._pending_path)


def gradio_temp_dir(settings) -> Path:
    """Where the web server keeps its copies of uploads and downloads: beside the index, never in /tmp."""
    return Path(settings.store.path).parent / "gradio-cache"
