//! Audit logs on real fixtures (tests/fixtures/audit, provenance in SOURCES.md).
//!
//! Per-user numbers are checked against `reference.expected`, computed independently by DuckDB
//! (`reference.sql`), so a modelling error here cannot hide behind a hand-written expectation.

use proptest::prelude::*;
use std::collections::BTreeMap;
use whodunnit_core::audit::{
    cost_report, history, CostQuery, CostReport, GroupBy, HistoryReport, ObjectSpec,
};
use whodunnit_core::format::Format;
use whodunnit_core::{parse_bytes, Dataset, DiagKind, FileMeta, FormatData, ParsedFile};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/audit/");

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"))
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

fn load(names: &[&str]) -> Dataset {
    dataset(&names.iter().map(|n| (*n, bytes(n))).collect::<Vec<_>>())
}

fn all_rows(ds: &Dataset, by: GroupBy) -> CostReport {
    cost_report(
        ds,
        &CostQuery {
            by,
            top: usize::MAX,
            ..CostQuery::default()
        },
    )
}

/// (requests, query time µs, long-running) per user.
type PerUser = BTreeMap<String, (u64, i64, u64)>;

fn per_user(r: &CostReport) -> PerUser {
    r.rows
        .iter()
        .map(|row| {
            (
                row.key.clone(),
                (row.requests, row.query_time_us, row.long_running),
            )
        })
        .collect()
}

fn reference() -> BTreeMap<String, PerUser> {
    let text = String::from_utf8(bytes("reference.expected")).unwrap();
    let mut out: BTreeMap<String, PerUser> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 5, "bad reference line {line:?}");
        out.entry(f[0].to_string()).or_default().insert(
            f[1].to_string(),
            (
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            ),
        );
    }
    out
}

#[test]
fn per_user_totals_equal_duckdb_reference() {
    let reference = reference();
    assert_eq!(reference.len(), 4, "reference covers every source fixture");
    for (file, want) in &reference {
        let ds = load(&[file]);
        assert_eq!(ds.files[0].format, Format::AuditLog, "{file} sniffed");
        assert_eq!(
            ds.files[0].diags.total(),
            0,
            "{file}: {:?}",
            ds.files[0].diags
        );
        let got = per_user(&all_rows(&ds, GroupBy::User));
        assert_eq!(&got, want, "{file}");
    }
}

#[test]
fn stages_of_one_request_count_once() {
    let ds = load(&["audit2rbac-demo-head.log"]);
    let f = &ds.files[0];
    assert_eq!(f.records, 23, "every stage event is a record");
    let FormatData::Audit(d) = &f.data else {
        panic!("not audit data")
    };
    assert_eq!(d.requests.len(), 14);
    assert_eq!(d.merged_stages, 9);
    assert_eq!(d.stages.get("RequestReceived"), Some(&9));
    assert_eq!(d.stages.get("ResponseComplete"), Some(&14));
    assert_eq!(d.api_versions.get("audit.k8s.io/v1beta1"), Some(&23));
    assert!(
        f.detail.contains("v1beta1") && f.detail.contains("JSON lines"),
        "{}",
        f.detail
    );
    // One timeline event per request, on the user's lane; 403s are "denied".
    assert_eq!(f.events.len(), 14);
    assert_eq!(f.events.lanes.get(f.events.lane[0]), "audit/system:admin");
    assert_eq!(f.events.kind_name(0), "audit.list.denied");
    // Impersonation is kept.
    let r = all_rows(&ds, GroupBy::User);
    let denied = r.examples.iter().find(|e| e.code == 403).expect("a 403");
    assert_eq!(denied.impersonated, "bob");
    // The representative event of a merged request is its ResponseComplete line.
    let delete = r
        .examples
        .iter()
        .find(|e| e.verb == "delete" && e.code == 200)
        .expect("a successful delete");
    let raw = &bytes("audit2rbac-demo-head.log")
        [delete.offset as usize..(delete.offset + delete.len) as usize];
    let v: serde_json::Value = serde_json::from_slice(raw).unwrap();
    assert_eq!(v["stage"], "ResponseComplete");
    assert_eq!(v["verb"], "delete");
}

#[test]
fn long_running_requests_stay_out_of_query_time() {
    let ds = load(&["openshift-clo-crc.log"]);
    let r = all_rows(&ds, GroupBy::User);
    let kcm = r
        .rows
        .iter()
        .find(|x| x.key == "system:kube-controller-manager")
        .unwrap();
    assert_eq!(
        (kcm.requests, kcm.long_running, kcm.query_time_us),
        (2, 2, 0)
    );
    // The watches were open ~8 minutes each: that is reported apart, not as query time.
    assert!(
        kcm.long_running_us > 8 * 60 * 1_000_000,
        "{}",
        kcm.long_running_us
    );
    assert_eq!(r.totals.long_running, 3);
    assert_eq!(r.long_running[0].key, "system:kube-controller-manager");
    // The top user by query time is the authentication operator, not the watchers.
    assert_eq!(
        r.rows[0].key,
        "system:serviceaccount:openshift-authentication-operator:authentication-operator"
    );
    // Exec and attach are long-running too.
    let falco = all_rows(&load(&["falco-k8s-audit.jsonl"]), GroupBy::User);
    assert_eq!(falco.rows[0].long_running, 2);
    assert_eq!(falco.rows[0].query_time_us, 5250);
}

#[test]
fn gzip_reads_like_plain() {
    let plain = all_rows(&load(&["openshift-clo-crc.log"]), GroupBy::User);
    let gz = load(&["openshift-clo-crc.log.gz"]);
    assert!(gz.files[0].gzip);
    let gzr = all_rows(&gz, GroupBy::User);
    assert_eq!(per_user(&gzr), per_user(&plain));
    assert_eq!(gzr.totals, plain.totals);
}

#[test]
fn eventlist_reads_like_json_lines_and_keeps_item_offsets() {
    let lines = all_rows(&load(&["openshift-clo-k8s.log"]), GroupBy::User);
    let name = "eventlist-openshift-clo-k8s.json";
    let ds = load(&[name]);
    let f = &ds.files[0];
    assert_eq!(f.format, Format::AuditLog);
    assert!(f.detail.contains("EventList"), "{}", f.detail);
    assert_eq!(f.records, 10);
    let list = all_rows(&ds, GroupBy::User);
    assert_eq!(per_user(&list), per_user(&lines));
    // Each example points at exactly its own item inside the one-line list.
    let raw = bytes(name);
    for e in &list.examples {
        let item = &raw[e.offset as usize..(e.offset + e.len) as usize];
        let v: serde_json::Value = serde_json::from_slice(item).unwrap();
        assert_eq!(v["user"]["username"], e.user.as_str());
        assert_eq!(e.line, 1);
    }
}

#[test]
fn pretty_printed_documents_read_like_json_lines() {
    let lines = all_rows(&load(&["openshift-clo-crc.log"]), GroupBy::User);
    let name = "pretty-openshift-clo-crc.json";
    let ds = load(&[name]);
    assert!(
        ds.files[0].detail.contains("pretty-printed"),
        "{}",
        ds.files[0].detail
    );
    assert_eq!(ds.files[0].diags.total(), 0, "{:?}", ds.files[0].diags);
    let pretty = all_rows(&ds, GroupBy::User);
    assert_eq!(per_user(&pretty), per_user(&lines));
    let raw = bytes(name);
    for e in &pretty.examples {
        let doc = &raw[e.offset as usize..(e.offset + e.len) as usize];
        let v: serde_json::Value = serde_json::from_slice(doc).unwrap();
        assert_eq!(v["user"]["username"], e.user.as_str());
        assert!(e.line > 1 || e.offset == 0);
    }
    // A pretty-printed EventList of v1beta1 events.
    let v1b = all_rows(&load(&["eventlist-pretty-audit2rbac.json"]), GroupBy::User);
    let orig = all_rows(&load(&["audit2rbac-demo-head.log"]), GroupBy::User);
    assert_eq!(per_user(&v1b), per_user(&orig));
}

#[test]
fn results_do_not_depend_on_chunking() {
    for name in [
        "pretty-openshift-clo-crc.json",
        "eventlist-openshift-clo-k8s.json",
    ] {
        let raw = bytes(name);
        let whole = serde_json::to_string(&parse(name, &raw).data).unwrap();
        for chunk in [1, 7, 64, 4096] {
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

#[test]
fn stages_split_across_rotated_files_merge() {
    let raw = bytes("openshift-clo-crc.log");
    // Split between the ResponseStarted and ResponseComplete of the first watch (lines 12/13).
    let cut = raw
        .iter()
        .enumerate()
        .filter(|(_, &b)| b == b'\n')
        .nth(11)
        .unwrap()
        .0
        + 1;
    let split = dataset(&[
        ("a.log", raw[..cut].to_vec()),
        ("b.log", raw[cut..].to_vec()),
    ]);
    let whole = all_rows(&load(&["openshift-clo-crc.log"]), GroupBy::User);
    let parts = all_rows(&split, GroupBy::User);
    assert_eq!(per_user(&parts), per_user(&whole));
    assert_eq!(parts.totals, whole.totals);
}

#[test]
fn malformed_lines_are_counted_with_their_line_never_fatal() {
    let mut raw = b"not json at all\n".to_vec();
    raw.extend(bytes("openshift-clo-k8s.log"));
    // A line cut off by rotation in the middle of the file, then a broken object.
    let cut = bytes("openshift-clo-crc.log");
    raw.extend_from_slice(&cut[..300]);
    raw.extend_from_slice(b"\n{\"auditID\": 12}\n");
    raw.extend(bytes("openshift-clo-crc.log"));
    let ds = dataset(&[("mixed.log", raw)]);
    let f = &ds.files[0];
    assert_eq!(f.format, Format::AuditLog);
    assert_eq!(f.records, 10 + 18);
    let lines: Vec<u64> = f.diags.kept.iter().map(|d| d.line).collect();
    assert_eq!(lines, vec![1, 12, 13], "{:?}", f.diags.kept);
    assert_eq!(f.diags.counts.get(&DiagKind::Malformed), Some(&1));
    assert_eq!(f.diags.counts.get(&DiagKind::Truncated), Some(&1));
    assert_eq!(f.diags.counts.get(&DiagKind::BadJson), Some(&1));
    assert_eq!(f.diags.skipped_lines, 3);
    let r = all_rows(&ds, GroupBy::User);
    assert_eq!(r.totals.requests, 10 + 16);
}

#[test]
fn history_of_an_object_and_of_a_namespace() {
    let ds = load(&["audit2rbac-demo-head.log", "falco-k8s-audit.jsonl"]);
    let spec = ObjectSpec::parse("default/roles/audit2rbac:bob").unwrap();
    let h: HistoryReport = history(&ds, &spec, 1000);
    let verbs: Vec<(&str, u16)> = h
        .entries
        .iter()
        .map(|e| (e.request.verb.as_str(), e.request.code))
        .collect();
    assert_eq!(
        verbs,
        vec![
            ("delete", 404),
            ("get", 404),
            ("create", 201),
            ("delete", 200),
            ("get", 200),
            ("get", 404),
            ("create", 201)
        ]
    );
    assert!(h
        .entries
        .windows(2)
        .all(|w| w[0].request.time <= w[1].request.time));
    let ns = history(&ds, &ObjectSpec::parse("namespace foo").unwrap(), 1000);
    assert_eq!(ns.total, 1);
    assert_eq!(ns.groups[0].what, "namespace foo");
    assert_eq!(ns.groups[0].first_delete_by, "minikube-user");
    let default = history(&ds, &ObjectSpec::parse("namespace default").unwrap(), 1000);
    assert_eq!(default.total, 14 + 2);
    assert!(default.entries.iter().all(|e| e.inside));
    let roles = default
        .groups
        .iter()
        .find(|g| g.what.starts_with("roles."))
        .unwrap();
    assert_eq!(roles.deletes, 1);
}

#[test]
fn grouping_windows_and_drill_down() {
    let ds = load(&["openshift-clo-k8s.log", "openshift-clo-crc.log"]);
    let by_res = all_rows(&ds, GroupBy::Resource);
    assert!(by_res
        .rows
        .iter()
        .any(|r| r.key == "/openapi/v2" && r.requests == 9));
    assert!(by_res
        .rows
        .iter()
        .any(|r| r.key == "leases.coordination.k8s.io" && r.requests == 3));
    // LIST sources: rv unset with a label selector is served from etcd; rv=N from the cache.
    let lists: Vec<_> = by_res.rows.iter().filter(|r| r.lists > 0).collect();
    assert_eq!(by_res.totals.lists, 2);
    assert_eq!(by_res.totals.lists_etcd, 1);
    assert!(lists
        .iter()
        .any(|r| r.key == "pods" && r.lists_etcd_with_selector == 1));
    // Drill-down: one user, by verb, then the examples.
    let q = CostQuery {
        by: GroupBy::Verb,
        filters: vec![(
            GroupBy::User,
            "system:serviceaccount:openshift-operators-redhat:elasticsearch-operator".into(),
        )],
        ..CostQuery::default()
    };
    let drill = cost_report(&ds, &q);
    let verbs: Vec<(&str, u64)> = drill
        .rows
        .iter()
        .map(|r| (r.key.as_str(), r.requests))
        .collect();
    assert_eq!(verbs, vec![("create", 1), ("update", 1)]);
    assert_eq!(drill.examples.len(), 2);
    assert_eq!(drill.examples[0].latency_us, Some(14356));
    // A window keeps only requests that started inside it.
    let since = whodunnit_core::time::parse_rfc3339("2021-03-17T00:00:00Z").unwrap();
    let w = cost_report(
        &ds,
        &CostQuery {
            since: Some(since),
            ..CostQuery::default()
        },
    );
    assert_eq!(w.totals.requests, 16);
    assert_eq!(w.window.start, since);
    // Shares add up, the series covers the window, the weekly table has both weeks.
    let all = all_rows(&ds, GroupBy::User);
    let share: f64 = all.rows.iter().map(|r| r.share).sum();
    assert!((share - 1.0).abs() < 1e-9);
    assert_eq!(all.weekly.weeks.len(), 2);
    let in_flight: f64 =
        all.series.values.iter().flatten().sum::<f64>() * all.series.bucket_us as f64;
    assert!(
        (in_flight - all.totals.query_time_us as f64).abs() < 1.0,
        "{in_flight}"
    );
}

#[test]
fn latency_and_apf_annotations_are_summed() {
    // A real event (openshift-clo-k8s.log line 2) edited to carry the annotations newer
    // apiservers add: latency trackers and priority-and-fairness classification.
    let line = String::from_utf8(bytes("openshift-clo-k8s.log"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .replace(
            r#""annotations":{"#,
            r#""annotations":{"apiserver.latency.k8s.io/etcd":"3.5ms","apiserver.latency.k8s.io/serialize-response-object":"629.994µs","apiserver.latency.k8s.io/total":"-2562047h47m16.854775808s","apf_pl":"workload-low","apf_fs":"service-accounts","#,
        );
    let ds = dataset(&[("ann.log", format!("{line}\n").into_bytes())]);
    let r = all_rows(&ds, GroupBy::User);
    let parts: Vec<(&str, i64)> = r
        .latency_breakdown
        .iter()
        .map(|p| (p.name.as_str(), p.micros))
        .collect();
    // The negative (overflowed) total seen in real logs is dropped, not summed.
    assert_eq!(
        parts,
        vec![("etcd", 3500), ("serialize-response-object", 630)]
    );
    assert_eq!(r.apf.len(), 1);
    assert_eq!(
        (
            r.apf[0].priority_level.as_str(),
            r.apf[0].flow_schema.as_str(),
            r.apf[0].requests
        ),
        ("workload-low", "service-accounts", 1)
    );
    assert_eq!(r.rows[0].latency_breakdown.len(), 2);
}

#[test]
fn nothing_else_is_sniffed_as_audit() {
    assert_eq!(
        whodunnit_core::audit::sniff(&[b"I0520 05:24:43.888087 11 x.go:1] hi"]),
        0
    );
    let falco = bytes("falco-k8s-audit.jsonl");
    let first = falco.split(|&b| b == b'\n').next().unwrap();
    assert!(whodunnit_core::audit::sniff(&[first]) >= 80);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]
    /// Arbitrary bytes through the audit parser itself never panic, and every line is accounted.
    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let mut raw = b"{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"a\",\"stage\":\"ResponseComplete\",\"verb\":\"get\"}\n".to_vec();
        raw.extend(body);
        let f = parse("fuzz", &raw);
        prop_assert_eq!(f.format, Format::AuditLog);
        let ds = Dataset { files: vec![f] };
        let _ = all_rows(&ds, GroupBy::Resource);
        let _ = history(&ds, &ObjectSpec::Namespace { name: "x".into() }, 10);
    }

    /// Mutated real events never panic either.
    #[test]
    fn mutated_events_never_panic(pos in 0usize..16000, byte in any::<u8>(), cut in 0usize..16000) {
        let mut raw = bytes("openshift-clo-crc.log");
        let p = pos % raw.len();
        raw[p] = byte;
        raw.truncate(cut.max(p + 1));
        let ds = Dataset { files: vec![parse("m", &raw)] };
        let _ = all_rows(&ds, GroupBy::User);
    }
}
