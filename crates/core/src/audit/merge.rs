//! Joining the parts of one audit log read in parallel (byte ranges cut at line boundaries,
//! see [`crate::ingest::FileIngest::part`]) into what one thread reading the whole file builds.
//!
//! A part after the first starts with no knowledge of the requests before it, so the later
//! stages of a request that began in an earlier part open rows of their own there. Absorbing a
//! part replays, per row, what the one-thread reader would have done: a row whose auditID is
//! still open in the rows so far is merged into that row exactly as its stage events would
//! have been (stage flags, earliest received time, last code, final time, representative
//! line, APF levels, latency parts), the others are appended. Strings, group sets and line
//! numbers are renumbered, strings in the order one reader would have met them.

use super::parse::{AnnotKind, Builder, PartRows, STAGE_FLAGS};
use super::store::{LatencyPart, Sym, F_COMPLETE, F_PANIC};
use super::Parser;
use crate::time::NO_TIME;

impl Parser {
    /// Read the parts after the first with per-row bookkeeping for [`Parser::absorb`].
    pub(crate) fn track_rows(&mut self) {
        self.b.part = Some(PartRows::default());
    }

    /// Whether this parser is between documents (no multi-line document open): a part that
    /// ends so can be continued by a part read on its own.
    pub(crate) fn between_documents(&self) -> bool {
        self.multi.is_none()
    }

    /// Append `next`, the part of the same file that starts right after this one; its line
    /// numbers start `line_base` lines after this part's first. `false`: the result could differ
    /// from one thread's, read the file sequentially instead (`self` is then unusable).
    pub(crate) fn absorb(&mut self, next: Parser, line_base: u64) -> bool {
        // A CSV query result is read row by row by `csv`, whose reader holds the header: never
        // split (`FileIngest::splittable` only splits JSON lines; this is the guard behind it).
        if !self.between_documents()
            || self.b.part.is_some()
            || self.csv.is_some()
            || next.csv.is_some()
        {
            return false;
        }
        if !self.b.absorb(*next.b, line_base) {
            return false;
        }
        self.shapes |= next.shapes;
        self.started |= next.started;
        for s in next.cloud_shapes {
            self.note_shape(s);
        }
        self.multi = next.multi.map(|mut m| {
            for e in &mut m.map {
                e.2 += line_base;
            }
            m
        });
        true
    }
}

impl Builder {
    fn absorb(&mut self, mut next: Builder, line_base: u64) -> bool {
        let Some(part) = next.part.take() else {
            return false;
        };
        let n = &next.data.requests;
        // Part symbols → ours, assigned in the order one reader would first have interned
        // them: per row created, its strings in `push_row`'s order; annotation strings where
        // their events came. Strings only later stages of earlier requests named are never
        // interned (one reader merges those stages without reading their strings).
        let mut smap: Vec<Option<Sym>> = vec![None; next.strings.strings.len()];
        let mut gmap: Vec<Option<u32>> = vec![None; next.data.groupsets.len()];
        let mut touch = |me: &mut Builder, local: Sym| -> Sym {
            *smap[local as usize]
                .get_or_insert_with(|| me.strings.intern(&next.strings.strings[local as usize]))
        };
        // Room for every row of the part at once: growing twenty columns step by step while
        // appending half a million rows cost more than the appending.
        self.reserve(n.len());
        let mut rowmap: Vec<u32> = Vec::with_capacity(n.len());
        let mut merged = vec![false; n.len()];
        let mut annots = part.annots.iter().peekable();
        for r2 in 0..=n.len() {
            // Annotation strings of events that came before this row was created.
            while let Some(a) = annots.next_if(|a| a.at as usize <= r2) {
                let s = touch(self, a.sym);
                let i = rowmap[a.row as usize] as usize;
                match a.what {
                    AnnotKind::Latency => {}
                    AnnotKind::ApfLevel => self.data.requests.apf_pl[i] = s,
                    AnnotKind::ApfSchema => self.data.requests.apf_fs[i] = s,
                }
            }
            if r2 == n.len() {
                break;
            }
            let id = part.ids[r2];
            let open = id.and_then(|id| self.pending.get(&id).map(|&i| (id, i)));
            let apiserver = touch(self, n.apiserver[r2]);
            if let Some((id, i)) = open {
                // A later stage of a request begun before this part: merged as its events
                // would have been.
                let r = &mut self.data.requests;
                let i = i as usize;
                let flags = n.flags[r2];
                r.flags[i] |= flags & STAGE_FLAGS;
                let rec = part.received[r2];
                if rec != NO_TIME && (r.received[i] == NO_TIME || rec < r.received[i]) {
                    r.received[i] = rec;
                }
                if n.code[r2] != 0 {
                    r.code[i] = n.code[r2];
                }
                if flags & (F_COMPLETE | F_PANIC) != 0 {
                    r.done[i] = n.done[r2];
                }
                if flags & STAGE_FLAGS != 0 {
                    r.line[i] = shift(n.line[r2], line_base);
                    r.offset[i] = n.offset[r2];
                    r.len[i] = n.len[r2];
                }
                if next.pending.get(&id) != Some(&(r2 as u32)) {
                    self.pending.remove(&id);
                }
                self.data.merged_stages += 1;
                merged[r2] = true;
                rowmap.push(i as u32);
                continue;
            }
            let mut s = |col: &Vec<Sym>| touch(self, col[r2]);
            let resource = s(&n.resource);
            let subresource = s(&n.subresource);
            let api_group = s(&n.api_group);
            let namespace = s(&n.namespace);
            let name = s(&n.name);
            let user = s(&n.user);
            let g = n.groups[r2] as usize;
            let groups = match gmap[g] {
                Some(g) => g,
                None => {
                    let syms: Vec<Sym> = next.data.groupsets[g]
                        .iter()
                        .map(|&x| touch(self, x))
                        .collect();
                    *gmap[g].insert(self.groupset(&syms))
                }
            };
            let mut s = |col: &Vec<Sym>| touch(self, col[r2]);
            let impersonated = s(&n.impersonated);
            let user_agent = s(&n.user_agent);
            let source_ip = s(&n.source_ip);
            let verb = s(&n.verb);
            let r = &mut self.data.requests;
            let j = r.len() as u32;
            r.received.push(n.received[r2]);
            r.done.push(n.done[r2]);
            r.user.push(user);
            r.groups.push(groups);
            r.impersonated.push(impersonated);
            r.user_agent.push(user_agent);
            r.source_ip.push(source_ip);
            r.verb.push(verb);
            r.resource.push(resource);
            r.subresource.push(subresource);
            r.api_group.push(api_group);
            r.namespace.push(namespace);
            r.name.push(name);
            r.code.push(n.code[r2]);
            r.flags.push(n.flags[r2]);
            r.limit.push(n.limit[r2]);
            // APF levels are set from the annotation log above, as they came.
            r.apf_pl.push(0);
            r.apf_fs.push(0);
            r.apiserver.push(apiserver);
            r.line.push(shift(n.line[r2], line_base));
            r.offset.push(n.offset[r2]);
            r.len.push(n.len[r2]);
            if let Some(id) = id {
                if next.pending.get(&id) == Some(&(r2 as u32)) {
                    self.pending.insert(id, j);
                }
            }
            rowmap.push(j);
        }
        for &(r2, id) in &next.complete_only {
            if !merged[r2 as usize] {
                self.complete_only.push((rowmap[r2 as usize], id));
            }
        }
        for lp in &next.data.latency_parts {
            let key = smap[lp.key as usize].expect("latency keys are in the annotation log");
            self.data.latency_parts.push(LatencyPart {
                req: rowmap[lp.req as usize],
                key,
                micros: lp.micros,
            });
        }
        for (k, v) in std::mem::take(&mut next.data.stages) {
            *self.data.stages.entry(k).or_insert(0) += v;
        }
        next.versions.flush(&mut next.data.api_versions);
        for (k, v) in std::mem::take(&mut next.data.api_versions) {
            *self.data.api_versions.entry(k).or_insert(0) += v;
        }
        for (a, b) in self.stage_counts.iter_mut().zip(next.stage_counts) {
            *a += b;
        }
        self.data.merged_stages += next.data.merged_stages;
        self.saw_received_stage |= next.saw_received_stage;
        true
    }
}

fn shift(line: u32, base: u64) -> u32 {
    (line as u64 + base).min(u32::MAX as u64) as u32
}
