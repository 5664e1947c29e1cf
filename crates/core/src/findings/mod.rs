//! Findings: the known incident patterns, detected across every dropped file, each with its
//! time span, severity, a one-paragraph explanation and links to the evidence.
//!
//! Each detector is a small module reading the public outputs of the format analyses (the
//! timeline events of every file, the merged audit requests, the goroutine lock groups) and
//! never the raw files: the core does no I/O. Where a detector wants the text of a log line
//! (to name the APIService a discovery error is about, say), it asks a [`TextSource`]; without
//! one it falls back to what the events carry. A detector that would be confirmed by a kind of
//! file the user did not drop says so in [`Finding::missing`].

pub mod apf;
pub mod cri_stuck;
pub mod discovery;
pub mod hot_loop;
pub mod image_pull;
pub mod list_storm;
pub mod memory;
pub mod namespace;
pub mod not_ready;
pub mod quote;
pub mod runtime_hang;
pub mod scan;
pub mod subject;

use crate::audit::cost::GroupBy;
use crate::dataset::Dataset;
use crate::event::Severity;
use crate::time::{fmt_duration, fmt_micros, Micros, NO_TIME};
use serde::{Deserialize, Serialize};

/// The detectors, in the order findings are listed when severities tie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// A namespace deleted long before its contents (see [`namespace`]).
    StalledNamespaceDeletion,
    /// LIST calls served from etcd dominating apiserver time (see [`list_storm`]).
    ListStorm,
    /// The container runtime or CNI plugin hanging (see [`runtime_hang`]).
    RuntimeHang,
    /// Memory pressure: evictions, OOM kills, restarts (see [`memory`]).
    MemoryPressure,
    /// Image pulls failing across nodes (see [`image_pull`]).
    ImagePullStampede,
    /// One client creating/patching one kind at a sustained high rate (see [`hot_loop`]).
    HotLoop,
    /// Nodes going NotReady (see [`not_ready`]).
    NodeNotReady,
    /// An aggregated API (APIService) unavailable (see [`discovery`]).
    DiscoveryOutage,
    /// Requests rejected with 429 by API priority and fairness (see [`apf`]).
    ApfRejections,
}

impl Detector {
    /// Every detector, in display order.
    pub const ALL: [Detector; 9] = [
        Detector::StalledNamespaceDeletion,
        Detector::ListStorm,
        Detector::RuntimeHang,
        Detector::MemoryPressure,
        Detector::ImagePullStampede,
        Detector::HotLoop,
        Detector::NodeNotReady,
        Detector::DiscoveryOutage,
        Detector::ApfRejections,
    ];

    /// Human name of the pattern.
    pub fn title(self) -> &'static str {
        match self {
            Detector::StalledNamespaceDeletion => "Stalled namespace deletion",
            Detector::ListStorm => "LIST storm / etcd pressure",
            Detector::RuntimeHang => "Container runtime or CNI hang",
            Detector::MemoryPressure => "Memory pressure chain",
            Detector::ImagePullStampede => "Image pull stampede",
            Detector::HotLoop => "Crash-looping DaemonSet / controller hot loop",
            Detector::NodeNotReady => "Node NotReady episodes",
            Detector::DiscoveryOutage => "Discovery / APIService outage",
            Detector::ApfRejections => "Priority and fairness rejections (429)",
        }
    }

    /// Stable short name (`list_storm`), as serialized.
    pub fn name(self) -> &'static str {
        match self {
            Detector::StalledNamespaceDeletion => "stalled_namespace_deletion",
            Detector::ListStorm => "list_storm",
            Detector::RuntimeHang => "runtime_hang",
            Detector::MemoryPressure => "memory_pressure",
            Detector::ImagePullStampede => "image_pull_stampede",
            Detector::HotLoop => "hot_loop",
            Detector::NodeNotReady => "node_not_ready",
            Detector::DiscoveryOutage => "discovery_outage",
            Detector::ApfRejections => "apf_rejections",
        }
    }
}

/// Where a piece of evidence opens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EvidenceKind {
    /// One timeline event (a log line, an audit event): opens in the Timeline at that line.
    Event {
        /// Index into `Dataset::files`.
        file: usize,
        file_name: String,
        line: u64,
        /// Byte range in the (decompressed) file, to re-read the raw text.
        offset: u64,
        len: u64,
    },
    /// A slice of audit requests: opens in the API cost view with these drill-down filters.
    Requests {
        filters: Vec<(GroupBy, String)>,
        since: Option<Micros>,
        until: Option<Micros>,
    },
    /// A contended lock in a goroutine dump: opens in the Goroutines view.
    LockGroup {
        /// Index into `Dataset::files`.
        file: usize,
        snapshot: usize,
        /// `LockGroup::lock` of the goroutine report.
        lock: String,
    },
    /// A time window: opens the Timeline zoomed to it.
    Window { from: Micros, to: Micros },
}

/// One piece of evidence behind a finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// What it shows, display-ready (`kubelet on ip-10-0-9-16: PLEG is not healthy`).
    pub label: String,
    /// When, µs UTC (`NO_TIME` when unknown, e.g. a goroutine dump without a date).
    pub time: Micros,
    pub time_text: String,
    pub kind: EvidenceKind,
}

/// One detected incident pattern.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable within a report: `<detector>-<n>` (`runtime_hang-1`).
    pub id: String,
    pub detector: Detector,
    pub title: String,
    pub severity: Severity,
    /// Time span, µs UTC (`NO_TIME` when unknown).
    pub from: Micros,
    pub to: Micros,
    pub from_text: String,
    pub to_text: String,
    pub duration_text: String,
    /// One paragraph: what happened, why it matters, what to do.
    pub summary: String,
    /// Timeline lanes involved (`host/component`, users), for marks on the timeline.
    pub lanes: Vec<String>,
    pub evidence: Vec<Evidence>,
    /// Files that were not dropped and would confirm or complete the finding.
    pub missing: Vec<String>,
}

/// What one detector looked at, whether it fired or not.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetectorRun {
    pub detector: Detector,
    pub title: String,
    /// Findings it produced.
    pub findings: usize,
    /// Whether the sources it reads were present (`false`: it could not look).
    pub had_input: bool,
    /// Files that would let it look (when it had no input), or confirm what it found.
    pub missing: Vec<String>,
}

/// All findings of a dataset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingsReport {
    /// Most severe first, then earliest.
    pub findings: Vec<Finding>,
    /// One row per detector, in [`Detector::ALL`] order.
    pub detectors: Vec<DetectorRun>,
    /// Files read.
    pub files: usize,
}

/// Reads the raw bytes of a located event (`file` index, byte `offset`, `len`) when the caller
/// still has the file; `None` otherwise.
pub trait TextSource {
    /// The bytes, or `None` when unavailable.
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>>;
}

/// A [`TextSource`] that has nothing: detectors fall back to event labels.
pub struct NoText;

impl TextSource for NoText {
    fn text(&self, _: usize, _: u64, _: u64) -> Option<Vec<u8>> {
        None
    }
}

/// What a detector hands back.
#[derive(Default)]
pub(crate) struct Outcome {
    pub findings: Vec<Finding>,
    pub had_input: bool,
    pub missing: Vec<String>,
}

/// Detect every known pattern in `ds` from what was parsed (no raw text).
pub fn detect(ds: &Dataset) -> FindingsReport {
    detect_with(ds, &NoText)
}

/// Detect every known pattern, reading raw lines through `text` where a detector can use them.
pub fn detect_with(ds: &Dataset, text: &dyn TextSource) -> FindingsReport {
    let cx = scan::Cx::new(ds, text);
    let mut findings = Vec::new();
    let mut detectors = Vec::new();
    for d in Detector::ALL {
        let out = match d {
            Detector::StalledNamespaceDeletion => namespace::detect(&cx),
            Detector::ListStorm => list_storm::detect(&cx),
            Detector::RuntimeHang => runtime_hang::detect(&cx),
            Detector::MemoryPressure => memory::detect(&cx),
            Detector::ImagePullStampede => image_pull::detect(&cx),
            Detector::HotLoop => hot_loop::detect(&cx),
            Detector::NodeNotReady => not_ready::detect(&cx),
            Detector::DiscoveryOutage => discovery::detect(&cx),
            Detector::ApfRejections => apf::detect(&cx),
        };
        detectors.push(DetectorRun {
            detector: d,
            title: d.title().to_string(),
            findings: out.findings.len(),
            had_input: out.had_input,
            missing: out.missing,
        });
        for (i, mut f) in out.findings.into_iter().enumerate() {
            f.id = format!("{}-{}", d.name(), i + 1);
            findings.push(f);
        }
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.from.cmp(&b.from))
            .then(a.detector.cmp(&b.detector))
    });
    FindingsReport {
        findings,
        detectors,
        files: ds.files.len(),
    }
}

/// `fmt_micros` that shows `NO_TIME` as empty.
pub(crate) fn time_text(t: Micros) -> String {
    if t == NO_TIME {
        String::new()
    } else {
        fmt_micros(t)
    }
}

/// A finding with its span texts filled in; `id` is assigned by [`detect_with`].
#[allow(clippy::too_many_arguments)]
pub(crate) fn finding(
    detector: Detector,
    title: String,
    severity: Severity,
    from: Micros,
    to: Micros,
    summary: String,
    lanes: Vec<String>,
    evidence: Vec<Evidence>,
    missing: Vec<String>,
) -> Finding {
    let duration_text = if from != NO_TIME && to != NO_TIME && to >= from {
        fmt_duration(to - from)
    } else {
        String::new()
    };
    Finding {
        id: String::new(),
        detector,
        title,
        severity,
        from,
        to,
        from_text: time_text(from),
        to_text: time_text(to),
        duration_text,
        summary,
        lanes,
        evidence,
        missing,
    }
}

/// A byte range of a file whose text a detector would read (see [`wanted`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TextRange {
    /// Index into `Dataset::files`.
    pub file: usize,
    pub offset: u64,
    pub len: u64,
}

/// The text of one [`TextRange`], read by the caller (lossy UTF-8 is fine).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextPiece {
    pub file: usize,
    pub offset: u64,
    pub text: String,
}

/// A [`TextSource`] over pieces the caller read beforehand: how a caller that can only read
/// files asynchronously (the browser worker) gives detectors their text — ask [`wanted`], read
/// those ranges, then call [`detect_with`] with this.
#[derive(Clone, Debug, Default)]
pub struct Texts(std::collections::HashMap<(usize, u64), String>);

impl Texts {
    /// Index the pieces by file and offset.
    pub fn new(pieces: &[TextPiece]) -> Self {
        Self(
            pieces
                .iter()
                .map(|p| ((p.file, p.offset), p.text.clone()))
                .collect(),
        )
    }
}

impl TextSource for Texts {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let t = self.0.get(&(file, offset))?.as_bytes();
        Some(t[..t.len().min(len as usize)].to_vec())
    }
}

/// Answers what it has and records what it does not.
struct Recorder<'t> {
    known: &'t Texts,
    missed: std::cell::RefCell<Vec<TextRange>>,
}

impl TextSource for Recorder<'_> {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let t = self.known.text(file, offset, len);
        if t.is_none() {
            self.missed
                .borrow_mut()
                .push(TextRange { file, offset, len });
        }
        t
    }
}

/// The byte ranges whose text would let detectors name things (APIServices, images, OOM
/// victims, nodes) that the event labels mask, and quote evidence lines; sorted, without
/// duplicates. What a detector reads can depend on what it read (a line naming a namespace
/// picks other evidence lines): ask [`wanted_given`] again with the pieces read so far until
/// it returns nothing.
pub fn wanted(ds: &Dataset) -> Vec<TextRange> {
    wanted_given(ds, &[])
}

/// The ranges detectors ask for, given the text of `known` ranges, that `known` lacks.
pub fn wanted_given(ds: &Dataset, known: &[TextPiece]) -> Vec<TextRange> {
    let known = Texts::new(known);
    let rec = Recorder {
        known: &known,
        missed: Default::default(),
    };
    detect_with(ds, &rec);
    let mut v = rec.missed.into_inner();
    v.sort_unstable();
    v.dedup();
    v
}

/// Read every range the detectors ask for through `source`, asking again with what was read
/// until nothing is missing (at most a few rounds): the pieces a caller keeps so findings can be
/// answered later without the files (an offline report carries them).
pub fn read_texts(ds: &Dataset, source: &dyn TextSource) -> Vec<TextPiece> {
    let mut pieces: Vec<TextPiece> = Vec::new();
    for _ in 0..MAX_TEXT_ROUNDS {
        let before = pieces.len();
        for r in wanted_given(ds, &pieces) {
            if let Some(b) = source.text(r.file, r.offset, r.len) {
                pieces.push(TextPiece {
                    file: r.file,
                    offset: r.offset,
                    text: String::from_utf8_lossy(&b).into_owned(),
                });
            }
        }
        if pieces.len() == before {
            break;
        }
    }
    pieces
}

/// Rounds of [`wanted_given`] a caller makes before detecting with what it has: a line read can
/// name a namespace whose lines are read next, and no detector chains deeper than this.
pub const MAX_TEXT_ROUNDS: usize = 4;
