//! The data model of a parsed dump file: deduplicated frames and stacks, goroutines,
//! snapshots, all interned in [`Data`]. Its own file because every analysis reads it while
//! only the parser builds it.

use crate::time::Micros;
use serde::{Deserialize, Serialize};

/// One frame, deduplicated: goroutines share frames heavily. Short keys when serialized.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    /// Function name (string id), fully qualified: `net/http.(*conn).serve`.
    #[serde(rename = "f")]
    pub func: u32,
    /// Arguments as printed between the parentheses (string id); `""` for pprof frames.
    #[serde(rename = "a")]
    pub args: u32,
    /// Source path (string id); `""` when the dump had no file line.
    #[serde(rename = "p")]
    pub file: u32,
    /// 1-based line number of its first line.
    #[serde(rename = "l")]
    pub line: u32,
}

/// One call stack, deduplicated; frames innermost first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stack {
    /// Deduplicated frames.
    pub frames: Vec<u32>,
    /// Frames were elided here (index into `frames`), with how many (0 = not said).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elided: Option<(u32, u32)>,
}

/// What the race detector said about one access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaceAccess {
    /// The access was a write (else a read).
    pub write: bool,
    /// The earlier of the two conflicting accesses.
    pub previous: bool,
    /// The address involved, when printed.
    pub addr: Option<u64>,
}

/// One goroutine (or, for pprof `debug=1`, `count` goroutines with the same stack).
/// Serialized with short keys: dumps hold hundreds of thousands of these.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goroutine {
    /// Goroutine ID; `None` for pprof `debug=1` blocks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// How many goroutines this record stands for (pprof `debug=1`), else 1.
    #[serde(rename = "n", default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
    /// Index into [`Data::snapshots`].
    #[serde(rename = "s")]
    pub snapshot: u32,
    /// State string id (`semacquire`, `IO wait`, `sync.Mutex.Lock`; `""` when unknown).
    #[serde(rename = "st")]
    pub state: u32,
    /// Minutes blocked, as printed (`[select, 5 minutes]`); Go prints it from 1 minute on.
    #[serde(rename = "w", default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
    /// Locked to an OS thread.
    #[serde(rename = "lk", default, skip_serializing_if = "is_false")]
    pub locked: bool,
    /// Index into [`Data::stacks`].
    #[serde(rename = "k")]
    pub stack: u32,
    /// The `created by` frame (index into [`Data::frames`]).
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<u32>,
    /// Go 1.21+: `created by … in goroutine N`.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u64>,
    /// `goroutine running on other thread; stack unavailable`.
    #[serde(rename = "u", default, skip_serializing_if = "is_false")]
    pub unavailable: bool,
    /// What the race detector said about this access.
    #[serde(rename = "r", default, skip_serializing_if = "Option::is_none")]
    pub race: Option<RaceAccess>,
    /// `[originating from goroutine N]:` ancestors (GODEBUG=tracebackancestors).
    #[serde(rename = "a", default, skip_serializing_if = "Vec::is_empty")]
    pub ancestors: Vec<u64>,
    /// Where the goroutine's text starts (header line) and its length in bytes.
    #[serde(rename = "l")]
    pub line: u64,
    /// Byte offset of its first line in the (decompressed) file.
    #[serde(rename = "o")]
    pub offset: u64,
    /// Length of its text in bytes.
    pub len: u64,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What kind of output a snapshot came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotKind {
    /// A traceback: panic, fatal error, SIGQUIT, `debug=2`, `runtime.Stack`.
    #[default]
    Traceback,
    /// pprof `debug=1`: merged stacks without IDs or states.
    Pprof,
    /// A race-detector report: the goroutines of the conflicting accesses.
    Race,
}

/// One dump in the file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// What kind of dump or lock this is.
    pub kind: SnapshotKind,
    /// The line that introduced it (`panic: …`, `fatal error: …`, `SIGQUIT: quit`,
    /// `goroutine profile: total 154`), or empty.
    pub title: String,
    /// Its goroutines: `Data::goroutines[start..end]`.
    pub start: u32,
    /// One past its last goroutine.
    pub end: u32,
    /// Goroutines (summing pprof counts).
    pub total: u64,
    /// The total a pprof header announced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_total: Option<u64>,
    /// Stacks without a goroutine (`runtime stack:`, a signal handler's stack).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub system_stacks: Vec<u32>,
    /// Time from a wrapper (journald, CRI, logrus), else [`NO_TIME`](crate::time::NO_TIME).
    pub time: Micros,
    /// 1-based line number of its first line.
    pub line: u64,
    /// Byte offset of its first line in the (decompressed) file.
    pub offset: u64,
    /// Byte offset just past its last line.
    pub end_offset: u64,
    /// Some stacks were cut (unavailable, elided, or the input ended mid-stack).
    #[serde(default, skip_serializing_if = "is_false")]
    pub truncated: bool,
}

/// Everything read from one dump file, interned.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
    /// String table; index 0 is `""`.
    pub strings: Vec<String>,
    /// Deduplicated frames.
    pub frames: Vec<Frame>,
    /// Deduplicated stacks.
    pub stacks: Vec<Stack>,
    /// Every goroutine of every snapshot, in file order.
    pub goroutines: Vec<Goroutine>,
    /// The dumps in the file, in order.
    pub snapshots: Vec<Snapshot>,
}

impl Data {
    /// A string by id (`""` when out of range).
    pub fn str(&self, id: u32) -> &str {
        self.strings
            .get(id as usize)
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The goroutines of one snapshot.
    pub fn snapshot_goroutines(&self, s: usize) -> &[Goroutine] {
        match self.snapshots.get(s) {
            Some(sn) => self
                .goroutines
                .get(sn.start as usize..sn.end as usize)
                .unwrap_or(&[]),
            None => &[],
        }
    }

    /// The frames of a stack.
    pub fn stack_frames(&self, stack: u32) -> impl Iterator<Item = &Frame> + '_ {
        self.stacks
            .get(stack as usize)
            .map(|s| s.frames.as_slice())
            .unwrap_or(&[])
            .iter()
            .filter_map(|&f| self.frames.get(f as usize))
    }

    /// Total goroutines over all snapshots.
    pub fn total_goroutines(&self) -> u64 {
        self.snapshots.iter().map(|s| s.total).sum()
    }
}
