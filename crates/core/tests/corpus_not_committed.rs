//! The project ships no copy of the shared corpus: no tracked file (`git ls-files`) has the
//! bytes of a corpus file outside the CC0 `live-*` recordings, whether copied as is, gzipped or
//! gunzipped, or with its line ends changed. Skipped without the corpus (and, outside CI,
//! without a git checkout).

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The hashes a file's content is known by: its bytes, its gunzipped bytes when it is gzip, and
/// its text with CRLF and a missing final newline normalized.
fn variants(bytes: &[u8]) -> Vec<[u8; 32]> {
    let plain = whodunnit_testdata::gunzip_if(bytes.to_vec());
    let mut norm = String::from_utf8_lossy(&plain).replace("\r\n", "\n");
    if !norm.ends_with('\n') {
        norm.push('\n');
    }
    let mut out = vec![Sha256::digest(bytes).into()];
    if plain != bytes {
        out.push(Sha256::digest(&plain).into());
    }
    out.push(Sha256::digest(norm.as_bytes()).into());
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn no_tracked_file_is_a_corpus_file() {
    let Some(corpus) = whodunnit_testdata::corpus_root() else {
        return;
    };
    let root = whodunnit_testdata::root();
    let listed = Command::new("git")
        .arg("-C")
        .arg(&root)
        .args(["ls-files", "-z"])
        .output();
    let listed = match listed {
        Ok(o) if o.status.success() => o.stdout,
        other => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but `git ls-files` failed: {other:?}"
            );
            eprintln!("skipping the corpus-copy check: not a git checkout ({other:?})");
            return;
        }
    };
    let mut files = Vec::new();
    walk(corpus, &mut files);
    let mut known: BTreeMap<[u8; 32], PathBuf> = BTreeMap::new();
    let mut hashed = 0;
    for p in files {
        let rel = p.strip_prefix(corpus).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        // The live recordings are CC0 and may be shipped; provenance files are no data.
        if top.starts_with("live-") || rel.file_name().is_some_and(|n| n == "SOURCES.md") {
            continue;
        }
        hashed += 1;
        for h in variants(&whodunnit_testdata::read(&p)) {
            known.insert(h, rel.to_path_buf());
        }
    }
    assert!(
        hashed > 30,
        "only {hashed} corpus files found under {}",
        corpus.display()
    );
    let mut copies = Vec::new();
    for name in listed.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name);
        let Ok(bytes) = std::fs::read(root.join(&*name)) else {
            continue; // deleted in the work tree, not yet committed
        };
        if let Some(src) = variants(&bytes).iter().find_map(|h| known.get(h)) {
            copies.push(format!("{name} = corpus/{}", src.display()));
        }
    }
    assert!(
        copies.is_empty(),
        "tracked copies of corpus files:\n{}",
        copies.join("\n")
    );
}
