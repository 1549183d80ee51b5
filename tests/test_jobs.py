"""Imports as background jobs of the app (assistant.jobs): chats answer while an import runs, progress and ETA, one
job at a time, cancel after the current document leaving the library consistent, a re-run resumes, a job that dies
mid-document leaves nothing half-written.  Real Chroma in temp dirs, real jieba, the hash embedder (the jobs' logic,
not retrieval quality); the writer's embedder is gated so the test decides when each document may be embedded."""
from __future__ import annotations

import threading
import time

import pytest

from assistant.jobs import ImportJobs, JobBusy
from assistant.library import Library
from assistant.answer.chain import QAChain
from assistant.web.library_view import job_line

from .test_app_library import report_file


class Gated:
    """The real embedder, but each document batch waits for a permit (``allow``); records what it embedded."""

    def __init__(self, inner):
        self.inner = inner
        self.permits = threading.Semaphore(0)
        self.arrived = 0  # document batches that reached the gate
        self.batches: list[list[str]] = []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def embed_documents(self, texts):
        self.arrived += 1
        assert self.permits.acquire(timeout=120), "the test never let this document through"
        self.batches.append(list(texts))
        return self.inner.embed_documents(texts)

    def allow(self, n: int = 1) -> None:
        for _ in range(n):
            self.permits.release()

    def reached(self, n: int, timeout: float = 120) -> None:
        """Wait until the ``n``-th document batch has reached the gate."""
        deadline = time.monotonic() + timeout
        while self.arrived < n:
            assert time.monotonic() < deadline, "no document reached the embedder"
            time.sleep(0.02)


def _files(folder, n: int):
    folder.mkdir(exist_ok=True)
    names = ["东湖", "西山", "南岭", "北塘", "中原", "青石"]
    return [(report_file(folder, f"{names[i]}.txt", year=2020 + i, money=10 + i, meetings=i + 2, clues=40 + i)
             .read_text(encoding="utf-8").replace("青龙湾", names[i]), names[i]) for i in range(n)]


@pytest.fixture
def setup(make_index, embeddings, tmp_path):
    reader = make_index(tmp_path / "index")
    writer = make_index(tmp_path / "index")
    gate = Gated(embeddings)
    writer.embeddings = gate
    library = Library(reader, writer, tmp_path / "uploads", max_bytes=64 * 1024)
    paths = []
    for text, name in _files(tmp_path / "src", 5):
        path = tmp_path / "src" / f"{name}区工作汇报.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return library, gate, [(str(p), p.name) for p in paths]


def _consistent(index) -> None:
    """Every chunk the stores hold belongs to a finished document, in both stores."""
    index.refresh()
    assert index.store.count() == index.count() == index.keyword.count()
    assert index.store.doc_ids() == set(index.documents)


def test_a_chat_is_answered_while_an_import_runs(setup):
    library, gate, files = setup
    gate.allow()
    assert library.add_files(files[:1])[0].status == "added"  # the library the chat reads
    clock = [0.0]
    jobs = ImportJobs(library, clock=lambda: clock[0])
    status = jobs.start_import(files[1:4])
    assert status.active and status.kind == "import"

    gate.reached(2)
    gate.allow()  # the first document of the job goes through
    clock[0] = 30.0
    gate.reached(3)  # the second is held: the job is running
    status = jobs.status()
    assert status.state == "running" and (status.done, status.total) == (1, 3)
    assert status.eta_s == pytest.approx(60.0)  # 30 s for one document, two to go
    assert "1 / 3" in job_line(status) and "预计还需 1 分 0 秒" in job_line(status)

    qa = QAChain(library.reader, library.reader.embeddings)
    t0 = time.monotonic()
    final = [e for e in qa.answer("东湖区受理群众举报线索多少条？") if e.type == "final"][0].answer
    assert jobs.status().active  # answered while the import was still running…
    assert time.monotonic() - t0 < 60
    assert not final.refused and "40" in final.text  # …from the library, with its figure
    hits = library.reader.search("东湖 宣传覆盖面不广", 3)
    assert hits and hits[0].meta["doc_id"] in library.reader.documents

    gate.allow(2)
    status = jobs.wait(120)
    assert status.state == "done" and [o.status for o in status.outcomes] == ["added"] * 3
    assert "导入完成：已导入 3" in job_line(status)
    assert len(library.documents()) == 4
    _consistent(library.reader)


def test_one_job_at_a_time(setup):
    library, gate, files = setup
    jobs = ImportJobs(library)
    jobs.start_import(files[:2])
    gate.reached(1)
    with pytest.raises(JobBusy, match="已有导入任务在进行"):
        jobs.start_import(files[2:])
    with pytest.raises(JobBusy):
        jobs.start_reindex()
    with pytest.raises(ValueError):
        jobs.start_import([])
    gate.allow(2)
    assert jobs.wait(120).state == "done"
    gate.allow(1)
    assert jobs.start_import(files[2:3]).active  # free again once the first ended
    assert jobs.wait(120).state == "done"


def test_cancel_stops_after_the_current_document_and_a_rerun_resumes(setup):
    library, gate, files = setup
    jobs = ImportJobs(library)
    jobs.start_import(files[:4])
    gate.reached(1)  # the first document is being embedded
    assert jobs.cancel().state == "cancelling"
    assert "正在取消" in job_line(jobs.status())
    gate.allow()
    status = jobs.wait(120)
    assert status.state == "cancelled"
    assert [o.status for o in status.outcomes] == ["added", "not_added", "not_added", "not_added"]
    assert "已取消" in status.outcomes[1].detail and "已取消" in job_line(status)
    assert len(library.documents()) == 1  # the finished document stays…
    _consistent(library.reader)
    hits = library.reader.search("东湖区受理群众举报线索", 3)
    assert hits and hits[0].meta["doc_id"] in library.reader.documents  # …and is searchable
    assert not any(library.upload_dir.rglob("西山*"))  # the uploads left out are not kept

    embedded = len(gate.batches)
    gate.allow(3)
    status = jobs.start_import(files[:4]) and jobs.wait(120)
    assert [o.status for o in status.outcomes] == ["present", "added", "added", "added"]
    assert len(gate.batches) == embedded + 3  # the finished document was not embedded again
    assert len(library.documents()) == 4
    _consistent(library.reader)


def test_a_job_that_dies_mid_document_leaves_nothing_half_written(setup, monkeypatch):
    library, gate, files = setup
    gate.allow(2)
    real_add = library.writer.keyword.add
    calls = []

    def failing(*args, **kwargs):  # the second document's vectors are written, then its keywords fail
        calls.append(1)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_add(*args, **kwargs)

    monkeypatch.setattr(library.writer.keyword, "add", failing)
    jobs = ImportJobs(library)
    jobs.start_import(files[:3])
    status = jobs.wait(120)
    assert status.state == "failed" and "disk full" in status.message and "失败" in job_line(status)
    assert len(library.documents()) == 1
    _consistent(library.reader)  # the second document's vectors were purged


def test_reindex_runs_as_a_job_and_can_be_cancelled(setup):
    library, gate, files = setup
    gate.allow(3)
    library.add_files(files[:3])
    before = set(library.documents())
    jobs = ImportJobs(library)
    assert jobs.start_reindex().kind == "reindex"
    gate.reached(4)
    jobs.cancel()
    gate.allow()
    status = jobs.wait(120)
    assert status.state == "cancelled" and "重建索引已取消" in job_line(status)
    assert [o.status for o in status.outcomes].count("added") == 1
    assert [o.status for o in status.outcomes].count("not_added") == 2
    assert set(library.documents()) == before  # nothing lost: rebuilt or untouched
    _consistent(library.reader)


def test_recovery_reads_the_store_a_page_at_a_time(setup):
    """One ``get`` of every chunk fails at archive scale; the ids read page by page are the same."""
    library, gate, files = setup
    gate.allow(3)
    library.add_files(files[:3])
    store = library.writer.store
    whole = store.doc_ids()
    store.page = 2
    assert store.doc_ids() == whole == set(library.documents())
