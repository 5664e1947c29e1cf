//! Diagnostics: what a parser could not read, located and counted.
//!
//! Parsing never fails. Every line a parser skips or only partly understands produces a
//! [`Diagnostic`] naming the file, the line and the reason. All diagnostics are *counted* by
//! kind; only the first [`Diagnostics::KEEP`] are kept verbatim so a file with millions of bad
//! lines cannot exhaust memory, and the user still sees exact totals.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a line (or a whole file) was not fully read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagKind {
    /// No parser recognized the file's content.
    UnknownFormat,
    /// A line that does not match the detected format's grammar.
    Malformed,
    /// A JSON document that failed to parse.
    BadJson,
    /// A timestamp that could not be read, or a time that had to be assumed.
    BadTime,
    /// A line longer than the parser accepts; it was skipped.
    LineTooLong,
    /// The compressed stream ended early or is corrupt.
    BadCompression,
    /// The input ended in the middle of a record.
    Truncated,
    /// The line is valid but not used by any analysis (counted so nothing is silently lost).
    Ignored,
}

impl DiagKind {
    /// Short human label, as shown in the UI and CLI.
    pub fn label(self) -> &'static str {
        match self {
            DiagKind::UnknownFormat => "unknown format",
            DiagKind::Malformed => "malformed line",
            DiagKind::BadJson => "invalid JSON",
            DiagKind::BadTime => "bad or assumed time",
            DiagKind::LineTooLong => "line too long",
            DiagKind::BadCompression => "corrupt compression",
            DiagKind::Truncated => "truncated record",
            DiagKind::Ignored => "not used",
        }
    }
}

/// One located problem: `file:line: reason`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// 1-based line number in the (decompressed) file; 0 when it concerns the whole file.
    pub line: u64,
    /// Byte offset of the line's start in the (decompressed) file.
    pub offset: u64,
    pub kind: DiagKind,
    pub reason: String,
}

/// Counted diagnostics of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// The first [`Self::KEEP`] diagnostics, in input order.
    pub kept: Vec<Diagnostic>,
    /// Every diagnostic, counted by kind (including those not kept).
    pub counts: BTreeMap<DiagKind, u64>,
    /// Lines skipped entirely (not part of any record). A subset of the diagnostics.
    pub skipped_lines: u64,
}

impl Diagnostics {
    /// How many diagnostics are kept verbatim per file.
    pub const KEEP: usize = 200;

    /// Record a problem with a line that was still (partly) used.
    pub fn note(&mut self, line: u64, offset: u64, kind: DiagKind, reason: impl Into<String>) {
        *self.counts.entry(kind).or_insert(0) += 1;
        if self.kept.len() < Self::KEEP {
            self.kept.push(Diagnostic {
                line,
                offset,
                kind,
                reason: reason.into(),
            });
        }
    }

    /// Record a line that was skipped entirely.
    pub fn skip(&mut self, line: u64, offset: u64, kind: DiagKind, reason: impl Into<String>) {
        self.skipped_lines += 1;
        self.note(line, offset, kind, reason);
    }

    /// Total number of diagnostics of every kind.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }

    /// Render one diagnostic the way compilers do: `file:line: reason`.
    pub fn render(file: &str, d: &Diagnostic) -> String {
        if d.line == 0 {
            format!("{file}: {}: {}", d.kind.label(), d.reason)
        } else {
            format!("{file}:{}: {}: {}", d.line, d.kind.label(), d.reason)
        }
    }
}
