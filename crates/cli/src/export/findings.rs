//! `findings` (one row per detected incident pattern, as `whodunnit findings` reports it) and
//! `finding_evidence` (one row per piece of evidence, with the reference it opens: a file line
//! and byte range, a drill-down into the audit requests, a lock group, a time window).

use super::table::{Cols, TableWriter, Written};
use arrow_array::RecordBatch;
use std::io;
use whodunnit_core::findings::{Evidence, EvidenceKind, Finding};
use whodunnit_core::time::NO_TIME;

/// Write both tables from the findings the CLI reports (evidence quoting the user's lines).
pub fn export(fs: &[Finding], fw: &mut TableWriter, ew: &mut TableWriter) -> io::Result<()> {
    if !fs.is_empty() {
        fw.write("", &finding_batch(fs))?;
        ew.write("", &evidence_batch(fs))?;
    }
    Ok(())
}

/// Close both tables.
pub fn finish(fw: TableWriter, ew: TableWriter) -> io::Result<(Written, Written)> {
    Ok((
        fw.finish("", finding_batch(&[]))?,
        ew.finish("", evidence_batch(&[]))?,
    ))
}

fn finding_batch(fs: &[Finding]) -> RecordBatch {
    let mut c = Cols::default();
    c.str("finding_id", fs.iter().map(|f| Some(f.id.as_str())));
    c.str("detector", fs.iter().map(|f| Some(f.detector.name())));
    c.str("title", fs.iter().map(|f| Some(f.title.as_str())));
    c.str("severity", fs.iter().map(|f| Some(f.severity.label())));
    c.time("time_from", fs.iter().map(|f| f.from));
    c.time("time_to", fs.iter().map(|f| f.to));
    c.micros("from_us", fs.iter().map(|f| f.from));
    c.micros("to_us", fs.iter().map(|f| f.to));
    c.str("summary", fs.iter().map(|f| Some(f.summary.as_str())));
    c.str_list(
        "lanes",
        fs.iter().map(|f| f.lanes.iter().map(String::as_str)),
    );
    c.str_list(
        "missing",
        fs.iter().map(|f| f.missing.iter().map(String::as_str)),
    );
    c.i64(
        "evidence_count",
        fs.iter().map(|f| Some(f.evidence.len() as i64)).collect(),
    );
    c.finish()
}

fn evidence_batch(fs: &[Finding]) -> RecordBatch {
    let ev: Vec<(&Finding, usize)> = fs
        .iter()
        .flat_map(|f| (0..f.evidence.len()).map(move |i| (f, i)))
        .collect();
    fn e<'a>(x: &(&'a Finding, usize)) -> &'a Evidence {
        &x.0.evidence[x.1]
    }
    let mut c = Cols::default();
    c.str("finding_id", ev.iter().map(|(f, _)| Some(f.id.as_str())));
    c.i64(
        "position",
        ev.iter().map(|(_, i)| Some(*i as i64)).collect(),
    );
    c.str("label", ev.iter().map(|x| Some(e(x).label.as_str())));
    c.time("time", ev.iter().map(|x| e(x).time));
    c.str(
        "kind",
        ev.iter().map(|x| {
            Some(match e(x).kind {
                EvidenceKind::Event { .. } => "event",
                EvidenceKind::Requests { .. } => "requests",
                EvidenceKind::LockGroup { .. } => "lock_group",
                EvidenceKind::Window { .. } => "window",
            })
        }),
    );
    c.str(
        "source_file",
        ev.iter().map(|x| match &e(x).kind {
            EvidenceKind::Event { file_name, .. } => Some(file_name.as_str()),
            _ => None,
        }),
    );
    let num = |f: fn(&EvidenceKind) -> Option<i64>| -> Vec<Option<i64>> {
        ev.iter().map(|x| f(&e(x).kind)).collect()
    };
    c.i64(
        "line",
        num(|k| match k {
            EvidenceKind::Event { line, .. } => Some(*line as i64),
            _ => None,
        }),
    );
    c.i64(
        "byte_offset",
        num(|k| match k {
            EvidenceKind::Event { offset, .. } => Some(*offset as i64),
            _ => None,
        }),
    );
    c.i64(
        "byte_len",
        num(|k| match k {
            EvidenceKind::Event { len, .. } => Some(*len as i64),
            _ => None,
        }),
    );
    // Drill-down filters as `dimension=value` (the API cost view's filters).
    let filters: Vec<Vec<String>> = ev
        .iter()
        .map(|x| match &e(x).kind {
            EvidenceKind::Requests { filters, .. } => filters
                .iter()
                .map(|(by, v)| {
                    format!(
                        "{}={v}",
                        serde_json::to_value(by)
                            .ok()
                            .and_then(|j| j.as_str().map(String::from))
                            .unwrap_or_default()
                    )
                })
                .collect(),
            _ => Vec::new(),
        })
        .collect();
    c.str_list(
        "request_filters",
        filters.iter().map(|f| f.iter().map(String::as_str)),
    );
    let window = |k: &EvidenceKind, from: bool| -> i64 {
        match k {
            EvidenceKind::Requests { since, until, .. } => {
                (if from { *since } else { *until }).unwrap_or(NO_TIME)
            }
            EvidenceKind::Window { from: a, to: b } => {
                if from {
                    *a
                } else {
                    *b
                }
            }
            _ => NO_TIME,
        }
    };
    c.micros(
        "window_from_us",
        ev.iter().map(|x| window(&e(x).kind, true)),
    );
    c.micros("window_to_us", ev.iter().map(|x| window(&e(x).kind, false)));
    c.str(
        "lock",
        ev.iter().map(|x| match &e(x).kind {
            EvidenceKind::LockGroup { lock, .. } => Some(lock.as_str()),
            _ => None,
        }),
    );
    c.i64(
        "snapshot",
        num(|k| match k {
            EvidenceKind::LockGroup { snapshot, .. } => Some(*snapshot as i64),
            _ => None,
        }),
    );
    c.finish()
}
