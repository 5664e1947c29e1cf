//! Discovery / APIService outage: an aggregated API (metrics-server's `metrics.k8s.io`, say)
//! not answering, seen as discovery failures in controller logs, as the apiserver's
//! APIService availability errors, and as 503s on that API group in the audit log.
//!
//! Discovery is all-or-nothing for many clients: the namespace controller, the garbage
//! collector and quota controllers refuse to act on partial discovery, so one dead APIService
//! stalls namespace deletion and garbage collection cluster-wide.

use super::scan::{episodes, list_text, requests_evidence, spread, window_evidence, Cx, Ev};
use super::{finding, Detector, Outcome};
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, Micros};
use std::collections::{BTreeMap, BTreeSet};

/// Labels (message templates) of APIService availability errors logged by the apiserver.
pub const APISERVICE_NEEDLES: &[&str] = &[
    "unable to retrieve the complete list of server APIs",
    "failing or missing response from",
    "failed to retrieve openAPI spec",
    "loading OpenAPI spec for",
    "stale GroupVersion discovery",
];

/// Failures closer than this belong to one outage.
const GAP: Micros = 30 * 60 * 1_000_000;
/// Fewest failure lines, and shortest span, that make an outage.
pub const MIN_LINES: usize = 3;
pub const MIN_SPAN: Micros = 30 * 1_000_000;

/// APIService names (`v1beta1.metrics.k8s.io`) mentioned in a log line: `group/version`
/// tokens (discovery errors) and `version.group` tokens (apiserver availability errors).
pub fn apiservices_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for tok in text.split(|c: char| {
        c.is_whitespace() || matches!(c, ',' | '"' | '\'' | '[' | ']' | '\\' | '(' | ')')
    }) {
        let tok = tok.trim_end_matches([':', '.', ';']);
        let tok = tok.strip_prefix("https://").unwrap_or(tok);
        let name = if let Some((group, version)) = tok.split_once('/') {
            if version.contains('/') || !is_version(version) || !is_group(group) {
                continue;
            }
            format!("{version}.{group}")
        } else if let Some((version, group)) = tok.split_once('.') {
            if !is_version(version) || !is_group(group) {
                continue;
            }
            tok.to_string()
        } else {
            continue;
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

fn is_version(v: &str) -> bool {
    v.len() >= 2
        && v.starts_with('v')
        && v.as_bytes()[1].is_ascii_digit()
        && v.bytes().all(|c| c.is_ascii_alphanumeric())
}

fn is_group(g: &str) -> bool {
    g.contains('.')
        && !g.starts_with('.')
        && !g.ends_with('.')
        && g.bytes().any(|c| c.is_ascii_alphabetic())
        && g
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-')
        // Hostnames and IPs in URLs are not API groups.
        && !g.bytes().all(|c| c.is_ascii_digit() || c == b'.')
}

/// One failure line and the APIServices it names.
pub struct Failure<'a> {
    pub ev: Ev<'a>,
    pub services: Vec<String>,
}

/// Every discovery / APIService failure line of the node logs, in time order.
pub fn failures<'a>(cx: &Cx<'a>) -> Vec<Failure<'a>> {
    let mut evs = cx.node_events(&["discovery_failed"]);
    evs.extend(cx.node_events_labelled(APISERVICE_NEEDLES));
    evs.sort_by_key(|e| (e.time, e.file, e.line));
    evs.dedup_by_key(|e| (e.file, e.line));
    // Reading every line can be slow on big logs: read up to 20 lines per template, and give
    // the other lines of a template what those named.
    let mut per_label: std::collections::HashMap<&str, (usize, Vec<String>)> = Default::default();
    let mut out: Vec<Failure<'a>> = Vec::with_capacity(evs.len());
    let mut unread = Vec::new();
    for ev in evs {
        let slot = per_label.entry(ev.label).or_default();
        let services = if slot.0 < 20 {
            slot.0 += 1;
            let text = cx.text(&ev).unwrap_or_else(|| ev.label.to_string());
            let s = apiservices_in(&text);
            for x in &s {
                if !slot.1.contains(x) {
                    slot.1.push(x.clone());
                }
            }
            s
        } else {
            unread.push(out.len());
            Vec::new()
        };
        out.push(Failure { ev, services });
    }
    for i in unread {
        if let Some((_, s)) = per_label.get(out[i].ev.label) {
            out[i].services = s.clone();
        }
    }
    out
}

/// API groups answering 503 in the audit log, with counts and first/last times.
pub fn unavailable_groups(cx: &Cx<'_>) -> BTreeMap<String, (u64, Micros, Micros)> {
    let mut out: BTreeMap<String, (u64, Micros, Micros)> = BTreeMap::new();
    for q in &cx.audit().reqs {
        if q.code != 503 {
            continue;
        }
        let r = cx.req(q);
        if r.api_group.is_empty() {
            continue;
        }
        let t = q.start();
        let e = out.entry(r.api_group.to_string()).or_insert((0, t, t));
        e.0 += 1;
        e.1 = e.1.min(t);
        e.2 = e.2.max(t);
    }
    out
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::NodeLog) || cx.has(Format::AuditLog),
        ..Default::default()
    };
    let fails = failures(cx);
    let evs: Vec<Ev<'_>> = fails.iter().map(|f| f.ev).collect();
    let groups_503 = unavailable_groups(cx);
    let mut seen_503 = BTreeSet::new();
    let mut start = 0;
    for ep in episodes(&evs, GAP) {
        let part = &fails[start..start + ep.len()];
        start += ep.len();
        let (from, to) = (ep[0].time, ep[ep.len() - 1].time);
        // One or two failures within seconds are a component starting before the aggregated
        // API is up, not an outage.
        if ep.len() < MIN_LINES || to - from < MIN_SPAN {
            continue;
        }
        let mut services: Vec<String> = Vec::new();
        for f in part {
            for s in &f.services {
                if !services.contains(s) {
                    services.push(s.clone());
                }
            }
        }
        let mut lanes: Vec<String> = ep.iter().map(|e| e.lane.to_string()).collect();
        lanes.sort();
        lanes.dedup();
        let comps: BTreeSet<&str> = ep
            .iter()
            .map(|e| {
                if e.component().is_empty() {
                    e.lane
                } else {
                    e.component()
                }
            })
            .collect();
        let comps: Vec<String> = comps.into_iter().map(str::to_string).collect();
        let mut evidence: Vec<_> = spread(ep, 5)
            .iter()
            .map(|e| cx.line_evidence(e, ""))
            .collect();
        let what = if services.is_empty() {
            "an aggregated API (the line text naming it was not available)".to_string()
        } else {
            format!("APIService {}", list_text(&services, 4))
        };
        let mut summary = format!(
            "{} discovery/APIService failure lines over {} from {}: {what} did not answer.",
            ep.len(),
            fmt_duration(to - from),
            list_text(&comps, 4)
        );
        for (g, (n, a, b)) in &groups_503 {
            if *b >= from - GAP && *a <= to + GAP {
                seen_503.insert(g.clone());
                summary.push_str(&format!(" The audit log shows {n} requests to API group {g} answered 503 Service Unavailable."));
                evidence.push(requests_evidence(
                    format!("503s on {g}"),
                    Vec::new(),
                    *a,
                    *b,
                ));
            }
        }
        summary.push_str(" While discovery is incomplete, the namespace controller cannot delete namespaces, the garbage collector stops collecting, and clients of the group (HPA and `kubectl top` for metrics.k8s.io) fail. Check the APIService (`kubectl get apiservice`) and the pods behind its service.");
        evidence.push(window_evidence("outage window".to_string(), from, to));
        let mut missing = Vec::new();
        if !cx.has(Format::AuditLog) {
            missing.push("apiserver audit log of the window (503s on the group, and namespace deletions that stalled)".to_string());
        }
        let long = to - from >= 60 * 60 * 1_000_000;
        out.findings.push(finding(
            Detector::DiscoveryOutage,
            format!("API discovery failing: {what}"),
            if long {
                Severity::Error
            } else {
                Severity::Warning
            },
            from,
            to,
            summary,
            lanes,
            evidence,
            missing,
        ));
    }
    for (g, (n, a, b)) in &groups_503 {
        if seen_503.contains(g) || *n < 5 {
            continue;
        }
        let summary = format!("{n} requests to API group {g} were answered 503 Service Unavailable over {}: the APIService serving it is down. Discovery of every client fails meanwhile (namespace deletion and garbage collection stall).", fmt_duration(b - a));
        out.findings.push(finding(
            Detector::DiscoveryOutage,
            format!("API group {g} unavailable (503)"),
            Severity::Warning,
            *a,
            *b,
            summary,
            Vec::new(),
            vec![requests_evidence(format!("requests to {g}"), Vec::new(), *a, *b)],
            vec!["kube-controller-manager log of the window ('unable to retrieve the complete list of server APIs')".to_string()],
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::apiservices_in;

    #[test]
    fn names_from_discovery_and_apiserver_lines() {
        assert_eq!(
            apiservices_in("E0823 11:56:20.784842  218506 controllermanager.go:418] unable to get all supported resources from server: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request"),
            vec!["v1beta1.metrics.k8s.io"]
        );
        assert_eq!(
            apiservices_in(
                r#"E1017 available_controller.go:508] v1beta1.metrics.k8s.io failed with: failing or missing response from https://10.96.12.7:443/apis/metrics.k8s.io/v1beta1: bad status from https://10.96.12.7:443/apis/metrics.k8s.io/v1beta1: 503"#
            ),
            vec!["v1beta1.metrics.k8s.io"]
        );
        assert!(
            apiservices_in("kubelet.go:1779] skipping pod synchronization v1.2.3 10.0.0.1/v1")
                .is_empty()
        );
    }
}
