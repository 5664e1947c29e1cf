//! Grouping goroutines with the same story, the way panicparse buckets them: same state, same
//! `created by` site, same frames (function, file, line) with arguments compared at the chosen
//! [`Similarity`]; `locked to thread` only matters for [`Similarity::Exact`].

use super::frame::{normalize_args, Similarity};
use super::intern::FxMap;
use super::Data;

/// Goroutines of one snapshot that tell the same story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    /// Index of the snapshot within its file.
    pub snapshot: usize,
    /// Indexes into `Data::goroutines`, in dump order.
    pub members: Vec<usize>,
    /// Goroutines (pprof counts summed).
    pub count: u64,
}

/// Normalizes stacks once per distinct stack (goroutines share them).
pub struct Normalizer<'d> {
    data: &'d Data,
    sim: Similarity,
    args: FxMap<u32, u32>,
    arg_text: FxMap<String, u32>,
    stacks: FxMap<u32, u32>,
    stack_keys: FxMap<Vec<u32>, u32>,
    buf: String,
}

impl<'d> Normalizer<'d> {
    /// A normalizer for `data` at similarity `sim`.
    pub fn new(data: &'d Data, sim: Similarity) -> Self {
        Normalizer {
            data,
            sim,
            args: FxMap::default(),
            arg_text: FxMap::default(),
            stacks: FxMap::default(),
            stack_keys: FxMap::default(),
            buf: String::new(),
        }
    }

    fn args(&mut self, id: u32) -> u32 {
        if self.sim == Similarity::Exact {
            return id;
        }
        if let Some(&n) = self.args.get(&id) {
            return n;
        }
        normalize_args(self.data.str(id), self.sim, &mut self.buf);
        let next = self.arg_text.len() as u32;
        let n = *self.arg_text.entry(self.buf.clone()).or_insert(next);
        self.args.insert(id, n);
        n
    }

    /// A number equal for two stacks iff they are similar.
    pub fn stack(&mut self, id: u32) -> u32 {
        if self.sim == Similarity::Exact {
            return id;
        }
        if let Some(&n) = self.stacks.get(&id) {
            return n;
        }
        let mut key = Vec::new();
        if let Some(st) = self.data.stacks.get(id as usize) {
            for &fi in &st.frames {
                let f = &self.data.frames[fi as usize];
                let a = self.args(f.args);
                key.extend_from_slice(&[f.func, f.file, f.line, a]);
            }
            if let Some((at, n)) = st.elided {
                key.extend_from_slice(&[u32::MAX, at, n]);
            }
        }
        let next = self.stack_keys.len() as u32;
        let n = *self.stack_keys.entry(key).or_insert(next);
        self.stacks.insert(id, n);
        n
    }
}

/// What makes goroutines alike: state, normalized stack, created-by site, locked flag.
type BucketKey = (u32, u32, Option<(u32, u32, u32)>, bool);

/// Buckets of snapshot `snap` among goroutines accepted by `keep`, largest first. `norm` is
/// the file's, at the similarity wanted: its stacks are normalized once for every snapshot.
pub fn buckets(
    data: &Data,
    snap: usize,
    norm: &mut Normalizer<'_>,
    keep: &mut dyn FnMut(usize) -> bool,
) -> Vec<Bucket> {
    let Some(s) = data.snapshots.get(snap) else {
        return Vec::new();
    };
    let sim = norm.sim;
    let mut index: FxMap<BucketKey, usize> = FxMap::default();
    let mut out: Vec<Bucket> = Vec::new();
    for gi in s.start as usize..s.end as usize {
        if !keep(gi) {
            continue;
        }
        let g = &data.goroutines[gi];
        let created = g
            .created_by
            .and_then(|f| data.frames.get(f as usize))
            // `created by` lines carry no arguments: the site is enough.
            .map(|f| (f.func, f.file, f.line));
        let key = (
            g.state,
            norm.stack(g.stack),
            created,
            sim == Similarity::Exact && g.locked,
        );
        let b = *index.entry(key).or_insert_with(|| {
            out.push(Bucket {
                snapshot: snap,
                members: Vec::new(),
                count: 0,
            });
            out.len() - 1
        });
        out[b].members.push(gi);
        out[b].count += g.count as u64;
    }
    out.sort_by(|a, b| b.count.cmp(&a.count).then(a.members[0].cmp(&b.members[0])));
    out
}
