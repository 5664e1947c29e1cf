//! Arbitrary bytes through the GKE cloud shape's unwrapping, then every event it yields and the
//! whole input through the audit parser and the cost report under several apiserver versions:
//! nothing may panic, and every record's range lies inside the document.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::audit::cloud::{gke, Body};
use whodunnit_core::audit::{cost_report, CostQuery, GroupBy};
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

fuzz_target!(|bytes: &[u8]| {
    let mut files = vec![parse_bytes(FileMeta::default(), bytes)];
    if let Ok(doc) = std::str::from_utf8(bytes) {
        let mut out = Vec::new();
        if gke::unwrap(doc, &mut out).is_some() {
            for r in &out {
                assert!(r.range.start <= r.range.end && r.range.end <= doc.len());
                if let Body::Event(ev) = &r.body {
                    files.push(parse_bytes(FileMeta::default(), ev.as_bytes()));
                }
            }
        }
    }
    let ds = Dataset { files };
    for v in [None, Some("1.27"), Some("1.31"), Some("1.33"), Some("1.34"), Some("v1.x")] {
        let q = CostQuery {
            by: GroupBy::Apiserver,
            top: 3,
            server_version: v.map(str::to_string),
            ..CostQuery::default()
        };
        let _ = cost_report(&ds, &q);
    }
});
