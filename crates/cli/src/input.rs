//! What every subcommand reads: the paths given (files, archives, folders — `files`; on every
//! core — `parallel`), whodunnit reports restored, and the `--since`/`--until` window.

use crate::files::read_path;
use std::fs::File;
use std::io::Read;
use whodunnit_core::{report, Dataset, ParsedFile};

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
