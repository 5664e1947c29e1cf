//! Re-reading event bytes from the files on disk by byte range (the core does no I/O): what
//! lets findings and the timeline quote the user's own lines instead of mined templates.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use whodunnit_core::decompress::{is_gzip, Gunzip};
use whodunnit_core::findings::TextSource;
use whodunnit_core::Dataset;

/// Gzipped files are decompressed once and kept, up to this size.
const MAX_CACHED: usize = 1 << 30;

/// Re-reads event bytes from the files on disk (the core itself does no I/O).
pub struct Disk<'a> {
    ds: &'a Dataset,
    gz: RefCell<HashMap<usize, Option<Vec<u8>>>>,
}

impl<'a> Disk<'a> {
    /// A reader over the files of `ds` (their names are the paths read).
    pub fn new(ds: &'a Dataset) -> Self {
        Self {
            ds,
            gz: RefCell::new(HashMap::new()),
        }
    }

    fn gunzip(path: &str) -> Option<Vec<u8>> {
        let mut raw = Vec::new();
        std::fs::File::open(path).ok()?.read_to_end(&mut raw).ok()?;
        let mut out = Vec::new();
        let mut g = Gunzip::new();
        let mut too_big = false;
        let mut sink = |b: &[u8]| {
            if out.len() + b.len() > MAX_CACHED {
                too_big = true;
            } else {
                out.extend_from_slice(b);
            }
        };
        g.push(&raw, &mut sink);
        g.finish(&mut sink);
        (!too_big).then_some(out)
    }
}

impl TextSource for Disk<'_> {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let f = self.ds.files.get(file)?;
        let path = &f.meta.name;
        if f.gzip {
            let mut cache = self.gz.borrow_mut();
            let data = cache.entry(file).or_insert_with(|| Self::gunzip(path));
            let d = data.as_ref()?;
            let a = (offset as usize).min(d.len());
            let b = (a + len as usize).min(d.len());
            return Some(d[a..b].to_vec());
        }
        let mut h = std::fs::File::open(path).ok()?;
        let mut head = [0u8; 2];
        if h.read(&mut head).ok()? == 2 && is_gzip(&head) {
            return None;
        }
        h.seek(SeekFrom::Start(offset)).ok()?;
        let mut buf = vec![0u8; len as usize];
        let n = h.read(&mut buf).ok()?;
        buf.truncate(n);
        Some(buf)
    }
}
