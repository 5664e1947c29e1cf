//! Timeline query cost at scale: how long one zoom/pan answer takes over millions of events.
//!
//! `cargo run --release -p whodunnit-core --example bench_timeline -- [MILLIONS]`
//!
//! The workload and what is measured: see `timeline_common` (MILLIONS million events, 10 by
//! default). The same code runs in Chromium as `bench_timeline_wasm`
//! (`tests/browser/bench-timeline.mjs`).

mod timeline_common;

use std::sync::OnceLock;
use std::time::Instant;

fn main() {
    let millions: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10.0);
    let Some(dir) = whodunnit_testdata::corpus("kubelet/sonobuoy-systemd-logs") else {
        eprintln!("no corpus (set WHODUNNIT_CORPUS or put it at ../shared/corpus)");
        std::process::exit(2);
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    let files = paths
        .iter()
        .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
        .collect();
    let (ds, what) = timeline_common::dataset(files, millions);
    let clock = timeline_common::Clock {
        wall: wall_ms,
        cpu: Some(thread_cpu_ms),
    };
    print!("{}", timeline_common::run(&ds, &what, &clock));
}

fn wall_ms() -> f64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// CPU time of this thread (the scheduler's accounting, updated at ticks: meaningful over
/// many calls), in ms.
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}
