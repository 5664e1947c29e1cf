//! Arbitrary bytes through the node-log parser (forced, whatever the sniffer says), then the
//! cross-file year pass, the templates report, the goroutine report over embedded dumps and the
//! timeline query: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::ingest::ParseCx;
use whodunnit_core::lines::LineAt;
use whodunnit_core::nodelog::{resolve_years, templates_report, Parser, TemplatesQuery};
use whodunnit_core::timeline::{query, TimelineQuery};
use whodunnit_core::{
    parse_bytes, Dataset, Diagnostics, EventStore, FileMeta, Format, FormatData, ParsedFile,
};

fuzz_target!(|bytes: &[u8]| {
    // The first byte picks a last-modified time (or none), so year assumption paths run too.
    let mtime = bytes
        .first()
        .map(|b| (*b as i64 - 128) * 86_400_000 * 97 + 1_500_000_000_000)
        .filter(|_| bytes.len() % 2 == 0);
    let meta = FileMeta {
        name: "fuzz.log".into(),
        size: None,
        last_modified_ms: mtime,
    };
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
    assert!(events
        .label
        .iter()
        .all(|&l| (l as usize) < events.labels.len()));
    let forced = ParsedFile {
        meta: meta.clone(),
        format: Format::NodeLog,
        detail,
        gzip: false,
        bytes_in: bytes.len() as u64,
        bytes: bytes.len() as u64,
        lines: 0,
        records,
        diags,
        notes,
        events,
        data: FormatData::NodeLog(data),
        source: None,
    };
    let mut ds = Dataset::default();
    ds.add(forced);
    ds.add(parse_bytes(meta, bytes));
    resolve_years(&mut ds);
    let _ = templates_report(&ds, &TemplatesQuery::default());
    // Dumps embedded in the log go through the goroutine analyses.
    let rep = whodunnit_core::goroutine::report(&ds, &Default::default());
    if rep.snapshots.len() >= 2 {
        let r = |s: &whodunnit_core::goroutine::report::SnapshotInfo| {
            whodunnit_core::goroutine::report::SnapshotRef {
                file: s.file,
                snapshot: s.snapshot,
            }
        };
        let _ = whodunnit_core::goroutine::diff(
            &ds,
            r(&rep.snapshots[0]),
            r(&rep.snapshots[rep.snapshots.len() - 1]),
            Default::default(),
        );
    }
    let _ = query(
        &ds,
        &TimelineQuery {
            bins: 50,
            max_events: 100,
            ..TimelineQuery::default()
        },
    );
});
