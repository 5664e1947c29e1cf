//! Who probably holds a contended lock: every goroutine of the snapshot that is not waiting on
//! it is scored on lock-related evidence (carries the lock's or its owner's address, runs the
//! function or file that takes it) and on how it is stuck (IO wait inside an RPC client, as
//! long as the oldest waiter). No candidate is itself an answer, explained in words.

use super::contention::{Lock, Waits};
use super::frame::{base_name, package_of, pointer_args};
use super::intern::FxMap;
use super::Data;
use std::collections::BTreeSet;

/// A goroutine that may hold the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Index into `Data::goroutines`.
    pub goroutine: usize,
    /// Higher is likelier.
    pub score: u32,
    /// Why it is a candidate, one sentence each.
    pub reasons: Vec<String>,
}

/// States in which a holder sits on a lock while waiting for something else.
const BLOCKED: &[&str] = &[
    "IO wait",
    "syscall",
    "select",
    "chan receive",
    "chan send",
    "sleep",
    "sync.Cond.Wait",
    "semacquire",
    "select (no cases)",
    "chan receive (nil chan)",
    "chan send (nil chan)",
];

/// Frames that mean "waiting for another process" (a server or a child).
const RPC_CLIENT: &[&str] = &[
    "net/rpc.(*Client)",
    "google.golang.org/grpc.",
    "google.golang.org/grpc/internal/transport.",
    "net/http.(*Client)",
    "net/http.(*Transport).roundTrip",
    "net/http.(*persistConn).roundTrip",
    "github.com/containerd/ttrpc.(*Client)",
    "github.com/containerd/ttrpc.(*client)",
    ".(*ClientConn).Invoke",
    // A child process (CNI plugins, exec probes) is the same kind of outside wait.
    "os/exec.(*Cmd).Wait",
    "os/exec.(*Cmd).Run",
    "github.com/containernetworking/cni/pkg/invoke.",
];

/// What the holder searches of one file share: every search scans every goroutine of its
/// snapshot, and the same argument lists and functions come back in each.
#[derive(Default)]
pub struct Seen {
    /// Argument list id → the pointers in it.
    ptrs: FxMap<u32, Vec<u64>>,
    /// Function id → (in package `sync`/`internal/sync`, a client call: [`RPC_CLIENT`]).
    funcs: FxMap<u32, (bool, bool)>,
}

impl Seen {
    fn func(&mut self, data: &Data, id: u32) -> (bool, bool) {
        *self.funcs.entry(id).or_insert_with(|| {
            let func = data.str(id);
            let pkg = package_of(func);
            (
                pkg == "sync" || pkg == "internal/sync",
                RPC_CLIENT.iter().any(|r| func.contains(r)),
            )
        })
    }
}

/// Rank the candidates for `lock` (best first, at most `max`); when there are none, the
/// second value says what that means. `waits` and `seen` are the file's (see [`Waits`],
/// [`Seen`]).
pub fn candidates(
    data: &Data,
    lock: &Lock,
    max: usize,
    waits: &mut Waits,
    seen: &mut Seen,
) -> (Vec<Candidate>, Option<String>) {
    let Some(snap) = data.snapshots.get(lock.snapshot) else {
        return (Vec::new(), None);
    };
    let members: BTreeSet<usize> = lock.members.iter().copied().collect();
    let site_funcs: BTreeSet<u32> = lock
        .call_sites
        .iter()
        .map(|&(f, _)| data.frames[f as usize].func)
        .collect();
    let site_files: BTreeSet<u32> = lock
        .call_sites
        .iter()
        .map(|&(f, _)| data.frames[f as usize].file)
        .filter(|&f| f != 0)
        .collect();
    // Pointers the waiters pass around right at the call site: the struct owning the mutex.
    let mut owners: BTreeSet<u64> = BTreeSet::new();
    for &gi in &lock.members {
        let g = &data.goroutines[gi];
        if let Some(w) = waits.of(data, gi) {
            if let Some(c) = w.caller {
                for &fi in data.stacks[g.stack as usize].frames.iter().skip(c).take(2) {
                    for p in pointer_args(data.str(data.frames[fi as usize].args)) {
                        let near = lock.addr.is_none_or(|a| p <= a && a - p < 4096);
                        if near && Some(p) != lock.addr {
                            owners.insert(p);
                        }
                    }
                }
            }
        }
    }
    // Functions that started the waiters: a spawner often takes the lock, then starts workers.
    let spawners: BTreeSet<u32> = lock
        .members
        .iter()
        .filter_map(|&gi| data.goroutines[gi].created_by)
        .map(|f| data.frames[f as usize].func)
        .collect();
    let oldest = lock.oldest_wait(data);
    let mut out = Vec::new();
    for gi in snap.start as usize..snap.end as usize {
        if members.contains(&gi) {
            continue;
        }
        let g = &data.goroutines[gi];
        let mut score = 0;
        let mut reasons = Vec::new();
        let (mut has_addr, mut has_owner, mut same_func, mut same_file) =
            (false, false, false, false);
        let mut rpc = None;
        for &fi in &data.stacks[g.stack as usize].frames {
            let f = &data.frames[fi as usize];
            let func = data.str(f.func);
            let loc = || format!("{} ({}:{})", func, base_name(data.str(f.file)), f.line);
            let (in_sync, client) = seen.func(data, f.func);
            if !in_sync {
                let args = seen
                    .ptrs
                    .entry(f.args)
                    .or_insert_with(|| pointer_args(data.str(f.args)).collect());
                for &p in args.iter() {
                    if !has_addr && Some(p) == lock.addr {
                        has_addr = true;
                        score += 50;
                        reasons.push(format!("passes the lock's address {p:#x} to {}", loc()));
                    } else if !has_owner && owners.contains(&p) {
                        has_owner = true;
                        score += 35;
                        reasons.push(format!(
                            "passes {p:#x}, the object the waiters lock, to {}",
                            loc()
                        ));
                    }
                }
            }
            if !same_func && site_funcs.contains(&f.func) {
                same_func = true;
                score += 30;
                reasons.push(format!(
                    "is inside {func}, the function the waiters call Lock from, but not blocked in Lock"
                ));
            }
            if !same_file && f.file != 0 && site_files.contains(&f.file) {
                same_file = true;
            }
            if rpc.is_none() && client {
                rpc = Some(func);
            }
        }
        if let Some(f) = data.stacks[g.stack as usize]
            .frames
            .iter()
            .map(|&fi| data.frames[fi as usize].func)
            .find(|f| spawners.contains(f))
        {
            score += 25;
            reasons.push(format!(
                "is running {}, the function that started the waiters",
                data.str(f)
            ));
        }
        if same_file && !same_func {
            score += 15;
            let file = site_files
                .iter()
                .map(|&f| base_name(data.str(f)))
                .next()
                .unwrap_or("");
            reasons.push(format!(
                "runs code in {file}, the file where the lock is taken"
            ));
        }
        if score == 0 {
            continue;
        }
        let state = data.str(g.state);
        if BLOCKED.contains(&state) {
            score += 15;
            reasons.push(format!(
                "is blocked in {state} (a holder waiting on something else keeps everyone queued)"
            ));
            if let Some(r) = &rpc {
                score += 15;
                reasons.push(format!(
                    "is inside a client call ({r}): the lock is held across a remote call"
                ));
            }
        }
        if let Some(w) = g.wait {
            if w >= oldest && w > 0 {
                score += 10;
                reasons.push(format!(
                    "has been blocked {w} min, at least as long as the oldest waiter ({oldest} min)"
                ));
            }
        }
        if let Some(w) = waits.of(data, gi) {
            if w.addr != lock.addr || w.addr.is_none() {
                score += 5;
                reasons.push(
                    "is itself waiting for another lock: a lock-order deadlock is possible"
                        .to_string(),
                );
            }
        }
        if state == "running" {
            reasons.push(
                "was running when the dump was taken (it may be about to release it)".to_string(),
            );
        }
        out.push(Candidate {
            goroutine: gi,
            score,
            reasons,
        });
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.goroutine.cmp(&b.goroutine)));
    out.truncate(max);
    if !out.is_empty() {
        return (out, None);
    }
    (out, Some(no_candidate(data, lock, waits)))
}

/// Why nobody seems to hold the lock.
fn no_candidate(data: &Data, lock: &Lock, waits: &mut Waits) -> String {
    let snap = &data.snapshots[lock.snapshot];
    // Self-deadlock: a waiter whose own stack passes through a lock-taking function again,
    // or carries the lock's address below its Lock call.
    for &gi in &lock.members {
        let g = &data.goroutines[gi];
        let Some(w) = waits.of(data, gi) else {
            continue;
        };
        let Some(c) = w.caller else {
            continue;
        };
        let frames = &data.stacks[g.stack as usize].frames;
        let site = data.frames[frames[c] as usize].func;
        for &fi in frames.iter().skip(c + 1) {
            let f = &data.frames[fi as usize];
            let carries = lock
                .addr
                .is_some_and(|a| pointer_args(data.str(f.args)).any(|p| p == a));
            if f.func == site || carries {
                return format!(
                    "No other goroutine is a candidate, and waiter {} already passed through {} further down its own stack: most likely a self-deadlock (Lock called twice on one goroutine, or RLock while holding Lock).",
                    g.id.map(|i| i.to_string()).unwrap_or_else(|| "?".into()),
                    data.str(f.func)
                );
            }
        }
    }
    let unavailable = data
        .snapshot_goroutines(lock.snapshot)
        .iter()
        .filter(|g| g.unavailable)
        .count();
    if snap.truncated || unavailable > 0 {
        return format!(
            "No goroutine in this dump carries the lock's address or runs the code that takes it, but the dump is incomplete ({}): the holder may be among the stacks that were not printed.",
            if unavailable > 0 {
                format!("{unavailable} stacks unavailable")
            } else {
                "stacks elided or cut off".to_string()
            }
        );
    }
    "No goroutine in this dump carries the lock's address or runs the code that takes it: most likely the lock was leaked — a path between Lock and Unlock returned without unlocking (early return, recovered panic, missing defer) and nobody holds it any more. Less likely: the holder is one of the waiters (self-deadlock) or the dump is partial.".to_string()
}
