//! `whodunnit timeline` (classified events of every file in time order) and
//! `whodunnit templates` (top message templates of node logs).

use crate::disk::Disk;
use crate::input;
use std::collections::BTreeSet;
use std::process::ExitCode;
use whodunnit_core::findings::quote::quote;
use whodunnit_core::findings::TextSource;
use whodunnit_core::format::Format;
use whodunnit_core::nodelog::report::is_unclassified;
use whodunnit_core::nodelog::{resolve_years, templates_report, TemplatesQuery};
use whodunnit_core::time::fmt_micros;
use whodunnit_core::timeline::{query, TimelineQuery};

/// Options of `whodunnit timeline`.
pub struct TimelineArgs {
    pub files: Vec<String>,
    pub kinds: Vec<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub all: bool,
    /// Print mined templates instead of the lines' own text.
    pub templates: bool,
    pub json: bool,
}

/// `2017-12-13T16:58:30Z`, `2017-12-13T16:58:30.5+01:00` or a bare date `2017-12-13` (UTC).
pub fn run(a: TimelineArgs) -> ExitCode {
    let Ok((from, to)) = input::time_window(&a.since, &a.until) else {
        return ExitCode::from(2);
    };
    let (mut ds, failed) = input::read_all(&a.files);
    resolve_years(&mut ds);
    let kinds: Vec<String> = if !a.kinds.is_empty() {
        a.kinds.clone()
    } else if a.all {
        Vec::new()
    } else {
        // Classified events only: every kind except unclassified log lines.
        let set: BTreeSet<&str> = ds
            .files
            .iter()
            .flat_map(|f| f.events.kinds.iter().map(|k| k.name.as_str()))
            .filter(|k| !is_unclassified(k))
            .collect();
        if set.is_empty() {
            vec!["\u{0}none".to_string()]
        } else {
            set.into_iter().map(str::to_string).collect()
        }
    };
    let q = TimelineQuery {
        from,
        to: to.map(|t| t + 1),
        bins: 1,
        kinds,
        max_events: u32::MAX - 1,
        ..TimelineQuery::default()
    };
    let mut ans = query(&ds, &q);
    if !a.templates {
        // Log lines are shown as written, re-read by byte range; audit events keep their
        // label (verb, resource, object), which masks nothing.
        let disk = Disk::new(&ds);
        for e in ans.events.iter_mut().flatten() {
            let is_log = ds
                .files
                .get(e.file as usize)
                .is_some_and(|f| f.format == Format::NodeLog);
            if !is_log {
                continue;
            }
            if let Some(b) = disk.text(e.file as usize, e.offset, (e.len as u64).min(4096)) {
                e.label = quote(&String::from_utf8_lossy(&b));
            }
        }
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&ans).expect("timeline serializes")
        );
        return exit(failed);
    }
    let lanes: Vec<&str> = ans.lanes.iter().map(|l| l.name.as_str()).collect();
    for e in ans.events.iter().flatten() {
        let k = &ans.kinds[e.kind as usize];
        println!(
            "{}  {:<8}  {:<24}  {:<28}  {}  ({}:{})",
            fmt_micros(e.time),
            e.severity.label(),
            k.name,
            lanes.get(e.lane as usize).copied().unwrap_or("?"),
            e.label,
            e.file_name,
            e.line
        );
    }
    println!(
        "-- {} events in the window; {} without time",
        ans.in_window, ans.untimed
    );
    let mut ks: Vec<_> = ans.kinds.iter().filter(|k| k.count > 0).collect();
    ks.sort_by_key(|k| std::cmp::Reverse(k.count));
    for k in ks {
        println!(
            "   {:>8} × {:<28} {}",
            k.count,
            k.name,
            k.period.as_deref().unwrap_or("")
        );
    }
    for f in &ds.files {
        for n in &f.notes {
            eprintln!("note: {}: {n}", f.meta.name);
        }
    }
    exit(failed)
}

pub fn run_templates(files: &[String], limit: usize, all: bool, json: bool) -> ExitCode {
    let (ds, failed) = input::read_all(files);
    let r = templates_report(
        &ds,
        &TemplatesQuery {
            limit,
            include_classified: all,
            files: Vec::new(),
        },
    );
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).expect("templates serialize")
        );
        return exit(failed);
    }
    println!(
        "{} entries, {} distinct templates{}",
        r.entries,
        r.distinct,
        if all {
            ""
        } else {
            " (unclassified only; --all for every kind)"
        }
    );
    for row in &r.rows {
        println!(
            "{:>9} {:>6}  {:<20} {}   [{}:{}]",
            row.count, row.share, row.kind, row.template, row.example_file_name, row.example_line
        );
    }
    exit(failed)
}

fn exit(failed: usize) -> ExitCode {
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
