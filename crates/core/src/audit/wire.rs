//! An audit parser reading a part of a file (`FileIngest::part`) in the binary form that
//! crosses between workers ([`crate::wire`]): what [`Parser::absorb`] reads of the part, and
//! nothing of the caches that only speed up further reading (users, objects, group sets by
//! content), which a part that has been read never needs again.
//!
//! Decoding checks every index against what it indexes (symbols, group sets, rows, the order
//! of the annotation log), so damaged bytes give `None`, never a parser `absorb` could trip on.

use super::parse::{Annot, AnnotKind, Builder, PartRows};
use super::store::{LatencyPart, Requests, Sym};
use super::Parser;
use crate::wire::{Reader, Writer};
use std::borrow::Cow;

impl Parser {
    /// This part's state (see the module docs); `None` when it cannot travel: not a part, or
    /// a multi-line document or CSV reader open (then it could not be joined anyway).
    pub(crate) fn to_wire(&self, w: &mut Writer) -> Option<()> {
        if self.multi.is_some() || self.csv.is_some() {
            return None;
        }
        let b = &self.b;
        let part = b.part.as_ref()?;
        w.reserve(wire_size(b, part));
        w.u8(self.shapes);
        w.u8(u8::from(self.started));
        w.u64(self.cloud_shapes.len() as u64);
        for s in &self.cloud_shapes {
            w.str(s);
        }
        w.u64(b.strings.strings.len() as u64);
        for s in &b.strings.strings {
            w.str(s);
        }
        requests(w, &b.data.requests);
        w.u64(b.data.groupsets.len() as u64);
        for g in &b.data.groupsets {
            w.col(g);
        }
        let (req, key, micros): (Vec<u32>, Vec<u32>, Vec<i64>) = b
            .data
            .latency_parts
            .iter()
            .map(|l| (l.req, l.key, l.micros))
            .collect();
        w.col(&req);
        w.col(&key);
        w.col(&micros);
        counts(w, &b.data.stages);
        counts(w, &b.data.api_versions);
        w.u64(b.data.merged_stages);
        let (ids, rows): (Vec<[u64; 2]>, Vec<u32>) =
            b.pending.iter().map(|(k, v)| (*k, *v)).unzip();
        ids_col(w, ids.iter().copied().map(Some));
        w.col(&rows);
        let (rows, ids): (Vec<u32>, Vec<[u64; 2]>) = b.complete_only.iter().copied().unzip();
        w.col(&rows);
        ids_col(w, ids.iter().copied().map(Some));
        w.col(&b.stage_counts);
        w.u8(u8::from(b.saw_received_stage));
        w.u32(b.apiserver);
        let (last, run) = b.versions.state();
        w.str(last);
        w.u64(run);
        ids_col(w, part.ids.iter().copied());
        w.col(&part.received);
        let at: Vec<u32> = part.annots.iter().map(|a| a.at).collect();
        let row: Vec<u32> = part.annots.iter().map(|a| a.row).collect();
        let what: Vec<u16> = part.annots.iter().map(|a| a.what as u16).collect();
        let sym: Vec<u32> = part.annots.iter().map(|a| a.sym).collect();
        w.col(&at);
        w.col(&row);
        w.col(&what);
        w.col(&sym);
        Some(())
    }

    /// The parser [`Parser::to_wire`] wrote, checked; `None` when the bytes do not hold one.
    pub(crate) fn from_wire(r: &mut Reader<'_>) -> Option<Parser> {
        let shapes = r.u8()?;
        let started = r.u8()? != 0;
        let n = r.len(8)?;
        let mut cloud_shapes = Vec::with_capacity(n);
        for _ in 0..n {
            cloud_shapes.push(Cow::Owned(r.str()?.to_string()));
        }
        let mut b = Box::new(Builder::new());
        let n = r.len(8)?;
        if n == 0 || !r.str()?.is_empty() {
            return None;
        }
        for _ in 1..n {
            let s = r.str()?;
            // Interning what was interned keeps every id: the strings are distinct.
            if b.strings.intern(s) as usize != b.strings.strings.len() - 1 {
                return None;
            }
        }
        let strings = b.strings.strings.len();
        let sym_ok = |v: &[Sym]| v.iter().all(|&s| (s as usize) < strings);
        let q = read_requests(r, &sym_ok)?;
        let rows = q.len();
        let n = r.len(8)?;
        let mut groupsets = Vec::with_capacity(n);
        for _ in 0..n {
            let g: Vec<Sym> = r.col()?;
            if !sym_ok(&g) {
                return None;
            }
            groupsets.push(g);
        }
        if q.groups.iter().any(|&g| g as usize >= groupsets.len()) {
            return None;
        }
        let (req, key, micros) = (r.col::<u32>()?, r.col::<u32>()?, r.col::<i64>()?);
        if req.len() != key.len()
            || req.len() != micros.len()
            || req.iter().any(|&x| x as usize >= rows)
        {
            return None;
        }
        let latency_parts: Vec<LatencyPart> = (0..req.len())
            .map(|i| LatencyPart {
                req: req[i],
                key: key[i],
                micros: micros[i],
            })
            .collect();
        let stages = read_counts(r)?;
        let api_versions = read_counts(r)?;
        let merged_stages = r.u64()?;
        let ids = read_ids(r)?;
        let at_rows: Vec<u32> = r.col()?;
        if ids.len() != at_rows.len() || at_rows.iter().any(|&x| x as usize >= rows) {
            return None;
        }
        let pending = ids
            .into_iter()
            .zip(at_rows)
            .map(|(id, row)| Some((id?, row)))
            .collect::<Option<_>>()?;
        let done_rows: Vec<u32> = r.col()?;
        let done_ids = read_ids(r)?;
        if done_rows.len() != done_ids.len() || done_rows.iter().any(|&x| x as usize >= rows) {
            return None;
        }
        let complete_only = done_rows
            .into_iter()
            .zip(done_ids)
            .map(|(row, id)| Some((row, id?)))
            .collect::<Option<_>>()?;
        let stage_counts: Vec<u64> = r.col()?;
        let saw_received_stage = r.u8()? != 0;
        let apiserver = r.u32()?;
        let last = r.str()?.to_string();
        let run = r.u64()?;
        let part_ids = read_ids(r)?;
        let received: Vec<i64> = r.col()?;
        let (at, row, what, sym) = (
            r.col::<u32>()?,
            r.col::<u32>()?,
            r.col::<u16>()?,
            r.col::<u32>()?,
        );
        if part_ids.len() != rows || received.len() != rows || (apiserver as usize) >= strings {
            return None;
        }
        let n = at.len();
        if row.len() != n || what.len() != n || sym.len() != n || !sym_ok(&sym) {
            return None;
        }
        let mut annots = Vec::with_capacity(n);
        for i in 0..n {
            // Merging replays the log in order, each entry after the row it names was made.
            let ordered = i == 0 || at[i - 1] <= at[i];
            if !ordered || row[i] >= at[i] || at[i] as usize > rows {
                return None;
            }
            let what = match what[i] {
                x if x == AnnotKind::Latency as u16 => AnnotKind::Latency,
                x if x == AnnotKind::ApfLevel as u16 => AnnotKind::ApfLevel,
                x if x == AnnotKind::ApfSchema as u16 => AnnotKind::ApfSchema,
                _ => return None,
            };
            annots.push(Annot {
                at: at[i],
                row: row[i],
                what,
                sym: sym[i],
            });
        }
        // Latency keys are interned from the annotation log: merging maps them through it.
        let logged: std::collections::HashSet<Sym> = annots.iter().map(|a| a.sym).collect();
        if latency_parts.iter().any(|l| !logged.contains(&l.key)) {
            return None;
        }
        b.data.requests = Box::new(q);
        b.data.groupsets = groupsets;
        b.data.latency_parts = latency_parts;
        b.data.stages = stages;
        b.data.api_versions = api_versions;
        b.data.merged_stages = merged_stages;
        b.pending = pending;
        b.complete_only = complete_only;
        b.stage_counts = stage_counts.try_into().ok()?;
        b.saw_received_stage = saw_received_stage;
        b.apiserver = apiserver;
        b.versions = super::parse::RunTally::resume(last, run);
        b.part = Some(PartRows {
            ids: part_ids,
            received,
            annots,
        });
        Some(Parser {
            b,
            multi: None,
            shapes,
            cloud_shapes,
            csv: None,
            started,
        })
    }
}

/// About the bytes [`Parser::to_wire`] writes (a little more, never much less).
fn wire_size(b: &Builder, part: &PartRows) -> usize {
    /// Bytes per request row: 13 symbol columns and `groups`, `flags`, `limit`, `line`, `len`
    /// of 4 bytes; `received`, `done`, `offset` of 8; `code` of 2; in the part's rows its
    /// auditID (2 + 16) and received time (8).
    const ROW: usize = 18 * 4 + 3 * 8 + 2 + 18 + 8;
    let strings: usize = b.strings.strings.iter().map(|s| s.len() + 8).sum();
    let groups: usize = b.data.groupsets.iter().map(|g| 8 + 4 * g.len()).sum();
    let sparse = 16 * b.data.latency_parts.len()
        + 26 * (b.pending.len() + b.complete_only.len())
        + 14 * part.annots.len();
    b.data.requests.len() * ROW + strings + groups + sparse + (64 << 10)
}

/// The request columns of symbols, in the one order both ends use (`mut` for the reading end).
macro_rules! sym_cols {
    ($q:expr $(, $m:ident)?) => {
        [
            &$($m)? $q.user,
            &$($m)? $q.impersonated,
            &$($m)? $q.user_agent,
            &$($m)? $q.source_ip,
            &$($m)? $q.verb,
            &$($m)? $q.resource,
            &$($m)? $q.subresource,
            &$($m)? $q.api_group,
            &$($m)? $q.namespace,
            &$($m)? $q.name,
            &$($m)? $q.apf_pl,
            &$($m)? $q.apf_fs,
            &$($m)? $q.apiserver,
        ]
    };
}

/// The request columns: the symbols', then the others.
fn requests(w: &mut Writer, q: &Requests) {
    for c in sym_cols!(q) {
        w.col(c);
    }
    w.col(&q.received);
    w.col(&q.done);
    w.col(&q.groups);
    w.col(&q.code);
    w.col(&q.flags);
    w.col(&q.limit);
    w.col(&q.line);
    w.col(&q.offset);
    w.col(&q.len);
}

fn read_requests(r: &mut Reader<'_>, sym_ok: &dyn Fn(&[Sym]) -> bool) -> Option<Requests> {
    let mut q = Requests::default();
    for c in sym_cols!(q, mut) {
        *c = r.col()?;
    }
    q.received = r.col()?;
    q.done = r.col()?;
    q.groups = r.col()?;
    q.code = r.col()?;
    q.flags = r.col()?;
    q.limit = r.col()?;
    q.line = r.col()?;
    q.offset = r.col()?;
    q.len = r.col()?;
    let n = q.len();
    let lens = [
        q.done.len(),
        q.groups.len(),
        q.code.len(),
        q.flags.len(),
        q.limit.len(),
        q.line.len(),
        q.offset.len(),
        q.len.len(),
    ];
    let syms = sym_cols!(q);
    let same = lens.iter().all(|&l| l == n) && syms.iter().all(|c| c.len() == n);
    (same && syms.iter().all(|c| sym_ok(c))).then_some(q)
}

/// Hashed auditIDs, absent ones flagged.
fn ids_col(w: &mut Writer, ids: impl ExactSizeIterator<Item = Option<[u64; 2]>>) {
    let n = ids.len();
    let mut present = Vec::with_capacity(n);
    let mut halves = Vec::with_capacity(2 * n);
    for id in ids {
        present.push(u16::from(id.is_some()));
        let [a, b] = id.unwrap_or([0, 0]);
        halves.push(a);
        halves.push(b);
    }
    w.col(&present);
    w.col(&halves);
}

fn read_ids(r: &mut Reader<'_>) -> Option<Vec<Option<[u64; 2]>>> {
    let present: Vec<u16> = r.col()?;
    let halves: Vec<u64> = r.col()?;
    if halves.len() != 2 * present.len() {
        return None;
    }
    Some(
        present
            .iter()
            .zip(halves.chunks_exact(2))
            .map(|(&p, h)| (p != 0).then(|| [h[0], h[1]]))
            .collect(),
    )
}

fn counts(w: &mut Writer, m: &std::collections::BTreeMap<String, u64>) {
    w.u64(m.len() as u64);
    for (k, v) in m {
        w.str(k);
        w.u64(*v);
    }
}

fn read_counts(r: &mut Reader<'_>) -> Option<std::collections::BTreeMap<String, u64>> {
    let n = r.len(16)?;
    let mut m = std::collections::BTreeMap::new();
    for _ in 0..n {
        let k = r.str()?.to_string();
        m.insert(k, r.u64()?);
    }
    Some(m)
}
