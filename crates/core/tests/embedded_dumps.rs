//! Goroutine dumps printed inside node logs: a real corpus dump
//! (`goroutines/combinestacks_write-stacks-2.txt`, 150 goroutines on one `sync.Mutex`) embedded
//! in real logs the way processes print them — after klog lines of a `--log-file`, line by line
//! as journald JSON entries, and as containerd's one-line logrus `=== BEGIN goroutine stack
//! dump ===` message. The file stays a node log with the log's own entries, and the goroutine
//! report sees the dump. Inputs are built here from corpus files read in place (no data files).

use std::collections::BTreeMap;
use whodunnit_core::format::FormatData;
use whodunnit_core::goroutine::{goroutine_data, report, GoroutineQuery};
use whodunnit_core::time::{parse_rfc3339, NO_TIME};
use whodunnit_core::{parse_bytes, Dataset, FileIngest, FileMeta, Format, ParsedFile};

/// 2019-05-20T00:00:00Z, as in tests/nodelog.rs, so assumed years are stable.
const MTIME_MS: i64 = 1_558_310_400_000;

/// A corpus file as text; every test starts with `require_corpus!()`, so it is there.
fn read(rel: &str) -> String {
    let p = whodunnit_testdata::corpus(rel).expect("the test checked for the corpus");
    String::from_utf8(whodunnit_testdata::read(p)).expect("utf-8 corpus file")
}

fn dump() -> String {
    read("goroutines/combinestacks_write-stacks-2.txt")
}

fn meta(name: &str) -> FileMeta {
    FileMeta {
        name: name.to_string(),
        size: None,
        last_modified_ms: Some(MTIME_MS),
    }
}

fn parse(name: &str, text: &str) -> ParsedFile {
    parse_bytes(meta(name), text.as_bytes())
}

fn kind_counts(f: &ParsedFile) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for i in 0..f.events.len() {
        *m.entry(f.events.kind_name(i).to_string()).or_insert(0) += 1;
    }
    m
}

fn nodelog(f: &ParsedFile) -> &whodunnit_core::nodelog::Data {
    match &f.data {
        FormatData::NodeLog(d) => d,
        other => panic!("{}: not a node log: {other:?}", f.meta.name),
    }
}

/// The dump's lock pile-up is found through the goroutine report, as for a dump file.
fn assert_lock_pile_up(f: &ParsedFile) {
    let g = goroutine_data(f).expect("embedded goroutine data");
    assert_eq!(g.snapshots.len(), 1, "{}", f.meta.name);
    assert_eq!(g.total_goroutines(), 154, "{}", f.meta.name);
    let rep = report(
        &Dataset {
            files: vec![f.clone()],
        },
        &GoroutineQuery::default(),
    );
    assert_eq!(rep.snapshots.len(), 1);
    assert_eq!(rep.total_groups, 6);
    assert_eq!(rep.lock_groups.len(), 1);
    let l = &rep.lock_groups[0];
    assert_eq!(l.waiters, 150);
    assert_eq!(l.address.as_deref(), Some("0xc000192068"));
    assert_eq!(l.kind, "sync.Mutex");
}

/// Every kind count but `panic` is the same as for the log without the dump.
fn assert_same_log_kinds(with: &ParsedFile, without: &ParsedFile) {
    let mut a = kind_counts(with);
    let mut b = kind_counts(without);
    a.remove("panic");
    b.remove("panic");
    assert_eq!(a, b);
}

fn chunked(name: &str, text: &str, size: usize) -> ParsedFile {
    let mut ing = FileIngest::new(meta(name));
    for c in text.as_bytes().chunks(size) {
        ing.push(c);
    }
    ing.finish()
}

fn fingerprint(f: &ParsedFile) -> String {
    serde_json::to_string(f).unwrap()
}

/// klog `--log-file`: 200 real lines, the dump (as a crashing process prints it to the same
/// file), 200 more real lines.
fn klog_with_dump() -> (String, String) {
    let log = read("kubelet/windows-kubelet-klogfile-v1.17.log");
    let lines: Vec<&str> = log.lines().collect();
    let head = lines[..200].join("\n");
    let tail = lines[200..400].join("\n");
    (
        format!("{head}\n{}{tail}\n", dump()),
        format!("{head}\n{tail}\n"),
    )
}

#[test]
fn dump_in_klog_file_reaches_the_goroutine_report() {
    whodunnit_testdata::require_corpus!();
    let (with, without) = klog_with_dump();
    let f = parse("kubelet.log", &with);
    let plain = parse("kubelet.log", &without);
    assert_eq!(f.format, Format::NodeLog);
    assert_eq!(f.detail, plain.detail);
    // The log's own results: the dump is one `panic` event, not 2155 log entries.
    assert_eq!(f.records, plain.records);
    assert_eq!(f.events.len(), plain.events.len() + 1);
    assert_same_log_kinds(&f, &plain);
    assert_eq!(kind_counts(&f).get("panic"), Some(&1));
    assert_eq!(
        f.diags.skipped_lines, plain.diags.skipped_lines,
        "dump lines are part of the panic event"
    );
    let d = nodelog(&f);
    assert_eq!(d.panics.len(), 1);
    assert!(goroutine_data(&plain).is_none());
    assert_lock_pile_up(&f);
    // The dump has no time of its own: it takes the panic event's, i.e. the log's time when
    // it was printed (the last klog line before it, in the file header's year).
    let g = goroutine_data(&f).unwrap();
    let s = &g.snapshots[0];
    assert_eq!(s.line, 201);
    let pe = (0..f.events.len())
        .find(|&i| f.events.kind_name(i) == "panic")
        .unwrap();
    assert_eq!(d.dump_events, vec![pe as u32]);
    assert_eq!(s.time, f.events.time[pe]);
    assert_eq!(s.time, f.events.time[pe - 1]);
    assert_eq!(
        whodunnit_core::time::fmt_micros(s.time),
        whodunnit_core::time::fmt_micros(plain.events.time[pe - 1])
    );
    assert!(s.time != NO_TIME);
    // Goroutine byte ranges point into the log file.
    let first = &g.goroutines[0];
    assert!(with[first.offset as usize..].starts_with("goroutine 1 [running]:"));
    assert!(f
        .notes
        .iter()
        .any(|n| n.contains("1 goroutine dump inside this log (154 goroutines)")));
}

#[test]
fn runtime_hang_finding_sees_the_embedded_pile_up() {
    whodunnit_testdata::require_corpus!();
    let (with, _) = klog_with_dump();
    let ds = Dataset {
        files: vec![parse("kubelet.log", &with)],
    };
    let r = whodunnit_core::findings::detect(&ds);
    let f = r
        .findings
        .iter()
        .find(|f| f.detector == whodunnit_core::findings::Detector::RuntimeHang)
        .expect("a runtime-hang finding from the embedded dump");
    assert_eq!(f.title, "Goroutines piled up on one lock (150 waiters)");
    // Dated by the log line the dump sits in.
    assert_eq!(
        f.to,
        goroutine_data(&ds.files[0]).unwrap().snapshots[0].time
    );
    let run = r
        .detectors
        .iter()
        .find(|d| d.detector == whodunnit_core::findings::Detector::RuntimeHang)
        .unwrap();
    assert!(
        !run.missing.iter().any(|m| m.contains("goroutine dump")),
        "{:?}",
        run.missing
    );
}

#[test]
fn two_panics_separated_by_log_lines_are_two_snapshots() {
    whodunnit_testdata::require_corpus!();
    let log = read("kubelet/windows-kubelet-klogfile-v1.17.log");
    let lines: Vec<&str> = log.lines().collect();
    let d = dump();
    let text = format!(
        "{}\n{d}{}\n{d}{}\n",
        lines[..100].join("\n"),
        lines[100..200].join("\n"),
        lines[200..300].join("\n")
    );
    let f = parse("kubelet.log", &text);
    assert_eq!(f.format, Format::NodeLog);
    let g = goroutine_data(&f).unwrap();
    assert_eq!(g.snapshots.len(), 2);
    assert!(g.snapshots.iter().all(|s| s.total == 154));
    let rep = report(
        &Dataset {
            files: vec![f.clone()],
        },
        &GoroutineQuery::default(),
    );
    assert_eq!(rep.snapshots.len(), 2);
    assert!(rep.lock_groups.iter().all(|l| l.waiters == 150));
    // The second dump was printed later than the first.
    assert!(g.snapshots[1].time > g.snapshots[0].time);
}

/// `journalctl -o json`: real sonobuoy entries up to a kubelet entry, then each dump line as a
/// kubelet entry of its own (a crashing kubelet's stderr under systemd), then the rest.
fn journal_with_dump() -> (String, String, i64) {
    journal_with_dump_every(0)
}

/// As [`journal_with_dump`]; with `every > 0`, a real entry of another unit of the same journal
/// is interleaved after every `every` dump lines (a whole-node journal).
fn journal_with_dump_every(every: usize) -> (String, String, i64) {
    let log = read("kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl");
    let lines: Vec<&str> = log.lines().collect();
    let k = lines[..1000]
        .iter()
        .rposition(|l| l.contains("\"SYSLOG_IDENTIFIER\" : \"kubelet\""))
        .expect("a kubelet entry");
    let proto: serde_json::Value = serde_json::from_str(lines[k]).unwrap();
    let t0: i64 = proto["__REALTIME_TIMESTAMP"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let others: Vec<&str> = lines
        .iter()
        .filter(|l| !l.contains("\"SYSLOG_IDENTIFIER\" : \"kubelet\""))
        .copied()
        .collect();
    let mut out = lines[..=k].join("\n");
    out.push('\n');
    for (i, l) in dump().lines().enumerate() {
        if every > 0 && i > 0 && i % every == 0 {
            out.push_str(others[(i / every) % others.len()]);
            out.push('\n');
        }
        let mut e = proto.clone();
        let o = e.as_object_mut().unwrap();
        o.remove("__CURSOR");
        o.insert("MESSAGE".into(), l.into());
        o.insert("PRIORITY".into(), "3".into());
        o.insert(
            "__REALTIME_TIMESTAMP".into(),
            (t0 + 1000 + i as i64).to_string().into(),
        );
        out.push_str(&e.to_string());
        out.push('\n');
    }
    let rest = lines[k + 1..].join("\n");
    out.push_str(&rest);
    out.push('\n');
    let plain = format!("{}\n{rest}\n", lines[..=k].join("\n"));
    (out, plain, t0 + 1000)
}

#[test]
fn dump_in_journald_json_reaches_the_goroutine_report() {
    whodunnit_testdata::require_corpus!();
    let (with, without, t_dump) = journal_with_dump();
    let f = parse("node.journal.jsonl", &with);
    let plain = parse("node.journal.jsonl", &without);
    assert_eq!(f.format, Format::NodeLog);
    assert_eq!(f.detail, "journalctl -o json");
    assert_same_log_kinds(&f, &plain);
    assert_lock_pile_up(&f);
    // journald's time of the entry holding the dump's first line.
    let g = goroutine_data(&f).unwrap();
    assert_eq!(g.snapshots[0].time, t_dump);
    let first = &g.goroutines[0];
    let line = &with[first.offset as usize..first.offset as usize + 400];
    assert!(line.starts_with('{') && line.contains("goroutine 1 [running]:"));
}

#[test]
fn dump_in_a_whole_node_journal_survives_interleaved_units() {
    whodunnit_testdata::require_corpus!();
    // Other units' entries land between the kubelet's dump lines (every 7th, 50th and 97th
    // line, so some fall between a function and its file line, some at goroutine ends).
    for every in [7, 50, 97] {
        let (with, _, t_dump) = journal_with_dump_every(every);
        let f = parse("node.journal.jsonl", &with);
        assert_eq!(f.format, Format::NodeLog, "every {every}");
        assert_lock_pile_up(&f);
        assert_eq!(goroutine_data(&f).unwrap().snapshots[0].time, t_dump);
    }
}

/// containerd's SIGUSR1 dump: one logrus line whose `msg` holds the whole dump, escaped.
fn logrus_dump_line(time: &str) -> String {
    let esc = dump()
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\t', "\\t");
    format!(
        "time=\"{time}\" level=info msg=\"=== BEGIN goroutine stack dump ===\\n{esc}\\n=== END goroutine stack dump ===\""
    )
}

#[test]
fn containerd_logrus_dump_reaches_the_goroutine_report() {
    whodunnit_testdata::require_corpus!();
    // Real logrus lines (repeated past the sniffer's sample, as a long-running daemon's log
    // is), the dump, then the lines again.
    let real = read("kubelet/lnav-logfile_logfmt-virtual-kubelet-logrus.log");
    let head = real.repeat(14);
    let with = format!(
        "{head}{}\n{real}",
        logrus_dump_line("2021-09-15T21:18:30.5Z")
    );
    let plain = format!("{head}{real}");
    let f = parse("containerd.log", &with);
    let p = parse("containerd.log", &plain);
    assert_eq!(f.format, Format::NodeLog);
    // The dump is one log entry of its own (level info), nothing else changes.
    assert_eq!(f.records, p.records + 1);
    assert_eq!(f.events.len(), p.events.len() + 1);
    assert_lock_pile_up(&f);
    // The logrus line's own time.
    let g = goroutine_data(&f).unwrap();
    assert_eq!(
        Some(g.snapshots[0].time),
        parse_rfc3339("2021-09-15T21:18:30.5Z")
    );
    assert_eq!(nodelog(&f).dump_events, vec![u32::MAX]);

    // The same line as containerd's journald JSON MESSAGE.
    let (_, without, _) = journal_with_dump();
    let lines: Vec<&str> = without.lines().collect();
    let proto: serde_json::Value = serde_json::from_str(lines[lines.len() / 2]).unwrap();
    let mut e = proto.clone();
    let o = e.as_object_mut().unwrap();
    o.insert(
        "MESSAGE".into(),
        logrus_dump_line("2017-12-13T17:05:00Z").into(),
    );
    o.insert("SYSLOG_IDENTIFIER".into(), "containerd".into());
    let mid = lines.len() / 2;
    let j = format!(
        "{}\n{e}\n{}\n",
        lines[..mid].join("\n"),
        lines[mid..].join("\n")
    );
    let f = parse("node.journal.jsonl", &j);
    assert_eq!(f.format, Format::NodeLog);
    assert_lock_pile_up(&f);
    assert_eq!(
        Some(goroutine_data(&f).unwrap().snapshots[0].time),
        parse_rfc3339("2017-12-13T17:05:00Z")
    );
}

#[test]
fn embedded_dumps_do_not_depend_on_chunking() {
    whodunnit_testdata::require_corpus!();
    let (klog, _) = klog_with_dump();
    let (journal, _, _) = journal_with_dump();
    for (name, text) in [("kubelet.log", klog), ("node.journal.jsonl", journal)] {
        let whole = fingerprint(&parse(name, &text));
        for size in [13usize, 4096, 65_537] {
            assert_eq!(
                whole,
                fingerprint(&chunked(name, &text, size)),
                "{name} in chunks of {size}"
            );
        }
    }
}

#[test]
fn reports_written_before_embedded_dumps_still_read() {
    whodunnit_testdata::require_corpus!();
    let (klog, _) = klog_with_dump();
    let f = parse("kubelet.log", &klog);
    let mut v = serde_json::to_value(&f).unwrap();
    let data = v["data"].as_object_mut().unwrap();
    assert!(data.remove("goroutines").is_some());
    assert!(data.remove("dump_events").is_some());
    let old: ParsedFile = serde_json::from_value(v).unwrap();
    assert!(goroutine_data(&old).is_none());
    // Logs without dumps serialize without the new keys.
    let plain = parse("kubelet.log", &klog_with_dump().1);
    let s = serde_json::to_value(&plain).unwrap();
    assert!(s["data"].get("goroutines").is_none());
    assert!(s["data"].get("dump_events").is_none());
}

#[test]
fn redating_the_log_redates_its_dump() {
    whodunnit_testdata::require_corpus!();
    // Year-less klog lines (no file header), the mtime says 2021; the journal beside it is
    // from 2017: resolve_years moves the log, and the dump inside moves with it.
    // The kubelet's own klog lines, taken from a sonobuoy journal's kubelet MESSAGEs.
    let journal = read("kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-16.journal.jsonl");
    let klog: Vec<String> = journal
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["SYSLOG_IDENTIFIER"] == "kubelet")
        .filter_map(|e| e["MESSAGE"].as_str().map(str::to_string))
        .filter(|m| m.starts_with('I'))
        .take(50)
        .collect();
    let last = klog.last().unwrap().clone();
    let text = format!("{}\n{}", klog.join("\n"), dump());
    let mut ds = Dataset::default();
    ds.add(parse_bytes(
        FileMeta {
            name: "kubelet.log".into(),
            size: None,
            last_modified_ms: Some(1_620_000_000_000),
        },
        text.as_bytes(),
    ));
    ds.add(parse(
        "journal.jsonl",
        &read("kubelet/sonobuoy-systemd-logs/results-0.10-ip-10-0-9-206.journal.jsonl"),
    ));
    let before = goroutine_data(&ds.files[0]).unwrap().snapshots[0].time;
    // The dump takes the time of the last klog line before it: `I1213 hh:mm:ss.uuuuuu`.
    let hms = &last[6..21];
    assert_eq!(
        whodunnit_core::time::fmt_micros(before),
        format!("2020-12-13T{hms}Z")
    );
    assert_eq!(whodunnit_core::nodelog::resolve_years(&mut ds), 1);
    let after = goroutine_data(&ds.files[0]).unwrap().snapshots[0].time;
    assert_eq!(
        whodunnit_core::time::fmt_micros(after),
        format!("2017-12-13T{hms}Z")
    );
    let rep = report(&ds, &GoroutineQuery::default());
    assert_eq!(rep.snapshots[0].time, after);
}
