//! The API cost model: who spends the apiserver's time, on what, and since when.
//!
//! Query time of a request = `ResponseComplete`/`Panic` stage time − `requestReceivedTimestamp`.
//! Long-running requests (watch, exec, attach, port-forward, proxy, log follow) hold connections
//! by design and are counted apart. Mean in-flight = query time / window: the average number of
//! requests of that group being served at any moment.

use super::attribution::attribute;
pub use super::attribution::{ListModel, ListPattern};
use super::keys::Keyer;
pub use super::keys::{resource_key, GroupBy};
use super::store::*;
use super::version::ListSource;
use super::view::{AuditFiles, Req};
use crate::dataset::Dataset;
use crate::time::{fmt_duration, fmt_micros, Micros, MICROS_PER_SEC, NO_TIME};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
    /// version the log shows (see [`version::infer`]).
    pub server_version: Option<String>,
    /// LIST patterns listed in [`ListModel::patterns`].
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

#[derive(Default)]
struct Acc {
    requests: u64,
    timed: u64,
    untimed: u64,
    query_us: i64,
    lats: Vec<i64>,
    e4: u64,
    e5: u64,
    e429: u64,
    lists: u64,
    lists_etcd: u64,
    lists_cache: u64,
    lists_unknown: u64,
    annotated: u64,
    lists_sel: u64,
    lists_etcd_sel: u64,
    lists_etcd_us: i64,
    long_running: u64,
    long_running_us: i64,
    parts: BTreeMap<String, i64>,
    apf: HashMap<(String, String), (u64, i64)>,
}

impl Acc {
    fn add(&mut self, q: &Req, d: &Data, list: Option<ListSource>, annotated: bool) {
        let r = &d.requests;
        let i = q.row as usize;
        let f = q.flags;
        self.requests += 1;
        match q.code {
            429 => self.e429 += 1,
            400..=499 => self.e4 += 1,
            500..=599 => self.e5 += 1,
            _ => {}
        }
        let lat = q.latency();
        let long = f & F_LONG_RUNNING != 0;
        if long {
            self.long_running += 1;
            self.long_running_us += lat.unwrap_or(0);
        } else if let Some(l) = q.query_time() {
            self.timed += 1;
            self.query_us += l;
            self.lats.push(l);
        } else {
            self.untimed += 1;
        }
        if annotated {
            self.annotated += 1;
        }
        if let Some(src) = list {
            self.lists += 1;
            let sel = f & (F_LABEL_SELECTOR | F_FIELD_SELECTOR) != 0;
            if sel {
                self.lists_sel += 1;
            }
            match src {
                ListSource::Etcd => {
                    self.lists_etcd += 1;
                    if sel {
                        self.lists_etcd_sel += 1;
                    }
                    if !long {
                        self.lists_etcd_us += lat.unwrap_or(0);
                    }
                }
                ListSource::Cache => self.lists_cache += 1,
                ListSource::Unknown => self.lists_unknown += 1,
            }
        }
        if r.apf_pl[i] != 0 || r.apf_fs[i] != 0 {
            let e = self
                .apf
                .entry((
                    d.str(r.apf_pl[i]).to_string(),
                    d.str(r.apf_fs[i]).to_string(),
                ))
                .or_default();
            e.0 += 1;
            if !long {
                e.1 += lat.unwrap_or(0);
            }
        }
    }

    fn absorb(&mut self, o: Acc) {
        self.requests += o.requests;
        self.timed += o.timed;
        self.untimed += o.untimed;
        self.query_us += o.query_us;
        self.lats.extend(o.lats);
        self.e4 += o.e4;
        self.e5 += o.e5;
        self.e429 += o.e429;
        self.lists += o.lists;
        self.lists_etcd += o.lists_etcd;
        self.lists_cache += o.lists_cache;
        self.lists_unknown += o.lists_unknown;
        self.annotated += o.annotated;
        self.lists_sel += o.lists_sel;
        self.lists_etcd_sel += o.lists_etcd_sel;
        self.lists_etcd_us += o.lists_etcd_us;
        self.long_running += o.long_running;
        self.long_running_us += o.long_running_us;
        for (k, v) in o.parts {
            *self.parts.entry(k).or_default() += v;
        }
        for (k, v) in o.apf {
            let e = self.apf.entry(k).or_default();
            e.0 += v.0;
            e.1 += v.1;
        }
    }

    fn row(mut self, key: String, total_us: i64, window_us: i64) -> CostRow {
        self.lats.sort_unstable();
        let pct = |p: f64| -> i64 {
            if self.lats.is_empty() {
                return 0;
            }
            let rank = ((p * self.lats.len() as f64).ceil() as usize).clamp(1, self.lats.len());
            self.lats[rank - 1]
        };
        let (p50, p95, p99) = (pct(0.50), pct(0.95), pct(0.99));
        let share = if total_us > 0 {
            self.query_us as f64 / total_us as f64
        } else {
            0.0
        };
        let mut parts: Vec<NamedMicros> = self
            .parts
            .into_iter()
            .map(|(name, micros)| NamedMicros {
                text: fmt_duration(micros),
                name,
                micros,
            })
            .collect();
        parts.sort_by(|a, b| b.micros.cmp(&a.micros).then(a.name.cmp(&b.name)));
        CostRow {
            key,
            requests: self.requests,
            timed: self.timed,
            untimed: self.untimed,
            query_time_us: self.query_us,
            query_time_text: fmt_duration(self.query_us),
            share,
            share_text: format!("{:.1}%", share * 100.0),
            mean_in_flight: if window_us > 0 {
                self.query_us as f64 / window_us as f64
            } else {
                0.0
            },
            p50_us: p50,
            p95_us: p95,
            p99_us: p99,
            p50_text: fmt_duration(p50),
            p95_text: fmt_duration(p95),
            p99_text: fmt_duration(p99),
            max_us: self.lats.last().copied().unwrap_or(0),
            errors_4xx: self.e4,
            errors_5xx: self.e5,
            throttled_429: self.e429,
            lists: self.lists,
            lists_etcd: self.lists_etcd,
            lists_cache: self.lists_cache,
            lists_unknown: self.lists_unknown,
            lists_with_selector: self.lists_sel,
            lists_etcd_with_selector: self.lists_etcd_sel,
            lists_etcd_time_us: self.lists_etcd_us,
            long_running: self.long_running,
            long_running_us: self.long_running_us,
            latency_breakdown: parts,
            apf: apf_rows(self.apf),
        }
    }
}

fn apf_rows(m: HashMap<(String, String), (u64, i64)>) -> Vec<ApfRow> {
    let mut v: Vec<ApfRow> = m
        .into_iter()
        .map(|((pl, fs), (n, t))| ApfRow {
            priority_level: pl,
            flow_schema: fs,
            requests: n,
            query_time_us: t,
        })
        .collect();
    v.sort_by(|a, b| {
        b.requests
            .cmp(&a.requests)
            .then_with(|| a.priority_level.cmp(&b.priority_level))
            .then_with(|| a.flow_schema.cmp(&b.flow_schema))
    });
    v
}

/// A readable bucket size giving about `target` buckets over `span`.
pub fn bucket_size(span: i64, target: usize) -> i64 {
    const S: i64 = MICROS_PER_SEC;
    const STEPS: [i64; 20] = [
        S,
        2 * S,
        5 * S,
        10 * S,
        15 * S,
        30 * S,
        60 * S,
        120 * S,
        300 * S,
        600 * S,
        900 * S,
        1800 * S,
        3600 * S,
        7200 * S,
        3 * 3600 * S,
        6 * 3600 * S,
        12 * 3600 * S,
        86400 * S,
        7 * 86400 * S,
        30 * 86400 * S,
    ];
    let want = span / target.max(1) as i64;
    const DAY: i64 = 86400 * S;
    // Past the largest step, whole days: the bucket count stays near `target` for any span.
    STEPS
        .iter()
        .copied()
        .find(|&s| s >= want)
        .unwrap_or_else(|| (want / DAY + 1).saturating_mul(DAY))
}

/// Monday 00:00 UTC of the week holding `t`.
fn week_start(t: Micros) -> Micros {
    const DAY: i64 = 86400 * MICROS_PER_SEC;
    // 1970-01-01 was a Thursday: shift so weeks start on Monday.
    let days = t.div_euclid(DAY);
    (days - (days + 3).rem_euclid(7)) * DAY
}

/// Compute the cost report for `q` over every audit file of `ds`.
pub fn cost_report(ds: &Dataset, q: &CostQuery) -> CostReport {
    let af = AuditFiles::of(ds);
    let nfiles = af.files.len();
    let mut filters: Vec<(Keyer, Option<u32>, &str)> = q
        .filters
        .iter()
        .map(|(by, v)| (Keyer::new(*by, nfiles), None, v.as_str()))
        .collect();
    let mut keyer = Keyer::new(q.by, nfiles);

    // Pass 1: which requests are in, and their keys.
    let mut picked: Vec<(u32, u32)> = Vec::new(); // (req index, key)
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    'reqs: for (ri, r) in af.reqs.iter().enumerate() {
        let t = r.start();
        if let Some(s) = q.since {
            if t == NO_TIME || t < s {
                continue;
            }
        }
        if let Some(u) = q.until {
            if t == NO_TIME || t >= u {
                continue;
            }
        }
        for (k, want, v) in filters.iter_mut() {
            let got = k.key(&af, r);
            if want.is_none() {
                *want = k.find(v);
            }
            if *want != Some(got) {
                continue 'reqs;
            }
        }
        if t != NO_TIME {
            lo = lo.min(t);
            let end = if r.done != NO_TIME && r.flags & F_LONG_RUNNING == 0 {
                r.done
            } else {
                t
            };
            hi = hi.max(end);
        }
        picked.push((ri as u32, keyer.key(&af, r)));
    }
    let (start, end) = match (q.since, q.until) {
        (Some(s), Some(u)) => (s, u),
        (Some(s), None) => (s, if hi == i64::MIN { s } else { hi.max(s) }),
        (None, Some(u)) => (if lo == i64::MAX { u } else { lo.min(u) }, u),
        (None, None) if lo != i64::MAX => (lo, hi),
        _ => (NO_TIME, NO_TIME),
    };
    let window_us = if start == NO_TIME {
        0
    } else {
        (end - start).max(0)
    };

    // Where each LIST was served, decided per pattern over the whole dataset (not the window),
    // so a filter never changes the answer.
    let lm = attribute(&af, q.server_version.as_deref(), q.patterns);

    // Pass 2: accumulate per key.
    let mut accs: Vec<Acc> = Vec::new();
    accs.resize_with(keyer.names.len(), Acc::default);
    let mut in_slot: Vec<u32> = vec![u32::MAX; af.reqs.len()];
    for &(ri, k) in &picked {
        let r = &af.reqs[ri as usize];
        let i = ri as usize;
        accs[k as usize].add(r, af.data(r), lm.source[i], lm.annotated[i]);
        in_slot[ri as usize] = k;
    }
    for (fi, (_, d)) in af.files.iter().enumerate() {
        for p in &d.latency_parts {
            let Some(&ri) = af.slot[fi].get(p.req as usize) else {
                continue;
            };
            let k = in_slot[ri as usize];
            if k != u32::MAX && af.reqs[ri as usize].flags & F_LONG_RUNNING == 0 {
                *accs[k as usize]
                    .parts
                    .entry(d.str(p.key).to_string())
                    .or_default() += p.micros;
            }
        }
    }

    // Order keys by query time.
    let mut order: Vec<u32> = (0..accs.len() as u32).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&accs[a as usize], &accs[b as usize]);
        y.query_us
            .cmp(&x.query_us)
            .then(y.requests.cmp(&x.requests))
            .then_with(|| keyer.names[a as usize].cmp(&keyer.names[b as usize]))
    });
    let total_us: i64 = accs.iter().map(|a| a.query_us).sum();

    let series = series(&af, &picked, &order, q, start, window_us, &keyer.names);
    let weekly = weekly(&af, &picked, &order, q.series_top, &keyer.names);
    let examples = examples(&af, ds, &picked, q.examples, &lm.source);

    let mut long_running: Vec<(u64, i64, u32)> = accs
        .iter()
        .enumerate()
        .filter(|(_, a)| a.long_running > 0)
        .map(|(k, a)| (a.long_running, a.long_running_us, k as u32))
        .collect();
    long_running.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
    let long_running_keys: Vec<u32> = long_running
        .iter()
        .take(q.top.max(1))
        .map(|x| x.2)
        .collect();

    let mut all = Acc::default();
    let mut rows = Vec::new();
    let mut others: Option<Acc> = None;
    let mut long_rows = vec![None; long_running_keys.len()];
    let mut slots: Vec<Option<Acc>> = accs.into_iter().map(Some).collect();
    for (rank, &k) in order.iter().enumerate() {
        let a = slots[k as usize].take().unwrap_or_default();
        let name = keyer.names[k as usize].clone();
        if let Some(p) = long_running_keys.iter().position(|&x| x == k) {
            long_rows[p] = Some(
                Acc {
                    requests: a.requests,
                    long_running: a.long_running,
                    long_running_us: a.long_running_us,
                    ..Acc::default()
                }
                .row(name.clone(), total_us, window_us),
            );
        }
        let mut summary = Acc {
            lats: a.lats.clone(),
            parts: a.parts.clone(),
            apf: a.apf.clone(),
            ..Acc::default()
        };
        copy_counts(&mut summary, &a);
        all.absorb(summary);
        if rank < q.top {
            rows.push(a.row(name, total_us, window_us));
        } else {
            others.get_or_insert_with(Acc::default).absorb(a);
        }
    }
    let keys = keyer.names.len() as u64;
    let annotated = all.annotated;
    let all_row = all.row(String::new(), total_us, window_us);
    let missing = missing(&af, &all_row, annotated, &lm.model);
    CostReport {
        by: q.by,
        by_label: q.by.label().to_string(),
        filters: q.filters.clone(),
        window: Window {
            start,
            end,
            start_text: fmt_micros(start),
            end_text: fmt_micros(end),
            duration_us: window_us,
            duration_text: fmt_duration(window_us),
        },
        totals: Totals {
            requests: all_row.requests,
            timed: all_row.timed,
            untimed: all_row.untimed,
            query_time_us: all_row.query_time_us,
            query_time_text: all_row.query_time_text.clone(),
            mean_in_flight: all_row.mean_in_flight,
            errors_4xx: all_row.errors_4xx,
            errors_5xx: all_row.errors_5xx,
            throttled_429: all_row.throttled_429,
            lists: all_row.lists,
            lists_etcd: all_row.lists_etcd,
            lists_cache: all_row.lists_cache,
            lists_unknown: all_row.lists_unknown,
            annotated,
            long_running: all_row.long_running,
            long_running_us: all_row.long_running_us,
            keys,
        },
        rows,
        others: others.map(|o| o.row("others".into(), total_us, window_us)),
        long_running: long_rows.into_iter().flatten().collect(),
        latency_breakdown: all_row.latency_breakdown,
        apf: all_row.apf,
        series,
        weekly,
        examples,
        files: nfiles,
        list_model: lm.model,
        missing,
    }
}

/// What the logs cannot say, in words, for the view and the CLI to show beside the numbers.
fn missing(af: &AuditFiles<'_>, all: &CostRow, annotated: u64, lm: &ListModel) -> Vec<String> {
    let mut out = Vec::new();
    let no_uri = af.reqs.iter().filter(|r| r.flags & F_NO_URI != 0).count();
    if all.untimed > 0 {
        out.push(format!(
            "{} requests have no latency: their log has no request start time (GKE Cloud Logging entries carry one timestamp per request) or no final stage; they are counted but not in query time",
            all.untimed
        ));
    }
    if no_uri > 0 {
        out.push(format!(
            "{no_uri} requests have no requestURI (GKE Cloud Logging): resourceVersion, limit and selectors unknown, so their LISTs' source is unknown unless annotations tell"
        ));
    }
    if lm.version.is_none() && lm.undecided > 0 {
        out.push(format!(
            "apiserver version unknown (no control-plane user agent in the logs): {} LISTs have an unknown source; set the version",
            lm.undecided
        ));
    }
    if all.requests > 0 {
        out.push(format!(
            "latency breakdown: the apiserver annotates only requests slower than 500 ms ({annotated} of {} here), so it covers those only",
            all.requests
        ));
    }
    out
}

fn copy_counts(dst: &mut Acc, a: &Acc) {
    dst.requests = a.requests;
    dst.timed = a.timed;
    dst.untimed = a.untimed;
    dst.query_us = a.query_us;
    dst.e4 = a.e4;
    dst.e5 = a.e5;
    dst.e429 = a.e429;
    dst.lists = a.lists;
    dst.lists_etcd = a.lists_etcd;
    dst.lists_cache = a.lists_cache;
    dst.lists_unknown = a.lists_unknown;
    dst.annotated = a.annotated;
    dst.lists_sel = a.lists_sel;
    dst.lists_etcd_sel = a.lists_etcd_sel;
    dst.lists_etcd_us = a.lists_etcd_us;
    dst.long_running = a.long_running;
    dst.long_running_us = a.long_running_us;
}

/// Series index of each key: its rank among the top `n`, or `n` for "others".
fn series_slots(order: &[u32], n: usize) -> (Vec<usize>, usize) {
    let mut slot = vec![n; order.len()];
    for (rank, &k) in order.iter().enumerate().take(n) {
        slot[k as usize] = rank;
    }
    (slot, n.min(order.len()))
}

fn series(
    af: &AuditFiles<'_>,
    picked: &[(u32, u32)],
    order: &[u32],
    q: &CostQuery,
    start: Micros,
    window_us: i64,
    names: &[String],
) -> Series {
    let (slot, shown) = series_slots(order, q.series_top);
    let has_others = order.len() > shown;
    let mut keys: Vec<String> = order
        .iter()
        .take(shown)
        .map(|&k| names[k as usize].clone())
        .collect();
    let bucket = bucket_size(window_us, q.buckets);
    let n = if start == NO_TIME {
        0
    } else {
        (window_us / bucket + 1) as usize
    };
    let mut values = vec![vec![0.0f64; n]; shown + has_others as usize];
    for &(ri, k) in picked {
        let r = &af.reqs[ri as usize];
        let s = slot[k as usize].min(shown + has_others as usize - 1);
        if n == 0 || r.flags & F_LONG_RUNNING != 0 || !r.finished() {
            continue;
        }
        let Some(lat) = r.latency() else { continue };
        // Spread the request's time over the buckets it overlaps.
        let (a, b) = (r.received - start, r.received - start + lat);
        let mut t = a.max(0);
        while t < b {
            let bi = (t / bucket) as usize;
            if bi >= n {
                break;
            }
            let bucket_end = (bi as i64 + 1) * bucket;
            let piece = b.min(bucket_end) - t;
            values[s][bi] += piece as f64 / bucket as f64;
            t = bucket_end;
        }
    }
    if has_others {
        keys.push("others".into());
    }
    Series {
        bucket_us: bucket,
        bucket_text: fmt_duration(bucket),
        times: (0..n).map(|i| start + i as i64 * bucket).collect(),
        keys,
        values,
    }
}

fn weekly(
    af: &AuditFiles<'_>,
    picked: &[(u32, u32)],
    order: &[u32],
    top: usize,
    names: &[String],
) -> Weekly {
    let (slot, shown) = series_slots(order, top);
    let has_others = order.len() > shown;
    let mut per: BTreeMap<Micros, Vec<i64>> = BTreeMap::new();
    for &(ri, k) in picked {
        let r = &af.reqs[ri as usize];
        if r.flags & F_LONG_RUNNING != 0 || !r.finished() {
            continue;
        }
        let Some(lat) = r.latency() else { continue };
        let w = per
            .entry(week_start(r.received))
            .or_insert_with(|| vec![0; shown + has_others as usize]);
        w[slot[k as usize].min(shown + has_others as usize - 1)] += lat;
    }
    let weeks: Vec<Micros> = per.keys().copied().collect();
    let totals_us: Vec<i64> = per.values().map(|v| v.iter().sum()).collect();
    let mut rows: Vec<WeeklyRow> = order
        .iter()
        .take(shown)
        .map(|&k| WeeklyRow {
            key: names[k as usize].clone(),
            shares: Vec::new(),
        })
        .collect();
    if has_others {
        rows.push(WeeklyRow {
            key: "others".into(),
            shares: Vec::new(),
        });
    }
    for (wi, v) in per.values().enumerate() {
        for (ri, row) in rows.iter_mut().enumerate() {
            let t = totals_us[wi];
            row.shares
                .push(if t > 0 { v[ri] as f64 / t as f64 } else { 0.0 });
        }
    }
    Weekly {
        week_labels: weeks
            .iter()
            .map(|&w| fmt_micros(w)[..10].to_string())
            .collect(),
        weeks,
        totals_us,
        rows,
    }
}

fn examples(
    af: &AuditFiles<'_>,
    ds: &Dataset,
    picked: &[(u32, u32)],
    n: usize,
    sources: &[Option<ListSource>],
) -> Vec<RequestRow> {
    if n == 0 {
        return Vec::new();
    }
    // Long-running requests are open for minutes by design: list them after the slow ones.
    let mut v: Vec<(i64, u32)> = picked
        .iter()
        .map(|&(ri, _)| {
            let q = &af.reqs[ri as usize];
            let lat = q.latency().unwrap_or(-1);
            let lat = if q.flags & F_LONG_RUNNING != 0 {
                -2 - lat.max(0) / 1000
            } else {
                lat
            };
            (lat, ri)
        })
        .collect();
    let cmp = |a: &(i64, u32), b: &(i64, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if v.len() > n {
        v.select_nth_unstable_by(n - 1, cmp);
        v.truncate(n);
    }
    v.sort_by(cmp);
    v.into_iter()
        .map(|(_, ri)| {
            let src = sources.get(ri as usize).copied().flatten();
            request_row(af, ds, &af.reqs[ri as usize], src)
        })
        .collect()
}

/// Display form of one request.
pub(crate) fn request_row(
    af: &AuditFiles<'_>,
    ds: &Dataset,
    q: &Req,
    list_source: Option<ListSource>,
) -> RequestRow {
    let d = af.data(q);
    let r = &d.requests;
    let i = q.row as usize;
    let (lf, ld) = af.files[q.loc_file as usize];
    let li = q.loc_row as usize;
    let lat = q.latency().filter(|_| q.finished());
    let f = q.flags;
    let mut query = Vec::new();
    if r.verb.get(i).map(|&v| d.str(v)) == Some("list") {
        query.push(if f & F_NO_URI != 0 {
            "rv=unknown".to_string()
        } else if f & F_RV == 0 {
            "rv=unset".to_string()
        } else if f & F_RV_ZERO != 0 {
            "rv=0".to_string()
        } else {
            "rv=set".to_string()
        });
    }
    if f & F_RVM_EXACT != 0 {
        query.push("match=Exact".into());
    }
    if f & F_RVM_NOT_OLDER != 0 {
        query.push("match=NotOlderThan".into());
    }
    if f & F_LIMIT != 0 {
        query.push(format!("limit={}", r.limit[i]));
    }
    if f & F_CONTINUE != 0 {
        query.push("continue".into());
    }
    if f & F_LABEL_SELECTOR != 0 {
        query.push("labelSelector".into());
    }
    if f & F_FIELD_SELECTOR != 0 {
        query.push("fieldSelector".into());
    }
    if f & F_WATCH_PARAM != 0 {
        query.push("watch".into());
    }
    RequestRow {
        file: lf,
        file_name: ds
            .files
            .get(lf)
            .map(|x| x.meta.name.clone())
            .unwrap_or_default(),
        line: ld.requests.line[li] as u64,
        offset: ld.requests.offset[li],
        len: ld.requests.len[li] as u64,
        time: q.start(),
        time_text: fmt_micros(q.start()),
        user: d.str(r.user[i]).to_string(),
        impersonated: d.str(r.impersonated[i]).to_string(),
        user_agent: d.str(r.user_agent[i]).to_string(),
        source_ip: d.str(r.source_ip[i]).to_string(),
        verb: d.str(r.verb[i]).to_string(),
        resource: resource_key(d, i),
        namespace: d.str(r.namespace[i]).to_string(),
        name: d.str(r.name[i]).to_string(),
        code: q.code,
        latency_us: lat,
        latency_text: lat.map(fmt_duration).unwrap_or_else(|| "-".into()),
        long_running: f & F_LONG_RUNNING != 0,
        list_source: list_source
            .map(|s| s.label().to_string())
            .unwrap_or_default(),
        query: query.join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_and_weeks() {
        assert_eq!(bucket_size(3600 * MICROS_PER_SEC, 120), 30 * MICROS_PER_SEC);
        assert_eq!(bucket_size(0, 120), MICROS_PER_SEC);
        let ten_years = 3650 * 86400 * MICROS_PER_SEC;
        assert!(ten_years / bucket_size(ten_years, 120) <= 120);
        // 2021-03-17 was a Wednesday; its week starts Monday 2021-03-15.
        let t = crate::time::parse_rfc3339("2021-03-17T10:38:17Z").unwrap();
        assert_eq!(fmt_micros(week_start(t)), "2021-03-15T00:00:00.000000Z");
    }
}
