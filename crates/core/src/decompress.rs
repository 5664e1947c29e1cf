//! Transparent gzip: a file is gzip when it starts with the magic bytes `1f 8b`, whatever its
//! name. Decompression is streaming (chunk in, bytes out) so a `.gz` of any size is read in
//! bounded memory. `flate2` with its pure-Rust `miniz_oxide` backend builds for wasm32.

use flate2::write::MultiGzDecoder;
use std::io::Write;

/// The two bytes every gzip member starts with (RFC 1952).
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Streaming gzip decoder; concatenated members (as `cat a.gz b.gz` or rotated logs produce)
/// are decoded one after another.
pub struct Gunzip {
    inner: MultiGzDecoder<Vec<u8>>,
    failed: Option<String>,
}

impl Default for Gunzip {
    fn default() -> Self {
        Self::new()
    }
}

impl Gunzip {
    pub fn new() -> Self {
        Self {
            inner: MultiGzDecoder::new(Vec::new()),
            failed: None,
        }
    }

    /// Decompress a chunk; `out` receives the bytes it produced. After a corrupt stream, input is
    /// ignored and [`Self::error`] says why.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_some() {
            return;
        }
        if let Err(e) = self.inner.write_all(chunk) {
            self.failed = Some(e.to_string());
        }
        self.drain(out);
    }

    /// End of input: flushes the decoder and reports a truncated stream.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_none() {
            if let Err(e) = self.inner.try_finish() {
                self.failed = Some(e.to_string());
            }
        }
        self.drain(out);
    }

    fn drain(&mut self, out: &mut dyn FnMut(&[u8])) {
        let buf = self.inner.get_mut();
        if !buf.is_empty() {
            out(buf);
            buf.clear();
        }
    }

    /// Why decompression stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.failed.as_deref()
    }
}

/// Whether `head` (the first bytes of a file) is gzip.
pub fn is_gzip(head: &[u8]) -> bool {
    head.starts_with(&GZIP_MAGIC)
}
