//! Waiters grouped by where they block, not only by mutex: goroutines in one snapshot parked in
//! the same wait state (`chan receive`, `select`, `IO wait`, …) at the same call site (the
//! first frame of the program's own code, else of the standard library outside the runtime). A pile-up whose real lock is outside the process
//! — a CNI plugin holding a file lock while every new `RunPodSandbox` waits on a channel in
//! go-cni's `attachNetworks` — has no common mutex address; it shows as many waiters at one call
//! site whose ages step at the caller's pace.

use super::frame::{is_stdlib, package_of};
use super::intern::FxMap;
use super::Data;
use std::collections::BTreeMap;

/// Goroutines of one snapshot blocked in one wait state at one call site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteWaiters {
    /// Index of the snapshot within its file.
    pub snapshot: usize,
    /// The wait state as printed (`chan receive`).
    pub state: String,
    /// The blocking call site: function, file and line of the first frame outside the runtime.
    pub func: String,
    pub file: String,
    pub line: u32,
    /// Indexes into `Data::goroutines`.
    pub members: Vec<usize>,
    /// Goroutines (pprof counts summed).
    pub waiters: u64,
}

/// Not a wait: the goroutine runs or could.
fn is_active(state: &str) -> bool {
    matches!(state, "running" | "runnable" | "syscall" | "dead" | "idle")
}

fn is_runtime_pkg(pkg: &str) -> bool {
    pkg == "runtime"
        || pkg.starts_with("runtime/internal")
        || pkg == "sync"
        || pkg == "internal/sync"
}

/// The wait site of each stack, remembered: it depends on the stack only, and a file's
/// snapshots repeat their stacks. One per file: ids are the file's.
#[derive(Default)]
pub struct Sites {
    seen: FxMap<u32, Option<u32>>,
}

impl Sites {
    /// The frame id where a goroutine with stack `stack` waits: the first frame of the
    /// program's own code (not the runtime, `internal/…` or the standard library: every IO
    /// waiter parks in internal/poll), else the first outside the runtime.
    fn site(&mut self, data: &Data, stack: u32) -> Option<u32> {
        *self.seen.entry(stack).or_insert_with(|| {
            let stack = data.stacks.get(stack as usize)?;
            let frame_pkg = |fi: u32| {
                data.frames.get(fi as usize).map(|f| {
                    let func = data.str(f.func);
                    (package_of(func), data.str(f.file))
                })
            };
            stack
                .frames
                .iter()
                .copied()
                .find(|&fi| {
                    frame_pkg(fi).is_some_and(|(pkg, file)| {
                        !is_runtime_pkg(pkg)
                            && !pkg.starts_with("internal/")
                            && !is_stdlib(pkg, file)
                    })
                })
                .or_else(|| {
                    stack.frames.iter().copied().find(|&fi| {
                        frame_pkg(fi).is_some_and(|(pkg, _)| {
                            !is_runtime_pkg(pkg) && !pkg.starts_with("internal/")
                        })
                    })
                })
        })
    }
}

/// Every group of at least `min` waiters in snapshot `snap`, most waiters first. `sites` is
/// the file's (one for all its snapshots).
pub fn waiters_by_site(data: &Data, snap: usize, min: u64, sites: &mut Sites) -> Vec<SiteWaiters> {
    let Some(s) = data.snapshots.get(snap) else {
        return Vec::new();
    };
    let mut by: BTreeMap<(u32, u32, u32, u32), SiteWaiters> = BTreeMap::new();
    for gi in s.start as usize..s.end as usize {
        let g = &data.goroutines[gi];
        let state = data.str(g.state);
        if is_active(state) {
            continue;
        }
        let Some(fi) = sites.site(data, g.stack) else {
            continue;
        };
        let f = &data.frames[fi as usize];
        let w = by
            .entry((g.state, f.func, f.file, f.line))
            .or_insert_with(|| SiteWaiters {
                snapshot: snap,
                state: state.to_string(),
                func: data.str(f.func).to_string(),
                file: data.str(f.file).to_string(),
                line: f.line,
                members: Vec::new(),
                waiters: 0,
            });
        w.members.push(gi);
        w.waiters += g.count as u64;
    }
    let mut v: Vec<SiteWaiters> = by.into_values().filter(|w| w.waiters >= min).collect();
    v.sort_by(|a, b| b.waiters.cmp(&a.waiters).then(a.members.cmp(&b.members)));
    v
}

/// The functions of a goroutine's stack, innermost first.
pub fn stack_funcs(data: &Data, gi: usize) -> Vec<&str> {
    let Some(g) = data.goroutines.get(gi) else {
        return Vec::new();
    };
    data.stacks
        .get(g.stack as usize)
        .map(|s| {
            s.frames
                .iter()
                .filter_map(|&fi| data.frames.get(fi as usize))
                .map(|f| data.str(f.func))
                .collect()
        })
        .unwrap_or_default()
}

/// The printed wait of `N minutes` as the range the goroutine really waited, in minutes: the
/// runtime stamps a wait's start lazily (at the next GC cycle, forced at least every 2 min),
/// so the printed value can run up to a GC cycle high, and it is truncated to whole minutes.
pub fn wait_range(printed: u32) -> (u32, u32) {
    (printed.saturating_sub(2), printed + 1)
}

/// Fewest waiters at one call site that the goroutine report lists.
pub const MIN_SITE_WAITERS: u64 = 3;

/// A [`SiteWaiters`] as the goroutine report shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WaitSiteView {
    /// Index into `Dataset::files`.
    pub file: usize,
    pub snapshot: usize,
    /// Wait state (`chan receive`).
    pub state: String,
    /// Blocking call site: function and `file.go:line`.
    pub func: String,
    pub location: String,
    pub waiters: u64,
    /// Printed waits, minutes, ascending, with how many goroutines (0 = under a minute).
    pub ages: Vec<(u32, u64)>,
    /// The oldest waiter's goroutine id and printed wait.
    pub oldest: Option<(u64, u32)>,
    /// `one new waiter every ~2m …` when the ages step evenly.
    pub periodicity: Option<String>,
    /// `15 min printed: really 13–16 min` for the oldest.
    pub oldest_range: String,
}

/// The report's view of one site group.
pub fn site_view(data: &Data, file: usize, w: &SiteWaiters) -> WaitSiteView {
    let ages = super::contention::ages(data, &w.members);
    let oldest = w
        .members
        .iter()
        .map(|&gi| &data.goroutines[gi])
        .max_by_key(|g| (g.wait.unwrap_or(0), std::cmp::Reverse(g.id)))
        .and_then(|g| Some((g.id?, g.wait.unwrap_or(0))));
    let oldest_range = oldest
        .map(|(_, m)| {
            let (a, b) = wait_range(m);
            format!("{m} min printed: really {a}–{b} min (the runtime stamps a wait at a GC cycle)")
        })
        .unwrap_or_default();
    WaitSiteView {
        file,
        snapshot: w.snapshot,
        state: w.state.clone(),
        func: w.func.clone(),
        location: format!(
            "{}:{}",
            w.file.rsplit('/').next().unwrap_or(&w.file),
            w.line
        ),
        waiters: w.waiters,
        periodicity: super::contention::periodicity(&ages, super::contention::Behind::Site),
        ages,
        oldest,
        oldest_range,
    }
}
