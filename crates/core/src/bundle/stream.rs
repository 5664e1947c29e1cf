//! The unpacking tree: one [`Node`] per byte stream. A stream's first bytes decide what it is —
//! compressed (gzip, xz, zstd: a decoder feeding a child node), a container (tar, zip read from
//! its start: one child node per member, in turn), or a file (a [`FileIngest`], or "not read"
//! with a reason) — so nesting (`.gz` members inside a tar, a tar inside a zip, a tar.gz inside
//! a tar) needs nothing special. Bytes are pushed through; nothing is unpacked into memory.

use super::classify;
use super::codec::{self, Decoder};
use super::event::Event;
use super::tar::{self, TarReader};
use super::zip::{self, local::LocalScan};
use crate::diag::DiagKind;
use crate::format::Format;
use crate::ingest::{FileIngest, FileMeta, ParsedFile};
use crate::source::{Codec, Source, Step, SEP};

/// Archives nested deeper than this are not opened.
const MAX_DEPTH: u32 = 8;
/// Bytes of a stream looked at before deciding what it is: a tar header needs 512, telling
/// binary data from text wants more.
const SNIFF: usize = classify::HEAD;

/// What a node knows about its stream: its names, how it is reached, its size and time.
#[derive(Clone, Debug, Default)]
pub struct Ctx {
    /// The bundle the stream belongs to; `None` for the given file itself.
    pub bundle: Option<String>,
    /// Path inside the bundle.
    pub path: String,
    /// For folder members: the file holding the bytes, relative to the folder.
    pub holder: String,
    /// Steps from the holder's bytes to this stream.
    pub reach: Vec<Step>,
    /// The stream's size, when known up front.
    pub size: Option<u64>,
    pub mtime_ms: Option<i64>,
    /// The given file's name (used when this is not a member).
    pub name: String,
    pub depth: u32,
}

impl Ctx {
    /// A member of a bundle (as opposed to a file the user gave).
    fn member(&self) -> bool {
        self.bundle.is_some()
    }

    /// The name the file is shown by.
    pub fn display(&self) -> String {
        match &self.bundle {
            Some(b) => Source::display_name(b, &self.path),
            None => self.name.clone(),
        }
    }

    /// A member `inner` of this stream (a container), reached by `reach` from it.
    pub fn child(
        &self,
        inner: &str,
        reach: Vec<Step>,
        size: Option<u64>,
        mtime: Option<i64>,
    ) -> Ctx {
        let (bundle, path) = match &self.bundle {
            Some(b) => (b.clone(), format!("{}{SEP}{inner}", self.path)),
            None => (self.name.clone(), inner.to_string()),
        };
        let mut r = self.reach.clone();
        r.extend(reach);
        Ctx {
            bundle: Some(bundle),
            path,
            holder: self.holder.clone(),
            reach: r,
            size,
            mtime_ms: mtime.map(|t| t.saturating_mul(1000)),
            name: String::new(),
            depth: self.depth + 1,
        }
    }

    /// This stream decompressed.
    fn decoded(&self, codec: Codec) -> Ctx {
        let mut c = self.clone();
        c.reach.push(Step::Decode(codec));
        c.size = None;
        c
    }

    fn source(&self, not_read: Option<String>) -> Option<Source> {
        if self.bundle.is_none() && self.reach.is_empty() {
            return None;
        }
        Some(Source {
            bundle: self.bundle.clone(),
            path: self.path.clone(),
            holder: self.holder.clone(),
            reach: self.reach.clone(),
            not_read,
        })
    }

    /// A member that is not read: an empty parse with the reason.
    pub fn not_read(&self, reason: String, bytes: u64) -> ParsedFile {
        let mut f = FileIngest::new(self.meta()).finish();
        f.bytes_in = bytes;
        f.source = self.source(Some(reason));
        f
    }

    fn meta(&self) -> FileMeta {
        FileMeta {
            name: self.display(),
            size: self.size,
            last_modified_ms: self.mtime_ms,
        }
    }
}

enum Kind {
    /// Collecting the head.
    Sniff(Vec<u8>),
    /// A compressed stream. `raw` keeps gzip's compressed bytes until the child knows whether
    /// it is a container: a `.log.gz` is given to `FileIngest` compressed, as a lone `.gz`
    /// would be, so its counts are the same.
    Decode {
        dec: Decoder,
        child: Box<Node>,
        raw: Option<Vec<u8>>,
    },
    Tar {
        tar: TarReader,
        member: Option<Box<Node>>,
    },
    Zip {
        scan: LocalScan,
        member: Option<Box<Node>>,
    },
    Leaf {
        ing: Box<FileIngest>,
        head: Vec<u8>,
    },
    NotRead(String),
}

/// See the module docs.
pub struct Node {
    ctx: Ctx,
    kind: Kind,
    bytes_in: u64,
}

impl Node {
    /// A stream whose kind its first bytes will tell.
    pub fn new(ctx: Ctx) -> Self {
        Node {
            ctx,
            kind: Kind::Sniff(Vec::new()),
            bytes_in: 0,
        }
    }

    /// A stream known to be a zip read from its start (the central directory was unreadable).
    pub fn zip(ctx: Ctx) -> Self {
        Node {
            ctx,
            kind: Kind::Zip {
                scan: LocalScan::default(),
                member: None,
            },
            bytes_in: 0,
        }
    }

    /// The file being read, when this stream is one plain (or gzip) file rather than an
    /// archive or a compressed container.
    pub fn leaf(&self) -> Option<&FileIngest> {
        match &self.kind {
            Kind::Leaf { ing, .. } => Some(ing),
            _ => None,
        }
    }

    /// Bytes pushed so far.
    pub fn bytes_in(&self) -> u64 {
        self.bytes_in
    }

    /// Push the stream's next bytes; finished members go to `out`.
    pub fn push(&mut self, bytes: &[u8], out: &mut Vec<ParsedFile>) {
        self.bytes_in += bytes.len() as u64;
        let ctx = &self.ctx;
        match &mut self.kind {
            Kind::Sniff(head) => {
                head.extend_from_slice(bytes);
                if head.len() >= SNIFF {
                    self.decide(false, out);
                }
            }
            Kind::Decode { dec, child, raw } => {
                if let Some(r) = raw {
                    r.extend_from_slice(bytes);
                }
                dec.push(bytes, &mut |b| child.push(b, out));
                self.settle(out);
            }
            Kind::Tar { tar, member } => tar.push(bytes, &mut |e| on_event(ctx, member, e, out)),
            Kind::Zip { scan, member } => scan.push(bytes, &mut |e| on_event(ctx, member, e, out)),
            Kind::Leaf { ing, head } => {
                if head.len() < classify::HEAD {
                    let n = (classify::HEAD - head.len()).min(bytes.len());
                    head.extend_from_slice(&bytes[..n]);
                }
                ing.push(bytes);
            }
            Kind::NotRead(_) => {}
        }
    }

    /// Decide what the stream is from its head (`eof`: the head is all of it) and replay it.
    fn decide(&mut self, eof: bool, out: &mut Vec<ParsedFile>) {
        let Kind::Sniff(head) = std::mem::replace(&mut self.kind, Kind::NotRead(String::new()))
        else {
            return;
        };
        let nest = self.ctx.depth < MAX_DEPTH;
        self.kind = if let Some(codec) = codec::sniff(&head).filter(|_| nest) {
            Kind::Decode {
                dec: Decoder::new(codec),
                child: Box::new(Node::new(self.ctx.decoded(codec))),
                raw: (codec == Codec::Gzip).then(Vec::new),
            }
        } else if nest && tar::sniff(&head) {
            Kind::Tar {
                tar: TarReader::default(),
                member: None,
            }
        } else if nest && zip::sniff(&head) {
            Kind::Zip {
                scan: LocalScan::default(),
                member: None,
            }
        } else {
            let size = if eof {
                Some(head.len() as u64)
            } else {
                self.ctx.size
            };
            match classify::not_a_log(&head, size).filter(|_| self.ctx.member()) {
                Some(why) => Kind::NotRead(why),
                None => Kind::Leaf {
                    ing: Box::new(FileIngest::new(self.ctx.meta())),
                    head: Vec::new(),
                },
            }
        };
        self.bytes_in -= head.len() as u64;
        self.push(&head, out);
    }

    /// A gzip stream whose content turned out not to be a container is read as a `.gz` file.
    fn settle(&mut self, out: &mut Vec<ParsedFile>) {
        let Kind::Decode {
            child,
            raw: raw @ Some(_),
            ..
        } = &mut self.kind
        else {
            return;
        };
        match &child.kind {
            Kind::Sniff(_) => {}
            Kind::Leaf { .. } => {
                let raw = raw.take().unwrap_or_default();
                self.kind = Kind::Leaf {
                    ing: Box::new(FileIngest::new(self.ctx.meta())),
                    head: Vec::new(),
                };
                self.bytes_in -= raw.len() as u64;
                self.push(&raw, out);
            }
            Kind::NotRead(why) => self.kind = Kind::NotRead(why.clone()),
            _ => *raw = None,
        }
    }

    /// End of the stream; `problem` says why it ended early, if it did.
    pub fn finish(mut self, out: &mut Vec<ParsedFile>, problem: Option<String>) {
        if let Kind::Sniff(_) = self.kind {
            self.decide(true, out);
        }
        if let Kind::Decode { dec, child, raw } = &mut self.kind {
            dec.finish(&mut |b| child.push(b, out));
            if raw.is_some() {
                if let Kind::Sniff(_) = child.kind {
                    child.decide(true, out);
                }
                self.settle(out);
            }
        }
        let ctx = self.ctx;
        match self.kind {
            Kind::Sniff(_) => {}
            Kind::Decode { dec, child, .. } => {
                let damage = dec.error().map(|e| {
                    format!(
                        "{}: the {} stream is unreadable after {} bytes of it: {e}",
                        ctx.display(),
                        codec_name(&child.ctx.reach),
                        self.bytes_in
                    )
                });
                child.finish(out, damage.or(problem));
            }
            Kind::Tar { mut tar, member } => {
                end_container(&ctx, member, problem, out, |e| tar.finish(e));
            }
            Kind::Zip { mut scan, member } => {
                end_container(&ctx, member, problem, out, |e| scan.finish(e));
            }
            Kind::Leaf { ing, head } => {
                let mut f = ing.finish();
                let not_read = (ctx.member() && f.format == Format::Unknown && f.lines > 0)
                    .then(|| classify::unrecognized_text(&head));
                if let Some(p) = problem {
                    f.diags.note(0, f.bytes, DiagKind::Truncated, p);
                }
                f.source = ctx.source(not_read);
                out.push(f);
            }
            Kind::NotRead(why) => out.push(ctx.not_read(why, self.bytes_in)),
        }
    }
}

/// The end of a container's stream: its reader reports what it cut short; the member being read
/// gets `problem` (why the stream ended early), or the container itself when between members.
fn end_container(
    ctx: &Ctx,
    mut member: Option<Box<Node>>,
    problem: Option<String>,
    out: &mut Vec<ParsedFile>,
    finish: impl FnOnce(&mut dyn FnMut(Event<'_>)),
) {
    finish(&mut |e| on_event(ctx, &mut member, e, out));
    if let Some(m) = member.take() {
        m.finish(out, problem);
    } else if let Some(p) = problem {
        damaged(ctx, "archive stream", None, p, out);
    }
}

fn codec_name(reach: &[Step]) -> &'static str {
    match reach.last() {
        Some(Step::Decode(c)) => c.name(),
        _ => "compressed",
    }
}

/// A container's event: start, feed or end its current member; list entries not read; report
/// damage as an entry of its own, so the list says where reading stopped.
fn on_event(ctx: &Ctx, member: &mut Option<Box<Node>>, e: Event<'_>, out: &mut Vec<ParsedFile>) {
    match e {
        Event::File {
            path,
            size,
            mtime,
            reach,
        } => {
            if let Some(m) = member.take() {
                m.finish(out, None);
            }
            *member = Some(Box::new(Node::new(ctx.child(path, reach, size, mtime))));
        }
        Event::Data(b) => {
            if let Some(m) = member {
                m.push(b, out);
            }
        }
        Event::End { problem } => {
            if let Some(m) = member.take() {
                let problem = problem.map(|p| format!("{}: {p}", ctx.display()));
                m.finish(out, problem);
            }
        }
        Event::Other { path, what } => {
            let c = ctx.child(path, Vec::new(), None, None);
            out.push(c.not_read(what, 0));
        }
        Event::Damaged { offset, reason } => {
            let what = if ctx.reach.iter().any(|s| matches!(s, Step::Decode(_))) {
                "decompressed archive stream"
            } else {
                "archive"
            };
            damaged(ctx, what, Some(offset), reason, out);
        }
    }
}

/// An entry for the part of an archive that could not be read.
fn damaged(ctx: &Ctx, what: &str, offset: Option<u64>, reason: String, out: &mut Vec<ParsedFile>) {
    let label = match offset {
        Some(o) => format!("⚠ damaged at byte {o}"),
        None => "⚠ damaged".to_string(),
    };
    let at = offset
        .map(|o| format!(": at byte {o} of the {what}"))
        .unwrap_or_default();
    let msg = format!("{}{at}: {reason}", ctx.display());
    out.push(ctx.child(&label, Vec::new(), None, None).not_read(msg, 0));
}
