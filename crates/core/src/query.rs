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
}

/// Answer a query. Never fails: a query about data that was not loaded answers with empty results.
pub fn answer(ds: &Dataset, q: &Query) -> serde_json::Value {
    let v = match q {
        Query::Summaries => serde_json::to_value(ds.summaries()),
        Query::Timeline(tq) => serde_json::to_value(crate::timeline::query(ds, tq)),
        Query::Findings => serde_json::to_value(crate::findings::detect(ds)),
    };
    v.unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
}
