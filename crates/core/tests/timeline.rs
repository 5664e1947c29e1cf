//! The unified timeline over real node logs and a goroutine dump (corpus files, read in place;
//! skipped without the corpus).

use whodunnit_core::timeline::{query, TimelineQuery};
use whodunnit_core::{parse_bytes, Dataset, FileMeta, Severity};

/// The corpus files `rel` (comma-separated), parsed; skips the calling test without the corpus.
macro_rules! fixture {
    ($rel:expr) => {{
        let mut ds = Dataset::default();
        for r in $rel.split(',') {
            let bytes = whodunnit_testdata::corpus_bytes_or_skip!(r);
            ds.add(parse_bytes(
                FileMeta {
                    name: r.into(),
                    ..FileMeta::default()
                },
                &bytes,
            ));
        }
        ds
    }};
}

const FILES: &str = "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl,\
kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-26-239.journal.jsonl,\
goroutines/combinestacks_write-stacks-2.txt";

#[test]
fn every_event_is_binned_once_and_untimed_ones_are_counted() {
    let ds = fixture!(FILES);
    let a = query(
        &ds,
        &TimelineQuery {
            bins: 500,
            max_events: 0,
            ..TimelineQuery::default()
        },
    );
    let all: u64 = ds.files.iter().map(|f| f.events.len() as u64).sum();
    let binned: u64 = a
        .lanes
        .iter()
        .flat_map(|l| l.bins.iter())
        .map(|b| b.count as u64)
        .sum();
    assert_eq!(binned + a.untimed, all);
    assert_eq!(a.in_window, binned);
    assert_eq!(a.overview.iter().map(|&c| c as u64).sum::<u64>(), binned);
    // The dump has no date: its events are untimed, and it has no lane.
    assert!(a.untimed >= 1);
    assert!(a
        .lanes
        .iter()
        .all(|l| l.total > 0 && !l.name.contains("combinestacks")));
}

#[test]
fn lanes_with_the_worst_events_come_first_and_filters_drop_empty_lanes() {
    let ds = fixture!(FILES);
    let a = query(
        &ds,
        &TimelineQuery {
            bins: 100,
            max_events: 100,
            ..TimelineQuery::default()
        },
    );
    let first = &a.lanes[0];
    assert!(
        a.lanes.iter().all(|l| l.worst <= first.worst),
        "{} first",
        first.name
    );
    assert!(first.worst >= Severity::Error);
    let pleg = query(
        &ds,
        &TimelineQuery {
            bins: 100,
            max_events: 100,
            kinds: vec!["pleg_unhealthy".into()],
            ..TimelineQuery::default()
        },
    );
    assert!(!pleg.lanes.is_empty());
    assert!(
        pleg.lanes.iter().all(|l| l.name.ends_with("/kubelet")),
        "{:?}",
        pleg.lanes.iter().map(|l| &l.name).collect::<Vec<_>>()
    );
    let events = pleg.events.expect("few PLEG events are listed");
    assert!(events
        .iter()
        .all(|e| pleg.kinds[e.kind as usize].name == "pleg_unhealthy"));
    assert!(events.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn a_zoomed_window_holds_only_its_events() {
    let ds = fixture!(FILES);
    let whole = query(
        &ds,
        &TimelineQuery {
            bins: 10,
            max_events: 0,
            ..TimelineQuery::default()
        },
    );
    let (lo, hi) = whole.extent.unwrap();
    let mid = lo + (hi - lo) / 2;
    let z = query(
        &ds,
        &TimelineQuery {
            from: Some(mid),
            to: Some(mid + 60_000_000),
            bins: 60,
            max_events: 10_000,
            ..TimelineQuery::default()
        },
    );
    let events = z.events.unwrap();
    assert_eq!(events.len() as u64, z.in_window);
    assert!(events
        .iter()
        .all(|e| e.time >= mid && e.time < mid + 60_000_000));
    assert!(z.lanes.iter().flat_map(|l| l.bins.iter()).all(|b| b.i < 60));
}

#[test]
fn the_text_filter_matches_label_kind_or_lane_case_insensitively() {
    let ds = fixture!(FILES);
    let a = query(
        &ds,
        &TimelineQuery {
            bins: 50,
            max_events: 10_000,
            text: "PLEG".into(),
            ..TimelineQuery::default()
        },
    );
    let events = a.events.expect("few events match");
    assert!(!events.is_empty());
    for e in &events {
        let hay = format!(
            "{} {} {}",
            e.label, a.kinds[e.kind as usize].name, a.lanes[e.lane as usize].name
        )
        .to_lowercase();
        assert!(hay.contains("pleg"), "{hay}");
    }
    let lanes = query(
        &ds,
        &TimelineQuery {
            bins: 50,
            max_events: 0,
            text: "ip-10-0-26-239/kubelet".into(),
            ..TimelineQuery::default()
        },
    );
    assert_eq!(lanes.lanes.len(), 1, "a lane name selects that lane");
}
