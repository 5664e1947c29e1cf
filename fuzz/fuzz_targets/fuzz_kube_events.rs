//! Arbitrary bytes through the Kubernetes events parser (forced, whatever the sniffer says),
//! and through the registry: nothing may panic, and every line is accounted for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::ingest::ParseCx;
use whodunnit_core::kube_events::Parser;
use whodunnit_core::lines::LineAt;
use whodunnit_core::{parse_bytes, Diagnostics, EventStore, FileMeta};

fuzz_target!(|bytes: &[u8]| {
    let meta = FileMeta {
        last_modified_ms: Some(1_606_478_648_000),
        ..FileMeta::default()
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
    let mut lines = 0u64;
    for (i, l) in bytes.split(|&c| c == b'\n').enumerate() {
        p.line(l, LineAt { line: i as u64 + 1, offset }, &mut cx);
        offset += l.len() as u64 + 1;
        lines += 1;
    }
    let d = p.finish(&mut cx);
    assert_eq!(d.events.len() as u64, records);
    assert_eq!(events.len() as u64, records);
    let _ = (lines, d.continuations, d.header_lines);
    let _ = parse_bytes(meta, bytes);
});
