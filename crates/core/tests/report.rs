//! Offline reports: round trip, redaction and versioning, on real files (tests/fixtures and the
//! corpus, read in place; tests that need the corpus skip without it).

use serde_json::Value;
use std::collections::BTreeSet;
use whodunnit_core::query::{answer, Query};
use whodunnit_core::report::{self, Assets, ExportOptions, ReportState};
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

/// `audit/` and `report/` are the project's fixtures, the rest lies in the corpus (tests that
/// read it start with `require_corpus!()`).
fn fixture(rel: &str) -> std::path::PathBuf {
    if rel.starts_with("audit/") || rel.starts_with("report/") {
        whodunnit_testdata::fixture(rel)
    } else {
        whodunnit_testdata::corpus(rel).expect("the test checked for the corpus")
    }
}

const AUDIT: &[&str] = &[
    "audit/audit2rbac-demo-head.log",
    "audit/falco-k8s-audit.jsonl",
    "audit/openshift-clo-crc.log",
    "audit/openshift-clo-k8s.log",
];
const JOURNALS: &[&str] = &[
    "kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl",
    "kubelet/sonobuoy-systemd-logs/results-0.9-ip-10-0-26-239.journal.jsonl",
];
const OTHERS: &[&str] = &[
    "goroutines/gostackparse_waitsince.txt",
    "kubelet/lnav-logfile_glog.log",
];

/// The decompressed bytes of a test file.
fn read(rel: &str) -> Vec<u8> {
    whodunnit_testdata::gunzip_if(whodunnit_testdata::read(fixture(rel)))
}

fn dataset(files: &[&str]) -> Dataset {
    let mut ds = Dataset::default();
    for rel in files {
        let bytes = std::fs::read(fixture(rel)).unwrap();
        let name = rel.rsplit('/').next().unwrap().to_string();
        ds.add(parse_bytes(
            FileMeta {
                name,
                size: Some(bytes.len() as u64),
                last_modified_ms: None,
            },
            &bytes,
        ));
    }
    ds
}

fn fake_assets() -> Assets {
    Assets {
        app_js: b"export default async function init() {}".to_vec(),
        app_wasm: vec![0, 97, 115, 109, 1, 0, 0, 0],
        worker_js: b"let wasm_bindgen = () => {};".to_vec(),
        worker_wasm: vec![0, 97, 115, 109, 1, 0, 0, 0],
        css: "body { color: red }".into(),
    }
}

fn opts(redact: bool) -> ExportOptions {
    ExportOptions {
        redact,
        salt: b"test salt".to_vec(),
        include_raw: vec![],
        created: "2026-11-25T20:00:00Z".into(),
        texts: vec![],
    }
}

/// The state's JSON text as it sits (encoded) in the HTML.
fn state_json(html: &str) -> String {
    let state = report::extract(html.as_bytes()).unwrap();
    serde_json::to_string(&state).unwrap()
}

#[test]
fn round_trip_keeps_every_number() {
    whodunnit_testdata::require_corpus!();
    let files: Vec<&str> = AUDIT
        .iter()
        .chain(JOURNALS)
        .chain(OTHERS)
        .copied()
        .collect();
    let ds = dataset(&files);
    let state = ReportState::new(&ds, &opts(false), |_| None).unwrap();
    let html = report::build_html(&fake_assets(), &state);
    assert!(report::is_report(html.as_bytes()));
    let back = report::extract(html.as_bytes()).unwrap();
    assert_eq!(back.schema, report::SCHEMA);
    assert_eq!(back.app_version, whodunnit_core::VERSION);
    assert_eq!(back.created, "2026-11-25T20:00:00Z");
    assert_eq!(back.files.len(), files.len());
    assert_eq!(back.files[0].name, "audit2rbac-demo-head.log");
    assert!(back.files.iter().all(|f| f.records > 0), "{:?}", back.files);
    // The restored dataset is the same data, so every view's query answers the same.
    assert_eq!(
        serde_json::to_value(&back.dataset).unwrap(),
        serde_json::to_value(&ds).unwrap()
    );
    assert_eq!(
        answer(&back.dataset, &Query::Summaries),
        answer(&ds, &Query::Summaries)
    );
    let r = report::restore(back);
    assert!(!r.info.redacted);
    assert_eq!(r.dataset.files.len(), files.len());
    assert!(
        r.raws.iter().all(Option::is_none),
        "no raw bytes unless asked"
    );
}

#[test]
fn html_is_self_contained_with_a_strict_policy() {
    whodunnit_testdata::require_corpus!();
    let ds = dataset(OTHERS);
    let html = report::build_html(
        &fake_assets(),
        &ReportState::new(&ds, &opts(false), |_| None).unwrap(),
    );
    let csp = report::html::csp();
    assert!(html.contains(&csp));
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    for bad in ["http:", "https:", "'self'", "'unsafe-eval'", "*"] {
        assert!(!csp.contains(bad), "CSP allows {bad}: {csp}");
    }
    // Nothing in the page points anywhere: no src/href attributes but the empty icon.
    assert!(!html.contains(" src="), "an external script");
    assert_eq!(html.matches("href=").count(), 1);
    assert!(html.contains("<link rel=\"icon\" href=\"data:,\" />"));
}

#[test]
fn raw_bytes_only_for_opted_in_files() {
    whodunnit_testdata::require_corpus!();
    let ds = dataset(OTHERS);
    let mut o = opts(false);
    o.include_raw = vec![1];
    let state = ReportState::new(&ds, &o, |i| Some(read(OTHERS[i]))).unwrap();
    let html = report::build_html(&fake_assets(), &state);
    let back = report::extract(html.as_bytes()).unwrap();
    assert_eq!(
        back.options.include_raw,
        vec!["lnav-logfile_glog.log".to_string()]
    );
    assert!(!back.files[0].raw_included && back.files[1].raw_included);
    assert_eq!(back.raw_bytes(0), None);
    assert_eq!(back.raw_bytes(1), Some(read(OTHERS[1])));
    // Redaction and raw text exclude each other.
    let mut o = opts(true);
    o.include_raw = vec![0];
    let err = ReportState::new(&ds, &o, |_| Some(vec![])).unwrap_err();
    assert!(err.contains("redacted"), "{err}");
}

/// Every dotted IPv4 address in a text, found without the redactor's code.
fn ipv4s(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .map(|t| t.trim_matches('.'))
        .filter(|t| {
            let parts: Vec<&str> = t.split('.').collect();
            parts.len() == 4
                && parts.iter().all(|p| {
                    !p.is_empty() && p.len() <= 3 && p.parse::<u32>().is_ok_and(|v| v <= 255)
                })
        })
        .map(String::from)
        .collect()
}

#[test]
fn redaction_removes_every_user_ip_node_and_namespace() {
    whodunnit_testdata::require_corpus!();
    let files: Vec<&str> = AUDIT.iter().chain(JOURNALS).copied().collect();
    // Ground truth straight from the inputs, read as plain JSON.
    let (mut users, mut ips, mut nodes, mut namespaces) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    for rel in &files {
        let text = String::from_utf8_lossy(&read(rel)).into_owned();
        ips.extend(ipv4s(&text));
        for line in text.lines() {
            let Ok(v) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            for u in [&v["user"]["username"], &v["impersonatedUser"]["username"]] {
                if let Some(u) = u.as_str() {
                    users.insert(u.to_string());
                }
            }
            for ip in v["sourceIPs"].as_array().into_iter().flatten() {
                ips.insert(ip.as_str().unwrap().to_string());
            }
            if let Some(ns) = v["objectRef"]["namespace"].as_str() {
                namespaces.insert(ns.to_string());
            }
            if let Some(h) = v["_HOSTNAME"].as_str() {
                nodes.insert(h.to_string());
            }
        }
    }
    assert!(
        users.len() >= 5 && ips.len() >= 3 && nodes.len() >= 2,
        "{users:?} {ips:?} {nodes:?}"
    );
    assert!(nodes.contains("ip-10-0-9-16"), "{nodes:?}");

    let ds = dataset(&files);
    let plain = state_json(&report::build_html(
        &fake_assets(),
        &ReportState::new(&ds, &opts(false), |_| None).unwrap(),
    ));
    let html = report::build_html(
        &fake_assets(),
        &ReportState::new(&ds, &opts(true), |_| None).unwrap(),
    );
    let json = state_json(&html);
    let mut checked = 0;
    for u in &users {
        // `system:` identities name Kubernetes components and stay; service accounts and nodes
        // are checked below by their parts.
        if let Some(sa) = u.strip_prefix("system:serviceaccount:") {
            let (ns, name) = sa.split_once(':').unwrap();
            assert!(!json.contains(u.as_str()), "service account {u} survived");
            if !report::redact::BUILTIN_NAMESPACES.contains(&ns) {
                assert!(
                    !json.contains(&format!("\"{ns}\"")),
                    "namespace {ns} survived"
                );
            }
            let _ = name;
        } else if let Some(node) = u.strip_prefix("system:node:") {
            assert!(!json.contains(node), "node {node} survived");
        } else if !u.starts_with("system:") {
            assert!(plain.contains(u.as_str()), "the unredacted report has {u}");
            assert!(!json.contains(u.as_str()), "user {u} survived redaction");
        }
        checked += 1;
    }
    for ip in &ips {
        assert!(!json.contains(ip.as_str()), "IP {ip} survived redaction");
        checked += 1;
    }
    for n in &nodes {
        assert!(plain.contains(n.as_str()), "the unredacted report has {n}");
        assert!(!json.contains(n.as_str()), "node {n} survived redaction");
        checked += 1;
    }
    for ns in namespaces
        .iter()
        .filter(|n| !report::redact::BUILTIN_NAMESPACES.contains(&n.as_str()))
    {
        assert!(
            !json.contains(&format!("\"{ns}\"")),
            "namespace {ns} survived redaction"
        );
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
    // The same value maps to the same pseudonym: per-user counts survive, only names change.
    let red = report::extract(html.as_bytes()).unwrap();
    assert!(red.options.redact);
    let before = answer(&ds, &Query::Summaries);
    let after = answer(&red.dataset, &Query::Summaries);
    for (a, b) in before
        .as_array()
        .unwrap()
        .iter()
        .zip(after.as_array().unwrap())
    {
        for k in [
            "records",
            "events",
            "lines",
            "first",
            "last",
            "skipped_lines",
        ] {
            assert_eq!(a[k], b[k], "{k}");
        }
    }
    assert!(
        red.files.iter().all(|f| !f.name.contains("ip-10-0")),
        "{:?}",
        red.files
    );
}

#[test]
fn redaction_is_consistent_and_salted() {
    let ds = dataset(AUDIT);
    let a = ReportState::new(&ds, &opts(true), |_| None).unwrap();
    let b = ReportState::new(&ds, &opts(true), |_| None).unwrap();
    assert_eq!(
        serde_json::to_value(&a.dataset).unwrap(),
        serde_json::to_value(&b.dataset).unwrap(),
        "same salt, same pseudonyms"
    );
    let mut other = opts(true);
    other.salt = b"another".to_vec();
    let c = ReportState::new(&ds, &other, |_| None).unwrap();
    assert_ne!(
        serde_json::to_value(&a.dataset).unwrap(),
        serde_json::to_value(&c.dataset).unwrap(),
        "a new salt, new pseudonyms"
    );
}

#[test]
fn versions_are_read_or_rejected_with_a_clear_message() {
    // A report written by schema 1 with no files: must keep reading.
    let v1 = std::fs::read(fixture("report/report-schema1-empty.html")).unwrap();
    let s = report::extract(&v1).unwrap();
    assert_eq!((s.schema, s.app_version.as_str()), (1, "0.1.0"));
    assert_eq!(s.created, "2026-11-25T20:00:00Z");
    assert!(s.dataset.files.is_empty());

    // Written by a pre-release build: the state had no `schema` field.
    let v0 = std::fs::read(fixture("report/report-schema0-prerelease.html")).unwrap();
    let err = report::extract(&v0).unwrap_err();
    assert!(err.contains("whodunnit 0.0.1 (report schema 0)"), "{err}");
    assert!(err.contains("reads schemas 1 to"), "{err}");

    // Written by a future build.
    let mut v: Value =
        serde_json::from_str(&state_json(&String::from_utf8(v1.clone()).unwrap())).unwrap();
    v["schema"] = 99.into();
    v["app_version"] = "9.0.0".into();
    let payload = {
        use base64::Engine as _;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, v.to_string().as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(gz.finish().unwrap())
    };
    let err = report::decode(payload.as_bytes()).unwrap_err();
    assert!(
        err.contains("made by whodunnit 9.0.0 (report schema 99)"),
        "{err}"
    );
    assert!(
        err.contains(&format!("reads up to schema {}", report::SCHEMA)),
        "{err}"
    );

    // Not a report at all, and a report cut short.
    let err = report::extract(b"<html><body>hello</body></html>").unwrap_err();
    assert!(err.starts_with("not a whodunnit report"), "{err}");
    let state_at = String::from_utf8_lossy(&v1)
        .find("id=\"whodunnit-state\">")
        .unwrap();
    let cut = &v1[..state_at + 60];
    let err = report::extract(cut).unwrap_err();
    assert!(
        err.contains("truncated") || err.contains("damaged"),
        "{err}"
    );
}

/// Writes the schema-1 fixture; run with `--ignored` only when deliberately regenerating it.
#[test]
#[ignore]
fn write_schema1_fixture() {
    let state = ReportState::new(&Dataset::default(), &opts(false), |_| None).unwrap();
    let html = report::build_html(&Assets::default(), &state);
    std::fs::write(fixture("report/report-schema1-empty.html"), html).unwrap();
}

mod props {
    use proptest::prelude::*;
    use whodunnit_core::report::{self, redact::Redactor};

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        /// Any file, report-looking or not, is read or rejected: never a panic.
        #[test]
        fn extract_never_panics(body in proptest::collection::vec(any::<u8>(), 0..2048), marked in any::<bool>()) {
            let mut bytes = Vec::new();
            if marked {
                bytes.extend_from_slice(b"<script type=\"application/x-whodunnit-report\" id=\"whodunnit-state\">");
            }
            bytes.extend_from_slice(&body);
            prop_assert!(report::extract(&bytes).is_err());
        }

        /// No IPv4 address survives, whatever surrounds it; any string is handled.
        #[test]
        fn ipv4_never_survives(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255, d in 0u8..=255,
                               pre in "[ -~]{0,12}", post in "([ -\\-/:-~][ -~]{0,12})?", noise in "\\PC{0,40}") {
            let mut r = Redactor::new(b"p");
            let _ = r.redact_str(&noise);
            let ip = format!("{a}.{b}.{c}.{d}");
            let pre = pre.trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.');
            let out = r.redact_str(&format!("{pre} {ip}{post}"));
            prop_assert!(!out.contains(&format!(" {ip}")), "{out}");
        }
    }
}
