//! The level-of-detail pyramid answers every window exactly as the direct scan does: on real
//! corpus files (journals, klog, an audit log, etcd, containerd, an untimed goroutine dump),
//! random filters and random windows.

use proptest::prelude::*;
use std::sync::OnceLock;
use whodunnit_core::timeline::{query, LaneOrder, Pyramid, TimelineAnswer, TimelineQuery};
use whodunnit_core::{parse_bytes, Dataset, FileMeta, Severity};

const FILES: &[&str] = &[
    "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.9-ip-10-0-26-239.journal.jsonl",
    "kubelet/windows-kubelet-klogfile-v1.17.log",
    "live-controlplane/audit.log.gz",
    "live-controlplane/etcd.log.gz",
    "live-controlplane/kube-apiserver.log.gz",
    "live-containerd/containerd.log",
    "goroutines/combinestacks_oom-panic-113-other-threads.txt",
];

/// The corpus files parsed once, with the kind and lane names and the event times they hold;
/// `None` without the corpus.
struct Data {
    ds: Dataset,
    kinds: Vec<String>,
    lanes: Vec<String>,
    times: Vec<i64>,
}

fn data() -> Option<&'static Data> {
    static DATA: OnceLock<Option<Data>> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut ds = Dataset::default();
        for rel in FILES {
            let p = whodunnit_testdata::corpus(rel)?;
            let meta = FileMeta {
                name: rel.to_string(),
                ..FileMeta::default()
            };
            ds.add(parse_bytes(meta, &std::fs::read(p).unwrap()));
        }
        let all = query(&ds, &TimelineQuery::default());
        let kinds = all.kinds.iter().map(|k| k.name.clone()).collect();
        let lanes = all.lanes.iter().map(|l| l.name.clone()).collect();
        let mut times: Vec<i64> = ds
            .files
            .iter()
            .flat_map(|f| f.events.time.iter().copied())
            .filter(|&t| t != whodunnit_core::time::NO_TIME)
            .collect();
        times.sort_unstable();
        Some(Data {
            ds,
            kinds,
            lanes,
            times,
        })
    })
    .as_ref()
}

/// Direct and pyramid answers must be equal; on a mismatch, say where first.
fn same(direct: &TimelineAnswer, pyramid: &TimelineAnswer) -> Result<(), TestCaseError> {
    prop_assert_eq!(&direct.window, &pyramid.window);
    prop_assert_eq!(direct.in_window, pyramid.in_window);
    prop_assert_eq!(&direct.kinds, &pyramid.kinds);
    prop_assert_eq!(direct.lanes.len(), pyramid.lanes.len());
    for (d, p) in direct.lanes.iter().zip(&pyramid.lanes) {
        prop_assert_eq!(d, p);
    }
    prop_assert_eq!(&direct.events, &pyramid.events);
    prop_assert_eq!(direct, pyramid);
    Ok(())
}

#[test]
fn the_whole_extent_and_every_bin_count_match_on_the_corpus() {
    let Some(Data { ds, .. }) = data() else {
        return;
    };
    let q = TimelineQuery {
        bins: 700,
        max_events: 4000,
        ..TimelineQuery::default()
    };
    let direct = query(ds, &q);
    assert!(direct.in_window > 50_000, "{}", direct.in_window);
    assert!(direct.untimed > 0, "the goroutine dump is untimed");
    let p = Pyramid::build(ds, &q);
    assert!(p.serves(&q));
    same(&direct, &p.answer(ds, &q)).unwrap();
}

fn severity() -> impl Strategy<Value = Option<Severity>> {
    prop_oneof![
        3 => Just(None),
        1 => Just(Some(Severity::Info)),
        1 => Just(Some(Severity::Warning)),
        1 => Just(Some(Severity::Error)),
    ]
}

fn order() -> impl Strategy<Value = LaneOrder> {
    prop_oneof![
        Just(LaneOrder::Severity),
        Just(LaneOrder::Busiest),
        Just(LaneOrder::Name)
    ]
}

/// A window around a random event: the event, where in the window it lies (a fraction), the
/// window's length (µs, 2^0 to 2^48), its bins and the event cap.
fn window() -> impl Strategy<Value = (prop::sample::Index, f64, f64, u32, u32)> {
    (
        any::<prop::sample::Index>(),
        -0.1f64..1.1,
        0f64..48.0,
        prop_oneof![1u32..10, 10u32..800, Just(4000u32), Just(5000u32)],
        prop_oneof![Just(0u32), 1u32..50, Just(4000u32), Just(1_000_000u32)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn pyramid_answers_equal_direct_answers(
        kind_picks in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        lane_picks in prop::collection::vec(any::<prop::sample::Index>(), 0..3),
        min_severity in severity(),
        text in prop_oneof![4 => Just(""), 1 => Just("pleg"), 1 => Just("ERROR"),
            1 => Just("ip-10-0-9-206"), 1 => Just("get"), 1 => Just("no such text")],
        order in order(),
        windows in prop::collection::vec(window(), 1..6),
    ) {
        let Some(Data { ds, kinds, lanes, times }) = data() else { return Ok(()) };
        let filter = TimelineQuery {
            kinds: kind_picks.iter().map(|i| i.get(kinds).clone()).collect(),
            lanes: lane_picks.iter().map(|i| i.get(lanes).clone()).collect(),
            min_severity,
            text: text.to_string(),
            order,
            ..TimelineQuery::default()
        };
        let p = Pyramid::build(ds, &filter);
        for (at, place, log_len, bins, max_events) in windows {
            let len = 2f64.powf(log_len) as i64;
            let from = at.get(times) - (place * len as f64) as i64;
            let q = TimelineQuery {
                from: Some(from),
                to: Some(from + len),
                bins,
                max_events,
                ..filter.clone()
            };
            prop_assert!(p.serves(&q));
            same(&query(ds, &q), &p.answer(ds, &q))?;
        }
        let other = TimelineQuery { text: "something else".into(), ..filter.clone() };
        prop_assert!(!p.serves(&other));
    }
}
