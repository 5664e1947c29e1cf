//! What a format parser reads with and writes to: the file's metadata and the parse context.
//!
//! A leaf module: the format parsers (audit, goroutine, node log, events) import it, the
//! registry (`format`) and the streaming reader (`ingest`) build on it, and nothing here
//! knows any format, so no format module has to import the registry back.

use crate::diag::Diagnostics;
use crate::event::EventStore;
use serde::{Deserialize, Serialize};

/// What we know about a file besides its bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    pub name: String,
    /// Size on disk (compressed size for `.gz`), if known up front.
    pub size: Option<u64>,
    /// Last-modified time in milliseconds since the epoch: the last resort for a log's year.
    pub last_modified_ms: Option<i64>,
}

/// Everything a parser may write to while reading a file.
pub struct ParseCx<'a> {
    pub diags: &'a mut Diagnostics,
    pub events: &'a mut EventStore,
    /// Records read (goroutines, audit events, log entries): the "events" count users see.
    pub records: &'a mut u64,
    /// A more precise description of the format once the parser knows it (`journalctl -o json`).
    pub detail: &'a mut String,
    /// Notes for the user about assumptions made (assumed year, zone, …).
    pub notes: &'a mut Vec<String>,
}
