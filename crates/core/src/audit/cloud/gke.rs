//! GKE audit logs from Cloud Logging: `LogEntry` objects whose `protoPayload` is a
//! `google.cloud.audit.AuditLog` with `serviceName` `k8s.io`, as `gcloud logging read
//! --format=json` prints them (a JSON array), as sinks export them (JSON lines) and as the Logs
//! Explorer downloads them; also the Go client's dump (`{"Entry":{…},"AuditPayload":"…"}`).
//!
//! The AuditLog restates the request in its own terms, mapped here to a native Event:
//! `methodName` `io.k8s.core.v1.pods.list` → verb `list`; `resourceName`
//! `core/v1/namespaces/ns/pods/name[/sub]` → objectRef; `authenticationInfo.principalEmail`
//! → user; `requestMetadata` → source IP and user agent; `status` (a `google.rpc.Status`,
//! gRPC codes) → HTTP code; `operation.first`/`last` → stages; the entry's `labels` →
//! annotations; `resource.labels` → the cluster. It has no `requestURI` (so no
//! resourceVersion / limit / selectors) and one timestamp per entry (so no latency): those
//! stay unknown.

use super::{range_in, string_of, Body, Record};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

#[derive(Deserialize, Default)]
struct Operation<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(default)]
    first: Option<bool>,
    #[serde(default)]
    last: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Resource<'a> {
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(rename = "protoPayload", borrow, default)]
    proto_payload: Option<&'a RawValue>,
    #[serde(borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(rename = "insertId", borrow, default)]
    insert_id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    operation: Option<Operation<'a>>,
    #[serde(borrow, default)]
    resource: Option<Resource<'a>>,
    #[serde(borrow, default)]
    labels: Option<&'a RawValue>,
    // The Go client's dump.
    #[serde(rename = "Entry", borrow, default)]
    go_entry: Option<GoEntry<'a>>,
    #[serde(rename = "AuditPayload", borrow, default)]
    go_payload: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct GoEntry<'a> {
    #[serde(rename = "Timestamp", borrow, default)]
    timestamp: Option<&'a RawValue>,
    #[serde(rename = "InsertID", borrow, default)]
    insert_id: Option<&'a RawValue>,
    #[serde(rename = "Operation", borrow, default)]
    operation: Option<Operation<'a>>,
    #[serde(rename = "Resource", borrow, default)]
    resource: Option<Resource<'a>>,
    #[serde(rename = "Labels", borrow, default)]
    labels: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct AuditLog {
    #[serde(rename = "serviceName", default)]
    service_name: Option<String>,
    #[serde(rename = "methodName", default)]
    method_name: Option<String>,
    #[serde(rename = "resourceName", default)]
    resource_name: Option<String>,
    #[serde(rename = "authenticationInfo", default)]
    authentication_info: Option<AuthInfo>,
    #[serde(rename = "requestMetadata", default)]
    request_metadata: Option<RequestMetadata>,
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Deserialize, Default)]
struct AuthInfo {
    #[serde(rename = "principalEmail", default)]
    principal_email: Option<String>,
}

#[derive(Deserialize, Default)]
struct RequestMetadata {
    #[serde(rename = "callerIp", default)]
    caller_ip: Option<String>,
    #[serde(rename = "callerSuppliedUserAgent", default)]
    caller_supplied_user_agent: Option<String>,
}

#[derive(Deserialize, Default)]
struct Status {
    #[serde(default)]
    code: Option<i64>,
}

/// HTTP status of a `google.rpc.Code`, as `google/rpc/code.proto` documents the mapping.
/// 0 (OK) cannot tell 200 from 201.
pub(crate) fn http_of_grpc(code: i64) -> u16 {
    match code {
        0 => 200,
        1 => 499,
        2 | 13 | 15 => 500,
        3 | 9 | 11 => 400,
        4 => 504,
        5 => 404,
        6 | 10 => 409,
        7 => 403,
        8 => 429,
        12 => 501,
        14 => 503,
        16 => 401,
        _ => 500,
    }
}

/// The objectRef of a `resourceName` (`core/v1/namespaces/ns/pods/name/exec`,
/// `rbac.authorization.k8s.io/v1/clusterrolebindings/x`); `None` for non-resource paths.
pub(crate) fn object_ref(resource_name: &str) -> Option<Value> {
    let parts: Vec<&str> = resource_name.trim_matches('/').split('/').collect();
    let [group, version, rest @ ..] = parts.as_slice() else {
        return None;
    };
    let is_version =
        version.starts_with('v') && version[1..].starts_with(|c: char| c.is_ascii_digit());
    if !is_version || rest.is_empty() {
        return None;
    }
    let mut o = Map::new();
    if *group != "core" {
        o.insert("apiGroup".into(), (*group).into());
    }
    o.insert("apiVersion".into(), (*version).into());
    let rest = match rest {
        ["namespaces", ns, tail @ ..]
            if !tail.is_empty() && !matches!(tail, ["status"] | ["finalize"]) =>
        {
            o.insert("namespace".into(), (*ns).into());
            tail
        }
        _ => rest,
    };
    let mut it = rest.iter();
    if let Some(r) = it.next() {
        o.insert("resource".into(), (*r).into());
    }
    if let Some(n) = it.next() {
        o.insert("name".into(), (*n).into());
        if o.get("resource").and_then(Value::as_str) == Some("namespaces") {
            o.insert("namespace".into(), (*n).into());
        }
    }
    if let Some(s) = it.next() {
        o.insert("subresource".into(), (*s).into());
    }
    Some(Value::Object(o))
}

/// Map one AuditLog entry to a native Event.
fn event(
    log: &AuditLog,
    timestamp: Option<String>,
    id: Option<String>,
    op: &Operation<'_>,
    labels: Option<&RawValue>,
) -> String {
    let method = log.method_name.as_deref().unwrap_or("");
    let verb = method.rsplit('.').next().unwrap_or("");
    let stage = match (op.first, op.last) {
        (Some(true), Some(false)) => "RequestReceived",
        (Some(false), Some(false)) => "ResponseStarted",
        _ => "ResponseComplete",
    };
    let code = http_of_grpc(log.status.as_ref().and_then(|s| s.code).unwrap_or(0));
    let mut ev = json!({
        "kind": "Event",
        "stage": stage,
        "verb": verb,
        "responseStatus": {"code": code},
    });
    let m = ev.as_object_mut().expect("an object");
    if let Some(id) = id {
        m.insert("auditID".into(), id.into());
    }
    if let Some(t) = timestamp {
        m.insert("stageTimestamp".into(), t.into());
    }
    if let Some(u) = log
        .authentication_info
        .as_ref()
        .and_then(|a| a.principal_email.clone())
    {
        m.insert("user".into(), json!({ "username": u }));
    }
    if let Some(md) = &log.request_metadata {
        if let Some(ip) = &md.caller_ip {
            m.insert("sourceIPs".into(), json!([ip]));
        }
        if let Some(ua) = &md.caller_supplied_user_agent {
            m.insert("userAgent".into(), ua.clone().into());
        }
    }
    let rn = log.resource_name.as_deref().unwrap_or("");
    match object_ref(rn) {
        Some(o) => {
            m.insert("objectRef".into(), o);
        }
        // A non-resource request: its path is all there is (there is no query string).
        None if !rn.is_empty() => {
            m.insert(
                "requestURI".into(),
                format!("/{}", rn.trim_start_matches('/')).into(),
            );
        }
        None => {}
    }
    if let Some(l) = labels.and_then(|l| serde_json::from_str::<Value>(l.get()).ok()) {
        if l.is_object() {
            m.insert("annotations".into(), l);
        }
    }
    ev.to_string()
}

/// `project/location/cluster` from `resource.labels`.
fn cluster(resource: Option<&Resource<'_>>) -> Option<String> {
    #[derive(Deserialize, Default)]
    struct Labels {
        #[serde(default)]
        project_id: Option<String>,
        #[serde(default)]
        location: Option<String>,
        #[serde(default)]
        cluster_name: Option<String>,
    }
    let l: Labels = resource
        .and_then(|r| r.labels)
        .and_then(|l| serde_json::from_str(l.get()).ok())
        .unwrap_or_default();
    super::join(&[
        l.project_id.as_deref(),
        l.location.as_deref(),
        l.cluster_name.as_deref(),
    ])
}

/// See [`super::Unwrap`].
pub fn unwrap<'a>(doc: &'a str, out: &mut Vec<Record<'a>>) -> Option<&'static str> {
    let e: Entry<'a> = serde_json::from_str(doc).ok()?;
    let s = |v: Option<&'a RawValue>| v.and_then(string_of).map(|c| c.into_owned());
    let (shape, payload, ts, id, op, resource, labels) = if let Some(p) = e.proto_payload {
        let payload: Option<AuditLog> = serde_json::from_str(p.get()).ok();
        let op = e.operation.unwrap_or_default();
        let id = s(op.id).or_else(|| s(e.insert_id));
        (
            "Cloud Logging LogEntry",
            payload,
            s(e.timestamp),
            id,
            op,
            e.resource,
            e.labels,
        )
    } else if let (Some(g), Some(p)) = (e.go_entry, e.go_payload) {
        let payload = string_of(p).and_then(|t| serde_json::from_str::<AuditLog>(&t).ok());
        let op = g.operation.unwrap_or_default();
        let id = s(op.id).or_else(|| s(g.insert_id));
        (
            "Cloud Logging Go client entry",
            payload,
            s(g.timestamp),
            id,
            op,
            g.resource,
            g.labels,
        )
    } else {
        return None;
    };
    let apiserver = cluster(resource.as_ref());
    let body = match payload {
        None => Body::Bad("Cloud Logging entry whose payload is not an AuditLog".into()),
        Some(log) if log.service_name.as_deref() != Some("k8s.io") => Body::Other(format!(
            "Cloud Logging entry of service {} (not Kubernetes)",
            log.service_name.as_deref().unwrap_or("(none)")
        )),
        Some(log) => Body::Event(event(&log, ts, id, &op, labels).into()),
    };
    out.push(Record {
        range: range_in(doc, doc),
        apiserver,
        body,
    });
    Some(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_names() {
        let o = object_ref("core/v1/namespaces/default/pods/web-1/exec").unwrap();
        assert_eq!(o["namespace"], "default");
        assert_eq!(o["resource"], "pods");
        assert_eq!(o["name"], "web-1");
        assert_eq!(o["subresource"], "exec");
        let o = object_ref("core/v1/namespaces/test-ns").unwrap();
        assert_eq!(
            (o["resource"].as_str(), o["name"].as_str()),
            (Some("namespaces"), Some("test-ns"))
        );
        let o = object_ref("rbac.authorization.k8s.io/v1/clusterrolebindings/b").unwrap();
        assert_eq!(o["apiGroup"], "rbac.authorization.k8s.io");
        let o = object_ref("apps/v1/namespaces/ns/deployments").unwrap();
        assert_eq!((o["namespace"].as_str(), o.get("name")), (Some("ns"), None));
        assert!(object_ref("healthz").is_none());
        assert_eq!(http_of_grpc(7), 403);
    }
}
