//! LIST storm / etcd pressure: one client whose LIST calls the apiserver must serve from etcd
//! (no `resourceVersion`, so a consistent read that bypasses the watch cache) taking a large
//! share of the apiserver's query time.
//!
//! Such LISTs copy every object of the resource out of etcd on each call; a controller doing
//! them in a loop (the KubeCon 2020 "nodegroup controller" checking pods for deletion
//! protection) drives etcd into OOM and the apiservers down with it. Informers (LIST once with
//! `resourceVersion=0`, then WATCH) read from the cache instead.

use super::scan::{list_text, requests_evidence, spread, window_evidence, Cx};
use super::{finding, Detector, Outcome};
use crate::audit::cost::GroupBy;
use crate::audit::store::{F_FIELD_SELECTOR, F_LABEL_SELECTOR, F_LIST_ETCD, F_LONG_RUNNING};
use crate::audit::view::Req;
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, Micros};
use std::collections::BTreeMap;

/// Share of all query time one client's etcd LISTs must reach.
pub const MIN_SHARE: f64 = 0.25;
/// Fewest etcd LISTs that make a storm.
pub const MIN_LISTS: usize = 20;

#[derive(Default)]
struct User<'r> {
    lists: Vec<&'r Req>,
    time: i64,
    label_sel: u64,
    field_sel: u64,
    resources: BTreeMap<String, u64>,
    agents: BTreeMap<String, u64>,
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::AuditLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing
            .push("apiserver audit log (who issues the LIST calls)".into());
        return out;
    }
    let af = cx.audit();
    let mut total: i64 = 0;
    let mut users: BTreeMap<&str, User<'_>> = BTreeMap::new();
    for q in &af.reqs {
        if q.flags & F_LONG_RUNNING != 0 {
            continue;
        }
        let lat = q.latency().unwrap_or(0);
        total += lat;
        if q.flags & F_LIST_ETCD == 0 {
            continue;
        }
        let r = cx.req(q);
        if r.verb != "list" {
            continue;
        }
        let u = users.entry(r.user).or_default();
        u.lists.push(q);
        u.time += lat;
        if q.flags & F_LABEL_SELECTOR != 0 {
            u.label_sel += 1;
        }
        if q.flags & F_FIELD_SELECTOR != 0 {
            u.field_sel += 1;
        }
        let res = if r.api_group.is_empty() {
            r.resource.to_string()
        } else {
            format!("{}.{}", r.resource, r.api_group)
        };
        *u.resources.entry(res).or_default() += 1;
        *u.agents.entry(r.user_agent.to_string()).or_default() += 1;
    }
    if total <= 0 {
        return out;
    }
    for (user, mut u) in users {
        let share = u.time as f64 / total as f64;
        if u.lists.len() < MIN_LISTS || share < MIN_SHARE {
            continue;
        }
        u.lists.sort_by_key(|q| q.start());
        let from = u.lists[0].start();
        let to = u
            .lists
            .iter()
            .map(|q| {
                if q.done != crate::time::NO_TIME {
                    q.done
                } else {
                    q.start()
                }
            })
            .max()
            .unwrap_or(from);
        let span: Micros = (to - from).max(1);
        let in_flight = u.time as f64 / span as f64;
        let top = |m: &BTreeMap<String, u64>| -> Vec<String> {
            let mut v: Vec<(&String, &u64)> = m.iter().collect();
            v.sort_by_key(|x| std::cmp::Reverse(*x.1));
            v.into_iter().map(|(k, n)| format!("{k} ({n}×)")).collect()
        };
        let resources = top(&u.resources);
        let agents = top(&u.agents);
        let n = u.lists.len() as u64;
        let summary = format!(
            "{user} issued {n} LIST calls served from etcd (no resourceVersion, so they bypass the apiserver's watch cache) between {} and {}: {:.0}% of all apiserver query time, {in_flight:.1} in flight on average. Resources: {}; user agent {}. Selectors: {} with labelSelector, {} with fieldSelector (a selector does not make an etcd LIST cheaper: the apiserver still reads every object and filters after). Each such LIST copies the whole resource out of etcd; in a loop they push etcd into memory pressure and the apiservers behind it down. Use an informer (LIST with resourceVersion=0 then WATCH), or at least set resourceVersion=0 so the cache answers.",
            crate::time::fmt_micros(from),
            crate::time::fmt_micros(to),
            share * 100.0,
            list_text(&resources, 3),
            list_text(&agents, 2),
            u.label_sel,
            u.field_sel
        );
        let mut evidence = vec![requests_evidence(
            format!("LISTs by {user}"),
            vec![
                (GroupBy::User, user.to_string()),
                (GroupBy::Verb, "list".to_string()),
            ],
            from,
            to,
        )];
        let mut slow: Vec<&Req> = u.lists.clone();
        slow.sort_by_key(|q| std::cmp::Reverse(q.latency().unwrap_or(0)));
        for q in spread(&slow[..slow.len().min(3)], 3) {
            evidence.push(cx.req_evidence(
                q,
                format!(
                    "LIST {} by {user} took {}",
                    cx.req(q).resource,
                    fmt_duration(q.latency().unwrap_or(0))
                ),
            ));
        }
        evidence.push(window_evidence("LIST storm".to_string(), from, to));
        let mut missing = Vec::new();
        if !cx.has_component("etcd") {
            missing.push("etcd log of the window (\"apply request took too long\", OOM kills) to confirm etcd pressure".to_string());
        }
        let severity = if share >= 0.5 || in_flight >= 50.0 {
            Severity::Critical
        } else {
            Severity::Error
        };
        out.findings.push(finding(
            Detector::ListStorm,
            format!(
                "LIST storm from etcd by {user}: {:.0}% of query time",
                share * 100.0
            ),
            severity,
            from,
            to,
            summary,
            vec![user.to_string()],
            evidence,
            missing,
        ));
    }
    out
}
