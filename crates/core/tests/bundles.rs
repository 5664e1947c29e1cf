//! Bundles in real tools' layouts (must-gather, the EKS log collector, `kind export logs`),
//! generated at test time from corpus files (`whodunnit_testdata::bundles`): every member of a
//! tar.gz, tar.zst, tar.xz, zip, folder and of nested archives gives exactly the counts of the
//! same file read on its own; every member is accounted for (read, or not read with a reason);
//! raw re-reads reach members' bytes; damaged archives keep what was read and say where they
//! stopped.

use std::path::Path;
use whodunnit_core::bundle::{self, reread::Reread};
use whodunnit_core::source::SEP;
use whodunnit_core::{parse_bytes, BundleReader, FileMeta, Format, ParsedFile};
use whodunnit_testdata::bundles::{self, Layout, MTIME};
use whodunnit_testdata::{corpus_root, read};

fn meta(name: &str, size: u64) -> FileMeta {
    FileMeta {
        name: name.to_string(),
        size: Some(size),
        last_modified_ms: Some(MTIME * 1000),
    }
}

/// Read a generated file or folder the way the CLI does.
fn read_given(p: &Path, chunk: usize) -> Vec<ParsedFile> {
    let name = p.file_name().unwrap().to_string_lossy().into_owned();
    if !p.is_dir() {
        let b = read(p);
        return bundle::read_bytes(meta(&name, b.len() as u64), &b, chunk);
    }
    let mut files: Vec<_> = walk(p);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(p)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let b = read(&f);
        let mut r = BundleReader::in_folder(meta(&rel, b.len() as u64), &name, &rel);
        while let Some((a, z)) = r.want() {
            let a = (a as usize).min(b.len());
            let z = (z.min(b.len() as u64) as usize).clamp(a, a + chunk);
            r.feed(&b[a..z]);
        }
        out.extend(r.finish());
    }
    out
}

fn walk(p: &Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let e = e.unwrap().path();
        if e.is_dir() {
            v.extend(walk(&e));
        } else {
            v.push(e);
        }
    }
    v
}

/// The layout member a read member is (by its innermost path), with its layout.
fn find<'a>(layouts: &'a [Layout], f: &ParsedFile) -> (&'a Layout, &'a bundles::Member) {
    let src = f.source.as_ref().expect("a member has a source");
    let last = src
        .path
        .rsplit(SEP)
        .next()
        .unwrap()
        .trim_start_matches("./");
    layouts
        .iter()
        .flat_map(|l| l.members.iter().map(move |m| (l, m)))
        .find(|(l, m)| {
            format!("{}{}", l.root, m.path)
                .trim_start_matches("./")
                .ends_with(last)
        })
        .unwrap_or_else(|| panic!("{}: no layout member ends with {last}", f.meta.name))
}

fn counts(f: &ParsedFile) -> (Format, String, bool, u64, u64, u64, u64, usize, u64) {
    (
        f.format,
        f.detail.clone(),
        f.gzip,
        f.bytes_in,
        f.lines,
        f.records,
        f.diags.skipped_lines,
        f.events.len(),
        f.diags.total(),
    )
}

/// Each artifact: its path under target/bundles and the layouts whose members it holds.
const ARTIFACTS: &[(&str, &[&str])] = &[
    ("must-gather.tar.gz", &["must-gather"]),
    ("must-gather.tar.zst", &["must-gather"]),
    ("must-gather.local.5183578593405232164", &["must-gather"]),
    (
        "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.gz",
        &["eks"],
    ),
    (
        "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.xz",
        &["eks"],
    ),
    ("kind-logs.zip", &["kind"]),
    ("kind-logs", &["kind"]),
    ("support-case.zip", &["must-gather", "eks"]),
    ("support-case.tar", &["eks", "kind"]),
];

#[test]
fn every_member_reads_as_on_its_own_and_is_accounted_for() {
    let Some(dir) = bundles::dir() else { return };
    let layouts = bundles::layouts(corpus_root().unwrap());
    for (rel, names) in ARTIFACTS {
        let files = read_given(&dir.join(rel), 1 << 20);
        let mut seen: Vec<String> = Vec::new();
        for f in &files {
            let src = f.source.as_ref().unwrap();
            assert!(
                !src.path.contains("⚠"),
                "{rel}: damage reported: {:?}",
                src.not_read
            );
            let (l, m) = find(&layouts, f);
            assert!(
                names.contains(&l.name),
                "{rel}: {} from layout {}",
                f.meta.name,
                l.name
            );
            seen.push(format!("{}/{}", l.name, m.path));
            let base = m.path.rsplit('/').next().unwrap();
            let alone = parse_bytes(meta(base, m.bytes.len() as u64), &m.bytes);
            match &src.not_read {
                None => {
                    assert_ne!(f.format, Format::Unknown, "{}", f.meta.name);
                    assert_eq!(counts(f), counts(&alone), "{rel}: {}", f.meta.name);
                }
                Some(why) => {
                    assert!(!why.is_empty());
                    assert!(
                        alone.format == Format::Unknown,
                        "{rel}: {} not read ({why}) but read on its own as {:?}",
                        f.meta.name,
                        alone.format
                    );
                }
            }
        }
        // Every member of every layout in the artifact, exactly once.
        let mut want: Vec<String> = layouts
            .iter()
            .filter(|l| names.contains(&l.name))
            .flat_map(|l| l.members.iter().map(|m| format!("{}/{}", l.name, m.path)))
            .collect();
        want.sort();
        seen.sort();
        assert_eq!(seen, want, "{rel}: members");
    }
}

#[test]
fn what_is_not_read_and_why() {
    let Some(dir) = bundles::dir() else { return };
    let files = read_given(&dir.join("must-gather.tar.gz"), 1 << 20);
    let why = |suffix: &str| {
        files
            .iter()
            .find(|f| f.meta.name.ends_with(suffix))
            .unwrap_or_else(|| panic!("no member {suffix}"))
            .source
            .as_ref()
            .unwrap()
            .not_read
            .clone()
    };
    assert_eq!(why("previous.log").as_deref(), Some("empty file"));
    assert_eq!(
        why("kube-apiserver-master-0.yaml").as_deref(),
        Some("YAML manifest (not a Kubernetes Events list)")
    );
    assert_eq!(why("core/events.yaml"), None, "kubectl events YAML is read");
    assert_eq!(why("current.log"), None);
    // Hand-made members of the kinds a bundle holds besides logs.
    let t = bundles::tar(&[
        ("logo.png".into(), &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"[..]),
        ("bin/kubelet".into(), &b"\x7fELF\x02\x01\x01\0\0\0"[..]),
        (
            "pki/ca.crt".into(),
            &b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"[..],
        ),
        ("empty".into(), &b""[..]),
        ("notes.txt".into(), &b"remember to rotate the certs\n"[..]),
    ]);
    let got: Vec<(String, Option<String>)> =
        bundle::read_bytes(meta("x.tar", t.len() as u64), &t, 4096)
            .into_iter()
            .map(|f| (f.meta.name, f.source.unwrap().not_read))
            .collect();
    let s = |a: &str, b: &str| (format!("x.tar{SEP}{a}"), Some(b.to_string()));
    assert_eq!(
        got,
        vec![
            s("logo.png", "image (PNG)"),
            s("bin/kubelet", "binary (ELF executable or library)"),
            s("pki/ca.crt", "certificate or key (PEM)"),
            s("empty", "empty file"),
            s("notes.txt", "text, not in a format whodunnit reads"),
        ]
    );
}

#[test]
fn reading_does_not_depend_on_read_sizes() {
    let Some(dir) = bundles::dir() else { return };
    for rel in [
        "support-case.tar",
        "kind-logs.zip",
        "must-gather.tar.zst",
        "eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.xz",
    ] {
        let a: Vec<_> = read_given(&dir.join(rel), 1 << 22)
            .iter()
            .map(|f| (f.meta.name.clone(), counts(f), f.source.clone()))
            .collect();
        let b: Vec<_> = read_given(&dir.join(rel), 7_777)
            .iter()
            .map(|f| (f.meta.name.clone(), counts(f), f.source.clone()))
            .collect();
        assert_eq!(a, b, "{rel}");
    }
}

/// The content of member `f` as the core counts offsets: its bytes, gunzipped if gzip.
fn content(layouts: &[Layout], f: &ParsedFile) -> Vec<u8> {
    whodunnit_testdata::gunzip_if(find(layouts, f).1.bytes.clone())
}

#[test]
fn raw_rereads_reach_members_inside_archives() {
    let Some(dir) = bundles::dir() else { return };
    let layouts = bundles::layouts(corpus_root().unwrap());
    for rel in [
        "support-case.zip",
        "support-case.tar",
        "must-gather.tar.zst",
        "kind-logs.zip",
        "must-gather.tar.gz",
    ] {
        let holder = read(dir.join(rel));
        let files = read_given(&dir.join(rel), 1 << 20);
        let mut checked = 0;
        for f in files.iter().filter(|f| f.records > 0) {
            let want = content(&layouts, f);
            let n = f.events.len();
            let ranges: Vec<(u64, u64)> = [0, n / 2, n - 1]
                .iter()
                .map(|&i| (f.events.offset[i], u64::from(f.events.len[i]).max(1)))
                .collect();
            let got = bundle::reread::from_bytes(&holder, Reread::new(f, &ranges));
            for ((o, l), g) in ranges.iter().zip(&got) {
                let (a, z) = (*o as usize, ((o + l) as usize).min(want.len()));
                assert_eq!(g, &want[a..z], "{rel}: {} @{o}+{l}", f.meta.name);
            }
            checked += 1;
        }
        assert!(checked >= 2, "{rel}: {checked} members re-read");
    }
}

/// The damage entry of a read, and the members read before it.
fn damage(files: &[ParsedFile]) -> (&ParsedFile, usize) {
    let i = files
        .iter()
        .position(|f| f.source.as_ref().is_some_and(|s| s.path.contains('⚠')))
        .unwrap_or_else(|| {
            panic!(
                "no damage reported: {:?}",
                files.iter().map(|f| &f.meta.name).collect::<Vec<_>>()
            )
        });
    (&files[i], i)
}

#[test]
fn damaged_archives_keep_what_was_read_and_say_where_they_stopped() {
    let Some(dir) = bundles::dir() else { return };
    let layouts = bundles::layouts(corpus_root().unwrap());
    let eks_tar = bundles::tar(&bundles::entries(&layouts[1]));
    let read_ok = |files: &[ParsedFile], upto: usize| {
        for f in files[..upto]
            .iter()
            .filter(|f| f.source.as_ref().unwrap().not_read.is_none())
        {
            let m = find(&layouts, f).1;
            let alone = parse_bytes(meta("x", m.bytes.len() as u64), &m.bytes);
            if f.diags
                .counts
                .contains_key(&whodunnit_core::DiagKind::Truncated)
            {
                continue; // the member the archive ends in
            }
            assert_eq!(counts(f).3, counts(&alone).3, "{}", f.meta.name);
            assert_eq!(f.records, alone.records, "{}", f.meta.name);
        }
    };
    // tar: a header's checksum broken → reported with its offset, reading resumes after it.
    let mut bad = eks_tar.clone();
    let second = 512 + layouts[1].members[0].bytes.len().div_ceil(512) * 512;
    bad[second + 3] ^= 0x55;
    let files = bundle::read_bytes(meta("eks.tar", bad.len() as u64), &bad, 1 << 20);
    let (d, i) = damage(&files);
    let why = d.source.as_ref().unwrap().not_read.clone().unwrap();
    assert!(
        why.starts_with(&format!(
            "eks.tar: at byte {second} of the archive: tar header checksum mismatch"
        )),
        "{why}"
    );
    assert_eq!(i, 1);
    read_ok(&files, files.len());
    assert_eq!(
        files.len(),
        layouts[1].members.len(),
        "the damaged member replaced by its report; the rest read"
    );
    // tar.gz cut: the member it ends in keeps its lines and says so; the cut is reported.
    let gz = read(dir.join("eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.gz"));
    for (name, cut) in [
        ("eks.tar.gz", gz.clone()),
        (
            "eks.tar.xz",
            read(dir.join("eks_i-0a1b2c3d4e5f60718_2026-11-30_0400-UTC_0.7.8.tar.xz")),
        ),
        ("mg.tar.zst", read(dir.join("must-gather.tar.zst"))),
        ("eks.tar", eks_tar.clone()),
    ] {
        let cut = &cut[..cut.len() * 6 / 10];
        let files = bundle::read_bytes(meta(name, cut.len() as u64), cut, 1 << 20);
        let (d, i) = damage(&files);
        let why = d.source.as_ref().unwrap().not_read.clone().unwrap();
        assert!(why.starts_with(name), "{why}");
        assert!(
            why.contains("the archive ends inside") || why.contains("unreadable"),
            "{name}: {why}"
        );
        assert!(i >= 1, "{name}: members before the cut");
        let last = &files[i - 1];
        assert!(
            last.diags.kept.iter().any(|k| k.reason.starts_with(name)),
            "{name}: {} says nothing about the cut: {:?}",
            last.meta.name,
            last.diags.kept.first()
        );
        read_ok(&files, i - 1);
    }
    // zip: central directory broken → members found from the start, and said so.
    let mut z = read(dir.join("kind-logs.zip"));
    let n = z.len();
    let eocd = (0..n - 21)
        .rev()
        .find(|&i| z[i..i + 4] == *b"PK\x05\x06")
        .unwrap();
    z[eocd + 16..eocd + 20].copy_from_slice(&u32::MAX.to_le_bytes());
    let files = bundle::read_bytes(meta("kind-logs.zip", n as u64), &z, 1 << 20);
    let (d, i) = damage(&files);
    assert_eq!(i, 0);
    assert!(d
        .source
        .as_ref()
        .unwrap()
        .not_read
        .as_ref()
        .unwrap()
        .contains("central directory unreadable"));
    assert_eq!(files.len(), layouts[2].members.len() + 1);
    read_ok(&files[1..], files.len() - 1);
    // zip cut in the middle: no end record at all.
    let files = bundle::read_bytes(meta("kind-logs.zip", (n / 2) as u64), &z[..n / 2], 1 << 20);
    let (_, i) = damage(&files);
    assert_eq!(i, 0);
    assert!(
        files.len() >= 3,
        "members before the cut read from local headers"
    );
}

#[test]
fn single_compressed_files_read_like_gzip_ones() {
    let Some(dir) = bundles::dir() else { return };
    let _ = dir;
    let log = read(whodunnit_testdata::corpus("live-containerd/containerd.log").unwrap());
    let plain = parse_bytes(meta("containerd.log", log.len() as u64), &log);
    for (name, bytes) in [
        ("containerd.log.xz", bundles::xz(&log)),
        ("containerd.log.zst", bundles::zstd(&log)),
        ("containerd.log.gz", whodunnit_testdata::gzip(&log)),
    ] {
        let files = bundle::read_bytes(meta(name, bytes.len() as u64), &bytes, 10_000);
        assert_eq!(files.len(), 1, "{name}");
        let f = &files[0];
        assert_eq!(
            (f.format, f.records, f.lines, f.events.len()),
            (plain.format, plain.records, plain.lines, plain.events.len()),
            "{name}"
        );
        assert_eq!(
            f.source.is_some(),
            !name.ends_with(".gz"),
            "{name}: only xz/zstd need a reach"
        );
        let i = f.events.len() / 2;
        let (o, l) = (f.events.offset[i], u64::from(f.events.len[i]));
        let got = bundle::reread::from_bytes(&bytes, Reread::new(f, &[(o, l)]));
        assert_eq!(got[0], log[o as usize..(o + l) as usize], "{name}");
    }
}

#[test]
fn every_archive_format_named_to_users_is_read_whatever_the_file_name() {
    // The list the unknown-format message (and README, empty state) shows; each entry is read
    // by a test in this file: .tar (support-case.tar), .tar.gz, .tar.xz, .tar.zst, .zip,
    // folders (every_member_reads_as_on_its_own…), gzip/xz/zstd files (single_compressed…).
    let named = bundle::FORMATS;
    for token in [
        ".tar,",
        ".tar.gz/.tgz",
        ".tar.xz",
        ".tar.zst",
        ".zip",
        "folders",
        "gzip, xz or zstd",
    ] {
        assert!(named.contains(token), "{token}");
    }
    assert!(Format::KNOWN.contains(&named));
    let Some(dir) = bundles::dir() else { return };
    let b = read(dir.join("must-gather.tar.gz"));
    let summary = |name: &str| -> Vec<_> {
        bundle::read_bytes(meta(name, b.len() as u64), &b, 1 << 20)
            .iter()
            .map(|f| (f.source.as_ref().unwrap().path.clone(), counts(f)))
            .collect()
    };
    let tgz = summary("case.tgz");
    assert_eq!(tgz.len(), 10);
    assert_eq!(tgz, summary("download"), "content decides, not the name");
}
