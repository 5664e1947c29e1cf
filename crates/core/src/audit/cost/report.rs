//! What a cost report gives back: its rows, totals, window, series, weekly table and example
//! requests, as the CLI prints them and the web app draws them (serialized to JSON).

use crate::audit::attribution::ListModel;
use crate::audit::keys::GroupBy;
use crate::time::Micros;
use serde::{Deserialize, Serialize};

/// A duration with its display form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedMicros {
    pub name: String,
    pub micros: i64,
    pub text: String,
}

/// Requests by priority level and flow schema (from `apf_*` annotations).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApfRow {
    pub priority_level: String,
    pub flow_schema: String,
    pub requests: u64,
    pub query_time_us: i64,
}

/// One row of the cost table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostRow {
    pub key: String,
    /// All requests, including long-running ones.
    pub requests: u64,
    /// Requests with a known latency that count toward query time.
    pub timed: u64,
    /// Finished requests whose start is unknown (no `requestReceivedTimestamp`), or unfinished.
    pub untimed: u64,
    pub query_time_us: i64,
    pub query_time_text: String,
    /// Share of all query time in the window, 0..1.
    pub share: f64,
    pub share_text: String,
    /// Query time / window length.
    pub mean_in_flight: f64,
    pub p50_us: i64,
    pub p95_us: i64,
    pub p99_us: i64,
    pub p50_text: String,
    pub p95_text: String,
    pub p99_text: String,
    pub max_us: i64,
    /// 4xx other than 429.
    pub errors_4xx: u64,
    pub errors_5xx: u64,
    pub throttled_429: u64,
    pub lists: u64,
    /// LISTs served from etcd (decided per pattern, see [`ListModel`]); the expensive kind.
    pub lists_etcd: u64,
    pub lists_cache: u64,
    /// LISTs whose source neither the log nor the version's rules tell.
    pub lists_unknown: u64,
    pub lists_with_selector: u64,
    pub lists_etcd_with_selector: u64,
    /// Query time of LISTs served from etcd.
    pub lists_etcd_time_us: i64,
    pub long_running: u64,
    /// Total time long-running requests were open (when known).
    pub long_running_us: i64,
    /// Sum of `apiserver.latency.k8s.io/*` annotations, largest first.
    pub latency_breakdown: Vec<NamedMicros>,
    /// Priority levels / flow schemas seen, most requests first.
    pub apf: Vec<ApfRow>,
}

/// The report's time window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub start: Micros,
    pub end: Micros,
    pub start_text: String,
    pub end_text: String,
    pub duration_us: i64,
    pub duration_text: String,
}

/// Stacked-area series of mean in-flight query time per bucket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub bucket_us: i64,
    pub bucket_text: String,
    /// Bucket start times, µs UTC.
    pub times: Vec<Micros>,
    /// Series names: the top keys, then `others` when anything is left.
    pub keys: Vec<String>,
    /// `values[k][b]`: mean number of key `k`'s requests in flight during bucket `b`.
    pub values: Vec<Vec<f64>>,
}

/// Per-week share of query time for the top keys.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Weekly {
    /// Week starts (Monday 00:00 UTC).
    pub weeks: Vec<Micros>,
    pub week_labels: Vec<String>,
    /// Total query time per week.
    pub totals_us: Vec<i64>,
    pub rows: Vec<WeeklyRow>,
}

/// One key's share of each week's query time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WeeklyRow {
    pub key: String,
    pub shares: Vec<f64>,
}

/// One request, ready to show and to re-read from its file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RequestRow {
    /// Index into `Dataset::files`.
    pub file: usize,
    pub file_name: String,
    pub line: u64,
    pub offset: u64,
    pub len: u64,
    pub time: Micros,
    pub time_text: String,
    pub user: String,
    pub impersonated: String,
    pub user_agent: String,
    pub source_ip: String,
    pub verb: String,
    /// As grouped by [`GroupBy::Resource`].
    pub resource: String,
    pub namespace: String,
    pub name: String,
    pub code: u16,
    pub latency_us: Option<i64>,
    pub latency_text: String,
    pub long_running: bool,
    /// `etcd`, `cache`, `unknown`, or empty for non-LISTs (see [`ListModel`]).
    pub list_source: String,
    /// Query flags worth knowing: `rv=0`, `rv=unset`, `match=Exact`, `limit=500`, `labelSelector`…
    pub query: String,
}

/// Totals over the whole (filtered) window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    pub requests: u64,
    pub timed: u64,
    pub untimed: u64,
    pub query_time_us: i64,
    pub query_time_text: String,
    pub mean_in_flight: f64,
    pub errors_4xx: u64,
    pub errors_5xx: u64,
    pub throttled_429: u64,
    pub lists: u64,
    pub lists_etcd: u64,
    pub lists_cache: u64,
    pub lists_unknown: u64,
    /// Requests carrying `apiserver.latency.k8s.io/*` annotations (the apiserver writes them
    /// only for requests slower than 500 ms, so the breakdown covers only those).
    pub annotated: u64,
    pub long_running: u64,
    pub long_running_us: i64,
    /// Distinct keys in the grouping.
    pub keys: u64,
}

/// The API cost report; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostReport {
    pub by: GroupBy,
    pub by_label: String,
    pub filters: Vec<(GroupBy, String)>,
    pub window: Window,
    pub totals: Totals,
    /// Top rows by query time (ties: more requests first).
    pub rows: Vec<CostRow>,
    /// Everything below the top rows, summed.
    pub others: Option<CostRow>,
    /// Keys with long-running requests (kept out of query time), most first.
    pub long_running: Vec<CostRow>,
    pub latency_breakdown: Vec<NamedMicros>,
    pub apf: Vec<ApfRow>,
    pub series: Series,
    pub weekly: Weekly,
    /// Slowest matching requests.
    pub examples: Vec<RequestRow>,
    /// Audit files read.
    pub files: usize,
    /// Where LISTs were served and what decided it.
    pub list_model: ListModel,
    /// Numbers the logs cannot give, and why (e.g. no latency in GKE entries).
    pub missing: Vec<String>,
}
