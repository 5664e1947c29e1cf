//! The streaming goroutine-dump parser: lines go in one at a time (unwrapped from journald,
//! CRI/Docker or logrus first), frames, stacks and strings are interned as they come, and a
//! goroutine or snapshot is closed when a blank line, a new header or a new dump says so.
//!
//! This file holds the parser's state and the steps that change it; the submodules hold the
//! rest: `line` (what one dump line is and which step it takes), `finish` (end of input:
//! timeline events, detail and notes), `merge` (joining parsers of parts of one file).

mod finish;
mod line;
mod merge;

pub use merge::part_start;

use crate::diag::DiagKind;
use crate::goroutine::frame::{self, trim};
use crate::goroutine::intern::{FxMap, Strings};
use crate::goroutine::model::{Frame, Goroutine, Snapshot, SnapshotKind, Stack};
use crate::goroutine::unwrap::{self, Wrap};
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::time::{Micros, NO_TIME};

/// Where frames read next go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Stack,
    CreatedBy,
    /// Ancestor stacks are read and dropped (only the ancestor IDs are kept).
    Ancestor,
    /// A race report's creation stack for goroutine `id`; `done` once its first frame is set.
    RaceCreation {
        id: u64,
        done: bool,
    },
}

/// A function line waiting for its file line.
struct Pending {
    func: u32,
    args: u32,
    line: u64,
    offset: u64,
    /// Read outside any goroutine: it only starts a headerless stack if a file line follows.
    headerless: bool,
}

/// The goroutine (or headerless system stack) being read.
struct Open {
    g: Goroutine,
    system: bool,
    frames: Vec<u32>,
    elided: Option<(u32, u32)>,
}

/// Streaming parser; see the module docs.
pub struct Parser {
    lane: String,
    strings: Strings,
    frames: Vec<Frame>,
    frame_index: FxMap<Frame, u32>,
    stacks: Vec<Stack>,
    stack_index: FxMap<Vec<u32>, u32>,
    /// Raw function line → (func, args) ids; raw file line → (file, line).
    func_cache: FxMap<Vec<u8>, (u32, u32)>,
    file_cache: FxMap<Vec<u8>, (u32, u32)>,
    goroutines: Vec<Goroutine>,
    snapshots: Vec<Snapshot>,
    /// The snapshot being filled (always the last of `snapshots` when set).
    snap_open: bool,
    snap_ids: FxMap<u64, ()>,
    open: Option<Open>,
    pending: Option<Pending>,
    target: Target,
    last_time: Option<Micros>,
    last_end: u64,
    wraps: Vec<Wrap>,
    scratch: Vec<u8>,
    key: Vec<u32>,
    /// A cleared frame buffer to reuse: most goroutines repeat a known stack.
    spare: Vec<u32>,
    state_empty: u32,
    state_running: u32,
    /// The kind of the first non-blank line read: whether a part read on its own may be
    /// joined to the one before ([`merge`]).
    first: Option<merge::First>,
}

impl Parser {
    /// A parser for one file.
    pub fn new(meta: &FileMeta) -> Self {
        let mut strings = Strings::new();
        let state_running = strings.intern(b"running");
        Parser {
            lane: frame::base_name(&meta.name).to_string(),
            strings,
            frames: Vec::new(),
            frame_index: FxMap::default(),
            stacks: Vec::new(),
            stack_index: FxMap::default(),
            func_cache: FxMap::default(),
            file_cache: FxMap::default(),
            goroutines: Vec::new(),
            snapshots: Vec::new(),
            snap_open: false,
            snap_ids: FxMap::default(),
            open: None,
            pending: None,
            target: Target::Stack,
            last_time: None,
            last_end: 0,
            wraps: Vec::new(),
            scratch: Vec::new(),
            key: Vec::new(),
            spare: Vec::new(),
            state_empty: 0,
            state_running,
            first: None,
        }
    }

    /// Read one line (terminator stripped).
    pub fn line(&mut self, raw: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        self.line_in(raw, at, at.offset + raw.len() as u64, cx);
    }

    /// Read the text of one line whose wrapper the caller already removed (the node-log
    /// parser hands over a journald JSON `MESSAGE` or a CRI payload): `end` is the byte offset
    /// just past the whole line, so goroutine and snapshot ranges still cover the file's bytes.
    pub fn line_in(&mut self, raw: &[u8], at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let u = unwrap::unwrap(raw, &mut scratch);
        if u.wrap != Wrap::None && !self.wraps.contains(&u.wrap) {
            self.wraps.push(u.wrap);
        }
        if let Some(t) = u.time {
            self.last_time = Some(t);
        }
        if self.first.is_none() {
            let t = trim(u.content);
            if !t.is_empty() {
                self.first = Some(merge::First::of(t));
            }
        }
        if u.wrap == Wrap::Logrus || u.wrap == Wrap::Docker {
            let mut used = false;
            let mut first_err = None;
            for piece in u.content.split(|&c| c == b'\n') {
                match self.content(piece, at, end, cx) {
                    Ok(()) => used = true,
                    Err(e) => {
                        if first_err.is_none() {
                            first_err = Some(e);
                        }
                    }
                }
            }
            if let Some((kind, reason)) = first_err {
                if used {
                    cx.diags.note(at.line, at.offset, kind, reason);
                } else {
                    cx.diags.skip(at.line, at.offset, kind, reason);
                }
            }
        } else if let Err((kind, reason)) = self.content(u.content, at, end, cx) {
            cx.diags.skip(at.line, at.offset, kind, reason);
        }
        self.scratch = scratch;
    }

    #[inline]
    fn touch(&mut self, end: u64) {
        self.last_end = end;
    }

    fn func_line(&mut self, t: &[u8]) -> Option<(u32, u32)> {
        if let Some(&v) = self.func_cache.get(t) {
            return Some(v);
        }
        let (name, args) = frame::parse_func(t)?;
        let v = (self.strings.intern(name), self.strings.intern(args));
        if self.func_cache.len() < 1 << 20 {
            self.func_cache.insert(t.to_vec(), v);
        }
        Some(v)
    }

    fn file_line(&mut self, t: &[u8]) -> Option<(u32, u32)> {
        if let Some(&v) = self.file_cache.get(t) {
            return Some(v);
        }
        let (path, line) = frame::parse_file(t)?;
        let v = (self.strings.intern(path), line);
        if self.file_cache.len() < 1 << 20 {
            self.file_cache.insert(t.to_vec(), v);
        }
        Some(v)
    }

    fn intern_frame(&mut self, f: Frame) -> u32 {
        if let Some(&i) = self.frame_index.get(&f) {
            return i;
        }
        let i = self.frames.len() as u32;
        self.frames.push(f.clone());
        self.frame_index.insert(f, i);
        i
    }

    fn push_frame(&mut self, func: u32, args: u32, file: u32, line: u32) {
        let id = self.intern_frame(Frame {
            func,
            args,
            file,
            line,
        });
        match self.target {
            Target::Stack => {
                if let Some(o) = &mut self.open {
                    o.frames.push(id);
                }
            }
            Target::CreatedBy => {
                if let Some(o) = &mut self.open {
                    o.g.created_by = Some(id);
                }
            }
            Target::Ancestor => {}
            Target::RaceCreation { id: gid, done } => {
                if !done {
                    let start = self.snapshots.last().map(|s| s.start).unwrap_or(0) as usize;
                    for g in &mut self.goroutines[start..] {
                        if g.id == Some(gid) && g.race.is_some() {
                            g.created_by = Some(id);
                        }
                    }
                    self.target = Target::RaceCreation {
                        id: gid,
                        done: true,
                    };
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn open_goroutine(
        &mut self,
        at: LineAt,
        end: u64,
        id: Option<u64>,
        count: u32,
        state: u32,
        wait: Option<u32>,
        locked: bool,
    ) {
        self.target = Target::Stack;
        self.open = Some(Open {
            g: Goroutine {
                id,
                count,
                snapshot: (self.snapshots.len() as u32).saturating_sub(1),
                state,
                wait,
                locked,
                line: at.line,
                offset: at.offset,
                ..Goroutine::default()
            },
            system: false,
            frames: std::mem::take(&mut self.spare),
            elided: None,
        });
        self.touch(end);
    }

    fn open_system(&mut self, at: LineAt, end: u64) {
        self.open_goroutine(at, end, None, 0, 0, None, false);
        if let Some(o) = &mut self.open {
            o.system = true;
        }
    }

    fn ensure_snapshot(&mut self, at: LineAt, kind: SnapshotKind, title: &str) {
        if self.snap_open {
            return;
        }
        self.snap_open = true;
        self.snap_ids.clear();
        let start = self.goroutines.len() as u32;
        self.snapshots.push(Snapshot {
            kind,
            title: title.to_string(),
            start,
            end: start,
            time: self.last_time.unwrap_or(NO_TIME),
            line: at.line,
            offset: at.offset,
            end_offset: at.offset,
            ..Snapshot::default()
        });
    }

    fn close_snapshot(&mut self) {
        if !self.snap_open {
            return;
        }
        self.snap_open = false;
        let n = self.goroutines.len() as u32;
        if let Some(s) = self.snapshots.last_mut() {
            s.end = n;
            s.total = self.goroutines[s.start as usize..]
                .iter()
                .map(|g| g.count as u64)
                .sum();
            s.end_offset = s.end_offset.max(self.last_end);
            if s.end == s.start && s.system_stacks.is_empty() {
                // A preamble with no goroutines after it (e.g. `panic:` in a log line).
                self.snapshots.pop();
            }
        }
    }

    fn end_goroutine(&mut self, cx: &mut ParseCx<'_>) {
        if let Some(p) = self.pending.take_if(|p| p.headerless) {
            cx.diags.skip(
                p.line,
                p.offset,
                DiagKind::Ignored,
                "looks like a function call but no file:line follows; not part of a dump",
            );
        }
        if let Some(p) = self.pending.take() {
            let kind = if self.target == Target::CreatedBy {
                "`created by` line not followed by its file:line"
            } else {
                "function line not followed by its file:line"
            };
            cx.diags.note(p.line, p.offset, DiagKind::Truncated, kind);
            self.push_frame(p.func, p.args, 0, 0);
        }
        let Some(mut o) = self.open.take() else {
            return;
        };
        self.target = Target::Stack;
        let stack = self.intern_stack(&mut o.frames, o.elided);
        o.frames.clear();
        self.spare = std::mem::take(&mut o.frames);
        if o.system {
            if let Some(s) = self.snapshots.last_mut() {
                if o.g.count == 0 && !self.stacks[stack as usize].frames.is_empty() {
                    s.system_stacks.push(stack);
                }
            }
            return;
        }
        o.g.stack = stack;
        o.g.len = self.last_end.saturating_sub(o.g.offset);
        *cx.records += o.g.count as u64;
        self.goroutines.push(o.g);
        if let Some(s) = self.snapshots.last_mut() {
            s.end_offset = self.last_end;
        }
    }

    /// The dump being read ended (the node-log parser saw an unrelated log entry): close the
    /// open goroutine and snapshot, so the next dump in the log becomes a snapshot of its own.
    pub fn end_dump(&mut self, cx: &mut ParseCx<'_>) {
        self.end_goroutine(cx);
        self.close_snapshot();
    }
}
