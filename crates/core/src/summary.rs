//! The per-file summary shown in the app's file list and printed by `whodunnit analyze`.
//! One type for both, so the browser and the CLI cannot disagree.

use crate::diag::{DiagKind, Diagnostics};
use crate::ingest::ParsedFile;
use crate::time::{fmt_micros, Micros};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What a user needs to know about one dropped file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    pub name: String,
    pub format: String,
    pub detail: String,
    pub gzip: bool,
    pub bytes: u64,
    pub lines: u64,
    /// Records read: goroutines, audit events or log entries.
    pub records: u64,
    /// Events placed on the timeline.
    pub events: u64,
    pub first: Option<Micros>,
    pub last: Option<Micros>,
    pub skipped_lines: u64,
    pub diag_counts: BTreeMap<String, u64>,
    /// `file:line: kind: reason`, the first few.
    pub diagnostics: Vec<String>,
    pub notes: Vec<String>,
}

impl FileSummary {
    pub fn of(f: &ParsedFile) -> Self {
        let range = f.events.time_range();
        FileSummary {
            name: f.meta.name.clone(),
            format: f.format.label().to_string(),
            detail: f.detail.clone(),
            gzip: f.gzip,
            bytes: f.bytes_in,
            lines: f.lines,
            records: f.records,
            events: f.events.len() as u64,
            first: range.map(|r| r.0),
            last: range.map(|r| r.1),
            skipped_lines: f.diags.skipped_lines,
            diag_counts: f
                .diags
                .counts
                .iter()
                .map(|(k, v)| (k.label().to_string(), *v))
                .collect(),
            diagnostics: f
                .diags
                .kept
                .iter()
                .take(50)
                .map(|d| Diagnostics::render(&f.meta.name, d))
                .collect(),
            notes: f.notes.clone(),
        }
    }

    /// Whether nothing in the file could be read.
    pub fn unrecognized(&self) -> bool {
        self.diag_counts
            .contains_key(DiagKind::UnknownFormat.label())
    }

    /// The text block `whodunnit analyze` prints for this file.
    pub fn render_text(&self) -> String {
        let mut s = format!("{}\n", self.name);
        let gz = if self.gzip { " (gzip)" } else { "" };
        s += &format!("  format:    {}{gz}", self.format);
        if !self.detail.is_empty() && self.detail != self.format {
            s += &format!(" — {}", self.detail);
        }
        s += "\n";
        s += &format!("  size:      {} bytes, {} lines\n", self.bytes, self.lines);
        s += &format!("  records:   {}\n", self.records);
        s += &format!("  events:    {}\n", self.events);
        if let (Some(a), Some(b)) = (self.first, self.last) {
            s += &format!("  time:      {} … {}\n", fmt_micros(a), fmt_micros(b));
        }
        s += &format!("  skipped:   {} lines\n", self.skipped_lines);
        for (k, v) in &self.diag_counts {
            s += &format!("  diag:      {v} × {k}\n");
        }
        for d in self.diagnostics.iter().take(10) {
            s += &format!("    {d}\n");
        }
        for n in &self.notes {
            s += &format!("  note:      {n}\n");
        }
        s
    }
}
