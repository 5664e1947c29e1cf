//! Arbitrary bytes through the goroutine-dump parser (forced, whatever the sniffer says) and
//! every analysis over the result: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::goroutine::report::SnapshotRef;
use whodunnit_core::goroutine::{diff, report, GoroutineQuery, Parser, Similarity};
use whodunnit_core::ingest::ParseCx;
use whodunnit_core::lines::LineAt;
use whodunnit_core::{
    parse_bytes, Dataset, Diagnostics, EventStore, FileMeta, Format, FormatData, ParsedFile,
};

fuzz_target!(|bytes: &[u8]| {
    let meta = FileMeta::default();
    let mut p = Parser::new(&meta);
    let mut diags = Diagnostics::default();
    let mut events = EventStore::default();
    let (mut records, mut detail, mut notes) = (0u64, String::new(), Vec::new());
    let mut cx = ParseCx {
        diags: &mut diags,
        events: &mut events,
        records: &mut records,
        detail: &mut detail,
        notes: &mut notes,
    };
    let mut offset = 0u64;
    for (i, l) in bytes.split(|&c| c == b'\n').enumerate() {
        p.line(
            l,
            LineAt {
                line: i as u64 + 1,
                offset,
            },
            &mut cx,
        );
        offset += l.len() as u64 + 1;
    }
    let data = p.finish(&mut cx);
    let forced = ParsedFile {
        meta: meta.clone(),
        format: Format::GoroutineDump,
        detail: String::new(),
        gzip: false,
        bytes_in: bytes.len() as u64,
        bytes: bytes.len() as u64,
        lines: 0,
        records,
        diags: Diagnostics::default(),
        notes: Vec::new(),
        events: EventStore::default(),
        data: FormatData::Goroutines(data),
        source: None,
    };
    // The same bytes through the normal path (sniffing, gzip, line splitting).
    let sniffed = parse_bytes(meta, bytes);
    let ds = Dataset {
        files: vec![forced, sniffed],
    };
    for similarity in [Similarity::Exact, Similarity::Pointer, Similarity::Any] {
        let _ = report(
            &ds,
            &GoroutineQuery {
                similarity,
                text: "a".into(),
                ..GoroutineQuery::default()
            },
        );
    }
    let r = |snapshot| SnapshotRef { file: 0, snapshot };
    let _ = diff(&ds, r(0), r(1), Similarity::Pointer);
});
