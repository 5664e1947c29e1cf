//! Findings detectors on real files (the corpus's `kubelet/` and `goroutines/`, read in place;
//! `tests/fixtures/audit`) and on scenarios built by editing real events (generated at test time
//! by `whodunnit_testdata::scenarios`, see its docs), with a negative test per detector: files
//! where its pattern is absent must not fire it. Tests that need the corpus skip without it.

use std::io::Read;
use whodunnit_core::findings::{
    detect, detect_with, Detector, EvidenceKind, Finding, FindingsReport, TextSource,
};
use whodunnit_core::nodelog::resolve_years;
use whodunnit_core::time::parse_rfc3339;
use whodunnit_core::{parse_bytes, Dataset, FileMeta, Severity};

use std::path::PathBuf;

/// A fixed "last modified" (2019-05-20), so years assumed for yearless logs are stable.
const MTIME_MS: i64 = 1_558_310_400_000;

/// The decompressed bytes of every file, to answer the detectors' text requests.
struct Files(Vec<Vec<u8>>);

impl TextSource for Files {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let b = self.0.get(file)?;
        let a = (offset as usize).min(b.len());
        Some(b[a..(a + len as usize).min(b.len())].to_vec())
    }
}

/// Where a test file lies: `scenarios/…` generated, `audit/…` in tests/fixtures, the rest in
/// the corpus; `None` when that needs the absent corpus.
fn locate(rel: &str) -> Option<PathBuf> {
    if let Some(s) = rel.strip_prefix("scenarios/") {
        whodunnit_testdata::scenario(s)
    } else if rel.starts_with("audit/") {
        Some(whodunnit_testdata::fixture(rel))
    } else {
        whodunnit_testdata::corpus(rel)
    }
}

/// `load(paths)`, or return from the calling test (skipped) when the corpus is absent.
macro_rules! load {
    ($paths:expr) => {
        match load($paths) {
            Some(loaded) => loaded,
            None => return,
        }
    };
}

/// The findings over `paths`, or return from the calling test (skipped) without the corpus.
macro_rules! run {
    ($paths:expr) => {{
        let (ds, files) = load!($paths);
        detect_with(&ds, &files)
    }};
}

fn load(paths: &[&str]) -> Option<(Dataset, Files)> {
    let mut ds = Dataset::default();
    let mut texts = Vec::new();
    for p in paths {
        let bytes = whodunnit_testdata::read(locate(p)?);
        let plain = if bytes.starts_with(&[0x1f, 0x8b]) {
            let mut out = Vec::new();
            flate2::read::MultiGzDecoder::new(&bytes[..])
                .read_to_end(&mut out)
                .unwrap();
            out
        } else {
            bytes.clone()
        };
        ds.add(parse_bytes(
            FileMeta {
                name: p.to_string(),
                size: Some(bytes.len() as u64),
                last_modified_ms: Some(MTIME_MS),
            },
            &bytes,
        ));
        texts.push(plain);
    }
    resolve_years(&mut ds);
    Some((ds, Files(texts)))
}

fn of(rep: &FindingsReport, d: Detector) -> Vec<&Finding> {
    rep.findings.iter().filter(|f| f.detector == d).collect()
}

fn t(s: &str) -> i64 {
    parse_rfc3339(s).unwrap()
}

const SONOBUOY: &[&str] = &[
    "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-26-239.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.9-ip-10-0-26-239.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.9-ip-10-0-9-16.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.9-ip-10-0-9-206.journal.jsonl",
];

const AUDIT_REAL: &[&str] = &[
    "audit/audit2rbac-demo-head.log",
    "audit/openshift-clo-k8s.log",
    "audit/openshift-clo-crc.log",
    "audit/falco-k8s-audit.jsonl",
];

const NAMESPACE_STALL: &[&str] = &[
    "scenarios/namespace-stall/audit.log",
    "scenarios/namespace-stall/kube-controller-manager.log",
];
const CNI_HANG: &[&str] = &[
    "scenarios/cni-lock-hang/kubelet.journal.jsonl",
    "scenarios/cni-lock-hang/containerd-goroutines.txt",
];
const LIST_STORM: &[&str] = &["scenarios/list-storm/audit.log.gz"];
const HOT_LOOP: &[&str] = &["scenarios/hot-loop/audit.log.gz"];
const IMAGE_PULL: &[&str] = &[
    "scenarios/image-pull/ip-10-0-26-239.journal.jsonl",
    "scenarios/image-pull/ip-10-0-9-16.journal.jsonl",
    "scenarios/image-pull/ip-10-0-9-206.journal.jsonl",
];
const MEMORY: &[&str] = &["scenarios/memory-pressure/node.journal.jsonl"];

// ---- 1. stalled namespace deletion -------------------------------------------------------

#[test]
fn namespace_stall_scenario_names_the_gap_and_the_apiservice() {
    let rep = run!(NAMESPACE_STALL);
    let f = of(&rep, Detector::StalledNamespaceDeletion);
    assert_eq!(f.len(), 1, "{:#?}", rep.findings);
    let f = f[0];
    assert_eq!(f.from, t("2020-11-13T09:41:07.25Z"));
    assert_eq!(f.severity, Severity::Critical);
    assert!(
        f.title.contains("ovh-tenant") && f.title.contains("4d2h"),
        "{}",
        f.title
    );
    assert!(
        f.summary.contains("v1beta1.metrics.k8s.io"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("48 deletions"), "{}", f.summary);
    assert!(f.missing.is_empty(), "{:?}", f.missing);
    // The namespace DELETE opens at its audit line; the deletions open in the cost view.
    match &f.evidence[0].kind {
        EvidenceKind::Event {
            line, file_name, ..
        } => {
            assert_eq!(*line, 1);
            assert!(file_name.ends_with("audit.log"));
        }
        k => panic!("{k:?}"),
    }
    assert!(f
        .evidence
        .iter()
        .any(|e| matches!(&e.kind, EvidenceKind::Requests { filters, .. } if filters[0].1 == "ovh-tenant")));
}

#[test]
fn namespace_stall_without_controller_manager_says_what_is_missing() {
    let rep = run!(&NAMESPACE_STALL[..1]);
    let f = of(&rep, Detector::StalledNamespaceDeletion);
    assert_eq!(f.len(), 1);
    assert!(f[0].missing[0].contains("kube-controller-manager log"));
}

#[test]
fn namespace_stall_negative_on_real_audit_logs() {
    // falco's file deletes namespace foo, but nothing inside it is deleted later.
    let rep = run!(AUDIT_REAL);
    assert!(of(&rep, Detector::StalledNamespaceDeletion).is_empty());
}

// ---- 2. LIST storm ----------------------------------------------------------------------

#[test]
fn list_storm_scenario() {
    let rep = run!(LIST_STORM);
    let f = of(&rep, Detector::ListStorm);
    assert_eq!(f.len(), 1);
    let f = f[0];
    assert!(f.title.contains("nodegroup-controller"));
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.summary.contains("1500 LIST calls"), "{}", f.summary);
    assert!(f.summary.contains("resourceVersion=0"));
    // ~50% of query time and ~100 in flight, as in the KubeCon 2020 incident.
    let share: f64 = f
        .title
        .split(": ")
        .last()
        .unwrap()
        .trim_end_matches("% of query time")
        .parse()
        .unwrap();
    assert!((45.0..=60.0).contains(&share), "{share}");
    let inflight: f64 = f
        .summary
        .split(" in flight")
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((80.0..=120.0).contains(&inflight), "{inflight}");
    assert!(
        matches!(&f.evidence[0].kind, EvidenceKind::Requests { filters, .. } if filters.len() == 2)
    );
}

#[test]
fn list_storm_negative() {
    for files in [AUDIT_REAL, HOT_LOOP, &NAMESPACE_STALL[..1]] {
        assert!(
            of(&run!(files), Detector::ListStorm).is_empty(),
            "{files:?}"
        );
    }
}

// ---- 3. runtime / CNI hang ----------------------------------------------------------------

#[test]
fn cni_hang_links_kubelet_period_to_lock_waiters() {
    let rep = run!(CNI_HANG);
    let f = of(&rep, Detector::RuntimeHang);
    assert_eq!(f.len(), 1, "{:#?}", f);
    let f = f[0];
    assert!(f.summary.contains("every 2m"), "{}", f.summary);
    assert!(
        f.summary
            .contains("150 goroutines waiting on sync.Mutex 0xc000192068"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("Likely holders: goroutine 1"),
        "{}",
        f.summary
    );
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.evidence.iter().any(
        |e| matches!(&e.kind, EvidenceKind::LockGroup { lock, .. } if lock == "0xc000192068")
    ));
}

#[test]
fn kubelet_period_alone_asks_for_a_dump() {
    let rep = run!(&CNI_HANG[..1]);
    let f = of(&rep, Detector::RuntimeHang);
    assert_eq!(f.len(), 1);
    assert!(f[0].missing.iter().any(|m| m.contains("goroutine dump")));
}

#[test]
fn real_lock_pile_up_is_reported() {
    let rep = run!(&["goroutines/combinestacks_write-stacks-2.txt"]);
    let f = of(&rep, Detector::RuntimeHang);
    assert_eq!(f.len(), 1);
    assert!(f[0].title.contains("150 waiters"));
    assert!(f[0].missing[0].contains("kubelet log"));
}

#[test]
fn runtime_hang_negative() {
    // The sonobuoy journals have one PLEG line per node at kubelet start: no hang.
    assert!(of(&run!(SONOBUOY), Detector::RuntimeHang).is_empty());
    assert!(of(
        &run!(&["goroutines/gostackparse_waitsince.txt"]),
        Detector::RuntimeHang
    )
    .is_empty());
}

// ---- 4. memory pressure -------------------------------------------------------------------

#[test]
fn memory_chain_scenario() {
    let rep = run!(MEMORY);
    let f = of(&rep, Detector::MemoryPressure);
    assert_eq!(f.len(), 1);
    let f = f[0];
    assert_eq!(f.severity, Severity::Critical);
    assert!(f.summary.contains("reclaim memory"), "{}", f.summary);
    assert!(
        f.summary.contains("sre/infras-logstash-d484d57fc-rkx95"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("heapster"));
    assert!(f.summary.contains("CrashLoopBackOff 1 time"));
}

#[test]
fn real_kernel_oom_kill_is_reported_untimed() {
    let rep = run!(&["kubelet/npd-kernel-problems/oom_kill"]);
    let f = of(&rep, Detector::MemoryPressure);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].from_text, "");
    assert!(f[0].summary.contains("heapster"));
}

#[test]
fn memory_negative() {
    // sonobuoy: hundreds of "eviction manager: failed to get summary stats" — blind, not pressure.
    assert!(of(&run!(SONOBUOY), Detector::MemoryPressure).is_empty());
    assert!(of(&run!(IMAGE_PULL), Detector::MemoryPressure).is_empty());
}

// ---- 5. image pull stampede ---------------------------------------------------------------

#[test]
fn image_pull_scenario() {
    let rep = run!(IMAGE_PULL);
    let f = of(&rep, Detector::ImagePullStampede);
    assert_eq!(f.len(), 1);
    let f = f[0];
    assert!(f.title.contains("3 node(s) (21×)"), "{}", f.title);
    assert!(
        f.summary
            .contains("gcr.io/kubeflow-images-public/ubuntu:18.04"),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("rising"), "{}", f.summary);
}

#[test]
fn image_pull_negative() {
    assert!(of(&run!(SONOBUOY), Detector::ImagePullStampede).is_empty());
    assert!(of(&run!(MEMORY), Detector::ImagePullStampede).is_empty());
}

// ---- 6. hot loop ---------------------------------------------------------------------------

#[test]
fn hot_loop_scenario() {
    let rep = run!(HOT_LOOP);
    let f = of(&rep, Detector::HotLoop);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].title
            .contains("deployment-controller: 3000 × create replicasets.apps"),
        "{}",
        f[0].title
    );
    assert!(
        f[0].summary.contains("3000 distinct objects created"),
        "{}",
        f[0].summary
    );
}

#[test]
fn hot_loop_negative() {
    for files in [AUDIT_REAL, LIST_STORM, &NAMESPACE_STALL[..1]] {
        assert!(of(&run!(files), Detector::HotLoop).is_empty(), "{files:?}");
    }
}

// ---- 7. NotReady ---------------------------------------------------------------------------

#[test]
fn sonobuoy_nodes_not_ready_at_kubelet_start() {
    let rep = run!(SONOBUOY);
    let f = of(&rep, Detector::NodeNotReady);
    let titles: Vec<&str> = f.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(
        titles,
        [
            "ip-10-0-9-206 NotReady for 1m36s",
            "ip-10-0-26-239 NotReady for 16.6s",
            "ip-10-0-9-16 NotReady for 16.7s"
        ]
    );
    let f = f[0];
    assert_eq!(f.from_text, "2017-12-13T16:58:18.944330Z");
    assert!(
        f.summary.contains("network not ready (CNI) (41×)"),
        "{}",
        f.summary
    );
    assert!(
        f.summary.contains("unable to load client CA file"),
        "{}",
        f.summary
    );
    assert!(f.missing[0].contains("kube-controller-manager"));
}

#[test]
fn not_ready_negative() {
    // The Windows kubelet log: "PLEG is not healthy: pleg has yet to be successful" for a few
    // ms after each kubelet start — blips, not episodes.
    let windows: &[&str] = &["kubelet/windows-kubelet-klogfile-v1.17.log"];
    for files in [MEMORY, IMAGE_PULL, AUDIT_REAL, windows] {
        assert!(
            of(&run!(files), Detector::NodeNotReady).is_empty(),
            "{files:?}"
        );
    }
}

// ---- 8. discovery / APIService outage ----------------------------------------------------

#[test]
fn discovery_outage_scenario() {
    let rep = run!(&NAMESPACE_STALL[1..]);
    let f = of(&rep, Detector::DiscoveryOutage);
    assert_eq!(f.len(), 1);
    assert!(
        f[0].title.contains("v1beta1.metrics.k8s.io"),
        "{}",
        f[0].title
    );
    assert!(f[0].summary.contains("namespace controller"));
    assert!(f[0].missing[0].contains("audit log"));
    assert_eq!(f[0].severity, Severity::Error);
}

#[test]
fn discovery_negative() {
    for files in [SONOBUOY, AUDIT_REAL, MEMORY] {
        assert!(
            of(&run!(files), Detector::DiscoveryOutage).is_empty(),
            "{files:?}"
        );
    }
}

// ---- report shape --------------------------------------------------------------------------

#[test]
fn report_round_trips_and_lists_every_detector() {
    let (ds, _) = load!(CNI_HANG);
    let rep = detect(&ds);
    assert_eq!(rep.detectors.len(), Detector::ALL.len());
    let ids: Vec<&str> = rep.findings.iter().map(|f| f.id.as_str()).collect();
    assert!(
        ids.contains(&"runtime_hang-1") && ids.contains(&"node_not_ready-1"),
        "{ids:?}"
    );
    let json = serde_json::to_string(&rep).unwrap();
    let back: FindingsReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back, rep);
    assert!(json.contains(r#""type":"lock_group""#));
    let hot = rep
        .detectors
        .iter()
        .find(|d| d.detector == Detector::HotLoop)
        .unwrap();
    assert!(!hot.had_input && hot.missing[0].contains("audit log"));
}

// ---- robustness ----------------------------------------------------------------------------

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    /// Any bytes, read as any format, never make a detector panic.
    #[test]
    fn detect_never_panics(a in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048),
                           b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
        let mut ds = Dataset::default();
        for (i, bytes) in [a, b].iter().enumerate() {
            ds.add(parse_bytes(FileMeta { name: format!("f{i}"), ..FileMeta::default() }, bytes));
        }
        let files = Files(vec![Vec::new(), Vec::new()]);
        let _ = detect_with(&ds, &files);
    }

    /// Real lines with shuffled timestamps and hosts: still no panic, and every finding's span
    /// is ordered.
    #[test]
    fn edited_kubelet_lines_keep_spans_ordered(stamps in proptest::collection::vec(0u32..86_400, 1..40)) {
        let Some(path) = whodunnit_testdata::scenario("cni-lock-hang/kubelet.journal.jsonl") else {
            return Ok(());
        };
        let base = std::fs::read_to_string(path).unwrap();
        let line = base.lines().next().unwrap();
        let mut text = String::new();
        for (i, s) in stamps.iter().enumerate() {
            let us = 1_583_157_611_000_000u64 + *s as u64 * 1_000_000;
            let l = line.replacen("\"ip-10-0-9-16\"", if i % 2 == 0 { "\"node-a\"" } else { "\"node-b\"" }, 1);
            let l = regex_free_replace_stamp(&l, us);
            text.push_str(&l);
            text.push('\n');
        }
        let mut ds = Dataset::default();
        ds.add(parse_bytes(FileMeta { name: "k.jsonl".into(), ..FileMeta::default() }, text.as_bytes()));
        let rep = detect(&ds);
        for f in &rep.findings {
            proptest::prop_assert!(f.from <= f.to, "{f:?}");
        }
    }
}

/// Replace the `__REALTIME_TIMESTAMP` value of a journal JSON line.
fn regex_free_replace_stamp(line: &str, us: u64) -> String {
    let key = "\"__REALTIME_TIMESTAMP\" : \"";
    let i = line.find(key).unwrap() + key.len();
    let j = i + line[i..].find('"').unwrap();
    format!("{}{us}{}", &line[..i], &line[j..])
}

#[test]
fn wanted_ranges_then_texts_name_the_apiservice() {
    let (ds, files) = load!(NAMESPACE_STALL);
    // Without text the label is masked: the APIService is not named.
    let blind = detect(&ds);
    let f = &of(&blind, Detector::StalledNamespaceDeletion)[0];
    assert!(!f.summary.contains("metrics.k8s.io"), "{}", f.summary);
    // Ask which ranges to read, read them, and detect again.
    let want = whodunnit_core::findings::wanted(&ds);
    assert!(!want.is_empty() && want.len() <= 40, "{}", want.len());
    let pieces: Vec<_> = want
        .iter()
        .map(|r| whodunnit_core::findings::TextPiece {
            file: r.file,
            offset: r.offset,
            text: String::from_utf8_lossy(&files.text(r.file, r.offset, r.len).unwrap())
                .into_owned(),
        })
        .collect();
    let rep = detect_with(&ds, &whodunnit_core::findings::Texts::new(&pieces));
    assert_eq!(rep, detect_with(&ds, &files));
    let f = &of(&rep, Detector::StalledNamespaceDeletion)[0];
    assert!(
        f.summary.contains("v1beta1.metrics.k8s.io"),
        "{}",
        f.summary
    );
}

#[test]
fn namespace_recreated_in_between_is_not_a_stall() {
    // The scenario's namespace DELETE, edited into a re-creation two days later: the late
    // deletions then belong to the new namespace.
    let path = whodunnit_testdata::scenario_or_skip!("namespace-stall/audit.log");
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap();
    let create = first
        .replace("\"verb\":\"delete\"", "\"verb\":\"create\"")
        .replace(
            "36015806-8e58-0650-7067-dd34233271be",
            "36015806-8e58-0650-7067-dd34233271bf",
        )
        .replace("\"code\":200", "\"code\":201")
        .replace("2020-11-13T09:41:07", "2020-11-15T09:41:07");
    assert_ne!(create, first);
    let edited = format!("{first}\n{create}\n{}", &text[first.len() + 1..]);
    let mut ds = Dataset::default();
    ds.add(parse_bytes(
        FileMeta {
            name: "audit.log".into(),
            ..FileMeta::default()
        },
        edited.as_bytes(),
    ));
    assert!(of(&detect(&ds), Detector::StalledNamespaceDeletion).is_empty());
}

#[test]
fn controller_manager_not_ready_mark_is_attributed_to_the_node() {
    // The real node-lifecycle-controller line quoted in nodelog/classes.rs (journalctl short).
    let line = "Jun 17 13:01:21 kubedee-test-controller kube-controller-manager[1717]: I0617 13:01:21.373343    1717 node_lifecycle_controller.go:702] Node kubedee-test-worker-2ajv8y is NotReady as of 2019-06-17 13:01:21.373314502 +0000 UTC m=+110.217298148. Adding it to the Taint queue.\n";
    let mut ds = Dataset::default();
    ds.add(parse_bytes(
        FileMeta {
            name: "controller-manager.log".into(),
            last_modified_ms: Some(MTIME_MS),
            ..FileMeta::default()
        },
        line.as_bytes(),
    ));
    resolve_years(&mut ds);
    let files = Files(vec![line.as_bytes().to_vec()]);
    let rep = detect_with(&ds, &files);
    let f = of(&rep, Detector::NodeNotReady);
    assert_eq!(f.len(), 1, "{:#?}", rep.findings);
    assert!(
        f[0].title
            .starts_with("kubedee-test-worker-2ajv8y NotReady"),
        "{}",
        f[0].title
    );
    assert_eq!(f[0].severity, Severity::Error);
    assert!(f[0].summary.contains("marked NotReady (1×)"));
    assert!(f[0].missing.is_empty(), "{:?}", f[0].missing);
}
