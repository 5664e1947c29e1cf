//! The API cost model: who spends the apiserver's time, on what, and since when.
//!
//! Query time of a request = `ResponseComplete`/`Panic` stage time − `requestReceivedTimestamp`.
//! Long-running requests (watch, exec, attach, port-forward, proxy, log follow) hold connections
//! by design and are counted apart. Mean in-flight = query time / window: the average number of
//! requests of that group being served at any moment.
//!
//! [`cost_report`] reads the requests in two passes (which are in and their keys; then the sums
//! per key) and hands the parts of the report to its children: `query` is what the caller asks,
//! `report` what it gets back, `acc` the sums of one key, `series` the in-flight series and the
//! weekly table, `requests` single requests as rows (the examples, and `history`'s).

mod acc;
mod query;
mod report;
mod requests;
mod series;

pub use super::attribution::{ListModel, ListPattern};
pub use super::keys::{resource_key, GroupBy};
pub use query::CostQuery;
pub use report::{
    ApfRow, CostReport, CostRow, NamedMicros, RequestRow, Series, Totals, Weekly, WeeklyRow, Window,
};
pub(crate) use requests::request_row;
pub use series::bucket_size;

use super::attribution::attribute;
use super::keys::Keyer;
use super::store::*;
use super::view::AuditFiles;
use crate::dataset::Dataset;
use crate::time::{fmt_duration, fmt_micros, NO_TIME};
use acc::{copy_counts, Acc};
use requests::examples;
use series::{series, weekly};

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
