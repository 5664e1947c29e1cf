//! Arbitrary bytes through the streaming tar reader, in two chunkings (the first byte picks
//! one): nothing may panic, and the events (data joined) do not depend on the chunking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::event::Event;
use whodunnit_core::bundle::tar::{sniff, TarReader};

fn events(bytes: &[u8], chunk: usize) -> Vec<(String, Vec<u8>)> {
    let mut r = TarReader::default();
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

fuzz_target!(|bytes: &[u8]| {
    let Some((&k, rest)) = bytes.split_first() else { return };
    let _ = sniff(rest);
    let whole = events(rest, rest.len().max(1));
    let chunked = events(rest, usize::from(k % 61) + 1);
    assert_eq!(whole, chunked);
});
