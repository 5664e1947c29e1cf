//! Reading one audit `Event` object into the store.
//!
//! Deserialization borrows from the input wherever the JSON has no escapes and skips everything
//! the analyses do not use (`requestObject`, `responseObject`, `responseStatus.message`, …)
//! without building it: that is most of the bytes of a `RequestResponse`-level log.

use super::fasthash::{FastInterner, FxMap};
use super::store::*;
use crate::time::{parse_rfc3339, Micros, NO_TIME};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A string borrowed from the input when it has no escapes, owned otherwise.
pub(crate) struct S<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for S<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = S<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<S<'de>, E> {
                Ok(S(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<S<'de>, E> {
                Ok(S(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<S<'de>, E> {
                Ok(S(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The first string of a JSON array (`sourceIPs`); the rest is skipped.
pub(crate) struct FirstStr<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FirstStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstStr<'de>, A::Error> {
                let first = seq.next_element::<S<'de>>()?.map(|s| s.0);
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstStr(first))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The annotations the cost model reads: `apiserver.latency.k8s.io/*` and priority-and-fairness
/// level / flow schema. Other annotations (authorization reasons, …) are skipped.
#[derive(Default)]
pub(crate) struct Annotations<'a> {
    pub latency: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub apf_pl: Option<Cow<'a, str>>,
    pub apf_fs: Option<Cow<'a, str>>,
}

/// Prefix of the apiserver's latency-tracker annotations.
pub const LATENCY_PREFIX: &str = "apiserver.latency.k8s.io/";

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Annotations<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of annotations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Annotations<'de>, A::Error> {
                let mut out = Annotations::default();
                while let Some(S(k)) = m.next_key::<S<'de>>()? {
                    if let Some(rest) = k.strip_prefix(LATENCY_PREFIX) {
                        let rest = rest.to_string();
                        let v = m.next_value::<S<'de>>()?.0;
                        out.latency.push((Cow::Owned(rest), v));
                    } else if is_apf_level_key(&k) {
                        out.apf_pl = Some(m.next_value::<S<'de>>()?.0);
                    } else if is_apf_schema_key(&k) {
                        out.apf_fs = Some(m.next_value::<S<'de>>()?.0);
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Annotation keys naming the APF priority level (`apf_pl` as in the apiserver's httplog, or a
/// prefixed `…/apf_pl` / `…apf-pl`).
fn is_apf_level_key(k: &str) -> bool {
    k == "apf_pl" || k.ends_with("/apf_pl") || k.ends_with("apf-pl")
}

/// Annotation keys naming the APF flow schema.
fn is_apf_schema_key(k: &str) -> bool {
    k == "apf_fs" || k.ends_with("/apf_fs") || k.ends_with("apf-fs")
}

#[derive(Deserialize)]
pub(crate) struct RawUser<'a> {
    #[serde(borrow, default)]
    pub username: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub groups: Option<Groups<'a>>,
}

/// `user.groups`, kept on the stack for the usual handful (no allocation per event).
pub(crate) struct Groups<'a> {
    pub head: [Option<Cow<'a, str>>; 6],
    pub rest: Vec<Cow<'a, str>>,
}

impl<'a> Groups<'a> {
    /// The groups in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.head
            .iter()
            .map_while(|g| g.as_deref())
            .chain(self.rest.iter().map(|g| g.as_ref()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Groups<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Groups<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of group names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Groups<'de>, A::Error> {
                let mut g = Groups {
                    head: Default::default(),
                    rest: Vec::new(),
                };
                let mut n = 0;
                while let Some(S(s)) = seq.next_element::<S<'de>>()? {
                    if n < g.head.len() {
                        g.head[n] = Some(s);
                    } else {
                        g.rest.push(s);
                    }
                    n += 1;
                }
                Ok(g)
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
pub(crate) struct RawObjectRef<'a> {
    #[serde(borrow, default)]
    pub resource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "apiGroup", borrow, default)]
    pub api_group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub subresource: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(crate) struct RawStatus {
    #[serde(default)]
    pub code: Option<i64>,
}

/// The raw text of a JSON value (as serde's `RawValue` gives it), also built by the scanner.
#[derive(Clone, Copy)]
pub(crate) struct Raw<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(d).map(|r| Raw(r.get()))
    }
}

/// One audit event (any `audit.k8s.io` version), or the envelope of an `EventList`.
/// Unknown fields, including the request/response bodies, are skipped without being built.
/// Read by [`super::scan`] when it can, by serde otherwise.
#[derive(Deserialize, Default)]
pub(crate) struct RawEvent<'a> {
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "apiVersion", borrow, default)]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(rename = "auditID", borrow, default)]
    pub audit_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub stage: Option<Cow<'a, str>>,
    #[serde(rename = "requestURI", borrow, default)]
    pub request_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub verb: Option<Cow<'a, str>>,
    /// Kept raw: the same user object repeats on most events, so it is parsed once per
    /// distinct text (see [`Builder`]).
    #[serde(borrow, default)]
    pub user: Option<Raw<'a>>,
    #[serde(rename = "impersonatedUser", borrow, default)]
    pub impersonated: Option<Raw<'a>>,
    #[serde(rename = "sourceIPs", borrow, default)]
    pub source_ips: Option<FirstStr<'a>>,
    #[serde(rename = "userAgent", borrow, default)]
    pub user_agent: Option<Cow<'a, str>>,
    #[serde(rename = "objectRef", borrow, default)]
    pub object_ref: Option<Raw<'a>>,
    #[serde(rename = "responseStatus", default)]
    pub response_status: Option<RawStatus>,
    #[serde(rename = "requestReceivedTimestamp", borrow, default)]
    pub received: Option<Cow<'a, str>>,
    #[serde(rename = "stageTimestamp", borrow, default)]
    pub stage_ts: Option<Cow<'a, str>>,
    /// v1beta1 / v1alpha1 event time.
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    /// Kept raw and parsed only when it holds latency or APF annotations (most do not).
    #[serde(borrow, default)]
    pub annotations: Option<Raw<'a>>,
}

impl RawEvent<'_> {
    /// Whether this object is an audit event at all (and not, say, some other JSON log).
    pub fn looks_like_event(&self) -> bool {
        self.audit_id.is_some() || (self.stage.is_some() && self.verb.is_some())
    }
}

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
    pub(super) strings: FastInterner,
    /// Requests seen without their final stage yet, by hashed auditID.
    pub(super) pending: FxMap<[u64; 2], u32>,
    groupset_index: FxMap<Vec<Sym>, u32>,
    /// Raw `user` JSON → (username, groupset).
    users: FxMap<Box<str>, (Sym, u32)>,
    /// Raw `objectRef` JSON → its symbols (controllers touch the same objects over and over).
    objects: FxMap<Box<str>, ObjSyms>,
    /// Substrings of the annotation keys worth parsing (built once: building is costly).
    wanted_annotations: [memchr::memmem::Finder<'static>; 2],
    /// Events per stage: RequestReceived, ResponseStarted, ResponseComplete, Panic, none.
    pub(super) stage_counts: [u64; 5],
    /// Rows that completed without an earlier stage in this file.
    pub(super) complete_only: Vec<(u32, [u64; 2])>,
    /// The policy logs early stages, so a lone final stage may have started in an earlier file.
    pub(super) saw_received_stage: bool,
    /// The apiserver/cluster of the events being added (from their cloud wrapping; 0 = none).
    pub(super) apiserver: Sym,
    /// Set on the parts of a file read in parallel after the first: what merging them needs.
    pub(super) part: Option<PartRows>,
    /// The run of `apiVersion`s not yet counted in `data.api_versions`.
    pub(super) versions: RunTally,
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

/// Per row of a part (see [`super::merge`]): its hashed auditID and the earliest
/// `requestReceivedTimestamp` its events carried (`NO_TIME`: none did; the row's `received`
/// may hold a fallback instead).
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
            users: FxMap::default(),
            objects: FxMap::default(),
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

    pub(super) fn sym(strings: &mut FastInterner, s: Option<&str>) -> Sym {
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
        self.objects.insert(raw.0.into(), o);
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
        self.users.insert(raw.0.into(), (user, groups));
        (user, groups)
    }

    pub(super) fn groupset(&mut self, syms: &[Sym]) -> u32 {
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
pub(super) const STAGE_FLAGS: Flags = F_RECEIVED | F_STARTED | F_COMPLETE | F_PANIC;

fn stage_flag(s: Stage) -> Flags {
    match s {
        Stage::Received => F_RECEIVED,
        Stage::Started => F_STARTED,
        Stage::Complete => F_COMPLETE,
        Stage::Panic => F_PANIC,
        Stage::Other => 0,
    }
}

/// Long-running requests hold a connection open by design; their duration is not apiserver
/// work and would swamp query time.
pub fn is_long_running(verb: &str, subresource: &str, flags: Flags) -> bool {
    verb == "watch"
        || verb == "watchList"
        || verb == "proxy"
        || flags & F_WATCH_PARAM != 0
        || matches!(subresource, "exec" | "attach" | "portforward" | "proxy")
        || (subresource == "log" && flags & F_FOLLOW != 0)
}

/// The query-string facts the cost model needs.
pub struct QueryFlags<'a> {
    pub path: &'a str,
    pub flags: Flags,
    pub limit: u32,
}

impl<'a> QueryFlags<'a> {
    /// Read `requestURI`'s query string (already JSON-unescaped, so `\u0026` is `&`).
    pub fn of(uri: &'a str) -> Self {
        let (path, query) = match memchr::memchr(b'?', uri.as_bytes()) {
            Some(i) => (&uri[..i], &uri[i + 1..]),
            None => (uri, ""),
        };
        let mut flags = 0;
        let mut limit = 0;
        // Bytes, not `str::split`: per request, the char searcher was 1–2% of reading a log.
        for kv in query.as_bytes().split(|&c| c == b'&') {
            let (k, v) = match memchr::memchr(b'=', kv) {
                Some(i) => (&kv[..i], &kv[i + 1..]),
                None => (kv, &b""[..]),
            };
            match k {
                b"resourceVersion" if !v.is_empty() => {
                    flags |= F_RV;
                    if v == b"0" {
                        flags |= F_RV_ZERO;
                    }
                }
                b"resourceVersionMatch" => match v {
                    b"Exact" => flags |= F_RVM_EXACT,
                    b"NotOlderThan" => flags |= F_RVM_NOT_OLDER,
                    _ => {}
                },
                b"labelSelector" if !v.is_empty() => flags |= F_LABEL_SELECTOR,
                b"fieldSelector" if !v.is_empty() => flags |= F_FIELD_SELECTOR,
                b"watch" if v == b"true" || v == b"1" => flags |= F_WATCH_PARAM,
                b"follow" if v == b"true" || v == b"1" => flags |= F_FOLLOW,
                b"continue" if !v.is_empty() => flags |= F_CONTINUE,
                b"limit" => {
                    if let Some(n) = parse_u64(v) {
                        if n > 0 {
                            flags |= F_LIMIT;
                            limit = n.min(u32::MAX as u64) as u32;
                        }
                    }
                }
                _ => {}
            }
        }
        QueryFlags { path, flags, limit }
    }
}

/// A `u64` as `str::parse` reads one: an optional `+`, then decimal digits only, no overflow.
fn parse_u64(b: &[u8]) -> Option<u64> {
    let digits = b.strip_prefix(b"+").unwrap_or(b);
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &c| {
        let d = c.wrapping_sub(b'0');
        (d < 10).then_some(())?;
        n.checked_mul(10)?.checked_add(d as u64)
    })
}

/// Hex digit values; 0x80 marks a non-digit.
const HEX: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// Hash an auditID to 128 bits: UUIDs (the apiserver's format) map exactly, anything else is
/// hashed twice with SipHash (deterministic keys, so results are reproducible).
pub fn hash_id(s: &str) -> [u64; 2] {
    let b = s.as_bytes();
    if b.len() == 36 && b[8] == b'-' && b[13] == b'-' && b[18] == b'-' && b[23] == b'-' {
        // Two 64-bit halves, a straight loop per group of digits (a chained iterator into a
        // u128 was 4% of reading an audit log).
        let mut bad = 0u8;
        let mut digits = |groups: [&[u8]; 3]| {
            let mut v: u64 = 0;
            for g in groups {
                for &c in g {
                    let d = HEX[c as usize];
                    bad |= d;
                    v = (v << 4) | (d & 0xf) as u64;
                }
            }
            v
        };
        let hi = digits([&b[..8], &b[9..13], &b[14..18]]);
        let lo = digits([&b[19..23], &b[24..], &[]]);
        if bad & 0x80 == 0 {
            return [hi, lo];
        }
    }
    use std::hash::{Hash, Hasher};
    let mut h1 = std::hash::DefaultHasher::new();
    s.hash(&mut h1);
    let mut h2 = std::hash::DefaultHasher::new();
    (s, 0x5eed_u32).hash(&mut h2);
    // Tag the top bit so a hashed ID can never equal a UUID whose first digit is below 8.
    [h1.finish() | 1 << 63, h2.finish()]
}

/// Parse a Go `time.Duration` string (`1.150272ms`, `35.683763759s`, `2m3.5s`, `629.994µs`) to
/// µs. Negative or malformed values give `None`.
pub fn parse_go_duration(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b[0] == b'-' {
        return None;
    }
    if s == "0" {
        return Some(0);
    }
    let mut i = 0;
    let mut total_ns: f64 = 0.0;
    while i < b.len() {
        let start = i;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        if i == start {
            return None;
        }
        let n: f64 = s[start..i].parse().ok()?;
        let ustart = i;
        while i < b.len() && !(b[i].is_ascii_digit() || b[i] == b'.') {
            i += 1;
        }
        let unit = match &s[ustart..i] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total_ns += n * unit;
    }
    let us = total_ns / 1e3;
    (us.is_finite() && us < i64::MAX as f64).then_some(us.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("1.150272ms"), Some(1150));
        assert_eq!(parse_go_duration("35.683763759s"), Some(35_683_764));
        assert_eq!(parse_go_duration("629.994µs"), Some(630));
        assert_eq!(parse_go_duration("317ns"), Some(0));
        assert_eq!(parse_go_duration("2m3.5s"), Some(123_500_000));
        assert_eq!(parse_go_duration("-2562047h47m16.854775808s"), None);
        assert_eq!(parse_go_duration("fast"), None);
    }

    #[test]
    fn list_sources_follow_the_cacher() {
        let f = |uri: &str| QueryFlags::of(uri).flags;
        assert!(list_from_etcd(f("/api/v1/pods")));
        assert!(!list_from_etcd(f("/api/v1/pods?resourceVersion=0")));
        assert!(!list_from_etcd(f(
            "/api/v1/pods?resourceVersion=0&limit=500"
        )));
        assert!(list_from_etcd(f("/api/v1/pods?limit=500")));
        assert!(list_from_etcd(f(
            "/api/v1/pods?resourceVersion=10&resourceVersionMatch=Exact"
        )));
        assert!(!list_from_etcd(f(
            "/api/v1/pods?resourceVersion=10&resourceVersionMatch=NotOlderThan&limit=5"
        )));
        assert!(!list_from_etcd(f("/api/v1/pods?resourceVersion=25701453")));
        assert!(list_from_etcd(f(
            "/api/v1/pods?resourceVersion=25701453&limit=5"
        )));
        assert!(list_from_etcd(f("/api/v1/pods?limit=5&continue=abc")));
    }

    #[test]
    fn ids_hash_stably() {
        assert_eq!(
            hash_id("033d17af-082d-4b24-aa22-627752e83d71"),
            [0x033d17af082d4b24, 0xaa22627752e83d71]
        );
        assert_eq!(hash_id("x"), hash_id("x"));
        assert_ne!(hash_id("x"), hash_id("y"));
    }

    #[test]
    fn limits_parse_as_str_parse_does() {
        let mut cases: Vec<String> = [
            "",
            "+",
            "-",
            "0",
            "+0",
            "-0",
            "500",
            "+500",
            "00500",
            "5 ",
            " 5",
            "5e3",
            "0x10",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "١٢",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for n in [1u64, 9, 10, 4_294_967_295, 4_294_967_296, u64::MAX / 10] {
            cases.push(n.to_string());
        }
        for c in cases {
            assert_eq!(parse_u64(c.as_bytes()), c.parse::<u64>().ok(), "{c:?}");
        }
        assert_eq!(QueryFlags::of("/api/v1/pods?limit=+7").limit, 7);
        assert_eq!(
            QueryFlags::of("/api/v1/pods?limit=99999999999").limit,
            u32::MAX
        );
        assert_eq!(QueryFlags::of("/api/v1/pods?watch&limit").flags, 0);
    }
}
