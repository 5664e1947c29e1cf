//! Per-line recognition in node logs: every line of every node-log corpus file is accounted
//! for (records + continuations + header lines + skipped = lines); a journal of several units
//! interleaved one entry per line (built here from real corpus lines) gives one record per
//! line with its own lane, time and severity; a preamble longer than the first sniffing sample
//! (a real `bash -x` trace) is skipped with its reason and the log after it is read.

use std::io::Read;
use std::path::Path;
use whodunnit_core::format::FormatData;
use whodunnit_core::nodelog::lines::{recognize, LineFormat};
use whodunnit_core::nodelog::Data;
use whodunnit_core::{parse_bytes, FileMeta, Format, ParsedFile};
use whodunnit_testdata::corpus_or_skip;

fn bytes_of(p: &Path) -> Vec<u8> {
    let raw = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        return out;
    }
    raw
}

fn parse(name: &str, bytes: &[u8]) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: name.into(),
            size: Some(bytes.len() as u64),
            last_modified_ms: Some(1_558_310_400_000),
        },
        bytes,
    )
}

fn nodelog(f: &ParsedFile) -> &Data {
    match &f.data {
        FormatData::NodeLog(d) => d,
        _ => panic!("{}: not a node log ({:?})", f.meta.name, f.format),
    }
}

fn accounted(f: &ParsedFile) {
    let d = nodelog(f);
    assert_eq!(
        f.records + d.continuations + d.header_lines + f.diags.skipped_lines,
        f.lines,
        "{}: records {} + continuations {} + header {} + skipped {} != lines {}",
        f.meta.name,
        f.records,
        d.continuations,
        d.header_lines,
        f.diags.skipped_lines,
        f.lines
    );
}

#[test]
fn every_line_of_every_node_log_is_accounted_for() {
    let kubelet = corpus_or_skip!("kubelet");
    let mut files = Vec::new();
    let mut stack = vec![kubelet];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n != "SOURCES.md") {
                files.push(p);
            }
        }
    }
    for rel in [
        "live-containerd/containerd.log",
        "live-containerd/hang-cni.log",
        "live-controlplane/etcd.log.gz",
        "live-controlplane/kube-apiserver.log.gz",
        "live-controlplane/kube-controller-manager.log.gz",
    ] {
        files.push(corpus_or_skip!(rel));
    }
    files.sort();
    let mut read = 0;
    for p in &files {
        let f = parse(&p.display().to_string(), &bytes_of(p));
        assert_eq!(f.format, Format::NodeLog, "{}", p.display());
        accounted(&f);
        read += 1;
    }
    assert!(read >= 20, "{read} files");
}

/// A CNI plugin's own log (`hang-cni: <RFC 3339> pid=… ADD …: waiting for …lock`): every line a
/// record at its own time, the lock's holder and its waiters quoted as written.
#[test]
fn a_cni_plugins_tagged_log_is_read_line_by_line() {
    let p = corpus_or_skip!("live-containerd/hang-cni.log");
    let bytes = bytes_of(&p);
    let f = parse("hang-cni.log", &bytes);
    accounted(&f);
    assert_eq!(f.format, Format::NodeLog);
    let lines = bytes
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!((f.records, f.diags.skipped_lines, lines), (17, 0, 17));
    let first = whodunnit_core::time::fmt_micros(f.events.time[0]);
    assert_eq!(first, "2026-11-30T03:29:54.109080Z");
    let holder = (0..f.events.len())
        .find(|&i| {
            let (o, l) = (f.events.offset[i] as usize, f.events.len[i] as usize);
            bytes[o..o + l].ends_with(b"lock acquired, now blocking (sleep 3600) while holding it")
        })
        .expect("the holder's line is a record");
    assert_eq!(
        whodunnit_core::time::fmt_micros(f.events.time[holder]),
        "2026-11-30T03:29:54.114128Z"
    );
}

/// Lines of `rel` that `format` claims (`None`: plain lines no recognizer claims), at most `n`.
fn real_lines(rel: &str, format: Option<LineFormat>, n: usize) -> Vec<Vec<u8>> {
    let Some(p) = whodunnit_testdata::corpus(rel) else {
        return Vec::new();
    };
    bytes_of(&p)
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty() && !l[0].is_ascii_whitespace())
        .filter(|l| recognize(l).map(|r| r.0) == format)
        .take(n)
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn a_journal_of_several_units_gives_one_record_per_line() {
    let _ = corpus_or_skip!("kubelet/lnav-logfile_glog.log");
    // kubelet-style klog, containerd logrus and a CNI plugin's own tagged lines, one entry per
    // line, interleaved as `journalctl -o cat` prints several units.
    let klog = real_lines(
        "kubelet/windows-kubelet-klogfile-v1.17.log",
        Some(LineFormat::Klog),
        40,
    );
    let logrus = real_lines(
        "live-containerd/containerd.log",
        Some(LineFormat::Logfmt),
        40,
    );
    let plain = real_lines("live-containerd/hang-cni.log", Some(LineFormat::Iso), 40);
    assert_eq!((klog.len(), logrus.len(), plain.len()), (40, 40, 17));
    let mut text = Vec::new();
    for i in 0..40 {
        for l in [klog.get(i), logrus.get(i), plain.get(i)]
            .into_iter()
            .flatten()
        {
            text.extend_from_slice(l);
            text.push(b'\n');
        }
    }
    let f = parse("node-1/journal.log", &text);
    accounted(&f);
    let d = nodelog(&f);
    assert_eq!(
        (f.records, d.continuations, f.diags.skipped_lines),
        (97, 0, 0)
    );
    let lane_count = |lane: &str| {
        (0..f.events.len())
            .filter(|&i| f.events.lanes.get(f.events.lane[i]) == lane)
            .count()
    };
    assert_eq!(lane_count("journal.log/klog"), 40);
    assert_eq!(lane_count("journal.log/logrus"), 40);
    assert_eq!(lane_count("journal.log/text"), 17);
    // Each record is its own line: its bytes are the line, nothing appended.
    let lines: Vec<&[u8]> = text.split(|&c| c == b'\n').collect();
    for i in 0..f.events.len() {
        let (o, l) = (f.events.offset[i] as usize, f.events.len[i] as usize);
        assert_eq!(&text[o..o + l], lines[f.events.line[i] as usize - 1]);
    }
    // A containerd line keeps its own severity and its own (UTC) time.
    let first_logrus = (0..f.events.len())
        .find(|&i| f.events.lanes.get(f.events.lane[i]) == "journal.log/logrus")
        .unwrap();
    assert_eq!(
        whodunnit_core::time::fmt_micros(f.events.time[first_logrus]),
        "2026-11-30T03:29:49.771556Z"
    );
}

#[test]
fn a_shell_trace_preamble_longer_than_the_sample_is_skipped_and_the_log_read() {
    let glog = corpus_or_skip!("kubelet/lnav-logfile_glog.log");
    // A real `bash -x` trace, as an entrypoint script prints before it execs the kubelet:
    // 300 loop iterations (600+ trace lines) and two lines of the script's own output.
    let out = std::process::Command::new("bash")
        .args([
            "-xc",
            "for i in $(seq 1 300); do : \"--arg-$i\"; done; echo kubelet --v=2; grep -c nothing /dev/null || true",
        ])
        .output();
    let Ok(out) = out else {
        eprintln!("skipping: bash is not available");
        return;
    };
    let mut text = out.stderr.clone();
    text.extend_from_slice(&out.stdout);
    let preamble = text.iter().filter(|&&c| c == b'\n').count() as u64;
    assert!(preamble > 600, "{preamble}");
    let log = bytes_of(&glog);
    text.extend_from_slice(&log);
    let f = parse("kubelet.log", &text);
    assert_eq!(f.format, Format::NodeLog, "{:?}", f.diags.kept.first());
    accounted(&f);
    let alone = parse("kubelet.log", &log);
    assert_eq!(
        f.records, alone.records,
        "the log after the preamble is read whole"
    );
    assert_eq!(f.diags.skipped_lines, preamble + alone.diags.skipped_lines);
    let d = &f.diags;
    assert_eq!(d.kept[0].reason, "preamble: shell trace (set -x)");
    use whodunnit_core::DiagKind;
    assert_eq!(
        d.counts.get(&DiagKind::Malformed).copied(),
        Some(2),
        "the script's two output lines are skipped as unrecognized"
    );
    assert_eq!(
        d.counts.get(&DiagKind::Ignored).copied(),
        Some(preamble - 2)
    );
}
