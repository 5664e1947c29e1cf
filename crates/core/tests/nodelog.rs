//! Node-log parsing against the real corpus (its `kubelet/`, read in place; provenance in its
//! SOURCES.md):
//! per file the entry and event counts, first/last time (UTC), detected sub-format and the
//! counts of several event kinds; plus the year/zone rules and chunking invariance.

use std::collections::BTreeMap;
use whodunnit_core::format::FormatData;
use whodunnit_core::nodelog::YearSource;
use whodunnit_core::time::fmt_micros;
use whodunnit_core::{parse_bytes, FileIngest, FileMeta, Format, ParsedFile};

/// The bytes of a file of the corpus's `kubelet/`; skips the calling test without the corpus.
macro_rules! bytes {
    ($name:expr) => {
        whodunnit_testdata::corpus_bytes_or_skip!(&format!("kubelet/{}", $name))
    };
}

/// A corpus node log, parsed; skips the calling test without the corpus.
macro_rules! read {
    ($name:expr $(,)?) => {
        parse_named($name, &bytes!($name))
    };
}

/// A corpus node log gzipped in memory (the corpus holds it plain), parsed as `NAME.gz`.
macro_rules! read_gz {
    ($name:expr) => {
        parse_named(
            &format!("{}.gz", $name),
            &whodunnit_testdata::gzip(&bytes!($name)),
        )
    };
}

/// 2019-05-20T00:00:00Z: the "last modified" given to every fixture, so assumed years are stable.
const MTIME_MS: i64 = 1_558_310_400_000;

fn parse_named(name: &str, bytes: &[u8]) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: name.to_string(),
            size: Some(bytes.len() as u64),
            last_modified_ms: Some(MTIME_MS),
        },
        bytes,
    )
}

fn kind_counts(f: &ParsedFile) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for i in 0..f.events.len() {
        *m.entry(f.events.kind_name(i).to_string()).or_insert(0) += 1;
    }
    m
}

struct Expect {
    file: &'static str,
    detail: &'static str,
    records: u64,
    events: usize,
    first: &'static str,
    last: &'static str,
    kinds: &'static [(&'static str, u64)],
}

const EXPECT: &[Expect] = &[
    Expect {
        file: "lnav-logfile_glog.log",
        detail: "klog",
        records: 7,
        events: 7,
        first: "2019-05-17T15:04:22.619632Z",
        last: "2019-05-17T15:04:22.619776Z",
        kinds: &[("log", 4), ("log.error", 2), ("log.warning", 1)],
    },
    Expect {
        file: "lnav-logfile_journald.json",
        detail: "journalctl -o json",
        records: 2,
        events: 2,
        first: "2018-08-21T14:04:21.221373Z",
        last: "2018-08-21T14:04:21.221373Z",
        kinds: &[("log", 1), ("log.critical", 1)],
    },
    Expect {
        file: "lnav-logfile_logfmt-virtual-kubelet-logrus.log",
        detail: "logrus/logfmt (containerd)",
        records: 5,
        events: 5,
        first: "2021-09-15T21:17:10.220731Z",
        last: "2021-09-15T21:18:20.335825Z",
        kinds: &[("log", 2), ("log.error", 2), ("log.warning", 1)],
    },
    Expect {
        file: "npd-kernel-problems/au_opts_verify",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("log", 1)],
    },
    Expect {
        file: "npd-kernel-problems/aufs_umount_hung",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("kernel_hung_task", 1)],
    },
    Expect {
        file: "npd-kernel-problems/divide_zero",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("kernel_oops", 1)],
    },
    Expect {
        file: "npd-kernel-problems/docker_hung",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("kernel_hung_task", 1)],
    },
    Expect {
        file: "npd-kernel-problems/null_pointer",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("kernel_oops", 1)],
    },
    Expect {
        file: "npd-kernel-problems/oom_kill",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 2,
        events: 2,
        first: "-",
        last: "-",
        kinds: &[("kernel_oom_kill", 2)],
    },
    Expect {
        file: "npd-kernel-problems/readonly_filesystem",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("kernel_fs_readonly", 1)],
    },
    Expect {
        file: "npd-kernel-problems/unregister_netdevice",
        detail: "kernel ring buffer / plain text (no timestamps)",
        records: 1,
        events: 1,
        first: "-",
        last: "-",
        kinds: &[("kernel_netdev_stuck", 1)],
    },
    Expect {
        file: "sonobuoy-systemd-logs/results-0.10-ip-10-0-26-239.journal.jsonl",
        detail: "journalctl -o json",
        records: 1272,
        events: 1272,
        first: "2017-12-13T17:00:47.204209Z",
        last: "2017-12-13T17:05:53.720370Z",
        kinds: &[
            ("eviction_blind", 22),
            ("image_gc_disk_pressure", 1),
            ("kubelet_restart", 13),
            ("kubelet_start_failed", 6),
            ("log", 988),
            ("log.debug", 85),
            ("log.error", 24),
            ("log.warning", 118),
            ("network_not_ready", 12),
            ("node_registration", 2),
            ("pleg_unhealthy", 1),
        ],
    },
    Expect {
        file: "sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl",
        detail: "journalctl -o json",
        records: 1313,
        events: 1313,
        first: "2017-12-13T17:00:39.575903Z",
        last: "2017-12-13T17:06:10.532057Z",
        kinds: &[
            ("eviction_blind", 23),
            ("image_gc_disk_pressure", 1),
            ("kubelet_restart", 15),
            ("kubelet_start_failed", 7),
            ("log", 1033),
            ("log.debug", 86),
            ("log.error", 21),
            ("log.warning", 112),
            ("network_not_ready", 12),
            ("node_registration", 2),
            ("pleg_unhealthy", 1),
        ],
    },
    Expect {
        file: "sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl",
        detail: "journalctl -o json",
        records: 1695,
        events: 1695,
        first: "2017-12-13T16:56:10.807859Z",
        last: "2017-12-13T17:05:57.209192Z",
        kinds: &[
            ("eviction_blind", 45),
            ("image_gc_disk_pressure", 1),
            ("kubelet_restart", 21),
            ("kubelet_start_failed", 10),
            ("list_watch_failed", 108),
            ("log", 1179),
            ("log.debug", 85),
            ("log.error", 28),
            ("log.warning", 154),
            ("network_not_ready", 41),
            ("node_register_failed", 10),
            ("node_registration", 12),
            ("pleg_unhealthy", 1),
        ],
    },
    Expect {
        file: "sonobuoy-systemd-logs/results-0.9-ip-10-0-26-239.journal.jsonl",
        detail: "journalctl -o json",
        records: 754,
        events: 754,
        first: "2017-12-21T15:14:20.036435Z",
        last: "2017-12-21T16:14:16.826671Z",
        kinds: &[
            ("eviction_blind", 359),
            ("log", 205),
            ("log.error", 183),
            ("log.warning", 7),
        ],
    },
    Expect {
        file: "sonobuoy-systemd-logs/results-0.9-ip-10-0-9-16.journal.jsonl",
        detail: "journalctl -o json",
        records: 908,
        events: 908,
        first: "2017-12-21T15:14:22.068302Z",
        last: "2017-12-21T16:14:17.029616Z",
        kinds: &[
            ("eviction_blind", 359),
            ("log", 332),
            ("log.debug", 1),
            ("log.error", 187),
            ("log.warning", 29),
        ],
    },
    Expect {
        file: "sonobuoy-systemd-logs/results-0.9-ip-10-0-9-206.journal.jsonl",
        detail: "journalctl -o json",
        records: 571,
        events: 571,
        first: "2017-12-21T15:14:22.168681Z",
        last: "2017-12-21T16:14:16.839188Z",
        kinds: &[
            ("eviction_blind", 358),
            ("log", 203),
            ("log.error", 3),
            ("log.warning", 7),
        ],
    },
    Expect {
        file: "windows-kubelet-klogfile-v1.17.log",
        detail: "klog file (--log-file)",
        records: 25511,
        events: 25512,
        first: "2019-08-20T20:28:26.508550Z",
        last: "2019-08-21T00:00:15.282819Z",
        kinds: &[
            ("apiserver_request", 641),
            ("eviction_blind", 1212),
            ("image_gc_disk_pressure", 8),
            ("kubelet_restart", 2),
            ("list_watch_failed", 1),
            ("log", 23601),
            ("log.error", 18),
            ("log.warning", 18),
            ("node_registration", 4),
            ("pleg_unhealthy", 3),
            ("process_restart", 1),
            ("runtime_rpc_error", 3),
        ],
    },
];

#[test]
fn every_corpus_file_parses_with_expected_counts_times_and_kinds() {
    for e in EXPECT {
        let f = read!(e.file);
        assert_eq!(f.format, Format::NodeLog, "{}", e.file);
        let range = f.events.time_range();
        let got_first = range.map_or("-".into(), |r| fmt_micros(r.0));
        let got_last = range.map_or("-".into(), |r| fmt_micros(r.1));
        let kinds = kind_counts(&f);
        let summary = format!(
            "{}: detail={:?} records={} events={} first={} last={} kinds={:?} skipped={} diags={:?}",
            e.file, f.detail, f.records, f.events.len(), got_first, got_last, kinds, f.diags.skipped_lines, f.diags.counts
        );
        assert_eq!(f.detail, e.detail, "{summary}");
        assert_eq!(f.records, e.records, "{summary}");
        assert_eq!(f.events.len(), e.events, "{summary}");
        assert_eq!(got_first, e.first, "{summary}");
        assert_eq!(got_last, e.last, "{summary}");
        for (k, n) in e.kinds {
            assert_eq!(kinds.get(*k).copied().unwrap_or(0), *n, "{k} in {summary}");
        }
        assert_eq!(f.diags.skipped_lines, 0, "{summary}");
    }
}

#[test]
fn windows_klog_year_comes_from_the_file_header_and_restart_is_seen() {
    let f = read_gz!("windows-kubelet-klogfile-v1.17.log");
    assert!(f.gzip);
    let FormatData::NodeLog(d) = &f.data else {
        panic!("not a node log")
    };
    assert_eq!(d.time.year_source, YearSource::InFile);
    assert_eq!(d.time.year, Some(2019));
    assert_eq!(
        d.restarts, 1,
        "second `Log file created at` header (pid 3312 → 3880)"
    );
    assert_eq!(
        d.host.as_deref(),
        Some("e2e-test-ramosalex-windows-node-group-tz6r")
    );
    assert!(
        f.notes.iter().any(|n| n.contains("read as UTC")),
        "{:?}",
        f.notes
    );
    // Midnight is crossed (0820 → 0821) without a year change.
    let last = f.events.time_range().unwrap().1;
    assert!(fmt_micros(last).starts_with("2019-08-21T00:00"));
}

#[test]
fn glog_without_year_takes_it_from_mtime_and_says_so() {
    let f = read!("lnav-logfile_glog.log");
    let FormatData::NodeLog(d) = &f.data else {
        panic!("not a node log")
    };
    assert_eq!(d.time.year_source, YearSource::FileModified);
    assert_eq!(d.time.year, Some(2019));
    assert!(
        f.notes.iter().any(|n| n.contains("assumed 2019")),
        "{:?}",
        f.notes
    );
}

#[test]
fn journald_json_derives_the_klog_zone_and_lanes_are_host_component() {
    let f = read!("sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl");
    let FormatData::NodeLog(d) = &f.data else {
        panic!("not a node log")
    };
    assert_eq!(
        d.time.zone_offset_min,
        Some(0),
        "kubelet klog clock is UTC on these nodes"
    );
    assert!(f
        .events
        .lanes
        .strings
        .iter()
        .any(|l| l == "ip-172-31-13-168/kubelet" || l.ends_with("/kubelet")));
    assert!(d.templates.iter().any(|t| t.kind == "pleg_unhealthy"));
}

#[test]
fn results_do_not_depend_on_chunking() {
    for name in [
        "windows-kubelet-klogfile-v1.17.log",
        "sonobuoy-systemd-logs/results-0.9-ip-10-0-9-16.journal.jsonl",
    ] {
        // Gzipped in memory, as the fixtures were: chunk edges then fall inside gzip members too.
        let bytes = whodunnit_testdata::gzip(&bytes!(name));
        let meta = FileMeta {
            name: name.into(),
            size: None,
            last_modified_ms: Some(MTIME_MS),
        };
        let whole = parse_bytes(meta.clone(), &bytes);
        for chunk in [1usize << 10, 4093, 65536] {
            let mut ing = FileIngest::new(meta.clone());
            for c in bytes.chunks(chunk) {
                ing.push(c);
            }
            let f = ing.finish();
            assert_eq!(f.events.time, whole.events.time, "{name} chunk {chunk}");
            assert_eq!(f.events.len, whole.events.len, "{name} chunk {chunk}");
            assert_eq!(
                f.events.labels.strings, whole.events.labels.strings,
                "{name} chunk {chunk}"
            );
        }
    }
}

/// Parse an inline sample (formats the corpus has no redistributable sample of: SOURCES.md
/// lists the gaps). The lines follow the formats byte for byte.
fn inline(text: &str, mtime_ms: Option<i64>) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: "inline.log".into(),
            size: None,
            last_modified_ms: mtime_ms,
        },
        text.as_bytes(),
    )
}

fn kinds_in_order(f: &ParsedFile) -> Vec<String> {
    (0..f.events.len())
        .map(|i| f.events.kind_name(i).to_string())
        .collect()
}

#[test]
fn cri_partials_are_joined_and_klog_inside_is_classified() {
    let f = inline(
        "2023-05-11T16:09:21.839669754Z stderr P E0511 16:09:21.839000       1 kubelet.go:2373] \"Container runtime network not ready\" networkReady=\"NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin \n\
2023-05-11T16:09:21.839669754Z stderr F not initialized\"\n\
2023-05-11T16:09:22.000000000Z stdout F plain line\n",
        None,
    );
    assert_eq!(f.detail, "CRI container log");
    assert_eq!(f.records, 2);
    assert_eq!(kinds_in_order(&f), ["network_not_ready", "log"]);
    assert_eq!(
        f.events.len[0] as usize,
        f.events.offset[1] as usize - 1,
        "joined entry spans both lines"
    );
    assert_eq!(fmt_micros(f.events.time[0]), "2023-05-11T16:09:21.839669Z");
    // The klog clock inside (16:09:21.839) vs the CRI's UTC time: zone offset 0.
    let FormatData::NodeLog(d) = &f.data else {
        panic!()
    };
    assert_eq!(d.time.zone_offset_min, Some(0));
}

#[test]
fn journalctl_short_uses_the_begin_marker_year_and_rolls_over_new_year() {
    let f = inline(
        "-- Logs begin at Sat 2017-12-30 10:00:00 UTC, end at Mon 2018-01-01 00:00:05 UTC. --\n\
Dec 31 23:59:58 node1 kubelet[26014]: I1231 23:59:58.210702   26014 kubelet.go:1794] skipping pod synchronization - [container runtime is down]\n\
-- Reboot --\n\
Jan 01 00:00:05 node1 systemd[1]: Started kubelet: The Kubernetes Node Agent.\n",
        None,
    );
    assert_eq!(f.detail, "journalctl short / syslog");
    assert_eq!(
        kinds_in_order(&f),
        ["pod_sync_skipped", "boot", "kubelet_restart"]
    );
    assert_eq!(fmt_micros(f.events.time[0]), "2017-12-31T23:59:58.000000Z");
    assert_eq!(fmt_micros(f.events.time[2]), "2018-01-01T00:00:05.000000Z");
    assert_eq!(f.events.lanes.get(f.events.lane[0]), "node1/kubelet");
    // journalctl -r: newest first, the year goes back at the Jan → Dec step.
    let r = inline(
        "-- Logs begin at Sat 2017-12-30 10:00:00 UTC, end at Mon 2018-01-01 00:00:05 UTC. --\n\
Jan 01 00:00:05 node1 systemd[1]: Started kubelet: The Kubernetes Node Agent.\n\
Dec 31 23:59:58 node1 kubelet[26014]: I1231 23:59:58.210702   26014 kubelet.go:1794] skipping pod synchronization - [container runtime is down]\n",
        None,
    );
    // Anchored at the begin marker (Dec 2017): Jan rolls forward to 2018, Dec back to 2017.
    let t: Vec<String> = r.events.time.iter().map(|&t| fmt_micros(t)).collect();
    assert_eq!(
        t,
        ["2018-01-01T00:00:05.000000Z", "2017-12-31T23:59:58.000000Z"]
    );
}

#[test]
fn klog_year_rolls_over_from_mtime_in_january() {
    // No anchor; file last modified 2020-01-02: Dec 31 is 2019, Jan 1 is 2020.
    let f = inline(
        "I1231 23:59:59.000000    1234 a.go:1] last of the year\nI0101 00:00:01.000000    1234 a.go:1] first of the year\n",
        Some(1_577_923_200_000),
    );
    assert_eq!(fmt_micros(f.events.time[0]), "2019-12-31T23:59:59.000000Z");
    assert_eq!(fmt_micros(f.events.time[1]), "2020-01-01T00:00:01.000000Z");
}

#[test]
fn structured_multiline_values_and_panics_stay_whole() {
    let f = inline(
        "I0820 20:28:26.508550    3312 server.go:1] \"Starting\" config=<\n\
\tapiVersion: v1\n\
I0801 00:00:00.000000 \n\
 >\n\
E0820 20:28:27.000000    3312 runtime.go:78] Observed a panic: boom\n\
panic: runtime error: invalid memory address or nil pointer dereference [recovered]\n\
\n\
goroutine 1 [running]:\n\
main.main()\n\
\t/src/main.go:10 +0x1d\n\
I0820 20:28:30.000000    3880 server.go:1] \"Starting\" config=\"x\"\n",
        Some(MTIME_MS),
    );
    // "Observed a panic" opens the panic; the trace printed after it joins that event.
    assert_eq!(kinds_in_order(&f), ["log", "panic", "log"]);
    assert_eq!(f.records, 3, "the panic text is output, not a log entry");
    let FormatData::NodeLog(d) = &f.data else {
        panic!()
    };
    assert_eq!(d.panics.len(), 1);
    let p = &d.panics[0];
    assert_eq!((p.line, p.end_line), (5, 10));
    assert!(p.first.starts_with("Observed a panic"), "{}", p.first);
    // Both Starting lines share one template: values are masked, keys kept.
    assert_eq!(f.events.label[0], f.events.label[2]);
    assert_eq!(
        f.events.labels.get(f.events.label[0]),
        "Starting config=<*>"
    );
}

#[test]
fn logfmt_without_msg_is_an_entry_with_an_empty_template() {
    // Found by fuzz_nodelog: `msg=` cut off after the level.
    let f = inline("time=\"2021-09-15T21:17:10.220731Z\" level=error\n", None);
    assert_eq!(f.records, 1);
    assert_eq!(kinds_in_order(&f), ["log.error"]);
}

#[test]
fn docker_json_klog_json_short_iso_and_dmesg() {
    let docker = inline(
        "{\"log\":\"I0901 00:25:09.311469       1 event.go:291] \\\"Event occurred\\\" object=\\\"kube-system/coredns-f9fd979d6-w9lb9\\\" kind=\\\"Pod\\\" apiVersion=\\\"v1\\\" type=\\\"Warning\\\" reason=\\\"NodeNotReady\\\" message=\\\"Node is not ready\\\"\\n\",\"stream\":\"stderr\",\"time\":\"2021-09-01T00:25:09.311544102Z\"}\n",
        None,
    );
    assert_eq!(docker.detail, "Docker json-file");
    assert_eq!(kinds_in_order(&docker), ["node_not_ready"]);
    let kjson = inline(
        "{\"ts\":1753121332053.9302,\"caller\":\"cpumanager/policy_static.go:180\",\"msg\":\"Reserved CPUs not available for exclusive assignment\",\"v\":0}\n{\"ts\":1580306777.04728,\"msg\":\"Failed to update lease\",\"err\":\"x\"}\n",
        None,
    );
    assert_eq!(kjson.detail, "JSON log (klog/zap)");
    assert_eq!(
        fmt_micros(kjson.events.time[0]),
        "2025-07-21T18:08:52.053930Z"
    );
    assert_eq!(
        fmt_micros(kjson.events.time[1]),
        "2020-01-29T14:06:17.047280Z"
    );
    assert_eq!(kinds_in_order(&kjson), ["log", "node_lease_failed"]);
    let iso = inline(
        "2017-12-13T16:58:30+0000 ip-10-0-9-206 kubelet[2975]: E1213 16:58:30.262015    2975 kubelet.go:2095] Container runtime network not ready: NetworkReady=false\n",
        None,
    );
    assert_eq!(iso.detail, "journalctl -o short-iso");
    assert_eq!(kinds_in_order(&iso), ["network_not_ready"]);
    let dmesg = inline(
        "[  123.456789] Memory cgroup out of memory: Kill process 1012 (heapster) score 1035 or sacrifice child\n[  123.456800] Killed process 1012 (heapster) total-vm:327128kB\n[  200.000000] INFO: task docker:20744 blocked for more than 120 seconds.\n[  200.000001]       Tainted: G         C    3.16.0-4-amd64 #1\n",
        None,
    );
    assert_eq!(
        kinds_in_order(&dmesg),
        ["kernel_oom_kill", "kernel_oom_kill", "kernel_hung_task"]
    );
    assert!(dmesg
        .events
        .time
        .iter()
        .all(|&t| t == whodunnit_core::time::NO_TIME));
}

#[test]
fn resolve_years_redates_unanchored_files_from_anchored_ones() {
    use whodunnit_core::nodelog::resolve_years;
    use whodunnit_core::Dataset;
    let mut ds = Dataset::default();
    // Year-less klog, mtime says 2021; the journal beside it is from 2017.
    ds.add(inline(
        "I1213 16:58:30.211756    2975 kubelet.go:1779] hello\n",
        Some(1_620_000_000_000),
    ));
    ds.add(read!(
        "sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl",
    ));
    assert!(fmt_micros(ds.files[0].events.time[0]).starts_with("2020-12-13"));
    assert_eq!(resolve_years(&mut ds), 1);
    assert_eq!(
        fmt_micros(ds.files[0].events.time[0]),
        "2017-12-13T16:58:30.211756Z"
    );
    let FormatData::NodeLog(d) = &ds.files[0].data else {
        panic!()
    };
    assert_eq!(d.time.year_source, YearSource::OtherFiles);
}

mod no_panic {
    use proptest::prelude::*;
    use whodunnit_core::diag::Diagnostics;
    use whodunnit_core::event::EventStore;
    use whodunnit_core::ingest::ParseCx;
    use whodunnit_core::lines::LineAt;
    use whodunnit_core::nodelog::Parser;
    use whodunnit_core::FileMeta;

    /// Line starts that steer arbitrary bytes into every branch of the parser.
    const PREFIXES: &[&str] = &[
        "",
        "I0820 20:28:26.508550    3312 f.go:1] ",
        "E1231 23:59:59.1 1 x] \"m\" k=<",
        "Log file created at: 2019/08/20 20:28:26",
        "-- Logs begin at Wed 2017-12-13 16:56:37 UTC, end at",
        "-- Reboot --",
        "Dec 13 16:58:30 host kubelet[1]: ",
        "2017-12-13T16:58:30.1Z stderr P ",
        "2017-12-13T16:58:30.1Z stdout F ",
        "2017-12-13T16:58:30+0000 h k[1]: ",
        "time=\"2021-09-15T21:17:10Z\" level=error msg=\"",
        "{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":[1,2,",
        "level=warn ",
        "{\"log\":\"",
        "{\"ts\":1e300,\"msg\":",
        "[  12.5] ",
        "[Mon Dec 13 16:58:30 2017] ",
        "panic: ",
        "goroutine 1 [running]:",
        " ",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_lines_never_panic(lines in proptest::collection::vec((0..PREFIXES.len(), proptest::collection::vec(any::<u8>(), 0..80)), 0..40), mtime in proptest::option::of(any::<i64>())) {
            let mut diags = Diagnostics::default();
            let mut events = EventStore::default();
            let mut records = 0u64;
            let mut detail = String::new();
            let mut notes = Vec::new();
            let mut cx = ParseCx { diags: &mut diags, events: &mut events, records: &mut records, detail: &mut detail, notes: &mut notes };
            let mut p = Parser::new(&FileMeta { name: "x".into(), size: None, last_modified_ms: mtime });
            let mut off = 0u64;
            for (i, (pre, tail)) in lines.iter().enumerate() {
                let mut l = PREFIXES[*pre].as_bytes().to_vec();
                l.extend(tail.iter().filter(|b| **b != b'\n'));
                p.line(&l, LineAt { line: i as u64 + 1, offset: off }, &mut cx);
                off += l.len() as u64 + 1;
            }
            let _ = p.finish(&mut cx);
            let n = events.len();
            prop_assert!(events.label.iter().all(|&l| (l as usize) < events.labels.len()));
            prop_assert!(n <= lines.len() * 2 + 2);
        }
    }
}

#[test]
fn resolve_years_applies_the_zone_found_for_the_same_host() {
    use whodunnit_core::nodelog::resolve_years;
    use whodunnit_core::Dataset;
    let mut ds = Dataset::default();
    // klog clock two hours ahead of the journal's UTC time on host n1.
    ds.add(inline(
        "{\"__REALTIME_TIMESTAMP\":\"1513184310000000\",\"_HOSTNAME\":\"n1\",\"SYSLOG_IDENTIFIER\":\"kubelet\",\"MESSAGE\":\"I1213 18:58:30.000000    2975 kubelet.go:1] hi\"}\n",
        None,
    ));
    ds.add(inline(
        "Log file created at: 2017/12/13 18:00:00\nRunning on machine: n1\nI1213 18:58:31.000000    2975 kubelet.go:1] later\n",
        None,
    ));
    assert_eq!(
        fmt_micros(ds.files[1].events.time[0]),
        "2017-12-13T18:58:31.000000Z"
    );
    resolve_years(&mut ds);
    assert_eq!(
        fmt_micros(ds.files[1].events.time[0]),
        "2017-12-13T16:58:31.000000Z"
    );
    assert!(
        ds.files[1].notes.iter().any(|n| n.contains("UTC+02:00")),
        "{:?}",
        ds.files[1].notes
    );
}

#[test]
fn journald_json_message_as_byte_array_and_wrapper_identifiers() {
    // journald writes MESSAGE as an array of bytes when it holds control or non-UTF-8 bytes.
    let msg = "E0413 10:53:52.844381    3263 kubelet.go:2055] \"Skipping pod synchronization\" err=\"PLEG is not healthy: pleg was last seen active 2h33m12.704970756s ago; threshold is 3m0s\"\u{1b}";
    let bytes: Vec<String> = msg.bytes().map(|b| b.to_string()).collect();
    let line = format!(
        "{{\"__REALTIME_TIMESTAMP\":\"1681383232844500\",\"_HOSTNAME\":\"ip-10-42-10-121\",\"SYSLOG_IDENTIFIER\":\"kubenswrapper\",\"PRIORITY\":\"6\",\"MESSAGE\":[{}]}}\n",
        bytes.join(",")
    );
    let f = inline(&line, None);
    assert_eq!(f.detail, "journalctl -o json");
    assert_eq!(kinds_in_order(&f), ["pleg_unhealthy"]);
    assert_eq!(
        f.events.lanes.get(f.events.lane[0]),
        "ip-10-42-10-121/kubelet"
    );
    assert_eq!(
        f.events.labels.get(f.events.label[0]),
        "Skipping pod synchronization err=<*>"
    );
}

/// What `kubectl logs --timestamps` (must-gather's `current.log`) and the kubelet's CRI files
/// (`/var/log/pods/…/0.log`) make of a klog file — a timestamp (and a stream) on every line,
/// the container's directory as the name — reads as the file itself: the same records (a
/// multi-line value or a healthz report's lines stay one record), kinds and lanes.
#[test]
fn timestamped_and_cri_copies_of_klog_read_as_the_klog_file() {
    let Some(root) = whodunnit_testdata::corpus_root() else {
        return;
    };
    for (file, comp) in [
        ("kube-apiserver.log.gz", "kube-apiserver"),
        ("kube-controller-manager.log.gz", "kube-controller-manager"),
    ] {
        let raw = whodunnit_testdata::gunzip_if(
            std::fs::read(root.join("live-controlplane").join(file)).unwrap(),
        );
        let text = String::from_utf8(raw.clone()).unwrap();
        let plain = parse_named(file.trim_end_matches(".gz"), &raw);
        let lanes = |f: &ParsedFile| f.events.lanes.strings.clone();
        for (name, wrapped) in [
            (
                format!(
                    "must-gather/namespaces/ns/pods/{comp}-master-0/{comp}/{comp}/logs/current.log"
                ),
                whodunnit_testdata::bundles::oc_timestamps(&text, 2026),
            ),
            (
                format!("var/log/pods/kube-system_{comp}-master-0_0f1e/{comp}/0.log"),
                whodunnit_testdata::bundles::cri(&text, 2026),
            ),
        ] {
            let f = parse_named(&name, wrapped.as_bytes());
            assert_eq!(f.lines, plain.lines, "{name}");
            assert_eq!(f.records, plain.records, "{name}: records");
            assert_eq!(f.diags.skipped_lines, 0, "{name}");
            assert_eq!(kind_counts(&f), kind_counts(&plain), "{name}: kinds");
            assert_eq!(lanes(&f), lanes(&plain), "{name}: lanes");
        }
    }
}
