//! The compact, columnar store of audit requests read from one file.
//!
//! One row per *request* (an auditID), not per stage event: the stages of a request are merged
//! while reading. A row is ~90 bytes of integers; every string (user, agent, resource, …) is
//! interned once per file. Request and response bodies are never kept: `offset`/`len` locate
//! the raw event in the (decompressed) file so a detail view can re-read it.

use crate::event::Interner;
use crate::time::{Micros, NO_TIME};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bit flags describing a request (see the `F_*` constants).
pub type Flags = u32;

/// A `RequestReceived` stage event was seen.
pub const F_RECEIVED: Flags = 1 << 0;
/// A `ResponseStarted` stage event was seen (watches and other long-running calls).
pub const F_STARTED: Flags = 1 << 1;
/// A `ResponseComplete` stage event was seen.
pub const F_COMPLETE: Flags = 1 << 2;
/// A `Panic` stage event was seen.
pub const F_PANIC: Flags = 1 << 3;
/// Long-running: watch, exec, attach, port-forward, proxy, log follow. Kept out of query time.
pub const F_LONG_RUNNING: Flags = 1 << 4;
/// `resourceVersion` was given in the query string.
pub const F_RV: Flags = 1 << 5;
/// `resourceVersion=0` ("any": served from the watch cache).
pub const F_RV_ZERO: Flags = 1 << 6;
/// `resourceVersionMatch=Exact`.
pub const F_RVM_EXACT: Flags = 1 << 7;
/// `resourceVersionMatch=NotOlderThan`.
pub const F_RVM_NOT_OLDER: Flags = 1 << 8;
/// `labelSelector` was given.
pub const F_LABEL_SELECTOR: Flags = 1 << 9;
/// `fieldSelector` was given.
pub const F_FIELD_SELECTOR: Flags = 1 << 10;
/// `watch=true` (or `1`) in the query string.
pub const F_WATCH_PARAM: Flags = 1 << 11;
/// `limit` was given.
pub const F_LIMIT: Flags = 1 << 12;
/// `continue` token was given (a later page of a paginated LIST).
pub const F_CONTINUE: Flags = 1 << 13;
/// `follow=true` (log streaming).
pub const F_FOLLOW: Flags = 1 << 16;
/// Not a resource request (e.g. `/openapi/v2`, `/healthz`): `resource` holds the path.
pub const F_NON_RESOURCE: Flags = 1 << 17;
/// The event carried no `requestURI` (GKE Cloud Logging entries): the query flags are unknown,
/// so a LIST's resourceVersion class cannot be told.
pub const F_NO_URI: Flags = 1 << 18;

/// Whether a LIST is served from etcd rather than the watch cache under the rules of
/// Kubernetes 1.30 and older (the cacher's `shouldDelegateList` with `ConsistentListFromCache`
/// off): no `resourceVersion` (a consistent read), `resourceVersionMatch=Exact`,
/// a `continue` token, or a `limit` with a non-zero `resourceVersion` and no `NotOlderThan`.
/// `resourceVersion=0` and `NotOlderThan` are served from the cache.
pub fn list_from_etcd(flags: Flags) -> bool {
    if flags & F_RVM_EXACT != 0 || flags & F_CONTINUE != 0 || flags & F_RV == 0 {
        return true;
    }
    flags & F_LIMIT != 0 && flags & F_RV_ZERO == 0 && flags & F_RVM_NOT_OLDER == 0
}

/// Index into [`Data::strings`]; 0 is always the empty string ("absent").
pub type Sym = u32;

/// Columnar table of requests; all columns have the same length.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Requests {
    /// `requestReceivedTimestamp` (or the time of the first stage seen), µs UTC; `NO_TIME` if unknown.
    pub received: Vec<Micros>,
    /// `stageTimestamp` of `ResponseComplete`/`Panic`, µs UTC; `NO_TIME` when the request never
    /// completed in this file.
    pub done: Vec<Micros>,
    pub user: Vec<Sym>,
    /// Index into [`Data::groupsets`].
    pub groups: Vec<u32>,
    pub impersonated: Vec<Sym>,
    pub user_agent: Vec<Sym>,
    /// First of `sourceIPs`.
    pub source_ip: Vec<Sym>,
    pub verb: Vec<Sym>,
    /// `objectRef.resource`, or the request path for non-resource requests.
    pub resource: Vec<Sym>,
    pub subresource: Vec<Sym>,
    pub api_group: Vec<Sym>,
    pub namespace: Vec<Sym>,
    pub name: Vec<Sym>,
    /// HTTP response code; 0 when unknown (no response stage seen).
    pub code: Vec<u16>,
    pub flags: Vec<Flags>,
    /// The `limit` query parameter (0 when absent).
    pub limit: Vec<u32>,
    /// Priority-and-fairness priority level / flow schema from annotations (0 when absent).
    pub apf_pl: Vec<Sym>,
    pub apf_fs: Vec<Sym>,
    /// The apiserver instance or cluster that wrote the event, from the cloud wrapping
    /// (`cluster/pod` on AKS, `cluster/log stream` on EKS, `project/location/cluster` on GKE);
    /// 0 for native audit logs, which do not say.
    pub apiserver: Vec<Sym>,
    /// 1-based line of the event kept as this request's representative (its final stage).
    pub line: Vec<u32>,
    /// Byte offset and length of that event in the decompressed file.
    pub offset: Vec<u64>,
    pub len: Vec<u32>,
}

impl Requests {
    /// Number of requests.
    pub fn len(&self) -> usize {
        self.received.len()
    }

    /// Whether there are no requests.
    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
    }

    /// Latency (`done − received`) in µs, when both ends are known and ordered.
    pub fn latency(&self, i: usize) -> Option<i64> {
        let (r, d) = (self.received[i], self.done[i]);
        (r != NO_TIME && d != NO_TIME && d >= r).then(|| d - r)
    }
}

/// One `apiserver.latency.k8s.io/*` annotation value of one request (sparse: most requests
/// under 500 ms carry none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyPart {
    /// Row in [`Requests`].
    pub req: u32,
    /// Annotation key suffix (e.g. `etcd`), interned in [`Data::strings`].
    pub key: Sym,
    pub micros: i64,
}

/// A request whose stages may continue in another (rotated) file: it has no final stage, or
/// its final stage came without an earlier one. The report merges these across files by ID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRequest {
    pub req: u32,
    /// The auditID, hashed to 128 bits.
    pub id: [u64; 2],
}

/// Everything the audit analyses need from one file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    /// Boxed so the format enums stay small.
    pub requests: Box<Requests>,
    /// String table shared by all `Sym` columns; entry 0 is `""`.
    pub strings: Interner,
    /// Distinct `user.groups` lists, each a list of `Sym`.
    pub groupsets: Vec<Vec<Sym>>,
    pub latency_parts: Vec<LatencyPart>,
    /// Requests missing a stage (see [`OpenRequest`]).
    pub open: Vec<OpenRequest>,
    /// Stage events read, by stage name.
    pub stages: BTreeMap<String, u64>,
    /// Events read, by `apiVersion` (`audit.k8s.io/v1`, `…/v1beta1`, or `(none)`).
    pub api_versions: BTreeMap<String, u64>,
    /// Stage events merged into an earlier row of the same request.
    pub merged_stages: u64,
}

impl Data {
    /// The string of a symbol.
    pub fn str(&self, s: Sym) -> &str {
        self.strings.get(s)
    }
}
