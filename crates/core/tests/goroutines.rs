//! Goroutine dumps: every corpus variant parses (counts asserted), grouping matches panicparse
//! (`panicparse -parse=false -rebase=false`, Debian 2.3.0) where it can read the file, lock
//! contention and holders on the real lock pile-up, wrappers, diff, chunking, no panics.

use proptest::prelude::*;
use whodunnit_core::goroutine::report::SnapshotRef;
use whodunnit_core::goroutine::{self, diff, report, GoroutineQuery, Similarity};
use whodunnit_core::{parse_bytes, Dataset, FileMeta, Format, FormatData, ParsedFile};

/// The bytes of a dump in the corpus's `goroutines/`, read in place; skips the calling test when
/// the corpus is absent.
macro_rules! read {
    ($name:expr) => {
        whodunnit_testdata::corpus_bytes_or_skip!(&format!("goroutines/{}", $name))
    };
}

fn parse(name: &str, bytes: &[u8]) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        },
        bytes,
    )
}

fn data(f: &ParsedFile) -> &goroutine::Data {
    match &f.data {
        FormatData::Goroutines(d) => d,
        other => panic!("{}: not read as goroutines: {other:?}", f.meta.name),
    }
}

fn dataset(files: Vec<ParsedFile>) -> Dataset {
    Dataset { files }
}

/// One corpus expectation; see [`CORPUS`].
type Expected = (
    &'static str,
    &'static [u64],
    &'static [usize],
    Option<usize>,
);

/// (file, goroutines per snapshot, groups per snapshot at the default similarity,
///  panicparse's group count for the whole file or None when it cannot read it).
///
/// Differences with panicparse are explained in docs/goroutines.md; in short:
/// - ancestors: panicparse also compares `[originating from goroutine N]` ancestor stacks
///   (it treats them as part of `created by`); we group by the goroutine's own stack.
/// - kvstore (Go 1.24): panicparse 2.3.0 reads `created by F in goroutine N` as a function
///   named `F in goroutine N`, splitting goroutines by parent ID; we group by creation site.
/// - pprof debug=1, race_test, errorhandling, partial_createdby, go7725: panicparse stops
///   at the first line it cannot read (or does not read the format); we recover and go on.
/// - syzkaller report 7: panicparse stops after the first of the two race reports.
const CORPUS: &[Expected] = &[
    (
        "combinestacks_oom-panic-113-other-threads.txt",
        &[619],
        &[8],
        Some(8),
    ),
    ("combinestacks_pprof-http-text.txt", &[154], &[6], None),
    ("combinestacks_write-stacks-1.txt", &[154], &[6], None),
    ("combinestacks_write-stacks-2.txt", &[154], &[6], Some(6)),
    ("gostackparse_ancestors.txt", &[3], &[2], Some(3)),
    ("gostackparse_cgo.txt", &[3], &[3], Some(3)),
    ("gostackparse_errorhandling.txt", &[3], &[3], Some(2)),
    ("gostackparse_frameselided.txt", &[1], &[1], Some(1)),
    (
        "gostackparse_frameselided_goroutine.txt",
        &[2],
        &[2],
        Some(2),
    ),
    ("gostackparse_go121_createdby.txt", &[2], &[2], Some(2)),
    ("gostackparse_lockedm.txt", &[1], &[1], Some(1)),
    ("gostackparse_partial_createdby.txt", &[2], &[2], Some(1)),
    ("gostackparse_waitsince.txt", &[9], &[9], Some(9)),
    ("gostackparse_windows.txt", &[1], &[1], Some(1)),
    ("gotfmt_deadlock.txt", &[3], &[3], Some(3)),
    ("gotfmt_go7725.txt", &[134], &[33], Some(1)),
    ("gotfmt_race_test.txt", &[2], &[2], None),
    ("gotfmt_sigabrt.txt", &[2], &[2], Some(2)),
    ("gotfmt_timeout.txt", &[3], &[3], Some(3)),
    (
        "kvstore_raft_goroutines_go124_windows.txt",
        &[13],
        &[11],
        Some(12),
    ),
    ("syzkaller_gvisor_report_0.txt", &[2, 1], &[2, 1], Some(3)),
    ("syzkaller_gvisor_report_1.txt", &[2, 1], &[2, 1], Some(3)),
    ("syzkaller_gvisor_report_7.txt", &[2, 2], &[2, 2], Some(2)),
];

#[test]
fn every_corpus_file_parses_with_expected_counts() {
    for &(name, goroutines, groups, pp) in CORPUS {
        let f = parse(name, &read!(name));
        assert_eq!(f.format, Format::GoroutineDump, "{name}");
        let d = data(&f);
        let got: Vec<u64> = d.snapshots.iter().map(|s| s.total).collect();
        assert_eq!(got, goroutines, "{name}: goroutines per snapshot");
        assert_eq!(f.records, goroutines.iter().sum::<u64>(), "{name}: records");
        let rep = report(&dataset(vec![f.clone()]), &GoroutineQuery::default());
        let got: Vec<usize> = rep.snapshots.iter().map(|s| s.groups).collect();
        assert_eq!(
            got, groups,
            "{name}: groups per snapshot (panicparse: {pp:?})"
        );
        // One timeline event per snapshot.
        let dumps = (0..f.events.len())
            .filter(|&i| f.events.kind_name(i) == "goroutine_dump")
            .count();
        assert_eq!(dumps, goroutines.len(), "{name}: goroutine_dump events");
        // Every line is either used or counted.
        assert!(f.lines >= f.diags.skipped_lines, "{name}");
    }
}

#[test]
fn negative_sample_is_not_a_goroutine_dump() {
    let name = "combinestacks_oom-killed.txt";
    let bytes = read!(name);
    let lines: Vec<&[u8]> = bytes.split(|&c| c == b'\n').take(64).collect();
    assert!(goroutine::sniff(&lines) < 20);
}

#[test]
fn fatal_error_runtime_stack_is_kept() {
    let name = "combinestacks_oom-panic-113-other-threads.txt";
    let rep = report(
        &dataset(vec![parse(name, &read!(name))]),
        &GoroutineQuery::default(),
    );
    let s = &rep.snapshots[0];
    assert_eq!(s.title, "fatal error: runtime: out of memory");
    assert_eq!(s.system_stacks.len(), 1);
    assert_eq!(&*s.system_stacks[0][0].func, "runtime.throw");
    // The goroutine allocating while holding the lock is the top holder candidate.
    let h = &rep.lock_groups[0].holders[0];
    assert_eq!(h.goroutine, Some(689));
    assert!(h.reasons[0].starts_with("passes the lock's address 0xc0000140f0"));
}

#[test]
fn pprof_totals_match_their_header() {
    for name in [
        "combinestacks_pprof-http-text.txt",
        "combinestacks_write-stacks-1.txt",
    ] {
        let f = parse(name, &read!(name));
        let s = &data(&f).snapshots[0];
        assert_eq!(s.declared_total, Some(s.total), "{name}");
    }
}

#[test]
fn write_stacks_2_has_150_waiters_on_one_lock() {
    let name = "combinestacks_write-stacks-2.txt";
    let rep = report(
        &dataset(vec![parse(name, &read!(name))]),
        &GoroutineQuery::default(),
    );
    assert_eq!(rep.lock_groups.len(), 1);
    let l = &rep.lock_groups[0];
    assert_eq!(l.waiters, 150);
    assert_eq!(l.address.as_deref(), Some("0xc000192068"));
    assert_eq!(l.kind, "sync.Mutex");
    let sites: Vec<(String, u64)> = l
        .call_sites
        .iter()
        .map(|c| (c.frame.func.to_string(), c.count))
        .collect();
    assert_eq!(
        sites,
        vec![("main.a2".to_string(), 100), ("main.b2".to_string(), 50)]
    );
    // The main goroutine started the waiters and still runs in their file: top candidate.
    assert_eq!(l.holders[0].goroutine, Some(1));
    assert!(l.holders[0]
        .reasons
        .iter()
        .any(|r| r.contains("started the waiters")));
    // Lock groups come first, and the waiters' groups point at their lock.
    assert_eq!(rep.groups[0].lock_group, Some(0));
    assert_eq!(l.waiter_groups.len(), 2);
}

#[test]
fn go124_internal_sync_waiter_is_found() {
    let name = "kvstore_raft_goroutines_go124_windows.txt";
    let rep = report(
        &dataset(vec![parse(name, &read!(name))]),
        &GoroutineQuery::default(),
    );
    assert_eq!(rep.lock_groups.len(), 1);
    assert_eq!(rep.lock_groups[0].address.as_deref(), Some("0xc000134930"));
    assert_eq!(rep.lock_groups[0].waiters, 1);
    // Windows paths with a space keep their file name.
    let g = &rep.groups[rep.lock_groups[0].waiter_groups[0]];
    assert!(g
        .frames
        .iter()
        .any(|f| f.file.starts_with("C:/Program Files/Go/")));
}

#[test]
fn pprof_debug1_with_spaces_for_tabs() {
    let name = "combinestacks_pprof-http-text.txt";
    let spaced = String::from_utf8(read!(name))
        .unwrap()
        .replace('\t', "    ");
    let f = parse(name, spaced.as_bytes());
    assert_eq!(f.diags.skipped_lines, 0);
    let rep = report(&dataset(vec![f]), &GoroutineQuery::default());
    assert_eq!(rep.total_goroutines, 154);
    assert_eq!(rep.lock_groups[0].waiters, 100);
}

#[test]
fn pprof_debug1_waiters_are_grouped_by_call_site() {
    let name = "combinestacks_pprof-http-text.txt";
    let rep = report(
        &dataset(vec![parse(name, &read!(name))]),
        &GoroutineQuery::default(),
    );
    let w: Vec<(String, u64)> = rep
        .lock_groups
        .iter()
        .map(|l| (l.lock.clone(), l.waiters))
        .collect();
    assert_eq!(
        w,
        vec![
            ("main.a2 (stackdemo.go:71)".to_string(), 100),
            ("main.b2 (stackdemo.go:80)".to_string(), 50),
            ("main.main (stackdemo.go:62)".to_string(), 1),
        ]
    );
}

#[test]
fn similarity_levels_nest() {
    for &(name, ..) in CORPUS {
        let ds = dataset(vec![parse(name, &read!(name))]);
        let n = |similarity| {
            report(
                &ds,
                &GoroutineQuery {
                    similarity,
                    ..GoroutineQuery::default()
                },
            )
            .total_groups
        };
        let (e, p, a) = (
            n(Similarity::Exact),
            n(Similarity::Pointer),
            n(Similarity::Any),
        );
        assert!(e >= p && p >= a, "{name}: exact {e} pointer {p} any {a}");
    }
}

/// Wrap every line of a real dump the way logs carry it.
fn wrapped(bytes: &[u8], how: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    match how {
        "journald" => {
            for l in text.lines() {
                out.push_str(&format!("Mar 03 10:00:00 node-1 containerd[812]: {l}\n"));
            }
        }
        "cri" => {
            for l in text.lines() {
                out.push_str(&format!("2020-03-03T10:00:00.123456789Z stderr F {l}\n"));
            }
        }
        "spaces" => out = text.replace('\t', "        "),
        "logrus" => {
            let esc = text
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n")
                .replace('\t', "\\t");
            out.push_str("time=\"2020-03-03T09:59:59Z\" level=info msg=\"starting containerd\"\n");
            out.push_str(&format!(
                "time=\"2020-03-03T10:00:00Z\" level=info msg=\"=== BEGIN goroutine stack dump ===\\n{esc}\\n=== END goroutine stack dump ===\"\n"
            ));
        }
        "docker" => {
            for l in text.lines() {
                let j = serde_json::json!({"log": format!("{l}\n"), "stream": "stderr", "time": "2020-03-03T10:00:00.5Z"});
                out.push_str(&format!("{j}\n"));
            }
        }
        "journald+logrus" => {
            // containerd under systemd: the logrus line itself carries a journald prefix.
            for l in String::from_utf8(wrapped(bytes, "logrus")).unwrap().lines() {
                out.push_str(&format!("Mar 03 10:00:00 node-1 containerd[812]: {l}\n"));
            }
        }
        "kubelet" => {
            out.push_str("I0303 10:00:00.000000    1234 kubelet.go:1234] SyncLoop (PLEG)\n");
            out.push_str("E0303 10:00:01.000000    1234 runtime.go:78] Observed a panic\n");
            out.push_str(&text);
            out.push_str("\nI0303 10:00:02.000000    1234 kubelet.go:99] exiting\n");
        }
        _ => unreachable!(),
    }
    out.into_bytes()
}

#[test]
fn wrapped_dumps_read_like_the_original() {
    let name = "combinestacks_write-stacks-2.txt";
    let bytes = read!(name);
    for how in [
        "journald",
        "cri",
        "docker",
        "spaces",
        "logrus",
        "journald+logrus",
        "kubelet",
    ] {
        let f = parse(how, &wrapped(&bytes, how));
        assert_eq!(f.format, Format::GoroutineDump, "{how}");
        let d = data(&f);
        assert_eq!(d.total_goroutines(), 154, "{how}");
        let rep = report(&dataset(vec![f.clone()]), &GoroutineQuery::default());
        assert_eq!(rep.total_groups, 6, "{how}");
        assert_eq!(rep.lock_groups[0].waiters, 150, "{how}");
        assert_eq!(
            rep.lock_groups[0].address.as_deref(),
            Some("0xc000192068"),
            "{how}"
        );
        if how == "cri" || how == "logrus" || how == "docker" {
            assert_ne!(d.snapshots[0].time, whodunnit_core::time::NO_TIME, "{how}");
        }
    }
}

#[test]
fn go121_middle_elision_and_go122_headers() {
    // Go 1.21+ elides in the middle (`...N frames elided...`, innermost and outermost frames
    // kept); Go 1.22+ (GODEBUG/runtime crash output) adds `gp= m= mp=` to headers.
    let text = String::from_utf8(read!("gostackparse_frameselided_goroutine.txt")).unwrap();
    let text = text
        .replace(
            "goroutine 18 [running]:",
            "goroutine 18 gp=0xc000002380 m=0 mp=0x1e2c9c0 [running]:",
        )
        .replace(
            "...additional frames elided...\n",
            "...50 frames elided...\nmain.stackDump(0x0, 0xc000128060)\n\t/x/main.go:24 +0x97\n",
        );
    let rep = report(
        &dataset(vec![parse("elided", text.as_bytes())]),
        &GoroutineQuery::default(),
    );
    assert_eq!(rep.total_goroutines, 2);
    let g = rep
        .groups
        .iter()
        .find(|g| g.ids == vec![18])
        .expect("goroutine 18");
    assert_eq!(g.state, "running");
    let at = g.frames.len() - 1;
    assert_eq!(
        g.elided.as_deref(),
        Some(format!("…50 frames elided after frame {at}…").as_str())
    );
    assert_eq!(&*g.frames[at].location, "main.go:24");
    assert!(rep.snapshots[0].truncated);
}

#[test]
fn several_dumps_in_one_file_are_snapshots() {
    let mut bytes = read!("gostackparse_waitsince.txt");
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(&read!("combinestacks_write-stacks-2.txt"));
    bytes.extend_from_slice(b"\nSIGQUIT: quit\nPC=0x46b3e1 m=0 sigcode=0\n\n");
    bytes.extend_from_slice(&read!("gostackparse_waitsince.txt"));
    let f = parse("multi", &bytes);
    let got: Vec<u64> = data(&f).snapshots.iter().map(|s| s.total).collect();
    assert_eq!(got, vec![9, 154, 9]);
}

/// Replace each waiter header's state to give it a wait age.
fn with_ages(bytes: &[u8], age: impl Fn(usize) -> Option<u32>) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    let mut n = 0;
    for l in text.lines() {
        if l.starts_with("goroutine ") && l.ends_with(" [semacquire]:") {
            let head = l.trim_end_matches(" [semacquire]:");
            match age(n) {
                Some(m) => out.push_str(&format!("{head} [semacquire, {m} minutes]:\n")),
                None => out.push_str(&format!("{l}\n")),
            }
            n += 1;
        } else {
            out.push_str(l);
            out.push('\n');
        }
    }
    out.into_bytes()
}

#[test]
fn evenly_spaced_waiters_are_flagged_periodic() {
    let bytes = read!("combinestacks_write-stacks-2.txt");
    // One waiter every 2 minutes for 150 waiters (a kubelet-like periodic caller).
    let aged = with_ages(&bytes, |i| Some(1 + 2 * i as u32));
    let rep = report(
        &dataset(vec![parse("aged", &aged)]),
        &GoroutineQuery::default(),
    );
    let l = &rep.lock_groups[0];
    assert_eq!(l.oldest_minutes, 299);
    assert!(l
        .periodicity
        .as_deref()
        .is_some_and(|p| p.starts_with("one new waiter every ~2m")));
    assert_eq!(l.histogram.iter().map(|b| b.count).sum::<u64>(), 150);
    assert_eq!(l.period_minutes, Some(2));
    assert_eq!(l.ages.len(), 150);
    // Wrapped in a CRI log, the dump has a time: the oldest waiter's start is dated.
    let f = parse("aged-cri", &wrapped(&aged, "cri"));
    let starts: Vec<i64> = (0..f.events.len())
        .filter(|&i| f.events.kind_name(i) == "lock_wait_start")
        .map(|i| f.events.time[i])
        .collect();
    let dump = whodunnit_core::time::parse_rfc3339("2020-03-03T10:00:00.123456Z").unwrap();
    assert_eq!(starts, vec![dump - 299 * 60 * 1_000_000]);
    // The original (all under a minute) is not periodic.
    let rep = report(
        &dataset(vec![parse("orig", &bytes)]),
        &GoroutineQuery::default(),
    );
    assert_eq!(rep.lock_groups[0].periodicity, None);
}

#[test]
fn diff_finds_goroutines_that_waited_longer_and_vanished() {
    let bytes = read!("combinestacks_write-stacks-2.txt");
    let before = with_ages(&bytes, |_| Some(3));
    // Later: everyone waits 5 minutes, and goroutine 34 (the resolver) is gone.
    let later = with_ages(&bytes, |_| Some(5));
    let text = String::from_utf8_lossy(&later);
    let start = text.find("goroutine 34 [select]:").unwrap();
    let end = start + text[start..].find("\n\n").unwrap() + 2;
    let later = format!("{}{}", &text[..start], &text[end..]).into_bytes();
    let ds = dataset(vec![parse("a", &before), parse("b", &later)]);
    let d = diff(
        &ds,
        SnapshotRef {
            file: 0,
            snapshot: 0,
        },
        SnapshotRef {
            file: 1,
            snapshot: 0,
        },
        Similarity::Pointer,
    );
    let n = |l: &[goroutine::DiffEntry]| l.iter().map(|e| e.count).sum::<u64>();
    assert_eq!(n(&d.waited_longer), 150);
    assert_eq!(n(&d.vanished), 1);
    assert_eq!(d.vanished[0].ids, vec![34]);
    assert_eq!(n(&d.appeared), 0);
    assert_eq!(d.unchanged, 3);
}

#[test]
fn filters_search_function_file_and_state() {
    let name = "combinestacks_write-stacks-2.txt";
    let ds = dataset(vec![parse(name, &read!(name))]);
    let q = |text: &str, state: &str, package: &str| {
        report(
            &ds,
            &GoroutineQuery {
                text: text.into(),
                state: state.into(),
                package: package.into(),
                ..GoroutineQuery::default()
            },
        )
        .matched_goroutines
    };
    assert_eq!(q("main.b2", "", ""), 50);
    // The resolver goroutines (singleflight, cgo) never pass through stackdemo.go.
    assert_eq!(q("stackdemo.go", "", ""), 152);
    assert_eq!(q("", "semacquire", ""), 150);
    assert_eq!(q("", "", "net"), 3);
}

#[test]
fn created_by_tree_nests_by_parent_goroutine() {
    let name = "kvstore_raft_goroutines_go124_windows.txt";
    let rep = report(
        &dataset(vec![parse(name, &read!(name))]),
        &GoroutineQuery::default(),
    );
    let total: u64 = rep.tree.iter().map(count).sum();
    assert_eq!(total, 13);
    fn count(n: &goroutine::tree::CreatorNode) -> u64 {
        n.goroutines + n.children.iter().map(count).sum::<u64>()
    }
    fn depth(n: &goroutine::tree::CreatorNode) -> usize {
        1 + n.children.iter().map(depth).max().unwrap_or(0)
    }
    assert!(rep.tree.iter().map(depth).max().unwrap() >= 3);
}

#[test]
fn data_is_compact() {
    let name = "combinestacks_oom-panic-113-other-threads.txt";
    let bytes = read!(name);
    let f = parse(name, &bytes);
    let json = serde_json::to_vec(data(&f)).unwrap();
    // Round trip: offline reports reload the same data.
    let back: goroutine::Data = serde_json::from_slice(&json).unwrap();
    assert_eq!(serde_json::to_vec(&back).unwrap(), json);
    assert!(
        json.len() * 3 < bytes.len(),
        "{} bytes of JSON for a {} byte dump",
        json.len(),
        bytes.len()
    );
}

#[test]
fn gzipped_dumps_read_the_same() {
    use std::io::Write;
    for &(name, ..) in CORPUS {
        let bytes = read!(name);
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&bytes).unwrap();
        let gz = e.finish().unwrap();
        assert_eq!(
            parse_chunked(&bytes, &[bytes.len()]),
            parse_chunked(&gz, &[7, 4096]),
            "{name}"
        );
    }
}

fn parse_chunked(bytes: &[u8], sizes: &[usize]) -> String {
    let mut ing = whodunnit_core::FileIngest::new(FileMeta::default());
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        ing.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    let f = ing.finish();
    serde_json::to_string(&(&f.data, &f.diags, f.records, &f.detail)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn chunking_does_not_change_the_result(sizes in prop::collection::vec(1usize..5000, 1..8)) {
        if whodunnit_testdata::corpus_root().is_none() {
            return Ok(());
        }
        // Inside proptest's closure `read!`'s skip cannot return: the corpus was checked above.
        let dump = |n: &str| whodunnit_testdata::read(whodunnit_testdata::corpus(&format!("goroutines/{n}")).unwrap());
        let mut bytes = dump("gostackparse_waitsince.txt");
        bytes.extend_from_slice(&wrapped(&dump("combinestacks_write-stacks-2.txt"), "logrus"));
        bytes.extend_from_slice(&dump("combinestacks_pprof-http-text.txt"));
        let whole = parse_chunked(&bytes, &[bytes.len()]);
        prop_assert_eq!(whole, parse_chunked(&bytes, &sizes));
    }

    #[test]
    fn arbitrary_bytes_never_panic(lines in prop::collection::vec(
        prop_oneof![
            Just(b"goroutine 1 [running]:".to_vec()),
            Just(b"goroutine profile: total 3".to_vec()),
            Just(b"3 @ 0x1 0x2".to_vec()),
            Just(b"#\t0x1\tmain.f+0x1\t/a.go:1".to_vec()),
            Just(b"sync.(*Mutex).lockSlow(0xc000192068)".to_vec()),
            Just(b"\t/a/b.go:12 +0x1".to_vec()),
            Just(b"created by main.main in goroutine 1".to_vec()),
            Just(b"[originating from goroutine 2]:".to_vec()),
            Just(b"...additional frames elided...".to_vec()),
            Just(b"Read at 0x00c4211413e0 by goroutine 224:".to_vec()),
            Just(b"Goroutine 6 (running) created at:".to_vec()),
            Just(b"panic: boom".to_vec()),
            Just(b"time=\"x\" level=info msg=\"a\\nb".to_vec()),
            prop::collection::vec(any::<u8>(), 0..80),
        ],
        0..60,
    )) {
        let mut bytes = Vec::new();
        for l in lines {
            bytes.extend_from_slice(&l);
            bytes.push(b'\n');
        }
        let mut p = goroutine::Parser::new(&FileMeta::default());
        let mut diags = whodunnit_core::Diagnostics::default();
        let mut events = whodunnit_core::EventStore::default();
        let (mut records, mut detail, mut notes) = (0u64, String::new(), Vec::new());
        let mut cx = whodunnit_core::ingest::ParseCx {
            diags: &mut diags,
            events: &mut events,
            records: &mut records,
            detail: &mut detail,
            notes: &mut notes,
        };
        let mut off = 0u64;
        for (i, l) in bytes.split(|&c| c == b'\n').enumerate() {
            p.line(l, whodunnit_core::lines::LineAt { line: i as u64 + 1, offset: off }, &mut cx);
            off += l.len() as u64 + 1;
        }
        let d = p.finish(&mut cx);
        let ds = dataset(vec![ParsedFile {
            meta: FileMeta::default(),
            format: Format::GoroutineDump,
            detail: String::new(),
            gzip: false,
            bytes_in: 0,
            bytes: 0,
            lines: 0,
            records: 0,
            diags: Default::default(),
            notes: vec![],
            events: Default::default(),
            data: FormatData::Goroutines(d),
            source: None,
        }]);
        for similarity in [Similarity::Exact, Similarity::Pointer, Similarity::Any] {
            let _ = report(&ds, &GoroutineQuery { similarity, ..GoroutineQuery::default() });
        }
    }
}

/// The report remembers per file what depends only on a stack (how it waits on a lock, where
/// it waits, its normalized form, holder evidence per function) and asks those memos again for
/// every snapshot. On every corpus dump, and on all of them in one file (snapshots repeating
/// each other's stacks, as periodic dumps of one process do), each analysis answers with the
/// file's memos exactly as with fresh ones.
#[test]
fn a_files_memos_answer_as_fresh_ones_do() {
    use goroutine::contention::{find_locks, Waits};
    use goroutine::group::{buckets, Normalizer};
    use goroutine::holder::{candidates, Seen};
    use goroutine::waits::{waiters_by_site, Sites};
    whodunnit_testdata::require_corpus!();
    let dir = whodunnit_testdata::corpus("goroutines").unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    for p in &names {
        files.push((p.display().to_string(), whodunnit_testdata::read(p)));
    }
    // The live containerd's dumps of one hang, in order: one process, its stacks repeating.
    let live = whodunnit_testdata::corpus("live-containerd").unwrap();
    let mut series = Vec::new();
    let mut dumps: Vec<_> = std::fs::read_dir(&live)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.display().to_string().contains("containerd-goroutines-"))
        .collect();
    dumps.sort();
    for p in &dumps {
        series.extend_from_slice(&whodunnit_testdata::read(p));
        series.extend_from_slice(b"\n\n");
    }
    files.push(("the live containerd dumps, in one file".into(), series));
    // Dumps of several programs, twice: the second copy meets every stack in the memos.
    let mut mixed = Vec::new();
    for n in [
        "combinestacks_write-stacks-2.txt",
        "gostackparse_waitsince.txt",
        "gotfmt_deadlock.txt",
        "kvstore_raft_goroutines_go124_windows.txt",
    ] {
        mixed.extend_from_slice(&read!(n));
        mixed.extend_from_slice(b"\n\n");
    }
    files.push((
        "four dumps, twice".into(),
        [mixed.as_slice(), mixed.as_slice()].concat(),
    ));
    let (mut locks_seen, mut sites_seen) = (0, 0);
    for (name, bytes) in &files {
        let f = parse(name, bytes);
        let FormatData::Goroutines(d) = &f.data else {
            continue;
        };
        let mut waits = Waits::default();
        let mut seen = Seen::default();
        let mut sites = Sites::default();
        let sims = [Similarity::Exact, Similarity::Pointer, Similarity::Any];
        let mut norms: Vec<Normalizer> = sims.iter().map(|&s| Normalizer::new(d, s)).collect();
        for si in 0..d.snapshots.len() {
            let locks = find_locks(d, si, &mut waits);
            assert_eq!(
                locks,
                find_locks(d, si, &mut Waits::default()),
                "{name} snapshot {si}: locks"
            );
            for l in &locks {
                locks_seen += 1;
                assert_eq!(
                    candidates(d, l, 5, &mut waits, &mut seen),
                    candidates(d, l, 5, &mut Waits::default(), &mut Seen::default()),
                    "{name} snapshot {si}: holders of {:?}",
                    l.addr
                );
            }
            let by_site = waiters_by_site(d, si, 2, &mut sites);
            sites_seen += by_site.len();
            assert_eq!(
                by_site,
                waiters_by_site(d, si, 2, &mut Sites::default()),
                "{name} snapshot {si}: wait sites"
            );
            for (norm, &sim) in norms.iter_mut().zip(&sims) {
                assert_eq!(
                    buckets(d, si, norm, &mut |_| true),
                    buckets(d, si, &mut Normalizer::new(d, sim), &mut |_| true),
                    "{name} snapshot {si}: groups at {sim:?}"
                );
            }
        }
    }
    // What the comparisons covered (12 locks and 53 wait sites with the corpus of 2026-12).
    assert!(
        locks_seen >= 10 && sites_seen >= 40,
        "{locks_seen} locks, {sites_seen} wait sites"
    );
}
