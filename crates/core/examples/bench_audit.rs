//! Audit-log throughput, side by side with DuckDB's `read_json` in the same run.
//!
//! ```text
//! python3 -m venv /tmp/duck && /tmp/duck/bin/pip install duckdb
//! cargo build --release -p whodunnit
//! DUCKDB_PYTHON=/tmp/duck/bin/python cargo run --release -p whodunnit-core --example bench_audit [-- MB [THREADS]]
//! ```
//! Builds an audit log of at least MB megabytes (default 1024) at bench time from the real
//! events in tests/fixtures/audit (the four verbatim source files) with
//! `whodunnit_testdata::audit_scale`: copy k of each event gets a unique auditID (the first 8
//! hex digits replaced by k) and its timestamps shifted by k seconds, so requests stay distinct
//! and stages stay paired. The file goes to the temp dir (or `BENCH_PATH`; `ROUNDS=0` only
//! builds it) and is not kept in the repository.
//!
//! Then, once, it reads the file in-process (4 MiB chunks through `FileIngest`, one thread)
//! for the parse/report breakdown and memory per request; then, alternating `ROUNDS` times
//! (default 3), it runs the `whodunnit` CLI (`audit --by user --json`, `WHODUNNIT_THREADS =
//! THREADS`, default 1; `WHODUNNIT_BIN` or target/release/whodunnit) and DuckDB's Python
//! process (`SET threads = THREADS`) computing the same per-user request counts and query time
//! with `read_json` (the query of tests/fixtures/audit/reference.sql), both as whole processes.
//! Prints medians, the ratios, and whether the per-user numbers agree. Nothing is asserted.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::Command;
use std::time::Instant;
use whodunnit_core::audit::{cost_report, CostQuery, GroupBy};
use whodunnit_core::{Dataset, FileIngest, FileMeta, FormatData};
use whodunnit_testdata::audit_scale;

const SOURCES: &[&str] = &[
    "audit2rbac-demo-head.log",
    "openshift-clo-k8s.log",
    "openshift-clo-crc.log",
    "falco-k8s-audit.jsonl",
];

/// Bytes held by the audit store and timeline of a file (vector capacities and strings).
fn store_bytes(ds: &Dataset) -> usize {
    fn v<T>(x: &Vec<T>) -> usize {
        x.capacity() * std::mem::size_of::<T>()
    }
    let mut n = 0;
    for f in &ds.files {
        let e = &f.events;
        n += v(&e.time) + v(&e.kind) + v(&e.lane) + v(&e.label) + v(&e.line) + v(&e.offset);
        n += v(&e.len);
        n += e
            .lanes
            .strings
            .iter()
            .map(|s| s.capacity() * 2 + 32)
            .sum::<usize>();
        n += e
            .labels
            .strings
            .iter()
            .map(|s| s.capacity() * 2 + 32)
            .sum::<usize>();
        if let FormatData::Audit(d) = &f.data {
            let r = &d.requests;
            n += v(&r.received) + v(&r.done) + v(&r.user) + v(&r.groups) + v(&r.impersonated);
            n += v(&r.user_agent) + v(&r.source_ip) + v(&r.verb) + v(&r.resource);
            n += v(&r.subresource) + v(&r.api_group) + v(&r.namespace) + v(&r.name);
            n += v(&r.code) + v(&r.flags) + v(&r.limit) + v(&r.apf_pl) + v(&r.apf_fs);
            n += v(&r.line) + v(&r.offset) + v(&r.len);
            n += v(&d.latency_parts) + v(&d.open);
            // Interned strings are stored twice (table + index).
            n += d
                .strings
                .strings
                .iter()
                .map(|s| s.capacity() * 2 + 32)
                .sum::<usize>();
        }
    }
    n
}

/// CPU time (user + system) of this process in seconds, from /proc (10 ms resolution).
fn cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

const DUCK: &str = r#"
import duckdb, json, sys, time
path, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute("SET TimeZone = 'UTC'")
con.execute("SET enable_progress_bar = false")
q = """
WITH ev AS (
  SELECT auditID, stage, verb, requestURI, "user".username AS username,
    objectRef.subresource AS subresource,
    epoch_us(CAST(requestReceivedTimestamp AS TIMESTAMPTZ)) AS rr,
    epoch_us(CAST(coalesce(stageTimestamp, "timestamp") AS TIMESTAMPTZ)) AS st
  FROM read_json(?, format = 'newline_delimited', columns = {
    auditID: 'VARCHAR', stage: 'VARCHAR', verb: 'VARCHAR', requestURI: 'VARCHAR',
    "user": 'STRUCT(username VARCHAR)', objectRef: 'STRUCT(subresource VARCHAR)',
    requestReceivedTimestamp: 'VARCHAR', stageTimestamp: 'VARCHAR', "timestamp": 'VARCHAR'})
), req AS (
  SELECT auditID, any_value(username) AS username,
    coalesce(min(rr), min(st) FILTER (WHERE stage IN ('RequestReceived', 'ResponseStarted'))) AS received,
    max(st) FILTER (WHERE stage IN ('ResponseComplete', 'Panic')) AS done,
    coalesce(bool_or(coalesce(verb = 'watch' OR requestURI LIKE '%watch=true%' OR requestURI LIKE '%watch=1%'
      OR subresource IN ('exec', 'attach', 'portforward', 'proxy')
      OR (subresource = 'log' AND requestURI LIKE '%follow=true%'), false)), false) AS long_running
  FROM ev GROUP BY auditID)
SELECT coalesce(username, '(no user)'), count(*),
  coalesce(sum(done - received) FILTER (WHERE NOT long_running AND done >= received), 0)
FROM req GROUP BY 1 ORDER BY 1
"""
t, c = time.perf_counter(), time.process_time()
rows = con.execute(q, [path]).fetchall()
dt, cpu = time.perf_counter() - t, time.process_time() - c
events = con.execute("SELECT count(*) FROM read_json(?, format='newline_delimited', columns={auditID: 'VARCHAR'})", [path]).fetchone()[0]
print(json.dumps({"seconds": dt, "cpu": cpu, "events": events, "version": duckdb.__version__,
                  "rows": {u: [n, int(t)] for u, n, t in rows}}))
"#;

fn main() {
    let mut args = std::env::args().skip(1);
    let mb: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1024);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/audit/");
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for s in SOURCES {
        lines.extend(audit_scale::event_lines(
            std::fs::read(format!("{dir}{s}")).expect("fixture"),
        ));
    }
    let path = std::env::var_os("BENCH_PATH")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("whodunnit-audit-bench.log"));
    let t0 = Instant::now();
    let reuse = std::env::var_os("BENCH_REUSE").is_some()
        && std::fs::metadata(&path).is_ok_and(|m| m.len() as usize >= mb << 20);
    let (written, k) = if reuse {
        (
            std::fs::metadata(&path)
                .map(|m| m.len() as usize)
                .unwrap_or(0),
            0,
        )
    } else {
        // Copy k shifted by k seconds: a dense log, as one busy apiserver writes.
        audit_scale::write_copies(&path, &lines, 1, |bytes, _| bytes >= mb << 20).expect("write")
    };
    let size_mb = written as f64 / 1e6;
    println!(
        "input: {} ({size_mb:.1} MB, {} copies of {} real events, built in {:.1}s)",
        path.display(),
        k,
        lines.len(),
        t0.elapsed().as_secs_f64()
    );
    if std::env::var("ROUNDS").is_ok_and(|r| r == "0") {
        return; // only build the file (e.g. for tests/browser/bench-memory.mjs)
    }
    run(&path, size_mb, threads);
}

/// One whodunnit pass: parse + per-user report.
struct Ours {
    /// CPU seconds of parse + report: less sensitive than wall time to a busy machine.
    cpu_s: f64,
    parse_s: f64,
    report_s: f64,
    events: u64,
    requests: u64,
    store_bytes: usize,
    /// Peak RSS after parsing, before the JSON hand-over is measured.
    rss_mb: f64,
    per_user: BTreeMap<String, (u64, i64)>,
}

fn ours(path: &std::path::Path) -> Ours {
    // The CLI's way of reading: 4 MiB chunks through FileIngest.
    let c0 = cpu_s();
    let t = Instant::now();
    let mut f = std::fs::File::open(path).expect("open");
    let mut ing = FileIngest::new(FileMeta {
        name: path.display().to_string(),
        size: std::fs::metadata(path).ok().map(|m| m.len()),
        ..FileMeta::default()
    });
    let mut chunk = vec![0u8; 4 << 20];
    loop {
        let n = f.read(&mut chunk).expect("read");
        if n == 0 {
            break;
        }
        ing.push(&chunk[..n]);
    }
    let parsed = ing.finish();
    let parse_s = t.elapsed().as_secs_f64();
    let events = parsed.records;
    let rss_mb = peak_rss_mb();
    // What a pool of parse workers would pay to hand a ParsedFile back to the worker that
    // owns the dataset (postMessage carries strings or bytes: serialize, then deserialize).
    let (t3, c3) = (Instant::now(), cpu_s());
    let json = serde_json::to_vec(&parsed).expect("serializes");
    let ser_s = t3.elapsed().as_secs_f64();
    let t3 = Instant::now();
    let back: whodunnit_core::ParsedFile = serde_json::from_slice(&json).expect("deserializes");
    let de_s = t3.elapsed().as_secs_f64();
    println!(
        "  handing the ParsedFile to another worker as JSON: {:.1} MB, serialize {ser_s:.2}s + deserialize {de_s:.2}s (parse took {parse_s:.2}s)",
        json.len() as f64 / 1e6
    );
    drop((json, back));
    let handover_cpu = cpu_s() - c3;
    let mut ds = Dataset::default();
    ds.add(parsed);
    let t2 = Instant::now();
    let report = cost_report(
        &ds,
        &CostQuery {
            by: GroupBy::User,
            top: usize::MAX,
            examples: 0,
            ..CostQuery::default()
        },
    );
    let cpu = cpu_s() - c0 - handover_cpu;
    Ours {
        cpu_s: cpu,
        parse_s,
        report_s: t2.elapsed().as_secs_f64(),
        events,
        requests: report.totals.requests,
        store_bytes: store_bytes(&ds),
        rss_mb,
        per_user: report
            .rows
            .iter()
            .map(|r| (r.key.clone(), (r.requests, r.query_time_us)))
            .collect(),
    }
}

/// One DuckDB pass.
struct Duck {
    wall_s: f64,
    cpu_s: f64,
    events: f64,
    version: String,
    per_user: BTreeMap<String, (u64, i64)>,
}

/// One DuckDB pass, or why it could not run.
fn duck(py: &str, path: &std::path::Path, threads: usize) -> Result<Duck, String> {
    let o = Command::new(py)
        .args([
            "-c",
            DUCK,
            &path.display().to_string(),
            &threads.to_string(),
        ])
        .output()
        .map_err(|e| format!("{py}: {e}; set DUCKDB_PYTHON to a python with duckdb"))?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_string());
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).map_err(|e| e.to_string())?;
    let rows = v["rows"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, x)| {
                    (
                        k.clone(),
                        (x[0].as_u64().unwrap_or(0), x[1].as_i64().unwrap_or(0)),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Duck {
        wall_s: v["seconds"].as_f64().unwrap_or(f64::NAN),
        cpu_s: v["cpu"].as_f64().unwrap_or(f64::NAN),
        events: v["events"].as_f64().unwrap_or(0.0),
        version: v["version"].as_str().unwrap_or("?").to_string(),
        per_user: rows,
    })
}

/// One run of the `whodunnit` CLI as a user runs it (a whole process, `WHODUNNIT_THREADS`
/// threads): wall and CPU seconds and the per-user numbers of its JSON report.
fn cli(bin: &str, path: &std::path::Path, threads: usize) -> Result<Duck, String> {
    let c0 = children_cpu_s();
    let t = Instant::now();
    let o = Command::new(bin)
        .args([
            "audit",
            "--by",
            "user",
            "--top",
            "1000000",
            "--examples",
            "0",
            "--json",
        ])
        .arg(path)
        .env("WHODUNNIT_THREADS", threads.to_string())
        .output()
        .map_err(|e| format!("{bin}: {e}; build it with cargo build --release -p whodunnit"))?;
    let wall = t.elapsed().as_secs_f64();
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).into_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).map_err(|e| e.to_string())?;
    let rows = v["rows"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let key = r["key"].as_str().unwrap_or("").to_string();
                    let key = if key.is_empty() {
                        "(no user)".into()
                    } else {
                        key
                    };
                    (
                        key,
                        (
                            r["requests"].as_u64().unwrap_or(0),
                            r["query_time_us"].as_i64().unwrap_or(0),
                        ),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Duck {
        wall_s: wall,
        cpu_s: children_cpu_s() - c0,
        events: 0.0,
        version: String::new(),
        per_user: rows,
    })
}

/// CPU time (user + system) of this process's waited-for children, in seconds.
fn children_cpu_s() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(13)?.parse::<f64>().ok()? + f.get(14)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len() / 2).copied().unwrap_or(f64::NAN)
}

fn run(path: &std::path::Path, size_mb: f64, threads: usize) {
    // The machine may be shared: alternate the two tools, whole processes each (the CLI as
    // users run it, DuckDB's Python process), and report medians.
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let py = std::env::var("DUCKDB_PYTHON").unwrap_or_else(|_| "python3".into());
    let bin = std::env::var("WHODUNNIT_BIN").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/release/whodunnit"
        )
        .into()
    });
    // One in-process pass first, for the breakdown and memory per request (not compared).
    let inproc = ours(path);
    let o = &inproc;
    println!(
        "in-process, 1 thread: parse {:.2}s + per-user report {:.2}s (cpu {:.2}s), {} events, {} requests",
        o.parse_s, o.report_s, o.cpu_s, o.events, o.requests
    );
    println!(
        "  memory: store + timeline {:.1} MB = {:.0} bytes/request ({:.0} bytes/event); peak RSS {:.0} MB",
        o.store_bytes as f64 / 1e6,
        o.store_bytes as f64 / o.requests.max(1) as f64,
        o.store_bytes as f64 / o.events.max(1) as f64,
        o.rss_mb
    );
    let (mut ours_wall, mut ours_cpu, mut duck_wall, mut duck_cpu, mut duck_query) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut last_ours, mut last_duck) = (None, None);
    for round in 1..=rounds {
        match cli(&bin, path, threads) {
            Ok(c) => {
                println!(
                    "round {round}: whodunnit CLI {:.2}s (cpu {:.2}s)",
                    c.wall_s, c.cpu_s
                );
                ours_wall.push(c.wall_s);
                ours_cpu.push(c.cpu_s);
                last_ours = Some(c);
            }
            Err(e) => println!("round {round}: whodunnit CLI not run: {e}"),
        }
        let c0 = children_cpu_s();
        let t = Instant::now();
        match duck(&py, path, threads) {
            Ok(d) => {
                let wall = t.elapsed().as_secs_f64();
                let cpu = children_cpu_s() - c0;
                println!(
                    "round {round}: duckdb process {wall:.2}s (cpu {cpu:.2}s; its query alone {:.2}s)",
                    d.wall_s
                );
                duck_wall.push(wall);
                duck_cpu.push(cpu);
                duck_query.push(d.wall_s);
                last_duck = Some(d);
            }
            Err(e) => println!("round {round}: duckdb not run: {e}"),
        }
    }
    let (Some(o), Some(d)) = (last_ours, last_duck) else {
        return;
    };
    let (ow, oc, dw, dc, dq) = (
        median(ours_wall),
        median(ours_cpu),
        median(duck_wall),
        median(duck_cpu),
        median(duck_query),
    );
    println!(
        "whodunnit CLI (median of {rounds}, {threads} thread(s)): {ow:.2}s wall, {oc:.2}s cpu, {:.0} MB/s",
        size_mb / ow
    );
    println!(
        "duckdb {} (median of {rounds}, threads={threads}): {dw:.2}s wall (query alone {dq:.2}s), {dc:.2}s cpu, {:.0} MB/s, {:.0} events",
        d.version,
        size_mb / dw,
        d.events
    );
    println!(
        "ratio: whodunnit is {:.2}x DuckDB's speed by wall time (whole processes; {:.2}x against its query alone), {:.2}x by CPU time ({threads} thread(s) each)",
        dw / ow,
        dq / ow,
        dc / oc
    );
    let same = |a: bool| if a { "yes" } else { "NO" };
    println!(
        "per-user requests and query time identical: {} (DuckDB vs the CLI); {} (the CLI on {threads} thread(s) vs one thread in-process)",
        same(d.per_user == o.per_user),
        same(inproc.per_user == o.per_user)
    );
    for (u, a) in &o.per_user {
        if d.per_user.get(u) != Some(a) {
            println!("  {u}: whodunnit {a:?}, duckdb {:?}", d.per_user.get(u));
        }
    }
}
