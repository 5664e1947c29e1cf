//! What detectors share: the dataset's events selected by kind, evidence builders, and the
//! optional raw text of a line.

use super::{time_text, Evidence, EvidenceKind, TextSource};
use crate::audit::attribution::{attribute, ListAttribution, ListModel};
use crate::audit::version::ListSource;
use crate::audit::view::AuditFiles;
use crate::dataset::Dataset;
use crate::format::{Format, FormatData};
use crate::goroutine::report::{report, GoroutineQuery, GoroutineReport};
use crate::time::{Micros, NO_TIME};
use std::cell::OnceCell;

/// One timeline event of one file, with its strings resolved.
#[derive(Clone, Copy, Debug)]
pub struct Ev<'a> {
    /// Index into `Dataset::files`.
    pub file: usize,
    /// Row in the file's `EventStore`.
    pub row: usize,
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
    /// Where each LIST of `audit().reqs` was served (see [`Cx::list_source`]).
    list_sources: OnceCell<ListAttribution>,
    /// The goroutine report at the default query, for every detector that reads dumps.
    goroutines: OnceCell<GoroutineReport>,
    /// Lines read per (reader, file, label), for [`Cx::text_sampled`].
    sampled: std::cell::RefCell<std::collections::HashMap<(&'static str, usize, usize), usize>>,
}

impl<'a> Cx<'a> {
    /// A context over `ds`.
    pub fn new(ds: &'a Dataset, text: &'a dyn TextSource) -> Self {
        Self {
            ds,
            text,
            audit: OnceCell::new(),
            list_sources: OnceCell::new(),
            goroutines: OnceCell::new(),
            sampled: Default::default(),
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
                    || f.events
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

    /// The goroutine report of every dump at the default grouping, built once for all
    /// detectors. Detectors read its snapshots and lock groups: of the other groups only the
    /// largest is built (a file of periodic dumps holds thousands).
    pub fn goroutines(&self) -> &GoroutineReport {
        self.goroutines.get_or_init(|| {
            let q = GoroutineQuery {
                max_groups: 1,
                ..GoroutineQuery::default()
            };
            report(self.ds, &q)
        })
    }

    /// Where the LIST `audit().reqs[i]` was served, as the API cost view decides it under the
    /// version the log shows (annotation evidence first, then the version's rules); `None` for
    /// other verbs. Findings and the cost view must never disagree on this.
    pub fn list_source(&self, i: usize) -> Option<ListSource> {
        self.lists().source.get(i).copied().flatten()
    }

    /// The LIST model: the version assumed and where it comes from.
    pub fn list_model(&self) -> &ListModel {
        &self.lists().model
    }

    fn lists(&self) -> &ListAttribution {
        self.list_sources
            .get_or_init(|| attribute(self.audit(), None, 0))
    }

    /// Every timed event of node-log files whose kind is one of `kinds`, in time order.
    pub fn node_events(&self, kinds: &[&str]) -> Vec<Ev<'a>> {
        self.events_where(|f, _| matches!(f, FormatData::NodeLog(_)), kinds, false)
    }

    /// Like [`Cx::node_events`], untimed events included (first, in file order): a kernel
    /// ring buffer read without `-T` has no times but still names OOM victims.
    pub fn node_events_untimed_too(&self, kinds: &[&str]) -> Vec<Ev<'a>> {
        self.events_where(|f, _| matches!(f, FormatData::NodeLog(_)), kinds, true)
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
        untimed: bool,
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
                if (untimed || e.time[i] != NO_TIME) && wanted[e.kind[i] as usize] {
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

    /// [`Cx::text`] for at most `cap` events per message template and file for one `reader`
    /// (a detector): names repeat across lines of one template, and a caller that must fetch
    /// the text asynchronously ([`super::wanted`]) should not be asked for thousands of lines.
    pub fn text_sampled(&self, reader: &'static str, e: &Ev<'_>, cap: usize) -> Option<String> {
        {
            let mut m = self.sampled.borrow_mut();
            let n = m
                .entry((reader, e.file, e.label.as_ptr() as usize))
                .or_insert(0);
            if *n >= cap {
                return None;
            }
            *n += 1;
        }
        self.text(e)
    }

    /// What the line of an event says, as [`super::quote::quote`] shows it, when the caller
    /// can read it; `None` otherwise.
    pub fn quoted(&self, e: &Ev<'_>) -> Option<String> {
        self.text(e).map(|t| super::quote::quote(&t))
    }

    /// The user's own text of an event's line, or its template (marked as such) when the line
    /// cannot be read: what summaries and evidence labels show.
    pub fn line_text(&self, e: &Ev<'_>) -> String {
        self.quoted(e)
            .unwrap_or_else(|| format!("{} (template; line not read)", e.label))
    }

    /// Evidence pointing at one log line, labelled `{prefix}{lane}: {the line's own text}`.
    pub fn line_evidence(&self, e: &Ev<'_>, prefix: &str) -> Evidence {
        let label = format!("{prefix}{}: {}", e.lane, self.line_text(e));
        self.event_evidence(e, label)
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
        row: i,
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
        return items
            .iter()
            .take(n.max(items.len().min(n)))
            .copied()
            .collect();
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

/// The audit request attributes detectors read, resolved to strings.
pub struct ReqInfo<'a> {
    pub user: &'a str,
    pub user_agent: &'a str,
    pub verb: &'a str,
    pub resource: &'a str,
    pub subresource: &'a str,
    pub api_group: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// Priority-and-fairness priority level / flow schema from the event's annotations
    /// (empty when the event carries none).
    pub apf_pl: &'a str,
    pub apf_fs: &'a str,
}

impl<'a> Cx<'a> {
    /// The attributes of a merged request.
    pub fn req(&self, q: &crate::audit::view::Req) -> ReqInfo<'a> {
        let d = self.audit().data(q);
        let r = &d.requests;
        let i = q.row as usize;
        ReqInfo {
            user: d.str(r.user[i]),
            user_agent: d.str(r.user_agent[i]),
            verb: d.str(r.verb[i]),
            resource: d.str(r.resource[i]),
            subresource: d.str(r.subresource[i]),
            api_group: d.str(r.api_group[i]),
            namespace: d.str(r.namespace[i]),
            name: d.str(r.name[i]),
            apf_pl: d.str(r.apf_pl[i]),
            apf_fs: d.str(r.apf_fs[i]),
        }
    }

    /// Evidence pointing at a request's final audit event.
    pub fn req_evidence(&self, q: &crate::audit::view::Req, label: String) -> Evidence {
        let af = self.audit();
        let (file, d) = af.files[q.loc_file as usize];
        let r = &d.requests;
        let i = q.loc_row as usize;
        let time = q.start();
        Evidence {
            label,
            time,
            time_text: time_text(time),
            kind: EvidenceKind::Event {
                file,
                file_name: self.file_name(file),
                line: r.line[i] as u64,
                offset: r.offset[i],
                len: r.len[i] as u64,
            },
        }
    }
}

/// Evidence opening the API cost view on a slice of requests.
pub fn requests_evidence(
    label: String,
    filters: Vec<(crate::audit::cost::GroupBy, String)>,
    since: Micros,
    until: Micros,
) -> Evidence {
    Evidence {
        label,
        time: since,
        time_text: time_text(since),
        kind: EvidenceKind::Requests {
            filters,
            since: (since != NO_TIME).then_some(since),
            until: (until != NO_TIME).then_some(until + 1),
        },
    }
}

impl<'a> Cx<'a> {
    /// Up to `n` events of `lane` in `file` shortly before `before` (within `window` µs),
    /// warnings and worse preferred: what a component said just before something went wrong.
    pub fn preceding(&self, e: &Ev<'_>, window: Micros, n: usize) -> Vec<Ev<'a>> {
        let Some(f) = self.ds.files.get(e.file) else {
            return Vec::new();
        };
        let s = &f.events;
        // Events are stored in file order: look back from the event's row, a bounded distance.
        const LOOK_BACK: usize = 20_000;
        let lo = e.row.saturating_sub(LOOK_BACK);
        let mut cand: Vec<Ev<'a>> = (lo..e.row.min(s.len()))
            .filter(|&i| {
                let t = s.time[i];
                t != NO_TIME
                    && t < e.time
                    && t >= e.time - window
                    && s.lanes.get(s.lane[i]) == e.lane
                    && s.kind_name(i) != e.kind
            })
            .map(|i| ev(self.ds, e.file, i))
            .collect();
        cand.sort_by_key(|c| (c.time, c.line));
        let serious: Vec<Ev<'a>> = cand
            .iter()
            .copied()
            .filter(|c| {
                self.ds.files[c.file]
                    .events
                    .kinds
                    .iter()
                    .any(|k| k.name == c.kind && k.severity >= crate::event::Severity::Warning)
            })
            .collect();
        let pick = if serious.is_empty() { cand } else { serious };
        // Latest first, one per message template, then back in time order.
        let mut out: Vec<Ev<'a>> = Vec::new();
        for c in pick.iter().rev() {
            if out.len() < n && !out.iter().any(|o| o.label == c.label) {
                out.push(*c);
            }
        }
        out.reverse();
        out
    }
}
