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
use std::collections::{BTreeMap, HashMap};

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
}

/// One bin of one lane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bin {
    pub i: u32,
    pub count: u32,
    pub severity: Severity,
    /// Index into [`TimelineAnswer::kinds`] of the most frequent kind in the bin.
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
    let text_match = |fi: usize, i: usize| -> bool {
        if text.is_empty() {
            return true;
        }
        let ev = &ds.files[fi].events;
        maps[fi].label_match[ev.label[i] as usize]
            || ev.kind_name(i).to_lowercase().contains(&text)
            || ev.lanes.get(ev.lane[i]).to_lowercase().contains(&text)
    };

    // Pass 1: extent, totals, untimed.
    let mut extent: Option<(Micros, Micros)> = None;
    let mut untimed = 0u64;
    for (fi, f) in ds.files.iter().enumerate() {
        let ev = &f.events;
        let m = &maps[fi];
        for i in 0..ev.len() {
            if !m.keep_kind[ev.kind[i] as usize]
                || !m.keep_lane[ev.lane[i] as usize]
                || !text_match(fi, i)
            {
                continue;
            }
            let t = ev.time[i];
            if t == NO_TIME {
                untimed += 1;
                continue;
            }
            extent = Some(extent.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            kinds[m.kind[ev.kind[i] as usize] as usize].total += 1;
            let lane = &mut lanes[m.lane[ev.lane[i] as usize] as usize];
            lane.total += 1;
            lane.worst = lane.worst.max(ev.severity(i));
        }
    }
    let Some((lo, hi)) = extent else {
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

    // Pass 2: bins, window counts, per-kind times (for periods), events when few.
    // Bins are accumulated per lane as (bin → (count, worst severity, kind counts)).
    type Acc = BTreeMap<u32, (u32, Severity, HashMap<u32, u32>)>;
    let mut acc: Vec<Acc> = vec![Acc::new(); lanes.len()];
    let mut kind_times: Vec<Vec<Micros>> = vec![Vec::new(); kinds.len()];
    let mut rows: Vec<EventRow> = Vec::new();
    let mut in_window = 0u64;
    for (fi, f) in ds.files.iter().enumerate() {
        let ev = &f.events;
        let m = &maps[fi];
        for i in 0..ev.len() {
            let t = ev.time[i];
            if t == NO_TIME
                || !m.keep_kind[ev.kind[i] as usize]
                || !m.keep_lane[ev.lane[i] as usize]
                || !text_match(fi, i)
            {
                continue;
            }
            overview[(((t - lo) / ov_width.max(1)) as usize).min(OVERVIEW_BINS - 1)] += 1;
            let k = m.kind[ev.kind[i] as usize];
            kind_times[k as usize].push(t);
            if t < from || t >= to {
                continue;
            }
            in_window += 1;
            let l = m.lane[ev.lane[i] as usize];
            let sev = ev.severity(i);
            kinds[k as usize].count += 1;
            lanes[l as usize].count += 1;
            let b = ((t - from) / bin_width.max(1)) as u32;
            let e = acc[l as usize]
                .entry(b)
                .or_insert((0, Severity::Debug, HashMap::new()));
            e.0 += 1;
            e.1 = e.1.max(sev);
            *e.2.entry(k).or_insert(0) += 1;
            if rows.len() as u64 <= q.max_events as u64 {
                rows.push(EventRow {
                    file: fi as u32,
                    file_name: f.meta.name.clone(),
                    time: t,
                    time_text: String::new(),
                    kind: k,
                    severity: sev,
                    lane: l,
                    label: ev.labels.get(ev.label[i]).to_string(),
                    line: ev.line[i],
                    offset: ev.offset[i],
                    len: ev.len[i],
                });
            }
        }
    }
    for (lane, a) in lanes.iter_mut().zip(acc) {
        lane.bins = a
            .into_iter()
            .map(|(i, (count, severity, kc))| {
                let kind = kc
                    .into_iter()
                    .max_by_key(|&(k, c)| (c, std::cmp::Reverse(k)))
                    .map(|(k, _)| k)
                    .unwrap_or(0);
                Bin {
                    i,
                    count,
                    severity,
                    kind,
                }
            })
            .collect();
    }
    for (k, times) in kinds.iter_mut().zip(kind_times.iter_mut()) {
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
    // Lanes in a stable, readable order: grouped by source, then by name.
    let mut order: Vec<usize> = (0..lanes.len()).collect();
    order.sort_by(|&a, &b| {
        (&lanes[a].group, &lanes[a].name).cmp(&(&lanes[b].group, &lanes[b].name))
    });
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
