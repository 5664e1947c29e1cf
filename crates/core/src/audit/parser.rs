//! The audit log reader: lines to documents (JSON lines, `EventList`s, JSON arrays,
//! pretty-printed JSON spanning lines, the managed clouds' wrappings, a CSV query result), and
//! documents to events in the store, with a diagnostic for whatever is not one.
//!
//! Reading the parts of one file in parallel and joining them is in `merge` and `wire`, which
//! is why the parser's state is visible to its siblings.

use super::decode::parse_event;
use super::frame::{array_elements, object_field, Depth, Scan};
use super::parse::{Builder, Loc, RawEvent};
use super::store::Data;
use super::timeline::push_timeline;
use super::{cloud, csv};
use crate::diag::DiagKind;
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};

/// Document shapes seen, for the file's detail line.
const SHAPE_LINES: u8 = 1;
const SHAPE_PRETTY: u8 = 2;
const SHAPE_LIST: u8 = 4;
const SHAPE_ARRAY: u8 = 8;

/// A document spanning several lines, being collected.
pub(super) struct MultiLine {
    buf: Vec<u8>,
    /// (position in `buf`, file offset, line number) of each collected line.
    pub(super) map: Vec<(usize, u64, u64)>,
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
    pub(super) b: Box<Builder>,
    pub(super) multi: Option<MultiLine>,
    pub(super) shapes: u8,
    /// Cloud wrappings seen, in order of first appearance.
    pub(super) cloud_shapes: Vec<std::borrow::Cow<'static, str>>,
    /// Set when the first line is an `audit_requests` CSV header: the rows are read by `csv`.
    pub(super) csv: Option<csv::Reader>,
    /// A line with content was seen (only the first may be a CSV header).
    pub(super) started: bool,
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

    pub(super) fn note_shape(&mut self, shape: impl Into<std::borrow::Cow<'static, str>>) {
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
