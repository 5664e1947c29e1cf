//! Kubernetes audit logs: `audit.k8s.io/v1` and `v1beta1` `Event`s as JSON lines (log backend,
//! rotated, `.gz` via ingest), `EventList` documents (webhook backend), JSON arrays, and
//! pretty-printed multi-line JSON; and the managed clouds' wrappings of them ([`cloud`]: GKE
//! Cloud Logging, EKS CloudWatch Logs, AKS Azure Monitor), several per file if need be.
//!
//! Reading keeps one compact row per request ([`store`]); the analyses are in [`cost`]
//! (who spends the apiserver's time, with LIST sources per apiserver version from
//! [`version`]) and [`history`] (every request that touched an object).

pub mod attribution;
pub mod cloud;
pub mod cost;
pub mod csv;
pub(crate) mod fasthash;
pub(crate) mod frame;
pub mod history;
pub mod keys;
mod merge;
pub mod parse;
pub(crate) mod scan;
pub mod store;
pub mod version;
pub mod view;
mod wire;

pub use cost::{cost_report, CostQuery, CostReport, GroupBy};
pub use history::{history, HistoryReport, ObjectSpec};
pub use store::Data;

use crate::diag::DiagKind;
use crate::event::{EventIds, Severity};
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::time::NO_TIME;
use frame::{array_elements, object_field, Depth, Scan};
use parse::{Builder, Loc, RawEvent};

/// Parse one event: the purpose-built scanner ([`scan`]) when it can read the object, serde_json
/// otherwise (and for every error message). Validating UTF-8 once for the whole object is much
/// cheaper than validating every string borrowed from it.
fn parse_event<'a>(b: &'a [u8], ev: &mut RawEvent<'a>) -> serde_json::Result<()> {
    match simdutf8::basic::from_utf8(b) {
        Ok(s) => {
            if !SERDE_ONLY.with(|c| c.get()) && scan::scan_event(s, ev).is_some() {
                return Ok(());
            }
            *ev = serde_json::from_str(s)?;
        }
        Err(_) => *ev = serde_json::from_slice(b)?,
    }
    Ok(())
}

/// Whether the scanner reads this event itself (no serde fallback): for tests.
#[doc(hidden)]
pub fn scanner_reads(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok_and(|s| scan::scan_event(s, &mut RawEvent::default()).is_some())
}

thread_local! {
    static SERDE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with the scanner off on this thread (every event through serde_json): the reference
/// the scanner is tested against (`tests/audit_scanner.rs`), and the bench's "before".
#[doc(hidden)]
pub fn with_serde_only<R>(f: impl FnOnce() -> R) -> R {
    SERDE_ONLY.with(|c| c.set(true));
    let r = f();
    SERDE_ONLY.with(|c| c.set(false));
    r
}

/// Confidence that the sample is an audit log, from content only.
pub fn sniff(sample: &[&[u8]]) -> u32 {
    // A query result over the Parquet export, as CSV with its header (`csv`).
    if sample.first().is_some_and(|l| csv::is_header(l)) {
        return 96;
    }
    let mut score = 0;
    let mut pretty_hits = 0;
    let (mut cloud_logging, mut k8s_service) = (false, false);
    let (mut aks_audit_id, mut aks_verb) = (false, false);
    for l in sample {
        let has = |n: &[u8]| memchr::memmem::find(l, n).is_some();
        // GKE: Cloud Logging entries with an AuditLog payload, compact or pretty-printed.
        if has(b"google.cloud.audit.AuditLog")
            || has(b"\"protoPayload\"")
            || has(b"\"AuditPayload\"")
        {
            cloud_logging = true;
        }
        if has(b"\"k8s.io\"") || has(b"\"io.k8s.") || has(b"\\\"io.k8s.") {
            k8s_service = true;
        }
        // AKS: Log Analytics AKSAudit rows (one field per line when pretty-printed).
        aks_audit_id |= has(b"\"AuditId\"");
        aks_verb |= has(b"\"Verb\"") || has(b"\"RequestUri\"");
        // EKS: CloudWatch text (`<time> [<stream>] <event>`), which also looks like a timestamped
        // node log: the event decides.
        if let Some((j, _)) = cloud::eks::text_line(l) {
            let j = &l[j..];
            if memchr::memmem::find(j, b"audit.k8s.io/").is_some()
                && memchr::memmem::find(j, b"\"auditID\"").is_some()
            {
                score = score.max(97);
            }
        }
        if has(b"audit.k8s.io/") && (has(b"\"Event") || has(b"EventList")) {
            score = score.max(95);
        } else if has(b"\"auditID\"") && has(b"\"stage\"") && has(b"\"verb\"") {
            score = score.max(85);
        } else if has(b"\"auditID\"")
            || has(b"\"requestReceivedTimestamp\"")
            || has(b"\"stageTimestamp\"")
            || has(b"\"audit.k8s.io/v")
        {
            // A pretty-printed event puts each field on its own line.
            pretty_hits += 1;
        }
    }
    if cloud_logging {
        score = score.max(if k8s_service { 90 } else { 50 });
    }
    if aks_audit_id && aks_verb {
        score = score.max(90);
    }
    if pretty_hits >= 2 {
        score = score.max(70);
    } else if pretty_hits == 1 {
        score = score.max(40);
    }
    score
}

/// Document shapes seen, for the file's detail line.
const SHAPE_LINES: u8 = 1;
const SHAPE_PRETTY: u8 = 2;
const SHAPE_LIST: u8 = 4;
const SHAPE_ARRAY: u8 = 8;

/// A document spanning several lines, being collected.
struct MultiLine {
    buf: Vec<u8>,
    /// (position in `buf`, file offset, line number) of each collected line.
    map: Vec<(usize, u64, u64)>,
    depth: Depth,
    /// Length of the first line: long first lines are cut-off JSON lines, not pretty-printing.
    first_len: usize,
}

impl MultiLine {
    /// File line and offset of a position in `buf`.
    fn locate(&self, pos: usize) -> (u64, u64) {
        let i = self.map.partition_point(|m| m.0 <= pos).saturating_sub(1);
        match self.map.get(i) {
            Some(&(p, off, line)) => (line, off + pos.saturating_sub(p) as u64),
            None => (0, 0),
        }
    }
}

/// Incremental audit log parser; see the module docs.
pub struct Parser {
    b: Box<Builder>,
    multi: Option<MultiLine>,
    shapes: u8,
    /// Cloud wrappings seen, in order of first appearance.
    cloud_shapes: Vec<std::borrow::Cow<'static, str>>,
    /// Set when the first line is an `audit_requests` CSV header: the rows are read by `csv`.
    csv: Option<csv::Reader>,
    /// A line with content was seen (only the first may be a CSV header).
    started: bool,
}

/// An opening line longer than this that does not close is a cut-off JSON line, not the start
/// of a pretty-printed document.
const CUT_OFF_LINE: usize = 64;

/// The largest multi-line document collected before giving up on it.
const MAX_DOC: usize = 512 << 20;

/// How a document's positions map to the file.
enum Place<'a> {
    /// A single line: file offset of byte 0, and its line number.
    Line(u64, u64),
    Multi(&'a MultiLine),
}

impl Place<'_> {
    fn at(&self, pos: usize) -> (u64, u64) {
        match self {
            Place::Line(off, line) => (*line, off + pos as u64),
            Place::Multi(m) => m.locate(pos),
        }
    }
    fn loc(&self, r: &std::ops::Range<usize>) -> Loc {
        let (line, offset) = self.at(r.start);
        let (_, end) = self.at(r.end.saturating_sub(1));
        Loc {
            line,
            offset,
            len: end + 1 - offset,
        }
    }
}

/// Result of handling a complete-looking document.
enum Outcome {
    Done,
    /// The JSON ended early: it continues on the next lines.
    Incomplete,
}

impl Parser {
    /// A parser for one file.
    pub fn new(meta: &FileMeta) -> Self {
        let mut b = Box::new(Builder::new());
        // Audit events run ~500 bytes to a few KB: reserving for the likely count saves
        // re-growing two dozen columns (a guess only; a .gz size undercounts, which is fine).
        if let Some(size) = meta.size {
            b.reserve((size / 1024).min(1 << 24) as usize);
        }
        Self {
            b,
            multi: None,
            shapes: 0,
            cloud_shapes: Vec::new(),
            csv: None,
            started: false,
        }
    }

    /// Feed one line (terminator stripped).
    pub fn line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        if let Some(r) = self.csv.as_mut() {
            r.line(line, at, cx);
            return;
        }
        if !self.started && !line.iter().all(u8::is_ascii_whitespace) {
            self.started = true;
            if csv::is_header(line) {
                self.csv = Some(csv::Reader::new(line));
                return;
            }
        }
        if self.multi.is_some() {
            self.continue_multi(line, at, cx);
            return;
        }
        self.start(line, at, cx);
    }

    fn start(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        let mut lead = 0;
        if at.line == 1 && line.starts_with(b"\xEF\xBB\xBF") {
            lead = 3;
        }
        while lead < line.len() && line[lead].is_ascii_whitespace() {
            lead += 1;
        }
        let mut end = line.len();
        while end > lead && line[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        if lead == end {
            return;
        }
        let t = &line[lead..end];
        let off = at.offset + lead as u64;
        let closed = matches!((t[0], t[t.len() - 1]), (b'{', b'}') | (b'[', b']'));
        if closed {
            let place = Place::Line(off, at.line);
            if let Outcome::Done = self.document(t, &place, false, cx) {
                return;
            }
        }
        if let Some((json_at, stream)) = cloud::eks::text_line(t) {
            let j = &t[json_at..];
            if j.last() == Some(&b'}') {
                self.note_shape(if stream.is_some() {
                    "CloudWatch Logs text (aws logs tail)"
                } else {
                    "CloudWatch Logs S3 export"
                });
                self.b.set_apiserver(stream);
                let place = Place::Line(off + json_at as u64, at.line);
                if let Outcome::Incomplete = self.document(j, &place, false, cx) {
                    cx.diags.skip(
                        at.line,
                        at.offset,
                        DiagKind::BadJson,
                        "CloudWatch log line whose JSON is cut off",
                    );
                }
                self.b.set_apiserver(None);
                return;
            }
        }
        if t[0] == b'{' || t[0] == b'[' {
            self.multi = Some(MultiLine {
                buf: Vec::new(),
                map: Vec::new(),
                depth: Depth::default(),
                first_len: t.len(),
            });
            self.continue_multi(
                t,
                LineAt {
                    line: at.line,
                    offset: off,
                },
                cx,
            );
        } else {
            cx.diags.skip(
                at.line,
                at.offset,
                DiagKind::Malformed,
                "not a JSON audit event (expected a line starting with '{')",
            );
        }
    }

    fn continue_multi(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        let Some(mut m) = self.multi.take() else {
            return;
        };
        // A cut-off JSON line must not swallow the rest of the file: pretty-printed documents
        // open with a short line (`{`), so after a long opening line the next object at
        // column 0 ends the broken document.
        if !m.map.is_empty() && m.first_len > CUT_OFF_LINE && line.first() == Some(&b'{') {
            Self::abandon(
                &m,
                cx,
                "JSON document cut off (next line starts a new event)",
            );
            self.start(line, at, cx);
            return;
        }
        let pos = m.buf.len();
        m.map.push((pos, at.offset, at.line));
        m.buf.extend_from_slice(line);
        m.buf.push(b'\n');
        match m.depth.scan(line) {
            Scan::Open => {
                if m.buf.len() > MAX_DOC {
                    Self::abandon(&m, cx, "JSON document over 512 MiB; skipped");
                } else {
                    self.multi = Some(m);
                }
            }
            Scan::Invalid(_) => {
                Self::abandon(&m, cx, "unbalanced '}' or ']'");
            }
            Scan::Closed(n) => {
                let end = pos + n;
                let doc = m.buf[..end].to_vec();
                if m.map.len() > 1 {
                    self.shapes |= SHAPE_PRETTY;
                }
                if let Outcome::Incomplete = self.document(&doc, &Place::Multi(&m), true, cx) {
                    Self::abandon(&m, cx, "invalid JSON document");
                }
                let rest = &line[n..];
                if rest.iter().any(|c| !c.is_ascii_whitespace()) {
                    let at = LineAt {
                        line: at.line,
                        offset: at.offset + n as u64,
                    };
                    self.start(rest, at, cx);
                }
            }
        }
    }

    /// Count every line of a document that could not be read.
    fn abandon(m: &MultiLine, cx: &mut ParseCx<'_>, why: &str) {
        let (line, off) = m.locate(0);
        let n = m.map.len() as u64;
        cx.diags.skip(
            line,
            off,
            DiagKind::Truncated,
            format!("{why}; {n} line(s) starting here skipped"),
        );
        cx.diags.skipped_lines += n.saturating_sub(1);
    }

    /// Handle one complete JSON document: an event, an `EventList`, or an array of events.
    fn document(
        &mut self,
        b: &[u8],
        place: &Place<'_>,
        multi: bool,
        cx: &mut ParseCx<'_>,
    ) -> Outcome {
        let first = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(0);
        if b.get(first) == Some(&b'[') {
            return match array_elements(b, first) {
                Some(items) => {
                    self.shapes |= SHAPE_ARRAY;
                    self.items(b, &items, place, cx);
                    Outcome::Done
                }
                None if !multi => Outcome::Incomplete,
                None => {
                    let (line, off) = place.at(first);
                    cx.diags
                        .skip(line, off, DiagKind::BadJson, "invalid JSON array of events");
                    Outcome::Done
                }
            };
        }
        let mut ev = RawEvent::default();
        match parse_event(b, &mut ev) {
            Ok(()) if ev.kind.as_deref() == Some("EventList") => {
                self.shapes |= SHAPE_LIST;
                let items = object_field(b, first, b"items").and_then(|i| {
                    if b[i] == b'n' {
                        Some(Vec::new())
                    } else {
                        array_elements(b, i)
                    }
                });
                match items {
                    Some(items) => self.items(b, &items, place, cx),
                    None => {
                        let (line, off) = place.at(first);
                        cx.diags.note(
                            line,
                            off,
                            DiagKind::Malformed,
                            "EventList without an items array",
                        );
                    }
                }
                Outcome::Done
            }
            Ok(()) if ev.looks_like_event() => {
                if !multi {
                    self.shapes |= SHAPE_LINES;
                }
                self.event(&ev, place.loc(&(first..b.len())), cx);
                Outcome::Done
            }
            Ok(()) => {
                self.not_native(b, first..b.len(), place, cx, true);
                Outcome::Done
            }
            Err(e) if e.is_eof() && !multi => Outcome::Incomplete,
            Err(e) if is_trailing(&e) && self.concatenated(b, first, place, cx) => Outcome::Done,
            Err(e) => {
                let (line, off) = place.at(first);
                cx.diags.skip(line, off, DiagKind::BadJson, e.to_string());
                if let Place::Multi(m) = place {
                    cx.diags.skipped_lines += (m.map.len() as u64).saturating_sub(1);
                }
                Outcome::Done
            }
        }
    }

    fn items(
        &mut self,
        b: &[u8],
        items: &[std::ops::Range<usize>],
        place: &Place<'_>,
        cx: &mut ParseCx<'_>,
    ) {
        for r in items {
            let loc = place.loc(r);
            let mut ev = RawEvent::default();
            match parse_event(&b[r.clone()], &mut ev) {
                Ok(()) if ev.looks_like_event() => self.event(&ev, loc, cx),
                Ok(()) => self.not_native(b, r.clone(), place, cx, false),
                Err(e) => cx.diags.note(
                    loc.line,
                    loc.offset,
                    DiagKind::BadJson,
                    format!("list item: {e}"),
                ),
            }
        }
    }

    fn event(&mut self, ev: &RawEvent<'_>, loc: Loc, cx: &mut ParseCx<'_>) {
        *cx.records += 1;
        self.b.add(ev, loc);
    }

    fn note_shape(&mut self, shape: impl Into<std::borrow::Cow<'static, str>>) {
        let shape = shape.into();
        if !self.cloud_shapes.contains(&shape) {
            self.cloud_shapes.push(shape);
        }
    }

    /// Objects concatenated without separators (CloudWatch subscription payloads delivered by
    /// Firehose): each is its own document. `false` when the bytes do not split that way.
    fn concatenated(
        &mut self,
        b: &[u8],
        first: usize,
        place: &Place<'_>,
        cx: &mut ParseCx<'_>,
    ) -> bool {
        let mut parts = Vec::new();
        let mut i = first;
        while i < b.len() {
            if b[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            if b[i] != b'{' {
                return false;
            }
            match Depth::default().scan(&b[i..]) {
                Scan::Closed(n) => {
                    parts.push(i..i + n);
                    i += n;
                }
                _ => return false,
            }
        }
        if parts.len() < 2 {
            return false;
        }
        for r in parts {
            let doc = &b[r.clone()];
            let mut ev = RawEvent::default();
            match parse_event(doc, &mut ev) {
                Ok(()) if ev.looks_like_event() => self.event(&ev, place.loc(&r), cx),
                Ok(()) => self.not_native(b, r, place, cx, false),
                Err(e) => {
                    let (line, off) = place.at(r.start);
                    cx.diags.note(
                        line,
                        off,
                        DiagKind::BadJson,
                        format!("concatenated object: {e}"),
                    );
                }
            }
        }
        true
    }

    /// A JSON object that is not a native event: a cloud wrapping, or counted as not an event.
    /// `whole_line`: the object is all of its line, so an unusable one skips the line.
    fn not_native(
        &mut self,
        b: &[u8],
        r: std::ops::Range<usize>,
        place: &Place<'_>,
        cx: &mut ParseCx<'_>,
        whole_line: bool,
    ) {
        let doc = std::str::from_utf8(&b[r.clone()]).ok();
        let mut records = Vec::new();
        let shape = doc.and_then(|d| cloud::unwrap(d, &mut records));
        let Some(shape) = shape else {
            let loc = place.loc(&r);
            let why = "JSON object is not an audit event (no auditID, stage or verb) nor a cloud log record of one";
            if whole_line {
                cx.diags.skip(loc.line, loc.offset, DiagKind::Ignored, why);
            } else {
                cx.diags.note(loc.line, loc.offset, DiagKind::Ignored, why);
            }
            return;
        };
        self.note_shape(shape);
        let mut events = 0;
        for rec in records {
            let rr = r.start + rec.range.start..r.start + rec.range.end;
            let loc = place.loc(&rr);
            let mut ev = RawEvent::default();
            match rec.body {
                cloud::Body::Event(text) => match parse_event(text.as_bytes(), &mut ev) {
                    Ok(()) if ev.looks_like_event() => {
                        self.b.set_apiserver(rec.apiserver.as_deref());
                        self.event(&ev, loc, cx);
                        self.b.set_apiserver(None);
                        events += 1;
                    }
                    Ok(()) => cx.diags.note(
                        loc.line,
                        loc.offset,
                        DiagKind::Ignored,
                        format!("{shape}: record whose payload is not an audit event"),
                    ),
                    Err(e) => cx.diags.note(
                        loc.line,
                        loc.offset,
                        DiagKind::BadJson,
                        format!("{shape}: embedded audit event: {e}"),
                    ),
                },
                cloud::Body::Other(why) => {
                    cx.diags.note(loc.line, loc.offset, DiagKind::Ignored, why)
                }
                cloud::Body::Bad(why) => {
                    cx.diags
                        .note(loc.line, loc.offset, DiagKind::Malformed, why)
                }
            }
        }
        // A line that gave no event at all is a skipped line, whatever the reason noted above.
        if whole_line && events == 0 {
            cx.diags.skipped_lines += 1;
        }
    }

    /// End of file: close any open document and place one timeline event per request.
    pub fn finish(mut self, cx: &mut ParseCx<'_>) -> Data {
        if let Some(r) = self.csv.take() {
            let data = r.finish(cx);
            *cx.detail = "audit requests CSV (a query result over the Parquet export)".into();
            push_timeline(&data, cx);
            return data;
        }
        if let Some(m) = self.multi.take() {
            Self::abandon(&m, cx, "input ended inside a JSON document");
        }
        let data = self.b.finish();
        *cx.detail = detail(&data, self.shapes, &self.cloud_shapes);
        push_timeline(&data, cx);
        data
    }
}

/// Whether a JSON error is "trailing characters" (more JSON after the first value).
fn is_trailing(e: &serde_json::Error) -> bool {
    e.is_syntax() && e.to_string().starts_with("trailing characters")
}

fn detail(data: &Data, shapes: u8, cloud: &[std::borrow::Cow<'static, str>]) -> String {
    let versions: Vec<&str> = data
        .api_versions
        .keys()
        .map(|v| {
            if v == "(none)" {
                "audit events (no apiVersion)"
            } else {
                v.as_str()
            }
        })
        .collect();
    let mut kinds = Vec::new();
    if shapes & SHAPE_LINES != 0 {
        kinds.push("JSON lines");
    }
    if shapes & SHAPE_PRETTY != 0 {
        kinds.push("pretty-printed JSON");
    }
    if shapes & SHAPE_LIST != 0 {
        kinds.push("EventList (webhook)");
    }
    if shapes & SHAPE_ARRAY != 0 {
        kinds.push("JSON array");
    }
    kinds.extend(cloud.iter().map(|c| c.as_ref()));
    let v = if versions.is_empty() {
        "audit.k8s.io".to_string()
    } else {
        versions.join(" + ")
    };
    format!("{v} {}", kinds.join(" + ")).trim().to_string()
}

/// Timeline kind and severity of a response: kinds carry the severity (the event store keeps one
/// severity per kind), so failures get their own kinds.
pub fn kind_of(verb: &str, code: u16) -> (String, Severity) {
    let v = if verb.is_empty() { "request" } else { verb };
    match code {
        500..=599 => (format!("audit.{v}.error"), Severity::Error),
        429 => (format!("audit.{v}.throttled"), Severity::Warning),
        401 | 403 => (format!("audit.{v}.denied"), Severity::Warning),
        _ => (format!("audit.{v}"), Severity::Info),
    }
}

fn push_timeline(d: &Data, cx: &mut ParseCx<'_>) {
    let r = &d.requests;
    // Ids remembered per verb and status class, per label key and per user: the same few dozen
    // strings would otherwise be hashed for every request. First seen, first interned, so ids
    // are what interning per event gives.
    let mut kinds: fasthash::FxMap<(u32, u16), u16> = Default::default();
    let mut labels: fasthash::FxMap<(u32, u32, u32), u32> = Default::default();
    let mut lanes: fasthash::FxMap<u32, u32> = Default::default();
    let mut text = String::new();
    let ev = &mut *cx.events;
    ev.reserve_exact(r.len());
    for i in 0..r.len() {
        let code_class = match r.code[i] {
            c @ (429 | 401 | 403) => c,
            500..=599 => 500,
            _ => 0,
        };
        let kind = *kinds.entry((r.verb[i], code_class)).or_insert_with(|| {
            let (name, severity) = kind_of(d.str(r.verb[i]), code_class);
            ev.kind_id(&name, severity)
        });
        let label = *labels
            .entry((r.verb[i], r.resource[i], r.subresource[i]))
            .or_insert_with(|| {
                text.clear();
                text.push_str(&d.str(r.verb[i]).to_uppercase());
                text.push(' ');
                text.push_str(d.str(r.resource[i]));
                if r.subresource[i] != 0 {
                    text.push('/');
                    text.push_str(d.str(r.subresource[i]));
                }
                ev.labels.intern(&text)
            });
        // One lane per user, grouped under `audit` on the timeline.
        let lane = *lanes.entry(r.user[i]).or_insert_with(|| {
            let user = d.str(r.user[i]);
            text.clear();
            text.push_str("audit/");
            text.push_str(if user.is_empty() { "(no user)" } else { user });
            ev.lanes.intern(&text)
        });
        let time = if r.received[i] != NO_TIME {
            r.received[i]
        } else {
            r.done[i]
        };
        let ids = EventIds { kind, lane, label };
        ev.push_ids(time, ids, r.line[i] as u64, r.offset[i], r.len[i] as u64);
    }
}
