//! A redacted export (the report state, as written into the HTML) of the live recordings and
//! of every corpus file and fixture carries none of the identifiers found in the inputs: users,
//! service accounts (full and bare names), node names, IPs and namespaces.
//!
//! The identifiers are collected here independently of the redactor: from the audit events'
//! JSON (`user.username`, `impersonatedUser`, `sourceIPs`, `objectRef.namespace`, node and
//! namespace object names), from node logs' hosts, and IPv4 literals in any text.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use whodunnit_core::findings::{read_texts, TextSource};
use whodunnit_core::report::redact::BUILTIN_NAMESPACES;
use whodunnit_core::report::{ExportOptions, ReportState};
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

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

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    v.sort();
    for p in v {
        if p.is_dir() {
            files_under(&p, out);
            continue;
        }
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        let doc = n.ends_with(".md")
            || n.ends_with(".py")
            || n.ends_with(".sh")
            || n.ends_with(".sql")
            || n.ends_with(".expected")
            || n.ends_with(".html")
            || n == "GROUND_TRUTH.json"
            || n.starts_with("metrics-")
            || n.starts_with("proc-snapshot-")
            || n.starts_with("client-");
        if !doc {
            out.push(p);
        }
    }
}

/// Identifiers in one input's bytes.
fn identifiers(text: &str, ids: &mut BTreeSet<String>) {
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('{') {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(l) {
                audit_ids(&v, ids);
            }
        }
        ipv4s(l, ids);
    }
    if text.trim_start().starts_with('[')
        || text.trim_start().starts_with("{\n")
        || text.contains("\"items\"")
    {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            audit_ids(&v, ids);
        }
    }
}

fn audit_ids(v: &serde_json::Value, ids: &mut BTreeSet<String>) {
    match v {
        serde_json::Value::Array(a) => a.iter().for_each(|x| audit_ids(x, ids)),
        serde_json::Value::Object(o) => {
            if o.contains_key("auditID") {
                let s = |p: &str| v.pointer(p).and_then(|x| x.as_str()).map(str::to_string);
                for u in [s("/user/username"), s("/impersonatedUser/username")]
                    .into_iter()
                    .flatten()
                {
                    user(&u, ids);
                }
                for ip in v
                    .pointer("/sourceIPs")
                    .and_then(|x| x.as_array())
                    .into_iter()
                    .flatten()
                {
                    if let Some(ip) = ip.as_str() {
                        ids.insert(ip.to_string());
                    }
                }
                if let Some(ns) = s("/objectRef/namespace") {
                    namespace(&ns, ids);
                }
                match (s("/objectRef/resource").as_deref(), s("/objectRef/name")) {
                    (Some("namespaces"), Some(n)) => namespace(&n, ids),
                    (Some("nodes"), Some(n)) => {
                        ids.insert(n);
                    }
                    _ => {}
                }
            } else {
                o.values().for_each(|x| audit_ids(x, ids));
            }
        }
        _ => {}
    }
}

fn namespace(ns: &str, ids: &mut BTreeSet<String>) {
    if !ns.is_empty() && !BUILTIN_NAMESPACES.contains(&ns) {
        ids.insert(ns.to_string());
    }
}

fn user(u: &str, ids: &mut BTreeSet<String>) {
    if let Some(rest) = u.strip_prefix("system:serviceaccount:") {
        if let Some((ns, name)) = rest.split_once(':') {
            namespace(ns, ids);
            if name != "default" && name.len() >= 3 {
                ids.insert(name.to_string());
            }
        }
    } else if let Some(node) = u.strip_prefix("system:node:") {
        ids.insert(node.to_string());
    } else if !u.starts_with("system:") && !u.is_empty() {
        ids.insert(u.to_string());
    }
}

fn ipv4s(l: &str, ids: &mut BTreeSet<String>) {
    let b = l.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit()
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            let end = i + b[i..]
                .iter()
                .take_while(|c| c.is_ascii_digit() || **c == b'.')
                .count();
            let cand = l[i..end].trim_end_matches('.');
            let parts: Vec<&str> = cand.split('.').collect();
            if parts.len() == 4
                && parts.iter().all(|p| {
                    !p.is_empty() && p.len() <= 3 && p.parse::<u32>().is_ok_and(|x| x <= 255)
                })
            {
                ids.insert(cand.to_string());
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
}

/// The files' plain bytes, answering the detectors' text requests as the CLI's disk reader does.
struct Bytes(Vec<Vec<u8>>);

impl TextSource for Bytes {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let b = self.0.get(file)?;
        let a = (offset as usize).min(b.len());
        Some(b[a..(a + len as usize).min(b.len())].to_vec())
    }
}

/// Whether `id` stands in `hay` as a whole token (not inside a longer name).
fn has_token(hay: &str, id: &str) -> Option<usize> {
    let name = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    let b = hay.as_bytes();
    let mut from = 0;
    while let Some(i) = hay[from..].find(id).map(|i| from + i) {
        let before = i == 0 || !name(b[i - 1]);
        // Not followed by a name character, nor by `.digit` (the IP `10.0.0.1` inside `10.0.0.12`).
        let dotted_digit =
            |c: u8| c == b'.' && b.get(i + id.len() + 1).is_some_and(u8::is_ascii_digit);
        let after = b
            .get(i + id.len())
            .is_none_or(|&c| !(name(c) || dotted_digit(c)));
        if before && after {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

/// Redact the files' export and search it for their identifiers; returns the identifiers and
/// how many of them the unredacted export shows (so the search is known to find them).
fn check(label: &str, paths: &[PathBuf]) -> (BTreeSet<String>, usize) {
    let mut ds = Dataset::default();
    let mut ids = BTreeSet::new();
    let mut texts = Bytes(Vec::new());
    for p in paths {
        let bytes = std::fs::read(p).unwrap();
        identifiers(&String::from_utf8_lossy(&plain(&bytes)), &mut ids);
        texts.0.push(plain(&bytes));
        ds.add(parse_bytes(
            FileMeta {
                name: p.file_name().unwrap().to_string_lossy().into_owned(),
                size: Some(bytes.len() as u64),
                last_modified_ms: Some(1_764_475_200_000),
            },
            &bytes,
        ));
    }
    for f in &ds.files {
        if let whodunnit_core::FormatData::NodeLog(d) = &f.data {
            if let Some(h) = &d.host {
                ids.insert(h.clone());
            }
        }
    }
    // The lines the findings quote travel in the report too: they must be redacted as well.
    let texts = read_texts(&ds, &texts);
    let state = ReportState::new(
        &ds,
        &ExportOptions {
            redact: true,
            salt: b"redaction-test".to_vec(),
            texts: texts.clone(),
            ..ExportOptions::default()
        },
        |_| None,
    )
    .unwrap_or_else(|e| panic!("{label}: {e}"));
    let json = serde_json::to_string(&state).unwrap();
    let clear = ExportOptions {
        texts,
        ..ExportOptions::default()
    };
    let clear = ReportState::new(&ds, &clear, |_| None).unwrap();
    let clear = serde_json::to_string(&clear).unwrap();
    let visible = ids
        .iter()
        .filter(|id| has_token(&clear, id).is_some())
        .count();
    let leaks: Vec<String> = ids
        .iter()
        .filter_map(|id| {
            has_token(&json, id).map(|i| {
                let a = json[..i].char_indices().rev().nth(60).map_or(0, |c| c.0);
                let b = (i + id.len() + 60).min(json.len());
                let b = (b..json.len())
                    .find(|&k| json.is_char_boundary(k))
                    .unwrap_or(json.len());
                format!("{id:?} in …{}…", &json[a..b])
            })
        })
        .collect();
    assert!(
        leaks.is_empty(),
        "{label}: {} identifier(s) left after redaction:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    (ids, visible)
}

#[test]
fn redacted_recordings_carry_no_identifier() {
    let Some(root) = whodunnit_testdata::corpus_root() else {
        return;
    };
    for dir in ["live-controlplane", "live-containerd"] {
        let mut paths = Vec::new();
        files_under(&root.join(dir), &mut paths);
        assert!(!paths.is_empty());
        let (ids, visible) = check(dir, &paths);
        if dir == "live-controlplane" {
            // Every kind of identifier of the recording was found, and shows unredacted.
            for id in [
                "carol",
                "dave",
                "batch-importer",
                "capacity-planner",
                "descheduler",
                "payments-legacy",
                "team-x",
                "autoscaling",
                "127.0.0.1",
            ] {
                assert!(ids.contains(id), "{id} not collected: {ids:?}");
            }
            assert!(
                visible >= 9,
                "only {visible} identifiers visible before redaction"
            );
        }
    }
}

#[test]
fn redacted_corpus_files_and_fixtures_carry_no_identifier() {
    let mut paths = Vec::new();
    if let Some(root) = whodunnit_testdata::corpus_root() {
        for dir in ["audit", "goroutines", "kubelet"] {
            files_under(&root.join(dir), &mut paths);
        }
    }
    files_under(&whodunnit_testdata::fixture(""), &mut paths);
    assert!(!paths.is_empty());
    let mut visible = 0;
    for p in &paths {
        visible += check(&p.display().to_string(), std::slice::from_ref(p)).1;
    }
    assert!(
        visible > 20,
        "only {visible} identifiers visible before redaction in all files"
    );
}
