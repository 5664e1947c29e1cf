//! Arbitrary bytes as a zip: the central directory reader (end records, zip64, entries) and
//! the local-header reader, the latter in two chunkings (events and sound entries' data, joined,
//! must agree);
//! then the whole bundle reader over the bytes as a `.zip` (directory first, local headers as
//! fallback). Nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::event::Event;
use whodunnit_core::bundle::zip::{directory, local::LocalScan};
use whodunnit_core::{bundle, FileMeta};

fn events(bytes: &[u8], chunk: usize) -> Vec<(String, Vec<u8>)> {
    let mut r = LocalScan::default();
    // Data events depend on chunking: their bytes are joined.
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut f = |e: Event<'_>| match e {
        Event::Data(d) => match out.last_mut() {
            Some((l, b)) if l == "data" => b.extend_from_slice(d),
            _ => out.push(("data".into(), d.to_vec())),
        },
        e => out.push((format!("{e:?}"), Vec::new())),
    };
    for c in bytes.chunks(chunk) {
        r.push(c, &mut f);
    }
    r.finish(&mut f);
    out
}

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
        sound(events(rest, rest.len().max(1))),
        sound(events(rest, usize::from(k % 61) + 1))
    );
    let mut z = b"PK\x03\x04".to_vec();
    z.extend_from_slice(rest);
    let meta = FileMeta { name: "f.zip".into(), ..FileMeta::default() };
    let _ = bundle::read_bytes(meta, &z, usize::from(k) * 97 + 1);
});
