//! Lock contention: goroutines blocked acquiring a `sync.Mutex`/`RWMutex`, grouped by lock.
//!
//! A waiter is recognized by its frames (`sync.runtime_SemacquireMutex`, `(*Mutex).lockSlow`,
//! `(*RWMutex).Lock`/`RLock`, Go 1.24's `internal/sync` copies) with only runtime/sync frames
//! above them, or by a Go 1.20+ `[sync.Mutex.Lock]`-style state. The lock is named by the
//! mutex address when an argument shows it, else by the first caller frame outside `sync`.

use super::frame::{first_arg, looks_like_pointer, package_of};
use super::intern::FxMap;
use super::Data;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which acquisition the waiters are blocked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LockKind {
    Mutex,
    /// `RWMutex.Lock`.
    RwWrite,
    /// `RWMutex.RLock`.
    RwRead,
}

impl LockKind {
    /// As shown to users.
    pub fn label(self) -> &'static str {
        match self {
            LockKind::Mutex => "sync.Mutex",
            LockKind::RwWrite => "sync.RWMutex (Lock)",
            LockKind::RwRead => "sync.RWMutex (RLock)",
        }
    }
}

/// How one goroutine waits for a lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitInfo {
    /// What kind of dump or lock this is.
    pub kind: LockKind,
    /// The mutex address, when an argument of a sync frame shows it.
    pub addr: Option<u64>,
    /// Index in the stack of the first frame outside runtime/sync (the lock's call site).
    pub caller: Option<usize>,
}

fn is_sync_pkg(pkg: &str) -> bool {
    pkg == "sync"
        || pkg == "internal/sync"
        || pkg == "runtime"
        || pkg.starts_with("runtime/internal")
}

/// Classify one sync frame: (is a mutex marker, kind, whether its first arg is the lock).
fn sync_marker(func: &str) -> Option<(LockKind, bool)> {
    let f = func.strip_prefix("internal/").unwrap_or(func);
    Some(match f {
        "sync.runtime_SemacquireMutex" => (LockKind::Mutex, false),
        "sync.runtime_SemacquireRWMutex" => (LockKind::RwWrite, false),
        "sync.runtime_SemacquireRWMutexR" => (LockKind::RwRead, false),
        "sync.(*Mutex).lockSlow" | "sync.(*Mutex).Lock" => (LockKind::Mutex, true),
        "sync.(*RWMutex).Lock" => (LockKind::RwWrite, true),
        "sync.(*RWMutex).RLock" => (LockKind::RwRead, true),
        _ => return None,
    })
}

/// [`wait_info`] remembered per (state, stack): a dump repeats both across goroutines and
/// snapshots, and the analyses of one file ask for the same goroutines several times (locks,
/// holders, self-deadlock checks). One per file: ids are the file's.
#[derive(Default)]
pub struct Waits {
    seen: FxMap<(u32, u32), Option<WaitInfo>>,
}

impl Waits {
    /// Whether goroutine `gi` of `data` waits on a mutex, and how ([`wait_info`]).
    pub fn of(&mut self, data: &Data, gi: usize) -> Option<WaitInfo> {
        let g = data.goroutines.get(gi)?;
        *self
            .seen
            .entry((g.state, g.stack))
            .or_insert_with(|| wait_info(data, gi))
    }
}

/// Whether goroutine `gi` waits on a mutex, and how. It depends on the goroutine's state and
/// stack only (what [`Waits`] remembers it by).
pub fn wait_info(data: &Data, gi: usize) -> Option<WaitInfo> {
    let g = data.goroutines.get(gi)?;
    let state = data.str(g.state);
    let by_state = match state {
        "sync.Mutex.Lock" => Some(LockKind::Mutex),
        "sync.RWMutex.Lock" => Some(LockKind::RwWrite),
        "sync.RWMutex.RLock" => Some(LockKind::RwRead),
        _ => None,
    };
    if state == "running" || state == "runnable" {
        return None;
    }
    let stack = data.stacks.get(g.stack as usize)?;
    let mut kind = by_state;
    let mut addr = None;
    let mut caller = None;
    for (i, &fi) in stack.frames.iter().enumerate() {
        let Some(f) = data.frames.get(fi as usize) else {
            continue;
        };
        let func = data.str(f.func);
        if !is_sync_pkg(package_of(func)) {
            caller = Some(i);
            break;
        }
        if let Some((k, receiver)) = sync_marker(func) {
            // The outermost lock frame names the lock the caller asked for
            // (RWMutex.Lock over its inner Mutex).
            if kind.is_none() || k != LockKind::Mutex {
                kind = Some(k);
            }
            if receiver {
                if let Some(v) = first_arg(data.str(f.args)).filter(|&v| looks_like_pointer(v)) {
                    addr = Some(v);
                }
            }
        }
    }
    Some(WaitInfo {
        kind: kind?,
        addr,
        caller,
    })
}

/// A lock and its waiters in one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lock {
    /// Index of the snapshot within its file.
    pub snapshot: usize,
    /// The address involved, when printed.
    pub addr: Option<u64>,
    /// When no address is visible: the call site (frame id) that names the lock.
    pub site: Option<u32>,
    /// What kind of dump or lock this is.
    pub kind: LockKind,
    /// Waiting goroutines (pprof counts summed).
    pub waiters: u64,
    /// Indexes into `Data::goroutines`.
    pub members: Vec<usize>,
    /// Call sites (frame id of the first non-sync frame) with how many waiters came from each.
    pub call_sites: Vec<(u32, u64)>,
}

impl Lock {
    /// Minutes the longest-waiting member has waited (the dump's `[… minutes]`), 0 when none
    /// printed it: dates the start of a hang and tells the holder from the waiters.
    pub fn oldest_wait(&self, data: &Data) -> u32 {
        self.members
            .iter()
            .filter_map(|&gi| data.goroutines[gi].wait)
            .max()
            .unwrap_or(0)
    }
}

/// All locks with waiters in snapshot `snap`, most waiters first. `waits` is the file's (one
/// for all its snapshots).
pub fn find_locks(data: &Data, snap: usize, waits: &mut Waits) -> Vec<Lock> {
    let Some(s) = data.snapshots.get(snap) else {
        return Vec::new();
    };
    // Key: address, else call site's (func, file, line).
    let mut by_key: BTreeMap<(u64, u32, u32, u32), Lock> = BTreeMap::new();
    for gi in s.start as usize..s.end as usize {
        let Some(w) = waits.of(data, gi) else {
            continue;
        };
        let g = &data.goroutines[gi];
        let site = w
            .caller
            .and_then(|c| data.stacks[g.stack as usize].frames.get(c).copied());
        let key = match (w.addr, site) {
            (Some(a), _) => (a, 0, 0, 0),
            (None, Some(fi)) => {
                let f = &data.frames[fi as usize];
                (0, f.func, f.file, f.line)
            }
            (None, None) => (0, 0, 0, 0),
        };
        let lock = by_key.entry(key).or_insert_with(|| Lock {
            snapshot: snap,
            addr: w.addr,
            site: if w.addr.is_none() { site } else { None },
            kind: w.kind,
            waiters: 0,
            members: Vec::new(),
            call_sites: Vec::new(),
        });
        lock.waiters += g.count as u64;
        lock.members.push(gi);
        if lock.kind == LockKind::Mutex && w.kind != LockKind::Mutex {
            lock.kind = w.kind;
        }
        if let Some(fi) = site {
            let f = &data.frames[fi as usize];
            let found = lock.call_sites.iter_mut().find(|(x, _)| {
                let o = &data.frames[*x as usize];
                (o.func, o.file, o.line) == (f.func, f.file, f.line)
            });
            match found {
                Some((_, n)) => *n += g.count as u64,
                None => lock.call_sites.push((fi, g.count as u64)),
            }
        }
    }
    let mut locks: Vec<Lock> = by_key.into_values().collect();
    for l in &mut locks {
        l.call_sites.sort_by_key(|c| std::cmp::Reverse(c.1));
    }
    locks.sort_by(|a, b| b.waiters.cmp(&a.waiters).then(a.members.cmp(&b.members)));
    locks
}

/// One bar of the wait-minutes histogram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgeBucket {
    /// `3m`, `10–14m`, `<1m`.
    pub label: String,
    /// Lower bound of the bucket, in minutes.
    pub from_minutes: u32,
    /// Upper bound of the bucket, in minutes (inclusive).
    pub to_minutes: u32,
    /// How many goroutines.
    pub count: u64,
}

/// Wait minutes of the given goroutines as (minutes, goroutines) pairs, ascending;
/// goroutines without a printed wait (under a minute) count as 0.
pub fn ages(data: &Data, members: &[usize]) -> Vec<(u32, u64)> {
    let mut m: BTreeMap<u32, u64> = BTreeMap::new();
    for &gi in members {
        let g = &data.goroutines[gi];
        *m.entry(g.wait.unwrap_or(0)).or_insert(0) += g.count as u64;
    }
    m.into_iter().collect()
}

/// Histogram of ages: one bucket per minute up to 30 distinct minutes, else ~20 even bins.
pub fn histogram(ages: &[(u32, u64)]) -> Vec<AgeBucket> {
    let (Some(&(lo, _)), Some(&(hi, _))) = (ages.first(), ages.last()) else {
        return Vec::new();
    };
    let span = hi - lo + 1;
    let width = if span <= 30 { 1 } else { span.div_ceil(20) };
    let mut out = Vec::new();
    let mut from = lo;
    while from <= hi {
        let to = from.saturating_add(width - 1).min(hi);
        let count = ages
            .iter()
            .filter(|(m, _)| *m >= from && *m <= to)
            .map(|(_, c)| c)
            .sum();
        let label = match (from, to) {
            (0, 0) => "<1m".to_string(),
            (a, b) if a == b => format!("{a}m"),
            (a, b) => format!("{a}–{b}m"),
        };
        out.push(AgeBucket {
            label,
            from_minutes: from,
            to_minutes: to,
            count,
        });
        if to == u32::MAX {
            break;
        }
        from = to + 1;
    }
    out
}

/// Evenly spaced ages: `(step in minutes, waiters per step)`, or `None` when the ages do not
/// look periodic. A periodic caller queuing behind a holder that never lets go leaves exactly
/// this trace: one (or k) new waiter(s) every `step` minutes.
pub fn period(ages: &[(u32, u64)]) -> Option<(u32, u64)> {
    let waiters: u64 = ages.iter().map(|a| a.1).sum();
    if ages.len() < 3 || waiters < 3 {
        return None;
    }
    let mut gaps: Vec<u32> = ages.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_unstable();
    let g = gaps[gaps.len() / 2];
    if g == 0 {
        return None;
    }
    let tol = (g / 2).max(1);
    let close = gaps.iter().filter(|&&x| x.abs_diff(g) <= tol).count();
    if close * 4 < gaps.len() * 3 {
        return None;
    }
    let (lo, hi) = (ages[0].0, ages[ages.len() - 1].0);
    let expected = (hi - lo) / g + 1;
    if (ages.len() as u32) * 10 < expected * 7 {
        return None;
    }
    let mut counts: Vec<u64> = ages.iter().map(|a| a.1).collect();
    counts.sort_unstable();
    let c = counts[counts.len() / 2];
    let steady = counts.iter().filter(|&&x| x * 2 >= c && x <= c * 2).count();
    if steady * 4 < counts.len() * 3 {
        return None;
    }
    Some((g, c))
}

/// What the waiters of a periodic pile-up wait behind, for [`periodicity`]'s sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behind {
    /// A mutex whose holder has not let go.
    Lock,
    /// One call site (a channel, a pipe, a process): no Go lock in sight.
    Site,
}

/// [`period`] as a sentence: "one new waiter every ~2m (ages 1–299 min): …".
pub fn periodicity(ages: &[(u32, u64)], behind: Behind) -> Option<String> {
    let (g, c) = period(ages)?;
    let (lo, hi) = (ages[0].0, ages[ages.len() - 1].0);
    let who = if c == 1 {
        "one new waiter".to_string()
    } else {
        format!("~{c} new waiters")
    };
    Some(match behind {
        Behind::Lock => format!(
            "{who} every ~{g}m (ages {lo}–{hi} min): a periodic caller keeps queuing behind a holder that has not released the lock for at least {hi} min"
        ),
        Behind::Site => format!(
            "{who} every ~{g}m (ages {lo}–{hi} min): a periodic caller keeps arriving here and none has got past it for at least {hi} min"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periodic_ages() {
        let ages: Vec<(u32, u64)> = (0..10).map(|i| (i * 2 + 1, 1)).collect();
        assert!(periodicity(&ages, Behind::Lock)
            .unwrap()
            .starts_with("one new waiter every ~2m"));
        assert_eq!(periodicity(&[(1, 50), (2, 1), (30, 1)], Behind::Lock), None);
        let h = histogram(&[(0, 2), (3, 1)]);
        assert_eq!(h.len(), 4);
        assert_eq!(h[0].label, "<1m");
    }
}
