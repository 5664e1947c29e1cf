//! The timeline bench's workload and measurements, shared by the native bench
//! (`bench_timeline`) and the one Chromium runs (`bench_timeline_wasm`), so both figures come
//! from the same events and the same queries.
//!
//! Events are real: the sonobuoy kubelet journals of the shared corpus, parsed once, then their
//! event rows repeated with a time shift until the dataset holds the asked number of events.
//! Measured: milliseconds per answer for the whole extent (the first paint), a zoomed hour
//! (what every wheel step asks) and a pan across it, answered by the direct scan
//! (`timeline::query`) and by the level-of-detail pyramid (`timeline::Pyramid`, what the
//! worker answers from), the pyramid's build time (once per filter) and size, and one plain
//! pass summing the timestamps (the floor any full scan pays). Every pyramid answer is checked
//! equal to the direct one.

use whodunnit_core::time::NO_TIME;
use whodunnit_core::timeline::{query, Pyramid, TimelineQuery};
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

/// The dataset: `files` (name, bytes) parsed, then grown to at least `millions` million events.
pub fn dataset(files: Vec<(String, Vec<u8>)>, millions: f64) -> (Dataset, String) {
    let mut ds = Dataset::default();
    for (name, bytes) in files {
        let meta = FileMeta {
            name,
            ..FileMeta::default()
        };
        ds.add(parse_bytes(meta, &bytes));
    }
    let unit: usize = ds.files.iter().map(|f| f.events.len()).sum();
    let copies = ((millions * 1e6) as usize).div_ceil(unit.max(1));
    // Grow each file's store in place: the same rows shifted by a day per copy.
    for f in &mut ds.files {
        let ev = &mut f.events;
        let n = ev.len();
        for c in 1..copies {
            let shift = c as i64 * 86_400_000_000;
            for i in 0..n {
                ev.time.push(ev.time[i].saturating_add(shift));
                ev.kind.push(ev.kind[i]);
                ev.lane.push(ev.lane[i]);
                ev.label.push(ev.label[i]);
                ev.line.push(ev.line[i]);
                ev.offset.push(ev.offset[i]);
                ev.len.push(ev.len[i]);
            }
        }
    }
    let total: usize = ds.files.iter().map(|f| f.events.len()).sum();
    let what = format!("{total} events ({copies} copies of {unit} real events)");
    (ds, what)
}

/// A clock: milliseconds of wall time, and of this thread's CPU time if the platform says.
pub struct Clock {
    pub wall: fn() -> f64,
    pub cpu: Option<fn() -> f64>,
}

/// Run the measurements and return the report.
pub fn run(ds: &Dataset, what: &str, clock: &Clock) -> String {
    // Milliseconds per call: the median of 7 samples of `reps` calls each, wall and CPU.
    let time = |reps: usize, f: &dyn Fn()| {
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for _ in 0..7 {
            let (w0, c0) = ((clock.wall)(), clock.cpu.map(|c| c()));
            for _ in 0..reps {
                f();
            }
            wall.push(((clock.wall)() - w0) / reps as f64);
            cpu.push(
                clock
                    .cpu
                    .map_or(f64::NAN, |c| (c() - c0.unwrap()) / reps as f64),
            );
        }
        (median(wall), median(cpu))
    };
    let floor = time(1, &|| {
        let s: i64 = ds
            .files
            .iter()
            .flat_map(|f| f.events.time.iter())
            .fold(0i64, |a, &t| a.wrapping_add(t));
        std::hint::black_box(s);
    });
    let whole = TimelineQuery {
        bins: 700,
        max_events: 4000,
        ..TimelineQuery::default()
    };
    let (w0, c0) = ((clock.wall)(), clock.cpu.map(|c| c()));
    let pyramid = Pyramid::build(ds, &whole);
    let build = (
        (clock.wall)() - w0,
        clock.cpu.map_or(f64::NAN, |c| c() - c0.unwrap()),
    );
    // The hour around the median event: the middle of the extent may fall between copies.
    let mut times: Vec<i64> = ds
        .files
        .iter()
        .flat_map(|f| f.events.time.iter().copied())
        .filter(|&t| t != NO_TIME)
        .collect();
    let half = times.len() / 2;
    let mid = *times.select_nth_unstable(half).1 - 1_800_000_000;
    drop(times);
    let zoomed = TimelineQuery {
        from: Some(mid),
        to: Some(mid + 3_600_000_000),
        ..whole.clone()
    };
    // A pan: the hour stepped by a tenth, ten times (what a drag asks).
    let pans: Vec<TimelineQuery> = (0..10)
        .map(|i| TimelineQuery {
            from: Some(mid + i * 360_000_000),
            to: Some(mid + i * 360_000_000 + 3_600_000_000),
            ..whole.clone()
        })
        .collect();
    for q in std::iter::once(&whole).chain([&zoomed]).chain(&pans) {
        assert_eq!(query(ds, q), pyramid.answer(ds, q), "pyramid != direct");
    }
    let drawn = |q: &TimelineQuery| {
        let a = pyramid.answer(ds, q);
        let bins: usize = a.lanes.iter().map(|l| l.bins.len()).sum();
        let listed = a.events.map_or(0, |e| e.len());
        format!(
            "{} lanes, {bins} bins, {listed} events listed",
            a.lanes.len()
        )
    };
    let direct_full = time(1, &|| {
        std::hint::black_box(query(ds, &whole));
    });
    let direct_zoom = time(1, &|| {
        std::hint::black_box(query(ds, &zoomed));
    });
    let pyr_full = time(3, &|| {
        std::hint::black_box(pyramid.answer(ds, &whole));
    });
    let pyr_zoom = time(100, &|| {
        std::hint::black_box(pyramid.answer(ds, &zoomed));
    });
    let pyr_pan = time(10, &|| {
        for q in &pans {
            std::hint::black_box(pyramid.answer(ds, q));
        }
    });
    let pyr_pan = (pyr_pan.0 / pans.len() as f64, pyr_pan.1 / pans.len() as f64);
    let ms = |(w, c): (f64, f64)| {
        if c.is_nan() {
            format!("{w:.2} ms")
        } else {
            format!("{w:.2} ms (CPU {c:.2})")
        }
    };
    let mut out = format!("timeline over {what}, medians of 7:\n");
    out += &format!("  plain pass over timestamps: {}\n", ms(floor));
    out += &format!(
        "  pyramid build (once per filter): {}, {:.0} MB ({:.1} bytes/event)\n",
        ms(build),
        pyramid.heap_bytes() as f64 / 1e6,
        pyramid.heap_bytes() as f64 / ds.files.iter().map(|f| f.events.len()).sum::<usize>() as f64
    );
    for (name, q, d, p) in [
        ("whole extent, 700 bins", &whole, direct_full, pyr_full),
        ("1-hour window, 700 bins", &zoomed, direct_zoom, pyr_zoom),
    ] {
        out += &format!("  {name} ({}):\n", drawn(q));
        out += &format!(
            "    direct scan {}, pyramid {}: {:.0}× faster\n",
            ms(d),
            ms(p),
            d.0 / p.0
        );
    }
    out += &format!(
        "  pan step of the 1-hour window, pyramid: {}\n",
        ms(pyr_pan)
    );
    out
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
