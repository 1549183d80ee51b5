"""What an official waits for in the browser: first page load, evidence after sending a question, and the app's memory.

    python bench/ui.py [--db data/index] [--llm local] [--runs 5] [--json] [--screens docs/screens]

Starts ``python app.py`` on a free loopback port over ``--db`` (the sample library by default), as ``make run``
does, and drives it with Playwright and Debian's chromium.  Page load: a fresh browser context (empty cache) per run,
from ``goto`` to the question box being usable.  Evidence: from pressing Enter to the first cited evidence sentence
(a ``<sup>[n]</sup>`` in the bot message) being visible; the run then waits for the whole answer, so the next question
does not compete with generation.  The first question after start (cold caches) is reported apart from the median of
the others.  RSS is read from /proc after the runs (VmRSS now, VmHWM the peak).  Timings are taken in Python around
Playwright calls: they include a few ms of round trips, i.e. they are what a person would see, not less.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.browser import VIEWPORT, launch_chromium  # noqa: E402

QUESTIONS = ["县里为这项斗争专门投入了多少资金？", "市扫黑办的举报热线收到多少举报，有多少嫌疑人自首？",
             "公安局的扫黑领导小组由谁担任组长？", "市场监管局开展了哪些行业专项整治？", "老百姓可以通过哪些途径反映黑恶问题？",
             "县里派了几个督导组下去检查，检查了几轮？", "人大调研组去了哪些地方调研？"]
GOALS = {"page_load_s": 2.0, "evidence_s": 1.5, "rss_mib": 3 * 1024}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(db: str, llm: str, port: int, log: Path) -> subprocess.Popen:
    """``python app.py`` as ``make run`` starts it; returns once it answers HTTP (or raises with its log)."""
    import httpx

    env = {**os.environ, "HUIBAO_LLM__BACKEND": llm}
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--db", db], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("app.py did not answer within 300 s")


def rss(pid: int) -> dict:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_mib": int(fields["VmRSS"].split()[0]) / 1024, "peak_rss_mib": int(fields["VmHWM"].split()[0]) / 1024}


def page_loads(browser, url: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url)
        page.locator("#question textarea").wait_for()
        times.append(time.perf_counter() - t0)
        context.close()
    return times


def ask_timed(page, question: str) -> tuple[float, float]:
    """(seconds to visible evidence, seconds to the finished answer) for one question in a new conversation."""
    page.get_by_role("button", name="新对话").click()
    page.wait_for_function("document.querySelectorAll('#chatbot sup').length === 0")  # the old answer is gone
    page.fill("#question textarea", question)
    bot = page.locator("#chatbot .message.bot, #chatbot [data-testid=bot]")
    t0 = time.perf_counter()
    page.press("#question textarea", "Enter")
    bot.last.locator("sup").first.wait_for(timeout=60_000)
    evidence = time.perf_counter() - t0
    page.wait_for_function("document.querySelector('#question textarea').value === ''", timeout=600_000)
    return evidence, time.perf_counter() - t0


def screenshots(page, folder: Path) -> list[str]:
    """The chat after an answer, and a search with its results, as the README shows them."""
    folder.mkdir(parents=True, exist_ok=True)
    ask_timed(page, QUESTIONS[0])
    page.screenshot(path=str(folder / "chat.png"))
    page.get_by_role("tab", name="检索").click()
    page.fill("#query textarea", "宣传发动不够深入")
    page.press("#query textarea", "Enter")
    page.locator("#results mark").first.wait_for()
    page.screenshot(path=str(folder / "search.png"))
    return [str(folder / "chat.png"), str(folder / "search.png")]


def summary(values: list[float]) -> dict:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3), "n": len(values)}


def run(db: str, llm: str, runs: int, screens: Path | None) -> dict:
    from playwright.sync_api import sync_playwright

    port = free_port()
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-ui-{port}.log"
    t0 = time.perf_counter()
    proc = start_app(db, llm, port, log)
    started = time.perf_counter() - t0
    url = f"http://127.0.0.1:{port}/"
    try:
        with sync_playwright() as p:
            browser = launch_chromium(p)
            loads = page_loads(browser, url, runs)
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url)
            timed = [ask_timed(page, q) for q in (QUESTIONS * 2)[: runs + 1]]
            shots = screenshots(page, screens) if screens else []
            browser.close()
        memory = rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)
    return {"llm": llm, "db": db, "app_start_s": round(started, 1), "page_load_s": summary(loads),
            "evidence_first_s": round(timed[0][0], 3), "evidence_s": summary([e for e, _ in timed[1:]]),
            "answer_s": summary([a for _, a in timed[1:]]), **{k: round(v) for k, v in memory.items()},
            "goals": GOALS, "screenshots": shots}


def table(r: dict) -> str:
    rows = [("first page load (s)", r["page_load_s"], f"≤ {GOALS['page_load_s']}"),
            ("evidence visible after sending (s)", r["evidence_s"], f"≤ {GOALS['evidence_s']}"),
            ("evidence, first question after start (s)", {"median": r["evidence_first_s"]}, ""),
            ("whole answer (s)", r["answer_s"], ""),
            ("app RSS after the runs (MiB)", {"median": r["rss_mib"]}, f"≤ {GOALS['rss_mib']}"),
            ("app peak RSS (MiB)", {"median": r["peak_rss_mib"]}, f"≤ {GOALS['rss_mib']}")]
    lines = [f"LLM backend: {r['llm']} · library: {r['db']} · app start {r['app_start_s']} s", "",
             "| measure | median | min | max | runs | goal |", "| --- | --- | --- | --- | --- | --- |"]
    for name, s, goal in rows:
        cells = [s["median"], s.get("min", ""), s.get("max", ""), s.get("n", ""), goal]
        lines.append(f"| {name} | " + " | ".join(map(str, cells)) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="data/index", help="index folder of the library (default: the sample one)")
    parser.add_argument("--llm", default="local", choices=["local", "none", "openai", "auto"])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per measure (medians)")
    parser.add_argument("--screens", type=Path, help="save chat.png and search.png here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.db, args.llm, args.runs, args.screens)
    print(json.dumps(result, ensure_ascii=False, indent=1) if args.json else table(result))


if __name__ == "__main__":
    main()
