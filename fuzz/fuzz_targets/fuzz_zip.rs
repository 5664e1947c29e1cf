//! Arbitrary bytes as a zip: the central directory reader (end records, zip64, entries) and
//! the local-header reader, the latter in two chunkings (events and sound entries' data, joined,
//! must agree);
//! then the whole bundle reader over the bytes as a `.zip` (directory first, local headers as
//! fallback). Nothing may panic.
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::zip::{directory, local::LocalScan};
use whodunnit_core::{bundle, FileMeta};

/// The data of an entry that ended with a problem (a corrupt deflate stream) may depend on
/// where reads ended; everything else may not.
fn sound(mut ev: Vec<(String, Vec<u8>)>) -> Vec<(String, Vec<u8>)> {
    for i in 1..ev.len() {
        if ev[i].0.starts_with("End { problem: Some") && ev[i - 1].0 == "data" {
            ev[i - 1].1.clear();
        }
    }
    ev.retain(|(k, b)| k != "data" || !b.is_empty());
    ev
}

fuzz_target!(|bytes: &[u8]| {
    let Some((&k, rest)) = bytes.split_first() else { return };
    let size = rest.len() as u64;
    if let Ok(end) = directory::find_end(&rest[rest.len().saturating_sub(directory::TAIL as usize)..], size) {
        if let directory::End::Directory { offset, size: n, .. } = end {
            if let Some(cd) = rest.get(offset as usize..(offset.saturating_add(n)) as usize) {
                let _ = directory::entries(cd, offset);
            }
        }
    }
    let _ = directory::zip64_end(rest);
    assert_eq!(
        sound(common::events::<LocalScan>(rest, rest.len().max(1))),
        sound(common::events::<LocalScan>(rest, usize::from(k % 61) + 1))
    );
    let mut z = b"PK\x03\x04".to_vec();
    z.extend_from_slice(rest);
    let meta = FileMeta { name: "f.zip".into(), ..FileMeta::default() };
    let _ = bundle::read_bytes(meta, &z, usize::from(k) * 97 + 1);
});
