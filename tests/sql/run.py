#!/usr/bin/env python3
"""The shipped queries (sql/) over `whodunnit export --parquet` give the CLI's numbers, on DuckDB
and on Spark SQL.

For each dataset (the project's audit fixtures and cloud shapes, the corpus's audit files, the
live control-plane recording, and a >= 1 M-request log generated from its events into
target/scale), export it, run `whodunnit audit --json` on the same files, and check, per user,
that sql/cost_by_user.sql gives exactly the CLI's rows (requests, timed, untimed, query time,
percentiles, errors, LISTs from etcd / cache / unknown, long-running) and that
sql/list_sources.sql gives the CLI's LIST patterns (source and what decided it). Then the schema
versioning check: a file of a later schema version (one more column) beside a v1 file does not
break the queries. Spark runs the same checks (local[2]) unless --no-spark.

  WHODUNNIT_SQL_PYTHON=/opt/wasm-tools/sql-venv/bin/python (setup.sh installs it)
  $WHODUNNIT_SQL_PYTHON tests/sql/run.py [--no-spark] [--min-requests N]

Closes with `sql: N passed, N failed`.
"""
import argparse
import json
import math
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
OUT = ROOT / "target/sql"
SQL = ROOT / "sql"

# Exact integer columns of sql/cost_by_user.sql that equal the CLI's CostRow fields.
EXACT = ["requests", "timed", "untimed", "query_time_us", "p50_us", "p95_us", "p99_us", "max_us",
         "errors_4xx", "errors_5xx", "throttled_429", "lists", "lists_etcd", "lists_cache",
         "lists_unknown", "lists_etcd_time_us", "long_running", "long_running_us"]
CLOSE = ["share", "mean_in_flight"]

passed, failed = 0, 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {what}", flush=True)
    else:
        failed += 1
        print(f"FAIL {what}", flush=True)


def corpus():
    p = pathlib.Path(os.environ.get("WHODUNNIT_CORPUS", ROOT.parent / "shared/corpus"))
    if p.is_dir():
        return p
    if os.environ.get("CI") == "true":
        sys.exit(f"the shared corpus is missing at {p} (CI=true: CI always has it)")
    print(f"skipping datasets that need the shared corpus: not found at {p} "
          "(set WHODUNNIT_CORPUS to its path)")
    return None


def run(cmd):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"{' '.join(map(str, cmd))}: exit {r.returncode}\n{r.stderr}")
    return r.stdout


def datasets(min_requests):
    fx = ROOT / "tests/fixtures/audit"
    sets = [
        ("fixtures", sorted(str(p) for p in fx.iterdir()
                            if p.is_file() and p.suffix in (".log", ".jsonl", ".json", ".gz")), "none"),
        ("cloud", sorted(str(p) for p in (fx / "cloud").glob("*.gz")), "none"),
    ]
    c = corpus()
    if c:
        sets.append(("corpus-audit", sorted(str(p) for p in (c / "audit").glob("*.json")), "none"))
        sets.append(("live-controlplane", [str(c / "live-controlplane/audit.log.gz")], "hour"))
        t = time.time()
        big = run(["cargo", "run", "-q", "--release", "--locked", "-p", "whodunnit-testdata",
                   "--bin", "scale-audit", "--", min_requests]).strip()
        print(f"generated {big} ({os.path.getsize(big) / 1e6:.0f} MB) in {time.time() - t:.1f}s")
        sets.append((f"scale-{min_requests}", [big], "hour"))
    return sets


def export(name, files, partition):
    out = OUT / name
    shutil.rmtree(out, ignore_errors=True)
    t = time.time()
    m = json.loads(run([BIN, "export", "--parquet", out, "--partition", partition,
                        "--tables", "audit-requests", "--json", *files]))
    export_s = time.time() - t
    t = time.time()
    rep = json.loads(run([BIN, "audit", "--json", "--top", "100000000", "--examples", "0", *files]))
    audit_s = time.time() - t
    mb = m["input_bytes"] / 1e6
    rows = m["tables"][0]["rows"]
    print(f"{name}: {rows} requests, {mb:.1f} MB in; export {export_s:.2f}s, audit {audit_s:.2f}s; "
          f"{m['tables'][0]['bytes']} Parquet bytes")
    return out, rep


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return int(a) == int(b)


def check_users(engine, name, rep):
    rows = {r["user_key"]: r for r in engine.query((SQL / "cost_by_user.sql").read_text())}
    cli = {r["key"]: r for r in rep["rows"]}
    check(set(rows) == set(cli), f"{engine.name} {name}: the CLI's {len(cli)} users")
    bad = []
    for user, c in cli.items():
        s = rows.get(user)
        if s is None:
            continue
        for f in EXACT + CLOSE:
            if not same(s[f], c[f]):
                bad.append(f"{user}.{f}: sql {s[f]} cli {c[f]}")
    check(not bad, f"{engine.name} {name}: per-user requests, query time, percentiles, errors, "
                   f"LIST etcd/cache/unknown, long-running equal the CLI" + "".join(
                       f"\n     {b}" for b in bad[:10]))
    t = rep["totals"]
    tot = {k: sum(int(r[k]) for r in rows.values())
           for k in ("requests", "query_time_us", "lists_etcd", "lists_cache")}
    check(all(tot[k] == t[k] for k in tot),
          f"{engine.name} {name}: totals {tot} equal the CLI's")


def check_patterns(engine, name, rep):
    rows = {(r["user_key"], r["resource_key"], r["list_class"]): r
            for r in engine.query((SQL / "list_sources.sql").read_text())}
    bad = []
    for p in rep["list_model"]["patterns"]:
        s = rows.get((p["user"], p["resource"], p["class_label"]))
        if s is None:
            bad.append(f"missing {p['user']} {p['resource']} {p['class_label']}")
            continue
        for f, g in (("lists", "lists"), ("query_time_us", "query_time_us"),
                     ("list_source", "source"), ("decided_by", "decided_by"),
                     ("annotated_etcd", "annotated_etcd"), ("annotated_other", "annotated_other")):
            if str(s[f]) != str(p[g]):
                bad.append(f"{p['user']} {p['resource']} {p['class_label']}.{f}: sql {s[f]} cli {p[g]}")
    check(not bad, f"{engine.name} {name}: {len(rep['list_model']['patterns'])} LIST patterns "
                   "(source, decided by) equal the CLI's" + "".join(f"\n     {b}" for b in bad[:10]))


def schema_evolution(duck, engines, out, rep):
    """A v2 file (one more column, schema version 2 in its metadata) beside the v1 export."""
    kv = duck.query(f"SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata("
                    f"'{out}/audit_requests/**/*.parquet') WHERE decode(key) LIKE 'whodunnit.%'")
    versions = {r["v"] for r in kv if r["k"] == "whodunnit.schema_version"}
    check(versions == {"1"}, f"schema version in the Parquet key-value metadata: {versions}")
    mixed = OUT / "schema-evolution"
    shutil.rmtree(mixed, ignore_errors=True)
    (mixed / "audit_requests").mkdir(parents=True)
    for f in (out / "audit_requests").rglob("*.parquet"):
        shutil.copy(f, mixed / "audit_requests" / ("v1-" + f.name))
    duck.con.execute(
        f"COPY (SELECT *, 'later' AS added_in_v2 FROM read_parquet('{out}/audit_requests/**/*.parquet')) "
        f"TO '{mixed}/audit_requests/v2.parquet' (FORMAT parquet, "
        "KV_METADATA {'whodunnit.schema_version': '2'})")
    for e in engines:
        e.register(mixed, ["audit_requests"])
        rows = {r["user_key"]: r for r in e.query((SQL / "cost_by_user.sql").read_text())}
        ok = all(int(rows[c["key"]]["requests"]) == 2 * c["requests"]
                 and int(rows[c["key"]]["query_time_us"]) == 2 * c["query_time_us"]
                 for c in rep["rows"])
        ok = ok and all(len(e.query((SQL / q).read_text())) >= 0 for q in ("list_sources.sql",))
        check(ok, f"{e.name}: v1 + v2 files (a column added) read together; the shipped "
                  "queries give the v1 numbers twice")


def findings_of(files, detector):
    rep = json.loads(run([BIN, "findings", "--json", *files]))
    return [f for f in rep["findings"] if f["detector"] == detector]


def check_findings_logic(engines):
    """sql/list_storm.sql, sql/not_ready_episodes.sql and sql/object_history.sql against
    `whodunnit findings` and `whodunnit audit history` on real recordings."""
    c = corpus()
    if not c:
        return
    live = [str(c / "live-controlplane/audit.log.gz")]
    sono = sorted(str(p) for p in (c / "kubelet/sonobuoy-systemd-logs").glob("*.jsonl"))
    out = OUT / "findings-logic"
    shutil.rmtree(out, ignore_errors=True)
    run([BIN, "export", "--parquet", out / "live", "--tables", "audit-requests", *live])
    run([BIN, "export", "--parquet", out / "sonobuoy", "--tables", "node-events", *sono])
    storms = findings_of(live, "list_storm")
    episodes = [f for f in findings_of(sono, "node_not_ready") if " NotReady" in f["title"]]
    hist = json.loads(run([BIN, "audit", "history", "namespace payments-legacy", "--limit",
                           "100000", "--json", *live]))
    for e in engines:
        e.register(out / "live", ["audit_requests"])
        rows = [r for r in e.query((SQL / "list_storm.sql").read_text()) if r["storm"]]
        got = [(r["user_key"], int(r["from_us"])) for r in rows]
        want = [(f["lanes"][0], f["from"]) for f in storms]
        check(got == want and len(want) > 0,
              f"{e.name}: sql/list_storm.sql storms {got} = the finding's {want}")
        h = e.query((SQL / "object_history.sql").read_text())
        got = [(r["start_us"], r["verb"], r["username"] or "", r["code"] or 0) for r in h]
        want = [(x["time"], x["verb"], x["user"], x["code"]) for x in hist["entries"]]
        check(len(h) == hist["total"] and got == want,
              f"{e.name}: sql/object_history.sql: {len(h)} requests on namespace payments-legacy "
              f"in the CLI's order (CLI: {hist['total']})")
        e.register(out / "sonobuoy", ["node_events"])
        rows = e.query((SQL / "not_ready_episodes.sql").read_text())
        got = sorted((r["node"], int(r["from_us"]), int(r["to_us"])) for r in rows)
        want = sorted((f["title"].split(" NotReady")[0], f["from"], f["to"]) for f in episodes)
        check(got == want and len(want) > 0,
              f"{e.name}: sql/not_ready_episodes.sql episodes {got} = the findings' {want}")


def check_scale_recipe(engines):
    """docs/scale.md's recipe: one export per input file, run in parallel by a Spark job
    (sql/spark_export.py) into one lake, gives the numbers of one CLI run over all the files."""
    spark = next((e for e in engines if e.name == "spark"), None)
    if spark is None:
        return
    sys.path.insert(0, str(SQL))
    import spark_export
    fx = ROOT / "tests/fixtures/audit"
    files = [str(fx / f) for f in ("audit2rbac-demo-head.log", "openshift-clo-k8s.log",
                                   "openshift-clo-crc.log", "falco-k8s-audit.jsonl")]
    lake = OUT / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    res = spark_export.run(spark.spark, files, str(lake), str(BIN), "1.30", "audit-requests")
    check(sorted(r["input"] for r in res) == sorted(files),
          f"spark: sql/spark_export.py exported {len(files)} files in parallel into one lake")
    rep = json.loads(run([BIN, "audit", "--json", "--top", "100000", "--examples", "0",
                          "--server-version", "1.30", *files]))
    for e in engines:
        e.register(lake, ["audit_requests"])
        check_users(e, "lake of per-file exports", rep)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-spark", action="store_true")
    ap.add_argument("--min-requests", type=int, default=1_000_000)
    a = ap.parse_args()
    if not BIN.exists():
        sys.exit(f"{BIN} missing: cargo build --release -p whodunnit")
    OUT.mkdir(parents=True, exist_ok=True)
    exported = [(name, *export(name, files, part))
                for name, files, part in datasets(a.min_requests)]
    engines = [DuckDB()]
    print(f"duckdb {engines[0].version}")
    timings = {}
    if not a.no_spark:
        s = Spark()
        print(f"spark {s.version} (local[2]) started in {s.startup_s:.1f}s")
        engines.append(s)
    for e in engines:
        t = time.time()
        for name, out, rep in exported:
            e.register(out, ["audit_requests"])
            q = time.time()
            check_users(e, name, rep)
            check_patterns(e, name, rep)
            print(f"     {e.name} {name}: queries {time.time() - q:.2f}s")
        timings[e.name] = time.time() - t
    check_findings_logic(engines)
    check_scale_recipe(engines)
    schema_evolution(engines[0], engines, exported[0][1], exported[0][2])
    for e in engines:
        e.close()
    print("engine time: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    print(f"sql: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
