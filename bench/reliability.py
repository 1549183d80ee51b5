"""Reliability: kill -9 an import at random moments, and many chat clients at once.

    python bench/reliability.py [--docs data/samples] [--kills 5] [--clients 8] [--chats 50] [--llm none|local]
                                [--seed 7] [--json]

1. A clean import of ``--docs`` (``python -m ingest``, a real process) gives the reference index and its duration T.
   Then ``--kills`` times: a fresh import into an empty folder is killed with SIGKILL at a random moment in
   (0.15 T, 0.95 T); what a reader sees then is checked (every document in the manifest complete: no partial document
   visible), the import is run again to the end, and the result compared with the reference: documents and their
   chunk counts, chunk ids, sentence-window ids, keyword entries, and the top-5 chunk ids of fixed queries.
2. ``app.py`` over the reference index (``--llm``: none = extractive answers, local = the GGUF) serves ``--clients``
   gradio_client clients asking at once: all must be answered; the queue position each saw, p50/max latency. Then
   ``--chats`` more questions, and the app's RSS before and after them.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = ["宣传发动不够深入", "县里为这项斗争专门投入了多少资金", "线索摸排核查", "下步工作打算", "打掉恶势力犯罪集团",
           "基层组织建设薄弱", "举报热线", "行业乱象整治"]
QUESTIONS = ["县里为这项斗争专门投入了多少资金？", "市扫黑办的举报热线收到多少举报？", "县里发了多少份宣传品？",
             "存在哪些问题？", "下一步有什么打算？", "公安局破了多少涉黑涉恶案子？", "宣传发动有什么不足？",
             "线索核查方面有什么问题？"]


def _env(llm: str = "none") -> dict:
    return {**os.environ, "HUIBAO_LLM__BACKEND": llm, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}


def _ingest_cmd(docs: str, db: Path) -> list[str]:
    return [sys.executable, "-m", "ingest", docs, "--db", str(db), "--json"]


def snapshot(db: Path, embeddings) -> dict:
    """What two imports of the same files must agree on."""
    from vectorstore.chroma import make_client
    from vectorstore.index import ReportIndex

    index = ReportIndex(db, make_client("embedded", db), embeddings)
    return {"documents": {d: rec["chunks"] for d, rec in index.documents.items()},
            "chunks": sorted(index.store.collection.get(include=[])["ids"]),
            "windows": sorted(index.store.sentences.get(include=[])["ids"]),
            "keyword": index.keyword.chunk_ids(),
            "top5": {q: [h.chunk_id for h in index.search(q, 5)] for q in QUERIES}}


def partial_visible(db: Path, embeddings) -> int:
    """Documents a reader sees in the manifest whose chunks, windows or keyword entries are not all there."""
    from vectorstore.chroma import make_client
    from vectorstore.index import ReportIndex

    index = ReportIndex(db, make_client("embedded", db), embeddings)
    bad = 0
    for doc_id, rec in index.documents.items():
        got = index.store.collection.get(where={"doc_id": doc_id}, include=[])["ids"]
        windows = index.store.sentences.get(where={"doc_id": doc_id}, include=[])["ids"]
        keyword = index.keyword.chunk_ids(doc_id)
        bad += len(got) != rec["chunks"] or len(keyword) != rec["chunks"] or not windows
    return bad


def differences(a: dict, b: dict) -> int:
    """Parts that differ (documents, chunks, windows, keyword entries) plus queries whose top 5 differ."""
    return sum(a[key] != b[key] for key in ("documents", "chunks", "windows", "keyword")) + sum(
        a["top5"][q] != b["top5"][q] for q in QUERIES)


def kill_runs(docs: str, kills: int, seed: int, work: Path, embeddings) -> tuple[dict, list[dict]]:
    clean = work / "clean"
    t0 = time.perf_counter()
    subprocess.run(_ingest_cmd(docs, clean), cwd=ROOT, env=_env(), check=True, capture_output=True)
    duration = time.perf_counter() - t0
    reference = snapshot(clean, embeddings)
    rng = random.Random(seed)
    rounds = []
    for i in range(kills):
        db = work / f"crash{i}"
        at = rng.uniform(0.15, 0.95) * duration
        proc = subprocess.Popen(_ingest_cmd(docs, db), cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(at)
        killed = proc.poll() is None
        if killed:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        complete = len(json.loads((db / "manifest.json").read_text())["documents"]) if (
            db / "manifest.json").exists() else 0
        partial = partial_visible(db, embeddings) if db.exists() else 0
        resumed = subprocess.run(_ingest_cmd(docs, db), cwd=ROOT, env=_env(), capture_output=True, text=True)
        after = snapshot(db, embeddings)
        rounds.append({"kill_at_s": round(at, 1), "killed": killed, "complete_at_kill": complete,
                       "partial_visible": partial, "resume_exit": resumed.returncode,
                       "differences": differences(reference, after)})
        shutil.rmtree(db, ignore_errors=True)
    return {"seconds": round(duration, 1), "documents": len(reference["documents"]),
            "chunks": len(reference["chunks"]), "windows": len(reference["windows"])}, rounds


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _answer_text(history) -> str:
    content = history[-1]["content"] if history else ""
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


def chat_load(db: Path, llm: str, clients: int, chats: int) -> dict:
    import httpx
    from gradio_client import Client

    from tests.conftest import free_port

    port = free_port()
    log = open(db.parent / "app.log", "wb")
    app = subprocess.Popen([sys.executable, "app.py", "--db", str(db), "--port", str(port)], cwd=ROOT,
                           env=_env(llm), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if app.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"app did not start: {(db.parent / 'app.log').read_text()[-2000:]}")
            time.sleep(1)
        Client(url, verbose=False).predict(QUESTIONS[0], [], "全部", "", api_name="/chat")  # warm
        results: list[dict] = [{} for _ in range(clients)]

        def one(i: int) -> None:
            client = Client(url, verbose=False)
            t0 = time.perf_counter()
            job = client.submit(QUESTIONS[i % len(QUESTIONS)], [], "全部", "", api_name="/chat")
            rank = 0
            while not job.done():
                status = job.status()
                rank = max(rank, getattr(status, "rank", None) or 0)
                time.sleep(0.05)
            history, _ = job.result()
            text = _answer_text(history)
            results[i] = {"seconds": time.perf_counter() - t0, "queue_rank": rank,
                          "answered": bool(text.strip()) and "检索中" not in text}

        threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(1800)
        rss_before = _rss_mib(app.pid)
        client = Client(url, verbose=False)
        t0 = time.perf_counter()
        answered = 0
        for i in range(chats):
            history, _ = client.predict(QUESTIONS[i % len(QUESTIONS)], [], "全部", "", api_name="/chat")
            answered += bool(_answer_text(history).strip())
        chat_seconds = time.perf_counter() - t0
        rss_after = _rss_mib(app.pid)
    finally:
        app.terminate()
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
        log.close()
    seconds = [r["seconds"] for r in results if r]
    return {"llm": llm, "clients": clients, "answered": sum(r.get("answered", False) for r in results),
            "max_queue_rank": max((r.get("queue_rank", 0) for r in results), default=0),
            "p50_s": round(statistics.median(seconds), 2), "max_s": round(max(seconds), 2),
            "chats": chats, "chats_answered": answered, "chat_mean_s": round(chat_seconds / max(1, chats), 2),
            "rss_before_mib": round(rss_before), "rss_after_mib": round(rss_after),
            "rss_growth_pct": round(100 * (rss_after - rss_before) / rss_before, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", default=str(ROOT / "data" / "samples"))
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--llm", choices=["none", "local"], default="none")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from assistant.service import make_embeddings_from
    from assistant.settings import load_settings

    embeddings = make_embeddings_from(load_settings())
    with tempfile.TemporaryDirectory(prefix="huibao-reliability-") as tmp:
        work = Path(tmp)
        reference, rounds = kill_runs(args.docs, args.kills, args.seed, work, embeddings)
        load = chat_load(work / "clean", args.llm, args.clients, args.chats) if args.clients else None
    out = {"reference": reference, "kills": rounds, "chat": load}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"clean import: {reference['documents']} documents, {reference['chunks']} chunks, "
          f"{reference['windows']} windows in {reference['seconds']} s\n")
    print("| kill | at (s) | killed mid-import | documents complete then | partial documents visible | "
          "resume exit | differences vs clean |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for i, r in enumerate(rounds, 1):
        print(f"| {i} | {r['kill_at_s']} | {'yes' if r['killed'] else 'no (done)'} | {r['complete_at_kill']} | "
              f"{r['partial_visible']} | {r['resume_exit']} | {r['differences']} |")
    if load:
        print(f"\n| clients ({load['llm']}) | answered | max queue position seen | p50 s | max s | "
              f"chats | RSS before → after MiB | growth |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        print(f"| {load['clients']} | {load['answered']}/{load['clients']} | {load['max_queue_rank']} | "
              f"{load['p50_s']} | {load['max_s']} | {load['chats_answered']}/{load['chats']} "
              f"({load['chat_mean_s']} s each) | {load['rss_before_mib']} → {load['rss_after_mib']} | "
              f"{load['rss_growth_pct']} % |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
