//! The memos of node-log parsing (`nodelog::recent`: the class and template of the messages
//! seen lately, alone or together) are caches: every corpus node log, and the real kubelet log
//! three times over with its lines reordered, read the same with the memos never consulted.

use whodunnit_core::{parse_bytes, FileMeta, ParsedFile};

fn parse(name: &str, bytes: &[u8]) -> String {
    let f: ParsedFile = parse_bytes(
        FileMeta {
            name: name.to_string(),
            size: Some(bytes.len() as u64),
            last_modified_ms: Some(1_558_310_400_000),
        },
        bytes,
    );
    serde_json::to_string(&f).expect("serializable")
}

fn same_either_way(name: &str, bytes: &[u8]) {
    let with = parse(name, bytes);
    let without = whodunnit_core::nodelog::with_memos_off(|| parse(name, bytes));
    assert!(
        with == without,
        "{name}: the memos changed what the file reads as"
    );
}

fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus folder")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_none_or(|x| x != "md") {
            out.push(p);
        }
    }
}

#[test]
fn corpus_node_logs_read_the_same_without_memos() {
    whodunnit_testdata::require_corpus!();
    let mut files = Vec::new();
    for dir in ["kubelet", "live-controlplane", "live-containerd"] {
        walk(
            &whodunnit_testdata::corpus(dir).expect("corpus"),
            &mut files,
        );
    }
    assert!(files.len() >= 20, "{} files", files.len());
    for path in files {
        same_either_way(&path.to_string_lossy(), &whodunnit_testdata::read(&path));
    }
}

#[test]
fn a_repeated_reordered_klog_reads_the_same_without_memos() {
    let Some(p) = whodunnit_testdata::corpus("kubelet/windows-kubelet-klogfile-v1.17.log") else {
        return;
    };
    let b = whodunnit_testdata::read(p);
    let lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
    let n = lines.len();
    let mut out = Vec::new();
    for i in (0..n).chain(0..n).chain((0..n).map(|i| i * 7919 % n)) {
        out.extend_from_slice(lines[i]);
        out.push(b'\n');
    }
    same_either_way("kubelet.log", &out);
}
