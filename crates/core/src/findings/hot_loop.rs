//! Crash-looping DaemonSet / controller hot loop: one client creating, patching or updating
//! objects of one kind at a high rate, sustained over many minutes (a controller fighting
//! another and creating tens of thousands of ReplicaSets, a DaemonSet whose pods are recreated
//! forever).

use super::scan::{list_text, requests_evidence, spread, window_evidence, Cx};
use super::{finding, Detector, Outcome};
use crate::audit::cost::GroupBy;
use crate::audit::view::Req;
use crate::event::Severity;
use crate::format::Format;
use crate::time::{fmt_duration, Micros};
use std::collections::{BTreeMap, BTreeSet};

/// Fewest writes of one kind by one client that can make a hot loop.
pub const MIN_WRITES: usize = 500;
/// Sustained rate (writes per second over the active span) that makes a hot loop.
pub const MIN_RATE: f64 = 0.5;
/// The loop must last this long: a one-off bulk apply is not a loop.
pub const MIN_SPAN: Micros = 10 * 60 * 1_000_000;

const MINUTE: Micros = 60 * 1_000_000;

/// Kinds written at a high rate by design: Events, node leases, and review "creates" that
/// store nothing.
pub const EXEMPT: &[&str] = &[
    "events",
    "leases",
    "tokenreviews",
    "subjectaccessreviews",
    "selfsubjectaccessreviews",
    "localsubjectaccessreviews",
    "selfsubjectrulesreviews",
];

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::AuditLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing
            .push("apiserver audit log (who writes which objects)".into());
        return out;
    }
    let mut groups: BTreeMap<(&str, &str, String), Vec<&Req>> = BTreeMap::new();
    for q in &cx.audit().reqs {
        let r = cx.req(q);
        if !matches!(r.verb, "create" | "patch" | "update")
            || r.resource.is_empty()
            || EXEMPT.contains(&r.resource)
        {
            continue;
        }
        let mut res = if r.api_group.is_empty() {
            r.resource.to_string()
        } else {
            format!("{}.{}", r.resource, r.api_group)
        };
        if !r.subresource.is_empty() {
            res.push('/');
            res.push_str(r.subresource);
        }
        groups.entry((r.user, r.verb, res)).or_default().push(q);
    }
    for ((user, verb, res), mut reqs) in groups {
        if reqs.len() < MIN_WRITES {
            continue;
        }
        reqs.sort_by_key(|q| q.start());
        let (from, to) = (reqs[0].start(), reqs[reqs.len() - 1].start());
        let span = to - from;
        if span < MIN_SPAN {
            continue;
        }
        let rate = reqs.len() as f64 / (span as f64 / 1e6);
        // Sustained: most minutes of the span saw writes.
        let minutes: BTreeSet<Micros> = reqs.iter().map(|q| (q.start() - from) / MINUTE).collect();
        let total_minutes = span / MINUTE + 1;
        if rate < MIN_RATE || (minutes.len() as i64) * 2 < total_minutes {
            continue;
        }
        let mut names = BTreeSet::new();
        let mut namespaces: BTreeMap<&str, u64> = BTreeMap::new();
        let mut agents: BTreeMap<&str, u64> = BTreeMap::new();
        let mut failed = 0u64;
        for q in &reqs {
            let r = cx.req(q);
            if !r.name.is_empty() {
                names.insert(r.name);
            }
            *namespaces.entry(r.namespace).or_default() += 1;
            *agents.entry(r.user_agent).or_default() += 1;
            if q.code >= 400 {
                failed += 1;
            }
        }
        let top = |m: &BTreeMap<&str, u64>| -> Vec<String> {
            let mut v: Vec<(&&str, &u64)> = m.iter().collect();
            v.sort_by_key(|x| std::cmp::Reverse(*x.1));
            v.into_iter()
                .map(|(k, n)| {
                    let k = if k.is_empty() { "(cluster-scoped)" } else { k };
                    format!("{k} ({n}×)")
                })
                .collect()
        };
        let n = reqs.len();
        // A create's objectRef has no name (the name is in the request/response body, which a
        // Metadata-level audit log does not carry): never count the empty name as one object.
        let done = if verb == "create" {
            "created"
        } else {
            "written"
        };
        let what = if names.is_empty() {
            format!("object names unknown: the audit log does not name the objects {done}")
        } else if names.len() < n {
            let unnamed = reqs.iter().filter(|q| cx.req(q).name.is_empty()).count();
            if unnamed > 0 {
                format!(
                    "{} distinct objects {done} among the {} named; {unnamed} unnamed",
                    names.len(),
                    n - unnamed
                )
            } else {
                format!("{} distinct objects {done}", names.len())
            }
        } else {
            format!("{} distinct objects {done}", names.len())
        };
        let summary = format!(
            "{user} sent {n} {verb} requests for {res} over {} ({rate:.1}/s sustained, {what}; {failed} failed), from user agent {}, in namespace(s) {}. A controller writing one kind this fast for this long is looping: usually two controllers fighting over the same objects, a DaemonSet or Deployment whose pods are recreated forever, or a reconcile that never converges. Each write also fans out to every watcher of {res}.",
            fmt_duration(span),
            list_text(&top(&agents), 2),
            list_text(&top(&namespaces), 3),
        );
        let evidence = {
            let mut e = vec![requests_evidence(
                format!("{verb} {res} by {user}"),
                vec![
                    (GroupBy::User, user.to_string()),
                    (GroupBy::Verb, verb.to_string()),
                ],
                from,
                to,
            )];
            for q in spread(&reqs, 3) {
                let r = cx.req(q);
                let name = if r.name.is_empty() {
                    "(name not logged)"
                } else {
                    r.name
                };
                e.push(cx.req_evidence(q, format!("{verb} {res} {name}")));
            }
            e.push(window_evidence(format!("{verb} {res} loop"), from, to));
            e
        };
        let severity = if n >= 10_000 || rate >= 5.0 {
            Severity::Error
        } else {
            Severity::Warning
        };
        out.findings.push(finding(
            Detector::HotLoop,
            format!("{user}: {n} × {verb} {res} ({rate:.1}/s)"),
            severity,
            from,
            to,
            summary,
            vec![user.to_string()],
            evidence,
            vec![format!(
                "log of the controller running as {user}, to see why it keeps writing"
            )],
        ));
    }
    out
}
