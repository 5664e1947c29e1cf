//! Node NotReady episodes: per node, the windows in which the kubelet reported a condition
//! that makes the node NotReady (runtime or network not ready, PLEG unhealthy, status or lease
//! updates failing) or the node lifecycle controller marked it NotReady — with the kubelet
//! lines that preceded each episode.

use super::scan::{episodes, list_text, window_evidence, Cx, Ev};
use super::{finding, Detector, Outcome};
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, Micros};
use std::collections::BTreeMap;

/// Event kinds that mean (or make) a node NotReady, with what they mean.
pub const SIGNALS: &[(&str, &str)] = &[
    ("node_not_ready", "marked NotReady"),
    ("network_not_ready", "network not ready (CNI)"),
    ("pleg_unhealthy", "PLEG unhealthy"),
    ("pod_sync_skipped", "container runtime down"),
    ("node_status_failed", "node status updates failing"),
    ("node_lease_failed", "node lease updates failing"),
];

/// Signals closer than this belong to one episode.
const GAP: Micros = 5 * 60 * 1_000_000;
/// Shorter episodes are start-up blips ("PLEG … has yet to be successful" right after the
/// kubelet starts), unless the node lifecycle controller marked the node.
pub const MIN_EPISODE: Micros = 5 * 1_000_000;
/// How far back lines count as "preceding" an episode.
const BEFORE: Micros = 10 * 60 * 1_000_000;

/// The node a controller-manager line names (`Node worker-2 is NotReady as of …`).
pub fn node_named(text: &str) -> Option<String> {
    let i = text.find("Node ")?;
    let rest = &text[i + 5..];
    let end = rest.find(' ')?;
    rest[end..]
        .starts_with(" is NotReady")
        .then(|| rest[..end].trim_matches('"').to_string())
        .filter(|n| n != "<*>")
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::NodeLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing.push(
            "kubelet logs of the nodes and the kube-controller-manager log (node lifecycle controller)".into(),
        );
        return out;
    }
    let kinds: Vec<&str> = SIGNALS.iter().map(|s| s.0).collect();
    let mut by_node: BTreeMap<String, Vec<Ev<'_>>> = BTreeMap::new();
    for e in cx.node_events(&kinds) {
        let node = if e.kind == "node_not_ready" && !e.component().contains("kubelet") {
            cx.text_sampled("not_ready", &e, 200)
                .and_then(|t| node_named(&t))
                .or_else(|| node_named(e.label))
                .unwrap_or_else(|| e.host().to_string())
        } else {
            e.host().to_string()
        };
        by_node.entry(node).or_default().push(e);
    }
    let has_cm = cx.has_component("controller-manager") || cx.has_component("controller_manager");
    for (node, evs) in &by_node {
        for ep in episodes(evs, GAP) {
            let (from, to) = (ep[0].time, ep[ep.len() - 1].time);
            if to - from < MIN_EPISODE && !ep.iter().any(|e| e.kind == "node_not_ready") {
                continue;
            }
            let mut reasons: Vec<String> = Vec::new();
            for (k, what) in SIGNALS {
                let c = ep.iter().filter(|e| e.kind == *k).count();
                if c > 0 {
                    reasons.push(format!("{what} ({c}×)"));
                }
            }
            let first = ep[0];
            let before = cx.preceding(&first, BEFORE, 3);
            let mut summary = format!(
                "{node} was NotReady (or reported a condition that makes it NotReady) for {} from {}: {}.",
                fmt_duration(to - from),
                crate::time::fmt_micros(from),
                list_text(&reasons, 6)
            );
            if !before.is_empty() {
                let b: Vec<String> = before.iter().map(|e| format!("\"{}\"", e.label)).collect();
                summary.push_str(&format!(
                    " Just before, {} logged {}.",
                    first.lane,
                    list_text(&b, 3)
                ));
            }
            if ep.iter().all(|e| e.kind == "network_not_ready") {
                summary.push_str(" Only the network was not ready: the CNI plugin had not written its config yet (normal for a few seconds at node start; a long episode means the CNI DaemonSet is not running on the node).");
            } else {
                summary.push_str(" While NotReady, no new pods are scheduled onto the node and after the eviction timeout its pods are evicted.");
            }
            let mut evidence = Vec::new();
            for e in &before {
                evidence.push(cx.event_evidence(e, format!("before: {}: {}", e.lane, e.label)));
            }
            let mut seen = Vec::new();
            for e in ep.iter() {
                if !seen.contains(&e.kind) {
                    seen.push(e.kind);
                    evidence.push(cx.event_evidence(e, format!("{}: {}", e.lane, e.label)));
                }
            }
            evidence.push(window_evidence(format!("{node} NotReady"), from, to));
            let mut missing = Vec::new();
            if !has_cm {
                missing.push("kube-controller-manager log (node lifecycle controller: when the node was marked NotReady and its pods evicted)".to_string());
            }
            let marked = ep.iter().any(|e| e.kind == "node_not_ready");
            let span = to - from;
            let severity = if marked && span >= 10 * 60 * 1_000_000 {
                Severity::Critical
            } else if marked || span >= 5 * 60 * 1_000_000 {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut lanes: Vec<String> = ep.iter().map(|e| e.lane.to_string()).collect();
            lanes.sort();
            lanes.dedup();
            out.findings.push(finding(
                Detector::NodeNotReady,
                format!("{node} NotReady for {}", fmt_duration(span)),
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
    #[test]
    fn node_from_controller_manager_line() {
        assert_eq!(
            super::node_named("node_lifecycle_controller.go:702] Node kubedee-test-worker-2ajv8y is NotReady as of 2019-06-17 13:01:21").as_deref(),
            Some("kubedee-test-worker-2ajv8y")
        );
        assert_eq!(
            super::node_named("Node became not ready: {Type:Ready}"),
            None
        );
    }
}
