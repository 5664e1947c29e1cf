//! What every way of answering a timeline query shares: the filter as per-file lookup tables,
//! the window and its binning, the window-independent totals (one pass), event rows and the
//! lane order. The direct scan ([`super::query`]) and the [`super::pyramid::Pyramid`] both
//! build on these, so their answers cannot drift apart.

use super::{period, EventRow, KindStat, Lane, LaneOrder, TimelineQuery, OVERVIEW_BINS};
use super::{PERIOD_MAX_OCCURRENCES, SEVERITIES};
use crate::dataset::Dataset;
use crate::event::Severity;
use crate::time::{Micros, NO_TIME};
use std::collections::HashMap;

/// A local kind or lane the filters drop.
const SKIP: u32 = u32::MAX;

/// One file's filter as small lookup tables, so the per-event loop never touches a string.
struct FileTables {
    /// Local kind → global kind index, or [`SKIP`].
    kind: Vec<u32>,
    sev: Vec<u8>,
    /// Local lane → global lane index, or [`SKIP`].
    lane: Vec<u32>,
    /// Text filter: matched by kind name, by lane name, or by label (empty when no text).
    kind_text: Vec<bool>,
    lane_text: Vec<bool>,
    label_match: Vec<bool>,
}

/// The filter of a query resolved against a dataset: global kinds and lanes (counts zero,
/// in first-seen order) and per-file tables.
pub(super) struct Tables {
    pub kinds: Vec<KindStat>,
    pub lanes: Vec<Lane>,
    files: Vec<FileTables>,
    text: bool,
}

/// A filtered, timed event as the passes see it.
#[derive(Clone, Copy)]
pub(super) struct Hit {
    pub file: usize,
    pub index: usize,
    pub time: Micros,
    /// Global kind index.
    pub kind: u32,
    /// Global lane index.
    pub lane: u32,
    /// `Severity as u8`.
    pub sev: u8,
}

impl Tables {
    pub fn new(ds: &Dataset, q: &TimelineQuery) -> Tables {
        let text = q.text.to_lowercase();
        let mut kinds: Vec<KindStat> = Vec::new();
        let mut kind_ix: HashMap<String, u32> = HashMap::new();
        let mut lanes: Vec<Lane> = Vec::new();
        let mut lane_ix: HashMap<String, u32> = HashMap::new();
        let matches = |s: &str| text.is_empty() || s.to_lowercase().contains(&text);
        let files = ds
            .files
            .iter()
            .map(|f| {
                let ev = &f.events;
                let kind = ev
                    .kinds
                    .iter()
                    .map(|k| {
                        let g = *kind_ix.entry(k.name.clone()).or_insert_with(|| {
                            kinds.push(KindStat {
                                name: k.name.clone(),
                                severity: k.severity,
                                count: 0,
                                total: 0,
                                period: None,
                                period_micros: None,
                            });
                            (kinds.len() - 1) as u32
                        });
                        let keep = (q.kinds.is_empty() || q.kinds.contains(&k.name))
                            && q.min_severity.is_none_or(|s| k.severity >= s);
                        if keep {
                            g
                        } else {
                            SKIP
                        }
                    })
                    .collect();
                let lane = ev
                    .lanes
                    .strings
                    .iter()
                    .map(|l| {
                        let g = *lane_ix.entry(l.clone()).or_insert_with(|| {
                            let group = l.split('/').next().unwrap_or(l).to_string();
                            lanes.push(Lane {
                                name: l.clone(),
                                group,
                                count: 0,
                                total: 0,
                                worst: Severity::Debug,
                                bins: Vec::new(),
                            });
                            (lanes.len() - 1) as u32
                        });
                        if q.lanes.is_empty() || q.lanes.contains(l) {
                            g
                        } else {
                            SKIP
                        }
                    })
                    .collect();
                let label_match = if text.is_empty() {
                    Vec::new()
                } else {
                    ev.labels.strings.iter().map(|s| matches(s)).collect()
                };
                FileTables {
                    kind,
                    sev: ev.kinds.iter().map(|k| k.severity as u8).collect(),
                    lane,
                    kind_text: ev.kinds.iter().map(|k| matches(&k.name)).collect(),
                    lane_text: ev.lanes.strings.iter().map(|l| matches(l)).collect(),
                    label_match,
                }
            })
            .collect();
        Tables {
            kinds,
            lanes,
            files,
            text: !text.is_empty(),
        }
    }

    /// Every filtered event in file order, then storage order: timed ones go to `hit`, untimed
    /// ones are counted (returned).
    #[inline]
    pub fn scan(&self, ds: &Dataset, mut hit: impl FnMut(Hit)) -> u64 {
        let mut untimed = 0;
        for (fi, f) in ds.files.iter().enumerate() {
            let ev = &f.events;
            let fm = &self.files[fi];
            for i in 0..ev.len() {
                let (lk, ll) = (ev.kind[i] as usize, ev.lane[i] as usize);
                let (k, l) = (fm.kind[lk], fm.lane[ll]);
                if k == SKIP || l == SKIP {
                    continue;
                }
                if self.text
                    && !(fm.kind_text[lk]
                        || fm.lane_text[ll]
                        || fm.label_match[ev.label[i] as usize])
                {
                    continue;
                }
                let t = ev.time[i];
                if t == NO_TIME {
                    untimed += 1;
                    continue;
                }
                hit(Hit {
                    file: fi,
                    index: i,
                    time: t,
                    kind: k,
                    lane: l,
                    sev: fm.sev[lk],
                });
            }
        }
        untimed
    }
}

/// The axis: every timed event, filtered or not, so filtering never moves it.
pub(super) fn extent(ds: &Dataset) -> Option<(Micros, Micros)> {
    ds.files
        .iter()
        .filter_map(|f| f.events.time_range())
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)))
}

/// Equal-width bins from an origin: the exact `(t - origin) / width`, computed by multiplying
/// by a reciprocal (a 64-bit division per event costs more than the rest of a scan) and
/// correcting the rare off-by-one of the rounding.
#[derive(Clone, Copy)]
pub(super) struct Binning {
    pub origin: Micros,
    pub width: Micros,
    inv: f64,
}

impl Binning {
    pub fn new(origin: Micros, width: Micros) -> Binning {
        let width = width.max(1);
        Binning {
            origin,
            width,
            inv: 1.0 / width as f64,
        }
    }

    /// The bin of `t >= origin`.
    #[inline]
    pub fn index(&self, t: Micros) -> usize {
        let d = t - self.origin;
        let mut b = (d as f64 * self.inv) as i64;
        if b * self.width > d {
            b -= 1;
        } else if (b + 1) * self.width <= d {
            b += 1;
        }
        b as usize
    }
}

/// The window a query asks for over the extent `(lo, hi)`.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub from: Micros,
    /// Exclusive.
    pub to: Micros,
    pub bins: Binning,
    /// Bins across the window (the last may be partial).
    pub nb: usize,
}

impl Window {
    pub fn new(q: &TimelineQuery, (lo, hi): (Micros, Micros)) -> Window {
        let from = q.from.unwrap_or(lo);
        let to = q.to.unwrap_or(hi + 1).max(from + 1);
        let n = q.bins.clamp(1, 4000) as i64;
        let width = ((to - from) + n - 1) / n;
        Window {
            from,
            to,
            bins: Binning::new(from, width),
            nb: ((to - from) / width.max(1) + 1) as usize,
        }
    }

    #[inline]
    pub fn holds(&self, t: Micros) -> bool {
        t >= self.from && t < self.to
    }
}

/// What does not depend on the window: per kind and lane totals, the lanes' worst severity,
/// the overview strip, recurrence, untimed events.
pub(super) struct Totals {
    pub overview: Vec<u32>,
    ov: Binning,
    pub kind_total: Vec<u64>,
    pub lane_total: Vec<u64>,
    pub lane_worst: Vec<u8>,
    /// Per kind, its times while it is rare enough to be checked for recurrence.
    kind_times: Vec<Vec<Micros>>,
}

impl Totals {
    pub fn new(t: &Tables, (lo, hi): (Micros, Micros)) -> Totals {
        let ov_width = ((hi + 1 - lo) + OVERVIEW_BINS as i64 - 1) / OVERVIEW_BINS as i64;
        Totals {
            overview: vec![0; OVERVIEW_BINS],
            ov: Binning::new(lo, ov_width),
            kind_total: vec![0; t.kinds.len()],
            lane_total: vec![0; t.lanes.len()],
            lane_worst: vec![0; t.lanes.len()],
            kind_times: vec![Vec::new(); t.kinds.len()],
        }
    }

    #[inline]
    pub fn add(&mut self, h: &Hit) {
        let (k, l) = (h.kind as usize, h.lane as usize);
        self.kind_total[k] += 1;
        self.lane_total[l] += 1;
        self.lane_worst[l] = self.lane_worst[l].max(h.sev);
        self.overview[self.ov.index(h.time).min(OVERVIEW_BINS - 1)] += 1;
        // Recurrence is looked for in kinds that are events, not background noise: stop
        // collecting a kind's times once it is that common.
        let kt = &mut self.kind_times[k];
        if kt.len() as u64 <= PERIOD_MAX_OCCURRENCES {
            kt.push(h.time);
        }
    }

    /// Write totals, worst severities and periods into the tables' kinds and lanes; returns
    /// the overview strip.
    pub fn apply(mut self, t: &mut Tables) -> Vec<u32> {
        for (k, kind) in t.kinds.iter_mut().enumerate() {
            kind.total = self.kind_total[k];
            let times = &mut self.kind_times[k];
            if times.len() as u64 > PERIOD_MAX_OCCURRENCES {
                continue;
            }
            times.sort_unstable();
            if let Some(p) = period::detect(times) {
                kind.period = Some(format!("every {}", crate::time::fmt_duration(p)));
                kind.period_micros = Some(p);
            }
        }
        for (l, lane) in t.lanes.iter_mut().enumerate() {
            lane.total = self.lane_total[l];
            lane.worst = SEVERITIES[self.lane_worst[l] as usize];
        }
        self.overview
    }
}

/// The row of one event (its `time_text` is filled once the rows are final).
pub(super) fn event_row(ds: &Dataset, h: &Hit) -> EventRow {
    let f = &ds.files[h.file];
    let ev = &f.events;
    EventRow {
        file: h.file as u32,
        file_name: f.meta.name.clone(),
        time: h.time,
        time_text: String::new(),
        kind: h.kind,
        severity: SEVERITIES[h.sev as usize],
        lane: h.lane,
        label: ev.labels.get(ev.label[h.index]).to_string(),
        line: ev.line[h.index],
        offset: ev.offset[h.index],
        len: ev.len[h.index],
    }
}

/// Lanes in a stable, readable order: grouped by source (groups with the worst events first),
/// inside a group the lanes with the worst events first, then the busiest. Lanes with no timed
/// event (after filters) are left out. Returns the global indices of the lanes shown, in order.
pub(super) fn lane_order(lanes: &[Lane], order: LaneOrder) -> Vec<usize> {
    let mut group_worst: HashMap<&str, Severity> = HashMap::new();
    for l in lanes.iter().filter(|l| l.total > 0) {
        let w = group_worst
            .entry(l.group.as_str())
            .or_insert(Severity::Debug);
        *w = (*w).max(l.worst);
    }
    let mut group_total: HashMap<&str, u64> = HashMap::new();
    for l in lanes {
        *group_total.entry(l.group.as_str()).or_insert(0) += l.total;
    }
    // One sort key for every order: (group rank, group, lane rank, lane name).
    let key = |l: &Lane| {
        use std::cmp::Reverse;
        let (g, n) = (l.group.as_str(), l.total);
        match order {
            LaneOrder::Severity => (
                Reverse(group_worst[g] as u64),
                Reverse(0),
                l.group.clone(),
                Reverse(l.worst as u64),
                Reverse(n),
                l.name.clone(),
            ),
            LaneOrder::Busiest => (
                Reverse(0),
                Reverse(group_total[g]),
                l.group.clone(),
                Reverse(0),
                Reverse(n),
                l.name.clone(),
            ),
            LaneOrder::Name => (
                Reverse(0),
                Reverse(0),
                l.group.clone(),
                Reverse(0),
                Reverse(0),
                l.name.clone(),
            ),
        }
    };
    let mut shown: Vec<usize> = (0..lanes.len()).filter(|&i| lanes[i].total > 0).collect();
    shown.sort_by_cached_key(|&i| key(&lanes[i]));
    shown
}
