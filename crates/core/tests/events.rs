//! Kubernetes Events (tests/fixtures/events, provenance in SOURCES.md): the same nine real
//! Events as `kubectl get events -o json`, `-o yaml`, the text table and `-o wide` give the same
//! records, kinds, lanes and times; every line is accounted for; chunking does not matter.

use whodunnit_core::format::FormatData;
use whodunnit_core::kube_events::{Data, EventRow};
use whodunnit_core::time::{fmt_micros, parse_rfc3339};
use whodunnit_core::{parse_bytes, FileIngest, FileMeta, Format, ParsedFile};
use whodunnit_testdata::fixture;

/// 2020-11-27T12:04:08Z: when the tables' ages were counted from (SOURCES.md).
fn mtime_ms() -> i64 {
    parse_rfc3339("2020-11-27T12:04:08Z").unwrap() / 1000
}

fn read(name: &str) -> (Vec<u8>, ParsedFile) {
    let bytes = std::fs::read(fixture(&format!("events/{name}"))).unwrap();
    let f = parse_bytes(
        FileMeta {
            name: name.into(),
            size: Some(bytes.len() as u64),
            last_modified_ms: Some(mtime_ms()),
        },
        &bytes,
    );
    (bytes, f)
}

fn data(f: &ParsedFile) -> &Data {
    match &f.data {
        FormatData::KubeEvents(d) => d,
        other => panic!(
            "{}: not events: {:?} {}",
            f.meta.name,
            f.format,
            matches!(other, FormatData::None)
        ),
    }
}

/// (reason, object kind/name, count, first, last) of the nine Events, from the objects.
const EXPECT: &[(&str, &str, u64, &str, &str)] = &[
    (
        "ScalingReplicaSet",
        "Deployment/hello-world",
        2,
        "2020-11-24T18:37:54Z",
        "2020-11-27T12:04:05Z",
    ),
    (
        "SuccessfulCreate",
        "ReplicaSet/hello-world-6b9d85fbd6",
        1,
        "2020-11-27T12:04:05Z",
        "2020-11-27T12:04:05Z",
    ),
    (
        "Scheduled",
        "Pod/hello-world-6b9d85fbd6-klpv2",
        1,
        "2020-11-27T12:04:05Z",
        "2020-11-27T12:04:05Z",
    ),
    (
        "Pulled",
        "Pod/hello-world-6b9d85fbd6-klpv2",
        1,
        "2020-11-27T12:04:06Z",
        "2020-11-27T12:04:06Z",
    ),
    (
        "Created",
        "Pod/hello-world-6b9d85fbd6-klpv2",
        1,
        "2020-11-27T12:04:06Z",
        "2020-11-27T12:04:06Z",
    ),
    (
        "Started",
        "Pod/hello-world-6b9d85fbd6-klpv2",
        1,
        "2020-11-27T12:04:06Z",
        "2020-11-27T12:04:06Z",
    ),
    (
        "ScalingReplicaSet",
        "Deployment/hello-world",
        2,
        "2020-11-24T18:37:59Z",
        "2020-11-27T12:04:06Z",
    ),
    (
        "Killing",
        "Pod/hello-world-7ff854f459-kl4hq",
        1,
        "2020-11-27T12:04:06Z",
        "2020-11-27T12:04:06Z",
    ),
    (
        "SuccessfulDelete",
        "ReplicaSet/hello-world-7ff854f459",
        1,
        "2020-11-27T12:04:06Z",
        "2020-11-27T12:04:06Z",
    ),
];

fn row_key(r: &EventRow) -> (String, String, u64, String, String) {
    (
        r.reason.clone(),
        format!("{}/{}", r.object_kind, r.object),
        r.count,
        fmt_micros(r.first),
        fmt_micros(r.last),
    )
}

#[test]
fn every_shape_reads_the_same_events() {
    // (file, detail, table: times come from ages, which kubectl truncates to its largest
    // units — `2d17h` — so a time from a table lies in [true time, true time + 1 h))
    for (name, detail, table) in [
        (
            "kspan-deployment-rollout.events.json",
            "kubectl get events -o json",
            None,
        ),
        (
            "kspan-deployment-rollout.events.yaml",
            "kubectl get events -o yaml",
            None,
        ),
        (
            "kspan-deployment-rollout.events-wide.txt",
            "kubectl get events -o wide (table)",
            Some(true),
        ),
        (
            "kspan-deployment-rollout.events.txt",
            "kubectl get events (table)",
            Some(false),
        ),
    ] {
        let (bytes, f) = read(name);
        assert_eq!(f.format, Format::KubeEvents, "{name}");
        assert_eq!(f.detail, detail, "{name}");
        assert_eq!(f.records, 9, "{name}: {:?}", f.diags);
        assert_eq!(f.events.len(), 9, "{name}");
        let d = data(&f);
        assert_eq!(
            f.records + d.continuations + d.header_lines + f.diags.skipped_lines,
            f.lines,
            "{name}: every line accounted for"
        );
        assert_eq!(f.diags.skipped_lines, 0, "{name}: {:?}", f.diags.kept);
        for (r, e) in d.events.iter().zip(EXPECT) {
            let fmt = |s: &str| fmt_micros(parse_rfc3339(s).unwrap());
            let (reason, obj, count, first, last) = row_key(r);
            assert_eq!((reason.as_str(), obj.as_str()), (e.0, e.1), "{name}");
            assert_eq!(last, fmt(e.4), "{name}: {} last", e.0);
            match table {
                None => assert_eq!((count, first), (e.2, fmt(e.3)), "{name}: {}", e.0),
                Some(true) => {
                    assert_eq!(count, e.2, "{name}: {}", e.0);
                    let lag = r.first - parse_rfc3339(e.3).unwrap();
                    assert!(
                        (0..3_600_000_000).contains(&lag),
                        "{name}: {} first {first}",
                        e.0
                    );
                }
                Some(false) => assert_eq!(first, last, "{name}: no FIRST SEEN column"),
            }
            assert_eq!(r.event_type, "Normal");
        }
        // One lane per involved object kind; label = reason; kinds as classified.
        let mut lanes: Vec<&str> = (0..f.events.len())
            .map(|i| f.events.lanes.get(f.events.lane[i]))
            .collect();
        lanes.sort();
        lanes.dedup();
        assert_eq!(
            lanes,
            ["events/Deployment", "events/Pod", "events/ReplicaSet"],
            "{name}"
        );
        assert!(
            (0..9).all(|i| f.events.kind_name(i) == "k8s_event"),
            "{name}"
        );
        // The timeline event's bytes are the Event's own: its text holds its reason.
        for i in 0..f.events.len() {
            let (o, l) = (f.events.offset[i] as usize, f.events.len[i] as usize);
            let text = String::from_utf8_lossy(&bytes[o..o + l]);
            assert!(text.contains(&d.events[i].reason), "{name}: {text}");
            assert_eq!(f.events.line[i] as u64, d.events[i].line);
        }
        if name.ends_with(".txt") {
            assert!(
                f.notes.iter().any(|n| n.contains("ages")),
                "{name}: {:?}",
                f.notes
            );
        }
    }
}

#[test]
fn chunking_does_not_matter() {
    for name in [
        "kspan-deployment-rollout.events.json",
        "kspan-deployment-rollout.events.yaml",
        "kspan-deployment-rollout.events-wide.txt",
    ] {
        let (bytes, whole) = read(name);
        for size in [1, 7, 4096] {
            let mut ing = FileIngest::new(FileMeta {
                name: name.into(),
                size: None,
                last_modified_ms: Some(mtime_ms()),
            });
            for c in bytes.chunks(size) {
                ing.push(c);
            }
            let f = ing.finish();
            assert_eq!(f.records, whole.records);
            let (a, b) = (data(&f), data(&whole));
            assert_eq!(a.events, b.events, "{name} chunks of {size}");
        }
    }
}

/// Real Warning reasons (as kubelet, the scheduler and node-problem-detector emit them)
/// inside one `-o json` List built here: they are classified like the log lines that report
/// the same thing, and a broken item is skipped with its lines, the rest read.
#[test]
fn warning_reasons_are_classified_and_a_bad_item_is_skipped() {
    let item = |reason: &str, kind: &str, msg: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"Event","count":3,"firstTimestamp":"2020-11-27T12:00:00Z","lastTimestamp":"2020-11-27T12:03:00Z","involvedObject":{{"kind":"{kind}","name":"x"}},"reason":"{reason}","message":"{msg}","type":"Warning"}}"#
        )
    };
    let items = [
        item("FailedScheduling", "Pod", "0/1 nodes are available: 1 Insufficient cpu."),
        item("BackOff", "Pod", "Back-off restarting failed container"),
        item("NodeNotReady", "Node", "Node x status is now: NodeNotReady"),
        item("FailedMount", "Pod", "MountVolume.SetUp failed for volume \\\"mysecret\\\" : secret \\\"mysecret\\\" not found"),
        item("OOMKilling", "Node", "Memory cgroup out of memory: Kill process 1 (x)"),
        item("Unhealthy", "Pod", "Readiness probe failed:"),
        item("Evicted", "Pod", "The node was low on resource: memory."),
    ];
    let text = format!(
        "{{\n\"apiVersion\": \"v1\",\n\"items\": [\n{},\n{{\"kind\": \"Event\", \"count\": \"three\", \"reason\": \"x\"}}\n],\n\"kind\": \"List\"\n}}\n",
        items.join(",\n")
    );
    let f = parse_bytes(FileMeta::default(), text.as_bytes());
    assert_eq!(f.format, Format::KubeEvents);
    let kinds: Vec<&str> = (0..f.events.len()).map(|i| f.events.kind_name(i)).collect();
    assert_eq!(
        kinds,
        [
            "failed_scheduling",
            "crash_loop",
            "node_not_ready",
            "volume_mount_failed",
            "kernel_oom_kill",
            "probe_failed",
            "evicted"
        ]
    );
    let d = data(&f);
    assert_eq!(d.events[0].count, 3);
    assert_eq!(
        d.events[0].last - d.events[0].first,
        180_000_000,
        "a repeated event spans its interval"
    );
    assert_eq!(f.diags.skipped_lines, 1, "{:?}", f.diags.kept);
    assert_eq!(
        f.records + d.continuations + d.header_lines + f.diags.skipped_lines,
        f.lines
    );
}
