//! Timeline query cost at scale: how long one zoom/pan answer takes over millions of events.
//!
//! `cargo run --release -p whodunnit-core --example bench_timeline -- [MILLIONS]`
//!
//! Events are real: the sonobuoy kubelet journals of the corpus (read in place; the bench says
//! so and exits without it), parsed once, then their
//! event rows repeated with a time shift until the dataset holds MILLIONS million events (10 by
//! default). Reported: milliseconds per query for the whole extent (the first paint) and for a
//! zoomed window (what every wheel step asks), next to the time of one plain pass summing the
//! timestamps (the floor any full scan pays), measured in the same run.

use std::time::Instant;
use whodunnit_core::timeline::{query, TimelineQuery};
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

fn main() {
    let millions: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10.0);
    let Some(dir) = whodunnit_testdata::corpus("kubelet/sonobuoy-systemd-logs") else {
        return; // the skip line naming WHODUNNIT_CORPUS is printed
    };
    let mut ds = Dataset::default();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for p in &files {
        let bytes = std::fs::read(p).unwrap();
        ds.add(parse_bytes(
            FileMeta {
                name: p.display().to_string(),
                ..FileMeta::default()
            },
            &bytes,
        ));
    }
    let unit: usize = ds.files.iter().map(|f| f.events.len()).sum();
    let target = (millions * 1e6) as usize;
    let copies = target.div_ceil(unit.max(1));
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
    let time = |f: &dyn Fn()| {
        let runs = 5;
        let t0 = Instant::now();
        for _ in 0..runs {
            f();
        }
        t0.elapsed().as_secs_f64() * 1e3 / runs as f64
    };
    let floor = time(&|| {
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
    let full = time(&|| {
        std::hint::black_box(query(&ds, &whole));
    });
    let (lo, hi) = query(&ds, &whole).extent.unwrap();
    let mid = lo + (hi - lo) / 2;
    let zoomed = TimelineQuery {
        from: Some(mid),
        to: Some(mid + 3_600_000_000),
        ..whole.clone()
    };
    let zoom = time(&|| {
        std::hint::black_box(query(&ds, &zoomed));
    });
    println!("timeline over {total} events ({copies} copies of {unit} real events):");
    println!("  plain pass over timestamps: {floor:.1} ms");
    println!(
        "  whole extent, 700 bins:     {full:.1} ms ({:.1}× the plain pass)",
        full / floor
    );
    println!(
        "  1-hour window:              {zoom:.1} ms ({:.1}× the plain pass)",
        zoom / floor
    );
}
