//! The browser worker's parse, natively: one file read from memory through `BundleReader` in
//! the worker's 4 MiB slices, timed per round. Its wasm twin is `bench_parse_wasm`; run both
//! with `node tests/browser/bench-parse.mjs FILE` (see there). With `BENCH_AHEAD=1`, a node log
//! or gzipped file is first split into read-ahead batches (untimed) and only the parser's side
//! is timed: what a load would cost if the splitting ran on another core for free.

mod parse_common;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: bench_parse FILE [ROUNDS]");
        std::process::exit(2);
    };
    let rounds: u32 = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    });
    for round in 1..=rounds {
        let ahead = std::env::var_os("BENCH_AHEAD").is_some_and(|v| !v.is_empty());
        let batches = if ahead {
            parse_common::batches(&bytes)
        } else {
            None
        };
        let t = std::time::Instant::now();
        let got = match batches {
            Some(b) => parse_common::parse_batches(b),
            None => parse_common::parse(&bytes),
        };
        print!(
            "{}",
            parse_common::line(round, t.elapsed().as_secs_f64() * 1e3, bytes.len(), got)
        );
    }
}
