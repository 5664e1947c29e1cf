//! Node-log indexing throughput, side by side with lnav in the same run.
//!
//! ```text
//! cargo run --release -p whodunnit-core --example bench_nodelog [-- MB]
//! ```
//! Builds two large files at run time in the temp directory (default ~128 MB each, deleted
//! afterwards, never committed) by concatenating the corpus's `kubelet/` files, read in place (the
//! bench says so and exits without the corpus):
//! the Windows kubelet `--log-file` (klog) and the six sonobuoy `journalctl -o json` journals.
//! For each it parses the file the way the CLI does (read from disk in 4 MiB chunks through
//! `FileIngest`: sniffing, parsing, classification, template mining, one timeline event per
//! entry) on one thread, best of 3 after a warm-up; then the CLI as a user runs it, a whole
//! process on every core (`whodunnit analyze FILE --json`: the lines split ahead on a second
//! thread, `crates/cli/src/ahead.rs`; `WHODUNNIT_BIN` or target/release/whodunnit, skipped
//! when not built), best of 3; then times lnav indexing the same file fully
//! (`lnav -n -c ';SELECT count(*) FROM all_logs' FILE`, Debian's `lnav`; override with
//! `PEER=/path/to/lnav`), best of 3 after a warm-up, and prints MB/s, entries and the ratios.
//! Nothing is asserted: timing is for people, not for CI.

use std::io::{Read, Write};
use std::process::Command;
use std::time::Instant;
use whodunnit_core::{FileIngest, FileMeta};

fn build(parts: &[&str], mb: usize, name: &str) -> Option<(std::path::PathBuf, usize)> {
    let mut unit = Vec::new();
    for p in parts {
        let path = whodunnit_testdata::corpus(&format!("kubelet/{p}"))?;
        unit.extend_from_slice(&whodunnit_testdata::read(path));
        if !unit.ends_with(b"\n") {
            unit.push(b'\n');
        }
    }
    let path = std::env::temp_dir().join(name);
    let mut f = std::fs::File::create(&path).expect("create bench file");
    let mut n = 0;
    while n < mb << 20 {
        f.write_all(&unit).expect("write bench file");
        n += unit.len();
    }
    Some((path, n))
}

/// Parse like the CLI: read the file in 4 MiB chunks.
fn whodunnit(path: &std::path::Path) -> (f64, u64) {
    let t = Instant::now();
    let mut ing = FileIngest::new(FileMeta {
        name: path.display().to_string(),
        ..FileMeta::default()
    });
    let mut f = std::fs::File::open(path).expect("open");
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let n = f.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        ing.push(&buf[..n]);
    }
    let parsed = ing.finish();
    (t.elapsed().as_secs_f64(), parsed.records)
}

/// The CLI as a whole process (`analyze --json`, every core): seconds and entries read.
fn cli(bin: &str, path: &std::path::Path) -> Option<(f64, u64)> {
    let t = Instant::now();
    let out = Command::new(bin)
        .arg("analyze")
        .arg(path)
        .arg("--json")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let dt = t.elapsed().as_secs_f64();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    Some((dt, v[0]["records"].as_u64()?))
}

fn lnav(peer: &str, path: &std::path::Path) -> Option<(f64, u64)> {
    let t = Instant::now();
    let out = Command::new(peer)
        .args(["-n", "-c", ";SELECT count(*) FROM all_logs"])
        .arg(path)
        .output()
        .ok()?;
    let dt = t.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let count = text
        .lines()
        .filter_map(|l| l.trim().parse::<u64>().ok())
        .next_back()?;
    Some((dt, count))
}

fn best<T>(mut f: impl FnMut() -> Option<(f64, T)>) -> Option<(f64, T)> {
    f()?; // warm-up (page cache, lazy init)
    let mut out: Option<(f64, T)> = None;
    for _ in 0..3 {
        let r = f()?;
        if out.as_ref().is_none_or(|o| r.0 < o.0) {
            out = Some(r);
        }
    }
    out
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(128);
    let peer = std::env::var("PEER").unwrap_or_else(|_| "lnav".into());
    let bin = std::env::var("WHODUNNIT_BIN").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../target/release/whodunnit"
        )
        .into()
    });
    let inputs: [(&str, &[&str], &str); 2] = [
        (
            "klog (--log-file)",
            &["windows-kubelet-klogfile-v1.17.log"],
            "whodunnit-bench-klog.log",
        ),
        (
            "journalctl -o json",
            &[
                "sonobuoy-systemd-logs/results-0.10-ip-10-0-26-239.journal.jsonl",
                "sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl",
                "sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl",
                "sonobuoy-systemd-logs/results-0.9-ip-10-0-26-239.journal.jsonl",
                "sonobuoy-systemd-logs/results-0.9-ip-10-0-9-16.journal.jsonl",
                "sonobuoy-systemd-logs/results-0.9-ip-10-0-9-206.journal.jsonl",
            ],
            "whodunnit-bench-journal.json",
        ),
    ];
    println!("| input | tool | time (best of 3) | MB/s | entries |");
    println!("|---|---|---:|---:|---:|");
    for (label, parts, name) in inputs {
        let Some((path, bytes)) = build(parts, mb, name) else {
            return; // the skip line naming WHODUNNIT_CORPUS is printed
        };
        let size = bytes as f64 / 1e6;
        let ours = best(|| Some(whodunnit(&path))).expect("whodunnit runs");
        println!(
            "| {label}, {size:.1} MB | whodunnit, in-process, 1 thread | {:.3} s | {:.0} | {} |",
            ours.0,
            size / ours.0,
            ours.1
        );
        let process = best(|| cli(&bin, &path));
        match &process {
            Some(p) => println!(
                "| {label}, {size:.1} MB | whodunnit CLI process, every core | {:.3} s | {:.0} | {} |",
                p.0,
                size / p.0,
                p.1
            ),
            None => println!("| {label} | whodunnit CLI | not run (`{bin}` missing or failed) | | |"),
        }
        match best(|| lnav(&peer, &path)) {
            Some(theirs) => {
                println!(
                    "| {label}, {size:.1} MB | lnav | {:.3} s | {:.0} | {} |",
                    theirs.0,
                    size / theirs.0,
                    theirs.1
                );
                println!(
                    "| {label} | **ratio** | whodunnit in-process, 1 thread, is {:.2}× as fast as lnav | | |",
                    theirs.0 / ours.0
                );
                if let Some(p) = &process {
                    println!(
                        "| {label} | **ratio** | the whodunnit CLI process is {:.2}× as fast as lnav | | |",
                        theirs.0 / p.0
                    );
                }
            }
            None => println!("| {label} | lnav | not run (`{peer}` missing or failed) | | |"),
        }
        let _ = std::fs::remove_file(&path);
    }
}
