//! `node_events`: one row per log record or event of every file that is not an audit log (node
//! and component logs, Kubernetes Events, goroutine dumps): its time, kind and severity as the
//! core classified it, the lane (node / component), the mined template, and the message as
//! written (re-read from the file by byte range, one forward pass per file).

use super::table::{hour_partition, Cols, TableWriter, Written, BATCH_ROWS};
use super::text::Forward;
use arrow_array::RecordBatch;
use std::io;
use whodunnit_core::findings::not_ready::{node_named, SIGNALS};
use whodunnit_core::findings::quote::message;
use whodunnit_core::findings::subject::{not_ready_subject, Subject};
use whodunnit_core::format::FormatData;
use whodunnit_core::time::NO_TIME;
use whodunnit_core::{Dataset, ParsedFile};

/// One event, ready to write.
struct Row<'a> {
    file: &'a ParsedFile,
    i: usize,
    message: String,
}

/// Write the events of every non-audit file: per file, by hour when partitioned, then in file
/// order (so each file is read forward once per hour).
pub fn export(ds: &Dataset, w: &mut TableWriter, partitioned: bool) -> io::Result<()> {
    for f in &ds.files {
        if matches!(f.data, FormatData::Audit(_)) || f.events.is_empty() {
            continue;
        }
        let e = &f.events;
        let part_of = |i: usize| {
            if partitioned {
                hour_partition(e.time[i])
            } else {
                String::new()
            }
        };
        let mut order: Vec<(String, u64, usize)> =
            (0..e.len()).map(|i| (part_of(i), e.offset[i], i)).collect();
        order.sort_unstable();
        let mut text = Forward::new(&f.meta.name);
        // A file no longer on disk (restored from a report) exports without messages.
        let mut readable = true;
        let mut at = 0;
        while at < order.len() {
            let part = order[at].0.clone();
            let mut rows = Vec::new();
            while at < order.len() && order[at].0 == part && rows.len() < BATCH_ROWS {
                let i = order[at].2;
                let mut msg = String::new();
                if readable {
                    match text.get(e.offset[i], e.len[i] as u64) {
                        Ok(raw) => msg = message(&String::from_utf8_lossy(raw)),
                        Err(_) => readable = false,
                    }
                }
                rows.push(Row {
                    file: f,
                    i,
                    message: msg,
                });
                at += 1;
            }
            w.write(&part, &batch(&rows))?;
        }
    }
    Ok(())
}

/// Close the table (an empty file when no file had such events).
pub fn finish(w: TableWriter, partitioned: bool) -> io::Result<Written> {
    let part = if partitioned {
        hour_partition(NO_TIME)
    } else {
        String::new()
    };
    w.finish(&part, batch(&[]))
}

/// FNV-1a of a template: an id that is the same in every export and every file.
pub fn template_id(s: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

fn ev<'a>(r: &Row<'a>) -> (&'a whodunnit_core::event::EventStore, usize) {
    (&r.file.events, r.i)
}

fn batch(rows: &[Row<'_>]) -> RecordBatch {
    let mut c = Cols::default();
    c.time("time", rows.iter().map(|r| r.file.events.time[r.i]));
    c.micros("time_us", rows.iter().map(|r| r.file.events.time[r.i]));
    c.str(
        "source_file",
        rows.iter().map(|r| Some(r.file.meta.name.as_str())),
    );
    c.str("format", rows.iter().map(|r| Some(r.file.format.label())));
    let lanes: Vec<&str> = rows
        .iter()
        .map(|r| {
            let (e, i) = ev(r);
            e.lanes.get(e.lane[i])
        })
        .collect();
    c.str("lane", lanes.iter().map(|l| Some(*l)));
    c.str(
        "node",
        lanes.iter().map(|l| Some(l.split('/').next().unwrap_or(l))),
    );
    c.str(
        "component",
        lanes.iter().map(|l| l.split_once('/').map(|(_, c)| c)),
    );
    let kinds: Vec<&str> = rows
        .iter()
        .map(|r| {
            let (e, i) = ev(r);
            e.kind_name(i)
        })
        .collect();
    c.str("kind", kinds.iter().map(|k| Some(*k)));
    c.str(
        "severity",
        rows.iter().map(|r| {
            let (e, i) = ev(r);
            Some(e.severity(i).label())
        }),
    );
    let templates: Vec<&str> = rows
        .iter()
        .map(|r| {
            let (e, i) = ev(r);
            e.labels.get(e.label[i])
        })
        .collect();
    c.str("template", templates.iter().map(|t| Some(*t)));
    c.i64(
        "template_id",
        templates.iter().map(|t| Some(template_id(t))).collect(),
    );
    c.str("message", rows.iter().map(|r| Some(r.message.as_str())));
    // The node or pod a NotReady signal is about, as the NotReady finding reads it.
    let about: Vec<Option<Subject>> = rows
        .iter()
        .zip(&kinds)
        .zip(lanes.iter().zip(&templates))
        .map(|((r, k), (lane, template))| {
            if !SIGNALS.iter().any(|s| s.0 == *k) {
                return None;
            }
            // As the finding reads it: what the line names, else (but for the kubelet, which
            // speaks of its own node) the node its template names.
            not_ready_subject(&r.message).or_else(|| {
                (!lane.contains("kubelet"))
                    .then(|| node_named(template).map(Subject::Node))
                    .flatten()
            })
        })
        .collect();
    c.str(
        "about_node",
        about.iter().map(|s| match s {
            Some(Subject::Node(n)) => Some(n.as_str()),
            _ => None,
        }),
    );
    c.str(
        "about_pod",
        about.iter().map(|s| match s {
            Some(Subject::Pod(p)) => Some(p.as_str()),
            _ => None,
        }),
    );
    c.i64(
        "line",
        rows.iter()
            .map(|r| Some(r.file.events.line[r.i] as i64))
            .collect(),
    );
    c.i64(
        "byte_offset",
        rows.iter()
            .map(|r| Some(r.file.events.offset[r.i] as i64))
            .collect(),
    );
    c.i64(
        "byte_len",
        rows.iter()
            .map(|r| Some(r.file.events.len[r.i] as i64))
            .collect(),
    );
    c.finish()
}
