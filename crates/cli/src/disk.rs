//! Re-reading event bytes from the files on disk by byte range (the core does no I/O): what
//! lets findings and the timeline quote the user's own lines instead of mined templates. Members
//! of archives and compressed files are reached through their `Source` (core `bundle::reread`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use whodunnit_core::bundle::reread::Reread;
use whodunnit_core::findings::TextSource;
use whodunnit_core::source::Step;
use whodunnit_core::{Dataset, ParsedFile};

/// Compressed contents are decompressed once and kept, up to this size.
const MAX_CACHED: u64 = 1 << 30;

/// Re-reads event bytes from the files on disk (the core itself does no I/O).
pub struct Disk<'a> {
    ds: &'a Dataset,
    cache: RefCell<HashMap<usize, Option<Vec<u8>>>>,
}

impl<'a> Disk<'a> {
    /// A reader over the files of `ds` (their names, or their bundles', are the paths read).
    pub fn new(ds: &'a Dataset) -> Self {
        Self {
            ds,
            cache: RefCell::new(HashMap::new()),
        }
    }
}

/// The file on disk that holds `f`'s bytes: the file itself, its archive, or its folder's file.
pub fn holder(f: &ParsedFile) -> PathBuf {
    match f.source.as_ref() {
        Some(s) => match &s.bundle {
            Some(b) if !s.holder.is_empty() => PathBuf::from(b).join(&s.holder),
            Some(b) => PathBuf::from(b),
            None => PathBuf::from(&f.meta.name),
        },
        None => PathBuf::from(&f.meta.name),
    }
}

/// Read `ranges` of `f`'s content (decompressed, as event offsets count) from disk.
pub fn read_ranges(f: &ParsedFile, ranges: &[(u64, u64)]) -> Option<Vec<Vec<u8>>> {
    let mut h = std::fs::File::open(holder(f)).ok()?;
    let mut r = Reread::new(f, ranges);
    let mut buf = vec![0u8; 4 << 20];
    while let Some((a, b)) = r.want() {
        h.seek(SeekFrom::Start(a)).ok()?;
        let n = h.read(&mut buf[..(b - a).min(4 << 20) as usize]).ok()?;
        r.feed(&buf[..n]);
    }
    Some(r.finish())
}

/// Whether reading `f`'s content means decompressing it from its start.
fn compressed(f: &ParsedFile) -> bool {
    f.gzip
        || f.source
            .as_ref()
            .is_some_and(|s| s.reach.iter().any(|st| matches!(st, Step::Decode(_))))
}

impl TextSource for Disk<'_> {
    fn text(&self, file: usize, offset: u64, len: u64) -> Option<Vec<u8>> {
        let f = self.ds.files.get(file)?;
        if !compressed(f) {
            return read_ranges(f, &[(offset, len)])?.pop();
        }
        let mut cache = self.cache.borrow_mut();
        let data = cache.entry(file).or_insert_with(|| {
            let all = read_ranges(f, &[(0, MAX_CACHED + 1)])?.pop()?;
            (all.len() as u64 <= MAX_CACHED).then_some(all)
        });
        let d = data.as_ref()?;
        let a = (offset as usize).min(d.len());
        let b = (a + len as usize).min(d.len());
        Some(d[a..b].to_vec())
    }
}
