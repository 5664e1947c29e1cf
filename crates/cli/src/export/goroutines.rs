//! `goroutines` (one row per goroutine of every dump, embedded dumps in logs too) and
//! `goroutine_groups` (the Goroutines view's groups: same state, stack and creator, with the
//! lock they wait on and its likely holder), both from the core's goroutine report.

use super::table::{Cols, TableWriter, Written, BATCH_ROWS};
use arrow_array::RecordBatch;
use std::io;
use whodunnit_core::goroutine::report::{frame_view, FrameView, GroupView, LockGroup};
use whodunnit_core::goroutine::{goroutine_data, report_with_members, Data, GoroutineQuery};
use whodunnit_core::Dataset;

/// `func (file:line)` for one frame, as a stack column entry.
fn frame_text(f: &FrameView) -> String {
    if f.location.is_empty() {
        f.func.to_string()
    } else {
        format!("{} ({})", f.func, f.location)
    }
}

/// The innermost frame outside the Go runtime (else the innermost).
fn top(frames: &[FrameView]) -> Option<&FrameView> {
    frames.iter().find(|f| !f.runtime).or(frames.first())
}

/// Write both tables.
pub fn export(ds: &Dataset, gw: &mut TableWriter, groups_w: &mut TableWriter) -> io::Result<()> {
    let q = GoroutineQuery::default();
    let (rep, members) = report_with_members(ds, &q);
    let group_of = |file: usize, gi: usize| -> Option<i64> {
        members
            .binary_search_by(|x| (x.0, x.1).cmp(&(file, gi)))
            .ok()
            .map(|i| members[i].2 as i64)
    };
    for (fi, f) in ds.files.iter().enumerate() {
        let Some(d) = goroutine_data(f) else {
            continue;
        };
        let mut at = 0;
        while at < d.goroutines.len() {
            let end = (at + BATCH_ROWS).min(d.goroutines.len());
            let rows: Vec<usize> = (at..end).collect();
            gw.write(
                "",
                &goroutine_batch(d, &f.meta.name, &rows, |gi| group_of(fi, gi)),
            )?;
            at = end;
        }
    }
    for chunk in rep.groups.chunks(BATCH_ROWS) {
        groups_w.write("", &group_batch(ds, chunk, &rep.lock_groups))?;
    }
    Ok(())
}

/// Close both tables (empty files when there were no dumps).
pub fn finish(gw: TableWriter, groups_w: TableWriter) -> io::Result<(Written, Written)> {
    let none = Data::default();
    Ok((
        gw.finish("", goroutine_batch(&none, "", &[], |_| None))?,
        groups_w.finish("", group_batch(&Dataset::default(), &[], &[]))?,
    ))
}

fn goroutine_batch(
    d: &Data,
    file: &str,
    rows: &[usize],
    group: impl Fn(usize) -> Option<i64>,
) -> RecordBatch {
    let gs: Vec<_> = rows.iter().map(|&gi| &d.goroutines[gi]).collect();
    let frames: Vec<Vec<FrameView>> = gs
        .iter()
        .map(|g| d.stack_frames(g.stack).map(|f| frame_view(d, f)).collect())
        .collect();
    let mut c = Cols::default();
    c.str("source_file", gs.iter().map(|_| Some(file)));
    c.i64(
        "snapshot",
        gs.iter().map(|g| Some(g.snapshot as i64)).collect(),
    );
    c.time(
        "snapshot_time",
        gs.iter().map(|g| d.snapshots[g.snapshot as usize].time),
    );
    c.i64(
        "goroutine_id",
        gs.iter().map(|g| g.id.map(|i| i as i64)).collect(),
    );
    c.i64("count", gs.iter().map(|g| Some(g.count as i64)).collect());
    c.str("state", gs.iter().map(|g| Some(d.str(g.state))));
    c.i64(
        "wait_minutes",
        gs.iter().map(|g| g.wait.map(|w| w as i64)).collect(),
    );
    c.bool(
        "locked_to_thread",
        gs.iter().map(|g| Some(g.locked)).collect(),
    );
    c.str(
        "top_function",
        frames.iter().map(|f| top(f).map(|f| &*f.func)),
    );
    let texts: Vec<Vec<String>> = frames
        .iter()
        .map(|fs| fs.iter().map(frame_text).collect())
        .collect();
    c.str_list("stack", texts.iter().map(|t| t.iter().map(String::as_str)));
    let created: Vec<Option<String>> = gs
        .iter()
        .map(|g| {
            g.created_by
                .and_then(|f| d.frames.get(f as usize))
                .map(|f| frame_text(&frame_view(d, f)))
        })
        .collect();
    c.str("created_by", created.iter().map(|s| s.as_deref()));
    c.i64(
        "parent_id",
        gs.iter().map(|g| g.parent.map(|p| p as i64)).collect(),
    );
    c.i64("group_id", rows.iter().map(|&gi| group(gi)).collect());
    c.i64("line", gs.iter().map(|g| Some(g.line as i64)).collect());
    c.i64(
        "byte_offset",
        gs.iter().map(|g| Some(g.offset as i64)).collect(),
    );
    c.i64("byte_len", gs.iter().map(|g| Some(g.len as i64)).collect());
    c.finish()
}

fn group_batch(ds: &Dataset, groups: &[GroupView], locks: &[LockGroup]) -> RecordBatch {
    let lock = |g: &GroupView| g.lock_group.and_then(|l| locks.get(l));
    let mut c = Cols::default();
    c.i64(
        "group_id",
        groups.iter().map(|g| Some(g.id as i64)).collect(),
    );
    c.str(
        "source_file",
        groups
            .iter()
            .map(|g| ds.files.get(g.file).map(|f| f.meta.name.as_str())),
    );
    c.i64(
        "snapshot",
        groups.iter().map(|g| Some(g.snapshot as i64)).collect(),
    );
    c.i64(
        "goroutines",
        groups.iter().map(|g| Some(g.count as i64)).collect(),
    );
    c.str("state", groups.iter().map(|g| Some(g.state.as_str())));
    c.i64(
        "wait_min_minutes",
        groups
            .iter()
            .map(|g| g.wait_min.map(|w| w as i64))
            .collect(),
    );
    c.i64(
        "wait_max_minutes",
        groups
            .iter()
            .map(|g| g.wait_max.map(|w| w as i64))
            .collect(),
    );
    c.i64(
        "locked_to_thread",
        groups.iter().map(|g| Some(g.locked as i64)).collect(),
    );
    c.str("title", groups.iter().map(|g| Some(g.title.as_str())));
    c.str(
        "top_function",
        groups.iter().map(|g| top(&g.frames).map(|f| &*f.func)),
    );
    let texts: Vec<Vec<String>> = groups
        .iter()
        .map(|g| g.frames.iter().map(frame_text).collect())
        .collect();
    c.str_list("stack", texts.iter().map(|t| t.iter().map(String::as_str)));
    let created: Vec<Option<String>> = groups
        .iter()
        .map(|g| g.created_by.as_ref().map(frame_text))
        .collect();
    c.str("created_by", created.iter().map(|s| s.as_deref()));
    c.str(
        "lock",
        groups.iter().map(|g| lock(g).map(|l| l.lock.as_str())),
    );
    c.str(
        "lock_kind",
        groups.iter().map(|g| lock(g).map(|l| l.kind.as_str())),
    );
    c.i64(
        "lock_waiters",
        groups
            .iter()
            .map(|g| lock(g).map(|l| l.waiters as i64))
            .collect(),
    );
    c.i64(
        "likely_holder_goroutine",
        groups
            .iter()
            .map(|g| {
                lock(g)
                    .and_then(|l| l.holders.first())
                    .and_then(|h| h.goroutine.map(|x| x as i64))
            })
            .collect(),
    );
    c.i64(
        "likely_holder_group",
        groups
            .iter()
            .map(|g| {
                lock(g)
                    .and_then(|l| l.holders.first())
                    .and_then(|h| h.group.map(|x| x as i64))
            })
            .collect(),
    );
    c.str(
        "lock_summary",
        groups.iter().map(|g| lock(g).map(|l| l.summary.as_str())),
    );
    c.bool(
        "first_in_snapshot",
        groups.iter().map(|g| Some(g.first)).collect(),
    );
    c.i64("line", groups.iter().map(|g| Some(g.line as i64)).collect());
    c.finish()
}
