//! Who or what a log line is about — the node, pod or namespace it names — as opposed to the
//! component that wrote it: a controller-manager line about node `worker-2` is about
//! `worker-2`, not about the controller-manager.

use crate::nodelog::lines::logfmt::logfmt_value;

/// The value of a structured `key=value` / `key="value"` pair in a klog/logfmt line
/// (the first occurrence of ` key=`, or the line starting with `key=`).
pub fn kv<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    let b = text.as_bytes();
    let pat = format!("{key}=");
    let mut from = 0;
    while let Some(i) = text[from..].find(&pat).map(|i| from + i) {
        let boundary = i == 0 || matches!(b[i - 1], b' ' | b'\t' | b',' | b'{');
        if boundary {
            let (v, _) = logfmt_value(b, i + pat.len());
            let v = std::str::from_utf8(v).ok()?;
            return (!v.is_empty()).then_some(v);
        }
        from = i + pat.len();
    }
    None
}

/// What a NotReady line is about.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Subject {
    /// A node, by name.
    Node(String),
    /// A pod (`namespace/name`) the node lifecycle controller marked because its node is
    /// NotReady (the line does not name the node).
    Pod(String),
}

/// The node or pod a NotReady line names: `node="x"` / `node=x`, `Node x is NotReady as of`,
/// or an event's involved object (`object="ns/pod" kind="Pod"`, `object="x" kind="Node"`).
/// `None` when the line names neither (the caller must then not pretend to know).
pub fn not_ready_subject(text: &str) -> Option<Subject> {
    if let Some(n) = node_is_not_ready(text) {
        return Some(Subject::Node(n));
    }
    if let Some(n) = kv(text, "node").filter(|n| valid(n)) {
        return Some(Subject::Node(n.to_string()));
    }
    let obj = kv(text, "object").filter(|o| valid(o))?;
    match kv(text, "kind") {
        Some("Node") => Some(Subject::Node(obj.to_string())),
        Some("Pod") | None if obj.contains('/') => Some(Subject::Pod(obj.to_string())),
        _ => None,
    }
}

/// `Node worker-2 is NotReady as of …` (the node lifecycle controller).
pub fn node_is_not_ready(text: &str) -> Option<String> {
    let i = text.find("Node ")?;
    let rest = &text[i + 5..];
    let end = rest.find(' ')?;
    rest[end..]
        .starts_with(" is NotReady")
        .then(|| rest[..end].trim_matches('"').to_string())
        .filter(|n| valid(n))
}

/// A name, not a mined placeholder or an empty value.
fn valid(n: &str) -> bool {
    !n.is_empty() && !n.contains("<*>") && n != "\"\""
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_is_what_the_line_names() {
        let ev = r#"I0131 15:46:40.357386       1 event.go:389] "Event occurred" object="kube-system/kube-proxy-p4jmn" fieldPath="" kind="Pod" apiVersion="v1" type="Warning" reason="NodeNotReady" message="Node is not ready""#;
        assert_eq!(
            not_ready_subject(ev),
            Some(Subject::Pod("kube-system/kube-proxy-p4jmn".into()))
        );
        let node_ev = r#"I0131 event.go:389] "Event occurred" object="worker-1" fieldPath="" kind="Node" apiVersion="v1" type="Normal" reason="NodeNotReady" message="Node worker-1 status is now: NodeNotReady""#;
        assert_eq!(
            not_ready_subject(node_ev),
            Some(Subject::Node("worker-1".into()))
        );
        assert_eq!(
            not_ready_subject("node_lifecycle_controller.go:702] Node kubedee-test-worker-2ajv8y is NotReady as of 2019-06-17"),
            Some(Subject::Node("kubedee-test-worker-2ajv8y".into()))
        );
        assert_eq!(
            not_ready_subject(
                r#"I0131 controller_utils.go:151] "Recording status change event message for node" status="NodeNotReady" node="ip-10-0-1-2""#
            ),
            Some(Subject::Node("ip-10-0-1-2".into()))
        );
        assert_eq!(
            not_ready_subject("Node became not ready: {Type:Ready}"),
            None
        );
        assert_eq!(kv("a=1 nodename=x node=y", "node"), Some("y"));
    }
}
