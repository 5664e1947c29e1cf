//! End of input: the last goroutine and snapshot closed, timeline events (dumps, lock
//! contention, the estimated start of the oldest lock wait), detail and notes.

use super::Parser;
use crate::event::{NewEvent, Severity};
use crate::goroutine::contention;
use crate::goroutine::model::{Data, SnapshotKind};
use crate::parse::ParseCx;
use crate::time::NO_TIME;

impl Parser {
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
                let oldest = lock.oldest_wait(&data);
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
