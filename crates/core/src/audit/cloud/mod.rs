//! Managed-cloud wrappings of audit events: GKE Cloud Logging entries, EKS CloudWatch Logs
//! exports and subscription payloads, AKS Azure Monitor diagnostic records and Log Analytics
//! rows. Each shape is one module with the same entry point, [`Unwrap`]: given one JSON
//! document that is not a native `Event`, it says whether the document is its shape and hands
//! back the audit events inside, each as native `audit.k8s.io` Event JSON, with the byte range
//! of the record that holds it and the apiserver/cluster it came from.
//!
//! Events a record holds as a JSON string (EKS `message`, AKS `properties.log`) are passed on
//! unchanged; shapes that restate the event in their own fields (GKE `AuditLog`, AKS `AKSAudit`
//! rows) are mapped field by field, and what they do not carry stays absent (no
//! `requestReceivedTimestamp` on GKE: no latency; no `requestURI`: no LIST class).

pub mod aks;
pub mod eks;
pub mod gke;

use super::parse::S;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::ops::Range;

/// What one record inside a cloud document holds.
pub enum Body<'a> {
    /// A native audit Event as JSON text.
    Event(Cow<'a, str>),
    /// A record of another service or log category: valid, counted, not an audit event.
    Other(String),
    /// A record of the shape whose audit event could not be read.
    Bad(String),
}

/// One record found in a cloud document.
pub struct Record<'a> {
    /// Byte range of the record inside the document (what a detail view re-reads).
    pub range: Range<usize>,
    /// The apiserver instance or cluster that wrote it, when the wrapping says.
    pub apiserver: Option<String>,
    pub body: Body<'a>,
}

/// A shape's entry point: `Some(shape name)` and the records when `doc` is that shape.
pub type Unwrap = for<'a> fn(&'a str, &mut Vec<Record<'a>>) -> Option<&'static str>;

/// Every cloud shape, tried in turn on documents that are not native events.
const SHAPES: [Unwrap; 3] = [gke::unwrap, eks::unwrap, aks::unwrap];

/// Unwrap a document that is not a native audit event; `None` when no cloud shape matches.
pub fn unwrap<'a>(doc: &'a str, out: &mut Vec<Record<'a>>) -> Option<&'static str> {
    SHAPES.iter().find_map(|f| {
        out.clear();
        f(doc, out)
    })
}

/// Byte range of `part`, a slice borrowed from `doc`, inside `doc`.
pub(crate) fn range_in(doc: &str, part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
    if start > doc.len() {
        return 0..doc.len();
    }
    start..(start + part.len()).min(doc.len())
}

/// A JSON value that holds an object either directly or as a JSON string (Log Analytics
/// exports stringify `dynamic` columns): the object's JSON text.
pub(crate) fn object_text<'a>(v: &'a RawValue) -> Option<Cow<'a, str>> {
    let t = v.get().trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        return Some(Cow::Borrowed(v.get()));
    }
    if t.starts_with('"') {
        let s = serde_json::from_str::<S<'a>>(v.get()).ok()?.0;
        let inner = s.trim_start();
        if inner.starts_with('{') || inner.starts_with('[') {
            return Some(s);
        }
    }
    None
}

/// A JSON string value, unescaped.
pub(crate) fn string_of<'a>(v: &'a RawValue) -> Option<Cow<'a, str>> {
    serde_json::from_str::<S<'a>>(v.get()).ok().map(|s| s.0)
}

/// `a/b`, skipping empty parts; `None` when all are empty.
pub(crate) fn join(parts: &[Option<&str>]) -> Option<String> {
    let v: Vec<&str> = parts
        .iter()
        .flatten()
        .copied()
        .filter(|s| !s.is_empty())
        .collect();
    (!v.is_empty()).then(|| v.join("/"))
}
