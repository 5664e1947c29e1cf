#!/usr/bin/env python3
"""Export speed and size, against `whodunnit audit` on the same file in the same run; then the
shipped queries' time on DuckDB and Spark as the export grows (docs/benchmarks.md, docs/scale.md).

  cargo build --release -p whodunnit
  /opt/wasm-tools/sql-venv/bin/python tests/sql/bench_export.py [--rounds 3] [--sizes 250000,500000,1000000]

Inputs are the logs of whodunnit_testdata::audit_scale::live_audit (copies of the live
control-plane recording's 23,100 requests, an hour apart), built into target/scale. Per round the
tools alternate (audit, export, export --partition hour) and each one's best round is kept; CPU
time and peak RSS are the child's own (wait4). Nothing is asserted.
"""
import argparse
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from engines import DuckDB, Spark  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = ROOT / "target/release/whodunnit"
OUT = ROOT / "target/sql/bench"
SQL = ROOT / "sql"


def timed(cmd):
    """Wall s, CPU s, peak RSS MB of one child."""
    t = time.time()
    p = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.time() - t
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd}: {p.stderr.read().decode()}")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024


def du(path):
    return sum(f.stat().st_size for f in pathlib.Path(path).rglob("*.parquet"))


def scale_log(n):
    return subprocess.run(["cargo", "run", "-q", "--release", "--locked", "-p", "whodunnit-testdata",
                           "--bin", "scale-audit", "--", str(n)],
                          check=True, capture_output=True, text=True).stdout.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes", default="250000,500000,1000000")
    ap.add_argument("--no-spark", action="store_true")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    logs = {n: scale_log(n) for n in sizes}
    big = logs[max(sizes)]
    mb = os.path.getsize(big) / 1e6
    tools = {
        "whodunnit audit": lambda: [BIN, "audit", "--json", big],
        "export --parquet": lambda: [BIN, "export", "--parquet", OUT / "flat", "--tables",
                                     "audit-requests", big],
        "export --parquet --partition hour": lambda: [BIN, "export", "--parquet", OUT / "hourly",
                                                      "--partition", "hour", "--tables",
                                                      "audit-requests", big],
    }
    best = {}
    for r in range(1, a.rounds + 1):
        for name, cmd in tools.items():
            w, c, rss = timed(cmd())
            print(f"round {r}: {name}: {w:.2f}s wall, {c:.2f}s cpu, {rss:.0f} MB peak RSS", flush=True)
            if name not in best or w < best[name][0]:
                best[name] = (w, c, rss)
    m = json.load(open(OUT / "flat/_whodunnit_export.json"))
    reqs = m["tables"][0]["rows"]
    flat, hourly = du(OUT / "flat/audit_requests"), du(OUT / "hourly/audit_requests")
    files = sum(1 for _ in (OUT / "hourly/audit_requests").rglob("*.parquet"))
    print(f"\ninput {big}: {mb:.0f} MB, {reqs} requests ({mb * 1e6 / reqs:.0f} bytes/request)")
    base = best["whodunnit audit"][0]
    for name, (w, c, rss) in best.items():
        print(f"{name:36s} best {w:6.2f}s  {mb / w:5.0f} MB/s  cpu {c:6.2f}s  peak RSS {rss:5.0f} MB"
              f"  ({w / base:.2f}x audit's time)")
    print(f"Parquet: {flat / 1e6:.1f} MB flat = {flat / reqs:.1f} bytes/request "
          f"({mb * 1e6 / flat:.0f}x smaller than the JSON); hourly {hourly / 1e6:.1f} MB in {files} files")

    print("\nqueries (sql/cost_by_user.sql + sql/list_sources.sql), best of 3 after one warm-up:")
    engines = [DuckDB()] + ([] if a.no_spark else [Spark()])
    for n in sizes:
        out = OUT / f"q{n}"
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([BIN, "export", "--parquet", out, "--partition", "hour", "--tables",
                        "audit-requests", logs[n]], check=True, stdout=subprocess.DEVNULL)
        rows = json.load(open(out / "_whodunnit_export.json"))["tables"][0]["rows"]
        line = f"  {rows:>9} requests, {du(out / 'audit_requests') / 1e6:6.1f} MB:"
        for e in engines:
            e.register(out, ["audit_requests"])
            ts = []
            for i in range(4):
                t = time.time()
                for q in ("cost_by_user.sql", "list_sources.sql"):
                    e.query((SQL / q).read_text())
                ts.append(time.time() - t)
            line += f"  {e.name} {min(ts[1:]):.2f}s"
        print(line, flush=True)
    for e in engines:
        e.close()


if __name__ == "__main__":
    main()
