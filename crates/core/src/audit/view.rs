//! The requests of a whole dataset, with stages split across (rotated) files merged.

use super::fasthash::FxMap;
use super::store::*;
use crate::dataset::Dataset;
use crate::format::FormatData;
use crate::time::{Micros, NO_TIME};

/// One request of the dataset. Attributes (user, verb, …) are read from `(file, row)`; the
/// fields here are the ones merging can change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Req {
    /// Index into [`AuditFiles::files`].
    pub file: u32,
    pub row: u32,
    pub received: Micros,
    pub done: Micros,
    pub code: u16,
    pub flags: Flags,
    /// The row holding the request's final stage (what a detail view re-reads).
    pub loc_file: u32,
    pub loc_row: u32,
}

impl Req {
    /// `done − received` in µs when both are known.
    pub fn latency(&self) -> Option<i64> {
        (self.received != NO_TIME && self.done != NO_TIME && self.done >= self.received)
            .then(|| self.done - self.received)
    }

    /// When the request started (or, if unknown, when it ended).
    pub fn start(&self) -> Micros {
        if self.received != NO_TIME {
            self.received
        } else {
            self.done
        }
    }

    /// Whether a final stage (`ResponseComplete`/`Panic`) was seen.
    pub fn finished(&self) -> bool {
        self.flags & (F_COMPLETE | F_PANIC) != 0
    }

    /// What the request adds to query time: its latency when it finished and is not
    /// long-running. `None`: long-running (counted apart) or untimed.
    pub fn query_time(&self) -> Option<i64> {
        if self.flags & F_LONG_RUNNING != 0 || !self.finished() {
            return None;
        }
        self.latency()
    }
}

/// The audit files of a dataset and their merged requests.
pub struct AuditFiles<'a> {
    /// `(index in Dataset::files, data)`.
    pub files: Vec<(usize, &'a Data)>,
    pub reqs: Vec<Req>,
    /// Per file, per row: index into `reqs` (rows merged into another request point to it).
    pub slot: Vec<Vec<u32>>,
}

impl<'a> AuditFiles<'a> {
    /// Collect and merge the requests of every audit file in `ds`.
    pub fn of(ds: &'a Dataset) -> Self {
        let files: Vec<(usize, &Data)> = ds
            .files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| match &f.data {
                FormatData::Audit(d) => Some((i, d)),
                _ => None,
            })
            .collect();
        let total: usize = files.iter().map(|(_, d)| d.requests.len()).sum();
        let mut reqs = Vec::with_capacity(total);
        let mut slot = Vec::with_capacity(files.len());
        // One file merged its own stages while reading: only several files need matching by ID.
        let cross_file = files.len() > 1;
        let mut by_id: FxMap<[u64; 2], u32> = FxMap::default();
        for (fi, (_, d)) in files.iter().enumerate() {
            let r = &d.requests;
            let mut open_ids: Vec<Option<[u64; 2]>> = Vec::new();
            if cross_file && !d.open.is_empty() {
                open_ids = vec![None; r.len()];
                for o in &d.open {
                    if let Some(s) = open_ids.get_mut(o.req as usize) {
                        *s = Some(o.id);
                    }
                }
            }
            let mut slots = Vec::with_capacity(r.len());
            for i in 0..r.len() {
                let q = Req {
                    file: fi as u32,
                    row: i as u32,
                    received: r.received[i],
                    done: r.done[i],
                    code: r.code[i],
                    flags: r.flags[i],
                    loc_file: fi as u32,
                    loc_row: i as u32,
                };
                let id = open_ids.get(i).copied().flatten();
                let merged_into = id.and_then(|id| by_id.get(&id).copied());
                match merged_into {
                    Some(j) => {
                        merge(&mut reqs[j as usize], &q);
                        slots.push(j);
                    }
                    None => {
                        let j = reqs.len() as u32;
                        if let Some(id) = id {
                            by_id.insert(id, j);
                        }
                        reqs.push(q);
                        slots.push(j);
                    }
                }
            }
            slot.push(slots);
        }
        AuditFiles { files, reqs, slot }
    }

    /// The store a request's attributes live in.
    pub fn data(&self, q: &Req) -> &'a Data {
        self.files[q.file as usize].1
    }
}

/// Fold another file's part of the same request into `a`.
fn merge(a: &mut Req, b: &Req) {
    if b.received != NO_TIME && (a.received == NO_TIME || b.received < a.received) {
        a.received = b.received;
    }
    if !a.finished() && b.finished() {
        a.done = b.done;
        a.code = b.code;
        a.loc_file = b.file;
        a.loc_row = b.row;
    } else if a.code == 0 {
        a.code = b.code;
    }
    a.flags |= b.flags;
}
