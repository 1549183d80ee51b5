"""Large imports as background jobs of the app: one at a time, with progress, an ETA and a cancel.

An upload of a few hundred reports (or a re-index of the whole library) takes far longer than a request should
block: the 资料库 tab starts a job here and polls :meth:`ImportJobs.status`, while chats and searches keep reading
the library (the job writes through the library's own *writer* index, under the single-writer lock, exactly as the
CLI would from another process).

Cancelling asks the job to stop before its next document: every document is written whole or not at all (the
manifest entry comes last), so what finished stays searchable, the rest is left out, and running the same import
again skips the finished documents by their content hash and imports the others.  Should the job die in the middle
of a document (an error, a bug), the next import's recovery purges the half-written chunks, and the job runs that
recovery itself at once.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .library import Library, Outcome

JobKind = Literal["import", "reindex"]
JobState = Literal["idle", "running", "cancelling", "done", "cancelled", "failed"]
ACTIVE: tuple[JobState, ...] = ("running", "cancelling")
KIND_NAMES = {"import": "导入", "reindex": "重建索引"}  # in the messages of a job (web/library_view.job_line)


class JobBusy(RuntimeError):
    """A second job while one runs; the message is shown to the user."""


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of the current (or last) job, safe to hand to another thread."""

    state: JobState = "idle"
    kind: JobKind | None = None
    total: int = 0  # documents in the job
    done: int = 0  # documents finished (imported, already present, refused)
    current: str = ""  # the document being read and embedded now
    pages: tuple[int, int] | None = None  # (done, total) pages of the current document, for PDFs, OFD, scans
    elapsed_s: float = 0.0
    eta_s: float | None = None  # from the mean time per finished document; None until one has finished
    outcomes: tuple[Outcome, ...] = ()  # once the job has ended
    message: str = ""

    @property
    def active(self) -> bool:
        return self.state in ACTIVE


@dataclass
class _Progress:
    """What the worker thread updates; read under the jobs' lock."""

    kind: JobKind
    started: float
    total: int = 0
    done: int = 0
    current: str = ""
    pages: tuple[int, int] | None = None
    finished_at: float | None = None
    state: JobState = "running"
    outcomes: list[Outcome] = field(default_factory=list)
    message: str = ""


class ImportJobs:
    """At most one import or re-index of ``library`` at a time, in a background thread.

    ``clock`` is injectable for tests of the ETA.
    """

    def __init__(self, library: Library, clock=time.monotonic):
        self.library = library
        self.clock = clock
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._job: _Progress | None = None
        self._thread: threading.Thread | None = None

    # --- starting ------------------------------------------------------------------------------------------
    def start_import(self, files: list[tuple[str | Path, str]]) -> JobStatus:
        """Store and import uploads (temporary path, name the browser sent) in the background."""
        if not files:
            raise ValueError("请先选择文件")
        files = list(files)
        return self._start("import", len(files), lambda stop, on_file, on_page: self.library.add_files(
            files, on_file=on_file, on_page=on_page, stop=stop))

    def start_reindex(self) -> JobStatus:
        """Rebuild every document from its source file in the background."""
        return self._start("reindex", len(self.library.documents()), lambda stop, on_file, on_page:
                           self.library.reindex(on_file=on_file, stop=stop))

    def _start(self, kind: JobKind, total: int, work) -> JobStatus:
        with self._lock:
            if self._job is not None and self._job.state in ACTIVE:
                raise JobBusy(f"已有{KIND_NAMES[self._job.kind]}任务在进行（{self._job.done} / {self._job.total}），"
                              "请等待完成或取消后再试")
            self._cancel.clear()
            self._job = job = _Progress(kind, self.clock(), total=total)
            self._thread = threading.Thread(target=self._run, args=(job, work), name=f"huibao-{kind}", daemon=True)
            self._thread.start()
        return self.status()

    # --- the worker ----------------------------------------------------------------------------------------
    def _run(self, job: _Progress, work) -> None:
        def on_file(i: int, n: int, name: str) -> None:
            with self._lock:
                job.done, job.total, job.current, job.pages = i, n, name, None

        def on_page(done: int, total: int, name: str) -> None:
            with self._lock:
                job.pages = (done, total)

        try:
            outcomes = work(self._cancel.is_set, on_file, on_page)
            state: JobState = "cancelled" if self._cancel.is_set() else "done"
            message = ""
        except Exception as exc:  # noqa: BLE001 - the job must end in a state the UI can show, never hang
            outcomes, state, message = [], "failed", f"{type(exc).__name__}: {exc}"
            self._purge_partial()
        with self._lock:
            job.outcomes, job.state, job.message = list(outcomes), state, message
            job.done = job.total if state == "done" else sum(o.status in ("added", "present", "error", "removed")
                                                             for o in outcomes)
            job.current, job.pages, job.finished_at = "", None, self.clock()

    def _purge_partial(self) -> None:
        """Remove what a document left half-written when the job died in it (the next import would too)."""
        writer = self.library.writer
        try:
            with writer.lock(wait=30):
                writer.recover()
        except Exception:  # noqa: BLE001 - the next import's recovery purges it then
            pass
        self.library.reader.refresh()

    # --- control -------------------------------------------------------------------------------------------
    def cancel(self) -> JobStatus:
        """Ask the running job to stop before its next document (no-op when none runs)."""
        with self._lock:
            if self._job is not None and self._job.state == "running":
                self._cancel.set()
                self._job.state = "cancelling"
        return self.status()

    def status(self) -> JobStatus:
        with self._lock:
            job = self._job
            if job is None:
                return JobStatus()
            now = job.finished_at if job.finished_at is not None else self.clock()
            elapsed = now - job.started
            eta = None
            if job.state in ACTIVE and 0 < job.done < job.total:
                eta = elapsed / job.done * (job.total - job.done)
            return JobStatus(job.state, job.kind, job.total, job.done, job.current, job.pages, elapsed, eta,
                             tuple(job.outcomes), job.message)

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Block until the current job ends (tests, the CLI); its status."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()


__all__ = ["ImportJobs", "JobBusy", "JobKind", "JobState", "JobStatus"]
