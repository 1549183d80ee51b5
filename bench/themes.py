"""Themes over a large library: wall time, CPU time and peak memory of ``build_themes`` per section type.

    python bench/themes.py --db /tmp/huibao-100k [--sections problems plans progress] [--max-cluster-points N] [--json]

Each section runs in a fresh process (peak RSS is per process), opened as the CLI opens the library (settings from
the environment, ``--db`` for the store).  Printed per section: points, themes, the read of the points, their vectors
(stored, from stored sentence vectors, or embedded), the clustering, the whole call; CPU seconds (user + system, all
threads: a busy machine inflates wall time, not this) and peak RSS.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(db: str, section: str, limit: int | None) -> dict:
    import assistant.themes as themes
    from assistant.service import make_store
    from assistant.settings import load_settings

    settings = load_settings(db)
    if limit is not None:
        settings.themes.max_cluster_points = limit
    index = make_store(settings)
    laps: dict[str, float] = {}

    def timed(name, fn):
        def run(*args, **kwargs):
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                laps[name] = laps.get(name, 0.0) + time.perf_counter() - start
        return run

    themes.extract_points = timed("read", themes.extract_points)
    themes._vectors = timed("vectors", themes._vectors)
    themes._cluster = timed("cluster", themes._cluster)
    themes._cluster_bounded = timed("cluster", themes._cluster_bounded)
    wall, cpu = time.perf_counter(), _cpu()
    result = themes.build_themes(index, section, settings=settings.themes)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    return {"section": section, "points": sum(len(t.points) for t in result.themes), "themes": len(result.themes),
            "themes_2plus": sum(t.reports >= 2 for t in result.themes),
            "read_s": round(laps.get("read", 0), 1), "vectors_s": round(laps.get("vectors", 0), 1),
            "cluster_s": round(laps.get("cluster", 0), 1), "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "rss_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--sections", nargs="+", default=["problems", "plans", "progress"])
    parser.add_argument("--max-cluster-points", type=int, help="override HUIBAO_THEMES__MAX_CLUSTER_POINTS")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.db, args.child, args.max_cluster_points)))
        return 0
    rows = []
    for section in args.sections:
        cmd = [sys.executable, __file__, "--db", args.db, "--child", section]
        if args.max_cluster_points is not None:
            cmd += ["--max-cluster-points", str(args.max_cluster_points)]
        out = subprocess.run(cmd, capture_output=True, text=True)
        if out.returncode:
            print(out.stderr[-3000:], file=sys.stderr)
            return out.returncode
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        if not args.json:
            print(rows[-1], file=sys.stderr, flush=True)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("| " + " | ".join("---" for _ in keys) + " |")
    for row in rows:
        print("| " + " | ".join(str(row[k]) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
