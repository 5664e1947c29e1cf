//! One audit log cut into byte ranges at line boundaries, the ranges read on their own
//! (`FileIngest::part`) and joined in order (`FileIngest::absorb`), gives exactly what one
//! reader of the whole file gives: requests whose stages straddle a cut, line numbers of
//! requests and diagnostics, string tables, timeline. On every audit fixture and the live
//! control-plane recording, at random cuts. The same when each part crosses as bytes
//! (`to_wire`/`from_wire`, as the browser's helper worker hands its part back), and damaged
//! bytes are refused, never a panic.

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

/// A part handed over as bytes, as the browser's helper worker hands it back.
fn travelled(p: FileIngest) -> Option<FileIngest> {
    let bytes = p.to_wire()?;
    FileIngest::from_wire(meta("part", 0), &bytes)
}

/// [`in_parts`] with every part after the first [`travelled`].
fn in_parts_travelled(name: &str, b: &[u8], cuts: &[usize]) -> Option<ParsedFile> {
    let format = FileIngest::splittable(&b[..cuts.first().copied().unwrap_or(b.len())])?;
    common::split::in_parts_via(name, b, cuts, format, 1 << 16, travelled)
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
        let parts = in_parts_travelled("audit.log", &b, &cuts).expect("parts travel");
        assert!(
            json(&parts) == whole,
            "{n} parts that travelled differ from one reader"
        );
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
            let parts = in_parts_travelled(&name, &b, &cuts);
            prop_assert!(parts.is_some(), "{}: parts did not travel", name);
            prop_assert!(json(&parts.unwrap()) == whole, "{}: cuts {:?} differ after travelling", name, cuts);
        }
    }
}

/// A fixture sixteen times over, cut at its 70th line start (the first part must hold the sniff
/// sample, 64 lines): the bytes and the cut.
fn cut_fixture(name: &str) -> (Vec<u8>, usize) {
    let b =
        whodunnit_testdata::read(whodunnit_testdata::fixture(&format!("audit/{name}"))).repeat(16);
    let cut = line_starts(&b, 0)[70];
    (b, cut)
}

/// The first part of `b` up to `cut`, as the file's start.
fn first_part(b: &[u8], cut: usize) -> FileIngest {
    let mut first = FileIngest::new(meta("f", b.len()));
    first.push(&b[..cut]);
    assert_eq!(
        first.format(),
        whodunnit_core::Format::AuditLog,
        "past sniffing"
    );
    first
}

/// The rest of `b` from `cut`, as a part.
fn rest_part(b: &[u8], cut: usize) -> FileIngest {
    let format = whodunnit_core::Format::AuditLog;
    let mut part = FileIngest::part(meta("p", b.len() - cut), format, cut as u64);
    part.push(&b[cut..]);
    part
}

#[test]
fn damaged_wire_bytes_are_refused_or_harmless() {
    let (b, cut) = cut_fixture("openshift-clo-k8s.log");
    let bytes = rest_part(&b, cut)
        .to_wire()
        .expect("a part of JSON lines travels");
    // A prefix is refused (the form has no optional tail): some 400 of them, and the last few.
    let step = (bytes.len() / 400).max(1);
    let cuts = (0..bytes.len())
        .step_by(step)
        .chain(bytes.len().saturating_sub(16)..bytes.len());
    for cut in cuts {
        assert!(
            FileIngest::from_wire(meta("p", 0), &bytes[..cut]).is_none(),
            "a prefix of {cut} of {} bytes was read",
            bytes.len()
        );
    }
    // The part as it came joins.
    let mut first = first_part(&b, cut);
    assert!(first.absorb(FileIngest::from_wire(meta("p", 0), &bytes).expect("read back")));
    // A flipped byte is refused, or gives a part that joins and finishes without a panic.
    let step = (bytes.len() / 300).max(1);
    for at in (0..bytes.len()).step_by(step) {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[at] ^= flip;
            if let Some(p) = FileIngest::from_wire(meta("p", 0), &damaged) {
                let mut first = first_part(&b, cut);
                if first.absorb(p) {
                    let _ = first.finish();
                }
            }
        }
    }
}

#[test]
fn only_a_part_of_audit_lines_between_documents_travels() {
    // A pretty-printed document open at the part's end cannot be joined: it does not travel.
    let b = whodunnit_testdata::read(whodunnit_testdata::fixture(
        "audit/pretty-openshift-clo-crc.json",
    ));
    let starts = line_starts(&b, 0);
    let mut open = FileIngest::part(meta("pretty", b.len()), whodunnit_core::Format::AuditLog, 0);
    open.push(&b[..starts[starts.len() / 2]]);
    assert!(open.to_wire().is_none());
    // Nor anything but an audit log's part: a file still being sniffed, a goroutine dump's part.
    let mut sniffing = FileIngest::new(meta("x", 10));
    sniffing.push(b"{\"kind\":");
    assert!(sniffing.to_wire().is_none());
    let dump = FileIngest::part(meta("d", 0), whodunnit_core::Format::GoroutineDump, 0);
    assert!(dump.to_wire().is_none());
    // A first part (not read with `part`) carries no merge bookkeeping: it does not travel.
    let (b, cut) = cut_fixture("audit2rbac-demo-head.log");
    assert!(first_part(&b, cut).to_wire().is_none());
    assert!(rest_part(&b, cut).to_wire().is_some());
}
