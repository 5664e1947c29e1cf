//! One dump line: what it is (header, frame, pprof block, race report, crash preamble, …)
//! and which step of the parser it takes. `content` tests the kinds in a fixed order that
//! `merge::First::of` repeats for the first line of a part.

use super::{Parser, Pending, Target};
use crate::diag::DiagKind;
use crate::goroutine::frame::{self, trim};
use crate::goroutine::header::{self, RaceLine};
use crate::goroutine::model::{RaceAccess, SnapshotKind};
use crate::goroutine::pprof;
use crate::lines::LineAt;
use crate::parse::ParseCx;

impl Parser {
    /// One dump line, unwrapped. `Err` says why it was not used.
    pub(super) fn content(
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
}
