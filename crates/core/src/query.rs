//! The queries views run over a [`Dataset`], as one serializable enum, so the browser worker
//! and the CLI answer them through the same function with the same numbers.

use crate::dataset::Dataset;
use serde::{Deserialize, Serialize};

/// A question a view asks; answered by [`answer`] as JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "q", rename_all = "snake_case")]
pub enum Query {
    /// Per-file summaries.
    Summaries,
    /// The unified timeline for a window.
    Timeline(crate::timeline::TimelineQuery),
    /// Known incident patterns with their evidence (no raw text: APIService names come from
    /// event labels and audit 503s).
    Findings,
    /// Byte ranges whose text would let the detectors name what labels mask (APIServices,
    /// images, OOM victims): read them, then ask [`Query::FindingsWithText`].
    FindingsTextWanted,
    /// Findings, with the text of the ranges [`Query::FindingsTextWanted`] listed.
    FindingsWithText {
        texts: Vec<crate::findings::TextPiece>,
    },
    /// Goroutine groups, lock contention and holder candidates.
    Goroutines(crate::goroutine::report::GoroutineQuery),
    /// Two snapshots of one process compared.
    GoroutineDiff {
        before: crate::goroutine::report::SnapshotRef,
        after: crate::goroutine::report::SnapshotRef,
        #[serde(default)]
        similarity: crate::goroutine::frame::Similarity,
    },
    /// API cost from audit logs.
    Cost(crate::audit::cost::CostQuery),
    /// The most frequent message templates of node logs (the noise, mined).
    Templates(crate::nodelog::TemplatesQuery),
    /// Every request that touched an object (`namespace foo`, `pods/bar`, `ns/pods/bar`).
    History { object: String, max: usize },
}

/// Answer a query. Never fails: a query about data that was not loaded answers with empty results.
pub fn answer(ds: &Dataset, q: &Query) -> serde_json::Value {
    let v = match q {
        Query::Summaries => serde_json::to_value(ds.summaries()),
        Query::Timeline(tq) => serde_json::to_value(crate::timeline::query(ds, tq)),
        Query::Findings => serde_json::to_value(crate::findings::detect(ds)),
        Query::FindingsTextWanted => serde_json::to_value(crate::findings::wanted(ds)),
        Query::FindingsWithText { texts } => serde_json::to_value(crate::findings::detect_with(
            ds,
            &crate::findings::Texts::new(texts),
        )),
        Query::Goroutines(gq) => serde_json::to_value(crate::goroutine::report::report(ds, gq)),
        Query::GoroutineDiff {
            before,
            after,
            similarity,
        } => serde_json::to_value(crate::goroutine::diff::diff(
            ds,
            *before,
            *after,
            *similarity,
        )),
        Query::Templates(tq) => serde_json::to_value(crate::nodelog::templates_report(ds, tq)),
        Query::Cost(cq) => serde_json::to_value(crate::audit::cost::cost_report(ds, cq)),
        Query::History { object, max } => match crate::audit::history::ObjectSpec::parse(object) {
            Some(spec) => serde_json::to_value(crate::audit::history::history(ds, &spec, *max)),
            None => Ok(serde_json::json!({
                "error": format!("cannot read {object:?} as an object: try `namespace foo`, `pods/bar` or `foo/pods/bar`")
            })),
        },
    };
    v.unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
}
