"""Running the command lines the way a script does: argv in; exit code, stdout and stderr out.

``run_cli(["-m", "ingest", …], env)`` calls the module's ``main(argv)`` in this process under ``env`` (what
``python -m`` does after start-up, without the seconds a new interpreter spends importing chromadb, torch and
jieba); ``process=True`` runs ``python -m …`` as a real process (tests marked ``processes`` keep that path covered:
``sys.exit(main())``, nothing but the exit code and the streams crossing the boundary).  Either way the result is a
:class:`subprocess.CompletedProcess`, so a test reads the same.
"""
from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def _environment(env: dict, stdin: str | None):
    saved, saved_stdin = dict(os.environ), sys.stdin
    os.environ.clear()
    os.environ.update(env)
    sys.stdin = io.StringIO(stdin or "")
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sys.stdin = saved_stdin


def run_cli(args: list[str], env: dict, *, process: bool = False, timeout: float = 600,
            input: str | None = None) -> subprocess.CompletedProcess:
    """``args`` as after ``python``: ``["-m", "assistant", "ask", …]``."""
    if process:
        return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout, input=input)
    assert args[0] == "-m", args
    main = importlib.import_module(f"{args[1]}.__main__").main
    out, err = io.StringIO(), io.StringIO()
    with _environment(env, input), redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args[2:]))
        except SystemExit as exc:  # argparse's usage errors (2) and --help (0)
            code = exc.code if isinstance(exc.code, int) else 1
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())
