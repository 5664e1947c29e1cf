//! Memory pressure chain: the kubelet's eviction manager crossing a threshold and reclaiming,
//! pods evicted, kernel or cgroup OOM kills, and containers restarting afterwards — per node,
//! with the pods and processes involved.

use super::scan::{episodes, list_text, spread, window_evidence, Cx, Ev};
use super::{finding, Detector, Outcome};
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, Micros, NO_TIME};
use std::collections::BTreeMap;

/// Event kinds of the chain.
pub const KINDS: &[&str] = &[
    "eviction_begin",
    "eviction_ranked",
    "evicted",
    "kernel_oom_kill",
    "container_oom",
];

const GAP: Micros = 30 * 60 * 1_000_000;

/// The process, container or pod a memory line is about: `Killed process 1012 (heapster)`,
/// `victim process: stress`, `pod "kube-system/foo" is evicted`, `pods=["ns/name"]`.
pub fn victim(text: &str) -> Option<String> {
    let text = &text.replace('\\', "");
    for key in ["Killed process ", "Kill process "] {
        if let Some(i) = text.find(key) {
            let rest = &text[i + key.len()..];
            if let (Some(a), Some(b)) = (rest.find('('), rest.find(')')) {
                if a < b {
                    return Some(rest[a + 1..b].to_string());
                }
            }
        }
    }
    if let Some(i) = text.find("victim process: ") {
        let rest = &text[i + 16..];
        let end = rest.find([',', ' ']).unwrap_or(rest.len());
        return Some(rest[..end].to_string());
    }
    for key in ["pod \"", "pods=[\"", "pod=\""] {
        if let Some(i) = text.find(key) {
            let rest = &text[i + key.len()..];
            let end = rest.find(['"', '\\']).unwrap_or(rest.len());
            let v = &rest[..end];
            if !v.is_empty() && v != "<*>" {
                return Some(v.to_string());
            }
        }
    }
    None
}

/// What an eviction manager reclaims (`memory`, `nodefs`, `ephemeral-storage`).
pub fn reclaimed(text: &str) -> Option<String> {
    let i = text.find("attempting to reclaim ")?;
    let rest = &text[i + 22..];
    let end = rest.find([' ', '"', ',', '\\']).unwrap_or(rest.len());
    (end > 0).then(|| rest[..end].to_string())
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::NodeLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing
            .push("kubelet logs and kernel logs (dmesg / journalctl -k) of the nodes".into());
        return out;
    }
    let evs = cx.node_events_untimed_too(KINDS);
    let restarts = cx.node_events(&["crash_loop"]);
    let mut by_host: BTreeMap<&str, (Vec<Ev<'_>>, Vec<Ev<'_>>)> = BTreeMap::new();
    for e in evs {
        let h = by_host.entry(e.host()).or_default();
        if e.time == NO_TIME {
            h.1.push(e);
        } else {
            h.0.push(e);
        }
    }
    for (host, (timed, untimed)) in &by_host {
        let mut eps: Vec<&[Ev<'_>]> = episodes(timed, GAP);
        if !untimed.is_empty() {
            eps.push(untimed);
        }
        for ep in eps {
            let count = |k: &str| ep.iter().filter(|e| e.kind == k).count();
            let (reclaim, evicted) = (count("eviction_begin"), count("evicted"));
            let (kernel, cgroup) = (count("kernel_oom_kill"), count("container_oom"));
            if reclaim + evicted + kernel + cgroup == 0 {
                continue;
            }
            let timed_ep = ep[0].time != NO_TIME;
            let (from, to) = if timed_ep {
                (ep[0].time, ep[ep.len() - 1].time)
            } else {
                (NO_TIME, NO_TIME)
            };
            let mut victims: Vec<String> = Vec::new();
            let mut resources: Vec<String> = Vec::new();
            for e in ep.iter() {
                let text = cx
                    .text_sampled("memory", e, 50)
                    .unwrap_or_else(|| e.label.to_string());
                if e.kind == "eviction_begin" {
                    if let Some(r) = reclaimed(&text) {
                        if !resources.contains(&r) {
                            resources.push(r);
                        }
                    }
                } else if e.kind != "eviction_ranked" {
                    if let Some(v) = victim(&text) {
                        if !victims.contains(&v) {
                            victims.push(v);
                        }
                    }
                }
            }
            let after: Vec<&Ev<'_>> = if timed_ep {
                restarts
                    .iter()
                    .filter(|r| r.host() == *host && r.time >= from && r.time <= to + GAP)
                    .collect()
            } else {
                Vec::new()
            };
            let mut parts = Vec::new();
            if reclaim > 0 {
                parts.push(format!(
                    "the eviction manager crossed a threshold and tried to reclaim {} {reclaim} time(s)",
                    if resources.is_empty() { "resources".to_string() } else { list_text(&resources, 3) }
                ));
            }
            if evicted > 0 {
                parts.push(format!("{evicted} pod(s) were evicted"));
            }
            if kernel > 0 {
                parts.push(format!("the kernel OOM killer killed {kernel} time(s)"));
            }
            if cgroup > 0 {
                parts.push(format!("{cgroup} container OOM event(s) were reported"));
            }
            if !after.is_empty() {
                parts.push(format!(
                    "containers then went into CrashLoopBackOff {} time(s)",
                    after.len()
                ));
            }
            let mut summary = format!("On {host}, {}", list_text(&parts, 5));
            if timed_ep {
                summary.push_str(&format!(" over {}", fmt_duration(to - from)));
            } else {
                summary.push_str(
                    " (lines without timestamps: read `dmesg -T` or the journal to place them)",
                );
            }
            summary.push('.');
            if !victims.is_empty() {
                summary.push_str(&format!(" Involved: {}.", list_text(&victims, 6)));
            }
            summary.push_str(" Kernel OOM kills mean the node ran out of memory before the kubelet could evict (memory limits above requests, or too little system-reserved); evictions mean it reclaimed in time. Check the pods' memory limits and requests and the node's allocatable.");
            let mut evidence: Vec<_> = spread(ep, 6)
                .iter()
                .map(|e| cx.line_evidence(e, ""))
                .collect();
            for r in after.iter().take(2) {
                evidence.push(cx.line_evidence(r, ""));
            }
            if timed_ep {
                evidence.push(window_evidence(
                    format!("memory pressure on {host}"),
                    from,
                    to,
                ));
            }
            let mut missing = Vec::new();
            let comps: Vec<&str> = ep.iter().map(|e| e.component()).collect();
            if !comps.iter().any(|c| c.contains("kernel")) && kernel == 0 {
                missing.push(format!("kernel log of {host} (journalctl -k / dmesg -T): OOM kills that bypass the kubelet"));
            }
            if !comps.iter().any(|c| c.contains("kubelet")) {
                missing.push(format!("kubelet log of {host} (journalctl -u kubelet): eviction thresholds and the pods evicted"));
            }
            let severity = if kernel > 0 && (evicted > 0 || reclaim > 0) {
                Severity::Critical
            } else if kernel + cgroup + evicted > 0 {
                Severity::Error
            } else {
                Severity::Warning
            };
            let lanes = {
                let mut l: Vec<String> = ep.iter().map(|e| e.lane.to_string()).collect();
                l.sort();
                l.dedup();
                l
            };
            out.findings.push(finding(
                Detector::MemoryPressure,
                format!("Memory pressure on {host}"),
                severity,
                from,
                to,
                summary,
                lanes,
                evidence,
                missing,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn victims_and_resources() {
        assert_eq!(
            victim("Killed process 1012 (heapster) total-vm:327128kB").as_deref(),
            Some("heapster")
        );
        assert_eq!(
            victim("Cgroup OOM encountered, victim process: stress, pid: 470521").as_deref(),
            Some("stress")
        );
        assert_eq!(victim(r#"eviction_manager.go:187] eviction manager: pods ranked for eviction: pods=["kube-system/kube-proxy-x"]"#).as_deref(), Some("kube-system/kube-proxy-x"));
        assert_eq!(
            reclaimed("eviction manager: attempting to reclaim memory").as_deref(),
            Some("memory")
        );
        assert_eq!(victim("nothing here"), None);
    }
}
