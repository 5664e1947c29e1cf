//! Stalled namespace deletion: a namespace DELETE in the audit log, and the objects inside it
//! deleted much later (by the namespace controller, once it could finally discover every API).
//!
//! The namespace controller lists every namespaced resource of every API group before deleting
//! a namespace's contents; when discovery fails (an APIService such as `metrics.k8s.io` down),
//! it gives up and retries, so the namespace sits in `Terminating` with its contents alive —
//! for days, as in "How the OOM-Killer Deleted My Namespace" (KubeCon 2020). Corroboration:
//! kube-controller-manager's "unable to retrieve the complete list of server APIs: <group/version>"
//! lines in between, which name the failing APIService.

use super::discovery::{failures, unavailable_groups};
use super::scan::{list_text, requests_evidence, spread, window_evidence, Cx};
use super::{finding, Detector, Outcome};
use crate::audit::cost::GroupBy;
use crate::audit::view::Req;
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, fmt_micros, Micros};
use std::collections::BTreeMap;

/// Contents deleted later than this after their namespace count as a stalled deletion
/// (a healthy namespace controller empties a namespace within seconds to minutes).
pub const STALL: Micros = 10 * 60 * 1_000_000;

fn is_delete(verb: &str) -> bool {
    verb == "delete" || verb == "deletecollection"
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::AuditLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing.push(
            "apiserver audit log (namespace DELETE and the deletions of its contents)".into(),
        );
        return out;
    }
    let af = cx.audit();
    // Namespace → first successful DELETE of it.
    let mut ns_del: BTreeMap<&str, &Req> = BTreeMap::new();
    for q in &af.reqs {
        let r = cx.req(q);
        if r.verb == "delete"
            && r.resource == "namespaces"
            && !r.name.is_empty()
            && (200..300).contains(&q.code)
        {
            let e = ns_del.entry(r.name).or_insert(q);
            if q.start() < e.start() {
                *e = q;
            }
        }
    }
    if ns_del.is_empty() {
        return out;
    }
    // Deletions of contents, per namespace.
    let mut contents: BTreeMap<&str, Vec<&Req>> = BTreeMap::new();
    for q in &af.reqs {
        let r = cx.req(q);
        if is_delete(r.verb) && r.resource != "namespaces" && ns_del.contains_key(r.namespace) {
            contents.entry(r.namespace).or_default().push(q);
        }
    }
    let fails = failures(cx);
    let groups_503 = unavailable_groups(cx);
    for (ns, del) in ns_del {
        let t0 = del.start();
        let mut later: Vec<&Req> = contents
            .get(ns)
            .map(|v| v.iter().copied().filter(|q| q.start() >= t0).collect())
            .unwrap_or_default();
        later.sort_by_key(|q| q.start());
        // A namespace re-created under the same name holds new objects: stop there.
        let recreated = af
            .reqs
            .iter()
            .filter(|q| q.start() > t0 && (200..300).contains(&q.code))
            .filter(|q| {
                let r = cx.req(q);
                r.verb == "create" && r.resource == "namespaces" && r.name == ns
            })
            .map(|q| q.start())
            .min();
        if let Some(rc) = recreated {
            later.retain(|q| q.start() < rc);
        }
        let Some(first) = later.first() else { continue };
        let last = later[later.len() - 1];
        let (t1, t2) = (first.start(), last.start());
        if t1 - t0 < STALL {
            continue;
        }
        let who = cx.req(del);
        let mut deleters: BTreeMap<&str, u64> = BTreeMap::new();
        for q in &later {
            *deleters.entry(cx.req(q).user).or_default() += 1;
        }
        let mut deleters: Vec<(&str, u64)> = deleters.into_iter().collect();
        deleters.sort_by_key(|d| std::cmp::Reverse(d.1));
        let mut summary = format!(
            "Namespace {ns} was deleted at {} by {}, but the objects inside it were deleted only from {} — {} later ({} deletions, mostly by {}). ",
            fmt_micros(t0),
            who.user,
            fmt_micros(t1),
            fmt_duration(t1 - t0),
            later.len(),
            deleters[0].0
        );
        summary.push_str("The namespace controller deletes a namespace's contents only after discovering every API group; while an aggregated API (APIService) is unavailable, discovery fails and it keeps retrying, so the namespace stays Terminating with everything in it still running. ");
        let mut evidence = vec![
            cx.req_evidence(del, format!("DELETE namespace {ns} by {}", who.user)),
            cx.req_evidence(
                first,
                format!(
                    "first deletion inside {ns}, {} later",
                    fmt_duration(t1 - t0)
                ),
            ),
            requests_evidence(
                format!("deletions in {ns}"),
                vec![(GroupBy::Namespace, ns.to_string())],
                t1,
                t2,
            ),
        ];
        let between: Vec<_> = fails
            .iter()
            .filter(|f| f.ev.time >= t0 && f.ev.time <= t1)
            .collect();
        let mut services: Vec<String> = Vec::new();
        for f in &between {
            for s in &f.services {
                if !services.contains(s) {
                    services.push(s.clone());
                }
            }
        }
        let mut missing = Vec::new();
        if !between.is_empty() {
            let evs: Vec<_> = between.iter().map(|f| f.ev).collect();
            summary.push_str(&format!(
                "Corroboration: {} \"unable to retrieve the complete list of server APIs\" / APIService errors were logged in between{}.",
                between.len(),
                if services.is_empty() {
                    String::new()
                } else {
                    format!(", naming APIService {}", list_text(&services, 3))
                }
            ));
            for e in spread(&evs, 4) {
                evidence.push(cx.event_evidence(&e, format!("{}: {}", e.lane, e.label)));
            }
        } else {
            let g503: Vec<String> = groups_503
                .iter()
                .filter(|(_, (_, a, b))| *b >= t0 && *a <= t1)
                .map(|(g, (n, _, _))| format!("{g} ({n}×)"))
                .collect();
            if !g503.is_empty() {
                summary.push_str(&format!(
                    "In between, the audit log shows 503s from aggregated API group(s) {}: the likely blocker.",
                    list_text(&g503, 3)
                ));
            }
            missing.push(format!(
                "kube-controller-manager log from {} to {}: its \"unable to retrieve the complete list of server APIs: <group/version>\" lines name the APIService that blocked the namespace controller",
                fmt_micros(t0),
                fmt_micros(t1)
            ));
        }
        evidence.push(window_evidence(format!("{ns} Terminating"), t0, t1));
        let severity = if t1 - t0 >= 24 * 3600 * 1_000_000 {
            Severity::Critical
        } else {
            Severity::Error
        };
        out.findings.push(finding(
            Detector::StalledNamespaceDeletion,
            format!(
                "Namespace {ns}: contents deleted {} after the namespace",
                fmt_duration(t1 - t0)
            ),
            severity,
            t0,
            t2,
            summary,
            vec![who.user.to_string(), deleters[0].0.to_string()],
            evidence,
            missing,
        ));
    }
    out
}
