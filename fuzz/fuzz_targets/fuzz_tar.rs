//! Arbitrary bytes through the streaming tar reader, in two chunkings (the first byte picks
//! one): nothing may panic, and the events (data joined) do not depend on the chunking.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::tar::{sniff, TarReader};

fuzz_target!(|bytes: &[u8]| {
    let Some((&k, rest)) = bytes.split_first() else { return };
    let _ = sniff(rest);
    let whole = common::events::<TarReader>(rest, rest.len().max(1));
    let chunked = common::events::<TarReader>(rest, usize::from(k % 61) + 1);
    assert_eq!(whole, chunked);
});
