//! Building one file's [`Data`] from its events: the stages of each request merged into one
//! row, strings interned, users and objects parsed once per distinct text.

use super::fields::{hash_id, is_long_running, parse_go_duration, QueryFlags};
use super::raw::{Annotations, Raw, RawEvent, RawObjectRef, RawUser, LATENCY_PREFIX};
use crate::audit::fasthash::{FastInterner, FxMap};
use crate::audit::store::*;
use crate::textmap::TextMap;
use crate::time::{parse_rfc3339, Micros, NO_TIME};
use std::collections::BTreeMap;

/// The interned fields of an `objectRef`.
#[derive(Clone, Copy, Default)]
struct ObjSyms {
    resource: Sym,
    subresource: Sym,
    api_group: Sym,
    namespace: Sym,
    name: Sym,
}

/// Distinct `objectRef`s remembered before the cache starts over.
const OBJECT_CACHE: usize = 1 << 16;

/// Where an event's bytes are.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Loc {
    pub line: u64,
    pub offset: u64,
    pub len: u64,
}

/// The stage of an event.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Stage {
    Received,
    Started,
    Complete,
    Panic,
    Other,
}

fn stage_of(s: Option<&str>) -> Stage {
    match s {
        Some("RequestReceived") => Stage::Received,
        Some("ResponseStarted") => Stage::Started,
        Some("ResponseComplete") => Stage::Complete,
        Some("Panic") => Stage::Panic,
        _ => Stage::Other,
    }
}

/// Builds the [`Data`] of one file from events, merging the stages of each request.
pub(crate) struct Builder {
    pub data: Data,
    /// The string table while reading (moved into `data.strings` at the end).
    pub(in crate::audit) strings: FastInterner,
    /// Requests seen without their final stage yet, by hashed auditID.
    pub(in crate::audit) pending: FxMap<[u64; 2], u32>,
    groupset_index: FxMap<Vec<Sym>, u32>,
    /// Raw `user` JSON → (username, groupset).
    users: TextMap<(Sym, u32)>,
    /// Raw `objectRef` JSON → its symbols (controllers touch the same objects over and over).
    objects: TextMap<ObjSyms>,
    /// Substrings of the annotation keys worth parsing (built once: building is costly).
    wanted_annotations: [memchr::memmem::Finder<'static>; 2],
    /// Events per stage: RequestReceived, ResponseStarted, ResponseComplete, Panic, none.
    pub(in crate::audit) stage_counts: [u64; 5],
    /// Rows that completed without an earlier stage in this file.
    pub(in crate::audit) complete_only: Vec<(u32, [u64; 2])>,
    /// The policy logs early stages, so a lone final stage may have started in an earlier file.
    pub(in crate::audit) saw_received_stage: bool,
    /// The apiserver/cluster of the events being added (from their cloud wrapping; 0 = none).
    pub(in crate::audit) apiserver: Sym,
    /// Set on the parts of a file read in parallel after the first: what merging them needs.
    pub(in crate::audit) part: Option<PartRows>,
    /// The run of `apiVersion`s not yet counted in `data.api_versions`.
    pub(in crate::audit) versions: RunTally,
}

/// Counts strings that come in long runs (an audit log's `apiVersion`, the same on nearly
/// every event): a run is counted aside and added to the map when it ends, instead of one
/// map lookup per event (a B-tree's string compares were 1% of reading a log).
#[derive(Default)]
pub(crate) struct RunTally {
    last: String,
    run: u64,
}

impl RunTally {
    /// Count `s` once.
    #[inline]
    pub fn add(&mut self, s: &str, map: &mut BTreeMap<String, u64>) {
        if self.run > 0 && self.last == s {
            self.run += 1;
            return;
        }
        self.flush(map);
        self.last.clear();
        self.last.push_str(s);
        self.run = 1;
    }

    /// The run not yet counted: its string and length (a part crossing workers, `wire`).
    pub fn state(&self) -> (&str, u64) {
        (&self.last, self.run)
    }

    /// A tally with `run` of `last` not yet counted ([`RunTally::state`]).
    pub fn resume(last: String, run: u64) -> Self {
        Self { last, run }
    }

    /// Add the current run to `map`; call before `map` is read.
    pub fn flush(&mut self, map: &mut BTreeMap<String, u64>) {
        if self.run > 0 {
            *map.entry(self.last.clone()).or_insert(0) += self.run;
            self.run = 0;
        }
    }
}

/// Per row of a part (see [`super::merge`](crate::audit::merge)): its hashed auditID and the
/// earliest `requestReceivedTimestamp` its events carried (`NO_TIME`: none did; the row's
/// `received` may hold a fallback instead).
#[derive(Default)]
pub(crate) struct PartRows {
    pub ids: Vec<Option<[u64; 2]>>,
    pub received: Vec<Micros>,
    /// Strings interned from annotations, in order: (rows there were then, row, what, symbol).
    pub annots: Vec<Annot>,
}

/// One string interned from an event's annotations (see [`PartRows`]).
#[derive(Clone, Copy)]
pub(crate) struct Annot {
    /// Rows created when it was interned: it comes after those rows' strings.
    pub at: u32,
    pub row: u32,
    pub what: AnnotKind,
    pub sym: Sym,
}

/// Which annotation an [`Annot`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnnotKind {
    Latency,
    ApfLevel,
    ApfSchema,
}

impl Builder {
    pub fn new() -> Self {
        let mut strings = FastInterner::default();
        strings.intern("");
        Self {
            data: Data::default(),
            strings,
            pending: FxMap::default(),
            groupset_index: FxMap::default(),
            users: TextMap::default(),
            objects: TextMap::default(),
            wanted_annotations: [
                memchr::memmem::Finder::new(LATENCY_PREFIX.as_bytes()),
                memchr::memmem::Finder::new(b"apf"),
            ],
            stage_counts: [0; 5],
            complete_only: Vec::new(),
            saw_received_stage: false,
            apiserver: 0,
            part: None,
            versions: RunTally::default(),
        }
    }

    /// The apiserver/cluster the next events come from (`None` for a native log).
    pub fn set_apiserver(&mut self, name: Option<&str>) {
        self.apiserver = Self::sym(&mut self.strings, name);
    }

    pub(in crate::audit) fn sym(strings: &mut FastInterner, s: Option<&str>) -> Sym {
        match s {
            Some(s) if !s.is_empty() => strings.intern(s),
            _ => 0,
        }
    }

    /// Make room for exactly `n` more requests. The columns grow by a quarter at a time
    /// (see `push_row`), not by doubling: in wasm memory never shrinks, and a doubled column
    /// set can be half empty at the end of a large file.
    pub fn reserve(&mut self, n: usize) {
        let r = &mut self.data.requests;
        r.received.reserve_exact(n);
        r.done.reserve_exact(n);
        r.user.reserve_exact(n);
        r.groups.reserve_exact(n);
        r.impersonated.reserve_exact(n);
        r.user_agent.reserve_exact(n);
        r.source_ip.reserve_exact(n);
        r.verb.reserve_exact(n);
        r.resource.reserve_exact(n);
        r.subresource.reserve_exact(n);
        r.api_group.reserve_exact(n);
        r.namespace.reserve_exact(n);
        r.name.reserve_exact(n);
        r.code.reserve_exact(n);
        r.flags.reserve_exact(n);
        r.limit.reserve_exact(n);
        r.apf_pl.reserve_exact(n);
        r.apf_fs.reserve_exact(n);
        r.apiserver.reserve_exact(n);
        r.line.reserve_exact(n);
        r.offset.reserve_exact(n);
        r.len.reserve_exact(n);
    }

    /// Add one event. Returns whether it was a new request (not a later stage of a known one).
    pub fn add(&mut self, ev: &RawEvent<'_>, loc: Loc) -> bool {
        let stage = stage_of(ev.stage.as_deref());
        match (stage, ev.stage.as_deref()) {
            (Stage::Received, _) => self.stage_counts[0] += 1,
            (Stage::Started, _) => self.stage_counts[1] += 1,
            (Stage::Complete, _) => self.stage_counts[2] += 1,
            (Stage::Panic, _) => self.stage_counts[3] += 1,
            (Stage::Other, None) => self.stage_counts[4] += 1,
            (Stage::Other, Some(other)) => {
                *self.data.stages.entry(other.to_string()).or_insert(0) += 1;
            }
        }
        let ver = ev.api_version.as_deref().unwrap_or("(none)");
        self.versions.add(ver, &mut self.data.api_versions);
        if matches!(stage, Stage::Received | Stage::Started) {
            self.saw_received_stage = true;
        }
        let stage_time = ev
            .stage_ts
            .as_deref()
            .or(ev.timestamp.as_deref())
            .and_then(parse_rfc3339)
            .unwrap_or(NO_TIME);
        let received = ev
            .received
            .as_deref()
            .and_then(parse_rfc3339)
            .unwrap_or(NO_TIME);
        let code = ev
            .response_status
            .as_ref()
            .and_then(|s| s.code)
            .filter(|c| (0..=u16::MAX as i64).contains(c))
            .unwrap_or(0) as u16;
        let id = ev.audit_id.as_deref().map(hash_id);
        let final_stage = matches!(stage, Stage::Complete | Stage::Panic);

        if let Some(id) = id {
            if let Some(&row) = self.pending.get(&id) {
                self.merge(row as usize, ev, stage, stage_time, received, code, loc);
                if let Some(p) = &mut self.part {
                    let r = &mut p.received[row as usize];
                    if received != NO_TIME && (*r == NO_TIME || received < *r) {
                        *r = received;
                    }
                }
                if final_stage {
                    self.pending.remove(&id);
                }
                self.data.merged_stages += 1;
                return false;
            }
        }
        let row = self.push_row(ev, stage, stage_time, received, code, loc);
        if let Some(p) = &mut self.part {
            p.ids.push(id);
            p.received.push(received);
        }
        if let Some(id) = id {
            if final_stage {
                self.complete_only.push((row, id));
            } else {
                self.pending.insert(id, row);
            }
        }
        true
    }

    #[allow(clippy::too_many_arguments)]
    fn merge(
        &mut self,
        i: usize,
        ev: &RawEvent<'_>,
        stage: Stage,
        stage_time: Micros,
        received: Micros,
        code: u16,
        loc: Loc,
    ) {
        let r = &mut self.data.requests;
        r.flags[i] |= stage_flag(stage);
        if received != NO_TIME && (r.received[i] == NO_TIME || received < r.received[i]) {
            r.received[i] = received;
        }
        if code != 0 {
            r.code[i] = code;
        }
        if matches!(stage, Stage::Complete | Stage::Panic) {
            r.done[i] = stage_time;
        }
        if stage != Stage::Other {
            r.line[i] = loc.line.min(u32::MAX as u64) as u32;
            r.offset[i] = loc.offset;
            r.len[i] = loc.len.min(u32::MAX as u64) as u32;
        }
        self.annotations(i as u32, ev, stage);
    }

    fn annotations(&mut self, row: u32, ev: &RawEvent<'_>, stage: Stage) {
        let Some(raw) = ev.annotations else { return };
        let text = raw.0.as_bytes();
        if !self
            .wanted_annotations
            .iter()
            .any(|f| f.find(text).is_some())
        {
            return;
        }
        let Ok(a) = serde_json::from_str::<Annotations>(raw.0) else {
            return;
        };
        // The latency trackers are final only on the last stage; earlier stages would double-count.
        if matches!(stage, Stage::Complete | Stage::Panic | Stage::Other) {
            for (k, v) in &a.latency {
                if let Some(us) = parse_go_duration(v) {
                    let key = self.strings.intern(k);
                    self.note_annot(row, AnnotKind::Latency, key);
                    self.data.latency_parts.push(LatencyPart {
                        req: row,
                        key,
                        micros: us,
                    });
                }
            }
        }
        if let Some(pl) = a.apf_pl.as_deref() {
            let s = Self::sym(&mut self.strings, Some(pl));
            self.data.requests.apf_pl[row as usize] = s;
            self.note_annot(row, AnnotKind::ApfLevel, s);
        }
        if let Some(fs) = a.apf_fs.as_deref() {
            let s = Self::sym(&mut self.strings, Some(fs));
            self.data.requests.apf_fs[row as usize] = s;
            self.note_annot(row, AnnotKind::ApfSchema, s);
        }
    }

    /// In a part, remember a string interned from annotations, in order (see [`PartRows`]).
    fn note_annot(&mut self, row: u32, what: AnnotKind, sym: Sym) {
        if let Some(p) = &mut self.part {
            p.annots.push(Annot {
                at: self.data.requests.len() as u32,
                row,
                what,
                sym,
            });
        }
    }

    /// Symbols of a raw `objectRef`, parsed once per distinct text. The cache is bounded: a day
    /// of audit logs can name millions of objects.
    fn object(&mut self, raw: Raw<'_>) -> ObjSyms {
        if let Some(&o) = self.objects.get(raw.0) {
            return o;
        }
        let st = &mut self.strings;
        let o = match serde_json::from_str::<RawObjectRef>(raw.0) {
            Ok(p) => ObjSyms {
                resource: Self::sym(st, p.resource.as_deref()),
                subresource: Self::sym(st, p.subresource.as_deref()),
                api_group: Self::sym(st, p.api_group.as_deref()),
                namespace: Self::sym(st, p.namespace.as_deref()),
                name: Self::sym(st, p.name.as_deref()),
            },
            Err(_) => ObjSyms::default(),
        };
        if self.objects.len() >= OBJECT_CACHE {
            self.objects.clear();
        }
        self.objects.insert(raw.0, o);
        o
    }

    /// Username and groupset of a raw `user` object, parsed once per distinct text.
    fn user(&mut self, raw: Raw<'_>) -> (Sym, u32) {
        if let Some(&u) = self.users.get(raw.0) {
            return u;
        }
        let parsed = serde_json::from_str::<RawUser>(raw.0).ok();
        let name = parsed.as_ref().and_then(|u| u.username.as_deref());
        let user = Self::sym(&mut self.strings, name);
        let mut syms = Vec::new();
        if let Some(gs) = parsed.as_ref().and_then(|u| u.groups.as_ref()) {
            for g in gs.iter() {
                syms.push(Self::sym(&mut self.strings, Some(g)));
            }
        }
        let groups = self.groupset(&syms);
        self.users.insert(raw.0, (user, groups));
        (user, groups)
    }

    pub(in crate::audit) fn groupset(&mut self, syms: &[Sym]) -> u32 {
        if let Some(&g) = self.groupset_index.get(syms) {
            return g;
        }
        let g = self.data.groupsets.len() as u32;
        self.data.groupsets.push(syms.to_vec());
        self.groupset_index.insert(syms.to_vec(), g);
        g
    }

    fn push_row(
        &mut self,
        ev: &RawEvent<'_>,
        stage: Stage,
        stage_time: Micros,
        received: Micros,
        code: u16,
        loc: Loc,
    ) -> u32 {
        let row = self.data.requests.len() as u32;
        let r = &self.data.requests;
        if r.received.len() == r.received.capacity() {
            self.reserve((r.len() / 4).max(4096));
        }
        let uri = ev.request_uri.as_deref().unwrap_or("");
        let mut q = QueryFlags::of(uri);
        if ev.request_uri.is_none() {
            q.flags |= F_NO_URI;
        }
        let verb = ev.verb.as_deref().unwrap_or("");
        let (o, non_resource) = match ev.object_ref {
            Some(raw) => (self.object(raw), false),
            None => (
                ObjSyms {
                    resource: Self::sym(&mut self.strings, Some(q.path)),
                    ..ObjSyms::default()
                },
                true,
            ),
        };
        let subresource = self.strings.strings[o.subresource as usize].as_str();
        let mut flags = q.flags | stage_flag(stage);
        if non_resource {
            flags |= F_NON_RESOURCE;
        }
        if is_long_running(verb, subresource, flags) {
            flags |= F_LONG_RUNNING;
        }
        let (user, groups) = match ev.user {
            Some(raw) => self.user(raw),
            None => (0, self.groupset(&[])),
        };
        let strings = &mut self.strings;
        let first_time = if received != NO_TIME {
            received
        } else if matches!(stage, Stage::Received | Stage::Started) || ev.received.is_none() {
            // v1beta1 without requestReceivedTimestamp: the first stage seen is the best we have.
            // A lone final stage gets no start, so its latency stays unknown.
            if matches!(stage, Stage::Complete | Stage::Panic) {
                NO_TIME
            } else {
                stage_time
            }
        } else {
            NO_TIME
        };
        let r = &mut self.data.requests;
        r.received.push(first_time);
        r.done
            .push(if matches!(stage, Stage::Complete | Stage::Panic) {
                stage_time
            } else {
                NO_TIME
            });
        r.user.push(user);
        r.groups.push(groups);
        let imp = ev
            .impersonated
            .and_then(|raw| serde_json::from_str::<RawUser>(raw.0).ok())
            .and_then(|u| u.username.map(|n| strings.intern(&n)))
            .unwrap_or(0);
        r.impersonated.push(imp);
        r.user_agent
            .push(Self::sym(strings, ev.user_agent.as_deref()));
        r.source_ip.push(Self::sym(
            strings,
            ev.source_ips.as_ref().and_then(|s| s.0.as_deref()),
        ));
        r.verb.push(Self::sym(strings, Some(verb)));
        r.resource.push(o.resource);
        r.subresource.push(o.subresource);
        r.api_group.push(o.api_group);
        r.namespace.push(o.namespace);
        r.name.push(o.name);
        r.code.push(code);
        r.flags.push(flags);
        r.limit.push(q.limit);
        r.apf_pl.push(0);
        r.apf_fs.push(0);
        r.apiserver.push(self.apiserver);
        r.line.push(loc.line.min(u32::MAX as u64) as u32);
        r.offset.push(loc.offset);
        r.len.push(loc.len.min(u32::MAX as u64) as u32);
        self.annotations(row, ev, stage);
        row
    }

    /// Hand over the store; requests that may continue in another file are listed as open.
    pub fn finish(mut self) -> Data {
        let mut open: Vec<OpenRequest> = self
            .pending
            .into_iter()
            .map(|(id, req)| OpenRequest { req, id })
            .collect();
        if self.saw_received_stage {
            open.extend(
                self.complete_only
                    .into_iter()
                    .map(|(req, id)| OpenRequest { req, id }),
            );
        }
        open.sort_by_key(|o| o.req);
        self.data.open = open;
        self.versions.flush(&mut self.data.api_versions);
        // Moved, not copied: the table's lookup index is rebuilt only if someone interns later.
        self.data.strings.strings = std::mem::take(&mut self.strings.strings);
        let names = [
            "RequestReceived",
            "ResponseStarted",
            "ResponseComplete",
            "Panic",
            "(none)",
        ];
        for (name, n) in names.iter().zip(self.stage_counts) {
            if n > 0 {
                self.data.stages.insert(name.to_string(), n);
            }
        }
        self.data
    }
}

/// The stage bits of [`Flags`].
pub(in crate::audit) const STAGE_FLAGS: Flags = F_RECEIVED | F_STARTED | F_COMPLETE | F_PANIC;

fn stage_flag(s: Stage) -> Flags {
    match s {
        Stage::Received => F_RECEIVED,
        Stage::Started => F_STARTED,
        Stage::Complete => F_COMPLETE,
        Stage::Panic => F_PANIC,
        Stage::Other => 0,
    }
}
