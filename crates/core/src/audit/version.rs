//! Which apiserver version the log came from, and what that version does with each kind of
//! LIST: served from the watch cache, or read from etcd.
//!
//! The rules follow the cacher's delegation logic (`shouldDelegateList`, later
//! `delegator.ShouldDelegateList`) and the feature gates that changed it; docs/audit.md has
//! the table with its sources. The cost report prefers evidence in the log itself (the
//! `apiserver.latency.k8s.io/etcd` annotation) and falls back on these rules per pattern.

use super::store::*;
use super::view::AuditFiles;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A Kubernetes minor version (`1.<minor>`), with its patch release when known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Version {
    pub minor: u32,
    pub patch: Option<u32>,
}

impl Version {
    /// Read `v1.30.2`, `1.30`, `1.29.1-gke.1589020`, `v1.28.5-eks-5e0fdde`, `v1.20.0+bd9e442`.
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let s = s.strip_prefix('v').unwrap_or(s);
        let rest = s.strip_prefix("1.")?;
        let end = |t: &str| t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
        let minor: u32 = rest[..end(rest)].parse().ok()?;
        let after = &rest[end(rest)..];
        let patch = after
            .strip_prefix('.')
            .and_then(|p| p[..end(p)].parse().ok());
        Some(Version { minor, patch })
    }

    /// `1.30` or `1.30.2`.
    pub fn text(self) -> String {
        match self.patch {
            Some(p) => format!("1.{}.{p}", self.minor),
            None => format!("1.{}", self.minor),
        }
    }
}

/// What a LIST asked for, as far as the cacher's decision goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListClass {
    /// No `resourceVersion`, no `limit`: a consistent (quorum) read.
    Unset,
    /// No `resourceVersion` with a `limit`: the first page of a consistent paginated read.
    UnsetLimit,
    /// `resourceVersion=0`: any data the server has.
    RvZero,
    /// A specific `resourceVersion`, `NotOlderThan` (explicit, or implied without a limit).
    NotOlderThan,
    /// A specific `resourceVersion` with a `limit` and no `resourceVersionMatch`: the legacy
    /// exact match.
    LegacyExact,
    /// `resourceVersionMatch=Exact`.
    Exact,
    /// A later page (`continue` token).
    Continue,
    /// The log does not carry the query string (GKE Cloud Logging).
    Unknown,
}

impl ListClass {
    /// Every class, in display order.
    pub const ALL: [ListClass; 8] = [
        ListClass::Unset,
        ListClass::UnsetLimit,
        ListClass::RvZero,
        ListClass::NotOlderThan,
        ListClass::LegacyExact,
        ListClass::Exact,
        ListClass::Continue,
        ListClass::Unknown,
    ];

    /// The class of a LIST from its query flags.
    pub fn of(flags: Flags) -> ListClass {
        if flags & F_NO_URI != 0 {
            ListClass::Unknown
        } else if flags & F_CONTINUE != 0 {
            ListClass::Continue
        } else if flags & F_RVM_EXACT != 0 {
            ListClass::Exact
        } else if flags & F_RV == 0 {
            if flags & F_LIMIT != 0 {
                ListClass::UnsetLimit
            } else {
                ListClass::Unset
            }
        } else if flags & F_RV_ZERO != 0 {
            ListClass::RvZero
        } else if flags & F_RVM_NOT_OLDER == 0 && flags & F_LIMIT != 0 {
            ListClass::LegacyExact
        } else {
            ListClass::NotOlderThan
        }
    }

    /// Short label, as shown in the view and the CLI.
    pub fn label(self) -> &'static str {
        match self {
            ListClass::Unset => "rv unset",
            ListClass::UnsetLimit => "rv unset + limit",
            ListClass::RvZero => "rv=0",
            ListClass::NotOlderThan => "rv=N NotOlderThan",
            ListClass::LegacyExact => "rv=N + limit",
            ListClass::Exact => "rv=N Exact",
            ListClass::Continue => "continue",
            ListClass::Unknown => "unknown (no requestURI)",
        }
    }
}

/// Where a LIST was served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListSource {
    Etcd,
    Cache,
    Unknown,
}

impl ListSource {
    pub fn label(self) -> &'static str {
        match self {
            ListSource::Etcd => "etcd",
            ListSource::Cache => "cache",
            ListSource::Unknown => "unknown",
        }
    }
}

/// Where the given version serves a LIST of this class, and the rule that says so.
/// `None` version: only the version-independent classes are decided.
pub fn rule(class: ListClass, v: Option<Version>) -> (ListSource, &'static str) {
    use ListClass as C;
    use ListSource::*;
    match class {
        C::Unknown => (
            Unknown,
            "the log does not carry the request's query string, so its resourceVersion is unknown",
        ),
        C::RvZero => (Cache, "resourceVersion=0 is served from the watch cache (every version)"),
        C::NotOlderThan => (
            Cache,
            "resourceVersion=N without a limit (NotOlderThan) is served from the watch cache (every version)",
        ),
        _ => {
            let Some(v) = v else {
                return (
                    Unknown,
                    "apiserver version unknown: where this LIST was served depends on it (set the version)",
                );
            };
            match class {
                C::Unset if v.minor < 31 => (
                    Etcd,
                    "before 1.31 a consistent LIST (no resourceVersion) is read from etcd (ConsistentListFromCache off; alpha in 1.28-1.30)",
                ),
                C::Unset => (
                    Cache,
                    "from 1.31 a consistent LIST is served from the watch cache (ConsistentListFromCache beta on in 1.31, GA in 1.34), if etcd supports progress requests (3.4.31+/3.5.13+)",
                ),
                C::UnsetLimit if v.minor < 31 => (
                    Etcd,
                    "before 1.31 a LIST with a limit and no resourceVersion=0 is read from etcd",
                ),
                C::UnsetLimit if v.minor == 33 => (
                    Etcd,
                    "1.33 with ListFromCacheSnapshot off (its default) sends a consistent LIST with a limit to etcd (regression kubernetes#132132, fixed by #132244)",
                ),
                C::UnsetLimit => (
                    Cache,
                    "from 1.31 a consistent LIST with a limit is served from the watch cache (kubernetes#125405), if etcd supports progress requests",
                ),
                C::Exact | C::LegacyExact | C::Continue if v.minor < 34 => (
                    Etcd,
                    "before 1.34 exact resourceVersions and continue tokens are read from etcd (ListFromCacheSnapshot off; alpha in 1.33)",
                ),
                C::Exact | C::LegacyExact | C::Continue => (
                    Cache,
                    "from 1.34 exact resourceVersions and continue tokens are served from watch-cache snapshots (ListFromCacheSnapshot beta on) while the cache still holds that revision",
                ),
                _ => unreachable!("handled above"),
            }
        }
    }
}

/// The version the log shows, from control-plane components' user agents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inferred {
    pub version: Version,
    /// The user agent it was read from and how many requests carried it.
    pub evidence: String,
}

/// Control-plane components whose user agent carries the apiserver's version (they are
/// upgraded with it; kubelets and clients are not).
const CONTROL_PLANE: [&str; 5] = [
    "kube-controller-manager/",
    "kube-scheduler/",
    "kube-apiserver/",
    "cloud-controller-manager/",
    "hyperkube/",
];

/// The version the control plane's own requests show, the most frequent when several.
pub fn infer(af: &AuditFiles<'_>) -> Option<Inferred> {
    let mut counts: HashMap<(Version, String), u64> = HashMap::new();
    for (_, d) in &af.files {
        let r = &d.requests;
        let mut per_sym = vec![0u64; d.strings.len()];
        for &ua in &r.user_agent {
            per_sym[ua as usize] += 1;
        }
        for (sym, &n) in per_sym.iter().enumerate() {
            if n == 0 {
                continue;
            }
            let ua = d.str(sym as u32);
            let Some(rest) = CONTROL_PLANE.iter().find_map(|p| ua.strip_prefix(p)) else {
                continue;
            };
            let Some(v) = Version::parse(rest.split([' ', '/']).next().unwrap_or("")) else {
                continue;
            };
            let name = ua[..ua.len() - rest.len()].to_string();
            *counts
                .entry((v, format!("{name}{}", rest.split(' ').next().unwrap_or(""))))
                .or_default() += n;
        }
    }
    let ((version, ua), n) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))?;
    Some(Inferred {
        version,
        evidence: format!("user agent {ua} ({n} requests)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse() {
        let v = |s| Version::parse(s);
        assert_eq!(
            v("v1.30.2"),
            Some(Version {
                minor: 30,
                patch: Some(2)
            })
        );
        assert_eq!(v("1.29.1-gke.1589020").map(|v| v.minor), Some(29));
        assert_eq!(v("v1.28.5-eks-5e0fdde").map(|v| v.patch), Some(Some(5)));
        assert_eq!(
            v("1.31"),
            Some(Version {
                minor: 31,
                patch: None
            })
        );
        assert_eq!(
            v("v1.20.0+bd9e442").map(|v| v.text()),
            Some("1.20.0".into())
        );
        assert_eq!(v("2.0"), None);
        assert_eq!(v("latest"), None);
    }

    #[test]
    fn classes_from_query_flags() {
        use super::super::parse::QueryFlags;
        let c = |uri: &str| ListClass::of(QueryFlags::of(uri).flags);
        assert_eq!(c("/api/v1/pods"), ListClass::Unset);
        assert_eq!(c("/api/v1/pods?limit=500"), ListClass::UnsetLimit);
        assert_eq!(
            c("/api/v1/pods?resourceVersion=0&limit=500"),
            ListClass::RvZero
        );
        assert_eq!(
            c("/api/v1/pods?resourceVersion=10"),
            ListClass::NotOlderThan
        );
        assert_eq!(
            c("/api/v1/pods?resourceVersion=10&resourceVersionMatch=NotOlderThan&limit=5"),
            ListClass::NotOlderThan
        );
        assert_eq!(
            c("/api/v1/pods?resourceVersion=10&limit=5"),
            ListClass::LegacyExact
        );
        assert_eq!(
            c("/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact"),
            ListClass::Exact
        );
        assert_eq!(c("/api/v1/pods?limit=5&continue=abc"), ListClass::Continue);
    }

    #[test]
    fn pre_131_rules_match_the_version_blind_flags() {
        use super::super::parse::QueryFlags;
        let old = Some(Version {
            minor: 30,
            patch: None,
        });
        for uri in [
            "/api/v1/pods",
            "/api/v1/pods?limit=500",
            "/api/v1/pods?resourceVersion=0&limit=500",
            "/api/v1/pods?resourceVersion=10",
            "/api/v1/pods?resourceVersion=10&limit=5",
            "/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact",
            "/api/v1/pods?resourceVersion=10&resourceVersionMatch=NotOlderThan&limit=5",
            "/api/v1/pods?limit=5&continue=abc",
        ] {
            let f = QueryFlags::of(uri).flags;
            let etcd = rule(ListClass::of(f), old).0 == ListSource::Etcd;
            assert_eq!(etcd, list_from_etcd(f), "{uri}");
        }
    }
}
