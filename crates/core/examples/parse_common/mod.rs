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

/// What a round parses: the file's bytes, or (`BENCH_AHEAD`) the ingest and read-ahead batches
/// made from them before the clock starts.
pub enum Input {
    Whole,
    Ahead(
        Box<whodunnit_core::FileIngest>,
        Vec<whodunnit_core::ingest::Batch>,
    ),
}

/// The round's input, made untimed: with `ahead`, the file split into read-ahead batches
/// ([`whodunnit_core::FileIngest::ahead`]) where it has a read-ahead (a node log, a gzipped file).
pub fn prepare(bytes: &[u8], ahead: bool) -> Input {
    ahead
        .then(|| batches(bytes))
        .flatten()
        .map_or(Input::Whole, |(ing, b)| Input::Ahead(Box::new(ing), b))
}

fn batches(
    bytes: &[u8],
) -> Option<(
    whodunnit_core::FileIngest,
    Vec<whodunnit_core::ingest::Batch>,
)> {
    let meta = whodunnit_core::FileMeta {
        name: "bench.log".into(),
        size: Some(bytes.len() as u64),
        last_modified_ms: None,
    };
    let mut ing = whodunnit_core::FileIngest::new(meta);
    let mut chunks = bytes.chunks(SLICE);
    let mut ahead = loop {
        ing.push(chunks.next()?);
        if let Some(a) = ing.ahead() {
            break a;
        }
    };
    let mut out = Vec::new();
    for c in chunks {
        let mut b = whodunnit_core::ingest::Batch::default();
        ahead.batch(c, &mut b);
        out.push(b);
    }
    let mut b = whodunnit_core::ingest::Batch::default();
    ahead.finish(&mut b);
    out.push(b);
    Some((ing, out))
}

/// Parse a round's input (the timed part); (records, timeline events). An `Ahead` input is only
/// the parser's side of a read-ahead.
pub fn run(bytes: &[u8], input: Input) -> (u64, usize) {
    match input {
        Input::Whole => parse(bytes),
        Input::Ahead(mut ing, batches) => {
            for b in &batches {
                ing.push_batch(b);
            }
            let f = ing.finish();
            (f.records, f.events.len())
        }
    }
}
