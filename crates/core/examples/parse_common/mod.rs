//! The workload of `bench_parse` (native) and `bench_parse_wasm` (a bare wasm module): one file
//! read from memory the way the browser worker reads a dropped file.

/// The worker's slice size (`web/src/protocol.rs`: `SLICE`).
const SLICE: usize = 4 << 20;

/// Parse `bytes` as the worker parses a dropped file of that size; (records, timeline events).
pub fn parse(bytes: &[u8]) -> (u64, usize) {
    let meta = whodunnit_core::FileMeta {
        name: "bench.log".into(),
        size: Some(bytes.len() as u64),
        last_modified_ms: None,
    };
    let mut r = whodunnit_core::BundleReader::new(meta);
    while let Some((a, b)) = r.want() {
        let a = (a as usize).min(bytes.len());
        let b = (b as usize).min(bytes.len()).min(a + SLICE);
        r.feed(&bytes[a..b]);
    }
    let files = r.finish();
    (
        files.iter().map(|f| f.records).sum(),
        files.iter().map(|f| f.events.len()).sum(),
    )
}

/// One round's report line.
pub fn line(round: u32, ms: f64, len: usize, (records, events): (u64, usize)) -> String {
    format!(
        "round {round}: {ms:.1} ms, {:.0} MB/s, {records} records, {events} events\n",
        len as f64 / 1e3 / ms
    )
}
