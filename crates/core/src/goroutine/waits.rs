//! Waiters grouped by where they block, not only by mutex: goroutines in one snapshot parked in
//! the same wait state (`chan receive`, `select`, `IO wait`, …) at the same call site (the
//! first frame outside the runtime and `sync`). A pile-up whose real lock is outside the process
//! — a CNI plugin holding a file lock while every new `RunPodSandbox` waits on a channel in
//! go-cni's `attachNetworks` — has no common mutex address; it shows as many waiters at one call
//! site whose ages step at the caller's pace.

use super::frame::package_of;
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

/// Every group of at least `min` waiters in snapshot `snap`, most waiters first.
pub fn waiters_by_site(data: &Data, snap: usize, min: u64) -> Vec<SiteWaiters> {
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
        let Some(stack) = data.stacks.get(g.stack as usize) else {
            continue;
        };
        let site = stack.frames.iter().copied().find(|&fi| {
            data.frames
                .get(fi as usize)
                .is_some_and(|f| !is_runtime_pkg(package_of(data.str(f.func))))
        });
        let Some(fi) = site else { continue };
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
