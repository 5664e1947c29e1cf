//! Go goroutine dumps: panic/fatal tracebacks, SIGQUIT dumps, `runtime/pprof` goroutine
//! profiles (`debug=1` and `debug=2`) and race-detector reports, raw or wrapped in journald,
//! CRI/Docker or logrus lines; several dumps in one file become separate snapshots.
//!
//! Parsing is a streaming state machine over lines (this file); the grammar of single lines
//! lives in [`header`], [`frame`], [`pprof`] and [`unwrap`]. Analyses over the parsed [`Data`]:
//! [`group`] (panicparse-style similarity buckets), [`contention`] (mutex waiters grouped by
//! lock), [`holder`] (who probably holds it), [`tree`] (created-by tree), [`diff`] (two
//! snapshots of one process), and [`report`] (the query the views and the CLI run).

pub mod contention;
pub mod diff;
pub mod frame;
pub mod group;
pub mod header;
pub mod holder;
mod in_files;
mod intern;
mod merge;
pub mod pprof;
pub mod report;
pub mod tree;
pub mod unwrap;
pub mod views;
pub mod waits;

pub use diff::{diff, DiffEntry, GoroutineDiff};
pub use frame::Similarity;
pub use in_files::goroutine_data;
pub use merge::part_start;
pub use report::{report, report_with_members, GoroutineQuery, GoroutineReport};

use crate::diag::DiagKind;
use crate::event::{NewEvent, Severity};
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::time::{Micros, NO_TIME};
use frame::trim;
use header::RaceLine;
use intern::{FxMap, Strings};
use serde::{Deserialize, Serialize};
use unwrap::Wrap;

/// Confidence (0–100) that the sample lines are a goroutine dump, possibly wrapped.
pub fn sniff(sample: &[&[u8]]) -> u32 {
    let mut scratch = Vec::new();
    let (mut headers, mut frames, mut files, mut strong, mut other) =
        (0u32, 0u32, 0u32, 0u32, 0u32);
    for raw in sample {
        let u = unwrap::unwrap(raw, &mut scratch);
        for l in u.content.split(|&c| c == b'\n') {
            let t = trim(l);
            if t.is_empty() {
                continue;
            }
            if header::parse_header(t).is_some() {
                headers += 1;
            } else if pprof::parse_total(t).is_some()
                || t.starts_with(b"=== BEGIN goroutine stack dump")
            {
                strong += 1;
            } else if t.starts_with(b"created by ")
                || pprof::parse_frame(t).is_some()
                || frame::parse_func(t).is_some()
            {
                frames += 1;
            } else if (l.starts_with(b"\t") || l.starts_with(b"  "))
                && frame::parse_file(t).is_some()
            {
                files += 1;
            } else if t == b"WARNING: DATA RACE" || header::parse_race(t).is_some() {
                strong += 1;
            } else {
                other += 1;
            }
        }
    }
    let dump_lines = headers + frames + files + strong;
    if strong > 0 || headers > 0 {
        // Mostly dump lines (even inside journald/CRI/logrus wrappers): ours, above the node-log
        // sniffer's best. A dump embedded in a mostly-log sample stays a log.
        if dump_lines * 2 >= dump_lines + other {
            97
        } else {
            40 + 40 * dump_lines / (dump_lines + other)
        }
    } else if frames >= 3 && files >= 3 {
        // A headerless stack (runtime stack, SIGABRT preamble): likely, not certain.
        45
    } else {
        0
    }
}

/// One frame, deduplicated: goroutines share frames heavily. Short keys when serialized.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    /// Function name (string id), fully qualified: `net/http.(*conn).serve`.
    #[serde(rename = "f")]
    pub func: u32,
    /// Arguments as printed between the parentheses (string id); `""` for pprof frames.
    #[serde(rename = "a")]
    pub args: u32,
    /// Source path (string id); `""` when the dump had no file line.
    #[serde(rename = "p")]
    pub file: u32,
    /// 1-based line number of its first line.
    #[serde(rename = "l")]
    pub line: u32,
}

/// One call stack, deduplicated; frames innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stack {
    /// Deduplicated frames.
    pub frames: Vec<u32>,
    /// Frames were elided here (index into `frames`), with how many (0 = not said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elided: Option<(u32, u32)>,
}

/// What the race detector said about one access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaceAccess {
    /// The access was a write (else a read).
    pub write: bool,
    /// The earlier of the two conflicting accesses.
    pub previous: bool,
    /// The address involved, when printed.
    pub addr: Option<u64>,
}

/// One goroutine (or, for pprof `debug=1`, `count` goroutines with the same stack).
/// Serialized with short keys: dumps hold hundreds of thousands of these.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goroutine {
    /// Goroutine ID; `None` for pprof `debug=1` blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// How many goroutines this record stands for (pprof `debug=1`), else 1.
    #[serde(rename = "n", default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
    /// Index into [`Data::snapshots`].
    #[serde(rename = "s")]
    pub snapshot: u32,
    /// State string id (`semacquire`, `IO wait`, `sync.Mutex.Lock`; `""` when unknown).
    #[serde(rename = "st")]
    pub state: u32,
    /// Minutes blocked, as printed (`[select, 5 minutes]`); Go prints it from 1 minute on.
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
    /// Locked to an OS thread.
    #[serde(rename = "lk", default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// Index into [`Data::stacks`].
    #[serde(rename = "k")]
    pub stack: u32,
    /// The `created by` frame (index into [`Data::frames`]).
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<u32>,
    /// Go 1.21+: `created by … in goroutine N`.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u64>,
    /// `goroutine running on other thread; stack unavailable`.
    #[serde(rename = "u", default, skip_serializing_if = "is_false")]
    pub unavailable: bool,
    /// What the race detector said about this access.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceAccess>,
    /// `[originating from goroutine N]:` ancestors (GODEBUG=tracebackancestors).
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<u64>,
    /// Where the goroutine's text starts (header line) and its length in bytes.
    #[serde(rename = "l")]
    pub line: u64,
    /// Byte offset of its first line in the (decompressed) file.
    #[serde(rename = "o")]
    pub offset: u64,
    /// Length of its text in bytes.
    pub len: u64,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What kind of output a snapshot came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// A traceback: panic, fatal error, SIGQUIT, `debug=2`, `runtime.Stack`.
    #[default]
    Traceback,
    /// pprof `debug=1`: merged stacks without IDs or states.
    Pprof,
    /// A race-detector report: the goroutines of the conflicting accesses.
    Race,
}

/// One dump in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// What kind of dump or lock this is.
    pub kind: SnapshotKind,
    /// The line that introduced it (`panic: …`, `fatal error: …`, `SIGQUIT: quit`,
    /// `goroutine profile: total 154`), or empty.
    pub title: String,
    /// Its goroutines: `Data::goroutines[start..end]`.
    pub start: u32,
    /// One past its last goroutine.
    pub end: u32,
    /// Goroutines (summing pprof counts).
    pub total: u64,
    /// The total a pprof header announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_total: Option<u64>,
    /// Stacks without a goroutine (`runtime stack:`, a signal handler's stack).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_stacks: Vec<u32>,
    /// Time from a wrapper (journald, CRI, logrus), else [`NO_TIME`].
    pub time: Micros,
    /// 1-based line number of its first line.
    pub line: u64,
    /// Byte offset of its first line in the (decompressed) file.
    pub offset: u64,
    /// Byte offset just past its last line.
    pub end_offset: u64,
    /// Some stacks were cut (unavailable, elided, or the input ended mid-stack).
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

/// Everything read from one dump file, interned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    /// String table; index 0 is `""`.
    pub strings: Vec<String>,
    /// Deduplicated frames.
    pub frames: Vec<Frame>,
    /// Deduplicated stacks.
    pub stacks: Vec<Stack>,
    /// Every goroutine of every snapshot, in file order.
    pub goroutines: Vec<Goroutine>,
    /// The dumps in the file, in order.
    pub snapshots: Vec<Snapshot>,
}

impl Data {
    /// A string by id (`""` when out of range).
    pub fn str(&self, id: u32) -> &str {
        self.strings
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The goroutines of one snapshot.
    pub fn snapshot_goroutines(&self, s: usize) -> &[Goroutine] {
        match self.snapshots.get(s) {
            Some(sn) => self
                .goroutines
                .get(sn.start as usize..sn.end as usize)
                .unwrap_or(&[]),
            None => &[],
        }
    }

    /// The frames of a stack.
    pub fn stack_frames(&self, stack: u32) -> impl Iterator<Item = &Frame> + '_ {
        self.stacks
            .get(stack as usize)
            .map(|s| s.frames.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&f| self.frames.get(f as usize))
    }

    /// Total goroutines over all snapshots.
    pub fn total_goroutines(&self) -> u64 {
        self.snapshots.iter().map(|s| s.total).sum()
    }
}

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

    /// One dump line, unwrapped. `Err` says why it was not used.
    fn content(
        &mut self,
        s: &[u8],
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) -> Result<(), (DiagKind, &'static str)> {
        let t = trim(s);
        if t.is_empty() {
            self.end_goroutine(cx);
            return Ok(());
        }
        if let Some(p) = self.pending.take() {
            if let Some((path, line)) = self.file_line(t) {
                if p.headerless {
                    let pat = LineAt {
                        line: p.line,
                        offset: p.offset,
                    };
                    self.ensure_snapshot(pat, SnapshotKind::Traceback, "");
                    self.open_system(pat, end);
                }
                self.push_frame(p.func, p.args, path, line);
                self.touch(end);
                return Ok(());
            }
            if p.headerless {
                cx.diags.skip(
                    p.line,
                    p.offset,
                    DiagKind::Ignored,
                    "looks like a function call but no file:line follows; not part of a dump",
                );
                return self.content(s, at, end, cx);
            }
            cx.diags.note(
                p.line,
                p.offset,
                DiagKind::Malformed,
                "function line not followed by its file:line",
            );
            self.push_frame(p.func, p.args, 0, 0);
        }
        // Fast path: a function line inside a goroutine (no other line kind ends with `)`
        // and parses as a call without spaces in its name).
        if self.open.is_some() && t.last() == Some(&b')') {
            if let Some((func, args)) = self.func_line(t) {
                self.pending = Some(Pending {
                    func,
                    args,
                    line: at.line,
                    offset: at.offset,
                    headerless: false,
                });
                self.touch(end);
                return Ok(());
            }
        }
        if t.starts_with(b"goroutine ") {
            if let Some(h) = header::parse_header(t) {
                self.end_goroutine(cx);
                if self.snap_open && self.snap_ids.contains_key(&h.id) {
                    let first = self
                        .snapshots
                        .last()
                        .and_then(|s| self.goroutines.get(s.start as usize))
                        .and_then(|g| g.id);
                    if first == Some(h.id) || h.id == 1 {
                        // The dump's first goroutine again: a second dump without a preamble.
                        self.close_snapshot();
                    } else {
                        cx.diags.note(
                            at.line,
                            at.offset,
                            DiagKind::Malformed,
                            "goroutine listed twice in one dump (interleaved output?)",
                        );
                    }
                }
                self.ensure_snapshot(at, SnapshotKind::Traceback, "");
                self.snap_ids.insert(h.id, ());
                let state = self.strings.intern(h.state);
                self.open_goroutine(at, end, Some(h.id), 1, state, h.wait_minutes, h.locked);
                return Ok(());
            }
            if let Some(total) = pprof::parse_total(t) {
                self.end_goroutine(cx);
                self.close_snapshot();
                self.ensure_snapshot(at, SnapshotKind::Pprof, &String::from_utf8_lossy(t));
                if let Some(s) = self.snapshots.last_mut() {
                    s.declared_total = Some(total);
                }
                return Ok(());
            }
            if t.starts_with(b"goroutine running on other thread") {
                if let Some(o) = &mut self.open {
                    o.g.unavailable = true;
                }
                if let Some(s) = self.snapshots.last_mut() {
                    s.truncated = true;
                }
                self.touch(end);
                return Ok(());
            }
        }
        if let Some((func, parent)) = header::parse_created_by(t) {
            if self.open.is_none() {
                return Err((DiagKind::Malformed, "`created by` outside a goroutine"));
            }
            let func = self.strings.intern(func);
            if self.target == Target::Stack {
                self.target = Target::CreatedBy;
                if let Some(o) = &mut self.open {
                    o.g.parent = parent;
                }
            }
            self.pending = Some(Pending {
                func,
                args: 0,
                line: at.line,
                offset: at.offset,
                headerless: false,
            });
            self.touch(end);
            return Ok(());
        }
        if let Some(n) = header::parse_elided(t) {
            if let Some(o) = &mut self.open {
                if self.target == Target::Stack {
                    o.elided = Some((o.frames.len() as u32, n));
                }
            }
            if let Some(s) = self.snapshots.last_mut() {
                s.truncated = true;
            }
            self.touch(end);
            return Ok(());
        }
        if let Some(id) = header::parse_ancestor(t) {
            if let Some(o) = &mut self.open {
                o.g.ancestors.push(id);
                self.target = Target::Ancestor;
                self.touch(end);
                return Ok(());
            }
            return Err((DiagKind::Malformed, "ancestor marker outside a goroutine"));
        }
        if t[0] == b'#' {
            if let Some((func, file, line)) = pprof::parse_frame(t) {
                if self.open.is_some() {
                    let func = self.strings.intern(func);
                    let file = self.strings.intern(file);
                    self.push_frame(func, 0, file, line);
                    self.touch(end);
                    return Ok(());
                }
                return Err((DiagKind::Malformed, "pprof frame outside a `N @ …` block"));
            }
            let rest = trim(&t[1..]);
            if self.open.is_some() && (rest.starts_with(b"labels:") || rest.starts_with(b"0x")) {
                return Ok(()); // `# labels: {…}` and bare PCs carry nothing we show.
            }
            return Err((DiagKind::Ignored, "not part of a goroutine dump"));
        }
        if t[0].is_ascii_digit() {
            if let Some(n) = pprof::parse_block(t) {
                self.end_goroutine(cx);
                self.ensure_snapshot(at, SnapshotKind::Pprof, "");
                let st = self.state_empty;
                self.open_goroutine(at, end, None, n, st, None, false);
                return Ok(());
            }
        }
        if let Some(r) = header::parse_race(t) {
            self.race_line(r, at, end, cx);
            return Ok(());
        }
        if t == b"WARNING: DATA RACE" {
            self.end_goroutine(cx);
            self.close_snapshot();
            self.ensure_snapshot(at, SnapshotKind::Race, "WARNING: DATA RACE");
            return Ok(());
        }
        if t.starts_with(b"==================") {
            self.end_goroutine(cx);
            return Ok(());
        }
        if header::is_preamble(t) {
            self.end_goroutine(cx);
            let has_goroutines = self.snap_open
                && self.snapshots.last().is_some_and(|s| {
                    self.goroutines.len() as u32 > s.start || !s.system_stacks.is_empty()
                });
            if has_goroutines {
                self.close_snapshot();
            }
            let title = String::from_utf8_lossy(&t[..t.len().min(200)]).into_owned();
            self.ensure_snapshot(at, SnapshotKind::Traceback, &title);
            if let Some(s) = self.snapshots.last_mut() {
                if s.title.is_empty() {
                    s.title = title;
                }
            }
            return Ok(());
        }
        if t == b"runtime stack:" || t == b"goroutine stack:" {
            self.end_goroutine(cx);
            self.ensure_snapshot(at, SnapshotKind::Traceback, "");
            self.open_system(at, end);
            return Ok(());
        }
        if t.starts_with(b"=== END goroutine stack dump") {
            self.end_goroutine(cx);
            self.close_snapshot();
            return Ok(());
        }
        if header::is_preamble_detail(t) {
            if self.snap_open {
                return Ok(());
            }
            return Err((DiagKind::Ignored, "crash detail outside a dump"));
        }
        if let Some((func, args)) = self.func_line(t) {
            // Outside a goroutine this may start a stack without a header (signal handler,
            // copy-paste), or be any log line ending in `)`: the next line decides.
            self.pending = Some(Pending {
                func,
                args,
                line: at.line,
                offset: at.offset,
                headerless: self.open.is_none(),
            });
            self.touch(end);
            return Ok(());
        }
        if self.open.is_some() && frame::parse_file(t).is_some() {
            return Err((DiagKind::Malformed, "file:line without a function line"));
        }
        if self.open.is_some() {
            return Err((DiagKind::Malformed, "not a stack frame line"));
        }
        Err((DiagKind::Ignored, "not part of a goroutine dump"))
    }

    fn race_line(&mut self, r: RaceLine<'_>, at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        self.end_goroutine(cx);
        if !self
            .snapshots
            .last()
            .is_some_and(|s| self.snap_open && s.kind == SnapshotKind::Race)
        {
            self.close_snapshot();
            self.ensure_snapshot(at, SnapshotKind::Race, "DATA RACE");
        }
        match r {
            RaceLine::Access {
                write,
                previous,
                addr,
                goroutine,
            } => {
                let st = self.state_running;
                self.open_goroutine(at, end, Some(goroutine), 1, st, None, false);
                if let Some(o) = &mut self.open {
                    o.g.race = Some(RaceAccess {
                        write,
                        previous,
                        addr,
                    });
                }
            }
            RaceLine::Created { goroutine, state } => {
                let st = self.strings.intern(state);
                let start = self.snapshots.last().map(|s| s.start).unwrap_or(0) as usize;
                for g in &mut self.goroutines[start..] {
                    if g.id == Some(goroutine) {
                        g.state = st;
                    }
                }
                // Frames that follow are the creation stack; keep reading them into a
                // throwaway system stack so they are parsed and counted.
                self.open_system(at, end);
                self.target = Target::RaceCreation {
                    id: goroutine,
                    done: false,
                };
            }
        }
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

    /// End of input: close everything, push timeline events, hand over the data.
    pub fn finish(mut self, cx: &mut ParseCx<'_>) -> Data {
        // Input ending between a function line and its file line: the dump was cut off.
        if self.pending.as_ref().is_some_and(|p| !p.headerless) {
            if let Some(s) = self.snapshots.last_mut() {
                s.truncated = true;
            }
        }
        self.end_goroutine(cx);
        self.close_snapshot();
        let data = Data {
            strings: self.strings.list,
            frames: self.frames,
            stacks: self.stacks,
            goroutines: self.goroutines,
            snapshots: self.snapshots,
        };
        let mut kinds: Vec<&str> = Vec::new();
        let mut waits = contention::Waits::default();
        for (i, s) in data.snapshots.iter().enumerate() {
            let what = match s.kind {
                SnapshotKind::Pprof => "pprof goroutine profile (debug=1)",
                SnapshotKind::Race => "race report",
                SnapshotKind::Traceback if s.title.starts_with("panic") => "panic traceback",
                SnapshotKind::Traceback if s.title.starts_with("fatal error") => {
                    "fatal error traceback"
                }
                SnapshotKind::Traceback if s.title.starts_with("SIG") => "signal traceback",
                SnapshotKind::Traceback => "goroutine dump",
            };
            if !kinds.contains(&what) {
                kinds.push(what);
            }
            let severity = if s.title.starts_with("panic") || s.title.starts_with("fatal") {
                Severity::Critical
            } else if s.kind == SnapshotKind::Race {
                Severity::Error
            } else {
                Severity::Info
            };
            let label = format!("goroutine dump: {} goroutines", s.total);
            cx.events.push(NewEvent {
                time: s.time,
                kind: "goroutine_dump",
                severity,
                lane: &self.lane,
                label: &label,
                line: s.line,
                offset: s.offset,
                len: s.end_offset.saturating_sub(s.offset),
            });
            for lock in contention::find_locks(&data, i, &mut waits) {
                if lock.waiters < 2 {
                    continue;
                }
                let label = format!(
                    "lock contention: {} goroutines waiting on one lock",
                    lock.waiters
                );
                cx.events.push(NewEvent {
                    time: s.time,
                    kind: "lock_contention",
                    severity: Severity::Warning,
                    lane: &self.lane,
                    label: &label,
                    line: s.line,
                    offset: s.offset,
                    len: s.end_offset.saturating_sub(s.offset),
                });
                // With a wrapper time, the oldest waiter's age dates the start of the hang.
                let oldest = lock
                    .members
                    .iter()
                    .filter_map(|&gi| data.goroutines[gi].wait)
                    .max()
                    .unwrap_or(0);
                if s.time != NO_TIME && oldest > 0 {
                    cx.events.push(NewEvent {
                        time: s.time - oldest as i64 * 60 * crate::time::MICROS_PER_SEC,
                        kind: "lock_wait_start",
                        severity: Severity::Warning,
                        lane: &self.lane,
                        label:
                            "oldest lock waiter started waiting (estimated from a goroutine dump)",
                        line: s.line,
                        offset: s.offset,
                        len: s.end_offset.saturating_sub(s.offset),
                    });
                }
            }
        }
        let mut detail = kinds.join(", ");
        if data.snapshots.len() > 1 {
            detail.push_str(&format!("; {} snapshots", data.snapshots.len()));
        }
        if !self.wraps.is_empty() {
            let w: Vec<&str> = self.wraps.iter().map(|w| w.label()).collect();
            detail.push_str(&format!("; wrapped in {}", w.join(" + ")));
        }
        *cx.detail = detail;
        if data.snapshots.len() > 1 {
            cx.notes.push(format!(
                "{} dumps found in this file; each is a separate snapshot",
                data.snapshots.len()
            ));
        }
        data
    }
}
