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
        let input = parse_common::prepare(&bytes, ahead);
        let t = std::time::Instant::now();
        let got = parse_common::run(&bytes, input);
        print!(
            "{}",
            parse_common::line(round, t.elapsed().as_secs_f64() * 1e3, bytes.len(), got)
        );
    }
}
