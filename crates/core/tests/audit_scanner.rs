//! The audit scanner (`audit::scan`) against serde_json: every audit file we have is read both
//! ways and must give the identical `ParsedFile` (requests, strings, diagnostics, timeline);
//! and randomly re-ordered, re-spaced and re-escaped copies of every event must too, with the
//! same requests as the original apart from byte positions.

use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use whodunnit_core::audit::{scanner_reads, with_serde_only};
use whodunnit_core::{parse_bytes, FileMeta, FormatData, ParsedFile};

fn parse(name: &str, b: &[u8]) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        },
        b,
    )
}

/// Every file a test may compare: the fixtures (cloud shapes included), the corpus's audit
/// files and the live control-plane recording (the last two when the corpus is there).
fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![whodunnit_testdata::fixture("audit")];
    if let Some(c) = whodunnit_testdata::corpus("audit") {
        dirs.push(c);
    }
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() {
                dirs.push(p);
            } else if !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("md" | "sh" | "py" | "sql" | "expected")
            ) {
                out.push(p);
            }
        }
    }
    if let Some(p) = whodunnit_testdata::corpus("live-controlplane/audit.log.gz") {
        out.push(p);
    }
    out.sort();
    out
}

fn both_ways(name: &str, b: &[u8]) -> (Value, Value) {
    let fast = parse(name, b);
    let slow = with_serde_only(|| parse(name, b));
    (
        serde_json::to_value(&fast).unwrap(),
        serde_json::to_value(&slow).unwrap(),
    )
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_audit_file_reads_the_same_both_ways() {
    let mut requests = 0;
    for p in files() {
        let b = whodunnit_testdata::gunzip_if(whodunnit_testdata::read(&p));
        let (fast, slow) = both_ways(&name(&p), &b);
        assert!(fast == slow, "{}: scanner and serde differ", p.display());
        requests += fast["data"]["requests"]["received"]
            .as_array()
            .map_or(0, |a| a.len());
    }
    assert!(
        requests > 50,
        "only {requests} requests read: fixtures missing?"
    );
}

/// The fast path is taken: every event line of the JSON-lines fixtures is read by the scanner,
/// not handed to serde.
#[test]
fn the_scanner_reads_every_event_line() {
    for n in [
        "audit2rbac-demo-head.log",
        "openshift-clo-k8s.log",
        "falco-k8s-audit.jsonl",
    ] {
        let b = whodunnit_testdata::read(whodunnit_testdata::fixture(&format!("audit/{n}")));
        for (i, line) in b.split(|&c| c == b'\n').enumerate() {
            if !line.is_empty() {
                assert!(scanner_reads(line), "{n}:{}: scanner fell back", i + 1);
            }
        }
    }
}

/// A tiny deterministic generator (splitmix64): the property's seed drives everything.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn space(r: &mut Rng, out: &mut String) {
    for _ in 0..r.below(4).saturating_sub(1) {
        out.push(if r.below(3) == 0 { '\t' } else { ' ' });
    }
}

/// A JSON string with some characters escaped as `\uXXXX` (surrogate pairs above the BMP) or
/// `\/`, and the ones JSON requires escaped.
fn string(r: &mut Rng, s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if r.below(8) == 0 => out.push_str("\\/"),
            c if (c as u32) < 0x20 || r.below(24) == 0 => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `v` written with its object keys shuffled, random spacing and random escapes.
fn write(r: &mut Rng, v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            for i in (1..keys.len()).rev() {
                keys.swap(i, r.below(i as u64 + 1) as usize);
            }
            out.push('{');
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(r, out);
                // Keys stay unescaped: escaped keys take the serde path by design.
                out.push('"');
                out.push_str(&k.replace('\\', "\\\\").replace('"', "\\\""));
                out.push('"');
                space(r, out);
                out.push(':');
                space(r, out);
                write(r, &m[k.as_str()], out);
                space(r, out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                space(r, out);
                write(r, x, out);
                space(r, out);
            }
            out.push(']');
        }
        Value::String(s) => string(r, s, out),
        other => out.push_str(&other.to_string()),
    }
}

/// Every file to rewrite; the live recording's first 3,000 lines only (46 k lines rewritten
/// per case would make the test slow, not stronger).
fn event_lines() -> Vec<(String, Vec<u8>)> {
    files()
        .into_iter()
        .map(|p| {
            let mut b = whodunnit_testdata::gunzip_if(whodunnit_testdata::read(&p));
            if let Some((i, _)) = b.iter().enumerate().filter(|(_, &c)| c == b'\n').nth(3000) {
                b.truncate(i + 1);
            }
            (name(&p), b)
        })
        .collect()
}

/// The request columns that do not depend on byte positions.
fn requests_sans_positions(f: &ParsedFile) -> Value {
    let FormatData::Audit(d) = &f.data else {
        return Value::Null;
    };
    let mut v = serde_json::to_value(&d.requests).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("offset");
    m.remove("len");
    serde_json::json!({ "requests": v, "strings": d.strings, "groupsets": d.groupsets,
        "latency": d.latency_parts, "stages": d.stages })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn reordered_respaced_copies_read_the_same(seed in any::<u64>()) {
        let mut r = Rng(seed);
        for (name, b) in event_lines() {
            let mut out = String::new();
            let mut changed = false;
            for line in b.split(|&c| c == b'\n') {
                match std::str::from_utf8(line).ok().and_then(|l| serde_json::from_str::<Value>(l).ok()) {
                    Some(v @ Value::Object(_)) => {
                        space(&mut r, &mut out);
                        write(&mut r, &v, &mut out);
                        space(&mut r, &mut out);
                        changed = true;
                    }
                    _ => out.push_str(&String::from_utf8_lossy(line)),
                }
                out.push('\n');
            }
            if !changed {
                continue;
            }
            out.pop();
            let (fast, slow) = both_ways(&name, out.as_bytes());
            prop_assert!(fast == slow, "{}: scanner and serde differ on a rewritten copy (seed {})", name, seed);
            let original = parse(&name, &b);
            let copy = parse(&name, out.as_bytes());
            prop_assert_eq!(requests_sans_positions(&original), requests_sans_positions(&copy), "{}", name);
        }
    }
}
