//! The format registry: the formats whodunnit reads, content sniffing, and dispatch to each
//! format's parser. The registry knows the formats; the format modules do not import it (they
//! read and write through [`crate::parse`]).
//!
//! Every format module offers the same shape:
//! `sniff(&[&[u8]]) -> u32` (confidence 0–100 from the first lines), `Parser::new(&FileMeta)`,
//! `Parser::line(&mut self, &[u8], LineAt, &mut ParseCx)` and
//! `Parser::finish(self, &mut ParseCx) -> Data`.

use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::{audit, goroutine, kube_events, nodelog};
use serde::{Deserialize, Serialize};

/// A file's format, detected from its content (never from its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Unknown,
    /// Go goroutine dump: panic tracebacks, SIGQUIT dumps, pprof `debug=1`/`debug=2`.
    GoroutineDump,
    /// Kubernetes audit log: `audit.k8s.io` Event JSON lines, EventList, cloud exports.
    AuditLog,
    /// Node and component logs: klog, journald, logrus, CRI, Docker, kernel.
    NodeLog,
    /// Kubernetes Events: `kubectl get events` (JSON, YAML, text tables), `events.json`.
    KubeEvents,
}

impl Format {
    /// What we read, for the message shown when a file is not recognized.
    pub const KNOWN: &'static [&'static str] = &[
        "Kubernetes audit logs (audit.k8s.io Event JSON lines, EventList, JSON arrays; GKE Cloud Logging, EKS CloudWatch Logs and AKS Azure Monitor exports; .gz too) and audit request CSVs (a DuckDB or Spark query result over whodunnit's Parquet export)",
        "Go goroutine dumps (panics, SIGQUIT dumps, pprof goroutine debug=1/2)",
        "node and component logs (klog, journalctl text or -o json, containerd/logrus, CRI and Docker container logs, kernel ring buffer; several of these mixed line by line)",
        "Kubernetes Events (kubectl get events: -o json, -o yaml, the text table and -o wide; events.json from cluster-info dump)",
        crate::source::FORMATS,
    ];

    /// Memory one record of this format holds once read, at the peak of reading (its row or
    /// store entry, its timeline event, its share of strings, growth slack), from the
    /// benchmark files measured natively and in wasm (docs/benchmarks.md, "Memory"). A reader
    /// projects a file's needs from it before reading the file whole.
    pub fn peak_bytes_per_record(self) -> u64 {
        match self {
            // 98 bytes of request columns + a ~40-byte timeline event, measured 133 at peak.
            Format::AuditLog => 160,
            // klog: 61 bytes per entry measured at peak (templates keep messages small).
            Format::NodeLog => 96,
            Format::GoroutineDump => 512,
            Format::KubeEvents => 256,
            Format::Unknown => 0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Unknown => "unrecognized",
            Format::GoroutineDump => "Go goroutine dump",
            Format::AuditLog => "Kubernetes audit log",
            Format::NodeLog => "node log",
            Format::KubeEvents => "Kubernetes events",
        }
    }
}

/// The format-specific result of reading one file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "snake_case")]
pub enum FormatData {
    #[default]
    None,
    Goroutines(goroutine::Data),
    Audit(audit::Data),
    NodeLog(nodelog::Data),
    KubeEvents(kube_events::Data),
}

/// The parser chosen for a file. One per file, and `FileIngest` boxes it: the variants'
/// sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum FormatParser {
    Goroutines(goroutine::Parser),
    Audit(audit::Parser),
    NodeLog(nodelog::Parser),
    KubeEvents(kube_events::Parser),
}

impl FormatParser {
    /// The parser for `format`; `sample` is the sniffing sample (the first lines).
    pub fn new(format: Format, meta: &FileMeta, sample: &[&[u8]]) -> Self {
        match format {
            Format::GoroutineDump => FormatParser::Goroutines(goroutine::Parser::new(meta)),
            Format::AuditLog => FormatParser::Audit(audit::Parser::new(meta)),
            Format::KubeEvents => FormatParser::KubeEvents(kube_events::Parser::new(meta)),
            Format::NodeLog | Format::Unknown => {
                FormatParser::NodeLog(nodelog::Parser::for_sample(meta, sample))
            }
        }
    }

    pub fn line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        self.line_with(line, at, cx, None)
    }

    /// [`Self::line`], given the line's klog header when it was read ahead
    /// ([`crate::ingest::Ahead`]; node logs only: the other formats read their lines whole).
    pub fn line_with(
        &mut self,
        line: &[u8],
        at: LineAt,
        cx: &mut ParseCx<'_>,
        klog: Option<crate::nodelog::lines::klog::KlogHead>,
    ) {
        match self {
            FormatParser::Goroutines(p) => p.line(line, at, cx),
            FormatParser::Audit(p) => p.line(line, at, cx),
            FormatParser::NodeLog(p) => p.line_with(line, at, cx, klog),
            FormatParser::KubeEvents(p) => p.line(line, at, cx),
        }
    }

    pub fn finish(self, cx: &mut ParseCx<'_>) -> FormatData {
        match self {
            FormatParser::Goroutines(p) => FormatData::Goroutines(p.finish(cx)),
            FormatParser::Audit(p) => FormatData::Audit(p.finish(cx)),
            FormatParser::NodeLog(p) => FormatData::NodeLog(p.finish(cx)),
            FormatParser::KubeEvents(p) => FormatData::KubeEvents(p.finish(cx)),
        }
    }
}

/// Pick the format whose sniffer is most confident about the first lines; `None` when no
/// sniffer reaches [`MIN_CONFIDENCE`]. Preamble lines ([`crate::preamble`]) are left out: a
/// file is judged by its content, not by what its tooling printed first.
pub fn sniff(sample: &[&[u8]]) -> Option<Format> {
    let content: Vec<&[u8]> = sample
        .iter()
        .copied()
        .filter(|l| crate::preamble::reason(l).is_none())
        .collect();
    let sample = &content[..];
    let scores = [
        (Format::AuditLog, audit::sniff(sample)),
        (Format::GoroutineDump, goroutine::sniff(sample)),
        (Format::NodeLog, nodelog::sniff(sample)),
        (Format::KubeEvents, kube_events::sniff(sample)),
    ];
    scores
        .into_iter()
        .filter(|&(_, s)| s >= MIN_CONFIDENCE)
        .max_by_key(|&(_, s)| s)
        .map(|(f, _)| f)
}

/// Below this a sniffer's guess is not trusted.
pub const MIN_CONFIDENCE: u32 = 20;
