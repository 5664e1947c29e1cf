//! Arbitrary bytes through the whole bundle layer (detection, gzip/xz/zstd, tar, zip, nesting,
//! not-read classification, FileIngest per member), then raw re-reads of every member's
//! events: nothing may panic, and re-reads stay within what they asked for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::{self, reread};
use whodunnit_core::FileMeta;

fuzz_target!(|bytes: &[u8]| {
    let Some((&k, rest)) = bytes.split_first() else { return };
    let meta = FileMeta { name: "given".into(), last_modified_ms: Some(1_796_011_200_000), ..FileMeta::default() };
    let files = bundle::read_bytes(meta, rest, usize::from(k) * 131 + 1);
    for f in &files {
        let ranges: Vec<(u64, u64)> = (0..f.events.len().min(4))
            .map(|i| (f.events.offset[i], u64::from(f.events.len[i])))
            .collect();
        let got = reread::from_bytes(rest, reread::Reread::new(f, &ranges));
        for ((_, l), g) in ranges.iter().zip(&got) {
            assert!(g.len() as u64 <= *l);
        }
    }
});
