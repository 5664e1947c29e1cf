//! Arbitrary bytes after the zstd magic through the streaming zstd decoder, in two chunkings:
//! nothing may panic; the verdict does not depend on the chunking, nor the output of a sound
//! stream (of a corrupt one, one output is the start of the other).
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::codec::{zstd::Zstd, ZSTD_MAGIC};

fn decode(bytes: &[u8], chunk: usize) -> (Vec<u8>, Option<String>) {
    let mut d = Zstd::default();
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

fuzz_target!(|bytes: &[u8]| {
    let Some((&k, rest)) = bytes.split_first() else { return };
    let mut s = ZSTD_MAGIC.to_vec();
    s.extend_from_slice(rest);
    let (a, ea) = decode(&s, s.len());
    let (b, eb) = decode(&s, usize::from(k % 61) + 1);
    if ea.as_deref() == Some("big") || eb.as_deref() == Some("big") {
        return;
    }
    assert_eq!(ea.is_some(), eb.is_some(), "{ea:?} / {eb:?}");
    if ea.is_none() {
        assert_eq!(a, b);
    } else {
        // A corrupt stream: what came out before the damage may depend on where reads ended;
        // one output is the start of the other.
        let n = a.len().min(b.len());
        assert_eq!(a[..n], b[..n]);
    }
});
