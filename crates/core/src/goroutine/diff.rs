//! Two dumps of the same process, minutes apart: which goroutines appeared, which vanished,
//! and which are still stuck in the same place, waiting longer (the signature of a hang).

use super::frame::{normalize_args, Similarity};
use super::in_files::goroutine_data;
use super::intern::FxMap;
use super::report::{snapshot_label, SnapshotInfo, SnapshotRef};
use super::views::{frame_view, stack_views, FrameView};
use super::Data;
use crate::dataset::Dataset;
use crate::time::{fmt_micros, NO_TIME};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A goroutine's story as text, comparable across files (string ids differ per file).
fn signatures(d: &Data, snap: usize, sim: Similarity) -> Vec<(usize, String)> {
    let s = &d.snapshots[snap];
    let mut cache: FxMap<u32, String> = FxMap::default();
    let mut buf = String::new();
    let mut out = Vec::new();
    for gi in s.start as usize..s.end as usize {
        let g = &d.goroutines[gi];
        let stack = cache
            .entry(g.stack)
            .or_insert_with(|| {
                let mut t = String::new();
                for f in d.stack_frames(g.stack) {
                    normalize_args(d.str(f.args), sim, &mut buf);
                    t.push_str(&format!(
                        "{}({})@{}:{};",
                        d.str(f.func),
                        buf,
                        d.str(f.file),
                        f.line
                    ));
                }
                t
            })
            .clone();
        let created = g
            .created_by
            .and_then(|f| d.frames.get(f as usize))
            .map(|f| format!("{}@{}:{}", d.str(f.func), d.str(f.file), f.line))
            .unwrap_or_default();
        out.push((gi, format!("{}|{}|{}", d.str(g.state), created, stack)));
    }
    out
}

/// Compare snapshot `sa` of `a` with snapshot `sb` of `b`.
pub fn compare(a: &Data, sa: usize, b: &Data, sb: usize, sim: Similarity) -> GoroutineDiff {
    let sig_a = signatures(a, sa, sim);
    let sig_b = signatures(b, sb, sim);
    let with_ids = sig_a.iter().all(|(gi, _)| a.goroutines[*gi].id.is_some())
        && sig_b.iter().all(|(gi, _)| b.goroutines[*gi].id.is_some());
    let mut out = GoroutineDiff::default();
    // signature → members, per list.
    let mut appeared: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut vanished: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut longer: BTreeMap<&str, (Vec<usize>, u32, u32)> = BTreeMap::new();
    if with_ids {
        let by_id_a: BTreeMap<u64, (usize, &str)> = sig_a
            .iter()
            .map(|(gi, s)| (a.goroutines[*gi].id.unwrap_or(0), (*gi, s.as_str())))
            .collect();
        let by_id_b: BTreeMap<u64, (usize, &str)> = sig_b
            .iter()
            .map(|(gi, s)| (b.goroutines[*gi].id.unwrap_or(0), (*gi, s.as_str())))
            .collect();
        for (id, (gi, s)) in &by_id_b {
            match by_id_a.get(id) {
                Some((ga, sa)) if sa == s => {
                    let (wa, wb) = (
                        a.goroutines[*ga].wait.unwrap_or(0),
                        b.goroutines[*gi].wait.unwrap_or(0),
                    );
                    if wb > wa {
                        let e = longer.entry(s).or_insert((Vec::new(), u32::MAX, 0));
                        e.0.push(*gi);
                        e.1 = e.1.min(wa);
                        e.2 = e.2.max(wb);
                    } else {
                        out.unchanged += 1;
                    }
                }
                Some((ga, sa)) => {
                    // Same goroutine, moved on: it left one story and joined another.
                    vanished.entry(sa).or_default().push(*ga);
                    appeared.entry(s).or_default().push(*gi);
                }
                None => appeared.entry(s).or_default().push(*gi),
            }
        }
        for (id, (gi, s)) in &by_id_a {
            if !by_id_b.contains_key(id) {
                vanished.entry(s).or_default().push(*gi);
            }
        }
        for (s, v) in appeared {
            out.appeared.push(entry(b, &v, String::new()));
            let _ = s;
        }
        for (_, v) in vanished {
            out.vanished.push(entry(a, &v, String::new()));
        }
        for (_, (v, lo, hi)) in longer {
            out.waited_longer
                .push(entry(b, &v, format!("{lo} min → {hi} min")));
        }
    } else {
        // pprof debug=1: no IDs; compare counts per story.
        let mut count_a: BTreeMap<&str, (u64, Vec<usize>)> = BTreeMap::new();
        for (gi, s) in &sig_a {
            let e = count_a.entry(s).or_default();
            e.0 += a.goroutines[*gi].count as u64;
            e.1.push(*gi);
        }
        let mut count_b: BTreeMap<&str, (u64, Vec<usize>)> = BTreeMap::new();
        for (gi, s) in &sig_b {
            let e = count_b.entry(s).or_default();
            e.0 += b.goroutines[*gi].count as u64;
            e.1.push(*gi);
        }
        for (s, (nb, vb)) in &count_b {
            let na = count_a.get(s).map(|x| x.0).unwrap_or(0);
            if *nb > na {
                let mut e = entry(b, vb, String::new());
                e.count = nb - na;
                out.appeared.push(e);
            }
            out.unchanged += na.min(*nb);
        }
        for (s, (na, va)) in &count_a {
            let nb = count_b.get(s).map(|x| x.0).unwrap_or(0);
            if *na > nb {
                let mut e = entry(a, va, String::new());
                e.count = na - nb;
                out.vanished.push(e);
            }
        }
        out.notes.push(
            "Without goroutine IDs (pprof debug=1) goroutines are matched by stack only.".into(),
        );
    }
    for l in [&mut out.appeared, &mut out.vanished, &mut out.waited_longer] {
        l.sort_by_key(|e| std::cmp::Reverse(e.count));
    }
    let n = |l: &[DiffEntry]| l.iter().map(|e| e.count).sum::<u64>();
    out.summary = format!(
        "+{} appeared, −{} vanished, {} still blocked and waiting longer, {} unchanged",
        n(&out.appeared),
        n(&out.vanished),
        n(&out.waited_longer),
        out.unchanged
    );
    out
}

/// Goroutines that appeared, vanished or waited longer between two snapshots of one process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoroutineDiff {
    /// The earlier snapshot.
    pub before: Option<SnapshotInfo>,
    /// The later snapshot.
    pub after: Option<SnapshotInfo>,
    /// Goroutines only in the later snapshot (or moved to a new stack).
    pub appeared: Vec<DiffEntry>,
    /// Goroutines only in the earlier snapshot (or moved away from this stack).
    pub vanished: Vec<DiffEntry>,
    /// Same goroutine, same stack, longer wait: still stuck.
    pub waited_longer: Vec<DiffEntry>,
    /// Goroutines present in both, unchanged.
    pub unchanged: u64,
    /// `+12 appeared, −3 vanished, 150 still blocked and waiting longer`.
    pub summary: String,
    /// Remarks for the user.
    pub notes: Vec<String>,
}

/// A group of goroutines in a diff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffEntry {
    /// How many goroutines.
    pub count: u64,
    /// Goroutine state as printed.
    pub state: String,
    /// Short title: the innermost non-runtime function and the state.
    pub title: String,
    /// Its stack, innermost first.
    pub frames: Vec<FrameView>,
    /// The `created by` frame of the first member.
    pub created_by: Option<FrameView>,
    /// Goroutine IDs (at most 200).
    pub ids: Vec<u64>,
    /// `3 min → 5 min` for goroutines that waited longer.
    pub wait_change: String,
}

/// Compare two snapshots (typically two dumps of the same process, minutes apart).
pub fn diff(
    ds: &Dataset,
    before: SnapshotRef,
    after: SnapshotRef,
    sim: Similarity,
) -> GoroutineDiff {
    let get = |r: SnapshotRef| {
        ds.files
            .get(r.file)
            .and_then(goroutine_data)
            .filter(|d| r.snapshot < d.snapshots.len())
    };
    let (Some(a), Some(b)) = (get(before), get(after)) else {
        return GoroutineDiff {
            notes: vec!["Both snapshots must exist to compare them.".into()],
            ..GoroutineDiff::default()
        };
    };
    let info = |r: SnapshotRef, d: &Data| {
        let s = &d.snapshots[r.snapshot];
        let name = &ds.files[r.file].meta.name;
        SnapshotInfo {
            file: r.file,
            file_name: name.clone(),
            snapshot: r.snapshot,
            kind: s.kind,
            title: s.title.clone(),
            goroutines: s.total,
            groups: 0,
            lock_groups: 0,
            time: s.time,
            time_text: fmt_micros(s.time),
            line: s.line,
            truncated: s.truncated,
            label: snapshot_label(name, r.snapshot, d.snapshots.len(), &s.title, s.total),
            system_stacks: Vec::new(),
        }
    };
    let mut out = compare(a, before.snapshot, b, after.snapshot, sim);
    out.before = Some(info(before, a));
    out.after = Some(info(after, b));
    if out.before.as_ref().map(|s| s.time) != Some(NO_TIME)
        && out.after.as_ref().map(|s| s.time) != Some(NO_TIME)
    {
        let dt = out.after.as_ref().unwrap().time - out.before.as_ref().unwrap().time;
        out.notes.push(format!(
            "The second dump was taken {} after the first.",
            crate::time::fmt_duration(dt)
        ));
    }
    out
}

/// One diff entry: the members' shared stack, state and IDs.
fn entry(data: &Data, members: &[usize], wait_change: String) -> DiffEntry {
    let g = &data.goroutines[members[0]];
    let frames = stack_views(data, g.stack);
    let state = data.str(g.state).to_string();
    let top = frames
        .iter()
        .find(|f| !f.runtime && !f.stdlib)
        .or(frames.first())
        .map(|f| f.func.clone())
        .unwrap_or_default();
    DiffEntry {
        count: members
            .iter()
            .map(|&gi| data.goroutines[gi].count as u64)
            .sum(),
        title: format!("{top} · {state}"),
        state,
        frames,
        created_by: g
            .created_by
            .and_then(|f| data.frames.get(f as usize))
            .map(|f| frame_view(data, f)),
        ids: members
            .iter()
            .filter_map(|&gi| data.goroutines[gi].id)
            .take(200)
            .collect(),
        wait_change,
    }
}
