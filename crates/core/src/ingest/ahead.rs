//! A file read on two threads: one decompresses it (gzip), splits it into lines and reads their
//! klog headers ([`Ahead`], a [`Batch`] per chunk), the other parses the lines in order
//! ([`FileIngest::push_batch`]).
//!
//! A gzip stream cannot be cut into ranges, and a node log cannot either: the template miner,
//! the years of yearless stamps and continuation lines carry state from each line to the next
//! that no join reproduces exactly. What depends on the bytes alone can still go ahead of the
//! parser: decompressing (half of reading a gzipped audit log), finding the line breaks and
//! reading a klog header (a third of reading a klog file, with the kernel's copy of the bytes,
//! which the reading thread also takes). The parser gets the very lines, numbers and offsets
//! the [`LineSplitter`] gives it in one thread, and a klog line's header is what its recognizer
//! chain would have read (recognizers are exclusive): the result is one thread's, byte for byte
//! (tested on every real node log and gzipped file).
//!
//! The core spawns no thread (it runs in a wasm worker too): the caller moves the [`Ahead`]
//! and the batches between threads.

use super::{FileIngest, Reader, Stage};
use crate::decompress::Gunzip;
use crate::format::FormatParser;
use crate::lines::{LineAt, LineSplitter, Piece};
use crate::nodelog::lines::klog::{klog, KlogHead};

/// The lines of one chunk, split and with their klog headers read, for
/// [`FileIngest::push_batch`]. Reused from chunk to chunk ([`Ahead::batch`] clears it): its
/// buffers keep their capacity.
#[derive(Default)]
pub struct Batch {
    /// The lines' bytes, one after the other (terminators stripped).
    text: Vec<u8>,
    items: Vec<Item>,
    /// Bytes of the file the chunk held, and after decompression.
    bytes_in: u64,
    bytes: u64,
}

enum Item {
    /// `text[start..end]`, with its klog header if it has one.
    Line {
        start: usize,
        end: usize,
        at: LineAt,
        klog: Option<KlogHead>,
    },
    /// A line over [`LineSplitter::MAX_LINE`], skipped: its place and length.
    TooLong(LineAt, u64),
    /// The gzip stream broke here: why.
    Unreadable(String),
}

impl Batch {
    fn clear(&mut self, bytes_in: usize) {
        self.text.clear();
        self.items.clear();
        self.bytes_in = bytes_in as u64;
        self.bytes = 0;
    }

    /// Split `bytes` (decompressed) with `splitter`, reading klog headers when `klog`.
    fn split(&mut self, splitter: &mut LineSplitter, bytes: &[u8], klog: bool) {
        self.bytes += bytes.len() as u64;
        splitter.push(bytes, &mut |p| self.take(p, klog));
    }

    fn take(&mut self, p: Piece<'_>, read_klog: bool) {
        match p {
            Piece::Line(l, at) => {
                let start = self.text.len();
                self.text.extend_from_slice(l);
                self.items.push(Item::Line {
                    start,
                    end: self.text.len(),
                    at,
                    klog: if read_klog { klog(l) } else { None },
                });
            }
            Piece::TooLong(at, len) => self.items.push(Item::TooLong(at, len)),
        }
    }
}

/// The decompressor and line splitter of a file, taken from its [`FileIngest`] to run ahead of
/// the parser (see the module docs).
pub struct Ahead {
    splitter: LineSplitter,
    gz: Option<Box<Gunzip>>,
    /// The file is a node log: read klog headers.
    klog: bool,
}

impl Ahead {
    /// Decompress and split the file's next chunk into `out` (cleared first).
    pub fn batch(&mut self, chunk: &[u8], out: &mut Batch) {
        out.clear(chunk.len());
        let (splitter, klog) = (&mut self.splitter, self.klog);
        match &mut self.gz {
            Some(gz) => gz.push(chunk, &mut |d| out.split(splitter, d, klog)),
            None => out.split(splitter, chunk, klog),
        }
    }

    /// The end of the file into `out`: what the decompressor still held, why the gzip stream
    /// broke if it did, and the last line when no line break ended it.
    pub fn finish(mut self, out: &mut Batch) {
        out.clear(0);
        let (splitter, klog) = (&mut self.splitter, self.klog);
        if let Some(gz) = &mut self.gz {
            gz.finish(&mut |d| out.split(splitter, d, klog));
            if let Some(e) = gz.error() {
                out.items.push(Item::Unreadable(e.to_string()));
            }
        }
        splitter.finish(&mut |p| out.take(p, klog));
    }
}

impl FileIngest {
    /// The decompressor and line splitter, to run ahead of the parser on another thread: `Some`
    /// once the file's format is known, for a gzipped file or a plain node log (a plain file
    /// of another format has nothing worth a thread to do ahead: audit logs and goroutine dumps
    /// are cut into ranges instead). From then on the file's bytes come as batches
    /// ([`Self::push_batch`]), never through [`Self::push`]; the last one from [`Ahead::finish`].
    pub fn ahead(&mut self) -> Option<Ahead> {
        let Reader::Parsing(p) = &self.reader else {
            return None;
        };
        let node_log = matches!(**p, FormatParser::NodeLog(_));
        if self.ahead || !(self.gzip || node_log) {
            return None;
        }
        let gz = match std::mem::replace(&mut self.stage, Stage::Plain) {
            Stage::Gzip(gz) => Some(gz),
            Stage::Plain => None,
            magic @ Stage::Magic(_) => {
                self.stage = magic;
                return None;
            }
        };
        self.ahead = true;
        Some(Ahead {
            splitter: std::mem::take(&mut self.splitter),
            gz,
            klog: node_log,
        })
    }

    /// Parse a batch of lines from [`Ahead`], in the file's order.
    pub fn push_batch(&mut self, batch: &Batch) {
        self.bytes_in += batch.bytes_in;
        self.bytes += batch.bytes;
        for item in &batch.items {
            match item {
                &Item::Line {
                    start,
                    end,
                    at,
                    klog,
                } => {
                    self.lines += 1;
                    self.line_with(&batch.text[start..end], at, klog);
                }
                &Item::TooLong(at, len) => self.piece(Piece::TooLong(at, len)),
                Item::Unreadable(e) => self.gzip_unreadable(e),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::FileMeta;

    /// Read `bytes` in `chunk`-byte chunks: sequentially, and with the lines split ahead from
    /// the first chunk the file is known to be a node log on.
    fn both(name: &str, bytes: &[u8], chunk: usize) -> (String, String, bool) {
        let meta = FileMeta {
            name: name.to_string(),
            size: Some(bytes.len() as u64),
            last_modified_ms: Some(1_700_000_000_000),
        };
        let mut one = FileIngest::new(meta.clone());
        for c in bytes.chunks(chunk) {
            one.push(c);
        }
        let mut two = FileIngest::new(meta);
        let mut ahead = None;
        let mut batch = Batch::default();
        for c in bytes.chunks(chunk) {
            match &mut ahead {
                None => {
                    two.push(c);
                    ahead = two.ahead();
                }
                Some(a) => {
                    a.batch(c, &mut batch);
                    two.push_batch(&batch);
                }
            }
        }
        let went_ahead = ahead.is_some();
        if let Some(a) = ahead {
            a.finish(&mut batch);
            two.push_batch(&batch);
        }
        let json = |f: FileIngest| serde_json::to_string(&f.finish()).expect("serializes");
        (json(one), json(two), went_ahead)
    }

    /// Every real node log of the corpus, and every gzipped file as it lies (decompressed
    /// ahead), in chunks of 64 KiB (and of 4,093 bytes, lines across every chunk, for the
    /// smaller ones): reading ahead gives what one thread gives, byte for byte.
    #[test]
    fn reading_ahead_equals_one_thread_on_real_files() {
        let Some(root) = whodunnit_testdata::corpus_root() else {
            return;
        };
        let mut todo = vec![root.to_path_buf()];
        let (mut node_logs, mut gzipped) = (0, 0);
        while let Some(dir) = todo.pop() {
            for e in std::fs::read_dir(dir).expect("corpus dir") {
                let p = e.expect("entry").path();
                if p.is_dir() {
                    todo.push(p);
                    continue;
                }
                if p.extension().is_some_and(|x| x == "md") {
                    continue;
                }
                let raw = whodunnit_testdata::read(&p);
                let plain = whodunnit_testdata::gunzip_if(raw.clone());
                let gz = (plain != raw).then_some(raw);
                for bytes in [Some(plain), gz].into_iter().flatten() {
                    let mut probe = FileIngest::new(FileMeta::default());
                    probe.push(&bytes[..bytes.len().min(1 << 20)]);
                    if probe.ahead().is_none() {
                        continue; // read by one thread either way
                    }
                    let name = p.display().to_string();
                    let small = (bytes.len() < 1 << 20).then_some(4093);
                    for chunk in [Some(64 << 10), small].into_iter().flatten() {
                        let (one, two, went) = both(&name, &bytes, chunk);
                        assert!(
                            went && one == two,
                            "{name}, chunks of {chunk}: ahead differs"
                        );
                    }
                    if probe.gzip {
                        gzipped += 1;
                    } else {
                        node_logs += 1;
                    }
                }
            }
        }
        assert!(node_logs >= 12, "only {node_logs} node logs");
        assert!(gzipped >= 4, "only {gzipped} gzipped files");
    }

    /// A gzip stream cut short and one corrupted halfway: the same lines, and the same note
    /// saying where decompression stopped, as one thread gives.
    #[test]
    fn broken_gzip_streams() {
        let Some(p) = whodunnit_testdata::corpus("live-controlplane/kube-apiserver.log.gz") else {
            return;
        };
        let gz = whodunnit_testdata::read(p);
        let cut = &gz[..gz.len() * 2 / 3];
        let mut bad = gz.clone();
        let mid = bad.len() / 2;
        bad[mid..mid + 64].fill(0x55);
        for bytes in [cut, &bad[..]] {
            let (one, two, went) = both("kube-apiserver.log.gz", bytes, 4093);
            assert!(went);
            assert!(one.contains("gzip stream unreadable"), "{}", &one[..300]);
            assert!(one == two, "broken gzip: differs");
        }
    }

    /// Lines over the limit, CRLF, a last line without a break; an audit log plain and gzipped.
    #[test]
    fn long_lines_crlf_and_other_formats() {
        let mut log = Vec::new();
        for i in 0..3000 {
            log.extend_from_slice(
                format!(
                    "I0820 20:28:{:02}.508550    3312 flags.go:33] FLAG: --n=\"{i}\"\r\n",
                    i % 60
                )
                .as_bytes(),
            );
            if i % 700 == 0 {
                log.extend_from_slice(b"  a continuation line\n\n");
            }
        }
        log.extend_from_slice(b"E0820 20:29:00.000001    3312 x.go:1] last, no break");
        for chunk in [1 << 10, 97] {
            let (one, two, went) = both("kubelet.log", &log, chunk);
            assert!(went);
            assert!(one == two, "chunks of {chunk}: ahead differs");
        }
        let audit = br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"u"},"requestReceivedTimestamp":"2024-01-01T00:00:00.000000Z","stageTimestamp":"2024-01-01T00:00:00.100000Z"}
"#
        .repeat(200);
        let (one, two, went) = both("audit.log", &audit, 512);
        assert!(!went, "a plain audit log is cut into ranges instead");
        assert!(one == two, "audit log: differs");
        let gz = whodunnit_testdata::gzip(&audit);
        let (one, two, went) = both("audit.log.gz", &gz, 512);
        assert!(went, "a gzipped one is decompressed ahead");
        assert!(one == two, "gzipped audit log: differs");
    }
}
