//! Runtime or CNI hang: kubelet lines saying the container runtime is down (PLEG unhealthy,
//! pod sync skipped, runtime RPCs timing out) recurring for minutes, linked to a goroutine dump
//! whose waiters on one lock arrived at the same pace.
//!
//! The kubelet reports "container runtime is down" / "PLEG is not healthy" whenever a runtime
//! call does not return; a runtime (containerd's CRI plugin) stuck behind a lock keeps every new
//! call queued, so each retry adds one goroutine waiting on that lock. The period of the kubelet
//! lines then equals the age step of the waiters: that match is what links the two files.

use super::scan::{list_text, spread, window_evidence, Cx, Ev};
use super::{finding, Detector, Evidence, EvidenceKind, Outcome};
use crate::event::Severity;
use crate::format::Format;
use crate::goroutine::goroutine_data;
use crate::goroutine::report::LockGroup;
use crate::time::{fmt_duration, Micros, NO_TIME};
use crate::timeline::period;
use std::collections::BTreeMap;

/// Event kinds that mean the runtime did not answer.
pub const KINDS: &[&str] = &["pleg_unhealthy", "pod_sync_skipped", "runtime_rpc_error"];

/// A burst of runtime-down lines lasting at least this long counts even without a period.
const MIN_SPAN: Micros = 3 * 60 * 1_000_000;
/// Lines closer than this belong to one episode.
const EPISODE_GAP: Micros = 15 * 60 * 1_000_000;
/// A lock with this many waiters is a pile-up worth reporting even without kubelet logs.
pub const PILE_UP: u64 = 20;

/// Minutes between consecutive waiter ages of a lock group, when they step evenly: the
/// goroutine report's own `period_minutes`, else the recurrence of its exact ages.
pub fn age_step_minutes(g: &LockGroup) -> Option<u32> {
    if let Some(p) = g.period_minutes {
        return Some(p);
    }
    let ages: Vec<Micros> = g
        .ages
        .iter()
        .filter(|a| a.count > 0)
        .map(|a| a.minutes as Micros * 60_000_000)
        .collect();
    if ages.len() < period::MIN_OCCURRENCES {
        return None;
    }
    period::detect(&ages).map(|p| (p / 60_000_000) as u32)
}

fn is_rpc_deadline(e: &Ev<'_>) -> bool {
    e.kind != "runtime_rpc_error" || {
        let l = e.label.to_ascii_lowercase();
        l.contains("deadlineexceeded") || l.contains("deadline exceeded") || l.contains("timeout")
    }
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::NodeLog) || cx.has(Format::GoroutineDump),
        ..Default::default()
    };
    let evs: Vec<Ev<'_>> = cx
        .node_events(KINDS)
        .into_iter()
        .filter(is_rpc_deadline)
        .collect();
    let mut by_host: BTreeMap<&str, Vec<Ev<'_>>> = BTreeMap::new();
    for e in evs {
        by_host.entry(e.host()).or_default().push(e);
    }
    // Dump files, or dumps printed inside a log (a kubelet panic, containerd's SIGUSR1 dump).
    let dumps = cx.ds.files.iter().any(|f| goroutine_data(f).is_some());
    let (groups, snapshots) = if dumps {
        let r = cx.goroutines();
        (r.lock_groups.as_slice(), r.snapshots.as_slice())
    } else {
        (&[][..], &[][..])
    };
    // When the dump was taken, if it says.
    let taken = |g: &LockGroup| -> Micros {
        snapshots
            .iter()
            .find(|s| s.file == g.file && s.snapshot == g.snapshot)
            .map(|s| s.time)
            .unwrap_or(NO_TIME)
    };
    let mut linked = vec![false; groups.len()];
    for (host, evs) in &by_host {
        for ep in super::scan::episodes(evs, EPISODE_GAP) {
            let times: Vec<Micros> = ep.iter().map(|e| e.time).collect();
            let per = period::detect(&times);
            let (from, to) = (times[0], times[times.len() - 1]);
            if per.is_none() && (to - from < MIN_SPAN || ep.len() < 10) {
                continue;
            }
            let mut evidence: Vec<Evidence> = spread(ep, 6)
                .iter()
                .map(|e| cx.line_evidence(e, ""))
                .collect();
            evidence.push(window_evidence(format!("runtime down on {host}"), from, to));
            let mut summary = format!(
                "The kubelet on {host} reported the container runtime as down {} times over {}",
                ep.len(),
                fmt_duration(to - from)
            );
            if let Some(p) = per {
                summary.push_str(&format!(
                    ", every {} — the rhythm of a runtime call that never returns and is retried",
                    fmt_duration(p)
                ));
            }
            summary.push_str(
                ". Pods on the node cannot be started or stopped while PLEG is unhealthy. ",
            );
            let mut missing = Vec::new();
            let mut link = None;
            // Sub-30 s rhythms are the kubelet's own loops, not retries of a stuck call.
            if let Some(p) = per.filter(|p| *p >= 30 * 1_000_000) {
                let pm = (p as f64 / 60e6).round().max(1.0) as u32;
                for (i, g) in groups.iter().enumerate() {
                    if let Some(step) = age_step_minutes(g) {
                        if step.abs_diff(pm) * 4 <= pm.max(1) {
                            link = Some(i);
                            break;
                        }
                    }
                }
            }
            match link {
                Some(i) => {
                    linked[i] = true;
                    let g = &groups[i];
                    summary.push_str(&format!(
                        "A goroutine dump ({}) shows {} goroutines waiting on {} {} whose ages step by the same period (oldest {} min): every retry queued behind one holder. {}",
                        cx.file_name(g.file), g.waiters, g.kind, g.lock, g.oldest_minutes,
                        holders_text(g)
                    ));
                    evidence.push(lock_evidence(g, taken(g)));
                }
                None if dumps => summary.push_str(
                    "No lock in the goroutine dumps dropped has waiters arriving at that pace.",
                ),
                None => {
                    summary.push_str("Take a goroutine dump of the runtime (containerd: `kill -USR1`, or `ctr pprof goroutines`) while it hangs: waiters on one lock whose ages step by the same period point to the holder (often a CNI plugin call).");
                    missing.push(format!(
                        "goroutine dump of containerd (or CRI-O) on {host} taken during the hang"
                    ));
                }
            }
            if !cx.has_component("containerd") && !cx.has_component("crio") {
                missing.push(format!(
                    "containerd (or CRI-O) log of {host} covering the same window"
                ));
            }
            let severity = if to - from >= 10 * 60 * 1_000_000 {
                Severity::Critical
            } else {
                Severity::Error
            };
            out.findings.push(finding(
                Detector::RuntimeHang,
                format!("Container runtime hang on {host}"),
                severity,
                from,
                to,
                summary,
                vec![ep[0].lane.to_string()],
                evidence,
                missing,
            ));
        }
    }
    for (i, g) in groups.iter().enumerate() {
        if linked[i] || g.waiters < PILE_UP {
            continue;
        }
        let step = age_step_minutes(g);
        let mut summary = format!(
            "{} goroutines in {} wait on {} {}",
            g.waiters,
            cx.file_name(g.file),
            g.kind,
            g.lock
        );
        if g.oldest_minutes > 0 {
            summary.push_str(&format!(" (oldest {} min)", g.oldest_minutes));
        }
        if let Some(s) = step {
            summary.push_str(&format!(", a new waiter every ~{s} min"));
        }
        summary.push_str(". A lock nobody releases stalls every caller; in a container runtime this is what the kubelet reports as \"container runtime is down\". ");
        summary.push_str(&holders_text(g));
        let at = taken(g);
        let (from, to) = if at == NO_TIME {
            (NO_TIME, NO_TIME)
        } else {
            (at - g.oldest_minutes as Micros * 60_000_000, at)
        };
        let mut missing = Vec::new();
        if !cx.has(Format::NodeLog) {
            missing.push("kubelet log of the node (journalctl -u kubelet) covering the dump: PLEG / runtime-down lines at the same pace would confirm a runtime hang".to_string());
        }
        out.findings.push(finding(
            Detector::RuntimeHang,
            format!("Goroutines piled up on one lock ({} waiters)", g.waiters),
            Severity::Warning,
            from,
            to,
            summary,
            Vec::new(),
            vec![lock_evidence(g, at)],
            missing,
        ));
    }
    if dumps
        && !out
            .findings
            .iter()
            .any(|f| f.title.starts_with("Container runtime hang"))
    {
        out.findings.extend(super::cri_stuck::detect(cx));
    }
    if !out.had_input {
        out.missing.push(
            "kubelet logs of the nodes (journalctl -u kubelet) and a goroutine dump of the container runtime".into(),
        );
    } else if out.findings.is_empty() && !dumps && cx.has(Format::NodeLog) {
        out.missing
            .push("a goroutine dump of the container runtime, if nodes hung".to_string());
    }
    out
}

fn lock_evidence(g: &LockGroup, taken: Micros) -> Evidence {
    Evidence {
        label: g.summary.clone(),
        time: taken,
        time_text: super::time_text(taken),
        kind: EvidenceKind::LockGroup {
            file: g.file,
            snapshot: g.snapshot,
            lock: g.lock.clone(),
        },
    }
}

/// `Likely holders: goroutine 1 [running] (is running main.main, …)`.
fn holders_text(g: &LockGroup) -> String {
    if g.holders.is_empty() {
        return g
            .no_holder
            .clone()
            .unwrap_or_else(|| "No holder candidate is visible in the dump.".to_string());
    }
    let items: Vec<String> = g
        .holders
        .iter()
        .take(3)
        .map(|h| {
            let who = match h.goroutine {
                Some(id) => format!("goroutine {id} [{}]", h.state),
                None => format!("[{}]", h.state),
            };
            let top = h
                .frames
                .iter()
                .find(|f| !f.runtime && !f.stdlib)
                .or(h.frames.first())
                .map(|f| format!(" in {}", f.func))
                .unwrap_or_default();
            format!("{who}{top}")
        })
        .collect();
    let cni = g.holders.iter().take(3).any(|h| {
        h.frames.iter().any(|f| {
            let n = f.func.to_ascii_lowercase();
            n.contains("cni") || n.contains("netlink") || n.contains("netns")
        })
    });
    let mut s = format!("Likely holders: {}.", list_text(&items, 3));
    if cni {
        s.push_str(" A holder is inside CNI / netlink code: a CNI plugin call that never returned holds the runtime's network lock.");
    }
    s
}
