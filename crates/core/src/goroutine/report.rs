//! The goroutine query the Goroutines view and `whodunnit goroutines` run: snapshots, lock
//! groups first (waiters, age histogram, periodicity, holder candidates), then every group,
//! the created-by tree; and [`diff`](mod@super::diff) for two snapshots of one process.

use super::contention::{self, Lock};
use super::frame::{base_name, package_of, Similarity};
use super::group;
use super::holder;
use super::in_files::goroutine_data;
use super::intern::FxMap;
use super::tree::{self, CreatorNode};
pub use super::views::{
    frame_view, stack_views, AgeCount, CallSite, FrameView, GroupView, HolderCandidate, LockGroup,
};
use super::views::{group_view, lock_view, Views, HOLDER_LOCKS};
use super::{Data, SnapshotKind};
use crate::dataset::Dataset;
use crate::time::{fmt_micros, Micros};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One snapshot: `file` indexes `Dataset::files`, `snapshot` that file's snapshots.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    /// Index into `Dataset::files`.
    pub file: usize,
    /// Index of the snapshot within its file.
    pub snapshot: usize,
}

/// What to show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GoroutineQuery {
    /// How goroutines are grouped (default: pointer arguments may differ).
    pub similarity: Similarity,
    /// Case-insensitive text searched in function names, source paths, packages and states.
    pub text: String,
    /// Only goroutines whose state contains this (case-insensitive); empty = all.
    pub state: String,
    /// Only goroutines with a frame in this package (or a sub-package of it).
    pub package: String,
    /// Only these files (indexes into `Dataset::files`); empty = every goroutine file.
    pub files: Vec<usize>,
    /// Only this snapshot.
    pub snapshot: Option<SnapshotRef>,
    /// At most this many groups (0 = all); lock groups are never cut.
    pub max_groups: usize,
}

/// A snapshot as listed in the view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Index into `Dataset::files`.
    pub file: usize,
    /// The file's name as given.
    pub file_name: String,
    /// Index of the snapshot within its file.
    pub snapshot: usize,
    /// What kind of dump or lock this is.
    pub kind: SnapshotKind,
    /// `panic: …`, `goroutine profile: total 154`, or empty.
    pub title: String,
    /// Goroutines (pprof counts summed).
    pub goroutines: u64,
    /// Groups at the query's similarity (after filters).
    pub groups: usize,
    /// Lock groups found in it.
    pub lock_groups: usize,
    /// From a wrapper (journald, CRI, logrus), else `i64::MIN`; `time_text` is `-` then.
    pub time: Micros,
    /// The time formatted (RFC 3339), or `-`.
    pub time_text: String,
    /// 1-based line number of its first line.
    pub line: u64,
    /// Some stacks were cut (unavailable, elided, or the input ended mid-stack).
    pub truncated: bool,
    /// Ready to show: `dump.txt #2 · panic: boom · 154 goroutines`.
    pub label: String,
    /// Stacks printed without a goroutine (`runtime stack:` of a fatal error, a signal
    /// handler's stack), innermost first.
    #[serde(default)]
    pub system_stacks: Vec<Vec<FrameView>>,
}

/// The answer to a [`GoroutineQuery`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoroutineReport {
    /// The similarity the groups were built with.
    pub similarity: Similarity,
    /// The snapshots read.
    pub snapshots: Vec<SnapshotInfo>,
    /// Contended locks, most waiters first.
    pub lock_groups: Vec<LockGroup>,
    /// Waiters parked at one call site in one wait state that are not mutex waiters (a channel
    /// in go-cni, a pipe read): the pile-ups a lock outside the process leaves.
    #[serde(default)]
    pub wait_sites: Vec<super::waits::WaitSiteView>,
    /// Groups: those waiting on a lock first, then by size (all selected snapshots together;
    /// `file`/`snapshot` say where each comes from).
    pub groups: Vec<GroupView>,
    /// Groups before `max_groups` cut.
    pub total_groups: usize,
    /// Created-by tree over the shown goroutines.
    pub tree: Vec<CreatorNode>,
    /// Goroutines in the selected snapshots.
    pub total_goroutines: u64,
    /// Goroutines passing the filters.
    pub matched_goroutines: u64,
    /// Remarks for the user.
    pub notes: Vec<String>,
}

/// Whether goroutine `gi` passes the query's filters.
fn matches(data: &Data, gi: usize, q: &GoroutineQuery, text: &str, state: &str) -> bool {
    let g = &data.goroutines[gi];
    if !state.is_empty() && !data.str(g.state).to_lowercase().contains(state) {
        return false;
    }
    let frames = || {
        data.stack_frames(g.stack)
            .chain(g.created_by.and_then(|f| data.frames.get(f as usize)))
    };
    if !q.package.is_empty()
        && !frames().any(|f| {
            let p = package_of(data.str(f.func));
            p == q.package || p.starts_with(&format!("{}/", q.package))
        })
    {
        return false;
    }
    if !text.is_empty() {
        let hit = data.str(g.state).to_lowercase().contains(text)
            || frames().any(|f| {
                data.str(f.func).to_lowercase().contains(text)
                    || data.str(f.file).to_lowercase().contains(text)
            });
        if !hit {
            return false;
        }
    }
    true
}

/// The goroutine files of the dataset selected by the query.
fn selected<'d>(ds: &'d Dataset, q: &GoroutineQuery) -> Vec<(usize, &'d Data)> {
    ds.files
        .iter()
        .enumerate()
        .filter(|(i, _)| q.files.is_empty() || q.files.contains(i))
        .filter(|(i, _)| q.snapshot.is_none_or(|s| s.file == *i))
        .filter_map(|(i, f)| goroutine_data(f).map(|d| (i, d)))
        .collect()
}

pub(super) fn snapshot_label(
    file_name: &str,
    snap: usize,
    n_snaps: usize,
    title: &str,
    total: u64,
) -> String {
    let mut s = base_name(file_name).to_string();
    if n_snaps > 1 {
        s.push_str(&format!(" #{}", snap + 1));
    }
    if !title.is_empty() {
        let t: String = title.chars().take(80).collect();
        s.push_str(&format!(" · {t}"));
    }
    s.push_str(&format!(" · {total} goroutines"));
    s
}

/// Run a query over every goroutine dump in the dataset.
pub fn report(ds: &Dataset, q: &GoroutineQuery) -> GoroutineReport {
    report_with_members(ds, q).0
}

/// [`report`], with every shown goroutine's group: `(file, index into Data::goroutines,
/// GroupView::id)`, sorted (what the Parquet export writes as `goroutines.group_id`).
pub fn report_with_members(
    ds: &Dataset,
    q: &GoroutineQuery,
) -> (GoroutineReport, Vec<(usize, usize, usize)>) {
    let text = q.text.trim().to_lowercase();
    let state = q.state.trim().to_lowercase();
    let mut rep = GoroutineReport {
        similarity: q.similarity,
        ..GoroutineReport::default()
    };
    // Every group as (file, bucket, lock group): its view is built only if it is shown.
    let mut all_groups: Vec<(usize, group::Bucket, Option<usize>)> = Vec::new();
    let mut file_views: BTreeMap<usize, Views> = BTreeMap::new();
    let mut tree_members: Vec<(usize, Vec<usize>)> = Vec::new();
    for (fi, data) in selected(ds, q) {
        let name = &ds.files[fi].meta.name;
        let mut file_members = Vec::new();
        // What the snapshots of one file share (ids are the file's): see each type.
        let mut norm = group::Normalizer::new(data, q.similarity);
        let mut waits = contention::Waits::default();
        let mut sites = super::waits::Sites::default();
        let mut holder_seen = holder::Seen::default();
        let mut views = Views::default();
        for (si, s) in data.snapshots.iter().enumerate() {
            if q.snapshot.is_some_and(|r| r.snapshot != si) {
                continue;
            }
            rep.total_goroutines += s.total;
            // Goroutines sharing state, stack and creator match alike: decide once per story.
            let filtering = !(text.is_empty() && state.is_empty() && q.package.is_empty());
            let mut seen: FxMap<(u32, u32, Option<u32>), bool> = FxMap::default();
            let mut pass = |gi: usize| -> bool {
                if !filtering {
                    return true;
                }
                let g = &data.goroutines[gi];
                *seen
                    .entry((g.state, g.stack, g.created_by))
                    .or_insert_with(|| matches(data, gi, q, &text, &state))
            };
            let buckets = group::buckets(data, si, &mut norm, &mut pass);
            let locks: Vec<Lock> = contention::find_locks(data, si, &mut waits)
                .into_iter()
                .filter(|l| l.members.iter().any(|&gi| pass(gi)))
                .collect();
            let lock_base = rep.lock_groups.len();
            let lock_of: FxMap<usize, usize> = locks
                .iter()
                .enumerate()
                .flat_map(|(li, l)| l.members.iter().map(move |&gi| (gi, li)))
                .collect();
            let groups = buckets.len();
            for b in buckets {
                rep.matched_goroutines += b.count;
                file_members.extend_from_slice(&b.members);
                let lock_group = lock_of.get(&b.members[0]).map(|p| p + lock_base);
                all_groups.push((fi, b, lock_group));
            }
            for (i, l) in locks.iter().enumerate() {
                let holders = (i < HOLDER_LOCKS).then_some((&mut waits, &mut holder_seen));
                rep.lock_groups
                    .push(lock_view(data, fi, l, holders, &mut views));
            }
            let min = super::waits::MIN_SITE_WAITERS;
            for w in super::waits::waiters_by_site(data, si, min, &mut sites) {
                if w.members.iter().all(|gi| lock_of.contains_key(gi))
                    || !w.members.iter().any(|&gi| pass(gi))
                {
                    continue;
                }
                rep.wait_sites.push(super::waits::site_view(data, fi, &w));
            }
            rep.snapshots.push(SnapshotInfo {
                file: fi,
                file_name: name.clone(),
                snapshot: si,
                kind: s.kind,
                title: s.title.clone(),
                goroutines: s.total,
                groups,
                lock_groups: locks.len(),
                time: s.time,
                time_text: fmt_micros(s.time),
                line: s.line,
                truncated: s.truncated,
                label: snapshot_label(name, si, data.snapshots.len(), &s.title, s.total),
                system_stacks: s
                    .system_stacks
                    .iter()
                    .map(|&st| views.stack(data, st))
                    .collect(),
            });
        }
        tree_members.push((fi, file_members));
        file_views.insert(fi, views);
    }
    rep.total_groups = all_groups.len();
    // Lock groups first, then largest groups; stable across snapshots.
    let mut order: Vec<usize> = (0..all_groups.len()).collect();
    order.sort_by(|&a, &b| {
        let (ga, gb) = (&all_groups[a], &all_groups[b]);
        gb.2.is_some()
            .cmp(&ga.2.is_some())
            .then(gb.1.count.cmp(&ga.1.count))
            .then(a.cmp(&b))
    });
    if q.max_groups > 0 {
        let locked: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| all_groups[i].2.is_some())
            .collect();
        let keep = q.max_groups.max(locked.len());
        order.truncate(keep);
    }
    // Group of each shown goroutine, per file by goroutine index: in order without a sort.
    let mut dense: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    // Each group is taken once, in the new order.
    let mut all_groups: Vec<Option<_>> = all_groups.into_iter().map(Some).collect();
    for (new, &old) in order.iter().enumerate() {
        let Some((file, b, lock_group)) = all_groups[old].take() else {
            continue;
        };
        let Some(data) = goroutine_data(&ds.files[file]) else {
            continue;
        };
        let views = file_views.entry(file).or_default();
        let mut g = group_view(data, file, b.snapshot, &b, lock_group, views);
        g.id = new;
        let of = dense
            .entry(file)
            .or_insert_with(|| vec![usize::MAX; data.goroutines.len()]);
        for &gi in &b.members {
            if let Some(slot) = of.get_mut(gi) {
                *slot = new;
            }
        }
        rep.groups.push(g);
    }
    let group_of = |file: usize, gi: usize| -> Option<usize> {
        dense
            .get(&file)
            .and_then(|v| v.get(gi))
            .copied()
            .filter(|&g| g != usize::MAX)
    };
    // Resolve holder → group and lock → waiter groups (in one pass over the groups: asking
    // every lock group of every group was 13 M comparisons on a file of 2,261 dumps).
    for g in &rep.groups {
        if let Some(lg) = g.lock_group.and_then(|li| rep.lock_groups.get_mut(li)) {
            lg.waiter_groups.push(g.id);
        }
    }
    let holder_members = holder_members(ds, &rep);
    for (li, hi, file, gi) in holder_members {
        rep.lock_groups[li].holders[hi].group = group_of(file, gi);
    }
    for (fi, members) in tree_members {
        if let Some(d) = goroutine_data(&ds.files[fi]) {
            rep.tree.extend(tree::build(d, &members));
        }
    }
    if rep.snapshots.is_empty() {
        rep.notes
            .push("No goroutine dump among the files (or none matches the selection).".into());
    }
    if q.similarity == Similarity::Exact {
        rep.notes
            .push("Exact similarity: goroutines differing in any argument are shown apart.".into());
    }
    let member_group = dense
        .iter()
        .flat_map(|(&file, of)| {
            of.iter()
                .enumerate()
                .filter(|x| *x.1 != usize::MAX)
                .map(move |(gi, &g)| (file, gi, g))
        })
        .collect();
    (rep, member_group)
}

/// (lock group, holder index, file, goroutine index) for every holder candidate.
fn holder_members(ds: &Dataset, rep: &GoroutineReport) -> Vec<(usize, usize, usize, usize)> {
    let mut out = Vec::new();
    for (li, lg) in rep.lock_groups.iter().enumerate() {
        let Some(d) = goroutine_data(&ds.files[lg.file]) else {
            continue;
        };
        let s = &d.snapshots[lg.snapshot];
        for (hi, h) in lg.holders.iter().enumerate() {
            if let Some(gi) = (s.start as usize..s.end as usize)
                .find(|&gi| d.goroutines[gi].line == h.line && d.goroutines[gi].id == h.goroutine)
            {
                out.push((li, hi, lg.file, gi));
            }
        }
    }
    out
}
