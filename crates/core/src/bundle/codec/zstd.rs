//! Streaming Zstandard decompression over pushed chunks, with `ruzstd` (pure Rust, builds for
//! wasm32). `ruzstd::FrameDecoder::decode_from_to` decodes the whole blocks present in a slice;
//! this wrapper keeps the unfinished block (at most 128 KiB) until the next chunk completes it,
//! and walks frame after frame (`zstd -T0` and concatenated files write several), skipping
//! skippable frames.

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::FrameDecoder;

/// The largest frame header: magic, descriptor, window, dictionary id, content size.
const MAX_FRAME_HEADER: usize = 18;
/// Output produced per call.
const OUT: usize = 256 << 10;

/// See the module docs.
pub struct Zstd {
    dec: FrameDecoder,
    /// Input not yet consumed (an unfinished block).
    pending: Vec<u8>,
    /// Bytes of a skippable frame still to drop.
    skip: u64,
    /// A frame has been started and not finished.
    in_frame: bool,
    out: Vec<u8>,
    failed: Option<String>,
}

impl Default for Zstd {
    fn default() -> Self {
        Zstd {
            dec: FrameDecoder::new(),
            pending: Vec::new(),
            skip: 0,
            in_frame: false,
            out: vec![0; OUT],
            failed: None,
        }
    }
}

impl Zstd {
    /// Decompress a chunk; `out` receives what it produced.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_some() {
            return;
        }
        self.pending.extend_from_slice(chunk);
        self.run(false, out);
    }

    /// End of input: decode what is left and report a truncated frame.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_some() {
            return;
        }
        self.run(true, out);
        if self.failed.is_none() && (self.in_frame || self.skip > 0 || !self.pending.is_empty()) {
            self.failed = Some("the zstd stream ends inside a frame (truncated)".into());
        }
    }

    /// Why decompression stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    fn run(&mut self, last: bool, out: &mut dyn FnMut(&[u8])) {
        loop {
            if self.skip > 0 {
                let n = self.skip.min(self.pending.len() as u64) as usize;
                self.pending.drain(..n);
                self.skip -= n as u64;
                if self.skip > 0 {
                    return;
                }
            }
            if !self.in_frame {
                if self.pending.is_empty() || (self.pending.len() < MAX_FRAME_HEADER && !last) {
                    return;
                }
                self.dec = FrameDecoder::new();
                self.in_frame = true;
            }
            match self.dec.decode_from_to(&self.pending, &mut self.out) {
                Ok((read, written)) => {
                    if read > self.pending.len() {
                        // ruzstd asks for the frame's 4-byte checksum before they all arrived.
                        return;
                    }
                    self.pending.drain(..read);
                    if written > 0 {
                        out(&self.out[..written]);
                    }
                    if self.dec.is_finished() && written == 0 {
                        // Frame decoded (checksum included) and drained: the next one may follow.
                        self.in_frame = false;
                        continue;
                    }
                    if read == 0 && written == 0 {
                        return;
                    }
                }
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    // The 8-byte skippable-frame header was read by `init`.
                    self.pending.drain(..8.min(self.pending.len()));
                    self.skip = u64::from(length);
                    self.in_frame = false;
                }
                Err(e) => {
                    self.failed = Some(format!("corrupt zstd stream: {e}"));
                    return;
                }
            }
        }
    }
}
