//! Reading files and folders from disk into the core, in chunks, the way the browser's worker
//! does. An archive or a folder becomes one file per member (`whodunnit_core::bundle`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::time::UNIX_EPOCH;
use whodunnit_core::{report, BundleReader, Dataset, FileMeta, ParsedFile};

/// Chunk size for reads; the same order as the browser's Blob slices.
const CHUNK: u64 = 4 << 20;

/// What the core is told about a file on disk.
pub fn file_meta(path: &str, md: &std::fs::Metadata) -> FileMeta {
    FileMeta {
        name: path.to_string(),
        size: Some(md.len()),
        last_modified_ms: md
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis() as i64),
    }
}

/// Read one file: a log, or every member of an archive. Errors are I/O errors only: content
/// problems end up in diagnostics.
pub fn read_file(path: &str) -> std::io::Result<Vec<ParsedFile>> {
    let f = File::open(path)?;
    let md = f.metadata()?;
    if md.is_dir() {
        return Err(std::io::Error::other("is a directory"));
    }
    read_with(f, BundleReader::new(file_meta(path, &md)))
}

/// Read what a path names: a folder member by member, else the file (see [`read_file`]).
pub fn read_path(path: &str) -> std::io::Result<Vec<ParsedFile>> {
    if Path::new(path).is_dir() {
        read_dir(path)
    } else {
        read_file(path)
    }
}

/// Drive a bundle reader over a file: it names the ranges (in order, except a zip's central
/// directory and entries), we read them.
fn read_with(mut f: File, mut r: BundleReader) -> std::io::Result<Vec<ParsedFile>> {
    let mut buf = vec![0u8; CHUNK as usize];
    let mut at = 0u64;
    while let Some((a, b)) = r.want() {
        if a != at {
            f.seek(SeekFrom::Start(a))?;
        }
        let want = (b.saturating_sub(a)).min(CHUNK) as usize;
        let n = f.read(&mut buf[..want])?;
        at = a + n as u64;
        r.feed(&buf[..n]);
    }
    Ok(r.finish())
}

/// Read every file under a folder (recursively, in name order), each as a member of the folder.
pub fn read_dir(dir: &str) -> std::io::Result<Vec<ParsedFile>> {
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files)?;
    files.sort();
    let mut out = Vec::new();
    for p in files {
        let rel = p
            .strip_prefix(dir)
            .unwrap_or(&p)
            .to_string_lossy()
            .replace('\\', "/");
        let f = File::open(&p)?;
        let meta = file_meta(&p.to_string_lossy(), &f.metadata()?);
        out.extend(read_with(f, BundleReader::in_folder(meta, dir, &rel))?);
    }
    Ok(out)
}

fn walk(p: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(p)? {
        let e = e?;
        let t = e.file_type()?;
        if t.is_dir() {
            walk(&e.path(), out)?;
        } else if t.is_file() {
            out.push(e.path());
        }
    }
    Ok(())
}

/// A whodunnit HTML report's files, if `path` is a report: re-opening a report restores the
/// analysis it carries instead of parsing the HTML.
pub fn read_report(path: &str) -> Option<Result<Vec<ParsedFile>, String>> {
    let mut head = vec![0u8; report::SNIFF_BYTES];
    let n = File::open(path).and_then(|mut f| f.read(&mut head)).ok()?;
    if !report::is_report(&head[..n]) {
        return None;
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string());
    Some(
        bytes
            .and_then(|b| report::extract(&b))
            .map(|s| s.dataset.files),
    )
}

/// Read every path; report unreadable ones on stderr and count them.
pub fn read_all(paths: &[String]) -> (Dataset, usize) {
    let mut ds = Dataset::default();
    let mut failed = 0;
    // Read on every core (crate::parallel); added below in the order given.
    let mut parsed = crate::parallel::read_files(paths).into_iter();
    for p in paths {
        let read = parsed.next().flatten();
        match read_report(p) {
            Some(Ok(files)) => {
                files.into_iter().for_each(|f| {
                    ds.add(f);
                });
                continue;
            }
            Some(Err(e)) => {
                eprintln!("whodunnit: {p}: cannot read report: {e}");
                failed += 1;
                continue;
            }
            None => {}
        }
        match read.unwrap_or_else(|| read_path(p)) {
            Ok(files) => files.into_iter().for_each(|f| {
                ds.add(f);
            }),
            Err(e) => {
                eprintln!("whodunnit: {p}: cannot read: {e}");
                failed += 1;
            }
        }
    }
    // As the browser's worker does after each file: klog files without a year anchor take
    // their year from the other files, so both show the same times.
    whodunnit_core::nodelog::resolve_years(&mut ds);
    (ds, failed)
}

/// A `--since`/`--until` value: RFC 3339 (`2017-12-13T16:58:30Z`), without zone (UTC assumed),
/// or a date.
pub fn parse_time(s: &str) -> Option<whodunnit_core::time::Micros> {
    use whodunnit_core::time::parse_rfc3339;
    parse_rfc3339(s)
        .or_else(|| parse_rfc3339(&format!("{s}Z")))
        .or_else(|| parse_rfc3339(&format!("{s}T00:00:00Z")))
}

/// The `--since`/`--until` window; `Err` (after saying why on stderr) when either is not a
/// time. `until` is returned as given (inclusive).
pub fn time_window(
    since: &Option<String>,
    until: &Option<String>,
) -> Result<
    (
        Option<whodunnit_core::time::Micros>,
        Option<whodunnit_core::time::Micros>,
    ),
    (),
> {
    let mut bad = false;
    let mut bound = |s: &Option<String>, what: &str| {
        let s = s.as_ref()?;
        let t = parse_time(s);
        if t.is_none() {
            eprintln!("whodunnit: --{what} {s}: not a time (use RFC 3339, e.g. 2017-12-13T16:58:30Z, or a date)");
            bad = true;
        }
        t
    };
    let (a, b) = (bound(since, "since"), bound(until, "until"));
    if bad {
        Err(())
    } else {
        Ok((a, b))
    }
}
