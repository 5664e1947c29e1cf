//! Where the tests' data lies.
//!
//! The shared corpus (`../shared/corpus` beside the checkout, or `$WHODUNNIT_CORPUS`) is read where
//! it lies: the project never commits copies of it or files derived from it. When it is absent (the
//! project cloned alone), tests that need it are skipped with one line naming the variable to set;
//! under `CI=true` a missing corpus is a failure, because CI always has it.
//!
//! The project's own fixtures (files we may redistribute, provenance in each `SOURCES.md`) live in
//! `tests/fixtures/`. Files built from corpus files (the findings [`scenarios`]) are generated at
//! test time into `target/scenarios/`, deterministically.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub mod audit_scale;
pub mod bundles;
mod pyjson;
mod pyrandom;
pub mod scenarios;

pub use scenarios::scenario;

/// The workspace root (the checkout).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A path under the project's own `tests/fixtures/`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// The corpus root, if there is one: `$WHODUNNIT_CORPUS`, else `../shared/corpus` beside the
/// checkout. Prints the skip line once per test binary when absent; panics when absent under
/// `CI=true`.
pub fn corpus_root() -> Option<&'static Path> {
    static ROOT: OnceLock<Option<PathBuf>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let p = match std::env::var_os("WHODUNNIT_CORPUS") {
            Some(v) => PathBuf::from(v),
            None => root().join("../shared/corpus"),
        };
        if p.is_dir() {
            return Some(p);
        }
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "the shared corpus is missing at {} (CI=true: CI always has it; set WHODUNNIT_CORPUS)",
                p.display()
            );
        }
        // Written to stderr directly, not through eprintln!, so the test harness does not capture it.
        let _ = writeln!(
            std::io::stderr(),
            "skipping tests that need the shared corpus: not found at {} (set WHODUNNIT_CORPUS to its path)",
            p.display()
        );
        None
    })
    .as_deref()
}

/// A file or folder in the corpus (`rel` is relative to its root), or `None` when the corpus is
/// absent. Panics when the corpus is there but `rel` is not: a renamed corpus file must not turn a
/// test into a silent skip.
pub fn corpus(rel: &str) -> Option<PathBuf> {
    let p = corpus_root()?.join(rel);
    assert!(p.exists(), "corpus file missing: {}", p.display());
    Some(p)
}

/// `corpus(rel)`, or return from the calling test (it is skipped) when the corpus is absent.
#[macro_export]
macro_rules! corpus_or_skip {
    ($rel:expr) => {
        match $crate::corpus($rel) {
            Some(p) => p,
            None => return,
        }
    };
}

/// The bytes of corpus file `rel`, or return from the calling test (it is skipped) when the
/// corpus is absent.
#[macro_export]
macro_rules! corpus_bytes_or_skip {
    ($rel:expr) => {
        $crate::read($crate::corpus_or_skip!($rel))
    };
}

/// Return from the calling test (it is skipped) when the corpus is absent: for tests whose
/// helpers then read corpus files with `corpus(rel).unwrap()`.
#[macro_export]
macro_rules! require_corpus {
    () => {
        if $crate::corpus_root().is_none() {
            return;
        }
    };
}

/// The bytes of a test file; panics naming the path when it cannot be read.
pub fn read(p: impl AsRef<Path>) -> Vec<u8> {
    let p = p.as_ref();
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `scenarios::scenario(rel)`, or return from the calling test (it is skipped) when the corpus
/// the scenarios are built from is absent.
#[macro_export]
macro_rules! scenario_or_skip {
    ($rel:expr) => {
        match $crate::scenario($rel) {
            Some(p) => p,
            None => return,
        }
    };
}

/// `bytes` as one gzip member (no name, mtime 0, best compression): deterministic, for tests of
/// gzip paths over corpus files that lie uncompressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).expect("gzip into memory");
    enc.finish().expect("gzip into memory")
}

/// `bytes`, gunzipped (every member) when they start with the gzip magic.
pub fn gunzip_if(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return bytes;
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(&bytes[..])
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

/// `target/<name>` (or `$CARGO_TARGET_DIR/<name>`): where files generated from the corpus go.
pub(crate) fn target_dir(name: &str) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t).join(name),
        None => root().join("target").join(name),
    }
}

/// Write a generated file only when its bytes changed, atomically (a temporary file renamed), so
/// concurrent test binaries never see a half-written file.
pub(crate) fn write_generated(p: &Path, bytes: &[u8]) {
    if std::fs::read(p).is_ok_and(|b| b == bytes) {
        return;
    }
    std::fs::create_dir_all(p.parent().unwrap()).expect("create the generated folder");
    let tmp = p.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes).unwrap_or_else(|e| panic!("{}: {e}", tmp.display()));
    std::fs::rename(&tmp, p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}
