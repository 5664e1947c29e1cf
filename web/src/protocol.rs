//! Messages between the UI and the worker.
//!
//! Each message is a JS object `{ msg: "<json>", file?: File }`: the JSON carries everything
//! serializable; a `File` handle travels beside it (structured clone, no copy of its bytes).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::DedicatedWorkerGlobalScope;
use whodunnit_core::report::ReportInfo;
use whodunnit_core::{FileSummary, Progress};

/// UI → worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum ToWorker {
    /// Read the `File` sent alongside; `id` is the UI's handle for it. `folder`: the file came
    /// in a dropped or picked folder (the folder's name, the file's path inside it).
    Load {
        id: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        folder: Option<(String, String)>,
    },
    /// Stop reading file `id`; what was read so far is discarded.
    Cancel { id: u32 },
    /// Remove a file from the analysis.
    Remove { id: u32 },
    /// Correct file `id`'s times by whole years and minutes (an assumed year or zone was wrong).
    CorrectTime { id: u32, years: i32, minutes: i64 },
    /// Run a core query (JSON of `whodunnit_core::query::Query`).
    Query { req: u32, query: serde_json::Value },
    /// Re-read raw bytes of the dataset's file number `file` (as numbered in query answers)
    /// around `offset`, for a detail view.
    Raw {
        req: u32,
        file: u32,
        offset: u64,
        len: u64,
        context_lines: u32,
    },
    /// Build an offline report (answered with `{"html", "bytes"}` or `{"error"}`). The app's own
    /// files travel beside the message as `assets`; `include_raw` names UI file ids.
    Export {
        req: u32,
        redact: bool,
        include_raw: Vec<u32>,
        created: String,
    },
    /// Dataset worker → its helper (`crate::helper`): read bytes `start..end` of the `File`
    /// sent alongside as the part of an audit log that starts there (`FileIngest::part`), as
    /// job `job`; answered with `PartProgress`s and one `PartDone`. `Cancel { id: job }` stops
    /// it.
    Part { job: u32, start: u64, end: u64 },
}

/// Worker → UI.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum FromWorker {
    Ready,
    /// The worker read its warm-up samples (`warm`): its parsers now run optimized code.
    Warm,
    Progress {
        id: u32,
        total: u64,
        progress: Progress,
    },
    Done {
        id: u32,
        summary: Box<FileSummary>,
        millis: f64,
        /// Workers that parsed the file (2: a large audit log split with the helper).
        #[serde(default = "one")]
        workers: u32,
    },
    /// A file's summary changed (its times were corrected).
    Updated {
        id: u32,
        summary: Box<FileSummary>,
    },
    Cancelled {
        id: u32,
    },
    Failed {
        id: u32,
        error: String,
    },
    Answer {
        req: u32,
        answer: serde_json::Value,
    },
    RawText {
        req: u32,
        text: RawSlice,
    },
    /// File `id` was a bundle (an archive): its members, read or not, take its place.
    Unpacked {
        id: u32,
        files: Vec<RestoredFile>,
    },
    /// The dataset worker's helper (`crate::helper`) is up: a large audit log dropped now is
    /// parsed on two workers.
    HelperReady,
    /// Helper → dataset worker: bytes of part `job` read so far.
    PartProgress {
        job: u32,
        bytes_in: u64,
    },
    /// Helper → dataset worker: part `job` is read. Its state travels beside as `wire`
    /// (`FileIngest::to_wire`; absent when the part cannot travel, e.g. a document open at its
    /// end); `error` when it could not be read. `wasm_bytes`: the helper's memory after it.
    PartDone {
        job: u32,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        wasm_bytes: u64,
    },
    /// File `id` was a whodunnit report: these files, restored from it, take its place.
    Restored {
        id: u32,
        info: Box<ReportInfo>,
        files: Vec<RestoredFile>,
    },
}

fn one() -> u32 {
    1
}

/// One file restored from a report or unpacked from an archive; `id` is new and used for it
/// from then on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RestoredFile {
    pub id: u32,
    pub name: String,
    pub size: u64,
    pub summary: Box<FileSummary>,
}

/// A re-read slice of a file: the event's lines plus some lines around them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RawSlice {
    pub before: Vec<String>,
    pub lines: Vec<String>,
    pub after: Vec<String>,
    /// 1-based line number of the first line of `lines`, when known.
    pub first_line: Option<u64>,
}

/// Bytes per `Blob.slice` read: large enough to amortize the async round trip, small enough that
/// progress moves and cancel reacts within milliseconds.
pub const SLICE: u64 = 4 << 20;

/// `msg` in its envelope, `{ msg: "<json>" }`; a `File` or a buffer may be set beside it.
pub fn envelope<T: Serialize>(msg: &T) -> js_sys::Object {
    let obj = js_sys::Object::new();
    let json = serde_json::to_string(msg).unwrap_or_default();
    let _ = js_sys::Reflect::set(&obj, &"msg".into(), &json.into());
    obj
}

/// The message in the envelope `data`, when it holds a `T`.
pub fn opened<T: DeserializeOwned>(data: &JsValue) -> Option<T> {
    let text = js_sys::Reflect::get(data, &"msg".into())
        .ok()?
        .as_string()?;
    serde_json::from_str(&text).ok()
}

/// This worker's global scope (called in a worker only).
pub fn worker_scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Post `msg` from this worker to whoever started it (the page, or the worker a helper serves).
pub fn post(msg: &FromWorker) {
    let _ = worker_scope().post_message(&envelope(msg));
}
