//! The browser worker's parse, natively: one file read from memory through `BundleReader` in
//! the worker's 4 MiB slices, timed per round. Its wasm twin is `bench_parse_wasm`; run both
//! with `node tests/browser/bench-parse.mjs FILE` (see there).

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
        let t = std::time::Instant::now();
        let got = parse_common::parse(&bytes);
        print!(
            "{}",
            parse_common::line(round, t.elapsed().as_secs_f64() * 1e3, bytes.len(), got)
        );
    }
}
