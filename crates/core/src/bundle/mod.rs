//! Bundles: one dropped thing (an archive, a folder's file) becomes many files.
//!
//! ```text
//! bytes of a given file ─▶ BundleReader ─┬─ zip with a known size: central directory, entries
//!                                        │   by their local header offsets (random access)
//!                                        └─ else: stream::Node (gzip/xz/zstd ─▶ tar/zip ─▶ …)
//!            each member ─▶ FileIngest (or "not read" with a reason) ─▶ ParsedFile + Source
//! ```
//!
//! The registry of bundle formats: it knows [`codec`] (gzip, deflate, xz, zstd), [`tar`] and
//! [`zip`] by their magic bytes; those modules do not import it back (they share only
//! [`event`]). The core still does no I/O: [`BundleReader::want`] names the byte range of the
//! given file to read next, the caller (CLI, worker) reads it and hands it to
//! [`BundleReader::feed`]. A member's bytes are reached again through its
//! [`crate::source::Source`] by [`reread::Reread`].

pub mod classify;
pub mod codec;
pub mod event;
pub mod reread;
pub mod stream;
pub mod tar;
pub mod zip;

use crate::ingest::{FileMeta, ParsedFile, Progress};
use stream::{Ctx, Node};
use zip::directory::{self, End};
use zip::{Entry, EntryReader};

/// Bytes asked for per read in streaming mode (the browser's slice size, the CLI's read size).
pub const CHUNK: u64 = 4 << 20;
/// A central directory larger than this is not believed.
const MAX_DIRECTORY: u64 = 256 << 20;

/// What a stream is, from its first bytes (the bundle formats this registry knows).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Gzip,
    Xz,
    Zstd,
    Tar,
    Zip,
    /// Anything else: a file to read.
    File,
}

pub use crate::source::FORMATS;

/// What `head` (a stream's first bytes, 512 or all of them) is.
pub fn sniff(head: &[u8]) -> Kind {
    use crate::source::Codec;
    match codec::sniff(head) {
        Some(Codec::Gzip) => Kind::Gzip,
        Some(Codec::Xz) => Kind::Xz,
        Some(Codec::Zstd) => Kind::Zstd,
        Some(Codec::Deflate) => Kind::File,
        None if tar::sniff(head) => Kind::Tar,
        None if zip::sniff(head) => Kind::Zip,
        None => Kind::File,
    }
}

enum Mode {
    /// Nothing read yet.
    Start,
    /// Bytes pushed through the unpacking tree, in order.
    Stream(Box<Node>),
    /// A zip read by its central directory.
    Zip(Box<ZipDir>),
    Done,
}

/// Reads one given file — an archive, a compressed file, a plain log, a folder's file — into
/// one [`ParsedFile`] per member. See the module docs.
pub struct BundleReader {
    root: Ctx,
    mode: Mode,
    /// Stream mode: the next offset to read.
    pos: u64,
    bytes_in: u64,
    files: Vec<ParsedFile>,
}

impl BundleReader {
    /// A file the user gave (dropped, picked, named on the command line).
    pub fn new(meta: FileMeta) -> Self {
        Self::with(Ctx {
            name: meta.name,
            size: meta.size,
            mtime_ms: meta.last_modified_ms,
            ..Ctx::default()
        })
    }

    /// A file of a folder the user gave: `folder` as named, `rel` the file's path inside it.
    pub fn in_folder(meta: FileMeta, folder: &str, rel: &str) -> Self {
        Self::with(Ctx {
            bundle: Some(folder.to_string()),
            path: rel.to_string(),
            holder: rel.to_string(),
            size: meta.size,
            mtime_ms: meta.last_modified_ms,
            name: meta.name,
            ..Ctx::default()
        })
    }

    fn with(root: Ctx) -> Self {
        BundleReader {
            root,
            mode: Mode::Start,
            pos: 0,
            bytes_in: 0,
            files: Vec::new(),
        }
    }

    /// The byte range of the given file to read next (`end` may be past the file's end when
    /// its size is unknown), or `None` when reading is complete. Read any prefix of it, at least
    /// one byte unless the file ends there, and pass it to [`Self::feed`].
    pub fn want(&self) -> Option<(u64, u64)> {
        match &self.mode {
            Mode::Start | Mode::Stream(_) => match self.root.size {
                Some(s) if self.pos >= s => None,
                Some(s) => Some((self.pos, s.min(self.pos + CHUNK))),
                None => Some((self.pos, self.pos + CHUNK)),
            },
            Mode::Zip(z) => z.want(),
            Mode::Done => None,
        }
    }

    /// The bytes of the range [`Self::want`] named (a prefix of it; empty at the file's end).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.bytes_in += bytes.len() as u64;
        if bytes.is_empty() && !matches!(self.mode, Mode::Zip(_)) {
            // The file ended before its announced size (or its size was unknown).
            self.root.size = Some(self.pos);
            return;
        }
        match &mut self.mode {
            Mode::Start => {
                let size = self.root.size;
                if zip::sniff(bytes) && size.is_some_and(|s| s >= 22) && self.root.depth == 0 {
                    self.mode = Mode::Zip(Box::new(ZipDir::new(size.unwrap_or(0))));
                    return;
                }
                self.mode = Mode::Stream(Box::new(Node::new(self.root.clone())));
                self.feed_stream(bytes);
            }
            Mode::Stream(_) => self.feed_stream(bytes),
            Mode::Zip(z) => {
                if let Err(why) = z.feed(bytes, &self.root, &mut self.files) {
                    // The central directory is unreadable: read the zip from its start.
                    self.files.push(
                        self.root
                            .child("⚠ central directory", Vec::new(), None, None)
                            .not_read(format!("{}: central directory unreadable ({why}); the members were found by reading the archive from its start instead", self.root.display()), 0),
                    );
                    self.mode = Mode::Stream(Box::new(Node::zip(self.root.clone())));
                    self.pos = 0;
                }
            }
            Mode::Done => {}
        }
    }

    fn feed_stream(&mut self, bytes: &[u8]) {
        if let Mode::Stream(node) = &mut self.mode {
            node.push(bytes, &mut self.files);
            self.pos += bytes.len() as u64;
        }
    }

    /// Progress so far, for progress bars (bytes of the given file, records and skipped lines
    /// of the members read so far).
    pub fn progress(&self) -> Progress {
        Progress {
            bytes_in: match &self.mode {
                Mode::Zip(z) => z.progress(),
                _ => self.pos,
            },
            records: self.files.iter().map(|f| f.records).sum(),
            skipped: self.files.iter().map(|f| f.diags.skipped_lines).sum(),
        }
    }

    /// What reading all `total` bytes of a plain file will take in memory, projected from what
    /// was read so far (`FileIngest::projected_memory`); `None` for archives and before enough
    /// was read. The browser checks it against the tab's 4 GiB before reading it all.
    pub fn projected_memory(&self, total: u64) -> Option<u64> {
        match &self.mode {
            Mode::Stream(node) => node.leaf()?.projected_memory(total),
            _ => None,
        }
    }

    /// Members finished so far.
    pub fn members(&self) -> usize {
        self.files.len()
    }

    /// End of reading: every member, read or not, in archive order.
    pub fn finish(mut self) -> Vec<ParsedFile> {
        match std::mem::replace(&mut self.mode, Mode::Done) {
            Mode::Start => Node::new(self.root.clone()).finish(&mut self.files, None),
            Mode::Stream(node) => node.finish(&mut self.files, None),
            Mode::Zip(z) => z.finish(&self.root, &mut self.files),
            Mode::Done => {}
        }
        self.files
    }
}

/// A zip read by its central directory.
struct ZipDir {
    size: u64,
    stage: Stage,
    /// Bytes collected for the current stage's record.
    buf: Vec<u8>,
    fed: u64,
}

enum Stage {
    Tail,
    Zip64(u64),
    Directory { offset: u64, size: u64 },
    Header { entries: Vec<Entry>, i: usize },
    Data(Box<Current>),
}

struct Current {
    entries: Vec<Entry>,
    i: usize,
    node: Node,
    reader: EntryReader,
    at: u64,
    end: u64,
}

impl ZipDir {
    fn new(size: u64) -> Self {
        ZipDir {
            size,
            stage: Stage::Tail,
            buf: Vec::new(),
            fed: 0,
        }
    }

    fn progress(&self) -> u64 {
        match &self.stage {
            Stage::Header { entries, i } => entries.get(*i).map_or(self.size, |e| e.header_offset),
            Stage::Data(c) => c.at,
            _ => 0,
        }
    }

    /// The whole record the stage reads: start and end.
    fn record(&self) -> Option<(u64, u64)> {
        match &self.stage {
            Stage::Tail => Some((self.size - self.size.min(directory::TAIL), self.size)),
            Stage::Zip64(at) => Some((*at, at.saturating_add(56))),
            Stage::Directory { offset, size } => Some((*offset, offset + size)),
            Stage::Header { entries, i } => entries
                .get(*i)
                .map(|e| (e.header_offset, e.header_offset.saturating_add(30))),
            Stage::Data(_) => None,
        }
    }

    fn want(&self) -> Option<(u64, u64)> {
        if let Stage::Data(c) = &self.stage {
            return Some((c.at, c.end.min(c.at + CHUNK)));
        }
        let (a, b) = self.record()?;
        Some((a + self.buf.len() as u64, b))
    }

    /// Feed the bytes asked for. `Err` when the central directory cannot be read.
    fn feed(
        &mut self,
        bytes: &[u8],
        root: &Ctx,
        files: &mut Vec<ParsedFile>,
    ) -> Result<(), String> {
        self.fed += bytes.len() as u64;
        if let Stage::Data(c) = &mut self.stage {
            let node = &mut c.node;
            c.reader.push(bytes, &mut |b| node.push(b, files));
            c.at += bytes.len() as u64;
            if c.at >= c.end || bytes.is_empty() {
                self.end_entry(root, files);
            }
            return Ok(());
        }
        let Some((a, b)) = self.record() else {
            return Ok(());
        };
        self.buf.extend_from_slice(bytes);
        let complete = self.buf.len() as u64 >= b - a;
        if !complete && !bytes.is_empty() {
            return Ok(());
        }
        let rec = std::mem::take(&mut self.buf);
        match std::mem::replace(&mut self.stage, Stage::Tail) {
            Stage::Tail => {
                self.stage = match directory::find_end(&rec, self.size)? {
                    End::Zip64At(at) if at < self.size => Stage::Zip64(at),
                    End::Zip64At(at) => {
                        return Err(format!(
                            "zip64 end record placed at byte {at}, past the end"
                        ))
                    }
                    End::Directory { offset, size, .. } => Self::directory(offset, size)?,
                };
            }
            Stage::Zip64(_) => {
                let End::Directory { offset, size, .. } = directory::zip64_end(&rec)? else {
                    return Err("zip64 end record unreadable".into());
                };
                self.stage = Self::directory(offset, size)?;
            }
            Stage::Directory { offset, .. } => {
                let entries = match directory::entries(&rec, offset) {
                    Ok(e) => e,
                    Err((e, why)) if e.is_empty() => return Err(why),
                    Err((e, why)) => {
                        files.push(
                            root.child("⚠ central directory", Vec::new(), None, None)
                                .not_read(
                                    format!(
                                        "{}: {why}; the {} entries listed before it are read",
                                        root.display(),
                                        e.len()
                                    ),
                                    0,
                                ),
                        );
                        e
                    }
                };
                self.stage = Stage::Header { entries, i: 0 };
                self.skip_unreadable(root, files);
            }
            Stage::Header { entries, i } => {
                self.start_entry(entries, i, &rec, root, files);
            }
            Stage::Data(_) => {}
        }
        Ok(())
    }

    fn directory(offset: u64, size: u64) -> Result<Stage, String> {
        if size > MAX_DIRECTORY {
            return Err(format!(
                "a central directory of {size} bytes is implausible"
            ));
        }
        Ok(Stage::Directory { offset, size })
    }

    /// Entries that are directories or cannot be read are listed (or passed) without reading.
    fn skip_unreadable(&mut self, root: &Ctx, files: &mut Vec<ParsedFile>) {
        let Stage::Header { entries, i } = &mut self.stage else {
            return;
        };
        while let Some(e) = entries.get(*i) {
            if e.is_dir() && e.size == 0 {
                *i += 1;
            } else if let Some(why) = e.unreadable() {
                files.push(
                    root.child(&e.name, Vec::new(), None, None)
                        .not_read(why, e.csize),
                );
                *i += 1;
            } else {
                break;
            }
        }
    }

    fn start_entry(
        &mut self,
        entries: Vec<Entry>,
        i: usize,
        rec: &[u8],
        root: &Ctx,
        files: &mut Vec<ParsedFile>,
    ) {
        let e = &entries[i];
        if rec.len() < 30 || zip::le32(rec, 0) != 0x0403_4b50 {
            files.push(root.child(&e.name, Vec::new(), None, None).not_read(
                format!(
                    "{}: no local header at byte {} where the central directory places {}",
                    root.display(),
                    e.header_offset,
                    e.name
                ),
                0,
            ));
            self.stage = Stage::Header { entries, i: i + 1 };
            self.skip_unreadable(root, files);
            return;
        }
        let data = e.header_offset + 30 + zip::le16(rec, 26) as u64 + zip::le16(rec, 28) as u64;
        let ctx = root.child(&e.name, e.reach(data), Some(e.size), e.mtime);
        let cur = Current {
            node: Node::new(ctx),
            reader: EntryReader::new(e, true),
            at: data,
            end: data.saturating_add(e.csize).min(self.size),
            entries,
            i,
        };
        let empty = cur.at >= cur.end;
        self.stage = Stage::Data(Box::new(cur));
        if empty {
            self.end_entry(root, files);
        }
    }

    fn end_entry(&mut self, root: &Ctx, files: &mut Vec<ParsedFile>) {
        let Stage::Data(c) = std::mem::replace(&mut self.stage, Stage::Tail) else {
            return;
        };
        let Current {
            entries,
            i,
            mut node,
            mut reader,
            at,
            end,
        } = *c;
        let mut problem = reader.finish(&mut |b| node.push(b, files));
        if at < end {
            problem = Some(format!(
                "the archive ends inside it ({} bytes missing)",
                end - at
            ));
        }
        let problem = problem.map(|p| format!("{}: {}: {p}", root.display(), entries[i].name));
        node.finish(files, problem);
        self.stage = Stage::Header { entries, i: i + 1 };
        self.skip_unreadable(root, files);
    }

    fn finish(self, root: &Ctx, files: &mut Vec<ParsedFile>) {
        let mut z = self;
        if let Stage::Data(_) = z.stage {
            z.end_entry(root, files);
        }
        if let Stage::Header { entries, i } = &z.stage {
            for e in &entries[*i..] {
                files.push(root.child(&e.name, Vec::new(), None, None).not_read(
                    format!("{}: the archive ends before this entry", root.display()),
                    0,
                ));
            }
        }
    }
}

/// Read a whole in-memory file as [`BundleReader`] would read it from disk, each read at most
/// `chunk` bytes (tests and fuzzing; callers with files drive `want`/`feed` themselves).
pub fn read_bytes(meta: FileMeta, bytes: &[u8], chunk: usize) -> Vec<ParsedFile> {
    let mut r = BundleReader::new(FileMeta {
        size: meta.size.or(Some(bytes.len() as u64)),
        ..meta
    });
    while let Some((a, b)) = r.want() {
        let a = (a as usize).min(bytes.len());
        let b = (b.min(bytes.len() as u64) as usize).clamp(a, a.saturating_add(chunk.max(1)));
        r.feed(&bytes[a..b]);
    }
    r.finish()
}
