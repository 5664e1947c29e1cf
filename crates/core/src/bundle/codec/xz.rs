//! Streaming xz decompression over pushed chunks, with `xz4rust` (a memory-safe pure-Rust port
//! of xz-embedded: push-based, builds for wasm32, no dependencies with the features used).
//! Concatenated streams (`cat a.xz b.xz`, `xz -T` output) are decoded one after another, the
//! zero padding between them skipped.

use xz4rust::{XzDecoder, XzError, XzNextBlockResult};

/// Output produced per call.
const OUT: usize = 256 << 10;
/// The largest dictionary accepted: `xz -9` uses 64 MiB.
const MAX_DICT: usize = 64 << 20;

/// See the module docs.
pub struct Xz {
    dec: Box<XzDecoder<'static>>,
    /// Between two streams: only zero padding or a new stream may follow.
    between: bool,
    /// A stream was started and not finished.
    in_stream: bool,
    /// Input the decoder could not take yet (it wants a larger buffer).
    pending: Vec<u8>,
    out: Vec<u8>,
    failed: Option<String>,
}

impl Default for Xz {
    fn default() -> Self {
        Xz {
            dec: XzDecoder::in_heap_with_alloc_dict_size(64 << 10, MAX_DICT),
            between: false,
            in_stream: false,
            pending: Vec::new(),
            out: vec![0; OUT],
            failed: None,
        }
    }
}

impl Xz {
    /// Decompress a chunk; `out` receives what it produced.
    pub fn push(&mut self, chunk: &[u8], out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_some() {
            return;
        }
        if self.pending.is_empty() {
            let used = self.run(chunk, out);
            if self.failed.is_none() {
                self.pending.extend_from_slice(&chunk[used..]);
            }
        } else {
            let mut input = std::mem::take(&mut self.pending);
            input.extend_from_slice(chunk);
            let used = self.run(&input, out);
            input.drain(..used);
            self.pending = input;
        }
    }

    /// End of input: report a truncated stream.
    pub fn finish(&mut self, out: &mut dyn FnMut(&[u8])) {
        if self.failed.is_some() {
            return;
        }
        if !self.pending.is_empty() {
            let input = std::mem::take(&mut self.pending);
            let used = self.run(&input, out);
            if used < input.len() && self.failed.is_none() {
                self.failed = Some("the xz stream ends inside a block (truncated)".into());
            }
        }
        if self.failed.is_none() && self.in_stream {
            self.failed = Some("the xz stream ends before its footer (truncated)".into());
        }
    }

    /// Why decompression stopped early, if it did.
    pub fn error(&self) -> Option<&str> {
        self.failed.as_deref()
    }

    /// Feed `input`; returns how many bytes were used (the rest waits for more input).
    fn run(&mut self, input: &[u8], out: &mut dyn FnMut(&[u8])) -> usize {
        let mut pos = 0;
        while pos < input.len() {
            if !self.in_stream {
                if self.between {
                    // Stream padding: zero bytes in groups of four, before the next stream.
                    let zeros = input[pos..].iter().take_while(|&&b| b == 0).count();
                    pos += zeros;
                    if pos == input.len() {
                        break;
                    }
                }
                self.dec.reset();
                self.in_stream = true;
            }
            match self.dec.decode(&input[pos..], &mut self.out) {
                Ok(XzNextBlockResult::NeedMoreData(used, written)) => {
                    pos += used;
                    if written > 0 {
                        out(&self.out[..written]);
                    }
                    if used == 0 && written == 0 {
                        break;
                    }
                }
                Ok(XzNextBlockResult::EndOfStream(used, written)) => {
                    pos += used;
                    if written > 0 {
                        out(&self.out[..written]);
                    }
                    self.in_stream = false;
                    self.between = true;
                }
                Err(XzError::NeedsLargerInputBuffer) => break,
                Err(e) => {
                    self.failed = Some(format!("corrupt xz stream: {e}"));
                    return input.len();
                }
            }
        }
        pos
    }
}
