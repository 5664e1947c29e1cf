//! The sums of one key's requests while the report is read, and their turning into a
//! [`CostRow`] (percentiles, shares, the latency breakdown and APF rows).

use super::report::{ApfRow, CostRow, NamedMicros};
use crate::audit::store::*;
use crate::audit::version::ListSource;
use crate::audit::view::Req;
use crate::time::fmt_duration;
use std::collections::{BTreeMap, HashMap};

/// One key's counts, query time and latencies (or the sum of several keys': `others`, totals).
#[derive(Default)]
pub(super) struct Acc {
    pub(super) requests: u64,
    pub(super) timed: u64,
    pub(super) untimed: u64,
    pub(super) query_us: i64,
    pub(super) lats: Vec<i64>,
    pub(super) e4: u64,
    pub(super) e5: u64,
    pub(super) e429: u64,
    pub(super) lists: u64,
    pub(super) lists_etcd: u64,
    pub(super) lists_cache: u64,
    pub(super) lists_unknown: u64,
    pub(super) annotated: u64,
    pub(super) lists_sel: u64,
    pub(super) lists_etcd_sel: u64,
    pub(super) lists_etcd_us: i64,
    pub(super) long_running: u64,
    pub(super) long_running_us: i64,
    pub(super) parts: BTreeMap<String, i64>,
    pub(super) apf: HashMap<(String, String), (u64, i64)>,
}

impl Acc {
    pub(super) fn add(&mut self, q: &Req, d: &Data, list: Option<ListSource>, annotated: bool) {
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

    pub(super) fn absorb(&mut self, o: Acc) {
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

    pub(super) fn row(mut self, key: String, total_us: i64, window_us: i64) -> CostRow {
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

pub(super) fn copy_counts(dst: &mut Acc, a: &Acc) {
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
