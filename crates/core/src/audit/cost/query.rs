//! What a cost report is asked for: grouping, window, drill-down filters and sizes.

use crate::audit::keys::GroupBy;
use crate::time::Micros;
use serde::{Deserialize, Serialize};

/// What to compute. Every field has a default, so `{}` is a valid query (JSON from the UI).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct CostQuery {
    pub by: GroupBy,
    /// Rows shown; the rest are summed into `others`.
    pub top: usize,
    /// Keys drawn in the stacked series and the weekly table (the rest are "others").
    pub series_top: usize,
    /// Target number of buckets in the series; the bucket size is rounded to a readable one.
    pub buckets: usize,
    /// Only requests that started at or after this time (µs UTC).
    pub since: Option<Micros>,
    /// Only requests that started before this time (µs UTC).
    pub until: Option<Micros>,
    /// Drill-down: only requests whose key in each dimension equals the value
    /// (e.g. `[[user, "alice"], [verb, "list"]]`).
    pub filters: Vec<(GroupBy, String)>,
    /// Slowest matching requests listed as examples.
    pub examples: usize,
    /// The apiserver version to apply the LIST rules of (`1.30`, `v1.31.2`); `None`: the
    /// version the log shows (see [`version::infer`](crate::audit::version::infer)).
    pub server_version: Option<String>,
    /// LIST patterns listed in
    /// [`ListModel::patterns`](crate::audit::attribution::ListModel::patterns).
    pub patterns: usize,
}

impl Default for CostQuery {
    fn default() -> Self {
        Self {
            by: GroupBy::User,
            top: 20,
            series_top: 8,
            buckets: 120,
            since: None,
            until: None,
            filters: Vec::new(),
            examples: 20,
            server_version: None,
            patterns: 30,
        }
    }
}
