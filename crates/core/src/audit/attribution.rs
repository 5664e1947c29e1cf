//! Where each LIST was served, etcd or the watch cache, decided per pattern (user × resource ×
//! resourceVersion class): annotation evidence first, then the rules of the apiserver version
//! ([`version`]). Decided over the whole dataset, never a window, so a filter never changes the
//! answer. The cost report and the Parquet export read the same [`ListAttribution`].

use super::keys::{GroupBy, Keyer};
use super::store::*;
use super::version::{self, ListClass, ListSource, Version};
use super::view::AuditFiles;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// How LIST sources were decided: per pattern (user × resource × resourceVersion class),
/// annotation evidence first, then the rules of the assumed apiserver version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListModel {
    /// The version whose rules were applied (`1.36.2`), when known.
    pub version: Option<String>,
    /// Where that version comes from: set by the user, inferred (with the evidence), or unknown.
    pub version_source: String,
    /// What the log itself shows, even when the user set another version.
    pub inferred: Option<String>,
    /// LISTs decided by annotation evidence / by the version's rule / not decidable.
    pub by_annotation: u64,
    pub by_rule: u64,
    pub undecided: u64,
    /// The largest patterns, most LISTs first.
    pub patterns: Vec<ListPattern>,
}

/// One LIST pattern and where its requests were served.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListPattern {
    pub user: String,
    pub resource: String,
    pub class: ListClass,
    pub class_label: String,
    pub lists: u64,
    pub query_time_us: i64,
    pub source: ListSource,
    /// `annotation` or `version rule` (or `unknown`).
    pub decided_by: String,
    /// The evidence or the rule, in words.
    pub rule: String,
    /// Slow (annotated) requests of the pattern with / without `apiserver.latency.k8s.io/etcd`.
    pub annotated_etcd: u64,
    pub annotated_other: u64,
}

/// Per request of `af.reqs`: the LIST source (`None` for non-LISTs) and whether it carries
/// latency annotations; and the model that decided.
pub struct ListAttribution {
    /// Per request: where it was served (`None` when it is not a LIST).
    pub source: Vec<Option<ListSource>>,
    /// Per request: whether it carries `apiserver.latency.k8s.io/*` annotations.
    pub annotated: Vec<bool>,
    /// Per request: its pattern in [`ListAttribution::decisions`] (`u32::MAX` when not a LIST).
    pub pattern: Vec<u32>,
    /// Per pattern, in first-seen order: its class, what decided (`annotation`, `version rule`,
    /// `unknown`) and the evidence or rule in words.
    pub decisions: Vec<Decision>,
    /// The version applied and the largest patterns (cut at the caller's `patterns`).
    pub model: ListModel,
}

/// How one LIST pattern was decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    pub class: ListClass,
    pub source: ListSource,
    /// `annotation`, `version rule` or `unknown`.
    pub decided_by: &'static str,
    pub rule: String,
}

impl ListAttribution {
    /// The decision for request `ri` of `af.reqs`, when it is a LIST.
    pub fn decision(&self, ri: usize) -> Option<&Decision> {
        let p = *self.pattern.get(ri)?;
        self.decisions.get(p as usize)
    }
}

#[derive(Default)]
struct PatternAcc {
    lists: u64,
    query_us: i64,
    etcd: u64,
    other: u64,
}

/// Attribute every LIST of `af`: `server_version` as set by the user (`None`: inferred from
/// the log), the model listing the `patterns` largest patterns.
pub fn attribute(
    af: &AuditFiles<'_>,
    server_version: Option<&str>,
    patterns: usize,
) -> ListAttribution {
    let n = af.reqs.len();
    let mut annotated = vec![false; n];
    let mut etcd = vec![false; n];
    for (fi, (_, d)) in af.files.iter().enumerate() {
        let etcd_sym = (0..d.strings.len() as u32).find(|&s| d.str(s) == "etcd");
        for p in &d.latency_parts {
            let Some(&ri) = af.slot[fi].get(p.req as usize) else {
                continue;
            };
            annotated[ri as usize] = true;
            if Some(p.key) == etcd_sym {
                etcd[ri as usize] = true;
            }
        }
    }
    let inferred = version::infer(af);
    let set = server_version.and_then(Version::parse);
    let (ver, version_source) = match (set, &inferred, server_version) {
        (Some(v), _, _) => (Some(v), "set by the user".to_string()),
        (None, Some(i), Some(bad)) => (
            Some(i.version),
            format!(
                "inferred from {} (could not read the version \"{bad}\")",
                i.evidence
            ),
        ),
        (None, Some(i), None) => (Some(i.version), format!("inferred from {}", i.evidence)),
        (None, None, _) => (
            None,
            "unknown: no control-plane user agent (kube-controller-manager/v1.x, …) in the logs"
                .into(),
        ),
    };

    // Pass 1: patterns.
    let nfiles = af.files.len();
    let mut users = Keyer::new(GroupBy::User, nfiles);
    let mut resources = Keyer::new(GroupBy::Resource, nfiles);
    let list_syms: Vec<Option<Sym>> = af
        .files
        .iter()
        .map(|(_, d)| (0..d.strings.len() as u32).find(|&s| d.str(s) == "list"))
        .collect();
    let mut index: HashMap<(u32, u32, ListClass), u32> = HashMap::new();
    let mut pats: Vec<((u32, u32, ListClass), PatternAcc)> = Vec::new();
    let mut of_req: Vec<u32> = vec![u32::MAX; n];
    for (ri, r) in af.reqs.iter().enumerate() {
        let d = af.data(r);
        let ls = list_syms[r.file as usize];
        if ls.is_none() || d.requests.verb[r.row as usize] != ls.unwrap_or(0) {
            continue;
        }
        let key = (
            users.key(af, r),
            resources.key(af, r),
            ListClass::of(r.flags),
        );
        let pi = *index.entry(key).or_insert_with(|| {
            pats.push((key, PatternAcc::default()));
            pats.len() as u32 - 1
        });
        let p = &mut pats[pi as usize].1;
        p.lists += 1;
        if r.flags & F_LONG_RUNNING == 0 {
            p.query_us += r.latency().unwrap_or(0);
        }
        if annotated[ri] {
            if etcd[ri] {
                p.etcd += 1;
            } else {
                p.other += 1;
            }
        }
        of_req[ri] = pi;
    }

    // Decide each pattern: annotation evidence first, then the version's rule.
    let mut model = ListModel {
        version: ver.map(Version::text),
        version_source,
        inferred: inferred.map(|i| format!("{} ({})", i.version.text(), i.evidence)),
        by_annotation: 0,
        by_rule: 0,
        undecided: 0,
        patterns: Vec::new(),
    };
    let mut decisions: Vec<Decision> = Vec::with_capacity(pats.len());
    let mut rows: Vec<ListPattern> = Vec::with_capacity(pats.len());
    for ((u, res, class), p) in &pats {
        let (source, decided_by, rule) = if p.etcd + p.other > 0 {
            let src = if p.etcd >= p.other {
                ListSource::Etcd
            } else {
                ListSource::Cache
            };
            (
                src,
                "annotation",
                format!(
                    "{} of {} slow requests (over 500 ms, the only ones annotated) carry apiserver.latency.k8s.io/etcd, written only when storage was read",
                    p.etcd,
                    p.etcd + p.other
                ),
            )
        } else {
            let (src, why) = version::rule(*class, ver);
            let by = if src == ListSource::Unknown {
                "unknown"
            } else {
                "version rule"
            };
            (src, by, why.to_string())
        };
        match decided_by {
            "annotation" => model.by_annotation += p.lists,
            "version rule" => model.by_rule += p.lists,
            _ => model.undecided += p.lists,
        }
        decisions.push(Decision {
            class: *class,
            source,
            decided_by,
            rule: rule.clone(),
        });
        rows.push(ListPattern {
            user: users.names[*u as usize].clone(),
            resource: resources.names[*res as usize].clone(),
            class: *class,
            class_label: class.label().to_string(),
            lists: p.lists,
            query_time_us: p.query_us,
            source,
            decided_by: decided_by.to_string(),
            rule,
            annotated_etcd: p.etcd,
            annotated_other: p.other,
        });
    }
    rows.sort_by(|a, b| {
        b.lists
            .cmp(&a.lists)
            .then(b.query_time_us.cmp(&a.query_time_us))
            .then_with(|| (&a.user, &a.resource, a.class).cmp(&(&b.user, &b.resource, b.class)))
    });
    rows.truncate(patterns);
    model.patterns = rows;
    let source = of_req
        .iter()
        .map(|&pi| (pi != u32::MAX).then(|| decisions[pi as usize].source))
        .collect();
    ListAttribution {
        source,
        annotated,
        pattern: of_req,
        decisions,
        model,
    }
}
