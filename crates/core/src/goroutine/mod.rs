//! Go goroutine dumps: panic/fatal tracebacks, SIGQUIT dumps, `runtime/pprof` goroutine
//! profiles (`debug=1` and `debug=2`) and race-detector reports, raw or wrapped in journald,
//! CRI/Docker or logrus lines; several dumps in one file become separate snapshots.
//!
//! What a file parses into (frames, stacks, goroutines, snapshots, [`Data`]) is `model.rs`;
//! parsing is a streaming state machine over lines in `parser/` (with `parser/merge.rs`
//! joining the parts of one file read in parallel); the grammar of single lines lives in
//! [`header`], [`frame`], [`pprof`] and [`unwrap`]; this file keeps [`sniff`]. Analyses over
//! the parsed [`Data`]: [`group`] (panicparse-style similarity buckets), [`contention`] (mutex
//! waiters grouped by lock), [`holder`] (who probably holds it), [`tree`] (created-by tree),
//! [`diff`](mod@diff) (two snapshots of one process), and [`report`](mod@report) (the query the views and the CLI
//! run).

pub mod contention;
pub mod diff;
pub mod frame;
pub mod group;
pub mod header;
pub mod holder;
mod in_files;
mod intern;
mod model;
mod parser;
pub mod pprof;
pub mod report;
pub mod tree;
pub mod unwrap;
pub mod views;
pub mod waits;

pub use diff::{diff, DiffEntry, GoroutineDiff};
pub use frame::Similarity;
pub use in_files::goroutine_data;
pub use model::{Data, Frame, Goroutine, RaceAccess, Snapshot, SnapshotKind, Stack};
pub use parser::{part_start, Parser};
pub use report::{report, report_with_members, GoroutineQuery, GoroutineReport};

use frame::trim;

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
