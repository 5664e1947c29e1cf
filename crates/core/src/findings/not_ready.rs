//! Node NotReady episodes: per node, the windows in which the kubelet reported a condition
//! that makes the node NotReady (runtime or network not ready, PLEG unhealthy, status or lease
//! updates failing) or the node lifecycle controller marked it NotReady — with the kubelet
//! lines that preceded each episode.

use super::scan::{episodes, list_text, spread, window_evidence, Cx, Ev};
use super::subject::{self, Subject};
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
    subject::node_is_not_ready(text)
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
    // Pods the node lifecycle controller marked (`reason="NodeNotReady"` events on a pod):
    // about a pod whose node is NotReady, the node itself unnamed.
    let mut pods: Vec<(String, Ev<'_>)> = Vec::new();
    let mut unnamed: Vec<Ev<'_>> = Vec::new();
    for e in cx.node_events(&kinds) {
        let text = cx.text_sampled("not_ready", &e, 500);
        let named = text.as_deref().and_then(subject::not_ready_subject);
        let from_kubelet = e.component().contains("kubelet");
        match named {
            Some(Subject::Node(n)) => by_node.entry(n).or_default().push(e),
            Some(Subject::Pod(p)) => pods.push((p, e)),
            // A kubelet speaks about its own node: the lane's host is the subject.
            None if from_kubelet => by_node.entry(e.host().to_string()).or_default().push(e),
            None => match node_named(e.label) {
                Some(n) => by_node.entry(n).or_default().push(e),
                None => unnamed.push(e),
            },
        }
    }
    let has_cm = cx.has_component("controller-manager") || cx.has_component("controller_manager");
    for (node, evs) in &by_node {
        for ep in episodes(evs, GAP) {
            let (from, to) = (ep[0].time, ep[ep.len() - 1].time);
            // Marked by the node lifecycle controller (not the kubelet's own "became not ready").
            let marked = ep
                .iter()
                .any(|e| e.kind == "node_not_ready" && !e.component().contains("kubelet"));
            if to - from < MIN_EPISODE && !marked {
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
            let lasting = to - from >= MIN_EPISODE;
            let mut summary = if lasting {
                format!(
                    "{node} was NotReady (or reported a condition that makes it NotReady) for {} from {}: {}.",
                    fmt_duration(to - from),
                    crate::time::fmt_micros(from),
                    list_text(&reasons, 6)
                )
            } else {
                format!(
                    "The node lifecycle controller marked {node} NotReady at {} ({}); how long it stayed NotReady is not in the logs dropped.",
                    crate::time::fmt_micros(from),
                    list_text(&reasons, 6)
                )
            };
            let on_node: Vec<String> = {
                let mut v: Vec<String> = pods
                    .iter()
                    .filter(|(_, e)| e.time >= from - GAP && e.time <= to + GAP)
                    .map(|(p, _)| p.clone())
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            if !on_node.is_empty() {
                summary.push_str(&format!(
                    " Meanwhile the controller marked {} pod(s) NotReady because their node was: {}.",
                    on_node.len(),
                    list_text(&on_node, 5)
                ));
            }
            if !before.is_empty() {
                let b: Vec<String> = before
                    .iter()
                    .map(|e| format!("\"{}\"", cx.line_text(e)))
                    .collect();
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
                evidence.push(cx.line_evidence(e, "before: "));
            }
            let mut seen = Vec::new();
            for e in ep.iter() {
                if !seen.contains(&e.kind) {
                    seen.push(e.kind);
                    evidence.push(cx.line_evidence(e, ""));
                }
            }
            evidence.push(window_evidence(format!("{node} NotReady"), from, to));
            let mut missing = Vec::new();
            if !has_cm {
                missing.push("kube-controller-manager log (node lifecycle controller: when the node was marked NotReady and its pods evicted)".to_string());
            }
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
                if lasting {
                    format!("{node} NotReady for {}", fmt_duration(span))
                } else {
                    format!("{node} NotReady (marked by the node lifecycle controller)")
                },
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
    // Pods marked NotReady with no node episode around them: their node is not named.
    let orphans: Vec<(String, Ev<'_>)> = pods
        .into_iter()
        .filter(|(_, e)| {
            !by_node
                .values()
                .flatten()
                .any(|n| (n.time - e.time).abs() <= GAP)
        })
        .collect();
    let evs: Vec<Ev<'_>> = orphans.iter().map(|(_, e)| *e).collect();
    let mut at = 0;
    for ep in episodes(&evs, GAP) {
        let part = &orphans[at..at + ep.len()];
        at += ep.len();
        let mut names: Vec<String> = part.iter().map(|(p, _)| p.clone()).collect();
        names.sort();
        names.dedup();
        let (from, to) = (ep[0].time, ep[ep.len() - 1].time);
        let mut evidence: Vec<_> = spread(ep, 4)
            .iter()
            .map(|e| cx.line_evidence(e, ""))
            .collect();
        evidence.push(window_evidence("pods marked NotReady".into(), from, to));
        out.findings.push(finding(
            Detector::NodeNotReady,
            format!("{} pod(s) marked NotReady: their node was NotReady", names.len()),
            Severity::Warning,
            from,
            to,
            format!(
                "The node lifecycle controller marked {} NotReady (reason NodeNotReady) from {}: their node stopped reporting. The lines do not name the node; its kubelet log or the controller's \"Node … is NotReady\" line would.",
                list_text(&names, 5),
                crate::time::fmt_micros(from)
            ),
            ep.iter().map(|e| e.lane.to_string()).take(1).collect(),
            evidence,
            vec!["kubelet log of the node the pods ran on".into()],
        ));
    }
    if !unnamed.is_empty() {
        out.missing.push(format!(
            "{} NotReady line(s) name no node or pod (or could not be read): not attributed",
            unnamed.len()
        ));
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
