//! Reading on every core: several files at once, one large audit log or goroutine dump cut
//! into byte ranges (at line boundaries; where a dump starts), the ranges read at once and
//! joined in order by the core ([`FileIngest::part`] / [`FileIngest::absorb`]), and, where
//! cores are left over, a large gzipped file decompressed, or a node log's lines split, on a
//! thread of their own ([`crate::ahead`]). The results equal one thread's
//! (`tests/parallel.rs` compares them on real files); when the core cannot promise that for a
//! file (a document open across a cut), that file is read again sequentially.
//!
//! Threads: `WHODUNNIT_THREADS`, else every core the system gives this process.

use crate::ahead::{self, read_ahead};
use crate::files::{file_meta, read_path};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::sync::Mutex;
use whodunnit_core::format::Format;
use whodunnit_core::{report, FileIngest, FileMeta, ParsedFile};

/// Chunk size for reads, as in [`crate::files`].
const CHUNK: usize = crate::files::CHUNK as usize;

/// The smallest range worth a thread of its own (`WHODUNNIT_SPLIT_MIN` bytes overrides it: the
/// tests cut small real files this way).
fn min_part() -> u64 {
    std::env::var("WHODUNNIT_SPLIT_MIN")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(32 << 20)
}

/// Bytes looked at to decide whether a file splits (format, one document per line).
const HEAD: usize = 1 << 20;

/// Threads to read with.
pub fn threads() -> usize {
    std::env::var("WHODUNNIT_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// What one thread does: a whole file, or one byte range of a file.
enum Job {
    Whole {
        file: usize,
    },
    /// A whole plain or gzipped file on two threads: decompressed, and a node log's lines split,
    /// ahead of its parser ([`crate::ahead`]), where a core would be idle otherwise.
    Ahead {
        file: usize,
    },
    Range {
        file: usize,
        part: usize,
        format: Format,
        start: u64,
        end: u64,
    },
}

/// What a job gave.
enum Done {
    Whole(io::Result<Vec<ParsedFile>>),
    Range(io::Result<Box<FileIngest>>),
}

/// Read every path that is not a whodunnit report (`None` for those: the caller restores them),
/// in parallel; results in the order of `paths`, one file per member of an archive or folder.
/// Only a plain file is ever cut into ranges: archives, folders and compressed files are read
/// whole by the bundle layer.
pub fn read_files(paths: &[String]) -> Vec<Option<io::Result<Vec<ParsedFile>>>> {
    let threads = threads();
    let mut jobs: Vec<(u64, Job)> = Vec::new();
    let mut parts = vec![0usize; paths.len()];
    let mut skip = vec![false; paths.len()];
    for (i, p) in paths.iter().enumerate() {
        let head = read_head(p).unwrap_or_default();
        if report::is_report(&head[..head.len().min(report::SNIFF_BYTES)]) {
            skip[i] = true;
            continue;
        }
        let md = std::fs::metadata(p).ok();
        let size = md.as_ref().filter(|m| m.is_file()).map_or(0, |m| m.len());
        let split = (threads > 1 && size >= 2 * min_part())
            .then(|| FileIngest::splittable(&head))
            .flatten();
        let cuts = match split {
            Some(format) => cut_points(p, size, threads, format).unwrap_or_default(),
            None => Vec::new(),
        };
        let (Some(format), 3..) = (split, cuts.len()) else {
            jobs.push((size, Job::Whole { file: i }));
            continue;
        };
        parts[i] = cuts.len() - 1;
        for (k, w) in cuts.windows(2).enumerate() {
            jobs.push((
                w[1] - w[0],
                Job::Range {
                    file: i,
                    part: k,
                    format,
                    start: w[0],
                    end: w[1],
                },
            ));
        }
    }
    // Largest first, so a big file's ranges do not wait behind small files.
    jobs.sort_by_key(|j| std::cmp::Reverse(j.0));
    // Cores no job would take: the largest plain or gzipped files get a second thread each.
    let mut spare = threads.saturating_sub(jobs.len());
    for (size, job) in jobs.iter_mut() {
        if spare == 0 {
            break;
        }
        if let Job::Whole { file } = *job {
            let head = || read_head(&paths[file]).unwrap_or_default();
            if *size >= ahead::min_size() && ahead::suits(&head()) {
                *job = Job::Ahead { file };
                spare -= 1;
            }
        }
    }
    let queue = Mutex::new(jobs.into_iter().map(|j| j.1).collect::<Vec<_>>());
    let done: Mutex<Vec<(usize, usize, Done)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                // Jobs are taken from the front: the queue is sorted largest first.
                let job = {
                    let mut q = queue.lock().expect("job queue");
                    if q.is_empty() {
                        break;
                    }
                    q.remove(0)
                };
                let out = match job {
                    Job::Whole { file } => (file, 0, Done::Whole(read_path(&paths[file]))),
                    Job::Ahead { file } => (file, 0, Done::Whole(read_ahead(&paths[file]))),
                    Job::Range {
                        file,
                        part,
                        format,
                        start,
                        end,
                    } => (
                        file,
                        part,
                        Done::Range(
                            read_range(&paths[file], part, format, start, end).map(Box::new),
                        ),
                    ),
                };
                done.lock().expect("results").push(out);
            });
        }
    });
    let mut done = done.into_inner().expect("results");
    done.sort_by_key(|d| (d.0, d.1));
    let mut out: Vec<Option<io::Result<Vec<ParsedFile>>>> = Vec::with_capacity(paths.len());
    let mut done = done.into_iter().peekable();
    for (i, p) in paths.iter().enumerate() {
        if skip[i] {
            out.push(None);
            continue;
        }
        let mine: Vec<Done> =
            std::iter::from_fn(|| done.next_if(|d| d.0 == i).map(|d| d.2)).collect();
        out.push(Some(join(p, mine, parts[i])));
    }
    out
}

/// One file's result from its jobs' results.
fn join(path: &str, mine: Vec<Done>, parts: usize) -> io::Result<Vec<ParsedFile>> {
    let mut ranges = Vec::with_capacity(parts);
    for d in mine {
        match d {
            Done::Whole(r) => return r,
            Done::Range(r) => ranges.push(r?),
        }
    }
    let mut it = ranges.into_iter();
    let Some(mut first) = it.next() else {
        return read_path(path);
    };
    for next in it {
        if !first.absorb(*next) {
            // A document open across a cut, or the like: what one reader builds.
            return read_path(path);
        }
    }
    Ok(vec![first.finish()])
}

fn read_head(path: &str) -> io::Result<Vec<u8>> {
    let mut f = File::open(path)?;
    let mut head = vec![0u8; HEAD];
    let mut n = 0;
    while n < head.len() {
        let got = f.read(&mut head[n..])?;
        if got == 0 {
            break;
        }
        n += got;
    }
    head.truncate(n);
    Ok(head)
}

/// Range boundaries `0 = c0 < c1 < … < cn = size`, each inner one where a part of `format`
/// may start ([`FileIngest::part_start`]: after a line break, or where a dump starts), for
/// about `threads` ranges of at least [`min_part`] bytes. A cut is looked for from each
/// `size·k/n` on, up to the next such point.
fn cut_points(path: &str, size: u64, threads: usize, format: Format) -> io::Result<Vec<u64>> {
    /// Bytes looked at per read; windows overlap so a dump start across two is seen.
    const WINDOW: usize = 1 << 20;
    const OVERLAP: u64 = 4 << 10;
    let f = File::open(path)?;
    let n = threads.min((size / min_part()) as usize).max(1) as u64;
    let mut cuts = vec![0u64];
    let mut buf = vec![0u8; WINDOW];
    for k in 1..n {
        let mut at = (size * k / n).max(*cuts.last().unwrap_or(&0));
        let limit = size * (k + 1) / n;
        let found = loop {
            let got = f.read_at(&mut buf, at)?;
            if let Some(i) = FileIngest::part_start(format, &buf[..got]) {
                break Some(at + i as u64);
            }
            if got < WINDOW || at + got as u64 >= limit {
                break None;
            }
            at += got as u64 - OVERLAP;
        };
        if let Some(c) = found.filter(|&c| c < size && c > *cuts.last().unwrap_or(&0)) {
            cuts.push(c);
        }
    }
    cuts.push(size);
    Ok(cuts)
}

/// Read bytes `start..end` of a file as part `part` of it; parts after the first are read as
/// `format`, which the first part's head showed.
fn read_range(
    path: &str,
    part: usize,
    format: Format,
    start: u64,
    end: u64,
) -> io::Result<FileIngest> {
    let f = File::open(path)?;
    let md = f.metadata()?;
    let mut ing = if part == 0 {
        FileIngest::new(file_meta(path, &md))
    } else {
        let meta = FileMeta {
            size: Some(end - start),
            ..file_meta(path, &md)
        };
        FileIngest::part(meta, format, start)
    };
    let mut buf = vec![0u8; CHUNK];
    let mut at = start;
    while at < end {
        let want = ((end - at) as usize).min(CHUNK);
        let got = f.read_at(&mut buf[..want], at)?;
        if got == 0 {
            break;
        }
        ing.push(&buf[..got]);
        at += got as u64;
    }
    Ok(ing)
}
