//! The compression formats a bundle's streams come in, behind one push interface: bytes in,
//! bytes out, an error when the stream is corrupt or ends early. gzip is
//! [`crate::decompress::Gunzip`] (what single `.gz` files always used); raw deflate (zip
//! entries) is flate2's `Decompress`; [`xz`] and [`zstd`] are one module each.

pub mod xz;
pub mod zstd;

use crate::decompress::Gunzip;
use crate::source::Codec;
use flate2::{Decompress, FlushDecompress, Status};

/// Magic bytes of the compressed streams, for sniffing.
pub const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0];
/// Magic bytes of a Zstandard frame.
pub const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// The compressed stream `head` starts, if any (raw deflate has no magic: zip says so).
pub fn sniff(head: &[u8]) -> Option<Codec> {
    if crate::decompress::is_gzip(head) {
        Some(Codec::Gzip)
    } else if head.starts_with(&XZ_MAGIC) {
        Some(Codec::Xz)
    } else if head.starts_with(&ZSTD_MAGIC) {
        Some(Codec::Zstd)
    } else {
        None
    }
}

/// A streaming decoder of one [`Codec`].
pub enum Decoder {
    Gzip(Box<Gunzip>),
    Deflate(Box<Inflate>),
    Xz(Box<xz::Xz>),
    Zstd(Box<zstd::Zstd>),
}

impl Decoder {
    pub fn new(codec: Codec) -> Self {
        match codec {
            Codec::Gzip => Decoder::Gzip(Box::default()),
            Codec::Deflate => Decoder::Deflate(Box::default()),
            Codec::Xz => Decoder::Xz(Box::default()),
            Codec::Zstd => Decoder::Zstd(Box::default()),
        }
    }

    /// Decompress a chunk; `out` receives the bytes it produced.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8])) {
        match self {
            Decoder::Gzip(d) => d.push(chunk, out),
            Decoder::Deflate(d) => {
                d.push(chunk, out);
            }
            Decoder::Xz(d) => d.push(chunk, out),
            Decoder::Zstd(d) => d.push(chunk, out),
        }
    }

    /// End of input: flush, and note a stream that ended early.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        match self {
            Decoder::Gzip(d) => d.finish(out),
            Decoder::Deflate(d) => d.finish(),
            Decoder::Xz(d) => d.finish(out),
            Decoder::Zstd(d) => d.finish(out),
        }
    }

    /// Why decompression stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        match self {
            Decoder::Gzip(d) => d.error(),
            Decoder::Deflate(d) => d.error(),
            Decoder::Xz(d) => d.error(),
            Decoder::Zstd(d) => d.error(),
        }
    }
}

/// Raw deflate (no header), as zip stores it. Unlike gzip it reports where the compressed data
/// ended, which a zip read without its central directory needs to find the next entry.
pub struct Inflate {
    inner: Decompress,
    out: Vec<u8>,
    done: bool,
    failed: Option<String>,
}

impl Default for Inflate {
    fn default() -> Self {
        Inflate {
            inner: Decompress::new(false),
            out: vec![0; 256 << 10],
            done: false,
            failed: None,
        }
    }
}

impl Inflate {
    /// Decompress a chunk; returns how many of its bytes belong to the deflate stream (all of
    /// them until the stream's last block).
    pub fn push(&mut self, mut chunk: &[u8], out: &mut dyn FnMut(&[u8])) -> usize {
        let given = chunk.len();
        while !self.done && self.failed.is_none() {
            let (i0, o0) = (self.inner.total_in(), self.inner.total_out());
            let r = self
                .inner
                .decompress(chunk, &mut self.out, FlushDecompress::None);
            // What came out before an error goes out too.
            let used = (self.inner.total_in() - i0) as usize;
            let wrote = (self.inner.total_out() - o0) as usize;
            chunk = &chunk[used.min(chunk.len())..];
            if wrote > 0 {
                out(&self.out[..wrote]);
            }
            match r {
                Ok(Status::StreamEnd) => self.done = true,
                Ok(_) if used == 0 && wrote == 0 => break,
                Ok(_) => {}
                Err(e) => self.failed = Some(format!("corrupt deflate stream: {e}")),
            }
        }
        given - chunk.len()
    }

    /// Whether the stream's final block was decoded.
    pub fn done(&self) -> bool {
        self.done
    }

    /// End of input: a stream without its final block is truncated.
    pub fn finish(&mut self) {
        if !self.done && self.failed.is_none() {
            self.failed = Some("the deflate stream ends early (truncated)".into());
        }
    }

    /// Why decompression stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.failed.as_deref()
    }
}
