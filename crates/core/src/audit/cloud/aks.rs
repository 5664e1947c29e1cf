//! AKS control-plane audit logs from Azure Monitor, diagnostic categories `kube-audit` and
//! `kube-audit-admin`:
//!
//! - diagnostic records `{"category","properties":{"log":<Event as a JSON string or object>,
//!   "pod"},"resourceId","time"}`, alone (storage-account archives `PT1H.json`, one record per
//!   line) or batched as Event Hub sends them (`{"records":[…]}`);
//! - Log Analytics rows of the resource-specific `AKSAudit` / `AKSAuditAdmin` tables (the
//!   Event restated as columns `AuditId`, `Stage`, `Verb`, `RequestUri`, `User`, …, with
//!   `dynamic` columns as objects or as JSON strings) and of the legacy `AzureDiagnostics`
//!   table (`Category`, `log_s`, `pod_s`).

use super::{object_text, range_in, string_of, Body, Record};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    records: Option<Vec<&'a RawValue>>,
}

/// A diagnostic record, an `AKSAudit` row or an `AzureDiagnostics` row.
#[derive(Deserialize)]
struct Row<'a> {
    #[serde(borrow, default)]
    category: Option<&'a RawValue>,
    #[serde(borrow, default)]
    properties: Option<&'a RawValue>,
    #[serde(rename = "resourceId", borrow, default)]
    resource_id: Option<&'a RawValue>,
    // AzureDiagnostics
    #[serde(rename = "Category", borrow, default)]
    category_col: Option<&'a RawValue>,
    #[serde(borrow, default)]
    log_s: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pod_s: Option<&'a RawValue>,
    #[serde(rename = "ResourceId", borrow, default)]
    resource_id_col: Option<&'a RawValue>,
    #[serde(rename = "_ResourceId", borrow, default)]
    resource_id_underscore: Option<&'a RawValue>,
    // AKSAudit
    #[serde(rename = "AuditId", borrow, default)]
    audit_id: Option<&'a RawValue>,
    #[serde(rename = "PodName", borrow, default)]
    pod_name: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Properties<'a> {
    #[serde(borrow, default)]
    log: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pod: Option<&'a RawValue>,
}

/// The cluster name at the end of an ARM resource ID (`…/managedClusters/<name>`).
fn cluster_of(resource_id: &str) -> Option<&str> {
    let (head, name) = resource_id.trim_end_matches('/').rsplit_once('/')?;
    head.to_ascii_lowercase()
        .ends_with("/managedclusters")
        .then_some(name)
}

fn is_audit_category(c: &str) -> bool {
    c.eq_ignore_ascii_case("kube-audit") || c.eq_ignore_ascii_case("kube-audit-admin")
}

/// The `AKSAudit` columns and the Event fields they restate.
const AKS_AUDIT_COLUMNS: [(&str, &str); 13] = [
    ("Level", "level"),
    ("AuditId", "auditID"),
    ("Stage", "stage"),
    ("RequestUri", "requestURI"),
    ("Verb", "verb"),
    ("User", "user"),
    ("ImpersonatedUser", "impersonatedUser"),
    ("SourceIps", "sourceIPs"),
    ("UserAgent", "userAgent"),
    ("ObjectRef", "objectRef"),
    ("ResponseStatus", "responseStatus"),
    ("RequestReceivedTime", "requestReceivedTimestamp"),
    ("StageReceivedTime", "stageTimestamp"),
];

/// An `AKSAudit` row as a native Event (the `Annotations` column included).
fn aks_audit_event(row: &str) -> Option<String> {
    let m: Map<String, Value> = serde_json::from_str(row).ok()?;
    let mut ev = Map::new();
    ev.insert("kind".into(), "Event".into());
    let cols = AKS_AUDIT_COLUMNS
        .iter()
        .chain(std::iter::once(&("Annotations", "annotations")));
    for (col, field) in cols {
        let Some(v) = m.get(*col) else { continue };
        let v = match v {
            // `dynamic` columns exported as JSON strings.
            Value::String(s)
                if matches!(
                    *field,
                    "user"
                        | "impersonatedUser"
                        | "sourceIPs"
                        | "objectRef"
                        | "responseStatus"
                        | "annotations"
                ) =>
            {
                match serde_json::from_str::<Value>(s) {
                    Ok(v) => v,
                    Err(_) => continue,
                }
            }
            Value::String(s) if s.is_empty() => continue,
            Value::Null => continue,
            v => v.clone(),
        };
        ev.insert((*field).into(), v);
    }
    serde_json::to_string(&Value::Object(ev)).ok()
}

fn row<'a>(doc: &'a str, raw: &'a RawValue) -> Option<(Record<'a>, &'static str)> {
    let r: Row<'a> = serde_json::from_str(raw.get()).ok()?;
    let range = range_in(doc, raw.get());
    let s = |v: Option<&'a RawValue>| v.and_then(string_of);
    if let Some(props) = r.properties {
        let category = s(r.category).unwrap_or_default();
        let p: Properties<'a> = serde_json::from_str(props.get()).ok()?;
        let rid = s(r.resource_id);
        let pod = s(p.pod);
        let apiserver = super::join(&[rid.as_deref().and_then(cluster_of), pod.as_deref()]);
        let body = if !is_audit_category(&category) {
            Body::Other(format!(
                "Azure diagnostic record of category {} (not kube-audit)",
                if category.is_empty() {
                    "(none)"
                } else {
                    &category
                }
            ))
        } else {
            match p.log.and_then(object_text) {
                Some(ev) => Body::Event(ev),
                None => Body::Bad("kube-audit record whose properties.log is not an event".into()),
            }
        };
        return Some((
            Record {
                range,
                apiserver,
                body,
            },
            "Azure diagnostic records",
        ));
    }
    if let Some(log) = r.log_s {
        let category = s(r.category_col).unwrap_or_default();
        let rid = s(r.resource_id_col);
        let pod = s(r.pod_s);
        let apiserver = super::join(&[rid.as_deref().and_then(cluster_of), pod.as_deref()]);
        let body = if !is_audit_category(&category) {
            Body::Other(format!(
                "AzureDiagnostics row of category {} (not kube-audit)",
                if category.is_empty() {
                    "(none)"
                } else {
                    &category
                }
            ))
        } else {
            match object_text(log) {
                Some(ev) => Body::Event(ev),
                None => Body::Bad("AzureDiagnostics row whose log_s is not an event".into()),
            }
        };
        return Some((
            Record {
                range,
                apiserver,
                body,
            },
            "Log Analytics AzureDiagnostics rows",
        ));
    }
    if r.audit_id.is_some() {
        let rid = s(r.resource_id_underscore);
        let pod = s(r.pod_name);
        let apiserver = super::join(&[rid.as_deref().and_then(cluster_of), pod.as_deref()]);
        let body = match aks_audit_event(raw.get()) {
            Some(ev) => Body::Event(ev.into()),
            None => Body::Bad("AKSAudit row that could not be read".into()),
        };
        return Some((
            Record {
                range,
                apiserver,
                body,
            },
            "Log Analytics AKSAudit rows",
        ));
    }
    None
}

/// See [`super::Unwrap`].
pub fn unwrap<'a>(doc: &'a str, out: &mut Vec<Record<'a>>) -> Option<&'static str> {
    let whole: &'a RawValue = serde_json::from_str(doc).ok()?;
    if let Ok(Envelope {
        records: Some(records),
    }) = serde_json::from_str::<Envelope<'a>>(doc)
    {
        for raw in records {
            match row(doc, raw) {
                Some((rec, _)) => out.push(rec),
                None => out.push(Record {
                    range: range_in(doc, raw.get()),
                    apiserver: None,
                    body: Body::Bad("Event Hub record that is not a diagnostic record".into()),
                }),
            }
        }
        return Some("Azure Event Hub batch");
    }
    let (rec, shape) = row(doc, whole)?;
    out.push(rec);
    Some(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_from_resource_id() {
        let id = "/SUBSCRIPTIONS/X/RESOURCEGROUPS/G/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/KUBETEST";
        assert_eq!(cluster_of(id), Some("KUBETEST"));
        assert_eq!(cluster_of("/subscriptions/x/resourceGroups/g"), None);
    }
}
