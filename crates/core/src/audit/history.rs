//! Object history: every request that touched an object, in order.
//!
//! A namespace's history includes the requests on objects inside it, so "namespace deleted on
//! the 13th, its contents deleted on the 17th" reads at a glance from [`HistoryReport::groups`].

use super::cost::{request_row, RequestRow};
use super::store::*;
use super::view::AuditFiles;
use crate::dataset::Dataset;
use crate::time::{fmt_micros, Micros, NO_TIME};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What to look up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ObjectSpec {
    /// A namespace and everything in it.
    Namespace { name: String },
    /// An object by resource and name, in one namespace or (when `None`) any.
    Object {
        namespace: Option<String>,
        resource: String,
        name: String,
    },
}

impl ObjectSpec {
    /// Read `namespace foo`, `ns/foo`, `pods/bar`, `foo/pods/bar` (namespace/resource/name), or
    /// `pod bar`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let words: Vec<&str> = s.split_whitespace().collect();
        let is_ns = |w: &str| {
            matches!(
                w.to_ascii_lowercase().as_str(),
                "namespace" | "namespaces" | "ns"
            )
        };
        if words.len() == 2 {
            if is_ns(words[0]) {
                return Some(ObjectSpec::Namespace {
                    name: words[1].to_string(),
                });
            }
            return Some(ObjectSpec::Object {
                namespace: None,
                resource: words[0].to_string(),
                name: words[1].to_string(),
            });
        }
        if words.len() != 1 {
            return None;
        }
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [ns, name] if is_ns(ns) && !name.is_empty() => Some(ObjectSpec::Namespace {
                name: name.to_string(),
            }),
            [res, name] if !res.is_empty() && !name.is_empty() => Some(ObjectSpec::Object {
                namespace: None,
                resource: res.to_string(),
                name: name.to_string(),
            }),
            [ns, res, name] if !ns.is_empty() && !res.is_empty() && !name.is_empty() => {
                Some(ObjectSpec::Object {
                    namespace: Some(ns.to_string()),
                    resource: res.to_string(),
                    name: name.to_string(),
                })
            }
            _ => None,
        }
    }

    /// Display form.
    pub fn label(&self) -> String {
        match self {
            ObjectSpec::Namespace { name } => format!("namespace {name}"),
            ObjectSpec::Object {
                namespace: Some(ns),
                resource,
                name,
            } => {
                format!("{resource}/{name} in namespace {ns}")
            }
            ObjectSpec::Object {
                namespace: None,
                resource,
                name,
            } => format!("{resource}/{name}"),
        }
    }
}

/// Whether a stored resource (with its API group) is the one the user named: `pods`, `pod`,
/// `Pods` and `roles.rbac.authorization.k8s.io` all work.
fn resource_matches(want: &str, res: &str, group: &str) -> bool {
    let w = want.to_ascii_lowercase();
    let (w_res, w_group) = w.split_once('.').unwrap_or((&w, ""));
    if !w_group.is_empty() && w_group != group {
        return false;
    }
    res == w_res || res.strip_suffix('s') == Some(w_res) || res.strip_suffix("es") == Some(w_res)
}

/// One request in an object's history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The request (user, verb, code, time, where to re-read it).
    #[serde(flatten)]
    pub request: RequestRow,
    /// The request was on an object inside the namespace, not on the namespace itself.
    pub inside: bool,
    /// It changed something (not get/list/watch).
    pub mutating: bool,
}

/// First and last touch of one kind of object in the history, and its first deletion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryGroup {
    /// `namespace foo` for the namespace itself, otherwise the resource (`pods`, `roles.rbac…`).
    pub what: String,
    pub requests: u64,
    pub first: Micros,
    pub last: Micros,
    pub first_text: String,
    pub last_text: String,
    pub deletes: u64,
    pub first_delete: Option<Micros>,
    pub first_delete_text: String,
    /// Who issued the first delete.
    pub first_delete_by: String,
}

/// Every request that touched an object, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryReport {
    pub spec: ObjectSpec,
    pub label: String,
    /// Matching requests in total (entries may be capped).
    pub total: u64,
    pub entries: Vec<HistoryEntry>,
    /// Entries left out by the cap.
    pub omitted: u64,
    pub groups: Vec<HistoryGroup>,
}

fn mutating(verb: &str) -> bool {
    !matches!(verb, "get" | "list" | "watch" | "watchList" | "")
}

/// The history of `spec` over every audit file of `ds`, keeping at most `max_entries` entries.
pub fn history(ds: &Dataset, spec: &ObjectSpec, max_entries: usize) -> HistoryReport {
    let af = AuditFiles::of(ds);
    let mut hits: Vec<(Micros, u32, bool)> = Vec::new();
    for (ri, q) in af.reqs.iter().enumerate() {
        let d = af.data(q);
        let r = &d.requests;
        let i = q.row as usize;
        if r.flags[i] & F_NON_RESOURCE != 0 {
            continue;
        }
        let ns = d.str(r.namespace[i]);
        let res = d.str(r.resource[i]);
        let name = d.str(r.name[i]);
        let hit = match spec {
            ObjectSpec::Namespace { name: want } => {
                if res == "namespaces" && (name == want || (name.is_empty() && ns == want)) {
                    Some(false)
                } else if ns == want {
                    Some(true)
                } else {
                    None
                }
            }
            ObjectSpec::Object {
                namespace,
                resource,
                name: want,
            } => {
                let ns_ok = namespace.as_deref().is_none_or(|n| n == ns);
                let res_ok = resource_matches(resource, res, d.str(r.api_group[i]));
                let named = name == want;
                // A deletecollection in the object's namespace removes it too.
                let collection = name.is_empty() && d.str(r.verb[i]) == "deletecollection";
                (ns_ok && res_ok && (named || collection)).then_some(false)
            }
        };
        if let Some(inside) = hit {
            hits.push((q.start(), ri as u32, inside));
        }
    }
    hits.sort_by_key(|&(t, ri, _)| (t == NO_TIME, t, ri));
    let total = hits.len() as u64;

    let mut groups: BTreeMap<String, HistoryGroup> = BTreeMap::new();
    for &(t, ri, inside) in &hits {
        let q = &af.reqs[ri as usize];
        let d = af.data(q);
        let i = q.row as usize;
        let r = &d.requests;
        let what = if inside || matches!(spec, ObjectSpec::Object { .. }) {
            super::cost::resource_key(d, i)
        } else {
            spec.label()
        };
        let g = groups.entry(what.clone()).or_insert_with(|| HistoryGroup {
            what,
            requests: 0,
            first: t,
            last: t,
            first_text: String::new(),
            last_text: String::new(),
            deletes: 0,
            first_delete: None,
            first_delete_text: String::new(),
            first_delete_by: String::new(),
        });
        g.requests += 1;
        if t != NO_TIME {
            if g.first == NO_TIME || t < g.first {
                g.first = t;
            }
            g.last = g.last.max(t);
        }
        let verb = d.str(r.verb[i]);
        if matches!(verb, "delete" | "deletecollection") && q.code < 300 {
            g.deletes += 1;
            if g.first_delete.is_none() {
                g.first_delete = Some(t);
                g.first_delete_text = fmt_micros(t);
                g.first_delete_by = d.str(r.user[i]).to_string();
            }
        }
    }
    let mut groups: Vec<HistoryGroup> = groups
        .into_values()
        .map(|mut g| {
            g.first_text = fmt_micros(g.first);
            g.last_text = fmt_micros(g.last);
            g
        })
        .collect();
    groups.sort_by_key(|g| (g.first == NO_TIME, g.first));

    let omitted = hits.len().saturating_sub(max_entries) as u64;
    let entries = hits
        .iter()
        .take(max_entries)
        .map(|&(_, ri, inside)| {
            let q = &af.reqs[ri as usize];
            // LIST sources are a cost-model question (per pattern and version), not history's.
            let request = request_row(&af, ds, q, None);
            HistoryEntry {
                mutating: mutating(&request.verb),
                request,
                inside,
            }
        })
        .collect();
    HistoryReport {
        label: spec.label(),
        spec: spec.clone(),
        total,
        entries,
        omitted,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse() {
        assert_eq!(
            ObjectSpec::parse("namespace foo"),
            Some(ObjectSpec::Namespace { name: "foo".into() })
        );
        assert_eq!(
            ObjectSpec::parse("ns/foo"),
            Some(ObjectSpec::Namespace { name: "foo".into() })
        );
        assert_eq!(
            ObjectSpec::parse("pods/bar"),
            Some(ObjectSpec::Object {
                namespace: None,
                resource: "pods".into(),
                name: "bar".into()
            })
        );
        assert_eq!(
            ObjectSpec::parse("default/roles/audit2rbac:bob"),
            Some(ObjectSpec::Object {
                namespace: Some("default".into()),
                resource: "roles".into(),
                name: "audit2rbac:bob".into()
            })
        );
        assert_eq!(ObjectSpec::parse("a/b/c/d"), None);
        assert!(resource_matches("pod", "pods", ""));
        assert!(resource_matches(
            "roles.rbac.authorization.k8s.io",
            "roles",
            "rbac.authorization.k8s.io"
        ));
        assert!(!resource_matches(
            "roles.apps",
            "roles",
            "rbac.authorization.k8s.io"
        ));
    }
}
