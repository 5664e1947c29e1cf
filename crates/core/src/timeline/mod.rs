//! The unified timeline: every event of every file on one axis, answered at the level of
//! detail the view can draw.
//!
//! Millions of events never cross to the UI: the answer is a fixed number of bins per lane
//! (count, worst severity, dominant kind) plus, once the window holds few enough events, the
//! events themselves. Lanes are named `group/lane` by producers (e.g. `ip-10-0-9-16/kubelet`);
//! the part before the first `/` groups lanes in the view.

pub mod period;

use crate::dataset::Dataset;
use crate::event::Severity;
use crate::time::{fmt_micros, Micros, NO_TIME};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What the timeline view asks.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineQuery {
    /// Window start (µs UTC); `None` = start of the data.
    pub from: Option<Micros>,
    /// Window end (exclusive); `None` = end of the data.
    pub to: Option<Micros>,
    /// Bins across the window (about one per 2 pixels).
    pub bins: u32,
    /// Only these kinds (empty = all).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only events at least this severe.
    #[serde(default)]
    pub min_severity: Option<Severity>,
    /// Case-insensitive substring of the label, kind or lane.
    #[serde(default)]
    pub text: String,
    /// Only lanes whose name is listed (empty = all).
    #[serde(default)]
    pub lanes: Vec<String>,
    /// Return individual events when the window holds at most this many.
    pub max_events: u32,
    /// How lanes (and their groups) are ordered.
    #[serde(default)]
    pub order: LaneOrder,
}

/// The order of groups and lanes in the view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneOrder {
    /// Groups and lanes with the worst events first, then the busiest (default: trouble on top).
    #[default]
    Severity,
    /// The busiest first.
    Busiest,
    /// Alphabetical.
    Name,
}

/// One bin of one lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    pub i: u32,
    pub count: u32,
    pub severity: Severity,
    /// Index into [`TimelineAnswer::kinds`] of the kind of the bin's worst event.
    pub kind: u32,
}

/// A lane: one source (node/component, user, file) with its binned events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub name: String,
    pub group: String,
    /// Events in the window (after filters).
    pub count: u64,
    /// Events in the lane overall (after filters, any time).
    pub total: u64,
    /// The worst severity in the lane overall: lanes with errors are listed first.
    pub worst: Severity,
    pub bins: Vec<Bin>,
}

/// An event kind present in the data, with its count in the window and its period if it recurs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindStat {
    pub name: String,
    pub severity: Severity,
    pub count: u64,
    pub total: u64,
    /// "every 2m0s" when occurrences are evenly spaced.
    pub period: Option<String>,
    pub period_micros: Option<i64>,
}

/// One event, sent only when the window holds few enough.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRow {
    pub file: u32,
    pub file_name: String,
    pub time: Micros,
    pub time_text: String,
    pub kind: u32,
    pub severity: Severity,
    pub lane: u32,
    pub label: String,
    pub line: u32,
    pub offset: u64,
    pub len: u32,
}

/// The timeline for a window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineAnswer {
    /// Extent of all timed events (after filters).
    pub extent: Option<(Micros, Micros)>,
    pub window: Option<(Micros, Micros)>,
    pub bin_width: Micros,
    /// Density over the whole extent (for the overview strip), `overview_bins` long.
    pub overview: Vec<u32>,
    pub lanes: Vec<Lane>,
    pub kinds: Vec<KindStat>,
    /// Events in the window when at most `max_events`, sorted by time.
    pub events: Option<Vec<EventRow>>,
    pub in_window: u64,
    /// Events without a timestamp (not drawn; counted so none is silently lost).
    pub untimed: u64,
}

/// Bins in the overview strip.
pub const OVERVIEW_BINS: usize = 400;

/// Kinds more frequent than this are not checked for recurrence (their times would be
/// collected and sorted on every query, and a kind that common is background, not a rhythm).
pub const PERIOD_MAX_OCCURRENCES: u64 = 10_000;

/// Answer a timeline query over every file's events.
pub fn query(ds: &Dataset, q: &TimelineQuery) -> TimelineAnswer {
    let text = q.text.to_lowercase();
    // Kind and lane tables are per file; map them to global indices once per file.
    let mut kinds: Vec<KindStat> = Vec::new();
    let mut kind_ix: HashMap<String, u32> = HashMap::new();
    let mut lanes: Vec<Lane> = Vec::new();
    let mut lane_ix: HashMap<String, u32> = HashMap::new();
    struct FileMaps {
        kind: Vec<u32>,
        lane: Vec<u32>,
        keep_kind: Vec<bool>,
        keep_lane: Vec<bool>,
        label_match: Vec<bool>,
    }
    let mut maps = Vec::with_capacity(ds.files.len());
    for f in &ds.files {
        let ev = &f.events;
        let kind: Vec<u32> = ev
            .kinds
            .iter()
            .map(|k| {
                *kind_ix.entry(k.name.clone()).or_insert_with(|| {
                    kinds.push(KindStat {
                        name: k.name.clone(),
                        severity: k.severity,
                        count: 0,
                        total: 0,
                        period: None,
                        period_micros: None,
                    });
                    (kinds.len() - 1) as u32
                })
            })
            .collect();
        let lane: Vec<u32> = ev
            .lanes
            .strings
            .iter()
            .map(|l| {
                *lane_ix.entry(l.clone()).or_insert_with(|| {
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
                })
            })
            .collect();
        let keep_kind = ev
            .kinds
            .iter()
            .map(|k| {
                (q.kinds.is_empty() || q.kinds.contains(&k.name))
                    && q.min_severity.is_none_or(|s| k.severity >= s)
            })
            .collect();
        let keep_lane = ev
            .lanes
            .strings
            .iter()
            .map(|l| q.lanes.is_empty() || q.lanes.contains(l))
            .collect();
        let label_match = if text.is_empty() {
            Vec::new()
        } else {
            ev.labels
                .strings
                .iter()
                .map(|s| s.to_lowercase().contains(&text))
                .collect()
        };
        maps.push(FileMaps {
            kind,
            lane,
            keep_kind,
            keep_lane,
            label_match,
        });
    }
    // Per file, everything the hot loop needs as small lookup tables, so it never touches a
    // string: does this local kind/lane/label pass the filters, and what is the kind's global
    // index and severity.
    const SKIP: u32 = u32::MAX;
    struct Fast {
        kind: Vec<u32>,
        sev: Vec<u8>,
        lane: Vec<u32>,
        /// Text filter: matched by kind name, by lane name, or by label.
        kind_text: Vec<bool>,
        lane_text: Vec<bool>,
    }
    let fast: Vec<Fast> = ds
        .files
        .iter()
        .zip(&maps)
        .map(|(f, m)| {
            let ev = &f.events;
            Fast {
                kind: (0..ev.kinds.len())
                    .map(|k| if m.keep_kind[k] { m.kind[k] } else { SKIP })
                    .collect(),
                sev: ev.kinds.iter().map(|k| k.severity as u8).collect(),
                lane: (0..ev.lanes.len())
                    .map(|l| if m.keep_lane[l] { m.lane[l] } else { SKIP })
                    .collect(),
                kind_text: ev
                    .kinds
                    .iter()
                    .map(|k| text.is_empty() || k.name.to_lowercase().contains(&text))
                    .collect(),
                lane_text: ev
                    .lanes
                    .strings
                    .iter()
                    .map(|l| text.is_empty() || l.to_lowercase().contains(&text))
                    .collect(),
            }
        })
        .collect();

    // The axis spans every timed event, filtered or not, so filtering never moves it.
    let extent = ds
        .files
        .iter()
        .filter_map(|f| f.events.time_range())
        .reduce(|(a, b), (c, d)| (a.min(c), b.max(d)));
    let Some((lo, hi)) = extent else {
        let untimed = ds.files.iter().map(|f| f.events.len() as u64).sum();
        return TimelineAnswer {
            untimed,
            kinds,
            ..TimelineAnswer::default()
        };
    };
    let from = q.from.unwrap_or(lo);
    let to = q.to.unwrap_or(hi + 1).max(from + 1);
    let nbins = q.bins.clamp(1, 4000) as i64;
    let bin_width = ((to - from) + nbins - 1) / nbins;
    let ov_width = ((hi + 1 - lo) + OVERVIEW_BINS as i64 - 1) / OVERVIEW_BINS as i64;
    let mut overview = vec![0u32; OVERVIEW_BINS];
    let mut untimed = 0u64;

    // One pass: totals, overview, bins, window counts, per-kind times (for periods), events
    // when few. It runs on every zoom and pan, so it does a few array writes per event.
    // Bins are dense per lane (count, worst severity, kind of the worst event) so the inner
    // loop does a few array writes per event: this pass runs on every zoom and pan.
    let nb = ((to - from) / bin_width.max(1) + 1) as usize;
    let bin_inv = 1.0 / bin_width.max(1) as f64;
    let ov_inv = 1.0 / ov_width.max(1) as f64;
    let mut counts = vec![0u32; lanes.len() * nb];
    let mut worst = vec![0u8; lanes.len() * nb];
    let mut worst_kind = vec![0u32; lanes.len() * nb];
    const SEVERITIES: [Severity; 5] = [
        Severity::Debug,
        Severity::Info,
        Severity::Warning,
        Severity::Error,
        Severity::Critical,
    ];
    let mut kind_times: Vec<Vec<Micros>> = vec![Vec::new(); kinds.len()];
    let mut kind_total = vec![0u64; kinds.len()];
    let mut kind_count = vec![0u64; kinds.len()];
    let mut lane_total = vec![0u64; lanes.len()];
    let mut lane_count = vec![0u64; lanes.len()];
    let mut lane_worst = vec![0u8; lanes.len()];
    let mut rows: Vec<EventRow> = Vec::new();
    let mut in_window = 0u64;
    for (fi, f) in ds.files.iter().enumerate() {
        let ev = &f.events;
        let (fm, m) = (&fast[fi], &maps[fi]);
        for i in 0..ev.len() {
            let (lk, ll) = (ev.kind[i] as usize, ev.lane[i] as usize);
            let (k, l) = (fm.kind[lk], fm.lane[ll]);
            if k == SKIP || l == SKIP {
                continue;
            }
            let text_ok = text.is_empty()
                || fm.kind_text[lk]
                || fm.lane_text[ll]
                || m.label_match[ev.label[i] as usize];
            if !text_ok {
                continue;
            }
            let t = ev.time[i];
            if t == NO_TIME {
                untimed += 1;
                continue;
            }
            let sev = fm.sev[lk];
            kind_total[k as usize] += 1;
            lane_total[l as usize] += 1;
            lane_worst[l as usize] = lane_worst[l as usize].max(sev);
            // Multiplying by a reciprocal: a 64-bit division per event costs more than the
            // rest of this loop.
            overview[(((t - lo) as f64 * ov_inv) as usize).min(OVERVIEW_BINS - 1)] += 1;
            // Recurrence is looked for in kinds that are events, not background noise: stop
            // collecting a kind's times once it is that common.
            let kt = &mut kind_times[k as usize];
            if kt.len() as u64 <= PERIOD_MAX_OCCURRENCES {
                kt.push(t);
            }
            if t < from || t >= to {
                continue;
            }
            in_window += 1;
            kind_count[k as usize] += 1;
            lane_count[l as usize] += 1;
            let cell = l as usize * nb + (((t - from) as f64 * bin_inv) as usize).min(nb - 1);
            counts[cell] += 1;
            // `>=`: among equally bad events the latest kind wins; a fresh cell (0) always
            // takes its first event's kind.
            if sev + 1 >= worst[cell] {
                worst[cell] = sev + 1;
                worst_kind[cell] = k;
            }
            if rows.len() as u64 <= q.max_events as u64 {
                rows.push(EventRow {
                    file: fi as u32,
                    file_name: f.meta.name.clone(),
                    time: t,
                    time_text: String::new(),
                    kind: k,
                    severity: SEVERITIES[sev as usize],
                    lane: l,
                    label: ev.labels.get(ev.label[i]).to_string(),
                    line: ev.line[i],
                    offset: ev.offset[i],
                    len: ev.len[i],
                });
            }
        }
    }
    for (k, kind) in kinds.iter_mut().enumerate() {
        kind.total = kind_total[k];
        kind.count = kind_count[k];
    }
    for (l, lane) in lanes.iter_mut().enumerate() {
        lane.total = lane_total[l];
        lane.count = lane_count[l];
        lane.worst = SEVERITIES[lane_worst[l] as usize];
    }
    for (l, lane) in lanes.iter_mut().enumerate() {
        lane.bins = (0..nb)
            .filter(|&b| counts[l * nb + b] > 0)
            .map(|b| Bin {
                i: b as u32,
                count: counts[l * nb + b],
                severity: SEVERITIES[(worst[l * nb + b] - 1) as usize],
                kind: worst_kind[l * nb + b],
            })
            .collect();
    }
    for (k, times) in kinds.iter_mut().zip(kind_times.iter_mut()) {
        if times.len() as u64 > PERIOD_MAX_OCCURRENCES {
            continue;
        }
        times.sort_unstable();
        if let Some(p) = period::detect(times) {
            k.period = Some(format!("every {}", crate::time::fmt_duration(p)));
            k.period_micros = Some(p);
        }
    }
    let events = (in_window <= q.max_events as u64).then(|| {
        rows.sort_by_key(|r| r.time);
        for r in &mut rows {
            r.time_text = fmt_micros(r.time);
        }
        rows
    });
    // Lanes in a stable, readable order: grouped by source (groups with the worst events
    // first), inside a group the lanes with the worst events first, then the busiest. Lanes
    // with no timed event (after filters) are left out; untimed events are counted apart.
    let mut group_worst: HashMap<&str, Severity> = HashMap::new();
    for l in lanes.iter().filter(|l| l.total > 0) {
        let w = group_worst
            .entry(l.group.as_str())
            .or_insert(Severity::Debug);
        *w = (*w).max(l.worst);
    }
    let mut group_total: HashMap<&str, u64> = HashMap::new();
    for l in &lanes {
        *group_total.entry(l.group.as_str()).or_insert(0) += l.total;
    }
    // One sort key for every order: (group rank, group, lane rank, lane name).
    let key = |l: &Lane| {
        use std::cmp::Reverse;
        let (g, n) = (l.group.as_str(), l.total);
        match q.order {
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
    let mut order: Vec<usize> = (0..lanes.len()).filter(|&i| lanes[i].total > 0).collect();
    order.sort_by_cached_key(|&i| key(&lanes[i]));
    let remap: HashMap<usize, u32> = order
        .iter()
        .enumerate()
        .map(|(new, &old)| (old, new as u32))
        .collect();
    let lanes_sorted: Vec<Lane> = order.iter().map(|&i| lanes[i].clone()).collect();
    let events = events.map(|mut rows| {
        for r in &mut rows {
            r.lane = remap[&(r.lane as usize)];
        }
        rows
    });
    TimelineAnswer {
        extent: Some((lo, hi)),
        window: Some((from, to)),
        bin_width,
        overview,
        lanes: lanes_sorted,
        kinds,
        events,
        in_window,
        untimed,
    }
}
