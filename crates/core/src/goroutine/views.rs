//! What the Goroutines view shows of a dump, display-ready: frames, groups and lock groups
//! (waiters, ages, holder candidates), built from a file's [`Data`] for the report
//! ([`report`](mod@super::report)) and the diff. Builders remember per file what snapshots repeat
//! (`Views`).

use super::contention::{self, AgeBucket, Lock};
use super::frame::{base_name, is_runtime, is_stdlib, package_of};
use super::group;
use super::holder;
use super::intern::FxMap;
use super::{Data, Frame};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One frame, display-ready. Its texts are shared (`Arc<str>`): every group of every snapshot
/// showing a stack holds its frames, and copying six strings per frame was a seventh of a
/// report over a file of 2,261 dumps; a shared text is copied by a count.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameView {
    /// Fully qualified function: `net/http.(*conn).serve`.
    pub func: Arc<str>,
    /// `net/http`.
    pub package: Arc<str>,
    /// Function without its package: `(*conn).serve`.
    pub name: Arc<str>,
    /// Arguments as printed (merged groups show the first member's).
    pub args: Arc<str>,
    /// Full source path as printed.
    pub file: Arc<str>,
    /// `server.go:1895` (empty when the dump had no file line).
    pub location: Arc<str>,
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

/// Display form of a frame.
pub fn frame_view(data: &Data, f: &Frame) -> FrameView {
    let func = data.str(f.func);
    let file = data.str(f.file);
    let package = package_of(func);
    FrameView {
        func: func.into(),
        package: package.into(),
        name: func
            .get(package.len()..)
            .map(|s| s.trim_start_matches('.'))
            .unwrap_or(func)
            .into(),
        args: data.str(f.args).into(),
        file: file.into(),
        location: if file.is_empty() {
            "".into()
        } else {
            format!("{}:{}", base_name(file), f.line).into()
        },
        line: f.line,
        stdlib: is_stdlib(package, file),
        runtime: is_runtime(package),
    }
}

pub fn stack_views(data: &Data, stack: u32) -> Vec<FrameView> {
    data.stack_frames(stack)
        .map(|f| frame_view(data, f))
        .collect()
}

/// The display form of each stack and frame of one file, built once: groups of every snapshot
/// show the same stacks again.
#[derive(Default)]
pub(super) struct Views {
    stacks: FxMap<u32, Vec<FrameView>>,
    frames: FxMap<u32, FrameView>,
}

impl Views {
    pub(super) fn stack(&mut self, data: &Data, stack: u32) -> Vec<FrameView> {
        self.stacks
            .entry(stack)
            .or_insert_with(|| stack_views(data, stack))
            .clone()
    }

    pub(super) fn frame(&mut self, data: &Data, id: u32) -> FrameView {
        self.frames
            .entry(id)
            .or_insert_with(|| frame_view(data, &data.frames[id as usize]))
            .clone()
    }
}

fn wait_text(lo: Option<u32>, hi: Option<u32>) -> String {
    match (lo, hi) {
        (Some(a), Some(b)) if a == b => format!("{a} min"),
        (Some(a), Some(b)) => format!("{a}–{b} min"),
        (None, Some(b)) => format!("<1–{b} min"),
        _ => String::new(),
    }
}

/// The view of one group of goroutines (`b`) of snapshot `snap`.
pub(super) fn group_view(
    data: &Data,
    file: usize,
    snap: usize,
    b: &group::Bucket,
    lock_group: Option<usize>,
    views: &mut Views,
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
    let frames = views.stack(data, first.stack);
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
            .filter(|&f| (f as usize) < data.frames.len())
            .map(|f| views.frame(data, f)),
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
pub(super) const HOLDER_LOCKS: usize = 20;

/// The view of one lock; `holders`: the file's memos when its holders are to be searched.
pub(super) fn lock_view(
    data: &Data,
    file: usize,
    l: &Lock,
    holders: Option<(&mut contention::Waits, &mut holder::Seen)>,
    views: &mut Views,
) -> LockGroup {
    let ages = contention::ages(data, &l.members);
    let oldest = ages.last().map(|a| a.0).unwrap_or(0);
    let newest = ages.first().map(|a| a.0).unwrap_or(0);
    let (cands, no_holder) = if let Some((waits, seen)) = holders {
        holder::candidates(data, l, 5, waits, seen)
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
            let f = views.frame(data, fi);
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
                frame: views.frame(data, fi),
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
                    frames: views.stack(data, g.stack),
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
