//! Node and component logs: klog (text, `--log-file` files, structured, JSON), journald
//! (`journalctl` short/short-precise/short-iso, `-r`, `-o json`), containerd/logrus, CRI container
//! logs, Docker json-file and the kernel ring buffer — auto-detected per line, wrappers peeled
//! one by one (journald → klog, CRI → klog, Docker → logrus …).
//!
//! Every log entry becomes one timeline event: kind = class name from [`classes`] (or `log`),
//! severity = the class's (or the entry's level), lane = `host/component` (or the file's name),
//! label = the entry's message template ([`templates`]). Lines without a header continue the
//! previous entry; a Go panic inside a log is kept as one `panic` event spanning its trace, its
//! line range recorded in [`Data::panics`]. Timestamps without a year are dated by [`years`].
//!
//! The lines of a panic or goroutine dump (and containerd's logrus `=== BEGIN goroutine stack
//! dump ===` message) are also handed to an embedded [`goroutine::Parser`]; its result is
//! [`Data::goroutines`], so the goroutine analyses see dumps printed inside logs. It reads with
//! its own diagnostics and events: the log's entries, events and counts are those of the log.

pub mod classes;
pub mod journal;
pub mod payload;
pub mod report;
pub mod stamp;
pub mod templates;
pub mod years;

pub use report::{templates_report, TemplateRow, TemplatesQuery, TemplatesReport};
pub use years::{resolve_years, TimeInfo, YearSource};

use crate::diag::{DiagKind, Diagnostics};
use crate::event::{EventStore, NewEvent, Severity};
use crate::goroutine;
use crate::ingest::{FileMeta, ParseCx};
use crate::lines::LineAt;
use crate::time::{Micros, NO_TIME};
use payload::KlogHead;
use serde::{Deserialize, Serialize};
use stamp::Yearless;
use std::collections::BTreeMap;
use templates::{Miner, Template};
use years::Years;

/// Confidence that the sample is a node log; see the module docs for what is recognized.
pub fn sniff(sample: &[&[u8]]) -> u32 {
    let mut n = 0u32;
    let mut hits = 0u32;
    let mut kernel = 0u32;
    let mut kernel_first = false;
    for l in sample
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
    {
        n += 1;
        if n == 1
            && (l.starts_with(b"Log file created at: ")
                || l.starts_with(b"-- Logs begin at ")
                || l.starts_with(b"-- Journal begins at "))
        {
            return 95;
        }
        if shape_of(l).is_some() {
            hits += 1;
        } else if KERNEL_WORDS
            .iter()
            .any(|w| memchr::memmem::find(l, w.as_bytes()).is_some())
        {
            kernel += 1;
            kernel_first |= n == 1;
        }
    }
    if n == 0 {
        return 0;
    }
    if hits > 0 {
        return 50 + 45 * hits / n;
    }
    // Timestamp-less kernel text must open with a kernel message (or be mostly kernel words),
    // so prose that mentions the kernel is not taken for a log.
    if kernel_first || kernel * 10 >= n * 3 {
        return 30;
    }
    0
}

/// Words that mark kernel ring-buffer text without timestamps (`dmesg` output).
const KERNEL_WORDS: &[&str] = &[
    "EXT4-fs",
    "aufs",
    "unregister_netdevice",
    "Memory cgroup",
    "Killed process",
    "INFO: task",
    "BUG: ",
    "divide error",
    "Oops",
    "Call Trace",
    "segfault",
    "oom-kill",
    "Out of memory",
    "blocked for more than",
    "Kernel panic",
    "kernel:",
];

/// The line shapes recognized without context (used by [`sniff`] and [`Data::shapes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Klog,
    KlogFileHeader,
    JournalJson,
    DockerJson,
    JsonLog,
    Cri,
    JournalIso,
    Iso,
    Syslog,
    Logfmt,
    JournalMarker,
    Dmesg,
}

impl Shape {
    const ALL: [Shape; 12] = [
        Shape::Klog,
        Shape::KlogFileHeader,
        Shape::JournalJson,
        Shape::DockerJson,
        Shape::JsonLog,
        Shape::Cri,
        Shape::JournalIso,
        Shape::Iso,
        Shape::Syslog,
        Shape::Logfmt,
        Shape::JournalMarker,
        Shape::Dmesg,
    ];

    fn label(self) -> &'static str {
        match self {
            Shape::Klog => "klog",
            Shape::KlogFileHeader => "klog file (--log-file)",
            Shape::JournalJson => "journalctl -o json",
            Shape::DockerJson => "Docker json-file",
            Shape::JsonLog => "JSON log (klog/zap)",
            Shape::Cri => "CRI container log",
            Shape::JournalIso => "journalctl -o short-iso",
            Shape::Iso => "ISO-timestamped text",
            Shape::Syslog => "journalctl short / syslog",
            Shape::Logfmt => "logrus/logfmt (containerd)",
            Shape::JournalMarker => "journalctl marker",
            Shape::Dmesg => "kernel ring buffer (dmesg)",
        }
    }
}

fn shape_of(l: &[u8]) -> Option<Shape> {
    match l.first()? {
        b'{' => {
            if memchr::memmem::find(l, b"\"__REALTIME_TIMESTAMP\"").is_some() {
                Some(Shape::JournalJson)
            } else if l.starts_with(b"{\"log\":")
                && memchr::memmem::find(l, b"\"stream\"").is_some()
            {
                Some(Shape::DockerJson)
            } else if memchr::memmem::find(l, b"\"msg\"").is_some()
                && (memchr::memmem::find(l, b"\"ts\"").is_some()
                    || memchr::memmem::find(l, b"\"level\"").is_some())
            {
                Some(Shape::JsonLog)
            } else {
                None
            }
        }
        b'L' if l.starts_with(b"Log file created at: ") => Some(Shape::KlogFileHeader),
        b'-' => journal::marker(l).map(|_| Shape::JournalMarker),
        b'[' => dmesg(l).map(|_| Shape::Dmesg),
        b'0'..=b'9' => {
            let (_, i, _) = stamp::iso(l)?;
            let rest = &l[i..];
            if rest.starts_with(b" stdout ") || rest.starts_with(b" stderr ") {
                Some(Shape::Cri)
            } else if journal::syslog_tail(l, i).is_some() {
                Some(Shape::JournalIso)
            } else {
                Some(Shape::Iso)
            }
        }
        _ => {
            if payload::klog(l).is_some() {
                Some(Shape::Klog)
            } else if stamp::syslog(l).is_some() {
                Some(Shape::Syslog)
            } else if payload::logfmt(l).is_some() {
                Some(Shape::Logfmt)
            } else {
                None
            }
        }
    }
}

/// `[  123.456789] msg` (seconds since boot) or `[Mon Dec 13 16:58:30 2017] msg` (`dmesg -T`).
/// Returns the wall time if the stamp has one, and the message index.
fn dmesg(l: &[u8]) -> Option<(Option<Micros>, usize)> {
    let close = memchr::memchr(b']', &l[..l.len().min(40)])?;
    let inner = &l[1..close];
    let mut msg = close + 1;
    if l.get(msg) == Some(&b' ') {
        msg += 1;
    }
    let t = inner
        .iter()
        .position(|c| *c != b' ')
        .map_or(inner, |i| &inner[i..]);
    if !t.is_empty() && t.iter().all(|c| c.is_ascii_digit() || *c == b'.') && t.contains(&b'.') {
        return Some((None, msg));
    }
    // `Mon Dec 13 16:58:30 2017`
    if t.len() >= 24 && t[3] == b' ' {
        let (y, end) = stamp::syslog(&t[4..])?;
        let year = stamp::digits(&t[4..], end + 1, 4)?;
        return Some((y.in_year(year as i32), msg));
    }
    None
}

/// Kernel oops / hung-task continuation lines (register dumps, stacks, module lists).
fn kernel_cont(l: &[u8]) -> bool {
    const P: &[&str] = &[
        "Tainted:",
        "\"echo 0 >",
        "Call Trace:",
        "Code:",
        "RIP",
        "RSP",
        "Stack:",
        "Modules linked in:",
        "CPU:",
        "Hardware name:",
        "task:",
        "RAX:",
        "RBX:",
        "RCX:",
        "RDX:",
        "RSI:",
        "RDI:",
        "RBP:",
        "R08:",
        "R09:",
        "R10:",
        "R11:",
        "R12:",
        "R13:",
        "R14:",
        "R15:",
        "FS:",
        "GS:",
        "CS:",
        "CR2:",
        "IP:",
        "PGD",
        "PUD",
        "PMD",
        "PTE",
        "Oops:",
        "---[ end",
        "<TASK>",
        "</TASK>",
        "Workqueue:",
        "Mem-Info:",
        "? ",
    ];
    if matches!(l.first(), Some(b' ' | b'\t')) || P.iter().any(|p| l.starts_with(p.as_bytes())) {
        return true;
    }
    // `umount.aufs     D ffff8802111a9848     0 21568  21567 0x00000000` (task state line)
    let mut it = l.split(|c| *c == b' ').filter(|t| !t.is_empty());
    let (_, st, hex) = (it.next(), it.next(), it.next());
    matches!(st, Some([b'D' | b'R' | b'S' | b'T' | b'Z']))
        && hex.is_some_and(|h| h.len() >= 8 && h.iter().all(u8::is_ascii_hexdigit))
}

/// A Go panic found inside a log, kept whole for the goroutine view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanicRange {
    /// First and last line of the panic text (1-based, inclusive).
    pub line: u64,
    pub end_line: u64,
    /// Byte range in the (decompressed) file, to re-read and hand to the goroutine parser.
    pub offset: u64,
    pub len: u64,
    pub lane: String,
    pub time: Micros,
    /// The panic's first line (`panic: runtime error: …`), cut to 200 bytes.
    pub first: String,
}

/// What reading a node log keeps (besides its events); see the module docs.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    /// Mined message templates with counts; event labels are these texts.
    pub templates: Vec<Template>,
    /// Log entries per event kind (`log` = unclassified).
    pub kinds: BTreeMap<String, u64>,
    pub panics: Vec<PanicRange>,
    pub time: TimeInfo,
    /// Host named by the file (klog `Running on machine:`, journald `_HOSTNAME`).
    pub host: Option<String>,
    /// Lines per recognized shape (`klog`, `journalctl -o json` …).
    pub shapes: BTreeMap<String, u64>,
    /// klog file headers after the first: process restarts within one `--log-file`.
    pub restarts: u32,
    /// Goroutine dumps printed inside the log (panic traces, SIGQUIT/SIGUSR1 dumps), read by
    /// the goroutine parser; `None` when the log holds none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goroutines: Option<goroutine::Data>,
    /// Per snapshot of [`Self::goroutines`]: the index of the log event it sits in, whose
    /// time it takes (`u32::MAX` when the dump carries its own time, e.g. logrus `time=`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dump_events: Vec<u32>,
}

impl Data {
    /// Give embedded dump snapshots the (possibly re-dated) time of the log event they sit in.
    /// Run after the file's event times change ([`resolve_years`] does; a manual time
    /// correction should too).
    pub fn sync_dump_times(&mut self, events: &EventStore) {
        let Some(g) = &mut self.goroutines else {
            return;
        };
        for (s, &e) in g.snapshots.iter_mut().zip(&self.dump_events) {
            if let Some(&t) = events.time.get(e as usize) {
                s.time = t;
            }
        }
    }
}

/// [`Data::sync_dump_times`] for a parsed file (no-op for other formats).
pub fn sync_dump_times(f: &mut crate::ingest::ParsedFile) {
    if let crate::format::FormatData::NodeLog(d) = &mut f.data {
        d.sync_dump_times(&f.events);
    }
}

/// A dump's text starts a containerd-style logrus message (`msg="=== BEGIN goroutine …`).
fn starts_dump_message(text: &[u8]) -> bool {
    text.starts_with(b"=== BEGIN goroutine stack dump")
}

/// Goroutine dumps inside the log: an embedded goroutine parser writing to its own
/// diagnostics and events, so the log's results stay those of its log lines.
struct Dumps {
    parser: goroutine::Parser,
    diags: Diagnostics,
    events: EventStore,
    records: u64,
    detail: String,
    notes: Vec<String>,
    /// (first line fed for a log event, that event's index), in file order.
    owners: Vec<(u64, u32)>,
}

impl Dumps {
    fn new(name: &str) -> Self {
        let meta = FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        };
        Dumps {
            parser: goroutine::Parser::new(&meta),
            diags: Diagnostics::default(),
            events: EventStore::default(),
            records: 0,
            detail: String::new(),
            notes: Vec::new(),
            owners: Vec::new(),
        }
    }

    /// Feed one line of dump text (wrappers the log parser removed are gone; `end` is the
    /// offset past the whole line) belonging to log event `owner`. `ended`: the dump read so
    /// far ended before this line (a log entry of its process came in between).
    fn feed(&mut self, text: &[u8], at: LineAt, end: u64, owner: u32, ended: bool) {
        let mut cx = ParseCx {
            diags: &mut self.diags,
            events: &mut self.events,
            records: &mut self.records,
            detail: &mut self.detail,
            notes: &mut self.notes,
        };
        if ended {
            self.parser.end_dump(&mut cx);
        }
        if self.owners.last().is_none_or(|&(_, o)| o != owner) && self.owners.len() < 1 << 20 {
            self.owners.push((at.line, owner));
        }
        self.parser.line_in(text, at, end, &mut cx);
    }

    /// The dumps read, and per snapshot the log event whose time it takes.
    fn finish(mut self) -> (Option<goroutine::Data>, Vec<u32>) {
        let mut cx = ParseCx {
            diags: &mut self.diags,
            events: &mut self.events,
            records: &mut self.records,
            detail: &mut self.detail,
            notes: &mut self.notes,
        };
        let data = self.parser.finish(&mut cx);
        if data.snapshots.is_empty() {
            return (None, Vec::new());
        }
        let owners = &self.owners;
        let events = data
            .snapshots
            .iter()
            .map(|s| {
                if s.time != NO_TIME {
                    return u32::MAX;
                }
                let i = owners.partition_point(|&(l, _)| l <= s.line);
                i.checked_sub(1).map_or(u32::MAX, |i| owners[i].1)
            })
            .collect();
        (Some(data), events)
    }
}

/// Where the template text of an entry lives.
enum Tmpl {
    Range(usize, usize),
    Scratch,
}

/// The innermost payload of an entry.
struct Inner {
    sev: Option<Severity>,
    /// Time of an inner klog header (for zone derivation) — yearless.
    klog: Option<Yearless>,
    tmpl: Tmpl,
    /// Structured klog value continues on the next lines (`key=<`).
    multiline: bool,
    panic: bool,
    /// Inner payload is itself headed (klog/logfmt/json): it cannot be a panic trace line.
    headed: bool,
    /// Start of the klog message body (0 without a klog header): classification skips the
    /// header, a third of a typical line.
    body: usize,
    /// The klog header names `httplog.go` (apiserver request log).
    httplog: bool,
}

/// Peel the innermost payload of `msg` (see [`Inner`]).
fn inner(msg: &[u8], scratch: &mut Vec<u8>) -> Inner {
    let mut out = Inner {
        sev: None,
        klog: None,
        tmpl: Tmpl::Range(0, msg.len()),
        multiline: false,
        panic: false,
        headed: false,
        body: 0,
        httplog: false,
    };
    if let Some(KlogHead { sev, when, msg: m }) = payload::klog(msg) {
        out.sev = Some(sev);
        out.klog = Some(when);
        out.headed = true;
        out.body = m.min(msg.len());
        // The `file:line]` token ends the header; only its start needs checking.
        let hdr = &msg[..out.body];
        let file = hdr[..hdr.len().saturating_sub(2)]
            .iter()
            .rposition(|c| *c == b' ')
            .map_or(0, |p| p + 1);
        out.httplog = hdr[file..].starts_with(b"httplog.go");
        let body = &msg[m.min(msg.len())..];
        scratch.clear();
        if payload::structured_key(body, scratch) {
            out.tmpl = Tmpl::Scratch;
            out.multiline = body.ends_with(b"=<");
        } else {
            out.tmpl = Tmpl::Range(m.min(msg.len()), msg.len());
            out.panic = payload::starts_panic(body);
        }
        return out;
    }
    if let Some(l) = payload::logfmt(msg) {
        out.sev = l.sev;
        out.headed = true;
        let start = (l.msg.as_ptr() as usize)
            .checked_sub(msg.as_ptr() as usize)
            .filter(|s| s + l.msg.len() <= msg.len())
            .unwrap_or(msg.len());
        out.tmpl = Tmpl::Range(start, start + l.msg.len().min(msg.len() - start));
        return out;
    }
    if msg.first() == Some(&b'{') {
        if let Ok(j) = serde_json::from_slice::<payload::JsonLog>(msg) {
            out.sev = Some(j.sev());
            out.headed = true;
            scratch.clear();
            scratch.extend_from_slice(j.text().as_bytes());
            out.tmpl = Tmpl::Scratch;
            return out;
        }
    }
    // Kernel messages carry `[  12.345678] ` when relayed by journald text outputs.
    if msg.first() == Some(&b'[') {
        if let Some((_, m)) = dmesg(msg) {
            out.tmpl = Tmpl::Range(m, msg.len());
        }
    }
    out.panic = payload::starts_panic(msg);
    out
}

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
    /// Label id → (template id, label suffix such as ` [code=Unavailable]`).
    label_tid: Vec<(u32, Option<Box<str>>)>,
    cur: Option<usize>,
    cur_time: Micros,
    /// `cur_time`'s year is provisional (see [`years`]).
    cur_prov: bool,
    bare: Option<bool>,
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

/// Kind name and severity of a kind slot: the classes, then `panic`, then `log` per level.
fn kind_of_slot(slot: usize) -> (&'static str, Severity) {
    const LOG: [(&str, Severity); 5] = [
        ("log.debug", Severity::Debug),
        ("log", Severity::Info),
        ("log.warning", Severity::Warning),
        ("log.error", Severity::Error),
        ("log.critical", Severity::Critical),
    ];
    let n = classes::CLASSES.len();
    if slot < n {
        (classes::CLASSES[slot].name, classes::CLASSES[slot].severity)
    } else if slot == n {
        ("panic", Severity::Critical)
    } else {
        LOG[(slot - n - 1).min(4)]
    }
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

impl Parser {
    pub fn new(meta: &FileMeta) -> Self {
        let base = meta
            .name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(&meta.name)
            .to_string();
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
            label_tid: Vec::new(),
            cur: None,
            cur_time: NO_TIME,
            cur_prov: false,
            bare: None,
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

    fn count(&mut self, s: Shape) {
        self.shapes[s as usize] += 1;
    }

    /// Read one line; see the module docs.
    pub fn line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        let end = at.offset + line.len() as u64;
        if self.ml_value {
            self.extend(cx, line, at, end);
            let t = line
                .iter()
                .position(|c| *c != b' ' && *c != b'\t')
                .map_or(&b""[..], |i| &line[i..]);
            if t.first() == Some(&b'>') {
                self.ml_value = false;
            }
            return;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            if self.cur.is_some() && self.partial.is_none() {
                self.extend(cx, line, at, end);
            } else {
                cx.diags
                    .skip(at.line, at.offset, DiagKind::Ignored, "blank line");
            }
            return;
        }
        match line[0] {
            b'{' => return self.json(line, at, end, cx),
            b'L' if line.starts_with(b"Log file created at: ") => {
                return self.klog_file_header(line, at, cx)
            }
            b'R' if line.starts_with(b"Running on machine: ") => {
                let h = String::from_utf8_lossy(&line[20..]).trim().to_string();
                self.set_host(h);
                return;
            }
            b'B' if line.starts_with(b"Binary: ") && self.klog_headers > 0 => return,
            b'L' if line.starts_with(b"Log line format: ") && self.klog_headers > 0 => return,
            b'-' => {
                if let Some(m) = journal::marker(line) {
                    return self.marker(m, at, end, cx);
                }
            }
            b'[' => {
                if let Some((t, m)) = dmesg(line) {
                    return self.dmesg_line(line, t, m, at, end, cx);
                }
            }
            b'0'..=b'9' => {
                if let Some(iso) = stamp::iso(line) {
                    return self.iso_line(line, iso, at, end, cx);
                }
            }
            _ => {}
        }
        if let Some(h) = payload::klog(line) {
            self.count(Shape::Klog);
            let (t, prov) = self.years.date(&h.when);
            self.zone_assumed = true;
            let lane = std::mem::take(&mut self.file_lane);
            self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, line, line);
            self.file_lane = lane;
            return;
        }
        if let Some((y, i)) = stamp::syslog(line) {
            return self.syslog_line(line, y, i, at, end, cx);
        }
        if let Some(l) = payload::logfmt(line) {
            self.count(Shape::Logfmt);
            let t = l.time.unwrap_or(self.cur_time);
            if let Some(t) = l.time {
                self.anchor_from(t, cx);
            }
            let lane = std::mem::take(&mut self.file_lane);
            self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, line, line);
            self.file_lane = lane;
            return;
        }
        self.orphan(line, at, end, cx);
    }

    fn set_host(&mut self, h: String) {
        if !h.is_empty() {
            self.file_lane = format!("{h}/{}", self.comp_guess);
            self.host = Some(h);
        }
    }

    /// The file says "now is `t`" with a full date: anchor yearless stamps.
    fn anchor_from(&mut self, t: Micros, cx: &mut ParseCx<'_>) {
        if self.years_known() {
            return;
        }
        if let Some(d) = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t) {
            use chrono::Datelike;
            self.years.anchor(d.year(), d.month(), cx.events);
        }
    }

    fn years_known(&self) -> bool {
        self.years.known()
    }

    fn klog_file_header(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        self.count(Shape::KlogFileHeader);
        self.close_panic();
        self.cur = None;
        if self.bare.is_none() {
            self.bare = Some(false);
        }
        match payload::klog_file_created(line) {
            Some((year, when)) => {
                self.years.anchor(year, when.mon, cx.events);
                self.klog_headers += 1;
                if self.klog_headers > 1 {
                    // A new file header inside one file: the process restarted.
                    let t = when.in_year(year).unwrap_or(NO_TIME);
                    let lane = self.file_lane.clone();
                    cx.events.push(NewEvent {
                        time: t,
                        kind: "process_restart",
                        severity: Severity::Warning,
                        lane: &lane,
                        label: "klog file header: process restarted",
                        line: at.line,
                        offset: at.offset,
                        len: line.len() as u64,
                    });
                    self.track_label(cx, u32::MAX, None);
                    *self.kinds.entry("process_restart".into()).or_insert(0) += 1;
                }
            }
            None => cx.diags.note(
                at.line,
                at.offset,
                DiagKind::BadTime,
                "klog file header with an unreadable date",
            ),
        }
    }

    fn marker(&mut self, m: journal::Marker, at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        self.count(Shape::JournalMarker);
        if self.bare.is_none() {
            self.bare = Some(false);
        }
        match m {
            journal::Marker::Begin { year, mon, utc } => {
                self.years.anchor(year, mon, cx.events);
                self.journal_utc = Some(utc);
                if !utc {
                    cx.notes.push(
                        "journalctl printed local times in a zone other than UTC; read as UTC"
                            .into(),
                    );
                }
            }
            journal::Marker::Boot => {
                self.pending_boot = Some((at.line, at.offset, end - at.offset))
            }
            journal::Marker::Other => {}
        }
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
        self.count(Shape::Dmesg);
        let msg = &line[m.min(line.len())..];
        if self.cur.is_some() && kernel_cont(msg) {
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

    fn iso_line(
        &mut self,
        line: &[u8],
        (t, i, zoned): (Micros, usize, bool),
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        if !zoned {
            self.zone_assumed = true;
        }
        self.anchor_from(t, cx);
        let rest = &line[i..];
        if rest.starts_with(b" stdout ") || rest.starts_with(b" stderr ") {
            self.count(Shape::Cri);
            let tag = rest.get(8).copied().unwrap_or(b'F');
            let msg_start = (i + 10).min(line.len());
            let msg = &line[msg_start..];
            if tag == b'P' {
                match &mut self.partial {
                    Some(p) => {
                        if p.buf.len() < 1 << 20 {
                            p.buf.extend_from_slice(msg);
                        }
                    }
                    None => {
                        self.partial = Some(Partial {
                            line: at.line,
                            offset: at.offset,
                            time: t,
                            buf: msg.to_vec(),
                        })
                    }
                }
                return;
            }
            let lane = std::mem::take(&mut self.file_lane);
            self.utc_wrapper = zoned;
            match self.partial.take() {
                Some(mut p) => {
                    p.buf.extend_from_slice(msg);
                    let first = LineAt {
                        line: p.line,
                        offset: p.offset,
                    };
                    self.entry_with_inner(
                        cx,
                        first,
                        end - p.offset,
                        p.time,
                        false,
                        None,
                        &lane,
                        &p.buf,
                        &p.buf,
                    );
                }
                None => {
                    self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, msg, msg)
                }
            }
            self.utc_wrapper = false;
            self.file_lane = lane;
            return;
        }
        if let Some((host, ident, m)) = journal::syslog_tail(line, i) {
            self.count(Shape::JournalIso);
            let lane = self.lane_for(host, ident);
            let msg = &line[m..];
            return self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, msg, msg);
        }
        self.count(Shape::Iso);
        let msg = trim_start(&line[i..]);
        let lane = std::mem::take(&mut self.file_lane);
        self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, line, msg);
        self.file_lane = lane;
    }

    fn syslog_line(
        &mut self,
        line: &[u8],
        y: Yearless,
        i: usize,
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        self.count(Shape::Syslog);
        if self.journal_utc.is_none() {
            self.zone_assumed = true;
        }
        let (t, prov) = self.years.date(&y);
        match journal::syslog_tail(line, i) {
            Some((host, ident, m)) => {
                let lane = self.lane_for(host, ident);
                let msg = &line[m..];
                self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, msg, msg);
            }
            None => {
                let msg = trim_start(&line[i..]);
                let lane = std::mem::take(&mut self.file_lane);
                self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, msg, msg);
                self.file_lane = lane;
            }
        }
    }

    /// `host/component` lane text, cached (journal files repeat a few dozen pairs).
    fn lane_for(&mut self, host: &[u8], ident: &[u8]) -> String {
        let ident = journal::normalize_component(std::str::from_utf8(ident).unwrap_or("?"));
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

    fn json(&mut self, line: &[u8], at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        self.utc_wrapper = true;
        self.json_inner(line, at, end, cx);
        self.utc_wrapper = false;
    }

    fn json_inner(&mut self, line: &[u8], at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        match shape_of(line) {
            Some(Shape::JournalJson) => {
                self.count(Shape::JournalJson);
                let e: journal::Entry = match serde_json::from_slice(line) {
                    Ok(e) => e,
                    Err(err) => return self.bad_json(at, err, cx),
                };
                let t = e
                    .realtime
                    .as_ref()
                    .and_then(|f| f.0.trim().parse::<i64>().ok())
                    .unwrap_or(NO_TIME);
                let host = e.host.as_ref().map_or("", |f| f.0.as_ref());
                let lane = self.lane_for(host.as_bytes(), e.component().as_bytes());
                let prio = e
                    .priority
                    .as_ref()
                    .and_then(|f| payload::level_word(f.0.as_bytes()));
                let msg = e.message.as_ref().map_or("", |f| f.0.as_ref()).as_bytes();
                self.entry_with_inner(cx, at, end - at.offset, t, false, prio, &lane, msg, msg);
            }
            Some(Shape::DockerJson) => {
                self.count(Shape::DockerJson);
                #[derive(Deserialize)]
                struct Docker<'a> {
                    #[serde(borrow)]
                    log: std::borrow::Cow<'a, str>,
                    #[serde(default)]
                    time: Option<&'a str>,
                }
                let d: Docker = match serde_json::from_slice(line) {
                    Ok(d) => d,
                    Err(err) => return self.bad_json(at, err, cx),
                };
                let t = d
                    .time
                    .and_then(|s| stamp::iso(s.as_bytes()))
                    .map_or(NO_TIME, |x| x.0);
                if t != NO_TIME {
                    self.anchor_from(t, cx);
                }
                let msg = d.log.trim_end_matches(['\n', '\r']).as_bytes();
                let lane = std::mem::take(&mut self.file_lane);
                self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, msg, msg);
                self.file_lane = lane;
            }
            _ => {
                let j: payload::JsonLog = match serde_json::from_slice(line) {
                    Ok(j) => j,
                    Err(err) => return self.bad_json(at, err, cx),
                };
                if j.msg.is_none() && j.message.is_none() {
                    return self.orphan(line, at, end, cx);
                }
                self.count(Shape::JsonLog);
                let t = j.when().unwrap_or(self.cur_time);
                if t != NO_TIME {
                    self.anchor_from(t, cx);
                }
                let text = j.text().as_bytes().to_vec();
                let sev = j.sev();
                let lane = std::mem::take(&mut self.file_lane);
                self.entry(
                    cx,
                    at,
                    end - at.offset,
                    t,
                    false,
                    sev,
                    &lane,
                    classes::classify(line),
                    line,
                    &text,
                    false,
                );
                self.file_lane = lane;
            }
        }
    }

    fn bad_json(&mut self, at: LineAt, err: serde_json::Error, cx: &mut ParseCx<'_>) {
        cx.diags.skip(
            at.line,
            at.offset,
            DiagKind::BadJson,
            format!("unreadable JSON log line: {err}"),
        );
    }

    /// A line with no header of its own.
    fn orphan(&mut self, line: &[u8], at: LineAt, end: u64, cx: &mut ParseCx<'_>) {
        let bare = *self.bare.get_or_insert(self.cur.is_none());
        if bare {
            if self.cur.is_some() && kernel_cont(line) {
                return self.extend(cx, line, at, end);
            }
            let lane = std::mem::take(&mut self.file_lane);
            self.entry_with_inner(
                cx,
                at,
                end - at.offset,
                NO_TIME,
                false,
                None,
                &lane,
                line,
                line,
            );
            self.file_lane = lane;
            return;
        }
        let Some(cur) = self.cur else {
            cx.diags.skip(
                at.line,
                at.offset,
                DiagKind::Malformed,
                "line without a recognizable header before any log entry",
            );
            return;
        };
        if self.panic.is_none() && payload::starts_panic(line) {
            // A panic printed by the process itself, after its last log line.
            let lane = cx.events.lanes.get(cx.events.lane[cur]).to_string();
            let (t, prov) = (self.cur_time, self.cur_prov);
            // Dated like the entry it follows, provisional year included (re-dated with it).
            self.entry(
                cx,
                at,
                end - at.offset,
                t,
                prov,
                Severity::Critical,
                &lane,
                classes::classify(line),
                line,
                line,
                true,
            );
            *cx.records -= 1; // part of the output, not a log entry of its own
            if self.panic.is_some() {
                self.feed_dump(cx, line, at, end);
            }
            return;
        }
        self.extend(cx, line, at, end);
    }

    /// Attach a line to the current entry (and the open panic).
    fn extend(&mut self, cx: &mut ParseCx<'_>, line: &[u8], at: LineAt, end: u64) {
        if let Some(i) = self.cur {
            let off = cx.events.offset[i];
            cx.events.len[i] = (end.saturating_sub(off)).min(u32::MAX as u64) as u32;
        }
        if let Some((p, _)) = self.panic {
            let r = &mut self.panics[p];
            r.end_line = at.line;
            r.len = end.saturating_sub(r.offset);
            self.feed_dump(cx, line, at, end);
        }
    }

    /// Hand a line of a panic or goroutine dump to the embedded goroutine parser; the
    /// current entry is the log event it belongs to.
    fn feed_dump(&mut self, cx: &ParseCx<'_>, text: &[u8], at: LineAt, end: u64) {
        let owner = self
            .cur
            .map_or(u32::MAX, |c| c.min(u32::MAX as usize) as u32);
        let lane = self
            .cur
            .and_then(|c| cx.events.lane.get(c).copied())
            .unwrap_or(u32::MAX);
        // Another process, or a log entry of this one since the last dump line (besides the
        // entry this line starts): the dump read so far is over. Other processes' lines
        // interleaved in a journal do not end it.
        let ended =
            lane != self.dump_lane || self.dump_lane_entries > u32::from(owner != self.dump_owner);
        let name = &self.name;
        self.dumps
            .get_or_insert_with(|| Box::new(Dumps::new(name)))
            .feed(text, at, end, owner, ended);
        self.dump_lane = lane;
        self.dump_owner = owner;
        self.dump_lane_entries = 0;
    }

    fn close_panic(&mut self) {
        self.panic = None;
    }

    /// Emit an entry after peeling its payload.
    #[allow(clippy::too_many_arguments)]
    fn entry_with_inner(
        &mut self,
        cx: &mut ParseCx<'_>,
        at: LineAt,
        len: u64,
        t: Micros,
        prov: bool,
        outer_sev: Option<Severity>,
        lane: &str,
        class_text: &[u8],
        msg: &[u8],
    ) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let inn = inner(msg, &mut scratch);
        // A panic trace relayed line by line (journald): later lines join the panic event.
        if let Some((p, plane)) = self.panic {
            let lane_id = cx.events.lanes.intern(lane);
            if plane == lane_id && !inn.headed && !inn.panic {
                let end = at.offset + len;
                let r = &mut self.panics[p];
                r.end_line = at.line;
                r.len = end.saturating_sub(r.offset);
                *cx.records += 1;
                self.feed_dump(cx, msg, at, end);
                self.scratch = scratch;
                return;
            }
            self.panic = None;
        }
        if let (Some(k), true) = (
            inn.klog,
            t != NO_TIME && self.utc_wrapper && self.zone_samples.len() < 64,
        ) {
            // klog inside a UTC wrapper (journald JSON, CRI, Docker): local klog clock vs true UTC
            // gives the zone.
            use chrono::Datelike;
            if let Some(y) =
                chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t).map(|d| d.year())
            {
                if let Some(local) = k.in_year(y) {
                    self.zone_samples.push(local - t);
                }
            }
        }
        let sev = inn.sev.or(outer_sev).unwrap_or(Severity::Info);
        let tmpl: &[u8] = match inn.tmpl {
            Tmpl::Range(a, b) => &msg[a.min(msg.len())..b.min(msg.len())],
            Tmpl::Scratch => &scratch,
        };
        let same = class_text.as_ptr() == msg.as_ptr() && class_text.len() == msg.len();
        let class = if same && inn.httplog {
            classes::index_of("apiserver_request")
        } else if same {
            classes::classify(&msg[inn.body..])
        } else {
            classes::classify(class_text)
        };
        let dump_message = inn.headed && inn.klog.is_none() && starts_dump_message(tmpl);
        self.entry(
            cx, at, len, t, prov, sev, lane, class, class_text, tmpl, inn.panic,
        );
        if inn.multiline {
            self.ml_value = true;
        }
        let end = at.offset + len;
        if self.panic.is_some() {
            // This entry opened a panic (any earlier one was closed above).
            self.feed_dump(cx, &msg[inn.body.min(msg.len())..], at, end);
        } else if dump_message {
            match inn.tmpl {
                // logrus: the goroutine parser unescapes `msg="…"` itself.
                Tmpl::Range(..) => self.feed_dump(cx, msg, at, end),
                // JSON: the message is already unescaped, one dump line per `\n`.
                Tmpl::Scratch => {
                    for piece in scratch.split(|&c| c == b'\n') {
                        self.feed_dump(cx, piece, at, end);
                    }
                }
            }
        } else if !inn.headed
            && self.dump_lane_entries == 1
            && self.cur.and_then(|c| cx.events.lane.get(c).copied()) == Some(self.dump_lane)
        {
            // A journal interleaved another process's line into the dump, which closed the
            // panic event: the dump's next headerless line still continues the dump.
            self.feed_dump(cx, msg, at, end);
        }
        self.scratch = scratch;
    }

    /// Emit one timeline event for one log entry.
    #[allow(clippy::too_many_arguments)]
    fn entry(
        &mut self,
        cx: &mut ParseCx<'_>,
        at: LineAt,
        len: u64,
        t: Micros,
        prov: bool,
        sev: Severity,
        lane: &str,
        class: Option<usize>,
        class_text: &[u8],
        tmpl: &[u8],
        panic: bool,
    ) {
        if self.bare.is_none() {
            self.bare = Some(false);
        }
        if let Some((line, offset, blen)) = self.pending_boot.take() {
            cx.events.push(NewEvent {
                time: t,
                kind: "boot",
                severity: Severity::Warning,
                lane,
                label: "system boot",
                line,
                offset,
                len: blen,
            });
            self.track_label(cx, u32::MAX, None);
            *self.kinds.entry("boot".into()).or_insert(0) += 1;
        }
        // Kind slot: a class, `panic`, or `log` at the entry's level (the store keeps one
        // severity per kind, so unclassified lines get one kind per level).
        let slot = match class {
            Some(c) => c,
            None if panic => classes::CLASSES.len(),
            None => classes::CLASSES.len() + 1 + sev as usize,
        };
        let (kind, severity) = kind_of_slot(slot);
        let tid = self.miner.add(tmpl, kind, at.line, at.offset);
        let suffix: Option<Box<str>> = class
            .filter(|&c| classes::is_rpc(c))
            .and_then(|_| classes::grpc_code(class_text))
            .map(|code| format!(" [code={code}]").into_boxed_str());
        // Hot path: ids cached per kind slot, lane and template, columns pushed directly
        // (the same rows `EventStore::push` writes, without three string hashes per event).
        let ev = &mut *cx.events;
        if self.slot_kind.len() <= slot {
            self.slot_kind.resize(slot + 1, u16::MAX);
        }
        if self.slot_kind[slot] == u16::MAX {
            self.slot_kind[slot] = ev.kind_id(kind, severity);
        }
        let kid = self.slot_kind[slot];
        if self.lane_cache.0 != lane || self.lane_cache.1 == u32::MAX {
            self.lane_cache = (lane.to_string(), ev.lanes.intern(lane));
        }
        let lid = self.lane_cache.1;
        if lid == self.dump_lane {
            self.dump_lane_entries = self.dump_lane_entries.saturating_add(1);
        }
        let labid = match &suffix {
            Some(sfx) => ev
                .labels
                .intern(&format!("{}{sfx}", self.miner.templates[tid as usize].text)),
            None => {
                let t = tid as usize;
                if self.tid_label.len() <= t {
                    self.tid_label.resize(t + 1, u32::MAX);
                }
                if self.tid_label[t] == u32::MAX {
                    self.tid_label[t] = ev.labels.intern(&self.miner.templates[t].text);
                }
                self.tid_label[t]
            }
        };
        ev.time.push(t);
        ev.kind.push(kid);
        ev.lane.push(lid);
        ev.label.push(labid);
        ev.line.push(at.line.min(u32::MAX as u64) as u32);
        ev.offset.push(at.offset);
        ev.len.push(len.min(u32::MAX as u64) as u32);
        self.track_label(cx, tid, suffix);
        let idx = cx.events.len() - 1;
        if prov {
            self.years.pending(idx as u32);
        }
        *cx.records += 1;
        if self.slot_count.len() <= slot {
            self.slot_count.resize(slot + 1, 0);
        }
        self.slot_count[slot] += 1;
        self.cur = Some(idx);
        if t != NO_TIME {
            self.cur_time = t;
            self.cur_prov = prov;
        }
        if kind == "panic" && self.panics.len() < 10_000 {
            let first = String::from_utf8_lossy(&tmpl[..tmpl.len().min(200)]).into_owned();
            self.panics.push(PanicRange {
                line: at.line,
                end_line: at.line,
                offset: at.offset,
                len,
                lane: lane.to_string(),
                time: t,
                first,
            });
            let lane_id = cx.events.lane[idx];
            self.panic = Some((self.panics.len() - 1, lane_id));
        }
    }

    /// Remember which template the last pushed event's label came from.
    fn track_label(&mut self, cx: &mut ParseCx<'_>, tid: u32, suffix: Option<Box<str>>) {
        let Some(&l) = cx.events.label.last() else {
            return;
        };
        let l = l as usize;
        if self.label_tid.len() <= l {
            self.label_tid.resize(l + 1, (u32::MAX, None));
            self.label_tid[l] = (tid, suffix);
        }
    }

    /// End of input: settle years, zone, labels; hand over [`Data`].
    pub fn finish(mut self, cx: &mut ParseCx<'_>) -> Data {
        if let Some(p) = self.partial.take() {
            cx.diags.note(
                p.line,
                p.offset,
                DiagKind::Truncated,
                "CRI partial (P) entry never completed",
            );
            let lane = std::mem::take(&mut self.file_lane);
            let at = LineAt {
                line: p.line,
                offset: p.offset,
            };
            self.entry_with_inner(
                cx,
                at,
                p.buf.len() as u64,
                p.time,
                false,
                None,
                &lane,
                &p.buf,
                &p.buf,
            );
        }
        if let Some((line, offset, len)) = self.pending_boot.take() {
            let lane = self.file_lane.clone();
            cx.events.push(NewEvent {
                time: self.cur_time,
                kind: "boot",
                severity: Severity::Warning,
                lane: &lane,
                label: "system boot",
                line,
                offset,
                len,
            });
            self.track_label(cx, u32::MAX, None);
        }
        for (slot, n) in self.slot_count.iter().enumerate() {
            if *n > 0 {
                *self
                    .kinds
                    .entry(kind_of_slot(slot).0.to_string())
                    .or_insert(0) += n;
            }
        }
        let mut time = TimeInfo::default();
        self.years
            .finish(cx.events, self.last_modified_ms, &mut time, cx.notes);
        if !self.zone_samples.is_empty() {
            // Round to 15 minutes and take the most common value.
            let mut counts: BTreeMap<i64, u32> = BTreeMap::new();
            for s in &self.zone_samples {
                let q = 15 * 60 * 1_000_000i64;
                *counts.entry((s + q / 2).div_euclid(q)).or_insert(0) += 1;
            }
            if let Some((&q, _)) = counts.iter().max_by_key(|(_, n)| **n) {
                let min = (q * 15) as i32;
                time.zone_offset_min = Some(min);
                if min != 0 {
                    cx.notes.push(format!(
                        "klog timestamps inside journal entries are UTC{}{:02}:{:02}; the journal's UTC times are used",
                        if min < 0 { '-' } else { '+' },
                        min.abs() / 60,
                        min.abs() % 60
                    ));
                }
            }
        } else if self.zone_assumed {
            time.zone_assumed = true;
            cx.notes.push(
                "timestamps carry no time zone; read as UTC (set the offset if wrong)".into(),
            );
        }
        // Drain may have generalized templates after events were labeled: relabel.
        let mut labels = crate::event::Interner::default();
        let old = std::mem::take(&mut cx.events.labels);
        let map: Vec<u32> = old
            .strings
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let text = match self.label_tid.get(i) {
                    Some((tid, suf)) if (*tid as usize) < self.miner.templates.len() => {
                        let t = &self.miner.templates[*tid as usize].text;
                        match suf {
                            Some(s) => format!("{t}{s}"),
                            None => t.clone(),
                        }
                    }
                    _ => s.clone(),
                };
                labels.intern(&text)
            })
            .collect();
        for l in cx.events.label.iter_mut() {
            *l = map.get(*l as usize).copied().unwrap_or(*l);
        }
        cx.events.labels = labels;
        let best = Shape::ALL
            .iter()
            .filter(|s| **s != Shape::JournalMarker)
            .max_by_key(|s| self.shapes[**s as usize])
            .filter(|s| self.shapes[**s as usize] > 0);
        *cx.detail = match best {
            Some(Shape::Klog) if self.klog_headers > 0 => Shape::KlogFileHeader.label().to_string(),
            Some(s) => s.label().to_string(),
            None => "kernel ring buffer / plain text (no timestamps)".to_string(),
        };
        let (goroutines, dump_events) = match self.dumps.take() {
            Some(d) => d.finish(),
            None => (None, Vec::new()),
        };
        if let Some(g) = &goroutines {
            cx.notes.push(format!(
                "{} goroutine dump{} inside this log ({} goroutines): shown with the goroutine dumps",
                g.snapshots.len(),
                if g.snapshots.len() == 1 { "" } else { "s" },
                g.total_goroutines()
            ));
        }
        let mut data = Data {
            templates: self.miner.templates,
            kinds: self.kinds,
            panics: self.panics,
            time,
            host: self.host,
            shapes: Shape::ALL
                .iter()
                .filter(|s| self.shapes[**s as usize] > 0)
                .map(|s| (s.label().to_string(), self.shapes[*s as usize]))
                .collect(),
            restarts: self.klog_headers.saturating_sub(1),
            goroutines,
            dump_events,
        };
        data.sync_dump_times(cx.events);
        data
    }
}

fn trim_start(b: &[u8]) -> &[u8] {
    let i = b
        .iter()
        .position(|c| *c != b' ' && *c != b'\t')
        .unwrap_or(b.len());
    &b[i..]
}
