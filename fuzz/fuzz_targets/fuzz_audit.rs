//! Arbitrary bytes through the audit-log parser (forced, whatever the sniffer says) and every
//! audit analysis over the result: nothing may panic, and every line is accounted for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::audit::{cost_report, history, CostQuery, GroupBy, ObjectSpec, Parser};
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
        p.line(l, LineAt { line: i as u64 + 1, offset }, &mut cx);
        offset += l.len() as u64 + 1;
    }
    let data = p.finish(&mut cx);
    assert!(events.len() == data.requests.len());
    let forced = ParsedFile {
        meta: meta.clone(),
        format: Format::AuditLog,
        detail,
        gzip: false,
        bytes_in: bytes.len() as u64,
        bytes: bytes.len() as u64,
        lines: 0,
        records,
        diags,
        notes,
        events,
        data: FormatData::Audit(data),
        source: None,
    };
    // The same bytes through the normal path (sniffing, gzip, line splitting), so a second file
    // exercises merging of requests split across files.
    let sniffed = parse_bytes(meta, bytes);
    let ds = Dataset { files: vec![forced, sniffed] };
    for by in GroupBy::ALL {
        let _ = cost_report(&ds, &CostQuery { by, top: 3, series_top: 2, ..CostQuery::default() });
    }
    let q = CostQuery {
        filters: vec![(GroupBy::User, String::new()), (GroupBy::Verb, "get".into())],
        since: Some(0),
        until: Some(i64::MAX),
        ..CostQuery::default()
    };
    let _ = cost_report(&ds, &q);
    for spec in ["namespace default", "pods/x", "a/b/c"] {
        if let Some(s) = ObjectSpec::parse(spec) {
            let _ = history(&ds, &s, 50);
        }
    }
});
