//! Reading many event lines of one file by byte range, in one forward pass: the file (gunzipped
//! as it streams) is read once while offsets grow, so a log's every line costs no seek. A
//! backward jump starts the pass over.

use std::fs::File;
use std::io::{self, Read};
use whodunnit_core::decompress::{is_gzip, Gunzip};

const CHUNK: usize = 4 << 20;

/// A forward reader over one file's decompressed bytes.
pub struct Forward {
    path: String,
    file: Option<File>,
    gz: Option<Gunzip>,
    /// Decompressed bytes `[start, start + buf.len())`.
    buf: Vec<u8>,
    start: u64,
    eof: bool,
}

impl Forward {
    /// A reader of `path` (gzip detected from its first bytes, as the core does).
    pub fn new(path: &str) -> Self {
        Self {
            path: path.to_string(),
            file: None,
            gz: None,
            buf: Vec::new(),
            start: 0,
            eof: false,
        }
    }

    fn open(&mut self) -> io::Result<()> {
        let mut f = File::open(&self.path)?;
        let mut head = [0u8; 2];
        let n = f.read(&mut head)?;
        let f = File::open(&self.path)?;
        self.gz = (n == 2 && is_gzip(&head)).then(Gunzip::new);
        self.file = Some(f);
        self.buf.clear();
        self.start = 0;
        self.eof = false;
        Ok(())
    }

    /// Read the next chunk into `buf`; false at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let Some(f) = self.file.as_mut() else {
            return Ok(false);
        };
        let mut raw = vec![0u8; CHUNK];
        let n = f.read(&mut raw)?;
        let buf = &mut self.buf;
        match self.gz.as_mut() {
            Some(g) if n == 0 => g.finish(&mut |b: &[u8]| buf.extend_from_slice(b)),
            Some(g) => g.push(&raw[..n], &mut |b: &[u8]| buf.extend_from_slice(b)),
            None => buf.extend_from_slice(&raw[..n]),
        }
        if n == 0 {
            self.eof = true;
        }
        Ok(true)
    }

    /// The bytes at `[offset, offset + len)` (fewer at the end of the file).
    pub fn get(&mut self, offset: u64, len: u64) -> io::Result<&[u8]> {
        if self.file.is_none() || offset < self.start {
            self.open()?;
        }
        while self.start + (self.buf.len() as u64) < offset + len {
            // Before reading more, drop what lies before `offset`: memory holds about a chunk,
            // not the file (and bytes move once per chunk, not per line).
            let dead = (offset - self.start).min(self.buf.len() as u64) as usize;
            if dead > 0 {
                self.buf.drain(..dead);
                self.start += dead as u64;
            }
            if !self.fill()? {
                break;
            }
        }
        let a = ((offset.saturating_sub(self.start)) as usize).min(self.buf.len());
        let b = (a + len as usize).min(self.buf.len());
        Ok(&self.buf[a..b])
    }
}
