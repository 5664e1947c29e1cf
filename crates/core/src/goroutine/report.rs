//! The goroutine query the Goroutines view and `whodunnit goroutines` run: snapshots, lock
//! groups first (waiters, age histogram, periodicity, holder candidates), then every group,
//! the created-by tree; and [`diff`] for two snapshots of one process.

use super::contention::{self, AgeBucket, Lock};
use super::frame::{base_name, is_runtime, is_stdlib, package_of, Similarity};
use super::group;
use super::holder;
use super::in_files::goroutine_data;
use super::intern::FxMap;
use super::tree::{self, CreatorNode};
use super::{Data, Frame, SnapshotKind};
use crate::dataset::Dataset;
use crate::time::{fmt_micros, Micros};
use serde::{Deserialize, Serialize};

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

/// One frame, display-ready.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameView {
    /// Fully qualified function: `net/http.(*conn).serve`.
    pub func: String,
    /// `net/http`.
    pub package: String,
    /// Function without its package: `(*conn).serve`.
    pub name: String,
    /// Arguments as printed (merged groups show the first member's).
    pub args: String,
    /// Full source path as printed.
    pub file: String,
    /// `server.go:1895` (empty when the dump had no file line).
    pub location: String,
    /// 1-based line number of its first line.
    pub line: u32,
    /// Go standard library (collapsible).
    pub stdlib: bool,
    /// Go runtime internals (collapsed by default).
    pub runtime: bool,
}

/// Goroutines with the same story.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    /// Position in `GoroutineReport::groups`.
    pub id: usize,
    /// Index into `Dataset::files`.
    pub file: usize,
    /// Index of the snapshot within its file.
    pub snapshot: usize,
    /// How many goroutines.
    pub count: u64,
    /// State (`semacquire`; `(pprof: not recorded)` for debug=1 profiles).
    pub state: String,
    /// Shortest printed wait, in minutes (`None` when no member printed one).
    pub wait_min: Option<u32>,
    /// Longest printed wait, in minutes.
    pub wait_max: Option<u32>,
    /// `12 min`, `3–12 min`, or empty.
    pub wait_text: String,
    /// How many are locked to an OS thread.
    pub locked: u64,
    /// The `created by` frame of the first member.
    pub created_by: Option<FrameView>,
    /// Goroutine IDs (at most 500; `ids_total` says how many).
    pub ids: Vec<u64>,
    /// How many IDs the group has (`ids` is cut at 500).
    pub ids_total: usize,
    /// Innermost first.
    pub frames: Vec<FrameView>,
    /// `…N frames elided after frame M…`, when the runtime cut the stack.
    pub elided: Option<String>,
    /// Stacks of these goroutines were unavailable (running on another thread).
    pub unavailable: bool,
    /// Index into `GoroutineReport::lock_groups` when these goroutines wait on a lock.
    pub lock_group: Option<usize>,
    /// Race-detector access (`write at 0xc4211413e0`), for race reports.
    pub race: Option<String>,
    /// Contains the snapshot's first goroutine (the one that panicked, in a crash).
    pub first: bool,
    /// Short title: the innermost non-runtime function and the state.
    pub title: String,
    /// Line of the first member's header, to jump to the source.
    pub line: u64,
}

/// Where waiters called Lock from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSite {
    /// The call site (first frame outside `sync`).
    pub frame: FrameView,
    /// How many goroutines.
    pub count: u64,
}

/// A goroutine that may hold a contended lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolderCandidate {
    /// Goroutine ID (`None` in pprof `debug=1` profiles).
    pub goroutine: Option<u64>,
    /// Goroutine state as printed.
    pub state: String,
    /// Minutes blocked, as printed.
    pub wait_minutes: Option<u32>,
    /// Higher is likelier; comparable within one lock group.
    pub score: u32,
    /// Why it is a candidate, one sentence each.
    pub reasons: Vec<String>,
    /// Its stack, innermost first.
    pub frames: Vec<FrameView>,
    /// Its group in `GoroutineReport::groups`, when shown.
    pub group: Option<usize>,
    /// 1-based line number of its first line.
    pub line: u64,
}

/// Goroutines blocked on one lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockGroup {
    /// Index into `Dataset::files`.
    pub file: usize,
    /// Index of the snapshot within its file.
    pub snapshot: usize,
    /// The mutex address, or `main.a2 (stackdemo.go:71)` when no address is visible.
    pub lock: String,
    /// The mutex address (`0x…`), when visible in the frames.
    pub address: Option<String>,
    /// `sync.Mutex`, `sync.RWMutex (Lock)`, `sync.RWMutex (RLock)`.
    pub kind: String,
    /// Goroutines waiting on it.
    pub waiters: u64,
    /// Where the waiters call Lock from, most waiters first.
    pub call_sites: Vec<CallSite>,
    /// Wait ages of the waiters.
    pub histogram: Vec<AgeBucket>,
    /// Age of the oldest waiter, in minutes (0 = under a minute).
    pub oldest_minutes: u32,
    /// Age of the youngest waiter, in minutes.
    pub newest_minutes: u32,
    /// `one new waiter every ~2m …` when ages are evenly spaced.
    pub periodicity: Option<String>,
    /// The step of evenly spaced ages, in minutes (with `periodicity`).
    #[serde(default)]
    pub period_minutes: Option<u32>,
    /// Every distinct wait age with its waiter count, youngest first (exact, unlike the
    /// histogram's bins).
    #[serde(default)]
    pub ages: Vec<AgeCount>,
    /// Likely holders, best first (at most five).
    pub holders: Vec<HolderCandidate>,
    /// What no candidate means here (leaked lock, self-deadlock, truncated dump).
    pub no_holder: Option<String>,
    /// Groups (indexes into `GoroutineReport::groups`) made of these waiters.
    pub waiter_groups: Vec<usize>,
    /// One sentence: `150 goroutines wait on sync.Mutex 0xc000192068 (oldest 12 min)`.
    pub summary: String,
}

/// Waiters that have waited a given number of minutes (0 = under a minute).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeCount {
    /// Minutes waited (0 = under a minute).
    pub minutes: u32,
    /// How many goroutines.
    pub count: u64,
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

/// Display form of a frame.
pub fn frame_view(data: &Data, f: &Frame) -> FrameView {
    let func = data.str(f.func);
    let file = data.str(f.file);
    let package = package_of(func);
    FrameView {
        func: func.to_string(),
        package: package.to_string(),
        name: func
            .get(package.len()..)
            .map(|s| s.trim_start_matches('.'))
            .unwrap_or(func)
            .to_string(),
        args: data.str(f.args).to_string(),
        file: file.to_string(),
        location: if file.is_empty() {
            String::new()
        } else {
            format!("{}:{}", base_name(file), f.line)
        },
        line: f.line,
        stdlib: is_stdlib(package, file),
        runtime: is_runtime(package),
    }
}

pub(super) fn stack_views(data: &Data, stack: u32) -> Vec<FrameView> {
    data.stack_frames(stack)
        .map(|f| frame_view(data, f))
        .collect()
}

fn wait_text(lo: Option<u32>, hi: Option<u32>) -> String {
    match (lo, hi) {
        (Some(a), Some(b)) if a == b => format!("{a} min"),
        (Some(a), Some(b)) => format!("{a}–{b} min"),
        (None, Some(b)) => format!("<1–{b} min"),
        _ => String::new(),
    }
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
    let mut all_groups: Vec<(GroupView, Vec<usize>, usize)> = Vec::new();
    let mut tree_members: Vec<(usize, Vec<usize>)> = Vec::new();
    for (fi, data) in selected(ds, q) {
        let name = &ds.files[fi].meta.name;
        let mut file_members = Vec::new();
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
            let buckets = group::buckets(data, si, q.similarity, &mut pass);
            let locks: Vec<Lock> = contention::find_locks(data, si)
                .into_iter()
                .filter(|l| l.members.iter().any(|&gi| pass(gi)))
                .collect();
            let lock_base = rep.lock_groups.len();
            let group_base = all_groups.len();
            let lock_of: std::collections::HashMap<usize, usize> = locks
                .iter()
                .enumerate()
                .flat_map(|(li, l)| l.members.iter().map(move |&gi| (gi, li)))
                .collect();
            for b in &buckets {
                rep.matched_goroutines += b.count;
                file_members.extend_from_slice(&b.members);
                let lock_group = lock_of.get(&b.members[0]).map(|p| p + lock_base);
                all_groups.push((
                    group_view(data, fi, si, b, lock_group),
                    b.members.clone(),
                    group_base,
                ));
            }
            for (i, l) in locks.iter().enumerate() {
                rep.lock_groups
                    .push(lock_view(data, fi, l, i < HOLDER_LOCKS));
            }
            for w in super::waits::waiters_by_site(data, si, super::waits::MIN_SITE_WAITERS) {
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
                groups: buckets.len(),
                lock_groups: locks.len(),
                time: s.time,
                time_text: fmt_micros(s.time),
                line: s.line,
                truncated: s.truncated,
                label: snapshot_label(name, si, data.snapshots.len(), &s.title, s.total),
                system_stacks: s
                    .system_stacks
                    .iter()
                    .map(|&st| stack_views(data, st))
                    .collect(),
            });
        }
        tree_members.push((fi, file_members));
    }
    rep.total_groups = all_groups.len();
    // Lock groups first, then largest groups; stable across snapshots.
    let mut order: Vec<usize> = (0..all_groups.len()).collect();
    order.sort_by(|&a, &b| {
        let (ga, gb) = (&all_groups[a].0, &all_groups[b].0);
        gb.lock_group
            .is_some()
            .cmp(&ga.lock_group.is_some())
            .then(gb.count.cmp(&ga.count))
            .then(a.cmp(&b))
    });
    if q.max_groups > 0 {
        let locked: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| all_groups[i].0.lock_group.is_some())
            .collect();
        let keep = q.max_groups.max(locked.len());
        order.truncate(keep);
    }
    let mut new_id = vec![None; all_groups.len()];
    for (new, &old) in order.iter().enumerate() {
        new_id[old] = Some(new);
    }
    let mut member_group: Vec<(usize, usize, usize)> = Vec::new(); // (file, goroutine, group)
    for (new, &old) in order.iter().enumerate() {
        let (mut g, members, _) = all_groups[old].clone();
        g.id = new;
        for gi in &members {
            member_group.push((g.file, *gi, new));
        }
        rep.groups.push(g);
    }
    member_group.sort_unstable();
    let group_of = |file: usize, gi: usize| -> Option<usize> {
        member_group
            .binary_search_by(|x| (x.0, x.1).cmp(&(file, gi)))
            .ok()
            .map(|i| member_group[i].2)
    };
    // Resolve holder → group and lock → waiter groups.
    for (li, lg) in rep.lock_groups.iter_mut().enumerate() {
        lg.waiter_groups = rep
            .groups
            .iter()
            .filter(|g| g.lock_group == Some(li))
            .map(|g| g.id)
            .collect();
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

fn group_view(
    data: &Data,
    file: usize,
    snap: usize,
    b: &group::Bucket,
    lock_group: Option<usize>,
) -> GroupView {
    let first = &data.goroutines[b.members[0]];
    let mut lo: Option<u32> = None;
    let mut hi: Option<u32> = None;
    let mut locked = 0;
    let mut unavailable = false;
    for &gi in &b.members {
        let g = &data.goroutines[gi];
        if let Some(w) = g.wait {
            lo = Some(lo.map_or(w, |x| x.min(w)));
            hi = Some(hi.map_or(w, |x| x.max(w)));
        }
        if g.locked {
            locked += g.count as u64;
        }
        unavailable |= g.unavailable;
    }
    // Some members printed no wait (under a minute): the range starts below 1.
    let any_none = b
        .members
        .iter()
        .any(|&gi| data.goroutines[gi].wait.is_none());
    let shown_lo = if any_none && hi.is_some() { None } else { lo };
    let frames = stack_views(data, first.stack);
    let state = match data.str(first.state) {
        "" => "(pprof: not recorded)".to_string(),
        s => s.to_string(),
    };
    let top = frames
        .iter()
        .find(|f| !f.runtime && !f.stdlib)
        .or_else(|| frames.iter().find(|f| !f.runtime))
        .or(frames.first())
        .map(|f| f.func.clone())
        .unwrap_or_else(|| "(no frames)".into());
    let stack = &data.stacks[first.stack as usize];
    let ids: Vec<u64> = b
        .members
        .iter()
        .filter_map(|&gi| data.goroutines[gi].id)
        .collect();
    let snap_start = data.snapshots[snap].start as usize;
    GroupView {
        id: 0,
        file,
        snapshot: snap,
        count: b.count,
        title: format!("{top} · {state}"),
        state,
        wait_min: lo,
        wait_max: hi,
        wait_text: wait_text(shown_lo, hi),
        locked,
        created_by: first
            .created_by
            .and_then(|f| data.frames.get(f as usize))
            .map(|f| frame_view(data, f)),
        ids_total: ids.len(),
        ids: ids.into_iter().take(500).collect(),
        frames,
        elided: stack.elided.map(|(at, n)| {
            if n > 0 {
                format!("…{n} frames elided after frame {at}…")
            } else {
                format!("…frames elided after frame {at}…")
            }
        }),
        unavailable,
        lock_group,
        race: first.race.map(|r| {
            format!(
                "{}{}{}",
                if r.previous { "previous " } else { "" },
                if r.write { "write" } else { "read" },
                r.addr.map(|a| format!(" at {a:#x}")).unwrap_or_default()
            )
        }),
        first: b.members[0] == snap_start,
        line: first.line,
    }
}

/// Holder candidates are searched for the largest locks of a snapshot only: each search scans
/// every goroutine, and a dump can have thousands of tiny locks.
const HOLDER_LOCKS: usize = 20;

fn lock_view(data: &Data, file: usize, l: &Lock, find_holders: bool) -> LockGroup {
    let ages = contention::ages(data, &l.members);
    let oldest = ages.last().map(|a| a.0).unwrap_or(0);
    let newest = ages.first().map(|a| a.0).unwrap_or(0);
    let (cands, no_holder) = if find_holders {
        holder::candidates(data, l, 5)
    } else {
        (
            Vec::new(),
            Some(format!(
                "Not analyzed: holders are searched for the {HOLDER_LOCKS} locks with the most waiters in each dump."
            )),
        )
    };
    let address = l.addr.map(|a| format!("{a:#x}"));
    let lock = match (&address, l.site) {
        (Some(a), _) => a.clone(),
        (None, Some(fi)) => {
            let f = frame_view(data, &data.frames[fi as usize]);
            format!("{} ({})", f.func, f.location)
        }
        (None, None) => "(unknown lock)".to_string(),
    };
    let summary = format!(
        "{} goroutine{} wait{} on {} {}{}",
        l.waiters,
        if l.waiters == 1 { "" } else { "s" },
        if l.waiters == 1 { "s" } else { "" },
        l.kind.label(),
        if address.is_some() {
            lock.clone()
        } else {
            format!("taken at {lock}")
        },
        if oldest > 0 {
            format!(" (oldest {oldest} min)")
        } else {
            String::new()
        }
    );
    LockGroup {
        file,
        snapshot: l.snapshot,
        lock,
        address,
        kind: l.kind.label().to_string(),
        waiters: l.waiters,
        call_sites: l
            .call_sites
            .iter()
            .map(|&(fi, count)| CallSite {
                frame: frame_view(data, &data.frames[fi as usize]),
                count,
            })
            .collect(),
        histogram: contention::histogram(&ages),
        oldest_minutes: oldest,
        newest_minutes: newest,
        periodicity: contention::periodicity(&ages, contention::Behind::Lock),
        period_minutes: contention::period(&ages).map(|p| p.0),
        ages: ages
            .iter()
            .map(|&(minutes, count)| AgeCount { minutes, count })
            .collect(),
        holders: cands
            .into_iter()
            .map(|c| {
                let g = &data.goroutines[c.goroutine];
                HolderCandidate {
                    goroutine: g.id,
                    state: data.str(g.state).to_string(),
                    wait_minutes: g.wait,
                    score: c.score,
                    reasons: c.reasons,
                    frames: stack_views(data, g.stack),
                    group: None,
                    line: g.line,
                }
            })
            .collect(),
        no_holder,
        waiter_groups: Vec::new(),
        summary,
    }
}
