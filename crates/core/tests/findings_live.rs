//! Findings on the live recordings (`live-controlplane/`, `live-containerd/`, CC0): every
//! expected finding with its subject, window (against GROUND_TRUTH.json) and severity; no
//! evidence quoting a mined template; nothing error-level in the healthy baseline window.

use std::io::Read;
use whodunnit_core::findings::{
    detect_with, wanted_given, Detector, EvidenceKind, Finding, FindingsReport, TextPiece,
    TextSource, Texts,
};
use whodunnit_core::nodelog::resolve_years;
use whodunnit_core::time::parse_rfc3339;
use whodunnit_core::{parse_bytes, Dataset, FileMeta, Severity};

/// The recordings' klog lines carry no year: read them as of the recording's day.
const MTIME: &str = "2026-11-30T04:00:00Z";

/// The decompressed bytes of every file, to answer the detectors' text requests (as the CLI's
/// disk reader and the browser worker do).
struct Files(Vec<Vec<u8>>);

impl TextSource for Files {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let b = self.0.get(file)?;
        let a = (offset as usize).min(b.len());
        Some(b[a..(a + len as usize).min(b.len())].to_vec())
    }
}

fn plain(bytes: &[u8]) -> Vec<u8> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        bytes.to_vec()
    }
}

/// A dataset of (name, plain bytes) files, with its text source.
fn dataset(files: Vec<(String, Vec<u8>)>) -> (Dataset, Files) {
    let mut ds = Dataset::default();
    let mut texts = Vec::new();
    let mtime = parse_rfc3339(MTIME).unwrap() / 1000;
    for (name, bytes) in files {
        ds.add(parse_bytes(
            FileMeta {
                name,
                size: Some(bytes.len() as u64),
                last_modified_ms: Some(mtime),
            },
            &bytes,
        ));
        texts.push(bytes);
    }
    resolve_years(&mut ds);
    (ds, Files(texts))
}

fn read(rel: &str) -> Option<(String, Vec<u8>)> {
    let p = whodunnit_testdata::corpus(rel)?;
    let b = std::fs::read(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
    Some((rel.to_string(), plain(&b)))
}

const CONTROLPLANE: &[&str] = &[
    "live-controlplane/audit.log.gz",
    "live-controlplane/kube-apiserver.log.gz",
    "live-controlplane/kube-controller-manager.log.gz",
    "live-controlplane/etcd.log.gz",
];

fn truth(dir: &str) -> serde_json::Value {
    let p = whodunnit_testdata::corpus(&format!("{dir}/GROUND_TRUTH.json")).unwrap();
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn t(v: &serde_json::Value) -> i64 {
    parse_rfc3339(v.as_str().unwrap_or_else(|| panic!("not a time: {v}"))).unwrap()
}

fn of(rep: &FindingsReport, d: Detector) -> Vec<&Finding> {
    rep.findings.iter().filter(|f| f.detector == d).collect()
}

/// Every event evidence quotes its line: no mined placeholder, and the quote is in the file.
fn assert_quotes_real_lines(rep: &FindingsReport, files: &Files) {
    for f in &rep.findings {
        for e in &f.evidence {
            assert!(
                !e.label.contains("<*>"),
                "{}: evidence shows a template: {}",
                f.id,
                e.label
            );
            if let EvidenceKind::Event {
                file, offset, len, ..
            } = e.kind
            {
                let line = String::from_utf8_lossy(
                    &files.0[file][offset as usize..(offset + len) as usize],
                )
                .into_owned();
                if !line.trim_start().starts_with('{') {
                    let quoted = e.label.split_once(": ").map(|x| x.1).unwrap_or(&e.label);
                    let quoted = quoted.trim_end_matches('…');
                    assert!(
                        line.contains(quoted),
                        "{}: evidence {:?} is not the line {:?}",
                        f.id,
                        e.label,
                        line
                    );
                }
            }
        }
        assert!(
            !f.summary.contains("<*>"),
            "{}: summary shows a template: {}",
            f.id,
            f.summary
        );
    }
}

#[test]
fn controlplane_recording() {
    if whodunnit_testdata::corpus_root().is_none() {
        return;
    }
    let files: Vec<_> = CONTROLPLANE.iter().filter_map(|r| read(r)).collect();
    let (ds, texts) = dataset(files);
    let rep = detect_with(&ds, &texts);
    let gt = truth("live-controlplane");
    assert_quotes_real_lines(&rep, &texts);

    // The stalled namespace: subject, APIService, window from the DELETE to the finalize.
    let nsd = &gt["namespace_deletion"];
    let ns = of(&rep, Detector::StalledNamespaceDeletion);
    assert_eq!(ns.len(), 1, "{:#?}", rep.findings);
    let f = ns[0];
    assert!(
        f.title.contains(nsd["namespace"].as_str().unwrap()),
        "{}",
        f.title
    );
    assert!(
        f.title.contains(nsd["apiservice"].as_str().unwrap()),
        "{}",
        f.title
    );
    assert_eq!(f.from, t(&nsd["user_delete_received"]));
    let api_deleted = t(&nsd["apiservice_create_delete"][1]["received"]);
    assert!(
        f.summary
            .contains(&whodunnit_core::time::fmt_micros(api_deleted)),
        "{}",
        f.summary
    );
    // Gone at the finalize (03:44:10.668), before the first 404 (SCENARIO: 03:44:11.087).
    let gone = parse_rfc3339("2026-11-30T03:44:11.087Z").unwrap();
    assert!(f.to > api_deleted && f.to <= gone, "{}", f.to_text);
    assert!(
        f.summary.contains("Deletion of namespace failed"),
        "{}",
        f.summary
    );
    assert_eq!(f.severity, Severity::Error);

    // The LIST storm: capacity-planner, within the storm phases.
    let ph = &gt["phases_from_notes_with_audit_stats"];
    let storms = of(&rep, Detector::ListStorm);
    assert_eq!(storms.len(), 1, "{:#?}", storms);
    let s = storms[0];
    assert_eq!(
        s.lanes,
        vec!["system:serviceaccount:autoscaling:capacity-planner"]
    );
    let (lo, hi) = (
        t(&ph["storm1_norv"]["start"]),
        t(&ph["storm2b_paginate"]["end"]),
    );
    assert!(
        s.from >= lo && s.to <= hi + 1_000_000,
        "{} → {}",
        s.from_text,
        s.to_text
    );
    // The recording's metrics say the watch cache served the storm (SCENARIO.md: +4,571 cache
    // lists, +1 etcd pod list in storm 1), and so does the cost model under 1.36.2.
    assert_eq!(s.severity, Severity::Error);
    assert!(s.title.contains("(watch cache)"), "{}", s.title);
    assert!(
        s.summary
            .contains("all of them served from the apiserver's watch cache")
            && s.summary.contains(
                "apiserver 1.36.2, inferred from user agent kube-controller-manager/v1.36.2"
            ),
        "{}",
        s.summary
    );

    // Priority and fairness: every 429 is batch-importer's, inside the APF phase.
    let apf = of(&rep, Detector::ApfRejections);
    assert_eq!(apf.len(), 1);
    let a = apf[0];
    let by_user = gt["http_429_by_user"].as_object().unwrap();
    assert_eq!(by_user.len(), 1);
    let (user, n) = by_user.iter().next().unwrap();
    assert_eq!(a.lanes, vec![user.clone()]);
    assert!(
        a.title.starts_with(&format!("{} requests rejected", n)),
        "{}",
        a.title
    );
    assert!(a.from >= t(&ph["apf_burst"]["start"]) && a.to <= t(&ph["apf_burst"]["end"]));
    assert!(a.summary.contains("no priority-and-fairness annotations"));

    // The discovery outage names the APIService.
    let d = of(&rep, Detector::DiscoveryOutage);
    assert!(d
        .iter()
        .any(|f| f.title.contains(nsd["apiservice"].as_str().unwrap())));
    // Nothing about nodes: there are none.
    assert!(of(&rep, Detector::NodeNotReady).is_empty());
    assert!(of(&rep, Detector::RuntimeHang).is_empty());
}

/// The lines of a recording file whose time lies in `[from, to]` (audit: `stageTimestamp`;
/// klog: the header's clock on the recording's day); untimed lines are left out.
fn window_lines(bytes: &[u8], from: i64, to: i64) -> Vec<u8> {
    let mut out = Vec::new();
    for line in bytes.split_inclusive(|b| *b == b'\n') {
        let s = String::from_utf8_lossy(line);
        let time = if s.starts_with('{') {
            serde_json::from_str::<serde_json::Value>(&s)
                .ok()
                .and_then(|v| {
                    v.get("stageTimestamp")
                        .or(v.get("ts"))
                        .and_then(|x| x.as_str())
                        .map(str::to_string)
                })
                .and_then(|x| parse_rfc3339(&x))
        } else if s.len() > 21
            && s.as_bytes()[0].is_ascii_uppercase()
            && s[1..5].bytes().all(|c| c.is_ascii_digit())
        {
            parse_rfc3339(&format!("2026-{}-{}T{}Z", &s[1..3], &s[3..5], &s[6..21]))
        } else {
            None
        };
        if time.is_some_and(|x| x >= from && x <= to) {
            out.extend_from_slice(line);
        }
    }
    out
}

#[test]
fn controlplane_baseline_has_no_error() {
    if whodunnit_testdata::corpus_root().is_none() {
        return;
    }
    let gt = truth("live-controlplane");
    let w = &gt["healthy_baseline_window"];
    let (from, to) = (t(&w["start"]), t(&w["end"]));
    let files: Vec<_> = CONTROLPLANE
        .iter()
        .filter_map(|r| read(r))
        .map(|(n, b)| (n, window_lines(&b, from, to)))
        .collect();
    let audit_lines = files[0].1.iter().filter(|b| **b == b'\n').count();
    assert!(audit_lines > 1000, "baseline audit lines: {audit_lines}");
    let (ds, texts) = dataset(files);
    let rep = detect_with(&ds, &texts);
    let bad: Vec<_> = rep
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Error)
        .map(|f| &f.title)
        .collect();
    assert!(
        bad.is_empty(),
        "error-level findings in the healthy baseline: {bad:?}"
    );
}

#[test]
fn containerd_recording_from_dumps_and_log() {
    if whodunnit_testdata::corpus_root().is_none() {
        return;
    }
    let dir = whodunnit_testdata::corpus("live-containerd").unwrap();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("containerd-goroutines-") || n == "containerd.log")
        .collect();
    names.sort();
    let files: Vec<_> = names
        .iter()
        .filter_map(|n| read(&format!("live-containerd/{n}")))
        .collect();
    assert_eq!(files.len(), 7);
    let (ds, texts) = dataset(files);
    let rep = detect_with(&ds, &texts);
    assert_quotes_real_lines(&rep, &texts);
    let gt = truth("live-containerd");
    let hang = of(&rep, Detector::RuntimeHang);
    assert_eq!(hang.len(), 1, "{:#?}", rep.findings);
    let f = hang[0];
    // 8 stuck RunPodSandbox calls at the second dump, in go-cni's attachNetworks.
    let dumps = gt["dumps"].as_array().or(gt["per_dump"].as_array());
    if let Some(d) = dumps {
        let max = d
            .iter()
            .filter_map(|x| x["runpodsandbox_goroutines"].as_u64())
            .max()
            .unwrap();
        assert!(
            f.title
                .starts_with(&format!("{max} RunPodSandbox calls stuck")),
            "{}",
            f.title
        );
    }
    assert!(
        f.title.starts_with("8 RunPodSandbox calls stuck"),
        "{}",
        f.title
    );
    assert!(
        f.summary.contains(
            "chan receive at github.com/containerd/go-cni.(*libcni).attachNetworks (cni.go:222)"
        ),
        "{}",
        f.summary
    );
    assert!(f.summary.contains("every ~2 min"), "{}", f.summary);
    assert!(f.summary.contains("goroutine 82"), "{}", f.summary);
    assert!(f.severity >= Severity::Error);
    // The window: the first call (pod-a, 03:29:54.09) to the second dump (03:44:54).
    let first = parse_rfc3339("2026-11-30T03:29:54Z").unwrap();
    let dump2 = parse_rfc3339("2026-11-30T03:44:54Z").unwrap();
    assert!(
        f.from >= first && f.from < first + 1_000_000,
        "{}",
        f.from_text
    );
    assert!(f.to >= dump2 && f.to < dump2 + 2_000_000, "{}", f.to_text);
}

/// The browser worker's way — ask which ranges to read, read them, ask again until nothing is
/// missing — gives the same findings as reading every line on demand (the CLI's way).
#[test]
fn asking_for_ranges_gives_the_cli_result() {
    if whodunnit_testdata::corpus_root().is_none() {
        return;
    }
    let files: Vec<_> = CONTROLPLANE.iter().filter_map(|r| read(r)).collect();
    let (ds, texts) = dataset(files);
    let direct = detect_with(&ds, &texts);
    let mut pieces: Vec<TextPiece> = Vec::new();
    let mut rounds = 0;
    loop {
        let more = wanted_given(&ds, &pieces);
        if more.is_empty() {
            break;
        }
        rounds += 1;
        assert!(
            rounds <= 4,
            "still missing {} ranges after 4 rounds",
            more.len()
        );
        for r in more {
            let b = texts.text(r.file, r.offset, r.len).unwrap();
            pieces.push(TextPiece {
                file: r.file,
                offset: r.offset,
                text: String::from_utf8_lossy(&b).into_owned(),
            });
        }
    }
    assert!(rounds >= 1, "nothing asked");
    assert!(pieces.len() < 400, "{} ranges read", pieces.len());
    let asked = detect_with(&ds, &Texts::new(&pieces));
    assert_eq!(asked, direct);
}

/// An offline report carries the lines its findings quote (not the files): re-opened, it shows
/// the same findings, evidence quotes included, as the app that wrote it — redacted or not.
#[test]
fn a_report_shows_the_findings_of_the_files() {
    use whodunnit_core::findings::read_texts;
    use whodunnit_core::report::{self, ExportOptions, ReportState};
    if whodunnit_testdata::corpus_root().is_none() {
        return;
    }
    let files: Vec<_> = CONTROLPLANE.iter().filter_map(|r| read(r)).collect();
    let (ds, texts) = dataset(files);
    let live = detect_with(&ds, &texts);
    let pieces = read_texts(&ds, &texts);
    assert_eq!(detect_with(&ds, &Texts::new(&pieces)), live);
    let opts = ExportOptions {
        texts: pieces,
        created: "2026-12-04T00:00:00Z".into(),
        ..ExportOptions::default()
    };
    let state = ReportState::new(&ds, &opts, |_| None).unwrap();
    let back = report::restore(report::decode(state.encode().as_bytes()).unwrap());
    assert_eq!(detect_with(&back.dataset, &Texts::new(&back.texts)), live);
    // Redacted: the same findings, their quotes carrying pseudonyms, never the original names.
    let redacted = ReportState::new(
        &ds,
        &ExportOptions {
            redact: true,
            salt: b"s".to_vec(),
            ..opts
        },
        |_| None,
    )
    .unwrap();
    let back = report::restore(redacted);
    let shown = detect_with(&back.dataset, &Texts::new(&back.texts));
    assert_eq!(shown.findings.len(), live.findings.len());
    let all = serde_json::to_string(&shown).unwrap();
    assert!(all.contains("Deletion of namespace failed"), "quotes kept");
    assert!(!all.contains("payments-legacy"), "namespace pseudonymized");
}
