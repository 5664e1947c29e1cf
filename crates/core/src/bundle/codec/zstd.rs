//! Streaming Zstandard decompression over pushed chunks, with `ruzstd` (pure Rust, builds for
//! wasm32). `ruzstd::FrameDecoder::decode_from_to` decodes the whole blocks in the slice it is
//! given; this wrapper hands it exactly one block at a time (the frame header and block headers
//! are read here to know where a block ends; a block is at most 128 KiB), so what comes out —
//! also before a corrupt block — does not depend on how the input was chunked. Frames follow
//! one another (`zstd -T0`, concatenated files); skippable frames are skipped.

use ruzstd::decoding::FrameDecoder;

/// Output produced per call.
const OUT: usize = 256 << 10;
/// The largest block content `decode_from_to` accepts.
const MAX_BLOCK: usize = 128 << 10;

#[derive(Clone, Copy, PartialEq, Eq)]
enum At {
    /// Between frames: a frame (or a skippable frame) starts next.
    Frame,
    /// The frame header (this long) and the first block come next.
    Header(usize),
    /// A block header comes next.
    Block,
    /// The last block was read; the 4-byte checksum comes next.
    Checksum,
}

/// See the module docs.
pub struct Zstd {
    dec: FrameDecoder,
    at: At,
    checksum: bool,
    /// Input not yet consumed (less than one block).
    pending: Vec<u8>,
    /// Bytes of a skippable frame still to drop.
    skip: u64,
    out: Vec<u8>,
    failed: Option<String>,
}

impl Default for Zstd {
    fn default() -> Self {
        Zstd {
            dec: FrameDecoder::new(),
            at: At::Frame,
            checksum: false,
            pending: Vec::new(),
            skip: 0,
            out: vec![0; OUT],
            failed: None,
        }
    }
}

/// The length of a frame header whose descriptor byte is `fhd` (magic included).
fn header_len(fhd: u8) -> usize {
    let single = fhd & 0x20 != 0;
    let did = [0, 1, 2, 4][usize::from(fhd & 3)];
    let fcs = match fhd >> 6 {
        0 => usize::from(single),
        1 => 2,
        2 => 4,
        _ => 8,
    };
    4 + 1 + usize::from(!single) + did + fcs
}

impl Zstd {
    /// Decompress a chunk; `out` receives what it produced.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_some() {
            return;
        }
        self.pending.extend_from_slice(chunk);
        self.run(out);
    }

    /// End of input: report a stream that ends inside a frame.
    pub fn finish(&mut self, _out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_none()
            && (self.at != At::Frame || self.skip > 0 || !self.pending.is_empty())
        {
            self.failed = Some("the zstd stream ends inside a frame (truncated)".into());
        }
    }

    /// Why decompression stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    fn fail(&mut self, why: String) {
        self.failed = Some(format!("corrupt zstd stream: {why}"));
    }

    /// Decode what the pending input completes.
    fn run(&mut self, out: &mut dyn FnMut(&[u8])) {
        while self.failed.is_none() {
            if self.skip > 0 {
                let n = self.skip.min(self.pending.len() as u64) as usize;
                self.pending.drain(..n);
                self.skip -= n as u64;
                if self.skip > 0 {
                    return;
                }
            }
            let p = &self.pending;
            let need = match self.at {
                At::Frame => {
                    if p.len() < 8 {
                        return;
                    }
                    let magic = u32::from_le_bytes([p[0], p[1], p[2], p[3]]);
                    if magic & 0xffff_fff0 == 0x184d_2a50 {
                        self.skip = 8 + u64::from(u32::from_le_bytes([p[4], p[5], p[6], p[7]]));
                        continue;
                    }
                    if magic != 0xfd2f_b528 {
                        return self.fail(format!("no frame magic (found {magic:#010x})"));
                    }
                    self.checksum = p[4] & 4 != 0;
                    self.dec = FrameDecoder::new();
                    self.at = At::Header(header_len(p[4]));
                    continue;
                }
                At::Header(h) => match block_len(p, h) {
                    Some(n) => h + n,
                    None => return,
                },
                At::Block => match block_len(p, 0) {
                    Some(n) => n,
                    None => return,
                },
                At::Checksum => 4,
            };
            if need > MAX_BLOCK + 3 + 18 {
                return self.fail(format!(
                    "a block of {need} bytes is over the format's limit"
                ));
            }
            if self.pending.len() < need {
                return;
            }
            let last = match self.at {
                At::Header(h) => self.pending[h] & 1 != 0,
                At::Block => self.pending[0] & 1 != 0,
                _ => false,
            };
            let block = self.pending[..need].to_vec();
            match self.dec.decode_from_to(&block, &mut self.out) {
                Ok((_, written)) => {
                    if written > 0 {
                        out(&self.out[..written]);
                    }
                }
                Err(e) => return self.fail(e.to_string()),
            }
            self.pending.drain(..need);
            self.at = match (self.at, last) {
                (At::Checksum, _) => At::Frame,
                (_, true) if self.checksum => At::Checksum,
                (_, true) => At::Frame,
                _ => At::Block,
            };
            if self.at == At::Frame {
                self.drain(out);
            }
        }
    }

    /// The frame is complete: everything it decoded goes out.
    fn drain(&mut self, out: &mut dyn FnMut(&[u8])) {
        loop {
            match self.dec.decode_from_to(&[], &mut self.out) {
                Ok((_, 0)) => return,
                Ok((_, n)) => out(&self.out[..n]),
                Err(e) => return self.fail(e.to_string()),
            }
        }
    }
}

/// The length of the block (header and content) starting at `at`, once its header is there.
fn block_len(p: &[u8], at: usize) -> Option<usize> {
    let h = p.get(at..at + 3)?;
    let header = u32::from(h[0]) | u32::from(h[1]) << 8 | u32::from(h[2]) << 16;
    let size = (header >> 3) as usize;
    // Raw: `size` bytes; RLE: one byte repeated `size` times; compressed: `size` bytes.
    let content = if (header >> 1) & 3 == 1 { 1 } else { size };
    Some(3 + content)
}
