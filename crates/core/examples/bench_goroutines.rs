//! Goroutine-dump parsing throughput, side by side with panicparse in the same run.
//!
//! ```text
//! cargo run --release -p whodunnit-core --example bench_goroutines [-- MB]
//! ```
//! Builds a large dump (default 128 MB) by concatenating real corpus dumps that panicparse
//! reads without error, parses it the way the CLI does (4 MiB chunks through `FileIngest`),
//! groups it, then times `panicparse -parse=false -rebase=false FILE >/dev/null` (Debian's
//! `panicparse`, `pp` upstream; override with `PEER=/path/to/pp`) on the same file.
//! Prints MB/s and goroutines/s for both and the ratio. Nothing is asserted: timing is for
//! people, not for CI.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;
use whodunnit_core::goroutine::{report, GoroutineQuery};
use whodunnit_core::{Dataset, FileIngest, FileMeta, FormatData};

/// Dumps panicparse parses to the end (so both tools read every byte).
const PARTS: &[&str] = &[
    "combinestacks_write-stacks-2.txt",
    "combinestacks_oom-panic-113-other-threads.txt",
    "gostackparse_waitsince.txt",
    "kvstore_raft_goroutines_go124_windows.txt",
    "gostackparse_cgo.txt",
    "gostackparse_frameselided_goroutine.txt",
    "gotfmt_deadlock.txt",
];

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(128);
    let Some(dir) = whodunnit_testdata::corpus("goroutines") else {
        return; // the skip line naming WHODUNNIT_CORPUS is printed
    };
    let mut unit = Vec::new();
    for p in PARTS {
        let mut b = whodunnit_testdata::read(dir.join(p));
        if !b.ends_with(b"\n") {
            b.push(b'\n');
        }
        b.push(b'\n');
        unit.extend_from_slice(&b);
    }
    let mut big = Vec::with_capacity(mb << 20);
    while big.len() < mb << 20 {
        big.extend_from_slice(&unit);
    }
    let path = std::env::temp_dir().join("whodunnit-goroutine-bench.txt");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(&big))
        .expect("write bench file");
    let size_mb = big.len() as f64 / 1e6;
    println!(
        "input: {} ({:.1} MB, {} corpus dumps concatenated)",
        path.display(),
        size_mb,
        big.len() / unit.len() * PARTS.len()
    );

    // whodunnit: best of 3 (after one warm-up), parse only, then the report.
    let mut best = f64::MAX;
    let mut goroutines = 0u64;
    let mut last = None;
    for i in 0..4 {
        let t = Instant::now();
        let mut ing = FileIngest::new(FileMeta {
            name: "bench.txt".into(),
            ..FileMeta::default()
        });
        for chunk in big.chunks(4 << 20) {
            ing.push(chunk);
        }
        let f = ing.finish();
        let dt = t.elapsed().as_secs_f64();
        if i > 0 {
            best = best.min(dt);
        }
        goroutines = f.records;
        last = Some(f);
    }
    let f = last.expect("parsed");
    let snapshots = match &f.data {
        FormatData::Goroutines(d) => d.snapshots.len(),
        _ => 0,
    };
    let ds = Dataset { files: vec![f] };
    // The report: best of `REPORT_ROUNDS` (3 unless set; more for a profiler).
    let rounds: usize = std::env::var("REPORT_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let mut report_s = f64::MAX;
    let mut rep = None;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        rep = Some(report(&ds, &GoroutineQuery::default()));
        report_s = report_s.min(t.elapsed().as_secs_f64());
    }
    let rep = rep.expect("a report");
    println!(
        "whodunnit parse:  {best:>8.3} s {:>8.1} MB/s {:>12.0} goroutines/s  ({goroutines} goroutines, {snapshots} snapshots)",
        size_mb / best,
        goroutines as f64 / best
    );
    println!(
        "whodunnit report: {report_s:>8.3} s  ({} groups, {} lock groups: grouping, locks, holders, tree)",
        rep.total_groups,
        rep.lock_groups.len()
    );

    let peer = std::env::var("PEER").unwrap_or_else(|_| {
        ["panicparse", "pp"]
            .into_iter()
            .find(|c| {
                Command::new(c)
                    .arg("-h")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok()
            })
            .unwrap_or("panicparse")
            .to_string()
    });
    let t = Instant::now();
    let status = Command::new(&peer)
        .args(["-parse=false", "-rebase=false"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let peer_s = t.elapsed().as_secs_f64();
    match status {
        Ok(_) => {
            println!(
                "{peer} (parse+group+print): {peer_s:>8.3} s {:>8.1} MB/s {:>12.0} goroutines/s",
                size_mb / peer_s,
                goroutines as f64 / peer_s
            );
            println!(
                "ratio: whodunnit parse {:.1}x faster than {peer}; parse+report {:.1}x faster",
                peer_s / best,
                peer_s / (best + report_s)
            );
        }
        Err(e) => println!("{peer}: not run ({e}); install Debian's panicparse or set PEER"),
    }
    let _ = std::fs::remove_file(&path);
}
