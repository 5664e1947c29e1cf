//! The unified timeline: every event of every file on one axis, answered at the level of
//! detail the view can draw.
//!
//! Millions of events never cross to the UI: the answer is a fixed number of bins per lane
//! (count, worst severity, dominant kind) plus, once the window holds few enough events, the
//! events themselves. Lanes are named `group/lane` by producers (e.g. `ip-10-0-9-16/kubelet`);
//! the part before the first `/` groups lanes in the view.

pub mod period;
mod pyramid;
mod tables;

pub use pyramid::Pyramid;

use crate::dataset::Dataset;
use crate::event::Severity;
use crate::time::{fmt_micros, Micros};
use serde::{Deserialize, Serialize};
use tables::{Tables, Totals, Window};

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

/// Severities by `Severity as u8`.
const SEVERITIES: [Severity; 5] = [
    Severity::Debug,
    Severity::Info,
    Severity::Warning,
    Severity::Error,
    Severity::Critical,
];

/// Answer a timeline query over every file's events by scanning them all: the reference
/// answer, and what a one-off query (the CLI) costs least with. The worker answers zoom and
/// pan steps from a [`Pyramid`] built once per filter instead, with identical results.
///
/// In a bin, the kind shown is that of its worst event; among equally bad events, the latest
/// (by time, then by file and position) wins.
pub fn query(ds: &Dataset, q: &TimelineQuery) -> TimelineAnswer {
    let mut t = Tables::new(ds, q);
    let Some((lo, hi)) = tables::extent(ds) else {
        return empty_answer(ds, t);
    };
    let w = Window::new(q, (lo, hi));
    let mut totals = Totals::new(&t, (lo, hi));
    // One pass: totals, overview, bins, window counts, per-kind times (for periods), events
    // when few. Bins are dense per lane (count, worst severity, kind and time of the worst
    // event) so the loop does a few array writes per event.
    let nb = w.nb;
    let cells = t.lanes.len() * nb;
    let mut counts = vec![0u32; cells];
    let mut worst = vec![0u8; cells];
    let mut worst_kind = vec![0u32; cells];
    let mut worst_time = vec![0 as Micros; cells];
    let mut kind_count = vec![0u64; t.kinds.len()];
    let mut lane_count = vec![0u64; t.lanes.len()];
    let mut rows: Vec<EventRow> = Vec::new();
    let mut in_window = 0u64;
    let untimed = t.scan(ds, |h| {
        totals.add(&h);
        if !w.holds(h.time) {
            return;
        }
        in_window += 1;
        kind_count[h.kind as usize] += 1;
        lane_count[h.lane as usize] += 1;
        let cell = h.lane as usize * nb + w.bins.index(h.time);
        counts[cell] += 1;
        // A fresh cell (0) always takes its first event; `>=` on time: events come in file
        // order, so among equal times the later file and position wins.
        let s = h.sev + 1;
        if s > worst[cell] || (s == worst[cell] && h.time >= worst_time[cell]) {
            worst[cell] = s;
            worst_kind[cell] = h.kind;
            worst_time[cell] = h.time;
        }
        if rows.len() as u64 <= q.max_events as u64 {
            rows.push(tables::event_row(ds, &h));
        }
    });
    let overview = totals.apply(&mut t);
    for (k, kind) in t.kinds.iter_mut().enumerate() {
        kind.count = kind_count[k];
    }
    for (l, lane) in t.lanes.iter_mut().enumerate() {
        lane.count = lane_count[l];
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
    let events = (in_window <= q.max_events as u64).then(|| {
        rows.sort_by_key(|r| r.time);
        rows
    });
    let order = tables::lane_order(&t.lanes, q.order);
    let mut rank = vec![u32::MAX; t.lanes.len()];
    for (new, &old) in order.iter().enumerate() {
        rank[old] = new as u32;
    }
    let lanes = order.iter().map(|&i| t.lanes[i].clone()).collect();
    TimelineAnswer {
        extent: Some((lo, hi)),
        window: Some((w.from, w.to)),
        bin_width: w.bins.width,
        overview,
        lanes,
        kinds: t.kinds,
        events: events.map(|rows| finish_rows(rows, &rank)),
        in_window,
        untimed,
    }
}

/// The answer when no event has a time.
fn empty_answer(ds: &Dataset, t: Tables) -> TimelineAnswer {
    TimelineAnswer {
        untimed: ds.files.iter().map(|f| f.events.len() as u64).sum(),
        kinds: t.kinds,
        ..TimelineAnswer::default()
    }
}

/// Rows sorted by time, with their lanes renumbered to the shown order and their times as text.
fn finish_rows(mut rows: Vec<EventRow>, rank: &[u32]) -> Vec<EventRow> {
    for r in &mut rows {
        r.lane = rank[r.lane as usize];
        r.time_text = fmt_micros(r.time);
    }
    rows
}
