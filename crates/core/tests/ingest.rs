//! The ingest invariants on every real test file (tests/fixtures, the corpus's `goroutines/` and
//! `kubelet/` read in place, the generated scenarios): results do not depend on chunking, gzip is
//! transparent, unknown content is explained, nothing panics. Without the corpus only
//! tests/fixtures is walked.

use proptest::prelude::*;
use std::path::{Path, PathBuf};
use whodunnit_core::{parse_bytes, DiagKind, FileIngest, FileMeta, ParsedFile};
use whodunnit_testdata::gzip;

fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if !matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("md" | "sql" | "json5")
            ) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&whodunnit_testdata::fixture(""), &mut out);
    for dir in ["goroutines", "kubelet"] {
        if let Some(d) = whodunnit_testdata::corpus(dir) {
            walk(&d, &mut out);
        }
    }
    if let Some(d) = whodunnit_testdata::scenarios::dir() {
        walk(d, &mut out);
    }
    // A scenario file another test binary is replacing right now is not ours to read.
    out.retain(|p| !p.to_string_lossy().contains(".tmp"));
    out.sort();
    out
}

fn meta(p: &Path) -> FileMeta {
    FileMeta {
        name: p.file_name().unwrap().to_string_lossy().into_owned(),
        size: None,
        last_modified_ms: Some(1_700_000_000_000),
    }
}

fn chunked(meta: FileMeta, bytes: &[u8], sizes: &[usize]) -> ParsedFile {
    let mut ing = FileIngest::new(meta);
    let mut rest = bytes;
    let mut i = 0;
    while !rest.is_empty() {
        let n = sizes[i % sizes.len()].clamp(1, rest.len());
        ing.push(&rest[..n]);
        rest = &rest[n..];
        i += 1;
    }
    ing.finish()
}

/// Everything but the byte counter of the raw input, which differs between gzip and plain.
fn fingerprint(f: &ParsedFile) -> String {
    let mut v = serde_json::to_value(f).unwrap();
    v.as_object_mut().unwrap().remove("bytes_in");
    v.as_object_mut().unwrap().remove("gzip");
    v.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// A line may span chunks of any size; the result is the same as reading the file whole.
    #[test]
    fn any_chunking_gives_identical_results(sizes in prop::collection::vec(1usize..70_000, 1..12)) {
        for p in fixtures() {
            let bytes = std::fs::read(&p).unwrap();
            let whole = parse_bytes(meta(&p), &bytes);
            let parts = chunked(meta(&p), &bytes, &sizes);
            prop_assert_eq!(fingerprint(&whole), fingerprint(&parts), "{} with chunk sizes {:?}", p.display(), sizes);
        }
    }

    /// Arbitrary bytes never panic and every line is accounted for.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let f = parse_bytes(FileMeta::default(), &bytes);
        prop_assert!(f.lines >= f.diags.skipped_lines);
    }
}

#[test]
fn tiny_chunks_of_one_byte_match_whole_reads() {
    for p in fixtures()
        .into_iter()
        .filter(|p| std::fs::metadata(p).unwrap().len() < 200_000)
    {
        let bytes = std::fs::read(&p).unwrap();
        assert_eq!(
            fingerprint(&parse_bytes(meta(&p), &bytes)),
            fingerprint(&chunked(meta(&p), &bytes, &[1])),
            "{}",
            p.display()
        );
    }
}

#[test]
fn gzip_is_detected_by_magic_bytes_and_read_transparently() {
    let files = fixtures();
    assert!(!files.is_empty(), "no fixtures found");
    for p in files {
        let bytes = std::fs::read(&p).unwrap();
        if whodunnit_core::decompress::is_gzip(&bytes) {
            // Already compressed fixtures exercise this path by themselves (one layer is read).
            continue;
        }
        let plain = parse_bytes(meta(&p), &bytes);
        // The name says nothing about compression: detection is by content.
        let gz = chunked(meta(&p), &gzip(&bytes), &[7, 4096, 65536]);
        assert!(gz.gzip, "{}", p.display());
        assert_eq!(fingerprint(&plain), fingerprint(&gz), "{}", p.display());
    }
}

#[test]
fn concatenated_gzip_members_are_read_one_after_another() {
    let mut both = gzip(b"first line\n");
    both.extend(gzip(b"second line\n"));
    let f = parse_bytes(FileMeta::default(), &both);
    assert_eq!(f.lines, 2);
    assert_eq!(f.bytes, 23);
}

#[test]
fn truncated_gzip_is_reported_not_fatal() {
    let mut data = Vec::new();
    for i in 0..2000 {
        data.extend_from_slice(
            format!("line {i} of some text that is not a known format\n").as_bytes(),
        );
    }
    let gz = gzip(&data);
    let f = parse_bytes(
        FileMeta {
            name: "cut.gz".into(),
            ..FileMeta::default()
        },
        &gz[..gz.len() / 2],
    );
    assert!(f.gzip);
    assert_eq!(f.diags.counts.get(&DiagKind::BadCompression), Some(&1));
    assert!(f.lines > 0, "what was decompressed is still read");
}

#[test]
fn unknown_content_is_explained_with_the_formats_we_read() {
    let f = parse_bytes(
        FileMeta {
            name: "notes.txt".into(),
            ..FileMeta::default()
        },
        b"shopping list\nmilk\neggs\n",
    );
    assert_eq!(f.format, whodunnit_core::Format::Unknown);
    assert_eq!(f.diags.skipped_lines, 3);
    let msg = &f.diags.kept[0].reason;
    assert!(msg.contains("all 3 lines skipped"), "{msg}");
    for known in ["audit", "goroutine", "klog", "journalctl"] {
        assert!(msg.contains(known), "{msg} should list {known}");
    }
}

#[test]
fn empty_input_is_an_empty_file_not_an_error() {
    let f = parse_bytes(FileMeta::default(), b"");
    assert_eq!((f.lines, f.records, f.diags.total()), (0, 0, 0));
}
