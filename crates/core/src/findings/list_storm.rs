//! LIST storm / etcd pressure: one client's LIST calls, at a sustained rate, taking a large
//! share of the apiserver's query time while they last. Whether they were served from etcd or
//! the watch cache is the API cost view's decision (annotation evidence, then the rules of the
//! apiserver version the log shows: `audit::attribution::attribute`); the finding reports it and is
//! most severe for etcd LISTs — or for LISTs that may have gone to etcd when the version is
//! unknown.
//!
//! Such LISTs copy every object of the resource out of etcd on each call; a controller doing
//! them in a loop (the KubeCon 2020 "nodegroup controller" checking pods for deletion
//! protection) drives etcd into OOM and the apiservers down with it. Informers (LIST once with
//! `resourceVersion=0`, then WATCH) read from the cache instead.

use super::scan::{list_text, requests_evidence, spread, window_evidence, Cx};
use super::{finding, Detector, Outcome};
use crate::audit::cost::GroupBy;
use crate::audit::store::{F_FIELD_SELECTOR, F_LABEL_SELECTOR, F_LONG_RUNNING};
use crate::audit::version::ListSource;
use crate::audit::view::Req;
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, Micros};
use std::collections::BTreeMap;

/// Share of the query time of its window (first to last LIST) one client's LISTs must reach.
pub const MIN_SHARE: f64 = 0.25;
/// Fewest LISTs that make a storm.
pub const MIN_LISTS: usize = 20;
/// Mean LIST rate (per second, over the storm's window) that makes a storm: a client listing
/// now and then is not storming however slow its LISTs are.
pub const MIN_RATE: f64 = 1.0;

#[derive(Default)]
struct User<'r> {
    lists: Vec<&'r Req>,
    time: i64,
    /// LISTs the cost model says were served from etcd / whose source it cannot tell.
    etcd: u64,
    unknown: u64,
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
    // Every timed, served request (no long-running call, no 429: a rejected request was not
    // served and holds no seat), in start order, for window shares.
    let mut served: Vec<(Micros, i64)> = Vec::new();
    let mut users: BTreeMap<&str, User<'_>> = BTreeMap::new();
    let mut rejected: BTreeMap<&str, u64> = BTreeMap::new();
    for (qi, q) in af.reqs.iter().enumerate() {
        if q.flags & F_LONG_RUNNING != 0 {
            continue;
        }
        let r = cx.req(q);
        if q.code == 429 {
            if r.verb == "list" {
                *rejected.entry(r.user).or_default() += 1;
            }
            continue;
        }
        let lat = q.latency().unwrap_or(0);
        served.push((q.start(), lat));
        if r.verb != "list" {
            continue;
        }
        let u = users.entry(r.user).or_default();
        u.lists.push(q);
        u.time += lat;
        match cx.list_source(qi) {
            Some(ListSource::Etcd) => u.etcd += 1,
            Some(ListSource::Unknown) | None => u.unknown += 1,
            Some(ListSource::Cache) => {}
        }
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
    served.sort_unstable();
    let time_in = |from: Micros, to: Micros| -> i64 {
        let lo = served.partition_point(|s| s.0 < from);
        let hi = served.partition_point(|s| s.0 <= to);
        served[lo..hi].iter().map(|s| s.1).sum()
    };
    // Candidates: enough LISTs, fast enough, a large share of the query time of their window.
    struct Cand<'u, 'r> {
        user: &'u str,
        u: User<'r>,
        from: Micros,
        to: Micros,
        share: f64,
    }
    let mut cands: Vec<Cand<'_, '_>> = Vec::new();
    for (user, mut u) in users {
        if u.lists.len() < MIN_LISTS {
            continue;
        }
        // A client the apiserver was already throttling is the priority-and-fairness finding.
        let rej = rejected.get(user).copied().unwrap_or(0);
        if rej * 10 >= (u.lists.len() as u64 + rej) {
            continue;
        }
        u.lists.sort_by_key(|q| q.start());
        let from = u.lists[0].start();
        let to = u.lists[u.lists.len() - 1].start();
        let span = (to - from).max(1);
        let rate = u.lists.len() as f64 / (span as f64 / 1e6);
        let window_time = time_in(from, to);
        if window_time <= 0 || rate < MIN_RATE {
            continue;
        }
        let share = u.time as f64 / window_time as f64;
        if share < MIN_SHARE {
            continue;
        }
        cands.push(Cand {
            user,
            u,
            from,
            to,
            share,
        });
    }
    // In overlapping windows the client spending the most time is the storm; the others are
    // named beside it.
    cands.sort_by_key(|c| std::cmp::Reverse(c.u.time));
    let mut kept: Vec<Cand<'_, '_>> = Vec::new();
    let mut beside: Vec<Vec<String>> = Vec::new();
    for c in cands {
        match kept.iter().position(|k| c.from <= k.to && c.to >= k.from) {
            Some(i) => beside[i].push(format!(
                "{} ({} LISTs, {:.0}% of the query time of its own window)",
                c.user,
                c.u.lists.len(),
                c.share * 100.0
            )),
            None => {
                kept.push(c);
                beside.push(Vec::new());
            }
        }
    }
    for (c, also) in kept.into_iter().zip(beside) {
        let Cand {
            user,
            u,
            from,
            to: last_start,
            share,
        } = c;
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
            .unwrap_or(last_start);
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
        // Where the apiserver served them from is the cost view's call (audit::attribution).
        let cache = n - u.etcd - u.unknown;
        let from_etcd = u.etcd * 2 > n;
        // Most of them may have gone to etcd: the version that decides is not in the logs.
        let maybe_etcd = !from_etcd && (u.etcd + u.unknown) * 2 > n;
        let model = cx.list_model();
        let version = match &model.version {
            Some(v) => format!("apiserver {v}, {}", model.version_source),
            None => format!("apiserver version {}", model.version_source),
        };
        let served_text = if u.etcd == n {
            format!("all of them served from etcd according to the cost model ({version})")
        } else if cache == n {
            format!(
                "all of them served from the apiserver's watch cache according to the cost model ({version})"
            )
        } else if u.unknown == n {
            format!(
                "served from etcd if the apiserver is older than 1.31, from its watch cache if newer ({version})"
            )
        } else {
            format!(
                "{} of them served from etcd, {cache} from the watch cache and {} undecided according to the cost model ({version})",
                u.etcd, u.unknown
            )
        };
        let mut summary = format!(
            "{user} issued {n} LIST calls between {} and {} ({:.1}/s), {served_text}: {:.0}% of all apiserver query time in that window, {in_flight:.1} in flight on average. Resources: {}; user agent {}. Selectors: {} with labelSelector, {} with fieldSelector (a selector does not make a LIST cheaper: the apiserver still reads every object and filters after).",
            crate::time::fmt_micros(from),
            crate::time::fmt_micros(to),
            n as f64 / (span as f64 / 1e6),
            share * 100.0,
            list_text(&resources, 3),
            list_text(&agents, 2),
            u.label_sel,
            u.field_sel
        );
        if !also.is_empty() {
            summary.push_str(&format!(
                " Also listing heavily in the same window: {}.",
                list_text(&also, 3)
            ));
        }
        if from_etcd || maybe_etcd {
            summary.push_str(" Each LIST from etcd copies the whole resource out of etcd; in a loop they push etcd into memory pressure and the apiservers behind it down. Use an informer (LIST with resourceVersion=0 then WATCH), or at least set resourceVersion=0 so the cache answers.");
            if maybe_etcd {
                summary.push_str(" Set the apiserver version in the API cost view (or --server-version) to see where they were served.");
            }
        } else {
            summary.push_str(" Even from the watch cache every LIST copies and serializes all matching objects: a loop of them costs apiserver CPU and memory. Use an informer (LIST once, then WATCH).");
        }
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
        if (from_etcd || maybe_etcd) && !cx.has_component("etcd") {
            missing.push("etcd log of the window (\"apply request took too long\", OOM kills) to confirm etcd pressure".to_string());
        }
        let severity = match (from_etcd || maybe_etcd, share >= 0.5 || in_flight >= 50.0) {
            (true, true) => Severity::Critical,
            (true, false) | (false, true) => Severity::Error,
            (false, false) => Severity::Warning,
        };
        let title = if from_etcd {
            format!(
                "LIST storm from etcd by {user}: {:.0}% of query time",
                share * 100.0
            )
        } else if maybe_etcd {
            format!(
                "LIST storm by {user} (etcd or watch cache: apiserver version unknown): {:.0}% of query time",
                share * 100.0
            )
        } else {
            format!(
                "LIST storm by {user} (watch cache): {:.0}% of query time",
                share * 100.0
            )
        };
        out.findings.push(finding(
            Detector::ListStorm,
            title,
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
