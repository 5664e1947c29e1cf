//! The timeline's level of detail, built once per filter so a zoom or pan step costs time
//! proportional to the bins drawn, not to the events.
//!
//! Per lane, the filtered timed events sorted by time (times, a packed worst-severity/kind word,
//! and the event's position), plus two summaries over fixed runs of that sorted array:
//!
//! - the worst event of every aligned run of `16 << k` events (a power-of-two pyramid, like
//!   Perfetto's mipmaps but over events rather than time, so a dense second and an empty hour
//!   cost the same), which answers "the worst event between two times" in `O(log n)`;
//! - the count of each kind before every [`KIND_BLOCK`]-th event, which answers "how many of
//!   each kind between two times" with two short scans.
//!
//! A query then binary-searches each lane for the window, walks the lane's non-empty bins (one
//! binary search each), and lists events only when the window holds few. Everything that does
//! not depend on the window (totals, overview, periods, lane order) is computed at build time
//! by the same code as [`super::query`], whose answers the pyramid reproduces exactly (a
//! property test compares them on real files and random windows).

use super::tables::{self, Hit, Tables, Totals, Window};
use super::{Bin, TimelineAnswer, TimelineQuery, SEVERITIES};
use crate::dataset::Dataset;
use crate::time::Micros;

/// Bits of the packed word that hold the kind; above them, severity + 1 (0 = no event).
const KIND_BITS: u32 = 28;
const KIND_MASK: u32 = (1 << KIND_BITS) - 1;
/// Events per run at the pyramid's finest level (shorter runs are scanned).
const RUN: usize = 16;
/// Events between two per-kind count checkpoints.
const KIND_BLOCK: usize = 1024;

/// The worse of two packed events, `b` being the later: on equal severity the later wins,
/// which is what the direct scan's "latest among the worst" means in time order.
#[inline]
fn later_worst(a: u32, b: u32) -> u32 {
    if b >> KIND_BITS >= a >> KIND_BITS {
        b
    } else {
        a
    }
}

/// The first index in `i + 1..i1` whose time is at least `end` (`i1` if none), given
/// `time[i] < end`: an exponential search from `i`, since a bin's events follow the last bin's,
/// so the probes stay near each other (a binary search over the whole lane misses the cache on
/// nearly every probe).
#[inline]
fn gallop(time: &[Micros], i: usize, i1: usize, end: Micros) -> usize {
    let (mut lo, mut step) = (i, 1);
    let hi = loop {
        let probe = lo + step;
        if probe >= i1 {
            break i1;
        }
        if time[probe] >= end {
            break probe;
        }
        lo = probe;
        step *= 2;
    };
    lo + 1 + time[lo + 1..hi].partition_point(|&t| t < end)
}

/// One lane's events, sorted by time (ties in file, then storage, order).
struct LaneIndex {
    /// Global lane index (into the tables' lanes; the answer shows lanes in build order).
    lane: u32,
    time: Vec<Micros>,
    /// The time of every [`RUN`]-th event: bin boundaries are searched here first (a compact
    /// array that stays in cache), then inside one run of `time`.
    run_first: Vec<Micros>,
    /// `(severity + 1) << KIND_BITS | global kind`.
    top: Vec<u32>,
    /// Position in the dataset: the file's first ordinal plus the index in the file.
    ord: Vec<u32>,
    /// `levels[k][r]`: the later-worst of events `r * (RUN << k) ..` (full runs only).
    levels: Vec<Vec<u32>>,
    /// Global kinds occurring in the lane.
    kinds: Vec<u32>,
    /// `kind_counts[c * kinds.len() + j]`: events of `kinds[j]` before event `c * KIND_BLOCK`.
    kind_counts: Vec<u32>,
}

impl LaneIndex {
    fn new(
        lane: u32,
        mut time: Vec<Micros>,
        mut top: Vec<u32>,
        mut ord: Vec<u32>,
        nkinds: usize,
    ) -> LaneIndex {
        // Files are mostly in time order and a lane mostly comes from one file: sort only
        // when needed, stably, so equal times keep file-then-position order.
        if !time.is_sorted() {
            let mut rows: Vec<(Micros, u32, u32)> =
                (0..time.len()).map(|i| (time[i], top[i], ord[i])).collect();
            rows.sort_by_key(|r| r.0);
            time = rows.iter().map(|r| r.0).collect();
            top = rows.iter().map(|r| r.1).collect();
            ord = rows.iter().map(|r| r.2).collect();
        }
        let mut levels: Vec<Vec<u32>> = vec![top
            .chunks_exact(RUN)
            .map(|c| c.iter().fold(0, |a, &b| later_worst(a, b)))
            .collect()];
        while levels[levels.len() - 1].len() >= 2 {
            let up = levels[levels.len() - 1]
                .chunks_exact(2)
                .map(|p| later_worst(p[0], p[1]))
                .collect();
            levels.push(up);
        }
        let mut local = vec![u32::MAX; nkinds];
        let mut kinds = Vec::new();
        for &w in &top {
            let k = (w & KIND_MASK) as usize;
            if local[k] == u32::MAX {
                local[k] = kinds.len() as u32;
                kinds.push(k as u32);
            }
        }
        let mut running = vec![0u32; kinds.len()];
        let mut kind_counts = Vec::with_capacity((top.len() / KIND_BLOCK + 1) * kinds.len());
        for (i, &w) in top.iter().enumerate() {
            if i % KIND_BLOCK == 0 {
                kind_counts.extend_from_slice(&running);
            }
            running[local[(w & KIND_MASK) as usize] as usize] += 1;
        }
        if top.len().is_multiple_of(KIND_BLOCK) {
            kind_counts.extend_from_slice(&running);
        }
        LaneIndex {
            lane,
            run_first: time.iter().step_by(RUN).copied().collect(),
            time,
            top,
            ord,
            levels,
            kinds,
            kind_counts,
        }
    }

    /// The first index in `i + 1..i1` whose time is at least `end` (`i1` if none), given
    /// `time[i] < end`: the run holding it, then the place inside the run.
    #[inline]
    fn next_at(&self, i: usize, i1: usize, end: Micros) -> usize {
        let r = gallop(&self.run_first, i / RUN, (i1 - 1) / RUN + 1, end);
        // Run `r - 1` starts before `end` and run `r` (if any) at or after it.
        let start = ((r - 1) * RUN).max(i + 1);
        let stop = (r * RUN).min(i1);
        start + self.time[start..stop].partition_point(|&t| t < end)
    }

    /// The later-worst packed event of `i..j` (non-empty), merged left to right.
    fn worst(&self, mut i: usize, j: usize) -> u32 {
        let mut acc = 0;
        while i < j {
            if i.is_multiple_of(RUN) && i + RUN <= j {
                // The largest run that starts at `i` (alignment) and fits before `j`.
                let r = i / RUN;
                let fit = usize::BITS - 1 - ((j - i) / RUN).leading_zeros();
                let k = (r.trailing_zeros().min(fit) as usize).min(self.levels.len() - 1);
                acc = later_worst(acc, self.levels[k][r >> k]);
                i += RUN << k;
            } else {
                acc = later_worst(acc, self.top[i]);
                i += 1;
            }
        }
        acc
    }

    /// Add `sign` × the per-kind counts of events `0..i` into `counts` (global kinds).
    fn add_kind_counts_before(&self, i: usize, sign: i64, counts: &mut [i64]) {
        let c = i / KIND_BLOCK;
        let n = self.kinds.len();
        for (j, &k) in self.kinds.iter().enumerate() {
            counts[k as usize] += sign * self.kind_counts[c * n + j] as i64;
        }
        for &w in &self.top[c * KIND_BLOCK..i] {
            counts[(w & KIND_MASK) as usize] += sign;
        }
    }
}

/// A timeline answered from per-lane sorted events and their summaries: build once per filter
/// (and dataset), then [`Pyramid::answer`] every window of that filter.
pub struct Pyramid {
    filter: TimelineQuery,
    /// Everything window-independent; lanes in display order, window counts zero.
    base: TimelineAnswer,
    /// Parallel to `base.lanes`.
    lanes: Vec<LaneIndex>,
    /// Global lane index → position in `base.lanes`.
    rank: Vec<u32>,
    /// First ordinal of each file.
    starts: Vec<u32>,
}

/// The part of a query that selects events (what a pyramid is built for).
fn filter_of(q: &TimelineQuery) -> TimelineQuery {
    TimelineQuery {
        from: None,
        to: None,
        bins: 0,
        max_events: 0,
        ..q.clone()
    }
}

impl Pyramid {
    /// Index the events `q`'s filters (kinds, severity, text, lanes, order) select.
    pub fn build(ds: &Dataset, q: &TimelineQuery) -> Pyramid {
        let filter = filter_of(q);
        let mut t = Tables::new(ds, q);
        let mut starts = Vec::with_capacity(ds.files.len());
        let mut n = 0u32;
        for f in &ds.files {
            starts.push(n);
            n += f.events.len() as u32;
        }
        let Some(extent) = tables::extent(ds) else {
            return Pyramid {
                filter,
                base: super::empty_answer(ds, t),
                lanes: Vec::new(),
                rank: Vec::new(),
                starts,
            };
        };
        let mut totals = Totals::new(&t, extent);
        // Lane sizes first, so the columns are allocated once.
        let mut sizes = vec![0usize; t.lanes.len()];
        t.scan(ds, |h| sizes[h.lane as usize] += 1);
        let mut cols: Vec<(Vec<Micros>, Vec<u32>, Vec<u32>)> = sizes
            .iter()
            .map(|&n| {
                (
                    Vec::with_capacity(n),
                    Vec::with_capacity(n),
                    Vec::with_capacity(n),
                )
            })
            .collect();
        let untimed = t.scan(ds, |h| {
            totals.add(&h);
            let c = &mut cols[h.lane as usize];
            c.0.push(h.time);
            c.1.push((h.sev as u32 + 1) << KIND_BITS | h.kind);
            c.2.push(starts[h.file] + h.index as u32);
        });
        let overview = totals.apply(&mut t);
        let order = tables::lane_order(&t.lanes, filter.order);
        let mut rank = vec![u32::MAX; t.lanes.len()];
        for (new, &old) in order.iter().enumerate() {
            rank[old] = new as u32;
        }
        let nkinds = t.kinds.len();
        let lanes = order
            .iter()
            .map(|&l| {
                let (time, top, ord) = std::mem::take(&mut cols[l]);
                LaneIndex::new(l as u32, time, top, ord, nkinds)
            })
            .collect();
        let base = TimelineAnswer {
            extent: Some(extent),
            overview,
            lanes: order.iter().map(|&i| t.lanes[i].clone()).collect(),
            kinds: t.kinds,
            untimed,
            ..TimelineAnswer::default()
        };
        Pyramid {
            filter,
            base,
            lanes,
            rank,
            starts,
        }
    }

    /// Was this pyramid built for `q`'s filters?
    pub fn serves(&self, q: &TimelineQuery) -> bool {
        filter_of(q) == self.filter
    }

    /// Bytes held (the worker reports it; about 16 per filtered event).
    pub fn heap_bytes(&self) -> usize {
        self.lanes
            .iter()
            .map(|l| {
                (l.time.capacity() + l.run_first.capacity()) * 8
                    + (l.top.capacity() + l.ord.capacity() + l.kind_counts.capacity()) * 4
                    + l.levels.iter().map(|v| v.capacity() * 4).sum::<usize>()
            })
            .sum()
    }

    /// The answer to `q` (built for its filters: see [`Pyramid::serves`]) over `ds`, the
    /// dataset it was built from; equal to [`super::query`]`(ds, q)`.
    pub fn answer(&self, ds: &Dataset, q: &TimelineQuery) -> TimelineAnswer {
        let mut a = self.base.clone();
        let Some(extent) = a.extent else {
            return a;
        };
        let w = Window::new(q, extent);
        a.window = Some((w.from, w.to));
        a.bin_width = w.bins.width;
        let mut kind_count = vec![0i64; a.kinds.len()];
        let mut spans = Vec::with_capacity(self.lanes.len());
        for (li, lane) in self.lanes.iter().zip(a.lanes.iter_mut()) {
            let i0 = li.time.partition_point(|&t| t < w.from);
            let i1 = i0 + li.time[i0..].partition_point(|&t| t < w.to);
            spans.push((i0, i1));
            lane.count = (i1 - i0) as u64;
            a.in_window += lane.count;
            if i0 == i1 {
                continue;
            }
            li.add_kind_counts_before(i1, 1, &mut kind_count);
            li.add_kind_counts_before(i0, -1, &mut kind_count);
            let mut i = i0;
            while i < i1 {
                let b = w.bins.index(li.time[i]);
                let end = w.from + (b as Micros + 1) * w.bins.width;
                let j = li.next_at(i, i1, end);
                let top = li.worst(i, j);
                lane.bins.push(Bin {
                    i: b as u32,
                    count: (j - i) as u32,
                    severity: SEVERITIES[((top >> KIND_BITS) - 1) as usize],
                    kind: top & KIND_MASK,
                });
                i = j;
            }
        }
        for (k, c) in a.kinds.iter_mut().zip(kind_count) {
            k.count = c as u64;
        }
        if a.in_window <= q.max_events as u64 {
            let mut rows = Vec::with_capacity(a.in_window as usize);
            for (li, &(i0, i1)) in self.lanes.iter().zip(&spans) {
                for i in i0..i1 {
                    let ord = li.ord[i];
                    let file = self.starts.partition_point(|&s| s <= ord) - 1;
                    let hit = Hit {
                        file,
                        index: (ord - self.starts[file]) as usize,
                        time: li.time[i],
                        kind: li.top[i] & KIND_MASK,
                        lane: li.lane,
                        sev: ((li.top[i] >> KIND_BITS) - 1) as u8,
                    };
                    rows.push((ord, tables::event_row(ds, &hit)));
                }
            }
            // The direct scan's order: by time, ties in file-then-position order.
            rows.sort_unstable_by_key(|(ord, r)| (r.time, *ord));
            let rows = rows.into_iter().map(|(_, r)| r).collect();
            a.events = Some(super::finish_rows(rows, &self.rank));
        }
        a
    }
}
