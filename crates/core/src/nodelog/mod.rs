//! Node and component logs: klog (text, `--log-file` files, structured, JSON), journald
//! (`journalctl` short/short-precise/short-iso, `-r`, `-o json`), containerd/logrus, CRI container
//! logs, Docker json-file and the kernel ring buffer — auto-detected per line, wrappers peeled
//! one by one (journald → klog, CRI → klog, Docker → logrus …).
//!
//! Every log entry becomes one timeline event: kind = class name from [`classes`] (or `log`),
//! severity = the class's (or the entry's level), lane = `host/component` (or the file's name),
//! label = the entry's message template ([`templates`]). Each line's format is recognized on its
//! own ([`lines`]: one module per line format behind one recognizer interface, the file's
//! dominant format tried first); a headerless line continues the previous entry only when it
//! really continues it, and every line is accounted for: records + [`Data::continuations`] +
//! [`Data::header_lines`] + skipped = lines. A preamble before the first entry (an
//! entrypoint's shell trace, banners) is skipped with its reason. A Go panic inside a log is kept as one `panic` event spanning its trace, its
//! line range recorded in [`Data::panics`]. Timestamps without a year are dated by [`years`].
//!
//! The lines of a panic or goroutine dump (and containerd's logrus `=== BEGIN goroutine stack
//! dump ===` message) are also handed to an embedded [`goroutine::Parser`]; its result is
//! [`Data::goroutines`], so the goroutine analyses see dumps printed inside logs. It reads with
//! its own diagnostics and events: the log's entries, events and counts are those of the log.

pub mod across_files;
pub mod classes;
pub mod lines;
mod parser;
pub mod payload;
mod peel;
mod recent;
pub mod report;
pub mod stamp;
pub mod templates;
pub mod years;

pub use across_files::{resolve_years, sync_dump_times};
pub use parser::Parser;
#[doc(hidden)]
pub use recent::with_memos_off;
pub use report::{templates_report, TemplateRow, TemplatesQuery, TemplatesReport};
pub use years::{TimeInfo, YearSource};

use crate::event::EventStore;
use crate::goroutine;
use crate::time::Micros;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use templates::Template;

/// Confidence that the sample is a node log; see the module docs for what is recognized.
pub fn sniff(sample: &[&[u8]]) -> u32 {
    let mut n = 0u32;
    let mut hits = 0u32;
    let mut kernel = 0u32;
    let mut kernel_first = false;
    for l in sample
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
    {
        n += 1;
        if n == 1
            && (l.starts_with(b"Log file created at: ")
                || l.starts_with(b"-- Logs begin at ")
                || l.starts_with(b"-- Journal begins at "))
        {
            return 95;
        }
        if lines::recognize(l).is_some() {
            hits += 1;
        } else if lines::kernel::KERNEL_WORDS
            .iter()
            .any(|w| memchr::memmem::find(l, w.as_bytes()).is_some())
        {
            kernel += 1;
            kernel_first |= n == 1;
        }
    }
    if n == 0 {
        return 0;
    }
    if hits > 0 {
        return 50 + 45 * hits / n;
    }
    // Timestamp-less kernel text must open with a kernel message (or be mostly kernel words),
    // so prose that mentions the kernel is not taken for a log.
    if kernel_first || kernel * 10 >= n * 3 {
        return 30;
    }
    0
}

/// A Go panic found inside a log, kept whole for the goroutine view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanicRange {
    /// First and last line of the panic text (1-based, inclusive).
    pub line: u64,
    pub end_line: u64,
    /// Byte range in the (decompressed) file, to re-read and hand to the goroutine parser.
    pub offset: u64,
    pub len: u64,
    pub lane: String,
    pub time: Micros,
    /// The panic's first line (`panic: runtime error: …`), cut to 200 bytes.
    pub first: String,
}

/// What reading a node log keeps (besides its events); see the module docs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    /// Mined message templates with counts; event labels are these texts.
    pub templates: Vec<Template>,
    /// Log entries per event kind (`log` = unclassified).
    pub kinds: BTreeMap<String, u64>,
    pub panics: Vec<PanicRange>,
    pub time: TimeInfo,
    /// Host named by the file (klog `Running on machine:`, journald `_HOSTNAME`).
    pub host: Option<String>,
    /// Lines per recognized shape (`klog`, `journalctl -o json` …).
    pub shapes: BTreeMap<String, u64>,
    /// klog file headers after the first: process restarts within one `--log-file`.
    pub restarts: u32,
    /// Goroutine dumps printed inside the log (panic traces, SIGQUIT/SIGUSR1 dumps), read by
    /// the goroutine parser; `None` when the log holds none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goroutines: Option<goroutine::Data>,
    /// Per snapshot of [`Self::goroutines`]: the index of the log event it sits in, whose
    /// time it takes (`u32::MAX` when the dump carries its own time, e.g. logrus `time=`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dump_events: Vec<u32>,
    /// Lines that continue the previous entry (stack frames, multi-line values, a dump, CRI
    /// partials): with `ParsedFile::records`, [`Self::header_lines`] and the skipped lines they
    /// add up to the file's lines.
    #[serde(default)]
    pub continuations: u64,
    /// Lines read as the file's header (klog `--log-file` header block, journalctl markers).
    #[serde(default)]
    pub header_lines: u64,
}

impl Data {
    /// Give embedded dump snapshots the (possibly re-dated) time of the log event they sit in.
    /// Run after the file's event times change ([`resolve_years`] does; a manual time
    /// correction should too).
    pub fn sync_dump_times(&mut self, events: &EventStore) {
        let Some(g) = &mut self.goroutines else {
            return;
        };
        for (s, &e) in g.snapshots.iter_mut().zip(&self.dump_events) {
            if let Some(&t) = events.time.get(e as usize) {
                s.time = t;
            }
        }
    }
}
