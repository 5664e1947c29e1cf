//! Managed-cloud audit log shapes (GKE, EKS, AKS).
//!
//! The wrapped fixtures in `tests/fixtures/audit/cloud/` are real events of the CC0 live
//! recording (`live-slice.jsonl.gz`) wrapped the way each cloud's tooling does (`make.py`,
//! SOURCES.md): every shape must give the same per-user requests as the native slice. The real
//! AKS and GKE records of the shared corpus are read in place and compared with the native
//! events they carry, extracted at test time.

use std::collections::BTreeMap;
use whodunnit_core::audit::{cost_report, CostQuery, CostReport, GroupBy};
use whodunnit_core::format::Format;
use whodunnit_core::{parse_bytes, Dataset, DiagKind, FileMeta, ParsedFile};
use whodunnit_testdata::{corpus_or_skip, fixture};

fn cloud(name: &str) -> Vec<u8> {
    let p = fixture(&format!("audit/cloud/{name}"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn parse(name: &str, b: &[u8]) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        },
        b,
    )
}

fn dataset(files: &[(&str, Vec<u8>)]) -> Dataset {
    let mut ds = Dataset::default();
    for (n, b) in files {
        ds.add(parse(n, b));
    }
    ds
}

fn report(ds: &Dataset, by: GroupBy) -> CostReport {
    cost_report(
        ds,
        &CostQuery {
            by,
            top: usize::MAX,
            ..CostQuery::default()
        },
    )
}

/// Per key: (requests, query time µs, untimed, long-running, 4xx, 5xx, 429).
type Rows = BTreeMap<String, (u64, i64, u64, u64, u64, u64, u64)>;

fn rows(r: &CostReport) -> Rows {
    r.rows
        .iter()
        .map(|x| {
            (
                x.key.clone(),
                (
                    x.requests,
                    x.query_time_us,
                    x.untimed,
                    x.long_running,
                    x.errors_4xx,
                    x.errors_5xx,
                    x.throttled_429,
                ),
            )
        })
        .collect()
}

/// Shapes that carry the apiserver's Event itself, with their documented detail.
const FULL_EVENT_SHAPES: [(&str, &str); 10] = [
    (
        "eks-filter-log-events.json.gz",
        "CloudWatch Logs filter-log-events/get-log-events JSON",
    ),
    (
        "eks-logs-tail.txt.gz",
        "CloudWatch Logs text (aws logs tail)",
    ),
    ("eks-s3-export.gz", "CloudWatch Logs S3 export"),
    (
        "eks-firehose.json.gz",
        "CloudWatch Logs subscription payload",
    ),
    (
        "eks-insights.json.gz",
        "CloudWatch Logs Insights JSON export",
    ),
    ("aks-eventhub.json.gz", "Azure Event Hub batch"),
    ("aks-pt1h.json.gz", "Azure diagnostic records"),
    ("aks-aksaudit.json.gz", "Log Analytics AKSAudit rows"),
    (
        "aks-azurediagnostics.json.gz",
        "Log Analytics AzureDiagnostics rows",
    ),
    ("live-slice.jsonl.gz", "JSON lines"),
];

#[test]
fn every_full_event_shape_reads_like_the_native_log() {
    let native = dataset(&[("live-slice.jsonl.gz", cloud("live-slice.jsonl.gz"))]);
    let want = report(&native, GroupBy::User);
    assert_eq!(want.totals.requests, 161);
    assert!(want.totals.query_time_us > 2_000_000);
    for (name, shape) in FULL_EVENT_SHAPES {
        let ds = dataset(&[(name, cloud(name))]);
        let f = &ds.files[0];
        assert_eq!(f.format, Format::AuditLog, "{name}");
        assert!(f.detail.contains(shape), "{name}: {}", f.detail);
        assert_eq!(f.records, 322, "{name}");
        assert_eq!(f.diags.skipped_lines, 0, "{name}: {:?}", f.diags.kept);
        for k in [DiagKind::BadJson, DiagKind::Malformed, DiagKind::Truncated] {
            assert_eq!(f.diags.counts.get(&k), None, "{name}: {:?}", f.diags.kept);
        }
        let got = report(&ds, GroupBy::User);
        assert_eq!(rows(&got), rows(&want), "{name}");
        assert_eq!(got.totals, want.totals, "{name}");
    }
}

#[test]
fn gke_entries_give_the_requests_without_the_latency_they_do_not_carry() {
    let native = report(
        &dataset(&[("live-slice.jsonl.gz", cloud("live-slice.jsonl.gz"))]),
        GroupBy::User,
    );
    for name in ["gke-logging-read.json.gz", "gke-sink.jsonl.gz"] {
        let ds = dataset(&[(name, cloud(name))]);
        let f = &ds.files[0];
        assert!(f.detail.contains("Cloud Logging LogEntry"), "{}", f.detail);
        assert_eq!(f.records, 161, "{name}");
        // The Compute Engine entry is counted as not Kubernetes, not as an error.
        assert_eq!(f.diags.counts.get(&DiagKind::Ignored), Some(&1), "{name}");
        assert!(f.diags.kept[0].reason.contains("compute.googleapis.com"));
        assert_eq!(f.diags.counts.get(&DiagKind::BadJson), None);
        let r = report(&ds, GroupBy::User);
        assert_eq!(r.totals.requests, native.totals.requests);
        // One timestamp per entry: no latency, every request untimed, nothing guessed.
        assert_eq!(r.totals.timed, 0);
        assert_eq!(r.totals.query_time_us, 0);
        assert_eq!(r.totals.untimed, r.totals.requests);
        let reqs = |r: &CostReport| -> BTreeMap<String, (u64, u64, u64, u64)> {
            r.rows
                .iter()
                .map(|x| {
                    (
                        x.key.clone(),
                        (x.requests, x.errors_4xx, x.errors_5xx, x.throttled_429),
                    )
                })
                .collect()
        };
        assert_eq!(reqs(&r), reqs(&native), "{name}");
        // The same LISTs, but their resourceVersion class is unknown (no requestURI): neither
        // etcd nor cache is claimed for them, and the report says why.
        assert_eq!(r.totals.lists, native.totals.lists);
        assert_eq!(r.totals.lists_unknown, r.totals.lists);
        assert!(r.missing.iter().any(|m| m.contains("no requestURI")));
        assert!(r.missing.iter().any(|m| m.contains("no latency")));
    }
}

#[test]
fn the_apiserver_is_a_dimension_across_a_mixed_folder() {
    let names = [
        "live-slice.jsonl.gz",
        "gke-sink.jsonl.gz",
        "eks-firehose.json.gz",
        "aks-eventhub.json.gz",
    ];
    let ds = dataset(&names.map(|n| (n, cloud(n))));
    let r = report(&ds, GroupBy::Apiserver);
    let keys: BTreeMap<&str, u64> = r
        .rows
        .iter()
        .map(|x| (x.key.as_str(), x.requests))
        .collect();
    let want: BTreeMap<&str, u64> = [
        ("(not in the log)", 161),
        ("whodunnit-fixtures/europe-west1/live", 161),
        (
            "live/kube-apiserver-audit-1f6c3a0e2b9d4e7f8a5b6c7d8e9f0a1b",
            81,
        ),
        (
            "live/kube-apiserver-audit-9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b",
            80,
        ),
        ("LIVE/kube-apiserver-7d9f8c6b5-abcde", 81),
        ("LIVE/kube-apiserver-7d9f8c6b5-fghij", 80),
    ]
    .into_iter()
    .collect();
    assert_eq!(keys, want);
    assert_eq!(r.totals.requests, 4 * 161);
    // Drill down into one apiserver.
    let one = cost_report(
        &ds,
        &CostQuery {
            by: GroupBy::User,
            filters: vec![(
                GroupBy::Apiserver,
                "LIVE/kube-apiserver-7d9f8c6b5-abcde".into(),
            )],
            ..CostQuery::default()
        },
    );
    assert_eq!(one.totals.requests, 81);
}

#[test]
fn cloud_shapes_do_not_depend_on_chunking() {
    for name in [
        "eks-firehose.json.gz",
        "gke-logging-read.json.gz",
        "aks-eventhub.json.gz",
        "eks-logs-tail.txt.gz",
    ] {
        let raw = cloud(name);
        let whole = serde_json::to_string(&parse(name, &raw).data).unwrap();
        for chunk in [13, 4096] {
            let mut ing = whodunnit_core::FileIngest::new(FileMeta {
                name: name.into(),
                ..FileMeta::default()
            });
            for c in raw.chunks(chunk) {
                ing.push(c);
            }
            let got = serde_json::to_string(&ing.finish().data).unwrap();
            assert_eq!(got, whole, "{name} in chunks of {chunk}");
        }
    }
}

/// The native events an AKS record carries, as JSON lines: what the apiserver wrote.
fn aks_native_lines(doc: &serde_json::Value) -> String {
    let recs = match doc.get("records") {
        Some(r) => r.as_array().unwrap().clone(),
        None => vec![doc.clone()],
    };
    recs.iter()
        .map(|r| {
            r["properties"]["log"]
                .as_str()
                .unwrap()
                .trim_end()
                .to_string()
                + "\n"
        })
        .collect()
}

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

#[test]
fn real_aks_records_read_like_the_events_inside_them() {
    for (rel, n, cluster) in [
        (
            "audit/sysdig-aks-audit-log__event.json",
            22,
            "KUBETEST/kube-apiserver-79599f95c7-qn557",
        ),
        (
            "audit/sysdig-aks-audit-log__sample_EventHubs_event.json",
            1,
            "KUBEAUDITLOGTESTCLUSTER/kube-apiserver-6df5497d6d-g2vd7",
        ),
    ] {
        let p = corpus_or_skip!(rel);
        let raw = std::fs::read(&p).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(strip_bom(&raw)).unwrap();
        let native = dataset(&[("native.jsonl", aks_native_lines(&doc).into_bytes())]);
        let wrapped = dataset(&[(rel, raw)]);
        assert_eq!(wrapped.files[0].format, Format::AuditLog);
        assert_eq!(wrapped.files[0].records, n, "{rel}");
        let (w, nat) = (
            report(&wrapped, GroupBy::User),
            report(&native, GroupBy::User),
        );
        assert_eq!(rows(&w), rows(&nat), "{rel}");
        assert_eq!(w.totals.requests, n);
        let by_server = report(&wrapped, GroupBy::Apiserver);
        assert_eq!(by_server.rows.len(), 1);
        assert_eq!(by_server.rows[0].key, cluster);
    }
    // The batch's documented counts (SOURCES.md): aksService 11, resourcequota-controller 7.
    let p = corpus_or_skip!("audit/sysdig-aks-audit-log__event.json");
    let r = report(
        &dataset(&[("event.json", std::fs::read(p).unwrap())]),
        GroupBy::User,
    );
    let get = |k: &str| r.rows.iter().find(|x| x.key == k).map(|x| x.requests);
    assert_eq!(get("aksService"), Some(11));
    assert_eq!(
        get("system:serviceaccount:kube-system:resourcequota-controller"),
        Some(7)
    );
}

#[test]
fn real_gke_entries_map_to_requests() {
    for (rel, verb, resource, ns, name) in [
        (
            "audit/sysdig-stackdriver-webhook-bridge__log_entries_delete_namespace.json",
            "delete",
            "namespaces",
            "test-ns",
            "test-ns",
        ),
        (
            "audit/sysdig-stackdriver-webhook-bridge__log_entries_exec_pod.json",
            "create",
            "pods/exec",
            "default",
            "hostnetwork-deployment-5dc5447c47-6ssdf",
        ),
        (
            "audit/sysdig-stackdriver-webhook-bridge__log_entries_attach_cluster_admin_role.json",
            "create",
            "clusterrolebindings.rbac.authorization.k8s.io",
            "",
            "evil-user-binding",
        ),
    ] {
        let p = corpus_or_skip!(rel);
        let ds = dataset(&[(rel, std::fs::read(p).unwrap())]);
        assert_eq!(ds.files[0].format, Format::AuditLog, "{rel}");
        let r = cost_report(&ds, &CostQuery::default());
        assert_eq!(r.totals.requests, 1);
        assert_eq!(r.totals.timed, 0, "GKE entries carry no latency");
        let ex = &r.examples[0];
        assert_eq!(ex.user, "mark.stemm@sysdig.com");
        assert_eq!(ex.verb, verb, "{rel}");
        assert_eq!(ex.resource, resource, "{rel}");
        assert_eq!(ex.namespace, ns, "{rel}");
        assert_eq!(ex.name, name, "{rel}");
        assert_eq!(ex.latency_us, None);
        assert!(ex.user_agent.starts_with("kubectl/v1.11.10"));
        let by_server = report(&ds, GroupBy::Apiserver);
        assert!(
            by_server.rows[0].key.ends_with("-cluster-1")
                || by_server.rows[0].key.ends_with("-cluster-2")
        );
    }
}
