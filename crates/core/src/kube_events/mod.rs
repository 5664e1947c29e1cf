//! Kubernetes Events as a source of their own: `kubectl get events -o json` / `-o yaml` (a
//! `List` of `v1 Event` or `events.k8s.io/v1 Event`), `events.json` from `kubectl cluster-info
//! dump` (an `EventList`), single Event objects, and the `kubectl get events` / `-o wide` text
//! tables.
//!
//! Every Event is one record and one timeline event: time = first seen, kind from the reason
//! ([`kinds`]: named like the node-log classes where one fits — `node_not_ready`,
//! `volume_mount_failed`, `probe_failed`, `crash_loop` … — else `failed_scheduling`,
//! `k8s_event`, `k8s_event.warning`), lane `events/<involved object kind>`, label = reason.
//! [`Data::events`] keeps per Event its first and last time, count, object, type and reporter
//! (a repeated Event spans first → last). The Event's bytes are located (line, offset, len), so
//! its text is re-read from the file, never kept.
//!
//! Readers: [`json`] (byte ranges of the objects in a JSON document), [`yaml`] (kubectl's YAML
//! shape only), [`table`] (the text tables); all land in [`event::Event`]. Every line is
//! accounted for: records + [`Data::continuations`] + [`Data::header_lines`] + skipped = lines
//! (as long as no line holds two Events: a compact one-line JSON List counts each of them).

pub mod event;
pub mod json;
pub mod kinds;
pub mod table;
pub mod yaml;

use crate::diag::DiagKind;
use crate::event::NewEvent;
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::time::{fmt_micros, Micros, NO_TIME};
use event::Event;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One Event read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRow {
    /// First line of the Event in the file (1-based).
    pub line: u64,
    pub first: Micros,
    pub last: Micros,
    pub count: u64,
    pub object_kind: String,
    pub object: String,
    pub namespace: String,
    pub reason: String,
    /// `Normal` / `Warning`.
    pub event_type: String,
    pub reporter: String,
    /// Timeline kind ([`kinds::kind_of`]).
    pub kind: String,
}

/// What reading an events file keeps (besides its timeline events).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    /// `kubectl get events -o json`, `… -o yaml`, `… (table)`, `… -o wide (table)`.
    pub shape: String,
    pub events: Vec<EventRow>,
    /// Events per timeline kind.
    pub kinds: BTreeMap<String, u64>,
    /// Lines of an Event after its first (multi-line JSON/YAML objects, wrapped table rows).
    pub continuations: u64,
    /// Lines outside any Event (the List wrapper, table headers).
    pub header_lines: u64,
}

/// Confidence (0–100) that the sample is a Kubernetes events file.
pub fn sniff(sample: &[&[u8]]) -> u32 {
    let Some(first) = sample.iter().find(|l| !l.trim_ascii().is_empty()) else {
        return 0;
    };
    if table::header(&String::from_utf8_lossy(first)).is_some() {
        return 95;
    }
    let has = |w: &[u8]| sample.iter().any(|l| memchr::memmem::find(l, w).is_some());
    if has(b"audit.k8s.io") || has(b"\"auditID\"") {
        return 0;
    }
    let object = has(b"involvedObject") || has(b"regarding");
    if first.trim_ascii_start().starts_with(b"{") {
        let list = has(b"\"kind\": \"EventList\"") || has(b"\"kind\":\"EventList\"");
        let ev = has(b"\"kind\": \"Event\"") || has(b"\"kind\":\"Event\"");
        if list || (ev && object) {
            return 90;
        }
        return 0;
    }
    let yaml_event = sample
        .iter()
        .any(|l| l.trim_ascii() == b"kind: Event" || l.trim_ascii() == b"- kind: Event");
    if yaml_event && (object || has(b"reason:")) {
        return 90;
    }
    0
}

enum Shape {
    Json,
    Yaml,
    Table(Vec<(String, usize)>),
}

/// Streaming events-file reader; see the module docs.
pub struct Parser {
    now_ms: Option<i64>,
    shape: Option<Shape>,
    /// JSON: the document, and per line its start in `buf` and its place in the file.
    buf: Vec<u8>,
    buf_lines: Vec<(usize, LineAt)>,
    /// YAML: inside the top-level `items:` sequence; the current item's lines; lines of the
    /// top-level mapping (a single Event document, or the List's own keys).
    in_items: bool,
    item: Vec<(Vec<u8>, LineAt)>,
    root: Vec<(Vec<u8>, LineAt)>,
    /// Table: the last row read, which a wrapped message line continues.
    last_row: Option<usize>,
    data: Data,
}

impl Parser {
    /// JSON documents larger than this are read up to it.
    const MAX_JSON: usize = 512 << 20;

    pub fn new(meta: &FileMeta) -> Self {
        Parser {
            now_ms: meta.last_modified_ms,
            shape: None,
            buf: Vec::new(),
            buf_lines: Vec::new(),
            in_items: false,
            item: Vec::new(),
            root: Vec::new(),
            last_row: None,
            data: Data::default(),
        }
    }

    /// Read one line.
    pub fn line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        if self.shape.is_none() {
            if line.trim_ascii().is_empty() {
                cx.diags
                    .skip(at.line, at.offset, DiagKind::Ignored, "blank line");
                return;
            }
            let text = String::from_utf8_lossy(line);
            self.shape = Some(if let Some(cols) = table::header(&text) {
                let wide = cols.iter().any(|c| c.0 == "FIRSTSEEN");
                self.data.shape = format!(
                    "kubectl get events{} (table)",
                    if wide { " -o wide" } else { "" }
                );
                Shape::Table(cols)
            } else if line.trim_ascii_start().starts_with(b"{") {
                self.data.shape = "kubectl get events -o json".into();
                Shape::Json
            } else {
                self.data.shape = "kubectl get events -o yaml".into();
                Shape::Yaml
            });
            *cx.detail = self.data.shape.clone();
        }
        match self.shape {
            Some(Shape::Json) => self.json_line(line, at, cx),
            Some(Shape::Yaml) => self.yaml_line(line, at, cx),
            Some(Shape::Table(_)) => self.table_line(line, at, cx),
            None => {}
        }
    }

    fn json_line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        if self.buf.len() + line.len() > Self::MAX_JSON {
            cx.diags.skip(
                at.line,
                at.offset,
                DiagKind::Truncated,
                "events JSON over 512 MiB: the rest is not read",
            );
            return;
        }
        self.buf_lines.push((self.buf.len(), at));
        self.buf.extend_from_slice(line);
        self.buf.push(b'\n');
    }

    /// Where `pos` of the JSON buffer lies in the file: (line, offset).
    fn json_at(&self, pos: usize) -> (usize, LineAt) {
        let k = self.buf_lines.partition_point(|(s, _)| *s <= pos).max(1) - 1;
        let (s, at) = self.buf_lines[k];
        (
            k,
            LineAt {
                line: at.line,
                offset: at.offset + (pos - s) as u64,
            },
        )
    }

    fn json_finish(&mut self, cx: &mut ParseCx<'_>) {
        let buf = std::mem::take(&mut self.buf);
        let mut covered = vec![false; self.buf_lines.len()];
        for (a, b) in json::items(&buf) {
            let (ka, at) = self.json_at(a);
            let (kb, end) = self.json_at(b.saturating_sub(1));
            let lines = (kb - ka + 1) as u64;
            let len = end.offset + 1 - at.offset;
            covered[ka..=kb].iter_mut().for_each(|c| *c = true);
            match serde_json::from_slice::<Event>(&buf[a..b]) {
                Ok(e) if e.is_event() => {
                    self.data.continuations += lines - 1;
                    self.record(cx, &e, at, len);
                }
                Ok(e) => self.skip_object(cx, at, lines, e.kind.as_deref()),
                Err(err) => {
                    cx.diags.skip(
                        at.line,
                        at.offset,
                        DiagKind::BadJson,
                        format!("unreadable Event object: {err}"),
                    );
                    cx.diags.skipped_lines += lines - 1;
                }
            }
        }
        self.data.header_lines += covered.iter().filter(|c| !**c).count() as u64;
    }

    fn skip_object(&mut self, cx: &mut ParseCx<'_>, at: LineAt, lines: u64, kind: Option<&str>) {
        cx.diags.skip(
            at.line,
            at.offset,
            DiagKind::Ignored,
            format!("not an Event (kind {})", kind.unwrap_or("unknown")),
        );
        cx.diags.skipped_lines += lines - 1;
    }

    fn yaml_line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        let top = !line.is_empty() && line[0] != b' ';
        if !top {
            if !self.item.is_empty() {
                self.item.push((line.to_vec(), at));
            } else {
                self.root.push((line.to_vec(), at));
            }
            return;
        }
        let t = line.trim_ascii_end();
        if self.in_items && (t == b"-" || t.starts_with(b"- ")) {
            self.yaml_item(cx);
            self.item.push((line.to_vec(), at));
            return;
        }
        self.yaml_item(cx);
        if t == b"---" {
            self.yaml_root(cx);
            self.data.header_lines += 1;
            self.in_items = false;
            return;
        }
        self.in_items = t == b"items:";
        if self.in_items {
            self.data.header_lines += 1;
        } else {
            self.root.push((line.to_vec(), at));
        }
    }

    /// The item collected so far, read as one Event.
    fn yaml_item(&mut self, cx: &mut ParseCx<'_>) {
        let item = std::mem::take(&mut self.item);
        self.yaml_event(cx, &item, true);
    }

    /// The top-level mapping of a document: an Event of its own (`kubectl get event X -o
    /// yaml`), else the List's own keys.
    fn yaml_root(&mut self, cx: &mut ParseCx<'_>) {
        let root = std::mem::take(&mut self.root);
        let is_event = root
            .iter()
            .any(|(l, _)| l.trim_ascii_end() == b"kind: Event");
        if is_event {
            self.yaml_event(cx, &root, false);
        } else {
            self.data.header_lines += root.len() as u64;
        }
    }

    fn yaml_event(&mut self, cx: &mut ParseCx<'_>, lines: &[(Vec<u8>, LineAt)], item: bool) {
        let (Some((_, at)), Some((last, end))) = (lines.first(), lines.last()) else {
            return;
        };
        let (at, n) = (*at, lines.len() as u64);
        let len = end.offset + last.len() as u64 - at.offset;
        let mut text: Vec<&[u8]> = lines.iter().map(|(l, _)| l.as_slice()).collect();
        // `- apiVersion: v1` → the item's mapping, two columns in.
        let first;
        if item {
            let f = text[0];
            first = [b"  ", f.get(2..).unwrap_or(b"")].concat();
            text[0] = &first;
        }
        match serde_json::from_value::<Event>(yaml::parse(&text)) {
            Ok(e) if e.is_event() => {
                self.data.continuations += n - 1;
                self.record(cx, &e, at, len);
            }
            Ok(e) => self.skip_object(cx, at, n, e.kind.as_deref()),
            Err(err) => {
                cx.diags.skip(
                    at.line,
                    at.offset,
                    DiagKind::Malformed,
                    format!("unreadable Event object: {err}"),
                );
                cx.diags.skipped_lines += n - 1;
            }
        }
    }

    fn table_line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        let text = String::from_utf8_lossy(line);
        if text.trim().is_empty() {
            return cx
                .diags
                .skip(at.line, at.offset, DiagKind::Ignored, "blank line");
        }
        if let Some(cols) = table::header(&text) {
            self.shape = Some(Shape::Table(cols));
            self.data.header_lines += 1;
            self.last_row = None;
            return;
        }
        let Some(Shape::Table(cols)) = &self.shape else {
            return;
        };
        let cells: Vec<(String, String)> = table::cells(cols, &text)
            .into_iter()
            .map(|(n, c)| (n.to_string(), c.to_string()))
            .collect();
        let cell = |n: &str| cells.iter().find(|c| c.0 == n).map_or("", |c| c.1.as_str());
        let last_seen = cell("LASTSEEN");
        let reason = cell("REASON");
        let known_age = last_seen == "<unknown>" || table::age(last_seen).is_some();
        if !known_age || reason.is_empty() || reason.contains(' ') {
            // A message wrapped onto the next line continues the row before it.
            if let Some(r) = self.last_row {
                self.data.continuations += 1;
                let i = cx.events.len() - (self.data.events.len() - r);
                let off = cx.events.offset[i];
                cx.events.len[i] =
                    (at.offset + line.len() as u64 - off).min(u32::MAX as u64) as u32;
            } else {
                cx.diags.skip(
                    at.line,
                    at.offset,
                    DiagKind::Malformed,
                    "not a row of the events table above",
                );
            }
            return;
        }
        let now = self.now_ms.map(|ms| ms * 1000);
        let when = |age: &str| match (now, table::age(age)) {
            (Some(n), Some(a)) => n - a,
            _ => NO_TIME,
        };
        let (kind, name) = match cell("OBJECT").split_once('/') {
            Some((r, n)) => (table::kind_of_resource(r), n.to_string()),
            None => (cell("KIND").to_string(), cell("NAME").to_string()),
        };
        let last = when(last_seen);
        let first_seen = cell("FIRSTSEEN");
        let e = Event {
            involved_object: Some(event::ObjectRef {
                kind: Some(kind),
                name: Some(name),
                namespace: Some(cell("NAMESPACE").to_string()).filter(|s| !s.is_empty()),
                field_path: None,
            }),
            reason: Some(reason.to_string()),
            message: Some(cell("MESSAGE").to_string()),
            kind_type: Some(cell("TYPE").to_string()).filter(|s| !s.is_empty()),
            count: cell("COUNT").parse().ok(),
            first_timestamp: None,
            ..Event::default()
        };
        let first = if first_seen.is_empty() {
            last
        } else {
            when(first_seen)
        };
        self.last_row = Some(self.data.events.len());
        self.record_at(cx, &e, first, last, at, line.len() as u64);
        if let Some(r) = self.data.events.last_mut() {
            r.reporter = cell("SOURCE").to_string();
        }
    }

    fn record(&mut self, cx: &mut ParseCx<'_>, e: &Event, at: LineAt, len: u64) {
        self.record_at(cx, e, e.first(), e.last(), at, len);
    }

    fn record_at(
        &mut self,
        cx: &mut ParseCx<'_>,
        e: &Event,
        first: Micros,
        last: Micros,
        at: LineAt,
        len: u64,
    ) {
        let obj = e.object();
        let object_kind = obj.kind.clone().unwrap_or_else(|| "Unknown".into());
        let reason = e.reason.clone().unwrap_or_default();
        let (kind, severity) = kinds::kind_of(&reason, e.event_type(), e.text());
        let lane = format!("events/{object_kind}");
        let first = if first == NO_TIME { last } else { first };
        cx.events.push(NewEvent {
            time: first,
            kind,
            severity,
            lane: &lane,
            label: if reason.is_empty() {
                "(no reason)"
            } else {
                &reason
            },
            line: at.line,
            offset: at.offset,
            len,
        });
        *cx.records += 1;
        *self.data.kinds.entry(kind.to_string()).or_insert(0) += 1;
        self.data.events.push(EventRow {
            line: at.line,
            first,
            last: if last == NO_TIME { first } else { last },
            count: e.count(),
            object_kind,
            object: obj.name.unwrap_or_default(),
            namespace: obj
                .namespace
                .or_else(|| e.metadata.as_ref().and_then(|m| m.namespace.clone()))
                .unwrap_or_default(),
            reason,
            event_type: e.event_type().to_string(),
            reporter: e.reporter(),
            kind: kind.to_string(),
        });
    }

    /// End of input: the buffered document or item is read; hand over [`Data`].
    pub fn finish(mut self, cx: &mut ParseCx<'_>) -> Data {
        match self.shape {
            Some(Shape::Json) => self.json_finish(cx),
            Some(Shape::Yaml) => {
                self.yaml_item(cx);
                self.yaml_root(cx);
            }
            Some(Shape::Table(_)) => match self.now_ms {
                Some(ms) if !self.data.events.is_empty() => cx.notes.push(format!(
                    "kubectl get events prints ages (LAST SEEN), not times: they are counted back from the file's modification time ({}), taken as when kubectl ran",
                    fmt_micros(ms * 1000)
                )),
                None if !self.data.events.is_empty() => cx.notes.push(
                    "kubectl get events prints ages (LAST SEEN), not times, and the file has no modification time: the events have no time".into(),
                ),
                _ => {}
            },
            None => {}
        }
        self.data
    }
}
