//! The Web Worker: reads Files slice by slice into the core and answers queries.
//!
//! Reading is `async` (one `Blob.slice().arrayBuffer()` per [`SLICE`]), so between slices the
//! worker's event loop delivers `cancel` and `query` messages: cancel reacts within one slice.

use crate::blob::{read_ranges, slice_bytes};
use crate::protocol::{opened, post, worker_scope, FromWorker, RawSlice, ToWorker, SLICE};
use js_sys::Reflect;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::{File, MessageEvent};
use whodunnit_core::bundle::reread::Reread;
use whodunnit_core::findings::{wanted_given, TextPiece, MAX_TEXT_ROUNDS};
use whodunnit_core::query::{answer, Query};
use whodunnit_core::timeline::{Pyramid, TimelineQuery};
use whodunnit_core::{BundleReader, Dataset, FileMeta, FileSummary, ParsedFile};

/// A dropped File, and its folder and path inside it when it came in a folder.
type Queued = (u32, File, Option<(String, String)>);

#[derive(Default)]
struct State {
    /// Files read so far, parallel to `ds.files`: (UI id, handle for re-reads).
    handles: Vec<(u32, File)>,
    ds: Dataset,
    queue: VecDeque<Queued>,
    /// The last id given to an archive's member (ids the UI never hands out).
    member_ids: u32,
    cancelled: HashSet<u32>,
    busy: bool,
    /// Timeline pyramids of the latest filters, most recent first (see [`timeline_answer`]);
    /// emptied whenever `ds` changes.
    timelines: Vec<Pyramid>,
    /// Bumped whenever `ds` changes: answers computed asynchronously keep only if it held.
    generation: u64,
    /// The findings of `generation`, once computed: every view asks for them (the Findings tab,
    /// the timeline's marks), and computing them re-reads raw lines from the Files.
    findings: Option<(u64, serde_json::Value)>,
    /// The lines findings quote, as restored reports carry them (by file id: offset, text), for
    /// files whose raw text the report does not hold.
    report_texts: HashMap<u32, Vec<(u64, String)>>,
}

/// Pyramids kept: the view's filter plus one other (a "next occurrence" jump asks with a
/// one-kind filter; it must not evict the view's).
const TIMELINES_KEPT: usize = 2;

impl State {
    /// Everything derived from `ds` is stale.
    fn dataset_changed(&mut self) {
        self.timelines.clear();
        self.generation += 1;
        self.findings = None;
    }
}

type Shared = Rc<RefCell<State>>;

/// Entry point of the `worker` binary.
pub fn run() {
    let state: Shared = Rc::default();
    let warming = state.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let Some(msg) = opened::<ToWorker>(&data) else {
            return;
        };
        let file = Reflect::get(&data, &"file".into())
            .ok()
            .and_then(|f| f.dyn_into::<File>().ok());
        crate::export_worker::stash_assets(&data);
        handle(&state, msg, file);
    });
    worker_scope().set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    post(&FromWorker::Ready);
    crate::helper::start();
    // A helper reads only audit logs, which the warm-up samples do not exercise; warming it
    // would take a core from the worker's own warm-up.
    if crate::helper::is_helper() {
        return;
    }
    spawn_local(async move {
        let waiting = || {
            let s = warming.borrow();
            s.busy || !s.queue.is_empty()
        };
        if crate::warm::warm_up(waiting).await {
            post(&FromWorker::Warm);
        }
    });
}

fn handle(state: &Shared, msg: ToWorker, file: Option<File>) {
    match msg {
        ToWorker::Load { id, folder } => {
            if let Some(f) = file {
                state.borrow_mut().queue.push_back((id, f, folder));
                pump(state);
            }
        }
        ToWorker::Part { job, start, end } => {
            if let Some(f) = file {
                let state = state.clone();
                spawn_local(async move {
                    // Busy: the warm-up gives way.
                    state.borrow_mut().busy = true;
                    let cancelled = || state.borrow_mut().cancelled.remove(&job);
                    crate::helper::serve_part(job, &f, start, end, cancelled).await;
                    state.borrow_mut().busy = false;
                });
            }
        }
        ToWorker::Cancel { id } => {
            let mut s = state.borrow_mut();
            let before = s.queue.len();
            s.queue.retain(|(i, _, _)| *i != id);
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
                let cached = state.borrow().findings.clone();
                match cached {
                    Some((g, answer)) if g == state.borrow().generation => {
                        post(&FromWorker::Answer { req, answer })
                    }
                    _ => {
                        let state = state.clone();
                        spawn_local(async move {
                            let generation = state.borrow().generation;
                            let answer = findings_with_text(&state).await;
                            let mut s = state.borrow_mut();
                            if s.generation == generation {
                                s.findings = Some((generation, answer.clone()));
                            }
                            drop(s);
                            post(&FromWorker::Answer { req, answer });
                        });
                    }
                }
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
            let (file, parsed) = {
                let s = state.borrow();
                let i = file as usize;
                (
                    s.handles.get(i).map(|(_, f)| f.clone()),
                    s.ds.files.get(i).map(raw_window(offset, len)),
                )
            };
            spawn_local(async move {
                let text = match (file, parsed) {
                    (Some(f), _) if crate::export_worker::is_no_raw(&f) => {
                        crate::export_worker::no_raw()
                    }
                    (Some(f), Some((base, rr))) => {
                        read_raw(&f, rr, base, offset, len, context_lines)
                            .await
                            .unwrap_or_default()
                    }
                    _ => RawSlice::default(),
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
            let picks: Vec<(usize, File, Reread)> = {
                let s = state.borrow();
                let pos = |id: &u32| s.handles.iter().position(|(i, _)| i == id);
                include_raw
                    .iter()
                    .filter_map(pos)
                    .map(|p| (p, s.handles[p].1.clone(), whole_raw(&s.ds.files[p])))
                    .collect()
            };
            let state = state.clone();
            spawn_local(async move {
                let raws = crate::export_worker::read_whole(picks).await;
                let texts = gather_texts(&state).await;
                let answer =
                    crate::export_worker::export(&state.borrow().ds, redact, raws, texts, created);
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
            let Some((id, file, folder)) = next else {
                break;
            };
            let started = js_sys::Date::now();
            // The reader starts on the file now, while its head is checked for a report: its
            // first slice took ~25 ms to arrive when asked for after the check.
            let ahead = crate::slices::Slices::new(&file, file.size() as u64, SLICE).ok();
            // A whodunnit report re-opens the analysis it carries.
            match crate::export_worker::try_restore(&file).await {
                Some(Ok(r)) => {
                    let mut s = state.borrow_mut();
                    let mut files = Vec::new();
                    for (i, (parsed, handle)) in r.files.into_iter().enumerate() {
                        let sub = crate::export_worker::sub_id(id, i);
                        let texts: Vec<(u64, String)> = r
                            .texts
                            .iter()
                            .filter(|t| t.file == i)
                            .map(|t| (t.offset, t.text.clone()))
                            .collect();
                        if !texts.is_empty() {
                            s.report_texts.insert(sub, texts);
                        }
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
            match read_file(&state, id, &file, folder.as_ref(), ahead).await {
                Ok(Some((parsed, workers))) => {
                    let unpacked = is_unpacked(&parsed, folder.as_ref());
                    let mut s = state.borrow_mut();
                    let mut members = Vec::new();
                    for p in parsed {
                        let sub = if unpacked {
                            s.member_ids += 1;
                            0x4000_0000 | s.member_ids
                        } else {
                            id
                        };
                        members.push(crate::export_worker::restored_file(sub, &p));
                        s.ds.add(p);
                        s.handles.push((sub, file.clone()));
                    }
                    s.dataset_changed();
                    // A klog file without a year anchor takes its year from the other files.
                    whodunnit_core::nodelog::resolve_years(&mut s.ds);
                    // Years may have moved in any member: summaries after resolving.
                    let first = s.ds.files.len() - members.len();
                    for (m, f) in members.iter_mut().zip(&s.ds.files[first..]) {
                        *m.summary = FileSummary::of(f);
                    }
                    drop(s);
                    crate::fit::report_memory();
                    let millis = js_sys::Date::now() - started;
                    match (unpacked, members.pop()) {
                        (false, Some(m)) => post(&FromWorker::Done {
                            id,
                            summary: m.summary,
                            millis,
                            workers,
                        }),
                        (_, last) => {
                            members.extend(last);
                            post(&FromWorker::Unpacked { id, files: members })
                        }
                    }
                }
                Ok(None) => post(&FromWorker::Cancelled { id }),
                Err(e) => post(&FromWorker::Failed { id, error: e }),
            }
        }
        state.borrow_mut().busy = false;
    });
}

/// Read one File in slices — a log, or every member of an archive — and say on how many
/// workers (a large audit log: on two, `split`); `None` when cancelled. `ahead` reads it from
/// its start, when already started.
async fn read_file(
    state: &Shared,
    id: u32,
    file: &File,
    folder: Option<&(String, String)>,
    mut ahead: Option<crate::slices::Slices<'_>>,
) -> Result<Option<(Vec<ParsedFile>, u32)>, String> {
    let total = file.size() as u64;
    let meta = FileMeta {
        name: file.name(),
        size: Some(total),
        last_modified_ms: Some(file.last_modified() as i64),
    };
    if folder.is_none() {
        let cancelled = || state.borrow_mut().cancelled.remove(&id);
        if let Some((got, workers)) =
            crate::split::read(id, file, &meta, &mut ahead, cancelled).await
        {
            return got.map(|p| p.map(|p| (vec![p], workers)));
        }
    }
    let mut r = match folder {
        Some((dir, rel)) => BundleReader::in_folder(meta, dir, rel),
        None => BundleReader::new(meta),
    };
    let before = crate::fit::wasm_bytes();
    // Sequential reads (a log, a tar, a compressed file) take the slices `Slices` reads ahead
    // on another core; the jumps of a zip (its directory, then each entry) are read here.
    while let Some((a, b)) = r.want() {
        if state.borrow_mut().cancelled.remove(&id) {
            return Ok(None);
        }
        let sequential = ahead.as_ref().map_or(a == 0, |s| s.position() == a);
        if sequential {
            let s = match &mut ahead {
                Some(s) => s,
                None => ahead.insert(crate::slices::Slices::new(file, total, SLICE)?),
            };
            match s.next().await {
                Some(got) => {
                    let (bytes, _) = got?;
                    feed_in_order(&mut r, a, bytes);
                }
                None => r.feed(&[]),
            }
        } else {
            let end = b.min(total).min(a + SLICE);
            let bytes = slice_bytes(file, a.min(total), end.max(a.min(total))).await?;
            r.feed(&bytes);
        }
        let mut progress = r.progress();
        crate::fit::check(r.projected_memory(total), progress.bytes_in, total, before)?;
        // A zip is read by ranges: progress in bytes is where reading is.
        progress.bytes_in = progress.bytes_in.max(a.min(total));
        post(&FromWorker::Progress {
            id,
            total,
            progress,
        });
    }
    Ok(Some((r.finish(), 1)))
}

/// Feed a slice read from offset `at` to `r` in the pieces it asks for (it may ask for less
/// than a slice at a time).
fn feed_in_order(r: &mut BundleReader, mut at: u64, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match r.want() {
            Some((a, b)) if a == at => {
                let n = ((b - a) as usize).clamp(1, bytes.len());
                r.feed(&bytes[..n]);
                at += n as u64;
                bytes = &bytes[n..];
            }
            // The reader jumped (a zip found its directory): the rest of the slice is not needed.
            _ => return,
        }
    }
}

/// Whether reading gave an archive's members (they replace the dropped entry) rather than the
/// file itself.
fn is_unpacked(files: &[ParsedFile], folder: Option<&(String, String)>) -> bool {
    let given = folder.map(|(_, rel)| rel.as_str());
    match files {
        [one] => one
            .source
            .as_ref()
            .is_some_and(|s| s.bundle.is_some() && Some(s.path.as_str()) != given),
        _ => true,
    }
}

/// The re-read of an event's bytes with a margin around them: (where the margin starts, the
/// reader).
fn raw_window(offset: u64, len: u64) -> impl Fn(&ParsedFile) -> (u64, Reread) {
    move |f| {
        const MARGIN: u64 = 16 << 10;
        let base = offset.saturating_sub(MARGIN);
        (
            base,
            Reread::new(f, &[(base, offset + len + MARGIN - base)]),
        )
    }
}

/// The re-read of a file's whole raw bytes as read (a member's own, still gzip if it was).
fn whole_raw(f: &ParsedFile) -> Reread {
    let reach = f.source.as_ref().map(|s| &s.reach[..]).unwrap_or(&[]);
    Reread::of(reach, false, &[(0, u64::MAX)])
}

/// Findings with the raw text their detectors want: the same result as the CLI, which reads
/// those lines from disk.
async fn findings_with_text(state: &Shared) -> serde_json::Value {
    let texts = gather_texts(state).await;
    // The dataset may have changed while we read; ranges then simply miss and detectors fall
    // back to labels.
    answer(&state.borrow().ds, &Query::FindingsWithText { texts })
}

/// The lines findings quote: what restored reports carry, plus what the Files give when asked
/// (`findings::wanted_given`) until nothing more is missing — the browser's asynchronous twin
/// of `findings::read_texts`.
async fn gather_texts(state: &Shared) -> Vec<TextPiece> {
    let (files, mut pieces) = {
        let s = state.borrow();
        let files: Vec<File> = s.handles.iter().map(|(_, f)| f.clone()).collect();
        let mut pieces = Vec::new();
        for (fi, (id, _)) in s.handles.iter().enumerate() {
            for (offset, text) in s.report_texts.get(id).into_iter().flatten() {
                pieces.push(TextPiece {
                    file: fi,
                    offset: *offset,
                    text: text.clone(),
                });
            }
        }
        (files, pieces)
    };
    for _ in 0..MAX_TEXT_ROUNDS {
        let ranges = wanted_given(&state.borrow().ds, &pieces);
        let mut by_file: std::collections::BTreeMap<usize, Vec<(u64, u64)>> = Default::default();
        for r in &ranges {
            by_file.entry(r.file).or_default().push((r.offset, r.len));
        }
        let before = pieces.len();
        for (fi, wanted) in by_file {
            // A report's file without its raw text has nothing to give: its quotes, if any, came
            // with the report.
            let Some(file) = files
                .get(fi)
                .filter(|f| !crate::export_worker::is_no_raw(f))
            else {
                continue;
            };
            let Some(rr) = state
                .borrow()
                .ds
                .files
                .get(fi)
                .map(|f| Reread::new(f, &wanted))
            else {
                continue;
            };
            if let Ok(texts) = read_ranges(file, rr).await {
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
    pieces
}

/// Re-read an event's bytes plus up to `context` lines on each side (a margin of bytes around
/// the event, from `base`, cut into lines).
async fn read_raw(
    file: &File,
    rr: Reread,
    base: u64,
    offset: u64,
    len: u64,
    context: u32,
) -> Result<RawSlice, String> {
    let bytes = read_ranges(file, rr).await?.pop().unwrap_or_default();
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
