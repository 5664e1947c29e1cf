//! A node log read on two threads: one splits the bytes into lines and reads their klog
//! headers ([`Ahead`], a [`Batch`] per chunk), the other parses the lines in order
//! ([`FileIngest::push_batch`]).
//!
//! Node logs are not cut into ranges read in parallel as audit logs are: the template miner,
//! the years of yearless stamps and continuation lines carry state from each line to the next
//! that no join reproduces exactly. What depends on one line alone can still go ahead of the
//! parser: finding the line breaks and reading a klog header were a third of reading a klog
//! file (with the kernel's copy of the bytes, which the reading thread also takes). The
//! parser gets the very lines, numbers and offsets the [`LineSplitter`] gives it in one
//! thread, and a klog line's header is what its recognizer chain would have read (recognizers
//! are exclusive): the result is one thread's, byte for byte (tested on every real node log).
//!
//! The core spawns no thread (it runs in a wasm worker too): the caller moves the [`Ahead`]
//! and the batches between threads.

use super::{FileIngest, Reader, Stage};
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
    /// Bytes of the file the chunk held.
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
}

impl Batch {
    /// Lines in the batch (a line completed by this chunk counts here, wherever it began).
    pub fn lines(&self) -> usize {
        self.items.len()
    }

    fn clear(&mut self, bytes: usize) {
        self.text.clear();
        self.items.clear();
        self.bytes = bytes as u64;
    }

    fn take(&mut self, p: Piece<'_>) {
        match p {
            Piece::Line(l, at) => {
                let start = self.text.len();
                self.text.extend_from_slice(l);
                self.items.push(Item::Line {
                    start,
                    end: self.text.len(),
                    at,
                    klog: klog(l),
                });
            }
            Piece::TooLong(at, len) => self.items.push(Item::TooLong(at, len)),
        }
    }
}

/// The line splitter of a node log, taken from its [`FileIngest`] to run ahead of the parser
/// (see the module docs).
pub struct Ahead {
    splitter: LineSplitter,
}

impl Ahead {
    /// Split the file's next chunk into `out` (cleared first).
    pub fn batch(&mut self, chunk: &[u8], out: &mut Batch) {
        out.clear(chunk.len());
        self.splitter.push(chunk, &mut |p| out.take(p));
    }

    /// The end of the file: its last line when no line break ended it, into `out`.
    pub fn finish(mut self, out: &mut Batch) {
        out.clear(0);
        self.splitter.finish(&mut |p| out.take(p));
    }
}

impl FileIngest {
    /// The line splitter, to run ahead of the parser on another thread: `Some` once the file is
    /// known to be an uncompressed node log. From then on the file's bytes come as batches
    /// ([`Self::push_batch`]), never through [`Self::push`]; the last one from
    /// [`Ahead::finish`].
    pub fn ahead(&mut self) -> Option<Ahead> {
        let node_log =
            matches!(&self.reader, Reader::Parsing(p) if matches!(**p, FormatParser::NodeLog(_)));
        if self.gzip || !matches!(self.stage, Stage::Plain) || !node_log || self.ahead {
            return None;
        }
        self.ahead = true;
        Some(Ahead {
            splitter: std::mem::take(&mut self.splitter),
        })
    }

    /// Parse a batch of lines from [`Ahead`], in the file's order.
    pub fn push_batch(&mut self, batch: &Batch) {
        self.bytes_in += batch.bytes;
        self.bytes += batch.bytes;
        for item in &batch.items {
            match *item {
                Item::Line {
                    start,
                    end,
                    at,
                    klog,
                } => {
                    self.lines += 1;
                    self.line_with(&batch.text[start..end], at, klog);
                }
                Item::TooLong(at, len) => self.piece(Piece::TooLong(at, len)),
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

    /// Every real node log of the corpus, in chunks of 64 KiB (and of 4,093 bytes, lines across
    /// every chunk, for the smaller ones): reading ahead gives what one thread gives, byte for
    /// byte.
    #[test]
    fn reading_ahead_equals_one_thread_on_real_files() {
        let Some(root) = whodunnit_testdata::corpus_root() else {
            return;
        };
        let mut todo = vec![root.to_path_buf()];
        let mut ahead_files = 0;
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
                let bytes = whodunnit_testdata::gunzip_if(whodunnit_testdata::read(&p));
                let mut probe = FileIngest::new(FileMeta::default());
                probe.push(&bytes[..bytes.len().min(1 << 20)]);
                if probe.ahead().is_none() {
                    continue; // not a node log: read by one thread either way
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
                ahead_files += 1;
            }
        }
        assert!(ahead_files >= 12, "only {ahead_files} node logs");
    }

    /// Lines over the limit, CRLF, a last line without a break, and a file not a node log.
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
        assert!(!went);
        assert!(one == two, "audit log: differs");
    }
}
