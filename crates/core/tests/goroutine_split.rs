//! A goroutine dump file cut into byte ranges (`FileIngest::part`) and joined in order
//! (`FileIngest::absorb`) gives exactly what one reader of the whole file gives, or `absorb`
//! declines: at sampled line starts of every corpus dump and the live containerd dumps, and of
//! files holding many of them one after another (the periodic dumps the CLI splits). Where
//! `FileIngest::part_start` proposes a cut in such a file, the parts join.

mod common;

use common::split::{json, meta};
use whodunnit_core::format::Format;
use whodunnit_core::{parse_bytes, FileIngest, ParsedFile};

/// The file read in parts cut at `cuts`; `None` when `absorb` declined.
fn in_parts(name: &str, b: &[u8], cuts: &[usize]) -> Option<ParsedFile> {
    common::split::in_parts(name, b, cuts, Format::GoroutineDump, 1 << 12)
}

/// The corpus's dumps and the live containerd dumps, one by one.
fn dumps() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["goroutines", "live-containerd"] {
        let Some(d) = whodunnit_testdata::corpus(dir) else {
            continue;
        };
        let mut names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".txt") && !n.starts_with("proc-snapshot"))
            .collect();
        names.sort();
        for n in names {
            out.push((n.clone(), whodunnit_testdata::read(d.join(&n))));
        }
    }
    out
}

/// `files` one after another, each ending in a blank line, `rounds` times.
fn concatenated(files: &[(String, Vec<u8>)], rounds: usize) -> Vec<u8> {
    let mut unit = Vec::new();
    for (_, b) in files {
        unit.extend_from_slice(b);
        if !b.ends_with(b"\n") {
            unit.push(b'\n');
        }
        unit.push(b'\n');
    }
    unit.repeat(rounds)
}

/// About `n` line starts spread over `b` (after its first line).
fn sampled_line_starts(b: &[u8], n: usize) -> Vec<usize> {
    let starts: Vec<usize> = b
        .iter()
        .enumerate()
        .filter(|(_, &c)| c == b'\n')
        .map(|(i, _)| i + 1)
        .filter(|&i| i < b.len())
        .collect();
    let step = (starts.len() / n).max(1);
    starts.into_iter().step_by(step).collect()
}

/// Every cut `part_start` proposes when asked at about `n` places spread over `b`.
fn proposed(b: &[u8], n: usize) -> Vec<usize> {
    let mut cuts: Vec<usize> = (1..n)
        .filter_map(|k| {
            let at = b.len() * k / n;
            FileIngest::part_start(Format::GoroutineDump, &b[at..]).map(|i| at + i)
        })
        .collect();
    cuts.dedup();
    cuts
}

#[test]
fn a_cut_anywhere_joins_exactly_or_is_declined() {
    let files = dumps();
    if files.is_empty() {
        return;
    }
    let mut joined = 0;
    for (name, b) in &files {
        let whole = json(&parse_bytes(meta(name, b.len()), b));
        for cut in sampled_line_starts(b, 40) {
            if let Some(p) = in_parts(name, b, &[cut]) {
                joined += 1;
                assert!(json(&p) == whole, "{name}: cut at byte {cut} differs");
            }
        }
    }
    // Line starts that are no dump's start are declined; a few are not.
    assert!(joined > 0, "no single cut joined");
}

#[test]
fn many_dumps_in_one_file_join_where_part_start_cuts() {
    // Those read as dumps on their own (a kernel log or test output with a dump in it makes
    // the file a node log, which is never split).
    let files: Vec<_> = dumps()
        .into_iter()
        .filter(|(n, b)| parse_bytes(meta(n, b.len()), b).format == Format::GoroutineDump)
        .collect();
    if files.is_empty() {
        return;
    }
    let b = concatenated(&files, 3);
    let whole = parse_bytes(meta("all.txt", b.len()), &b);
    assert_eq!(whole.format, Format::GoroutineDump);
    let whole_json = json(&whole);
    let cuts = proposed(&b, 9);
    assert!(cuts.len() >= 4, "too few dump starts found: {cuts:?}");
    // Each proposed cut alone, then all of them at once.
    let mut declined = Vec::new();
    for &c in &cuts {
        match in_parts("all.txt", &b, &[c]) {
            Some(p) => assert!(json(&p) == whole_json, "cut at byte {c} differs"),
            None => declined.push(c),
        }
    }
    // A `goroutine 1` after another process's dump continues that dump's snapshot for one
    // reader (it never listed goroutine 1): such cuts are declined, the others join.
    let good: Vec<usize> = cuts
        .iter()
        .copied()
        .filter(|c| !declined.contains(c))
        .collect();
    assert!(
        good.len() >= 2,
        "proposed cuts should join: declined {declined:?} of {cuts:?}"
    );
    let p = in_parts("all.txt", &b, &good).expect("cuts that join one by one join together");
    assert!(json(&p) == whole_json, "cuts {good:?} differ");
    // Sampled line starts of the long file: exact or declined.
    for cut in sampled_line_starts(&b, 60) {
        if let Some(p) = in_parts("all.txt", &b, &[cut]) {
            assert!(json(&p) == whole_json, "cut at byte {cut} differs");
        }
    }
}

#[test]
fn periodic_dumps_of_one_process_always_join() {
    // The live containerd dumps, SIGUSR1 and debug=2, repeated like a file of periodic dumps.
    let files: Vec<_> = dumps()
        .into_iter()
        .filter(|(n, _)| n.starts_with("containerd-goroutines"))
        .collect();
    if files.is_empty() {
        return;
    }
    let b = concatenated(&files, 4);
    let whole = json(&parse_bytes(meta("containerd.txt", b.len()), &b));
    let cuts = proposed(&b, 7);
    assert!(cuts.len() >= 5, "dump starts found: {cuts:?}");
    let p = in_parts("containerd.txt", &b, &cuts).expect("periodic dumps join");
    assert!(json(&p) == whole, "cuts {cuts:?} differ");
}
