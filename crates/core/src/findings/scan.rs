//! What detectors share: the dataset's events selected by kind, evidence builders, and the
//! optional raw text of a line.

use super::{time_text, Evidence, EvidenceKind, TextSource};
use crate::audit::view::AuditFiles;
use crate::dataset::Dataset;
use crate::format::{Format, FormatData};
use crate::time::{Micros, NO_TIME};
use std::cell::OnceCell;

/// One timeline event of one file, with its strings resolved.
#[derive(Clone, Copy, Debug)]
pub struct Ev<'a> {
    /// Index into `Dataset::files`.
    pub file: usize,
    pub time: Micros,
    pub kind: &'a str,
    /// `host/component`, or a user for audit events.
    pub lane: &'a str,
    pub label: &'a str,
    pub line: u64,
    pub offset: u64,
    pub len: u64,
}

impl<'a> Ev<'a> {
    /// The part of the lane before the first `/`: the host for node logs.
    pub fn host(&self) -> &'a str {
        self.lane.split('/').next().unwrap_or(self.lane)
    }

    /// The part of the lane after the first `/`: the component for node logs.
    pub fn component(&self) -> &'a str {
        self.lane.split_once('/').map(|(_, c)| c).unwrap_or("")
    }
}

/// The detection context: the dataset, the text source and lazily built shared views.
pub struct Cx<'a> {
    pub ds: &'a Dataset,
    text: &'a dyn TextSource,
    audit: OnceCell<AuditFiles<'a>>,
}

impl<'a> Cx<'a> {
    /// A context over `ds`.
    pub fn new(ds: &'a Dataset, text: &'a dyn TextSource) -> Self {
        Self {
            ds,
            text,
            audit: OnceCell::new(),
        }
    }

    /// Whether any file of this format was dropped.
    pub fn has(&self, f: Format) -> bool {
        self.ds.files.iter().any(|p| p.format == f)
    }

    /// Whether any node log has a lane whose component contains `comp` (case-insensitive).
    pub fn has_component(&self, comp: &str) -> bool {
        let comp = comp.to_ascii_lowercase();
        self.ds.files.iter().any(|f| {
            matches!(f.data, FormatData::NodeLog(_))
                && (f.meta.name.to_ascii_lowercase().contains(&comp)
                    || f
                        .events
                        .lanes
                        .strings
                        .iter()
                        .any(|l| l.to_ascii_lowercase().contains(&comp)))
        })
    }

    /// The merged audit requests of every audit file.
    pub fn audit(&self) -> &AuditFiles<'a> {
        self.audit.get_or_init(|| AuditFiles::of(self.ds))
    }

    /// Every timed event of node-log files whose kind is one of `kinds`, in time order.
    pub fn node_events(&self, kinds: &[&str]) -> Vec<Ev<'a>> {
        self.events_where(|f, _| matches!(f, FormatData::NodeLog(_)), kinds)
    }

    /// Every timed event of node-log files whose label contains one of `needles`
    /// (ASCII case-insensitive), whatever its kind, in time order.
    pub fn node_events_labelled(&self, needles: &[&str]) -> Vec<Ev<'a>> {
        let needles: Vec<String> = needles.iter().map(|n| n.to_ascii_lowercase()).collect();
        let mut out = Vec::new();
        for (fi, f) in self.ds.files.iter().enumerate() {
            if !matches!(f.data, FormatData::NodeLog(_)) {
                continue;
            }
            let e = &f.events;
            let hit: Vec<bool> = e
                .labels
                .strings
                .iter()
                .map(|l| {
                    let l = l.to_ascii_lowercase();
                    needles.iter().any(|n| l.contains(n.as_str()))
                })
                .collect();
            if !hit.iter().any(|h| *h) {
                continue;
            }
            for i in 0..e.len() {
                if e.time[i] != NO_TIME && hit.get(e.label[i] as usize).copied().unwrap_or(false) {
                    out.push(ev(self.ds, fi, i));
                }
            }
        }
        out.sort_by_key(|e| (e.time, e.file, e.line));
        out
    }

    fn events_where(
        &self,
        keep_file: impl Fn(&FormatData, usize) -> bool,
        kinds: &[&str],
    ) -> Vec<Ev<'a>> {
        let mut out = Vec::new();
        for (fi, f) in self.ds.files.iter().enumerate() {
            if !keep_file(&f.data, fi) {
                continue;
            }
            let e = &f.events;
            let wanted: Vec<bool> = e
                .kinds
                .iter()
                .map(|k| kinds.contains(&k.name.as_str()))
                .collect();
            if !wanted.iter().any(|w| *w) {
                continue;
            }
            for i in 0..e.len() {
                if e.time[i] != NO_TIME && wanted[e.kind[i] as usize] {
                    out.push(ev(self.ds, fi, i));
                }
            }
        }
        out.sort_by_key(|e| (e.time, e.file, e.line));
        out
    }

    /// The raw text of an event's bytes, when the caller can read them (cut to 4 KiB).
    pub fn text(&self, e: &Ev<'_>) -> Option<String> {
        let b = self.text.text(e.file, e.offset, e.len.min(4096))?;
        Some(String::from_utf8_lossy(&b).into_owned())
    }

    /// Name of a file, as shown.
    pub fn file_name(&self, file: usize) -> String {
        self.ds
            .files
            .get(file)
            .map(|f| f.meta.name.clone())
            .unwrap_or_default()
    }

    /// Evidence pointing at one event.
    pub fn event_evidence(&self, e: &Ev<'_>, label: String) -> Evidence {
        Evidence {
            label,
            time: e.time,
            time_text: time_text(e.time),
            kind: EvidenceKind::Event {
                file: e.file,
                file_name: self.file_name(e.file),
                line: e.line,
                offset: e.offset,
                len: e.len,
            },
        }
    }
}

fn ev(ds: &Dataset, fi: usize, i: usize) -> Ev<'_> {
    let e = &ds.files[fi].events;
    Ev {
        file: fi,
        time: e.time[i],
        kind: e.kind_name(i),
        lane: e.lanes.get(e.lane[i]),
        label: e.labels.get(e.label[i]),
        line: e.line[i] as u64,
        offset: e.offset[i],
        len: e.len[i] as u64,
    }
}

/// Evidence opening the timeline on a window.
pub fn window_evidence(label: String, from: Micros, to: Micros) -> Evidence {
    Evidence {
        label,
        time: from,
        time_text: time_text(from),
        kind: EvidenceKind::Window { from, to },
    }
}

/// Split time-ordered events into episodes: a new episode starts after a gap over `gap` µs.
pub fn episodes<'e, 'a>(evs: &'e [Ev<'a>], gap: Micros) -> Vec<&'e [Ev<'a>]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=evs.len() {
        if i == evs.len() || evs[i].time - evs[i - 1].time > gap {
            if start < i {
                out.push(&evs[start..i]);
            }
            start = i;
        }
    }
    out
}

/// At most `n` items spread evenly over `items` (first and last included).
pub fn spread<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    if items.len() <= n || n < 2 {
        return items.iter().take(n.max(items.len().min(n))).copied().collect();
    }
    (0..n)
        .map(|k| items[k * (items.len() - 1) / (n - 1)])
        .collect()
}

/// `a, b and 3 more`.
pub fn list_text(items: &[String], max: usize) -> String {
    match items.len() {
        0 => String::new(),
        n if n <= max => {
            if n == 1 {
                items[0].clone()
            } else {
                format!("{} and {}", items[..n - 1].join(", "), items[n - 1])
            }
        }
        n => format!("{} and {} more", items[..max].join(", "), n - max),
    }
}
