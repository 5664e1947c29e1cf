//! Cost of the findings detectors relative to reading the files they run on.
//!
//! ```text
//! cargo run --release -p whodunnit-core --example bench_findings [-- COPIES]
//! ```
//! There is no peer tool that detects these incident patterns, so the comparison is with
//! whodunnit's own ingest in the same run: every generated scenario (`target/scenarios/`, see
//! `whodunnit_testdata::scenarios`), the corpus's sonobuoy journals, Windows kubelet log and
//! goroutine dumps (read in place; the bench says so and exits without the corpus), each loaded
//! `COPIES` times (default 8) as separate files. Prints the ingest time (parse + events), the time of
//! `detect` and of `detect_with` (text from memory), best of 3, and their ratio to ingest.
//! Nothing is asserted: timing is for people, not for CI.

use std::time::Instant;
use whodunnit_core::findings::{detect, detect_with, TextSource};
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

struct Mem(Vec<Vec<u8>>);

impl TextSource for Mem {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let b = self.0.get(file)?;
        let a = (offset as usize).min(b.len());
        Some(b[a..(a + len as usize).min(b.len())].to_vec())
    }
}

fn files() -> Option<Vec<String>> {
    let mut dirs = vec![whodunnit_testdata::scenarios::dir()?.to_path_buf()];
    dirs.push(whodunnit_testdata::corpus("kubelet/sonobuoy-systemd-logs")?);
    dirs.push(whodunnit_testdata::corpus("goroutines")?);
    let mut out = Vec::new();
    for dir in dirs {
        for sub in std::fs::read_dir(dir).unwrap() {
            let p = sub.unwrap().path();
            let ps: Vec<std::path::PathBuf> = if p.is_dir() {
                std::fs::read_dir(&p)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect()
            } else {
                vec![p]
            };
            for q in ps {
                let s = q.to_string_lossy().to_string();
                if !s.ends_with(".md") {
                    out.push(s);
                }
            }
        }
    }
    let windows = whodunnit_testdata::corpus("kubelet/windows-kubelet-klogfile-v1.17.log")?;
    out.push(windows.to_string_lossy().into_owned());
    out.sort();
    Some(out)
}

fn main() {
    let copies: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(8);
    let Some(files) = files() else {
        return; // the skip line naming WHODUNNIT_CORPUS is printed
    };
    let mut raw = Vec::new();
    for p in files {
        let plain = whodunnit_testdata::gunzip_if(whodunnit_testdata::read(&p));
        for c in 0..copies {
            raw.push((format!("{p}#{c}"), plain.clone()));
        }
    }
    let bytes: usize = raw.iter().map(|r| r.1.len()).sum();
    let best = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let mut ds = Dataset::default();
    let ingest = best(&mut || {
        ds = Dataset::default();
        for (name, b) in &raw {
            ds.add(parse_bytes(
                FileMeta {
                    name: name.clone(),
                    ..FileMeta::default()
                },
                b,
            ));
        }
    });
    let events: usize = ds.files.iter().map(|f| f.events.len()).sum();
    let mut n = 0;
    let blind = best(&mut || n = detect(&ds).findings.len());
    let mem = Mem(raw.iter().map(|r| r.1.clone()).collect());
    let with = best(&mut || n = detect_with(&ds, &mem).findings.len());
    println!(
        "{} files, {:.1} MB, {events} events, {n} findings",
        raw.len(),
        bytes as f64 / 1e6
    );
    println!(
        "ingest        {:8.3} s  ({:.0} MB/s)",
        ingest,
        bytes as f64 / 1e6 / ingest
    );
    println!(
        "detect        {:8.3} s  ({:.1}% of ingest)",
        blind,
        blind / ingest * 100.0
    );
    println!(
        "detect_with   {:8.3} s  ({:.1}% of ingest)",
        with,
        with / ingest * 100.0
    );
}
