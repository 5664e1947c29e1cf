//! What several fuzz targets check the same way: a container reader's events, and a
//! decompressor's output, must not depend on how the input was chunked. Each target includes
//! this module and uses part of it, hence the allow.
#![allow(dead_code)]

use whodunnit_core::bundle::codec::Decoder;
use whodunnit_core::bundle::event::Event;
use whodunnit_core::bundle::tar::TarReader;
use whodunnit_core::bundle::zip::local::LocalScan;
use whodunnit_core::source::Codec;

/// A streaming container reader (tar, a zip read from its start).
pub trait Container: Default {
    fn push(&mut self, chunk: &[u8], emit: &mut dyn FnMut(Event<'_>));
    fn finish(&mut self, emit: &mut dyn FnMut(Event<'_>));
}

impl Container for TarReader {
    fn push(&mut self, chunk: &[u8], emit: &mut dyn FnMut(Event<'_>)) {
        TarReader::push(self, chunk, emit)
    }
    fn finish(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        TarReader::finish(self, emit)
    }
}

impl Container for LocalScan {
    fn push(&mut self, chunk: &[u8], emit: &mut dyn FnMut(Event<'_>)) {
        LocalScan::push(self, chunk, emit)
    }
    fn finish(&mut self, emit: &mut dyn FnMut(Event<'_>)) {
        LocalScan::finish(self, emit)
    }
}

/// The events of reading `bytes` in chunks of `chunk`, each as its debug text; data events
/// are joined (where they split depends on the chunking, their bytes may not).
pub fn events<R: Container>(bytes: &[u8], chunk: usize) -> Vec<(String, Vec<u8>)> {
    let mut r = R::default();
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

/// `magic` and then the fuzz input's bytes after its first (which picks the second chunking)
/// through `codec`'s decoder whole and in chunks: the verdict does not depend on the chunking,
/// nor the output of a sound stream (of a corrupt one, one output is the start of the other).
pub fn decode_in_two_chunkings(codec: Codec, magic: &[u8], bytes: &[u8]) {
    let Some((&k, rest)) = bytes.split_first() else { return };
    let mut s = magic.to_vec();
    s.extend_from_slice(rest);
    let (a, ea) = decode(codec, &s, s.len());
    let (b, eb) = decode(codec, &s, usize::from(k % 61) + 1);
    if ea.as_deref() == Some("big") || eb.as_deref() == Some("big") {
        return;
    }
    assert_eq!(ea.is_some(), eb.is_some(), "{ea:?} / {eb:?}");
    if ea.is_none() {
        assert_eq!(a, b);
    } else {
        // What came out before the damage may depend on where reads ended.
        let n = a.len().min(b.len());
        assert_eq!(a[..n], b[..n]);
    }
}

/// Output and error of decoding `bytes` in chunks of `chunk` (error "big" past 16 MiB out).
fn decode(codec: Codec, bytes: &[u8], chunk: usize) -> (Vec<u8>, Option<String>) {
    let mut d = Decoder::new(codec);
    let mut out = Vec::new();
    for c in bytes.chunks(chunk) {
        d.push(c, &mut |b| out.extend_from_slice(b));
        if out.len() > 1 << 24 {
            return (out, Some("big".into()));
        }
    }
    d.finish(&mut |b| out.extend_from_slice(b));
    (out, d.error().map(|e| e.to_string()))
}
