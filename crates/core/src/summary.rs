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
    /// The bundle (archive or folder) the file is a member of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<String>,
    /// The member's path inside its bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
    /// Why the member was not read (not a log, or the damaged part of an archive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_read: Option<String>,
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
            bundle: f.source.as_ref().and_then(|s| s.bundle.clone()),
            member: f
                .source
                .as_ref()
                .filter(|s| s.bundle.is_some())
                .map(|s| s.path.clone()),
            not_read: f.source.as_ref().and_then(|s| s.not_read.clone()),
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
        if let Some(why) = &self.not_read {
            return s + &format!("  not read:  {why}\n");
        }
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

/// Per-bundle totals, as the sidebar and `whodunnit analyze` show them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleTotals {
    pub name: String,
    /// Members listed (read or not).
    pub members: u64,
    /// Records of the members read.
    pub records: u64,
    /// Lines skipped in the members read.
    pub skipped: u64,
    /// Members not read (with a reason each).
    pub not_read: u64,
}

impl BundleTotals {
    /// Totals of every bundle among `files`, in order of first appearance.
    pub fn of(files: &[FileSummary]) -> Vec<BundleTotals> {
        let mut out: Vec<BundleTotals> = Vec::new();
        for f in files {
            let Some(b) = &f.bundle else { continue };
            let i = match out.iter().position(|t| &t.name == b) {
                Some(i) => i,
                None => {
                    out.push(BundleTotals {
                        name: b.clone(),
                        ..BundleTotals::default()
                    });
                    out.len() - 1
                }
            };
            let t = &mut out[i];
            t.members += 1;
            if f.not_read.is_some() {
                t.not_read += 1;
            } else {
                t.records += f.records;
                t.skipped += f.skipped_lines;
            }
        }
        out
    }

    /// One line: `bundle.tar.gz: 12 members, 9,310 records, 4 lines skipped, 3 not read`.
    pub fn render_text(&self) -> String {
        format!(
            "{}: {} members, {} records, {} lines skipped, {} not read",
            self.name, self.members, self.records, self.skipped, self.not_read
        )
    }
}
