//! whodunnit-core: parsers, data model and analyses for Kubernetes incident forensics.
//!
//! Pure Rust, no I/O, no web: the browser (in a Web Worker) and the CLI both feed it bytes.
//! Invariants (see ARCHITECTURE.md): parsing never fails; every skipped line is counted and
//! located; results do not depend on how the input was chunked.

pub mod audit;
pub mod bundle;
pub mod dataset;
pub mod decompress;
pub mod diag;
pub mod event;
pub mod findings;
pub mod format;
pub mod fxhash;
pub mod goroutine;
pub mod ingest;
pub(crate) mod json_cursor;
pub mod kube_events;
pub mod lines;
pub mod nodelog;
pub mod parse;
pub mod preamble;
pub mod query;
pub mod report;
pub mod source;
pub mod summary;
pub(crate) mod textmap;
pub mod time;
pub mod timeline;
pub(crate) mod wire;

pub use bundle::BundleReader;
pub use dataset::Dataset;
pub use diag::{DiagKind, Diagnostic, Diagnostics};
pub use event::{EventStore, Severity};
pub use format::{Format, FormatData};
pub use ingest::{parse_bytes, FileIngest, FileMeta, ParsedFile, Progress};
pub use source::Source;
pub use summary::{BundleTotals, FileSummary};

/// The version written into reports and shown in the UI.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
