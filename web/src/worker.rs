//! The Web Worker: reads Files slice by slice into the core and answers queries.
//!
//! Reading is `async` (one `Blob.slice().arrayBuffer()` per [`SLICE`]), so between slices the
//! worker's event loop delivers `cancel` and `query` messages: cancel reacts within one slice.

use crate::protocol::{FromWorker, RawSlice, ToWorker, SLICE};
use js_sys::{Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{Blob, DedicatedWorkerGlobalScope, File, MessageEvent};
use whodunnit_core::decompress::{is_gzip, Gunzip};
use whodunnit_core::query::{answer, Query};
use whodunnit_core::timeline::{Pyramid, TimelineQuery};
use whodunnit_core::{Dataset, FileIngest, FileMeta, FileSummary};

#[derive(Default)]
struct State {
    /// Files read so far, parallel to `ds.files`: (UI id, handle for re-reads).
    handles: Vec<(u32, File)>,
    ds: Dataset,
    queue: VecDeque<(u32, File)>,
    cancelled: HashSet<u32>,
    busy: bool,
    /// Timeline pyramids of the latest filters, most recent first (see [`timeline_answer`]);
    /// emptied whenever `ds` changes.
    timelines: Vec<Pyramid>,
}

/// Pyramids kept: the view's filter plus one other (a "next occurrence" jump asks with a
/// one-kind filter; it must not evict the view's).
const TIMELINES_KEPT: usize = 2;

impl State {
    /// Everything derived from `ds` is stale.
    fn dataset_changed(&mut self) {
        self.timelines.clear();
    }
}

type Shared = Rc<RefCell<State>>;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn post(msg: &FromWorker) {
    let obj = js_sys::Object::new();
    let json = serde_json::to_string(msg).unwrap_or_default();
    let _ = Reflect::set(&obj, &"msg".into(), &json.into());
    let _ = scope().post_message(&obj);
}

/// Entry point of the `worker` binary.
pub fn run() {
    let state: Shared = Rc::default();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let Some(text) = Reflect::get(&data, &"msg".into())
            .ok()
            .and_then(|v| v.as_string())
        else {
            return;
        };
        let Ok(msg) = serde_json::from_str::<ToWorker>(&text) else {
            return;
        };
        let file = Reflect::get(&data, &"file".into())
            .ok()
            .and_then(|f| f.dyn_into::<File>().ok());
        crate::export_worker::stash_assets(&data);
        handle(&state, msg, file);
    });
    scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&FromWorker::Ready);
}

fn handle(state: &Shared, msg: ToWorker, file: Option<File>) {
    match msg {
        ToWorker::Load { id } => {
            if let Some(f) = file {
                state.borrow_mut().queue.push_back((id, f));
                pump(state);
            }
        }
        ToWorker::Cancel { id } => {
            let mut s = state.borrow_mut();
            let before = s.queue.len();
            s.queue.retain(|(i, _)| *i != id);
            if s.queue.len() != before {
                post(&FromWorker::Cancelled { id });
            } else {
                s.cancelled.insert(id);
            }
        }
        ToWorker::Remove { id } => {
            let mut s = state.borrow_mut();
            if let Some(pos) = s.handles.iter().position(|(i, _)| *i == id) {
                s.handles.remove(pos);
                s.ds.files.remove(pos);
                s.dataset_changed();
            }
        }
        ToWorker::CorrectTime { id, years, minutes } => {
            let mut s = state.borrow_mut();
            if let Some(pos) = s.handles.iter().position(|(i, _)| *i == id) {
                s.dataset_changed();
                let f = &mut s.ds.files[pos];
                f.events.correct(years, minutes);
                // A goroutine dump inside the log takes its time from the log line around it.
                whodunnit_core::nodelog::sync_dump_times(f);
                f.notes.push(format!(
                    "times corrected by hand: {years:+} year(s), {minutes:+} minute(s)"
                ));
                let summary = Box::new(FileSummary::of(f));
                drop(s);
                post(&FromWorker::Updated { id, summary });
            }
        }
        ToWorker::Query { req, query } => match serde_json::from_value::<Query>(query) {
            // Findings name things (an APIService, an image) from a few raw lines, which only
            // the Files hold: read them first, asynchronously, then detect.
            Ok(Query::Findings) => {
                let state = state.clone();
                spawn_local(async move {
                    let answer = findings_with_text(&state).await;
                    post(&FromWorker::Answer { req, answer });
                });
            }
            Ok(Query::Timeline(tq)) => post(&FromWorker::Answer {
                req,
                answer: timeline_answer(&mut state.borrow_mut(), &tq),
            }),
            Ok(q) => post(&FromWorker::Answer {
                req,
                answer: answer(&state.borrow().ds, &q),
            }),
            Err(e) => post(&FromWorker::Answer {
                req,
                answer: serde_json::json!({ "error": format!("bad query: {e}") }),
            }),
        },
        ToWorker::Raw {
            req,
            file,
            offset,
            len,
            context_lines,
        } => {
            let file = state
                .borrow()
                .handles
                .get(file as usize)
                .map(|(_, f)| f.clone());
            spawn_local(async move {
                let text = match file {
                    Some(f) if crate::export_worker::is_no_raw(&f) => {
                        crate::export_worker::no_raw()
                    }
                    Some(f) => read_raw(&f, offset, len, context_lines)
                        .await
                        .unwrap_or_default(),
                    None => RawSlice::default(),
                };
                post(&FromWorker::RawText { req, text });
            });
        }
        ToWorker::Export {
            req,
            redact,
            include_raw,
            created,
        } => {
            let picks: Vec<(usize, File)> = {
                let s = state.borrow();
                let pos = |id: &u32| s.handles.iter().position(|(i, _)| i == id);
                include_raw
                    .iter()
                    .filter_map(|id| pos(id).map(|p| (p, s.handles[p].1.clone())))
                    .collect()
            };
            let state = state.clone();
            spawn_local(async move {
                let raws = crate::export_worker::read_whole(picks).await;
                let answer =
                    crate::export_worker::export(&state.borrow().ds, redact, raws, created);
                post(&FromWorker::Answer { req, answer });
            });
        }
    }
}

/// A timeline window, from the pyramid of its filter (built on the first query with that
/// filter): zoom and pan steps then cost the bins drawn, not the events. Same answer as
/// `timeline::query`.
fn timeline_answer(s: &mut State, q: &TimelineQuery) -> serde_json::Value {
    match s.timelines.iter().position(|p| p.serves(q)) {
        Some(i) => {
            let p = s.timelines.remove(i);
            s.timelines.insert(0, p);
        }
        None => {
            s.timelines.truncate(TIMELINES_KEPT - 1);
            s.timelines.insert(0, Pyramid::build(&s.ds, q));
        }
    }
    serde_json::to_value(s.timelines[0].answer(&s.ds, q)).unwrap_or_default()
}

/// Start reading queued files unless a read is already running.
fn pump(state: &Shared) {
    if state.borrow().busy {
        return;
    }
    state.borrow_mut().busy = true;
    let state = state.clone();
    spawn_local(async move {
        loop {
            let next = state.borrow_mut().queue.pop_front();
            let Some((id, file)) = next else { break };
            let started = js_sys::Date::now();
            // A whodunnit report re-opens the analysis it carries.
            match crate::export_worker::try_restore(&file).await {
                Some(Ok(r)) => {
                    let mut s = state.borrow_mut();
                    let mut files = Vec::new();
                    for (i, (parsed, handle)) in r.files.into_iter().enumerate() {
                        let sub = crate::export_worker::sub_id(id, i);
                        files.push(crate::export_worker::restored_file(sub, &parsed));
                        s.ds.add(parsed);
                        s.handles.push((sub, handle));
                    }
                    s.dataset_changed();
                    drop(s);
                    let info = Box::new(r.info);
                    post(&FromWorker::Restored { id, info, files });
                    continue;
                }
                Some(Err(error)) => {
                    post(&FromWorker::Failed { id, error });
                    continue;
                }
                None => {}
            }
            match read_file(&state, id, &file).await {
                Ok(Some(parsed)) => {
                    let mut s = state.borrow_mut();
                    let i = s.ds.add(parsed);
                    s.handles.push((id, file));
                    s.dataset_changed();
                    // A klog file without a year anchor takes its year from the other files.
                    whodunnit_core::nodelog::resolve_years(&mut s.ds);
                    let summary = Box::new(FileSummary::of(&s.ds.files[i]));
                    drop(s);
                    crate::fit::report_memory();
                    post(&FromWorker::Done {
                        id,
                        summary,
                        millis: js_sys::Date::now() - started,
                    });
                }
                Ok(None) => post(&FromWorker::Cancelled { id }),
                Err(e) => post(&FromWorker::Failed { id, error: e }),
            }
        }
        state.borrow_mut().busy = false;
    });
}

/// Bytes `start..end` of a Blob (one async `slice().arrayBuffer()`).
pub(crate) async fn slice_bytes(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let part = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(js_err)?;
    let buf = JsFuture::from(part.array_buffer()).await.map_err(js_err)?;
    Ok(Uint8Array::new(&buf).to_vec())
}

pub(crate) fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Read one File in slices; `None` when cancelled.
async fn read_file(
    state: &Shared,
    id: u32,
    file: &File,
) -> Result<Option<whodunnit_core::ParsedFile>, String> {
    let total = file.size() as u64;
    let meta = FileMeta {
        name: file.name(),
        size: Some(total),
        last_modified_ms: Some(file.last_modified() as i64),
    };
    let mut ing = FileIngest::new(meta);
    let before = crate::fit::wasm_bytes();
    let mut slices = crate::slices::Slices::new(file, total, SLICE)?;
    while let Some(next) = slices.next().await {
        if state.borrow_mut().cancelled.remove(&id) {
            return Ok(None);
        }
        let (bytes, pos) = next?;
        ing.push(bytes);
        crate::fit::check(&ing, pos, total, before)?;
        post(&FromWorker::Progress {
            id,
            total,
            progress: ing.progress(),
        });
    }
    Ok(Some(ing.finish()))
}

/// Findings with the raw text their detectors want: the same result as the CLI, which reads
/// those lines from disk.
async fn findings_with_text(state: &Shared) -> serde_json::Value {
    use whodunnit_core::findings::{wanted_given, TextPiece};
    let files: Vec<File> = state
        .borrow()
        .handles
        .iter()
        .map(|(_, f)| f.clone())
        .collect();
    let mut pieces: Vec<TextPiece> = Vec::new();
    // What detectors read can depend on what they read (a line naming a namespace selects other
    // evidence lines): ask again with what was read, a few rounds at most.
    for _ in 0..4 {
        let ranges = wanted_given(&state.borrow().ds, &pieces);
        if ranges.is_empty() {
            break;
        }
        let mut by_file: std::collections::BTreeMap<usize, Vec<(u64, u64)>> = Default::default();
        for r in &ranges {
            by_file.entry(r.file).or_default().push((r.offset, r.len));
        }
        let before = pieces.len();
        for (fi, wanted) in by_file {
            let Some(file) = files.get(fi) else { continue };
            if let Ok(texts) = read_ranges(file, &wanted).await {
                for ((offset, _), bytes) in wanted.iter().zip(texts) {
                    pieces.push(TextPiece {
                        file: fi,
                        offset: *offset,
                        text: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                }
            }
        }
        if pieces.len() == before {
            break;
        }
    }
    // The dataset may have changed while we read; ranges then simply miss and detectors fall
    // back to labels.
    answer(
        &state.borrow().ds,
        &Query::FindingsWithText { texts: pieces },
    )
}

/// Read several byte ranges of one file: slices for plain files, one decompression pass for
/// gzip files.
async fn read_ranges(file: &File, ranges: &[(u64, u64)]) -> Result<Vec<Vec<u8>>, String> {
    let total = file.size() as u64;
    let head = slice_bytes(file, 0, total.min(2)).await?;
    if !is_gzip(&head) {
        let mut out = Vec::with_capacity(ranges.len());
        for &(off, len) in ranges {
            out.push(slice_bytes(file, off.min(total), (off + len).min(total)).await?);
        }
        return Ok(out);
    }
    let end = ranges.iter().map(|&(o, l)| o + l).max().unwrap_or(0);
    let mut out: Vec<Vec<u8>> = vec![Vec::new(); ranges.len()];
    let mut gz = Gunzip::new();
    let (mut seen, mut pos) = (0u64, 0u64);
    while pos < total && seen < end {
        let chunk_end = (pos + SLICE).min(total);
        let chunk = slice_bytes(file, pos, chunk_end).await?;
        gz.push(&chunk, &mut |b| {
            let (lo, hi) = (seen, seen + b.len() as u64);
            for (i, &(o, l)) in ranges.iter().enumerate() {
                let (a, z) = (o.max(lo), (o + l).min(hi));
                if a < z {
                    out[i].extend_from_slice(&b[(a - lo) as usize..(z - lo) as usize]);
                }
            }
            seen = hi;
        });
        pos = chunk_end;
    }
    Ok(out)
}

/// Re-read an event's bytes plus up to `context` lines on each side (a margin of bytes around
/// the event, cut into lines).
async fn read_raw(file: &File, offset: u64, len: u64, context: u32) -> Result<RawSlice, String> {
    const MARGIN: u64 = 16 << 10;
    let base = offset.saturating_sub(MARGIN);
    let bytes = read_ranges(file, &[(base, offset + len + MARGIN - base)])
        .await?
        .pop()
        .unwrap_or_default();
    Ok(split_context(&bytes, base, offset, len, context as usize))
}

/// Cut `bytes` (starting at file offset `base`) into the event's lines and context lines.
fn split_context(bytes: &[u8], base: u64, offset: u64, len: u64, context: usize) -> RawSlice {
    let rel = (offset.saturating_sub(base) as usize).min(bytes.len());
    let end = (rel + len as usize).min(bytes.len());
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let mut before: Vec<String> = bytes[..rel].split(|&c| c == b'\n').map(text).collect();
    before.pop(); // the part of the event's own first line before `offset` (empty when aligned)
    let skip_partial = usize::from(base > 0);
    let before: Vec<String> = before.into_iter().skip(skip_partial).collect();
    let before = before[before.len().saturating_sub(context)..].to_vec();
    let lines: Vec<String> = bytes[rel..end].split(|&c| c == b'\n').map(text).collect();
    let rest = bytes[end..].strip_prefix(b"\n").unwrap_or(&bytes[end..]);
    let mut after: Vec<String> = rest
        .split(|&c| c == b'\n')
        .map(text)
        .take(context + 1)
        .collect();
    if after.len() > context {
        after.truncate(context);
    }
    RawSlice {
        before,
        lines,
        after,
        first_line: None,
    }
}
