//! Stalled namespace deletion: a namespace DELETE in the audit log and the namespace gone (or
//! its contents deleted) much later, because the namespace controller could not discover every
//! API.
//!
//! The namespace controller lists every namespaced resource of every API group before it may
//! remove a namespace; when discovery fails (an APIService such as `v1beta1.metrics.k8s.io`
//! unavailable) it retries with back-off and the namespace sits in `Terminating`. Two shapes:
//! - **older** (the KubeCon 2020 seed, "How the OOM-Killer Deleted My Namespace"): the contents
//!   themselves are left alone until discovery works, for days;
//! - **current** (v1.2x–v1.36): the controller deletes what it can discover at once, writes the
//!   `NamespaceDeletionDiscoveryFailure` condition, logs "Deletion of namespace failed" with the
//!   discovery error, and only the namespace object hangs until the APIService answers (or is
//!   removed) and the next retry `finalize`s it.
//!
//! The finding links the DELETE, the discovery errors (which name the APIService), the
//! APIService's own create/delete requests in the audit log, the first and last content
//! deletions and the namespace's end (`finalize`, or the first 404 on it), with the delays.

use super::discovery::{failures, unavailable_groups};
use super::scan::{list_text, requests_evidence, spread, window_evidence, Cx};
use super::subject::kv;
use super::{finding, Detector, Outcome};
use crate::audit::cost::GroupBy;
use crate::audit::view::Req;
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, fmt_micros, Micros};
use std::collections::BTreeMap;

/// Contents deleted later than this after their namespace: the older shape.
pub const STALL: Micros = 10 * 60 * 1_000_000;
/// A namespace still there this long after its DELETE, with its contents gone: the current
/// shape (a healthy controller finalizes within seconds of emptying it).
pub const STALL_TERMINATING: Micros = 2 * 60 * 1_000_000;
/// Content deletions closer than this are one sweep of the namespace controller.
const SWEEP_GAP: Micros = 2 * 1_000_000;

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
    // APIService objects created/deleted in the audit log: name → (first create, last delete).
    let mut apisvc: BTreeMap<&str, (Option<&Req>, Option<&Req>)> = BTreeMap::new();
    for q in &af.reqs {
        let r = cx.req(q);
        if r.resource != "apiservices" || r.name.is_empty() || !(200..300).contains(&q.code) {
            continue;
        }
        let e = apisvc.entry(r.name).or_default();
        match r.verb {
            "create" if e.0.is_none() => e.0 = Some(q),
            "delete" => e.1 = Some(q),
            _ => {}
        }
    }
    for (ns, del) in ns_del {
        let t0 = del.start();
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
            .min()
            .unwrap_or(Micros::MAX);
        let mut later: Vec<&Req> = contents
            .get(ns)
            .map(|v| {
                v.iter()
                    .copied()
                    .filter(|q| q.start() >= t0 && q.start() < recreated)
                    .collect()
            })
            .unwrap_or_default();
        later.sort_by_key(|q| q.start());
        // The namespace's end: its `finalize` (2xx), else the first 404 on it.
        let mut gone: Option<&Req> = None;
        let mut gone_404: Option<&Req> = None;
        for q in &af.reqs {
            if q.start() <= t0 || q.start() >= recreated {
                continue;
            }
            let r = cx.req(q);
            if r.resource != "namespaces" || r.name != ns {
                continue;
            }
            if r.subresource == "finalize"
                && (200..300).contains(&q.code)
                && gone.is_none_or(|g| q.start() < g.start())
            {
                gone = Some(q);
            }
            if q.code == 404
                && r.subresource.is_empty()
                && gone_404.is_none_or(|g| q.start() < g.start())
            {
                gone_404 = Some(q);
            }
        }
        let end = gone.or(gone_404);
        // Discovery failures in the window, and those naming this namespace
        // (`"Deletion of namespace failed" … namespace="x"`).
        let until = end.map(|q| q.start()).unwrap_or(Micros::MAX);
        let between: Vec<_> = fails
            .iter()
            .filter(|f| f.ev.time >= t0 && f.ev.time <= until)
            .collect();
        let naming: Vec<_> = between
            .iter()
            .filter(|f| {
                // Only lines whose template carries a namespace key are worth reading.
                f.ev.label.contains("namespace=")
                    && cx
                        .text_sampled("namespace", &f.ev, 20)
                        .is_some_and(|t| kv(&t, "namespace") == Some(ns))
            })
            .collect();
        let first = later.first().copied();
        let old_shape = first.is_some_and(|q| q.start() - t0 >= STALL);
        let terminating = end.map(|q| q.start() - t0);
        let current_shape = match terminating {
            Some(d) => d >= STALL_TERMINATING,
            // Never gone in the log: only with the controller's own word that it failed.
            None => !naming.is_empty(),
        };
        if !old_shape && !current_shape {
            continue;
        }
        let who = cx.req(del);
        let mut deleters: BTreeMap<&str, u64> = BTreeMap::new();
        for q in &later {
            *deleters.entry(cx.req(q).user).or_default() += 1;
        }
        let mut deleters: Vec<(&str, u64)> = deleters.into_iter().collect();
        deleters.sort_by_key(|d| std::cmp::Reverse(d.1));
        let mut services: Vec<String> = Vec::new();
        for f in &between {
            for s in &f.services {
                if !services.contains(s) {
                    services.push(s.clone());
                }
            }
        }
        let mut summary = format!(
            "Namespace {ns} was deleted at {} by {} ({}).",
            fmt_micros(t0),
            who.user,
            who.user_agent
        );
        let mut evidence =
            vec![cx.req_evidence(del, format!("DELETE namespace {ns} by {}", who.user))];
        if let Some(f) = first {
            let last = later[later.len() - 1];
            // The first sweep: content deletions without a pause.
            let mut sweep_end = f;
            for q in &later[1..] {
                if q.start() - sweep_end.start() > SWEEP_GAP {
                    break;
                }
                sweep_end = q;
            }
            summary.push_str(&format!(
                " Its contents were deleted from {} ({} after the DELETE; first sweep over by {}) — {} deletions in all, the last at {}, mostly by {}.",
                fmt_micros(f.start()),
                fmt_duration(f.start() - t0),
                fmt_micros(sweep_end.start()),
                later.len(),
                fmt_micros(last.start()),
                deleters[0].0
            ));
            evidence.push(cx.req_evidence(
                f,
                format!(
                    "first deletion inside {ns}, {} after the DELETE",
                    fmt_duration(f.start() - t0)
                ),
            ));
            evidence.push(requests_evidence(
                format!("deletions in {ns}"),
                vec![(GroupBy::Namespace, ns.to_string())],
                f.start(),
                last.start(),
            ));
        } else {
            summary.push_str(" No deletion inside it was logged afterwards.");
        }
        match (end, terminating) {
            (Some(q), Some(d)) => {
                let how = if gone.is_some() {
                    "finalized (removed)"
                } else {
                    "gone (first 404)"
                };
                summary.push_str(&format!(
                    " The namespace itself was {how} only at {}: Terminating for {}.",
                    fmt_micros(q.start()),
                    fmt_duration(d)
                ));
                evidence.push(cx.req_evidence(
                    q,
                    format!("namespace {ns} {how}, {} after the DELETE", fmt_duration(d)),
                ));
            }
            _ => {
                summary.push_str(" The namespace is still Terminating at the end of the audit log.")
            }
        }
        if old_shape {
            summary.push_str(" The namespace controller deletes a namespace's contents only after discovering every API group; while an aggregated API (APIService) is unavailable, discovery fails and it keeps retrying, so the namespace stays Terminating with everything in it still running.");
        } else {
            summary.push_str(" The namespace controller deleted what it could discover at once, but it removes the namespace only after a discovery of every API group succeeds; while an aggregated API (APIService) is unavailable it retries with back-off and the namespace hangs in Terminating (condition NamespaceDeletionDiscoveryFailure).");
        }
        let mut missing = Vec::new();
        let mut lanes = vec![who.user.to_string()];
        if let Some(d) = deleters.first() {
            lanes.push(d.0.to_string());
        }
        if !between.is_empty() {
            summary.push_str(&format!(
                " {} discovery error(s) were logged meanwhile{}{}.",
                between.len(),
                if naming.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", {} of them the namespace controller's \"Deletion of namespace failed\" for {ns}",
                        naming.len()
                    )
                },
                if services.is_empty() {
                    String::new()
                } else {
                    format!(", naming APIService {}", list_text(&services, 3))
                }
            ));
            let pick: Vec<_> = if naming.is_empty() {
                between.iter().map(|f| f.ev).collect()
            } else {
                naming.iter().map(|f| f.ev).collect()
            };
            for e in spread(&pick, 3) {
                evidence.push(cx.line_evidence(&e, ""));
            }
        } else {
            let t1 = first.map(|q| q.start()).unwrap_or(until);
            let g503: Vec<String> = groups_503
                .iter()
                .filter(|(_, (_, a, b))| *b >= t0 && *a <= t1)
                .map(|(g, (n, _, _))| format!("{g} ({n}×)"))
                .collect();
            if !g503.is_empty() {
                summary.push_str(&format!(
                    " In between, the audit log shows 503s from aggregated API group(s) {}: the likely blocker.",
                    list_text(&g503, 3)
                ));
            }
            missing.push(format!(
                "kube-controller-manager log from {} on: its \"unable to retrieve the complete list of server APIs: <group/version>\" lines name the APIService that blocked the namespace controller",
                fmt_micros(t0)
            ));
        }
        // The APIService's own lifecycle, when the audit log has it.
        for name in &services {
            if let Some((created, deleted)) = apisvc.get(name.as_str()) {
                if let Some(c) = created {
                    evidence.push(cx.req_evidence(
                        c,
                        format!("APIService {name} created by {}", cx.req(c).user),
                    ));
                }
                if let Some(d) = deleted {
                    let dt = d.start();
                    summary.push_str(&format!(
                        " APIService {name} was deleted at {} by {}",
                        fmt_micros(dt),
                        cx.req(d).user
                    ));
                    match end {
                        Some(q) if q.start() >= dt => summary.push_str(&format!(
                            "; the namespace went {} later (the controller's next retry).",
                            fmt_duration(q.start() - dt)
                        )),
                        _ => summary.push('.'),
                    }
                    evidence.push(cx.req_evidence(
                        d,
                        format!("APIService {name} deleted by {}", cx.req(d).user),
                    ));
                }
            }
        }
        summary.push_str(" Fix: make the APIService available again (its service's pods) or delete it (`kubectl get apiservice`).");
        let stop = end
            .map(|q| q.start())
            .or(later.last().map(|q| q.start()))
            .unwrap_or(t0);
        evidence.push(window_evidence(format!("{ns} Terminating"), t0, stop));
        let span = stop - t0;
        let severity = if span >= 24 * 3600 * 1_000_000 {
            Severity::Critical
        } else {
            Severity::Error
        };
        let behind = if services.is_empty() {
            String::new()
        } else {
            format!(" behind APIService {}", list_text(&services, 2))
        };
        let title = if old_shape {
            format!(
                "Namespace {ns}: contents deleted {} after the namespace{behind}",
                fmt_duration(first.map(|q| q.start()).unwrap_or(t0) - t0)
            )
        } else {
            match terminating {
                Some(d) => format!(
                    "Namespace {ns} stuck Terminating for {}{behind}",
                    fmt_duration(d)
                ),
                None => format!("Namespace {ns} stuck Terminating{behind}"),
            }
        };
        out.findings.push(finding(
            Detector::StalledNamespaceDeletion,
            title,
            severity,
            t0,
            stop,
            summary,
            lanes,
            evidence,
            missing,
        ));
    }
    out
}
