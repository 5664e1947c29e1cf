//! The runtime side of a runtime/CNI hang, from goroutine dumps alone: CRI calls
//! (`RunPodSandbox`, …) stuck at one call site, whatever they wait on — a mutex, a channel in
//! go-cni's `attachNetworks`, a pipe. Part of the runtime-hang detector (see `runtime_hang`).

use super::scan::{list_text, spread, window_evidence, Cx};
use super::{finding, Detector, Evidence, Finding};
use crate::event::Severity;
use crate::goroutine::contention::period;
use crate::goroutine::goroutine_data;
use crate::goroutine::waits::{stack_funcs, wait_range, waiters_by_site, Sites};
use crate::time::{fmt_micros, Micros, NO_TIME};

/// Fewest calls stuck at one site that make a finding.
pub const MIN_STUCK: u64 = 3;

/// The CRI method a stack serves (`RunPodSandbox`), from its `(*criService).M` frame.
fn cri_method(funcs: &[&str]) -> Option<String> {
    funcs.iter().rev().find_map(|f| {
        let (_, m) = f.split_once("(*criService).")?;
        let m = m.split('.').next()?;
        m.chars()
            .next()?
            .is_ascii_uppercase()
            .then(|| m.to_string())
    })
}

fn in_cni(funcs: &[&str]) -> bool {
    funcs.iter().any(|f| {
        f.contains("go-cni")
            || f.contains("setupPodNetwork")
            || f.contains("teardownPodNetwork")
            || f.contains("containernetworking")
    })
}

/// One dump's stuck calls.
struct Stuck {
    file: usize,
    time: Micros,
    method: String,
    state: String,
    site: String,
    cni: bool,
    /// (goroutine id, printed wait minutes), oldest first.
    calls: Vec<(Option<u64>, u32)>,
}

/// Findings for CRI calls stuck in the dumps: one per runtime, the latest dump as headline.
pub(crate) fn detect(cx: &Cx<'_>) -> Vec<Finding> {
    let snapshots = &cx.goroutines().snapshots;
    let mut stuck: Vec<Stuck> = Vec::new();
    for (fi, f) in cx.ds.files.iter().enumerate() {
        let Some(data) = goroutine_data(f) else {
            continue;
        };
        let mut sites = Sites::default();
        for snap in 0..data.snapshots.len() {
            for w in waiters_by_site(data, snap, MIN_STUCK, &mut sites) {
                let funcs = stack_funcs(data, w.members[0]);
                let Some(method) = cri_method(&funcs) else {
                    continue;
                };
                let mut calls: Vec<(Option<u64>, u32)> = w
                    .members
                    .iter()
                    .map(|&gi| {
                        (
                            data.goroutines[gi].id,
                            data.goroutines[gi].wait.unwrap_or(0),
                        )
                    })
                    .collect();
                calls.sort_by_key(|c| (std::cmp::Reverse(c.1), c.0));
                let time = snapshots
                    .iter()
                    .find(|s| s.file == fi && s.snapshot == snap)
                    .map(|s| s.time)
                    .unwrap_or(NO_TIME);
                stuck.push(Stuck {
                    file: fi,
                    time,
                    method,
                    state: w.state.clone(),
                    site: format!(
                        "{} ({}:{})",
                        w.func,
                        w.file.rsplit('/').next().unwrap_or(&w.file),
                        w.line
                    ),
                    cni: in_cni(&funcs),
                    calls,
                });
            }
        }
    }
    if stuck.is_empty() {
        return Vec::new();
    }
    // The same moment dumped twice (pprof and SIGUSR1, or the copy in the log) has the same
    // goroutines: keep one, preferring a dated one.
    stuck.sort_by_key(|s| {
        (
            s.calls.iter().map(|c| c.0).collect::<Vec<_>>(),
            s.time == NO_TIME,
        )
    });
    stuck.dedup_by(|b, a| a.calls.iter().map(|c| c.0).eq(b.calls.iter().map(|c| c.0)));
    // Latest dump = the one with the oldest waiter ages (a live pile-up only grows).
    stuck.sort_by_key(|s| (s.calls.len(), s.calls.first().map(|c| c.1)));
    let last = stuck.last().expect("non-empty");
    let n = last.calls.len();
    let mut ages: Vec<(u32, u64)> = Vec::new();
    for c in &last.calls {
        match ages.iter_mut().find(|a| a.0 == c.1) {
            Some(a) => a.1 += 1,
            None => ages.push((c.1, 1)),
        }
    }
    ages.sort_unstable();
    let step = period(&ages);
    let (oid, omin) = last.calls[0];
    let (olo, ohi) = wait_range(omin);
    let printed: Vec<String> = last.calls.iter().map(|c| c.1.to_string()).collect();
    let per_dump: Vec<String> = stuck
        .iter()
        .map(|s| {
            let at = if s.time == NO_TIME {
                cx.file_name(s.file)
            } else {
                format!("{} ({})", cx.file_name(s.file), fmt_micros(s.time))
            };
            format!("{} in {at}", s.calls.len())
        })
        .collect();
    let mut summary = format!(
        "{n} {} calls are stuck in the container runtime, all {} at {}{}. Printed waits: {} minutes. Dumps: {}.",
        last.method,
        last.state,
        last.site,
        if last.cni { ", inside CNI network setup (setupPodNetwork → go-cni)" } else { "" },
        printed.join(", "),
        list_text(&per_dump, 4),
    );
    if let Some((g, c)) = step {
        summary.push_str(&format!(
            " They arrived one{} every ~{g} min: a caller (the kubelet) retrying or creating pods while each new call queues behind the first.",
            if c > 1 { format!(" ({c} at a time)") } else { String::new() }
        ));
    }
    summary.push_str(&format!(
        " The oldest, goroutine {} (printed {omin} min: really between {olo} and {ohi} min, since the runtime stamps a wait at a GC cycle), is the call holding the rest up.",
        oid.map(|i| i.to_string()).unwrap_or_else(|| "?".into())
    ));
    summary.push_str(" They wait on no Go mutex: the lock is outside the process — a CNI plugin that never returns (holding its own lock, an IPAM or xtables file lock) — so look at the plugin processes (`ps`, `/proc/locks`) and the CNI plugin's log. Meanwhile the kubelet sees the runtime as slow or down and pods stay ContainerCreating.");
    let mut evidence: Vec<Evidence> = Vec::new();
    // containerd's own lines for these calls, when its log was dropped.
    let mut calls = cx.node_events_labelled(&[&format!("{} for", last.method)]);
    if last.time != NO_TIME {
        calls.retain(|e| e.time <= last.time);
    }
    for e in spread(&calls, 4) {
        evidence.push(cx.line_evidence(&e, ""));
    }
    let (from, to) = if last.time != NO_TIME {
        // The oldest call's start: its logged arrival when the log has one in the range its
        // printed wait allows, else the printed wait back from the dump.
        let earliest = last.time - ohi as Micros * 60_000_000;
        let start = calls
            .iter()
            .map(|e| e.time)
            .find(|t| *t >= earliest)
            .unwrap_or(last.time - omin as Micros * 60_000_000);
        (start, last.time)
    } else if let (Some(a), Some(b)) = (calls.first(), calls.last()) {
        (a.time, b.time)
    } else {
        (NO_TIME, NO_TIME)
    };
    if from != NO_TIME {
        evidence.push(window_evidence(
            format!("{} calls stuck", last.method),
            from,
            to,
        ));
    }
    let mut missing = Vec::new();
    if !cx.has_component("kubelet") {
        missing.push(
            "kubelet log of the node (runtime-down / PLEG lines, which pods were affected)"
                .to_string(),
        );
    }
    vec![finding(
        Detector::RuntimeHang,
        format!(
            "{n} {} calls stuck in the container runtime{}",
            last.method,
            if last.cni { " (CNI setup)" } else { "" }
        ),
        if n >= 5 {
            Severity::Error
        } else {
            Severity::Warning
        },
        from,
        to,
        summary,
        Vec::new(),
        evidence,
        missing,
    )]
}
