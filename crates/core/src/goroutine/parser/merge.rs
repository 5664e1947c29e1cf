//! Joining the parts of one dump file read in parallel (byte ranges, see
//! [`crate::ingest::FileIngest::part`]) into what one parser reading the whole file builds.
//!
//! A part starts where a dump starts ([`part_start`]: after a blank line, a crash preamble, a
//! `goroutine profile: total N` line or `goroutine 1 [`), so the parser of the part before it
//! would only have closed its snapshot there. [`Parser::absorb`] checks that this is so for the
//! state the earlier part ended in, and otherwise declines (the caller then reads the file on
//! one thread). Strings, frames and stacks of the later part are renumbered in the order one
//! parser would first have met them: the later part met its own in that order, and those the
//! earlier part already knew keep their ids.

use super::Parser;
use crate::goroutine::frame::trim;
use crate::goroutine::model::{Frame, Stack};
use crate::goroutine::{header, pprof};

/// The first non-blank line of a part: what decides whether it continues the part before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum First {
    /// A crash preamble (`panic: …`, `SIGQUIT: quit`, …): closes a snapshot with goroutines.
    Preamble,
    /// `goroutine profile: total N`: always closes the open snapshot.
    Total,
    /// A goroutine header with this ID: closes the open snapshot only if that already listed
    /// the ID and the ID is 1 or the snapshot's first.
    Header(u64),
    /// Anything else: the part may continue a goroutine or snapshot; never joined.
    Other,
}

impl First {
    /// What the line `t` (unwrapped, trimmed, not empty) is, in the order `Parser::content`
    /// tests a line a fresh parser reads.
    pub(super) fn of(t: &[u8]) -> First {
        if t.starts_with(b"goroutine ") {
            if let Some(h) = header::parse_header(t) {
                return First::Header(h.id);
            }
            if pprof::parse_total(t).is_some() {
                return First::Total;
            }
            return First::Other;
        }
        if header::is_preamble(t) {
            return First::Preamble;
        }
        First::Other
    }
}

/// The first place in `window` (bytes from anywhere in a dump file) where a part may start:
/// the start of a line after a blank line that begins a dump by itself (a crash preamble, a
/// pprof total, or goroutine 1's header). `None` when the window holds no such line (lines
/// cut by either end of the window are not looked at).
pub fn part_start(window: &[u8]) -> Option<usize> {
    // The window's first piece may be the tail of a line: whether it is blank is unknown.
    let mut pos = memchr::memchr(b'\n', window)? + 1;
    let mut prev_blank = false;
    while pos < window.len() {
        let end = pos + memchr::memchr(b'\n', &window[pos..])?;
        let t = trim(&window[pos..end]);
        if prev_blank && !t.is_empty() && starts_dump(t) {
            return Some(pos);
        }
        prev_blank = t.is_empty();
        pos = end + 1;
    }
    None
}

/// Whether a line begins a dump whatever came before it (see [`First`]).
fn starts_dump(t: &[u8]) -> bool {
    match First::of(t) {
        First::Preamble | First::Total => true,
        First::Header(id) => id == 1,
        First::Other => false,
    }
}

impl Parser {
    /// Append `next`, the part of the same file that starts right after this one; its line
    /// numbers start `line_base` lines after this part's first. `false`: one parser reading
    /// both could have built something else (the cut was not where a dump starts, for this
    /// state); read the file sequentially then (`self` is unusable).
    pub(crate) fn absorb(&mut self, next: Parser, line_base: u64) -> bool {
        // A blank line ended the last goroutine; no wrapper time carries over into `next`.
        if self.open.is_some() || self.pending.is_some() || self.last_time.is_some() {
            return false;
        }
        let closes = match next.first {
            None => false,
            Some(First::Total) => true,
            Some(First::Preamble) => {
                // One parser closes only a snapshot that holds something; an empty one
                // would take the preamble's title instead.
                let empty = self.snapshots.last().is_some_and(|s| {
                    self.goroutines.len() as u32 == s.start && s.system_stacks.is_empty()
                });
                if self.snap_open && empty {
                    return false;
                }
                true
            }
            Some(First::Header(id)) => {
                let first = self
                    .snapshots
                    .last()
                    .and_then(|s| self.goroutines.get(s.start as usize))
                    .and_then(|g| g.id);
                let repeats = self.snap_ids.contains_key(&id) && (first == Some(id) || id == 1);
                if self.snap_open && !repeats {
                    return false;
                }
                true
            }
            Some(First::Other) => return false,
        };
        if closes {
            self.close_snapshot();
        }
        let Parser {
            strings,
            frames,
            stacks,
            goroutines,
            snapshots,
            snap_open,
            snap_ids,
            open,
            pending,
            target,
            last_time,
            last_end,
            wraps,
            ..
        } = next;
        let smap: Vec<u32> = strings
            .raw()
            .into_iter()
            .map(|b| self.strings.intern(b))
            .collect();
        let s = |id: u32| smap[id as usize];
        let fmap: Vec<u32> = frames
            .into_iter()
            .map(|f| {
                self.intern_frame(Frame {
                    func: s(f.func),
                    args: s(f.args),
                    file: s(f.file),
                    line: f.line,
                })
            })
            .collect();
        let f = |id: u32| fmap[id as usize];
        let kmap: Vec<u32> = stacks
            .into_iter()
            .map(|st| {
                let mut frames: Vec<u32> = st.frames.iter().map(|&id| f(id)).collect();
                self.intern_stack(&mut frames, st.elided)
            })
            .collect();
        let snap_base = self.snapshots.len() as u32;
        let g_base = self.goroutines.len() as u32;
        self.goroutines.reserve(goroutines.len());
        for mut g in goroutines {
            g.snapshot += snap_base;
            g.state = s(g.state);
            g.stack = kmap[g.stack as usize];
            g.created_by = g.created_by.map(f);
            g.line += line_base;
            self.goroutines.push(g);
        }
        for mut sn in snapshots {
            sn.start += g_base;
            sn.end += g_base;
            sn.line += line_base;
            for st in &mut sn.system_stacks {
                *st = kmap[*st as usize];
            }
            self.snapshots.push(sn);
        }
        self.open = open.map(|mut o| {
            o.g.snapshot += snap_base;
            o.g.state = s(o.g.state);
            o.g.created_by = o.g.created_by.map(f);
            o.g.line += line_base;
            for id in &mut o.frames {
                *id = f(*id);
            }
            o
        });
        self.pending = pending.map(|mut p| {
            p.func = s(p.func);
            p.args = s(p.args);
            p.line += line_base;
            p
        });
        self.snap_open = snap_open;
        self.snap_ids = snap_ids;
        self.target = target;
        self.last_time = last_time;
        self.last_end = last_end;
        for w in wraps {
            if !self.wraps.contains(&w) {
                self.wraps.push(w);
            }
        }
        true
    }

    /// The id of the stack of `frames` (elided at `elided`), adding it on first sight (then
    /// `frames` is taken; else left for the caller to reuse).
    pub(super) fn intern_stack(
        &mut self,
        frames: &mut Vec<u32>,
        elided: Option<(u32, u32)>,
    ) -> u32 {
        self.key.clear();
        self.key.extend_from_slice(frames);
        if let Some((a, n)) = elided {
            self.key.extend_from_slice(&[u32::MAX, a, n]);
        }
        if let Some(&i) = self.stack_index.get(self.key.as_slice()) {
            return i;
        }
        let i = self.stacks.len() as u32;
        self.stacks.push(Stack {
            frames: std::mem::take(frames),
            elided,
        });
        self.stack_index.insert(self.key.clone(), i);
        i
    }
}
