//! One file read on two threads: this one parses while another reads the file, decompresses
//! it (gzip), splits it into lines and reads their klog headers ahead of it
//! (`whodunnit_core::ingest::Ahead`). Neither a gzip stream nor a node log can be cut into ranges
//! as a plain audit log is; this is the work on them that needs no cut. The result is one
//! thread's (`tests/parallel.rs`).

use crate::files::{file_meta, CHUNK};
use std::fs::File;
use std::io::{self, Read};
use std::sync::mpsc::{channel, sync_channel};
use whodunnit_core::bundle::{self, Kind};
use whodunnit_core::decompress::Gunzip;
use whodunnit_core::ingest::Batch;
use whodunnit_core::{FileIngest, ParsedFile};

/// Batches in flight between the two threads: enough that neither waits on the other's
/// hiccups, few enough to stay in the caches.
const DEPTH: usize = 4;

/// The smallest file worth a second thread (`WHODUNNIT_AHEAD_MIN` bytes overrides it: the
/// tests read small real files this way).
pub fn min_size() -> u64 {
    std::env::var("WHODUNNIT_AHEAD_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(4 << 20)
}

/// Whether a file whose first bytes are `head` is read by [`read_ahead`] as the bundle layer
/// would read it: a plain file, or a gzip stream holding one (not a `.tar.gz`, nor another
/// compressed stream: those are the bundle layer's).
pub fn suits(head: &[u8]) -> bool {
    match bundle::sniff(head) {
        Kind::File => true,
        Kind::Gzip => {
            let mut inner = Vec::new();
            let mut gz = Gunzip::new();
            gz.push(&head[..head.len().min(64 << 10)], &mut |d| {
                inner.extend_from_slice(&d[..d.len().min(8192)])
            });
            bundle::sniff(&inner) == Kind::File
        }
        _ => false,
    }
}

/// Read one file that [`suits`]: a gzipped file's decompression, and a node log's lines, go to
/// a second thread once its first chunks have shown what it is. Anything else is read on this
/// thread alone, as `files::read_file` would.
pub fn read_ahead(path: &str) -> io::Result<Vec<ParsedFile>> {
    let mut f = File::open(path)?;
    let md = f.metadata()?;
    let mut ing = FileIngest::new(file_meta(path, &md));
    let mut buf = vec![0u8; CHUNK as usize];
    let mut ahead = loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(vec![ing.finish()]);
        }
        ing.push(&buf[..n]);
        if let Some(a) = ing.ahead() {
            break a;
        }
    };
    let (full_tx, full_rx) = sync_channel::<Batch>(DEPTH);
    let (empty_tx, empty_rx) = channel::<Batch>();
    for _ in 0..=DEPTH {
        let _ = empty_tx.send(Batch::default());
    }
    std::thread::scope(|s| {
        let reader = s.spawn(move || -> io::Result<()> {
            // Batches come back once parsed: their buffers are reused, not reallocated.
            while let Ok(mut batch) = empty_rx.recv() {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    ahead.finish(&mut batch);
                    let _ = full_tx.send(batch);
                    break;
                }
                ahead.batch(&buf[..n], &mut batch);
                if full_tx.send(batch).is_err() {
                    break;
                }
            }
            Ok(())
        });
        for batch in full_rx {
            ing.push_batch(&batch);
            let _ = empty_tx.send(batch);
        }
        reader
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("reader thread panicked")))
    })?;
    Ok(vec![ing.finish()])
}
