//! Goroutine-dump parsing throughput, side by side with panicparse in the same run.
//!
//! ```text
//! cargo run --release -p whodunnit-core --example bench_goroutines [-- MB]
//! ```
//! Builds a large dump (default 128 MB) by concatenating real corpus dumps that panicparse
//! reads without error, parses it the way the CLI does (4 MiB chunks through `FileIngest`, on
//! one thread, then cut into ranges read on every core and joined), groups it, then times
//! `panicparse -parse=false -rebase=false FILE >/dev/null` (Debian's
//! `panicparse`, `pp` upstream; override with `PEER=/path/to/pp`) on the same file.
//! Prints MB/s and goroutines/s for both and the ratio. Nothing is asserted: timing is for
//! people, not for CI.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Instant;
use whodunnit_core::format::Format;
use whodunnit_core::goroutine::{report, GoroutineQuery};
use whodunnit_core::{Dataset, FileIngest, FileMeta, FormatData, ParsedFile};

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

    // whodunnit: best of 3 (after one warm-up), parse only, on one thread and on every core
    // as the CLI reads (ranges cut where a dump starts, joined in order); then the report.
    let threads: usize = std::env::var("WHODUNNIT_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let (best, f) = best_of_3(|| parse_in_parts(&big, &[]));
    let cuts = cuts(&big, threads);
    let (best_par, f_par) = best_of_3(|| parse_in_parts(&big, &cuts));
    let goroutines = f.records;
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
        // The answer of the round before is dropped outside the timing.
        drop(rep.take());
        let t = Instant::now();
        rep = Some(report(&ds, &GoroutineQuery::default()));
        report_s = report_s.min(t.elapsed().as_secs_f64());
    }
    let rep = rep.expect("a report");
    let same = report(&Dataset { files: vec![f_par] }, &GoroutineQuery::default()) == rep;
    println!(
        "whodunnit parse:  {best:>8.3} s {:>8.1} MB/s {:>12.0} goroutines/s  ({goroutines} goroutines, {snapshots} snapshots)",
        size_mb / best,
        goroutines as f64 / best
    );
    println!(
        "whodunnit parse on {} threads ({} ranges): {best_par:>8.3} s {:>8.1} MB/s; report {}",
        threads,
        cuts.len() + 1,
        size_mb / best_par,
        if same {
            "identical to one thread's"
        } else {
            "DIFFERS from one thread's"
        }
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
            println!(
                "ratio on {threads} threads: parse {:.1}x faster than {peer}; parse+report {:.1}x faster",
                peer_s / best_par,
                peer_s / (best_par + report_s)
            );
        }
        Err(e) => println!("{peer}: not run ({e}); install Debian's panicparse or set PEER"),
    }
    let _ = std::fs::remove_file(&path);
}

/// Best time of 3 runs after a warm-up, and the last result.
fn best_of_3(mut run: impl FnMut() -> ParsedFile) -> (f64, ParsedFile) {
    let mut best = f64::MAX;
    let mut last = None;
    for i in 0..4 {
        let t = Instant::now();
        let f = run();
        if i > 0 {
            best = best.min(t.elapsed().as_secs_f64());
        }
        last = Some(f);
    }
    (best, last.expect("parsed"))
}

/// Where the CLI would cut `big` for `threads` threads: from each `len·k/threads` on, the next
/// place a part may start.
fn cuts(big: &[u8], threads: usize) -> Vec<usize> {
    let n = threads.max(1);
    let mut out: Vec<usize> = (1..n)
        .filter_map(|k| {
            let at = big.len() * k / n;
            FileIngest::part_start(Format::GoroutineDump, &big[at..]).map(|i| at + i)
        })
        .collect();
    out.dedup();
    out
}

/// `big` read like the CLI reads a file: 4 MiB chunks through `FileIngest`, each range between
/// `cuts` on a thread of its own, the parts joined in order (on one thread if they do not join).
fn parse_in_parts(big: &[u8], cuts: &[usize]) -> ParsedFile {
    let meta = |size: usize| FileMeta {
        name: "bench.txt".into(),
        size: Some(size as u64),
        ..FileMeta::default()
    };
    let mut bounds = vec![0];
    bounds.extend_from_slice(cuts);
    bounds.push(big.len());
    let mut parts: Vec<FileIngest> = std::thread::scope(|s| {
        let handles: Vec<_> = bounds
            .windows(2)
            .enumerate()
            .map(|(k, w)| {
                s.spawn(move || {
                    let mut ing = if k == 0 {
                        FileIngest::new(meta(big.len()))
                    } else {
                        FileIngest::part(meta(w[1] - w[0]), Format::GoroutineDump, w[0] as u64)
                    };
                    for chunk in big[w[0]..w[1]].chunks(4 << 20) {
                        ing.push(chunk);
                    }
                    ing
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("part"))
            .collect()
    });
    let rest = parts.split_off(1);
    let mut first = parts.pop().expect("first part");
    for p in rest {
        if !first.absorb(p) {
            eprintln!("parts did not join; reading on one thread");
            return parse_in_parts(big, &[]);
        }
    }
    first.finish()
}
