//! The streaming node-log parser: each line goes through the recognizer chain
//! ([`super::lines`]); a recognized line is one entry, with its own time, lane and severity;
//! a headerless line continues the current entry only when it really continues it
//! (`Parser::continues`), else it is a plain-text entry of its own. Headerless lines before
//! the first entry are held: a preamble when an entry follows, the content when none does.
//!
//! The submodules hold the rest of the parser: `wrappers` (CRI, journald, Docker and JSON
//! lines), `headers` (the klog file header block, journal markers), `headless` (held,
//! continuing and plain-text lines), `entry` (one entry → one timeline event), `dumps`
//! (goroutine dumps inside the log), `finish` (years, zone and labels at the end).

mod dumps;
mod entry;
mod finish;
mod headers;
mod headless;
mod wrappers;

use super::lines::{kernel, Head, LineFormat, Recognize};
use super::templates::Miner;
use super::years::Years;
use super::PanicRange;
use crate::diag::DiagKind;
use crate::lines::LineAt;
use crate::parse::{FileMeta, ParseCx};
use crate::time::{Micros, NO_TIME};
use dumps::Dumps;
use std::collections::BTreeMap;

/// An unfinished CRI `P` (partial) entry.
struct Partial {
    line: u64,
    offset: u64,
    time: Micros,
    buf: Vec<u8>,
}

/// Streaming node-log parser; see the module docs.
pub struct Parser {
    comp_guess: String,
    last_modified_ms: Option<i64>,
    host: Option<String>,
    file_lane: String,
    years: Years,
    miner: Miner,
    /// Classes of the messages seen so far.
    classes: super::classes::Remembered,
    /// Class and template of the messages seen lately whose class and template read one text.
    joint: super::recent::Recent<(Option<u16>, u32)>,
    /// The template of the entry being emitted, when `joint` (or its miss) gave it.
    known_template: Option<u32>,
    /// Label id → (template id, label suffix such as ` [code=Unavailable]`).
    label_tid: Vec<(u32, Option<Box<str>>)>,
    cur: Option<usize>,
    /// The current record is a klog line behind a per-line time (`kubectl logs --timestamps`,
    /// CRI): its time, for the unheaded lines of the same message that follow it.
    cur_stamped_klog: Option<Micros>,
    cur_time: Micros,
    /// `cur_time`'s year is provisional (see [`years`]).
    cur_prov: bool,
    /// The sample showed several line formats (a journal of several units, one entry per
    /// line): plain lines are records of their own, and lanes name each line's format.
    mixed: bool,
    /// Lanes of the file's lines per line format (plain text last), when `mixed`.
    mixed_lanes: Vec<String>,
    /// Headerless lines seen before the first entry, held until the file shows whether they
    /// are a preamble (an entry follows: skipped) or its content (none does: records).
    before: Vec<(Vec<u8>, LineAt)>,
    before_bytes: usize,
    /// An entry was emitted, or the lines held in `before` were settled.
    started: bool,
    /// The per-line recognizer chain (dominant format first).
    recognize: Recognize,
    /// The current entry is plain text (no header): headerless lines after it are entries of
    /// their own unless they continue it by their look (a plain-text file, `dmesg` output).
    cur_plain: bool,
    /// Lines that continue the previous record, and lines read as file headers.
    continuations: u64,
    header_lines: u64,
    ml_value: bool,
    panic: Option<(usize, u32)>,
    panics: Vec<PanicRange>,
    partial: Option<Partial>,
    pending_boot: Option<(u64, u64, u64)>,
    zone_samples: Vec<i64>,
    kinds: BTreeMap<String, u64>,
    shapes: [u64; 12],
    klog_headers: u32,
    journal_utc: Option<bool>,
    zone_assumed: bool,
    scratch: Vec<u8>,
    lanes: Vec<(String, String, String)>,
    /// Kind slot (see `kind_of_slot`) → kind id in the event store.
    slot_kind: Vec<u16>,
    /// Entries per kind slot.
    slot_count: Vec<u64>,
    /// Last lane text and its id.
    lane_cache: (String, u32),
    /// The entry being emitted has a true UTC time from a wrapper (zone derivation).
    utc_wrapper: bool,
    /// Template id → label id (labels without suffix).
    tid_label: Vec<u32>,
    /// The file's name, for the embedded goroutine parser.
    name: String,
    /// Created on the first dump line.
    dumps: Option<Box<Dumps>>,
    /// Lane and event of the last dump line fed (`u32::MAX`: none yet).
    dump_lane: u32,
    dump_owner: u32,
    /// Log entries on `dump_lane` since the last dump line.
    dump_lane_entries: u32,
}

/// Components recognized in file names, for lanes of files that do not name themselves.
const COMPONENTS: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "cloud-controller-manager",
    "kubelet",
    "containerd",
    "dockerd",
    "docker",
    "crio",
    "etcd",
    "k3s",
    "kernel",
    "dmesg",
    "coredns",
];

/// Whether a sample's lines are of several formats: at least two of the formats that name no
/// source themselves (klog, logrus, JSON logs, ISO text) each claim two lines or more.
fn mixed(sample: &[&[u8]]) -> bool {
    let mut n = [0u32; 12];
    for l in sample {
        if let Some((f, _)) = super::lines::recognize(l) {
            n[f as usize] += 1;
        }
    }
    [
        LineFormat::Klog,
        LineFormat::Logfmt,
        LineFormat::JsonLog,
        LineFormat::Iso,
    ]
    .iter()
    .filter(|f| n[**f as usize] >= 2)
    .count()
        >= 2
}

impl Parser {
    /// Headerless lines held before the first entry, at most (then they are read as content).
    const BEFORE_LINES: usize = 4096;
    const BEFORE_BYTES: usize = 1 << 20;

    /// A parser for a file, knowing nothing of its content yet.
    pub fn new(meta: &FileMeta) -> Self {
        Self::for_sample(meta, &[])
    }

    /// A parser for a file whose first lines are `sample` (the registry's sniffing sample):
    /// a sample of several line formats makes the file `mixed` (see the module docs).
    pub fn for_sample(meta: &FileMeta, sample: &[&[u8]]) -> Self {
        let base = source_name(&meta.name).to_string();
        let comp_guess = COMPONENTS
            .iter()
            .find(|c| base.contains(*c))
            .map(|c| c.to_string())
            .unwrap_or(base);
        Parser {
            file_lane: comp_guess.clone(),
            comp_guess,
            last_modified_ms: meta.last_modified_ms,
            host: None,
            years: Years::default(),
            miner: Miner::default(),
            classes: Default::default(),
            joint: Default::default(),
            known_template: None,
            label_tid: Vec::new(),
            cur: None,
            cur_stamped_klog: None,
            cur_time: NO_TIME,
            cur_prov: false,
            mixed: mixed(sample),
            mixed_lanes: vec![String::new(); LineFormat::ALL.len() + 1],
            before: Vec::new(),
            before_bytes: 0,
            started: false,
            recognize: Recognize::default(),
            cur_plain: false,
            continuations: 0,
            header_lines: 0,
            ml_value: false,
            panic: None,
            panics: Vec::new(),
            partial: None,
            pending_boot: None,
            zone_samples: Vec::new(),
            kinds: BTreeMap::new(),
            shapes: [0; 12],
            klog_headers: 0,
            journal_utc: None,
            zone_assumed: false,
            scratch: Vec::new(),
            lanes: Vec::new(),
            slot_kind: Vec::new(),
            slot_count: Vec::new(),
            lane_cache: (String::new(), u32::MAX),
            utc_wrapper: false,
            tid_label: Vec::new(),
            name: meta.name.clone(),
            dumps: None,
            dump_lane: u32::MAX,
            dump_owner: u32::MAX,
            dump_lane_entries: 0,
        }
    }

    fn count(&mut self, s: LineFormat) {
        self.shapes[s as usize] += 1;
    }

    /// Read one line; see the module docs.
    pub fn line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        self.line_with(line, at, cx, None)
    }

    /// [`Self::line`], given the line's klog header when it was read ahead (on another thread:
    /// [`crate::ingest::Ahead`]). Recognizers are exclusive, so a line with a klog header is
    /// what the chain would have found.
    pub fn line_with(
        &mut self,
        line: &[u8],
        at: LineAt,
        cx: &mut ParseCx<'_>,
        klog: Option<super::lines::klog::KlogHead>,
    ) {
        let end = at.offset + line.len() as u64;
        if self.ml_value {
            let payload = value_payload(line);
            // A klog header ends a value left open (a `>` line lost, a file cut): the rest of
            // the file must not become one record's continuation.
            if super::lines::klog::klog(payload).is_none() {
                self.extend(cx, line, at, end);
                if trim_start(payload).first() == Some(&b'>') {
                    self.ml_value = false;
                }
                return;
            }
            self.ml_value = false;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            if self.cur.is_some() && self.partial.is_none() {
                self.extend(cx, line, at, end);
            } else if !self.started && !self.before.is_empty() {
                self.hold(line, at, cx);
            } else {
                cx.diags
                    .skip(at.line, at.offset, DiagKind::Ignored, "blank line");
            }
            return;
        }
        let found = match klog {
            Some(h) => Some((LineFormat::Klog, Head::Klog(h))),
            None => self.recognize.line(line),
        };
        let Some((format, head)) = found else {
            if line[0] == b'{' {
                // JSON that no recognizer claims: read as a JSON log if it has a message.
                return self.json(None, line, at, end, cx);
            }
            return self.orphan(line, at, end, cx);
        };
        match head {
            Head::JournalJson | Head::DockerJson | Head::JsonLog => {
                self.json(Some(format), line, at, end, cx)
            }
            Head::KlogFile(f) => self.klog_file_line(f, line, at, end, cx),
            Head::Marker(m) => self.marker(m, at, end, cx),
            Head::Dmesg { time, msg } => self.dmesg_line(line, time, msg, at, end, cx),
            Head::Cri {
                time,
                zoned,
                partial,
                msg,
            } => self.cri_line(line, time, zoned, partial, msg, at, end, cx),
            Head::JournalIso {
                time,
                zoned,
                host,
                ident,
                msg,
            } => {
                self.count(LineFormat::JournalIso);
                self.stamped(time, zoned, cx);
                let lane = self.lane_for(host, ident);
                let msg = &line[msg..];
                self.entry_with_inner(cx, at, end - at.offset, time, false, None, &lane, msg, msg);
            }
            Head::Iso {
                time,
                zoned,
                end: i,
            } => {
                self.count(LineFormat::Iso);
                let msg = trim_start(&line[i..]);
                if self.continues_stamped(time, msg) {
                    self.extend(cx, line, at, end);
                    return;
                }
                self.stamped(time, zoned, cx);
                let lane = self.take_lane(Some(format));
                self.entry_with_inner(cx, at, end - at.offset, time, false, None, &lane, line, msg);
                self.put_lane(Some(format), lane);
                self.stamped_record(time, msg);
            }
            Head::Klog(h) => {
                self.count(LineFormat::Klog);
                let (t, prov) = self.years.date(&h.when);
                self.zone_assumed = true;
                let lane = self.take_lane(Some(format));
                self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, line, line);
                self.put_lane(Some(format), lane);
            }
            Head::Syslog { when, end: i } => self.syslog_line(line, when, i, at, end, cx),
            Head::Logfmt(l) => {
                self.count(LineFormat::Logfmt);
                let t = l.time.unwrap_or(self.cur_time);
                if let Some(t) = l.time {
                    self.anchor_from(t, cx);
                }
                let lane = self.take_lane(Some(format));
                self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, line, line);
                self.put_lane(Some(format), lane);
            }
        }
    }

    /// The lane for a line of `format` (`None`: plain text) that names no source itself: the
    /// file's lane, or in a `mixed` file the file's lane and the line's format. Taken out and
    /// put back ([`Self::put_lane`]) so the hot path does not allocate.
    /// Whether a line stamped `time` whose payload is `msg` continues the current record:
    /// `kubectl logs --timestamps` and the CRI log format stamp every line of a multi-line
    /// message with the time it was written, so an unheaded line stamped exactly like the klog
    /// record before it is that record's next line, as it is in the unstamped file.
    fn continues_stamped(&self, time: Micros, msg: &[u8]) -> bool {
        self.cur.is_some()
            && self.cur_stamped_klog == Some(time)
            && super::lines::klog::klog(msg).is_none()
    }

    /// After a stamped record with payload `msg`: remember it if it is a klog line.
    fn stamped_record(&mut self, time: Micros, msg: &[u8]) {
        self.cur_stamped_klog = super::lines::klog::klog(msg).is_some().then_some(time);
    }

    fn take_lane(&mut self, format: Option<LineFormat>) -> String {
        if !self.mixed {
            return std::mem::take(&mut self.file_lane);
        }
        let i = format.map_or(LineFormat::ALL.len(), |f| f as usize);
        if self.mixed_lanes[i].is_empty() {
            let short = format.map_or("text", LineFormat::short);
            self.mixed_lanes[i] = format!("{}/{short}", self.file_lane);
        }
        std::mem::take(&mut self.mixed_lanes[i])
    }

    fn put_lane(&mut self, format: Option<LineFormat>, lane: String) {
        if !self.mixed {
            self.file_lane = lane;
        } else {
            self.mixed_lanes[format.map_or(LineFormat::ALL.len(), |f| f as usize)] = lane;
        }
    }

    /// A full timestamp: anchors yearless ones; a zone-less one is read as UTC.
    fn stamped(&mut self, t: Micros, zoned: bool, cx: &mut ParseCx<'_>) {
        if !zoned {
            self.zone_assumed = true;
        }
        self.anchor_from(t, cx);
    }

    fn dmesg_line(
        &mut self,
        line: &[u8],
        t: Option<Micros>,
        m: usize,
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        self.count(LineFormat::Dmesg);
        let msg = &line[m.min(line.len())..];
        if self.cur.is_some() && kernel::kernel_cont(msg) {
            return self.extend(cx, line, at, end);
        }
        if let Some(t) = t {
            self.anchor_from(t, cx);
            self.zone_assumed = true;
        }
        let lane = match &self.host {
            Some(h) => format!("{h}/kernel"),
            None => "kernel".to_string(),
        };
        self.entry_with_inner(
            cx,
            at,
            end - at.offset,
            t.unwrap_or(NO_TIME),
            false,
            None,
            &lane,
            msg,
            msg,
        );
    }

    /// `host/component` lane text, cached (journal files repeat a few dozen pairs).
    fn lane_for(&mut self, host: &[u8], ident: &[u8]) -> String {
        let ident = super::lines::journal_json::normalize_component(
            std::str::from_utf8(ident).unwrap_or("?"),
        );
        let host = std::str::from_utf8(host).unwrap_or("?");
        if let Some((_, _, l)) = self.lanes.iter().find(|(h, c, _)| h == host && c == ident) {
            return l.clone();
        }
        let l = format!("{host}/{ident}");
        if self.lanes.len() < 256 {
            self.lanes
                .push((host.to_string(), ident.to_string(), l.clone()));
        }
        if self.host.is_none() {
            self.host = Some(host.to_string());
        }
        l
    }
}

/// The name that says what wrote a file: its own, or — for the generic names the kubelet and
/// must-gather give container logs (`/var/log/pods/…/kube-proxy/0.log`,
/// `…/kube-apiserver/logs/current.log`) — its container's directory.
fn source_name(path: &str) -> &str {
    let mut parts = path.rsplit(['/', '\\']).filter(|p| !p.is_empty());
    let base = parts.next().unwrap_or(path);
    let numbered = |n: &str| {
        n.strip_suffix(".log")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|c| c.is_ascii_digit()))
    };
    let generic = matches!(
        base,
        "current.log" | "previous.log" | "current.insecure.log" | "previous.insecure.log"
    ) || numbered(base);
    if !generic {
        return base;
    }
    parts.find(|d| *d != "logs").unwrap_or(base)
}

/// A line inside a multi-line klog value, without the prefix its writer put on every line:
/// `kubectl logs --timestamps` (and must-gather's `current.log`) an RFC 3339 time, the CRI log
/// format a time and `stdout F`.
fn value_payload(line: &[u8]) -> &[u8] {
    let Some((_, i, _)) = super::stamp::iso(line) else {
        return line;
    };
    let rest = &line[i..];
    if super::lines::cri::is_stream(rest) {
        return rest.get(10..).unwrap_or_default();
    }
    rest.strip_prefix(b" ").unwrap_or(rest)
}

fn trim_start(b: &[u8]) -> &[u8] {
    let i = b
        .iter()
        .position(|c| *c != b' ' && *c != b'\t')
        .unwrap_or(b.len());
    &b[i..]
}
