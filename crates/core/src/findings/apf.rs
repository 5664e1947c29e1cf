//! Priority-and-fairness rejections: the apiserver answering 429 Too Many Requests because a
//! priority level's seats and queues were full — who was rejected, at which priority level and
//! flow schema (the `apf.k8s.io/*` / `apf_pl`/`apf_fs` annotations, when the events carry them),
//! and who was holding the seats meanwhile.
//!
//! A 429 is rejected before authorization, so its audit event often carries no annotation at
//! all (kube-apiserver v1.36): the level is then only known from the same client's admitted
//! requests, or from the apiserver's `apiserver_flowcontrol_rejected_requests_total` metric.

use super::scan::{list_text, requests_evidence, spread, window_evidence, Cx};
use super::{finding, Detector, Outcome};
use crate::audit::cost::GroupBy;
use crate::audit::store::F_LONG_RUNNING;
use crate::audit::view::Req;
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, fmt_micros, Micros};
use std::collections::BTreeMap;

/// Fewest 429s that make a finding (a handful is a client's ordinary back-off).
pub const MIN_REJECTED: usize = 20;
/// 429s closer than this belong to one episode.
const GAP: Micros = 5 * 60 * 1_000_000;
/// At this many rejections the finding is an error.
pub const ERROR_REJECTED: usize = 100;

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::AuditLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing
            .push("apiserver audit log (requests answered 429 Too Many Requests)".into());
        return out;
    }
    let af = cx.audit();
    let mut rejected: Vec<&Req> = af
        .reqs
        .iter()
        .filter(|q| q.code == 429 && q.flags & F_LONG_RUNNING == 0)
        .collect();
    rejected.sort_by_key(|q| q.start());
    // Priority level / flow schema per user, from any of their events that carry them.
    let mut level_of: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for q in &af.reqs {
        let r = cx.req(q);
        if !r.apf_pl.is_empty() || !r.apf_fs.is_empty() {
            level_of.entry(r.user).or_insert((r.apf_pl, r.apf_fs));
        }
    }
    let times: Vec<Micros> = rejected.iter().map(|q| q.start()).collect();
    let mut at = 0;
    while at < rejected.len() {
        let mut end = at + 1;
        while end < rejected.len() && times[end] - times[end - 1] <= GAP {
            end += 1;
        }
        let ep = &rejected[at..end];
        at = end;
        if ep.len() < MIN_REJECTED {
            continue;
        }
        let (from, to) = (ep[0].start(), ep[ep.len() - 1].start());
        // Rejected, by (user, level, schema); the level from the 429 itself, else the user's.
        let mut by: BTreeMap<(&str, String, String), u64> = BTreeMap::new();
        let mut agents: BTreeMap<&str, u64> = BTreeMap::new();
        let mut what: BTreeMap<String, u64> = BTreeMap::new();
        let mut annotated = 0u64;
        for q in ep {
            let r = cx.req(q);
            let (pl, fs) = if !r.apf_pl.is_empty() || !r.apf_fs.is_empty() {
                annotated += 1;
                (r.apf_pl, r.apf_fs)
            } else {
                level_of.get(r.user).copied().unwrap_or(("", ""))
            };
            *by.entry((r.user, pl.to_string(), fs.to_string()))
                .or_default() += 1;
            *agents.entry(r.user_agent).or_default() += 1;
            *what
                .entry(format!("{} {}", r.verb, r.resource))
                .or_default() += 1;
        }
        // Seat-time held in the window by every request that was admitted (not a 429):
        // its overlap with the window, per user.
        let mut held: BTreeMap<&str, (i64, u64)> = BTreeMap::new();
        let mut admitted: BTreeMap<&str, u64> = BTreeMap::new();
        let mut total_held = 0i64;
        for q in &af.reqs {
            if q.code == 429 || q.flags & F_LONG_RUNNING != 0 {
                continue;
            }
            let Some(lat) = q.latency() else { continue };
            let (a, b) = (q.start(), q.start() + lat);
            let ov = b.min(to) - a.max(from);
            if ov <= 0 {
                continue;
            }
            let u = cx.req(q).user;
            let h = held.entry(u).or_default();
            h.0 += ov;
            h.1 += 1;
            total_held += ov;
            *admitted.entry(u).or_default() += 1;
        }
        let window = (to - from).max(1) as f64;
        let mut holders: Vec<(&str, (i64, u64))> = held.into_iter().collect();
        holders.sort_by_key(|h| std::cmp::Reverse(h.1 .0));
        let holder_text: Vec<String> = holders
            .iter()
            .take(4)
            .map(|(u, (t, n))| {
                format!(
                    "{u} ({:.1} in flight on average, {n} admitted requests, {:.0}% of the seat-time)",
                    *t as f64 / window,
                    100.0 * *t as f64 / total_held.max(1) as f64
                )
            })
            .collect();
        let mut rows: Vec<((&str, String, String), u64)> = by.into_iter().collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        let row_text: Vec<String> = rows
            .iter()
            .map(|((u, pl, fs), n)| {
                let lvl = match (pl.is_empty(), fs.is_empty()) {
                    (true, true) => "priority level not logged".to_string(),
                    _ => format!(
                        "priority level {}, flow schema {}",
                        if pl.is_empty() { "?" } else { pl },
                        if fs.is_empty() { "?" } else { fs }
                    ),
                };
                let own = admitted.get(u).copied().unwrap_or(0);
                format!("{u}: {n} rejected, {own} admitted ({lvl})")
            })
            .collect();
        fn top<K: std::fmt::Display>(m: &BTreeMap<K, u64>) -> Vec<String> {
            let mut v: Vec<(String, u64)> = m.iter().map(|(k, n)| (k.to_string(), *n)).collect();
            v.sort_by_key(|x| std::cmp::Reverse(x.1));
            v.into_iter().map(|(k, n)| format!("{k} ({n}×)")).collect()
        }
        let users: Vec<&str> = {
            let mut u: Vec<&str> = rows.iter().map(|r| (r.0).0).collect();
            u.dedup();
            u
        };
        let mut summary = format!(
            "The apiserver rejected {} requests with 429 Too Many Requests over {} (from {}): {}. Requests: {}; user agents: {}.",
            ep.len(),
            fmt_duration(to - from),
            fmt_micros(from),
            list_text(&row_text, 4),
            list_text(&top(&what), 3),
            list_text(&top(&agents), 2),
        );
        if annotated == 0 {
            summary.push_str(" The 429 events carry no priority-and-fairness annotations (APF rejects before authorization writes any): the priority level is in the apiserver's apiserver_flowcontrol_rejected_requests_total{priority_level, flow_schema} metric.");
        }
        if !holder_text.is_empty() {
            summary.push_str(&format!(
                " Holding the apiserver's seats meanwhile (admitted requests in flight in the window): {}.",
                list_text(&holder_text, 4)
            ));
        }
        summary.push_str(" Priority and fairness queues each flow within its priority level: a client whose level is full is rejected while other levels keep working. Give the client its own flow schema/level with more shares, or make it back off (its retries keep the queues full).");
        let mut evidence = Vec::new();
        for u in users.iter().take(3) {
            evidence.push(requests_evidence(
                format!("requests by {u} in the rejection window"),
                vec![(GroupBy::User, u.to_string())],
                from,
                to,
            ));
        }
        for q in spread(ep, 3) {
            let r = cx.req(q);
            evidence
                .push(cx.req_evidence(q, format!("429 {} {} for {}", r.verb, r.resource, r.user)));
        }
        evidence.push(window_evidence("429 rejections".into(), from, to));
        let severity = if ep.len() >= ERROR_REJECTED {
            Severity::Error
        } else {
            Severity::Warning
        };
        let subject = match rows.first() {
            Some(((u, pl, _), _)) if !pl.is_empty() => format!("{u} at priority level {pl}"),
            Some(((u, _, _), _)) => u.to_string(),
            None => String::new(),
        };
        out.findings.push(finding(
            Detector::ApfRejections,
            format!("{} requests rejected (429) by priority and fairness: {subject}", ep.len()),
            severity,
            from,
            to,
            summary,
            users.iter().map(|u| u.to_string()).collect(),
            evidence,
            if annotated == 0 {
                vec!["the apiserver's /metrics around the window (apiserver_flowcontrol_rejected_requests_total names the priority level and flow schema)".into()]
            } else {
                Vec::new()
            },
        ));
    }
    out
}
