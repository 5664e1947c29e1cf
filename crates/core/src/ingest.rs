//! The streaming ingest API: feed a file's bytes in chunks of any size, get a [`ParsedFile`].
//!
//! ```text
//! bytes ─▶ [gunzip if 1f 8b] ─▶ LineSplitter ─▶ sniff first lines ─▶ format parser ─▶ ParsedFile
//! ```
//! Results are identical for every chunking of the same bytes (property-tested). Nothing here
//! fails: unreadable input ends up in [`Diagnostics`].

use crate::decompress::{is_gzip, Gunzip};
use crate::diag::{DiagKind, Diagnostics};
use crate::event::EventStore;
use crate::format::{Format, FormatData, FormatParser};
use crate::lines::{LineAt, LineSplitter, Piece};
use crate::nodelog::lines::klog::KlogHead;
pub use crate::parse::{FileMeta, ParseCx};
use serde::{Deserialize, Serialize};

mod ahead;
mod wire;

pub use ahead::{Ahead, Batch};

/// One file, read.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParsedFile {
    pub meta: FileMeta,
    pub format: Format,
    /// Sub-format, e.g. `klog file (--log-file)` or `audit.k8s.io/v1 JSON lines`.
    pub detail: String,
    pub gzip: bool,
    /// Bytes fed (compressed bytes for gzip).
    pub bytes_in: u64,
    /// Bytes after decompression.
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub diags: Diagnostics,
    pub notes: Vec<String>,
    pub events: EventStore,
    pub data: FormatData,
    /// Where the file came from when it is a member of a bundle (an archive or a folder) or a
    /// file compressed with xz or zstd: its place in the bundle and how to reach its bytes again.
    /// Set by [`crate::bundle`]; `None` for a file read as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<crate::source::Source>,
}

/// Progress of a file being read, for progress bars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub bytes_in: u64,
    pub records: u64,
    pub skipped: u64,
}

enum Stage {
    /// Waiting for the first two bytes to know whether the file is gzip.
    Magic(Vec<u8>),
    Plain,
    Gzip(Box<Gunzip>),
}

enum Reader {
    /// Collecting the first lines to decide the format.
    Sniffing {
        lines: Vec<(Vec<u8>, LineAt)>,
        bytes: usize,
        /// Non-blank lines that are not preamble ([`crate::preamble`]).
        content: usize,
        /// The content count at which the sample is tried next.
        next_try: usize,
    },
    Parsing(Box<FormatParser>),
    /// No parser recognized the content; lines are counted.
    Unknown,
}

/// Incremental reader of one file; see the module docs.
pub struct FileIngest {
    meta: FileMeta,
    stage: Stage,
    gzip: bool,
    splitter: LineSplitter,
    reader: Reader,
    format: Format,
    detail: String,
    bytes_in: u64,
    bytes: u64,
    lines: u64,
    records: u64,
    diags: Diagnostics,
    notes: Vec<String>,
    events: EventStore,
    /// The line splitter went ahead ([`Ahead`]): lines come as batches.
    ahead: bool,
}

impl FileIngest {
    /// Content lines (non-blank, not preamble) collected before the format is first tried;
    /// while no format is recognized, the sample grows (×4 each try) up to the limits below,
    /// so a long preamble or a slow start does not make a file unrecognized.
    const SNIFF_LINES: usize = 64;
    /// Bytes collected before the format is first tried.
    const SNIFF_BYTES: usize = 256 << 10;
    /// The sample's limits: then the format is decided, recognized or not.
    const SNIFF_MAX_LINES: usize = 16_384;
    const SNIFF_MAX_BYTES: usize = 2 << 20;

    pub fn new(meta: FileMeta) -> Self {
        Self {
            meta,
            stage: Stage::Magic(Vec::new()),
            gzip: false,
            splitter: LineSplitter::new(),
            reader: Reader::Sniffing {
                lines: Vec::new(),
                bytes: 0,
                content: 0,
                next_try: Self::SNIFF_LINES,
            },
            format: Format::Unknown,
            detail: String::new(),
            bytes_in: 0,
            bytes: 0,
            lines: 0,
            records: 0,
            diags: Diagnostics::default(),
            notes: Vec::new(),
            events: EventStore::default(),
            ahead: false,
        }
    }

    /// The format decided so far (`Unknown` while sniffing).
    pub fn format(&self) -> Format {
        self.format
    }

    /// Memory the whole file will take once read, in bytes, projected from the records per byte
    /// read so far and [`Format::peak_bytes_per_record`]; `total_in` is the file's size (as fed:
    /// compressed for gzip). `None` before 1 MiB is read or the format is known.
    pub fn projected_memory(&self, total_in: u64) -> Option<u64> {
        let per_record = self.format.peak_bytes_per_record();
        if self.bytes_in < 1 << 20 || per_record == 0 {
            return None;
        }
        let records = self.records as f64 * total_in as f64 / self.bytes_in as f64;
        Some((records * per_record as f64) as u64)
    }

    pub fn progress(&self) -> Progress {
        Progress {
            bytes_in: self.bytes_in,
            records: self.records,
            skipped: self.diags.skipped_lines,
        }
    }

    /// Feed the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) {
        debug_assert!(!self.ahead, "bytes pushed after the splitter went ahead");
        self.bytes_in += chunk.len() as u64;
        match &mut self.stage {
            Stage::Magic(head) => {
                head.extend_from_slice(chunk);
                if head.len() >= 2 {
                    let head = std::mem::take(head);
                    self.start(&head);
                }
            }
            Stage::Plain => self.plain(chunk),
            Stage::Gzip(_) => self.gunzip(chunk),
        }
    }

    fn start(&mut self, head: &[u8]) {
        if is_gzip(head) {
            self.gzip = true;
            self.stage = Stage::Gzip(Box::default());
            self.gunzip(head);
        } else {
            self.stage = Stage::Plain;
            self.plain(head);
        }
    }

    fn gunzip(&mut self, chunk: &[u8]) {
        // Move the decoder out so the closure may borrow `self`; put it back after.
        if let Stage::Gzip(mut gz) = std::mem::replace(&mut self.stage, Stage::Plain) {
            gz.push(chunk, &mut |out| self.plain(out));
            self.stage = Stage::Gzip(gz);
        }
    }

    fn plain(&mut self, bytes: &[u8]) {
        self.bytes += bytes.len() as u64;
        let mut splitter = std::mem::take(&mut self.splitter);
        splitter.push(bytes, &mut |p| self.piece(p));
        self.splitter = splitter;
    }

    fn piece(&mut self, p: Piece<'_>) {
        self.lines += 1;
        match p {
            Piece::Line(line, at) => self.line(line, at),
            Piece::TooLong(at, len) => self.diags.skip(
                at.line,
                at.offset,
                DiagKind::LineTooLong,
                format!(
                    "line of {len} bytes is over the {} MiB limit",
                    LineSplitter::MAX_LINE >> 20
                ),
            ),
        }
    }

    fn line(&mut self, line: &[u8], at: LineAt) {
        self.line_with(line, at, None)
    }

    /// [`Self::line`], with the klog header of `line` when it was read ahead ([`Ahead`]).
    fn line_with(&mut self, line: &[u8], at: LineAt, klog: Option<KlogHead>) {
        match &mut self.reader {
            Reader::Parsing(p) => {
                let mut cx = ParseCx {
                    diags: &mut self.diags,
                    events: &mut self.events,
                    records: &mut self.records,
                    detail: &mut self.detail,
                    notes: &mut self.notes,
                };
                p.line_with(line, at, &mut cx, klog);
            }
            Reader::Unknown => self.diags.skipped_lines += 1,
            Reader::Sniffing {
                lines,
                bytes,
                content,
                next_try,
            } => {
                *bytes += line.len();
                lines.push((line.to_vec(), at));
                if !line.iter().all(u8::is_ascii_whitespace)
                    && crate::preamble::reason(line).is_none()
                {
                    *content += 1;
                }
                if lines.len() >= Self::SNIFF_MAX_LINES || *bytes >= Self::SNIFF_MAX_BYTES {
                    self.decide();
                } else if *content >= *next_try
                    || (*bytes >= Self::SNIFF_BYTES && *next_try != usize::MAX)
                {
                    // Try the sample; keep collecting when no format is sure yet.
                    let sample: Vec<&[u8]> = lines.iter().map(|(l, _)| l.as_slice()).collect();
                    if crate::format::sniff(&sample).is_some() {
                        self.decide();
                    } else if *bytes >= Self::SNIFF_BYTES {
                        *next_try = usize::MAX;
                    } else {
                        *next_try *= 4;
                    }
                }
            }
        }
    }

    /// Choose the format from the collected lines and replay them into its parser.
    fn decide(&mut self) {
        let Reader::Sniffing { lines, .. } = std::mem::replace(&mut self.reader, Reader::Unknown)
        else {
            return;
        };
        let sample: Vec<&[u8]> = lines.iter().map(|(l, _)| l.as_slice()).collect();
        match crate::format::sniff(&sample) {
            Some(format) => {
                self.format = format;
                self.detail = format.label().to_string();
                self.reader =
                    Reader::Parsing(Box::new(FormatParser::new(format, &self.meta, &sample)));
                self.reserve_events(format, &sample);
                for (l, at) in &lines {
                    self.line(l, *at);
                }
            }
            None => {
                let n = lines.len() as u64;
                self.diags.skipped_lines += n;
                self.reader = Reader::Unknown;
            }
        }
    }

    /// Reserve the timeline for a node log's likely event count, projected from the sample's
    /// bytes per line and the file's size: growing seven columns by doubling to a million
    /// events copies them over and over, and in the wasm worker (no `mremap`) each copy is a
    /// real one (Chromium, the 137 MB klog bench file: 529 → 494 ms, medians of 3). Gzip sizes
    /// say nothing of the lines; small files grow cheaply; an overestimate is given back at
    /// the end ([`EventStore::shrink_to_fit`]).
    fn reserve_events(&mut self, format: Format, sample: &[&[u8]]) {
        const SMALL: u64 = 4 << 20;
        const MAX_EVENTS: u64 = 1 << 26;
        let Some(size) = self.meta.size else { return };
        if format != Format::NodeLog || self.gzip || size < SMALL || sample.is_empty() {
            return;
        }
        let bytes: u64 = sample.iter().map(|l| l.len() as u64 + 1).sum();
        let per_line = (bytes / sample.len() as u64).max(1);
        // A tenth more than projected: later lines run shorter as often as longer.
        let n = (size / per_line + size / per_line / 10).min(MAX_EVENTS);
        self.events.reserve_exact(n as usize);
    }

    /// The gzip stream broke (`error`), after the bytes decompressed so far.
    fn gzip_unreadable(&mut self, error: &str) {
        self.diags.note(
            0,
            self.bytes,
            DiagKind::BadCompression,
            format!(
                "gzip stream unreadable after {} decompressed bytes: {error}",
                self.bytes
            ),
        );
    }

    /// End of input: flush everything and hand over the result.
    pub fn finish(mut self) -> ParsedFile {
        match std::mem::replace(&mut self.stage, Stage::Plain) {
            Stage::Magic(head) => self.plain(&head),
            Stage::Gzip(mut gz) => {
                gz.finish(&mut |out| self.plain(out));
                if let Some(e) = gz.error() {
                    self.gzip_unreadable(e);
                }
            }
            Stage::Plain => {}
        }
        let mut splitter = std::mem::take(&mut self.splitter);
        splitter.finish(&mut |p| self.piece(p));
        if matches!(self.reader, Reader::Sniffing { .. }) {
            self.decide();
        }
        let reader = std::mem::replace(&mut self.reader, Reader::Unknown);
        let data = match reader {
            Reader::Parsing(p) => {
                let mut cx = ParseCx {
                    diags: &mut self.diags,
                    events: &mut self.events,
                    records: &mut self.records,
                    detail: &mut self.detail,
                    notes: &mut self.notes,
                };
                p.finish(&mut cx)
            }
            _ => {
                if self.lines > 0 && self.bytes > 0 {
                    self.diags
                        .counts
                        .insert(DiagKind::UnknownFormat, self.diags.skipped_lines.max(1));
                    self.diags.kept.insert(
                        0,
                        crate::diag::Diagnostic {
                            line: 0,
                            offset: 0,
                            kind: DiagKind::UnknownFormat,
                            reason: format!(
                                "not a format whodunnit reads; all {} lines skipped. It reads: {}",
                                self.diags.skipped_lines,
                                Format::KNOWN.join("; ")
                            ),
                        },
                    );
                }
                FormatData::None
            }
        };
        self.events.shrink_to_fit();
        ParsedFile {
            meta: self.meta,
            format: self.format,
            detail: self.detail,
            gzip: self.gzip,
            bytes_in: self.bytes_in,
            bytes: self.bytes,
            lines: self.lines,
            records: self.records,
            diags: self.diags,
            notes: self.notes,
            events: self.events,
            data,
            source: None,
        }
    }
}

/// Reading one file in parallel: the file is cut into byte ranges at line boundaries, the first
/// read by [`FileIngest::new`], each other by [`FileIngest::part`], all at once; then each part
/// is [`absorb`](FileIngest::absorb)ed in order into the first, which finishes as usual. The
/// result equals one `FileIngest` reading the whole file (tested), or `absorb` says it cannot
/// promise that and the caller reads sequentially. Only formats whose state between lines is
/// known to merge are split: audit logs (see `audit::merge`) and goroutine dumps, cut where a
/// dump starts (see `goroutine::parser::merge`).
impl FileIngest {
    /// Whether a file whose first bytes are `head` is worth cutting into parts: uncompressed,
    /// and by its content either a goroutine dump or an audit log with one JSON document per
    /// line as far as `head` shows. Returns the format the parts are to be read as.
    pub fn splittable(head: &[u8]) -> Option<Format> {
        if is_gzip(head) {
            return None;
        }
        let mut probe = FileIngest::new(FileMeta::default());
        probe.push(head);
        if !matches!(probe.reader, Reader::Parsing(_)) {
            return None;
        }
        if probe.format == Format::GoroutineDump {
            return Some(Format::GoroutineDump);
        }
        if probe.format != Format::AuditLog {
            return None;
        }
        // Complete lines only; a pretty-printed document would rarely survive the cuts.
        let whole = &head[..head.iter().rposition(|&c| c == b'\n')?];
        let json_lines = whole
            .split(|&c| c == b'\n')
            .map(|l| l.trim_ascii())
            .filter(|l| !l.is_empty())
            .all(|l| l.first() == Some(&b'{') && l.last() == Some(&b'}'));
        json_lines.then_some(Format::AuditLog)
    }

    /// Where in `window`, bytes of a file of `format` read from anywhere in it, the next part
    /// may start ([`FileIngest::part`]): just after a line break for audit logs, where a dump
    /// starts for goroutine dumps ([`crate::goroutine::part_start`]). `None`: not in this
    /// window (look further on), or the format is not split.
    pub fn part_start(format: Format, window: &[u8]) -> Option<usize> {
        match format {
            Format::AuditLog => memchr::memchr(b'\n', window).map(|i| i + 1),
            Format::GoroutineDump => crate::goroutine::part_start(window),
            _ => None,
        }
    }

    /// A reader for the part of a file starting at byte `offset` (just after a line break), of
    /// the format the first part showed ([`FileIngest::splittable`]). `meta.size` should be the
    /// part's length (it sizes the buffers); the first part's `meta` names the file.
    pub fn part(meta: FileMeta, format: Format, offset: u64) -> Self {
        let mut ing = FileIngest::new(meta);
        ing.stage = Stage::Plain;
        ing.splitter = LineSplitter::starting_at(offset);
        ing.format = format;
        ing.detail = format.label().to_string();
        let mut parser = FormatParser::new(format, &ing.meta, &[]);
        if let FormatParser::Audit(p) = &mut parser {
            p.track_rows();
        }
        ing.reader = Reader::Parsing(Box::new(parser));
        ing
    }

    /// Append the part read right after this one. `false`: the two cannot be joined into what
    /// one reader would have built (a document open across the cut, a format that does not
    /// merge, a first part still sniffing); read the file sequentially then.
    pub fn absorb(&mut self, next: FileIngest) -> bool {
        if self.gzip || !matches!(self.stage, Stage::Plain) || !self.splitter.at_line_start() {
            return false;
        }
        let (Reader::Parsing(a), Reader::Parsing(b)) = (&mut self.reader, next.reader) else {
            return false;
        };
        if self.format != next.format || !self.events.is_empty() || !next.events.is_empty() {
            return false;
        }
        let base = self.lines;
        let joined = match (a.as_mut(), *b) {
            (FormatParser::Audit(a), FormatParser::Audit(b)) => a.absorb(b, base),
            (FormatParser::Goroutines(a), FormatParser::Goroutines(b)) => a.absorb(b, base),
            _ => false,
        };
        if !joined {
            return false;
        }
        self.bytes_in += next.bytes_in;
        self.bytes += next.bytes;
        self.lines += next.lines;
        self.records += next.records;
        let d = next.diags;
        for (k, n) in d.counts {
            *self.diags.counts.entry(k).or_insert(0) += n;
        }
        self.diags.skipped_lines += d.skipped_lines;
        for mut k in d.kept {
            if self.diags.kept.len() >= Diagnostics::KEEP {
                break;
            }
            if k.line > 0 {
                k.line += base;
            }
            self.diags.kept.push(k);
        }
        self.notes.extend(next.notes);
        self.splitter = next.splitter;
        self.splitter.renumber(base);
        true
    }
}

/// Read a whole in-memory file (tests, small inputs). Streaming callers use [`FileIngest`].
pub fn parse_bytes(meta: FileMeta, bytes: &[u8]) -> ParsedFile {
    let mut ing = FileIngest::new(meta);
    ing.push(bytes);
    ing.finish()
}
