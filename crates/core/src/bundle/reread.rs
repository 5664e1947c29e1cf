//! Re-reading byte ranges of a file's content — what the raw-line panel and findings' evidence
//! show — when the content is not simply the bytes of a file on disk: members of archives,
//! compressed files. Follows the file's [`Source::reach`] again: leading slices become one
//! window of the holder file; from the first decompression on, the window is streamed from its
//! start (re-inflating as needed) and the wanted ranges are cut out of what comes out.
//!
//! I/O-free like the rest of the core: [`Reread::want`] names the holder's bytes to read next,
//! [`Reread::feed`] takes them.
//!
//! [`Source::reach`]: crate::source::Source::reach

use super::codec::Decoder;
use super::CHUNK;
use crate::ingest::ParsedFile;
use crate::source::{Codec, Step};

enum Stage {
    Slice { offset: u64, len: u64, at: u64 },
    Dec(Box<Decoder>),
}

/// See the module docs.
pub struct Reread {
    /// The holder's bytes that matter: start, end (exclusive; `u64::MAX`: to the file's end).
    window: (u64, u64),
    stages: Vec<Stage>,
    ranges: Vec<(u64, u64)>,
    out: Vec<Vec<u8>>,
    /// Direct reads: the range being read. Streaming: unused.
    next: usize,
    /// Streaming: bytes of the window read so far, content bytes produced so far.
    pos: u64,
    seen: u64,
    end: u64,
    done: bool,
}

impl Reread {
    /// Re-read `ranges` (offset, length) of `f`'s content (decompressed, as its events' offsets
    /// count), from the file that holds it.
    pub fn new(f: &ParsedFile, ranges: &[(u64, u64)]) -> Self {
        let reach = f.source.as_ref().map(|s| &s.reach[..]).unwrap_or(&[]);
        Self::of(reach, f.gzip, ranges)
    }

    /// Re-read `ranges` of the content reached by `reach` (then gunzipped when `gzip`).
    pub fn of(reach: &[Step], gzip: bool, ranges: &[(u64, u64)]) -> Self {
        let mut window = (0u64, u64::MAX);
        let mut steps = reach.iter().peekable();
        while let Some(Step::Slice { offset, len }) = steps.peek() {
            let start = window.0.saturating_add(*offset);
            window = (start, window.1.min(start.saturating_add(*len)));
            steps.next();
        }
        let mut stages: Vec<Stage> = steps
            .map(|s| match *s {
                Step::Slice { offset, len } => Stage::Slice { offset, len, at: 0 },
                Step::Decode(c) => Stage::Dec(Box::new(Decoder::new(c))),
            })
            .collect();
        if gzip {
            stages.push(Stage::Dec(Box::new(Decoder::new(Codec::Gzip))));
        }
        Reread {
            window,
            stages,
            ranges: ranges.to_vec(),
            out: vec![Vec::new(); ranges.len()],
            next: 0,
            pos: 0,
            seen: 0,
            end: ranges
                .iter()
                .map(|&(o, l)| o.saturating_add(l))
                .max()
                .unwrap_or(0),
            done: ranges.is_empty(),
        }
    }

    /// The holder's byte range to read next (`end` may lie past the file's end), or `None`
    /// when every range is complete. Read a prefix of it and pass it to [`Self::feed`].
    pub fn want(&self) -> Option<(u64, u64)> {
        if self.done {
            return None;
        }
        if self.stages.is_empty() {
            let (o, l) = self.ranges[self.next];
            let a = self.window.0.saturating_add(o);
            let b = a.saturating_add(l).min(self.window.1);
            return Some((a + self.out[self.next].len() as u64, b));
        }
        let a = self.window.0 + self.pos;
        Some((a, self.window.1.min(a.saturating_add(CHUNK))))
    }

    /// The bytes of the range [`Self::want`] named (a prefix of it; empty at the file's end).
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.done {
            return;
        }
        if self.stages.is_empty() {
            self.out[self.next].extend_from_slice(bytes);
            let complete = self.want().is_none_or(|(a, b)| a >= b);
            if bytes.is_empty() || complete {
                self.next += 1;
                self.done = self.next == self.ranges.len();
            }
            return;
        }
        self.pos += bytes.len() as u64;
        let (ranges, out, seen) = (&self.ranges, &mut self.out, &mut self.seen);
        let mut sink = |b: &[u8]| collect(ranges, out, seen, b);
        run(&mut self.stages, bytes, &mut sink);
        let window_done = self.window.0.saturating_add(self.pos) >= self.window.1;
        if bytes.is_empty() || window_done {
            finish(&mut self.stages, &mut sink);
            self.done = true;
        }
        if *seen >= self.end {
            self.done = true;
        }
    }

    /// The bytes of each range (shorter where the content ended first).
    pub fn finish(self) -> Vec<Vec<u8>> {
        self.out
    }
}

/// Copy the parts of `b` (content bytes starting at `*seen`) that fall in the ranges.
fn collect(ranges: &[(u64, u64)], out: &mut [Vec<u8>], seen: &mut u64, b: &[u8]) {
    let (lo, hi) = (*seen, *seen + b.len() as u64);
    for (i, &(o, l)) in ranges.iter().enumerate() {
        let (a, z) = (o.max(lo), o.saturating_add(l).min(hi));
        if a < z {
            out[i].extend_from_slice(&b[(a - lo) as usize..(z - lo) as usize]);
        }
    }
    *seen = hi;
}

fn run(stages: &mut [Stage], bytes: &[u8], sink: &mut dyn FnMut(&[u8])) {
    let Some((first, rest)) = stages.split_first_mut() else {
        sink(bytes);
        return;
    };
    match first {
        Stage::Slice { offset, len, at } => {
            let (lo, hi) = (*at, *at + bytes.len() as u64);
            *at = hi;
            let (a, z) = ((*offset).max(lo), offset.saturating_add(*len).min(hi));
            if a < z {
                run(rest, &bytes[(a - lo) as usize..(z - lo) as usize], sink);
            }
        }
        Stage::Dec(d) => d.push(bytes, &mut |b| run(rest, b, sink)),
    }
}

fn finish(stages: &mut [Stage], sink: &mut dyn FnMut(&[u8])) {
    let Some((first, rest)) = stages.split_first_mut() else {
        return;
    };
    if let Stage::Dec(d) = first {
        d.finish(&mut |b| run(rest, b, sink));
    }
    finish(rest, sink);
}

/// Drive a [`Reread`] over an in-memory holder (tests, and the CLI for small files).
pub fn from_bytes(holder: &[u8], mut r: Reread) -> Vec<Vec<u8>> {
    while let Some((a, b)) = r.want() {
        let a = (a as usize).min(holder.len());
        let b = (b.min(holder.len() as u64) as usize).max(a);
        r.feed(&holder[a..b]);
    }
    r.finish()
}
