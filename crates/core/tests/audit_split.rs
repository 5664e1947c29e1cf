//! One audit log cut into byte ranges at line boundaries, the ranges read on their own
//! (`FileIngest::part`) and joined in order (`FileIngest::absorb`), gives exactly what one
//! reader of the whole file gives: requests whose stages straddle a cut, line numbers of
//! requests and diagnostics, string tables, timeline. On every audit fixture and the live
//! control-plane recording, at random cuts.

mod common;

use common::split::{json, meta};
use proptest::prelude::*;
use whodunnit_core::{parse_bytes, FileIngest, ParsedFile};

/// The file read in parts cut at `cuts` (byte positions just after line breaks); `None` when
/// `absorb` declined.
fn in_parts(name: &str, b: &[u8], cuts: &[usize]) -> Option<ParsedFile> {
    let format = FileIngest::splittable(&b[..cuts.first().copied().unwrap_or(b.len())])?;
    common::split::in_parts(name, b, cuts, format, 1 << 16)
}

/// Line starts of `b` after the first `skip` lines (the first part must hold the sniff sample).
fn line_starts(b: &[u8], skip: usize) -> Vec<usize> {
    b.iter()
        .enumerate()
        .filter(|(_, &c)| c == b'\n')
        .map(|(i, _)| i + 1)
        .filter(|&i| i < b.len())
        .skip(skip)
        .collect()
}

fn files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for n in [
        "audit2rbac-demo-head.log",
        "openshift-clo-k8s.log",
        "openshift-clo-crc.log",
        "falco-k8s-audit.jsonl",
    ] {
        out.push((
            n.to_string(),
            whodunnit_testdata::read(whodunnit_testdata::fixture(&format!("audit/{n}"))),
        ));
    }
    if let Some(p) = whodunnit_testdata::corpus("live-controlplane/audit.log.gz") {
        out.push((
            "audit.log".into(),
            whodunnit_testdata::gunzip_if(whodunnit_testdata::read(p)),
        ));
    }
    out
}

#[test]
fn the_live_recording_in_parts_equals_one_reader() {
    let Some(p) = whodunnit_testdata::corpus("live-controlplane/audit.log.gz") else {
        return;
    };
    let b = whodunnit_testdata::gunzip_if(whodunnit_testdata::read(p));
    let whole = json(&parse_bytes(meta("audit.log", b.len()), &b));
    let starts = line_starts(&b, 200);
    for n in [2, 3, 7] {
        let cuts: Vec<usize> = (1..n).map(|k| starts[starts.len() * k / n]).collect();
        let parts = in_parts("audit.log", &b, &cuts).expect("JSON lines always join");
        assert!(json(&parts) == whole, "{n} parts differ from one reader");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_cuts_equal_one_reader(seed in any::<u64>(), n in 2usize..6) {
        for (name, b) in files() {
            let starts = line_starts(&b, 64);
            if starts.len() < n {
                continue;
            }
            let mut cuts: Vec<usize> = (0..n - 1)
                .map(|k| starts[(seed.rotate_left(k as u32 * 7) % starts.len() as u64) as usize])
                .collect();
            cuts.sort();
            cuts.dedup();
            let whole = json(&parse_bytes(meta(&name, b.len()), &b));
            let parts = in_parts(&name, &b, &cuts);
            prop_assert!(parts.is_some(), "{}: JSON lines did not join", name);
            prop_assert!(json(&parts.unwrap()) == whole, "{}: cuts {:?} differ", name, cuts);
        }
    }
}
