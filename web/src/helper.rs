//! The helper: a second parsing worker, so one large audit log is parsed on two cores
//! (`crate::split`), as the CLI parses it on every core.
//!
//! Workers share no memory, so the helper reads its byte range of the file into a
//! `FileIngest::part` and hands the part's whole state back as bytes (`FileIngest::to_wire`,
//! transferred, not copied), which the dataset worker decodes and joins in order
//! (`FileIngest::absorb`). The helper is the same `worker` binary started with `#helper` in its
//! URL: it answers only `Part` jobs and starts no helper of its own. It is started once the
//! dataset worker is up, on a machine with `MIN_CORES` or more, and used once it said it is
//! ready: a file dropped before that is read on one worker, as is every file where the helper
//! cannot start (it is an optimization; nothing depends on it). The helper is ended after
//! every part and a fresh one started: wasm memory never shrinks, and a helper that read half
//! of a 1 GiB log holds some 300 MB (measured: tests/browser/bench-memory.mjs) that the tab
//! would otherwise keep for nothing.

use crate::protocol::{envelope, opened, post, worker_scope, FromWorker, ToWorker};
use crate::slices::push_range;
use js_sys::{ArrayBuffer, Function, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, MessageEvent, Worker};
use whodunnit_core::format::Format;
use whodunnit_core::{FileIngest, FileMeta};

/// The URL fragment that makes a worker a helper.
const HELPER_MARK: &str = "#helper";

/// The URL fragment that has a worker start a helper whatever the cores (the page adds it for
/// `?helper=always`: the browser tests run on two cores).
pub const ALWAYS_MARK: &str = "#helper-always";

/// Cores below which no helper is started. Reading a File costs the browser process itself
/// about 0.7 core-seconds per GB (Chromium's IO thread and thread pool, measured per thread
/// on the 1 GiB bench log), so on two cores the second parser has no core to run on: there
/// the load took as long with the helper as without (2,188 vs 2,246 ms), for more memory.
const MIN_CORES: u32 = 3;

/// Whether this worker is a helper (see the module docs).
pub fn is_helper() -> bool {
    location_href().is_some_and(|h| h.ends_with(HELPER_MARK))
}

fn location_href() -> Option<String> {
    let location = Reflect::get(&js_sys::global(), &"location".into()).ok()?;
    Reflect::get(&location, &"href".into()).ok()?.as_string()
}

/// Cores the browser reports (`navigator.hardwareConcurrency`; 1 where it does not say).
fn cores() -> u32 {
    Reflect::get(&js_sys::global(), &"navigator".into())
        .and_then(|n| Reflect::get(&n, &"hardwareConcurrency".into()))
        .ok()
        .and_then(|c| c.as_f64())
        .map_or(1, |c| c as u32)
}

/// What a part job came to: the part's wire bytes (`None`: it cannot travel), or why it could
/// not be read.
pub type PartResult = Result<Option<ArrayBuffer>, String>;

/// Replies the helper has sent and not yet been taken, and the wake-up of a wait for one.
#[derive(Default)]
struct Inbox {
    progress: RefCell<HashMap<u32, u64>>,
    done: RefCell<HashMap<u32, PartResult>>,
    /// Set when the helper failed: every job is over.
    failed: RefCell<Option<String>>,
    waiter: RefCell<Option<Function>>,
}

impl Inbox {
    fn wake(&self) {
        if let Some(wake) = self.waiter.borrow_mut().take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// The dataset worker's handle on its helper.
pub struct Helper {
    worker: Worker,
    ready: Rc<Cell<bool>>,
    inbox: Rc<Inbox>,
    next_job: Cell<u32>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(JsValue)>,
}

thread_local! {
    static HELPER: RefCell<Option<Rc<Helper>>> = const { RefCell::new(None) };
}

/// Start the helper, where it is worth one: `MIN_CORES` or more (or the page asked for one with
/// `?helper=always`), and this is no helper itself.
pub fn start() {
    let Some(href) = location_href() else {
        return;
    };
    if is_helper() || (cores() < MIN_CORES && !href.ends_with(ALWAYS_MARK)) {
        return;
    }
    let url = format!("{}{HELPER_MARK}", href.split('#').next().unwrap_or(&href));
    if let Some(h) = Helper::spawn(&url) {
        HELPER.with(|slot| *slot.borrow_mut() = Some(Rc::new(h)));
    }
}

/// The helper, when it is up and ready for a job.
pub fn ready() -> Option<Rc<Helper>> {
    HELPER.with(|slot| slot.borrow().clone().filter(|h| h.ready.get()))
}

/// Replace the helper by a fresh one (it read a part), or drop it (it failed).
fn restart(failed: bool) {
    let old = HELPER.with(|slot| slot.borrow_mut().take());
    if let Some(h) = old {
        h.worker.terminate();
    }
    if !failed {
        start();
    }
}

impl Helper {
    fn spawn(url: &str) -> Option<Helper> {
        let worker = Worker::new(url).ok()?;
        let ready: Rc<Cell<bool>> = Rc::default();
        let inbox: Rc<Inbox> = Rc::default();
        let (r, i) = (ready.clone(), inbox.clone());
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let Some(msg) = opened::<FromWorker>(&data) else {
                return;
            };
            match msg {
                FromWorker::Ready => {
                    r.set(true);
                    post(&FromWorker::HelperReady);
                }
                FromWorker::PartProgress { job, bytes_in } => {
                    i.progress.borrow_mut().insert(job, bytes_in);
                }
                FromWorker::PartDone {
                    job,
                    error,
                    wasm_bytes,
                } => {
                    // Its high-water mark, beside the worker's own (tests/browser/bench-memory.mjs).
                    let key = "whodunnitHelperWasmBytes".into();
                    let seen = Reflect::get(&js_sys::global(), &key)
                        .ok()
                        .and_then(|v| v.as_f64())
                        .unwrap_or(0.0);
                    let most = seen.max(wasm_bytes as f64);
                    let _ = Reflect::set(&js_sys::global(), &key, &most.into());
                    let wire = Reflect::get(&data, &"wire".into())
                        .ok()
                        .and_then(|b| b.dyn_into::<ArrayBuffer>().ok());
                    let result = match error {
                        Some(e) => Err(e),
                        None => Ok(wire),
                    };
                    i.done.borrow_mut().insert(job, result);
                    i.wake();
                }
                _ => {}
            }
        });
        let (r, i) = (ready.clone(), inbox.clone());
        let onerror = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            r.set(false);
            *i.failed.borrow_mut() = Some("the helper worker failed".into());
            i.wake();
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Some(Helper {
            worker,
            ready,
            inbox,
            next_job: Cell::new(1),
            _onmessage: onmessage,
            _onerror: onerror,
        })
    }

    /// Ask for bytes `start..end` of `file` read as a part of an audit log; the job's number.
    pub fn read_part(&self, file: &File, start: u64, end: u64) -> Option<u32> {
        let job = self.next_job.get();
        self.next_job.set(job + 1);
        let obj = envelope(&ToWorker::Part { job, start, end });
        Reflect::set(&obj, &"file".into(), file).ok()?;
        self.worker.post_message(&obj).ok()?;
        Some(job)
    }

    /// Bytes of part `job` the helper has read so far.
    pub fn progress(&self, job: u32) -> u64 {
        self.inbox.progress.borrow().get(&job).copied().unwrap_or(0)
    }

    /// Stop part `job` (its file was cancelled); its result is not waited for.
    pub fn cancel(&self, job: u32) {
        let _ = self
            .worker
            .post_message(&envelope(&ToWorker::Cancel { id: job }));
    }

    /// Wait for part `job`'s result. The helper is then replaced by a fresh one (see the module
    /// docs); one that failed is dropped (files are then read on one worker).
    pub async fn result(&self, job: u32) -> PartResult {
        let result = loop {
            if let Some(r) = self.inbox.done.borrow_mut().remove(&job) {
                break r;
            }
            if let Some(e) = self.inbox.failed.borrow().clone() {
                break Err(e);
            }
            let waiter = &self.inbox.waiter;
            let p = Promise::new(&mut |resolve, _| {
                *waiter.borrow_mut() = Some(resolve);
            });
            let _ = JsFuture::from(p).await;
        };
        self.inbox.progress.borrow_mut().remove(&job);
        restart(self.inbox.failed.borrow().is_some());
        result
    }
}

/// In the helper: read part `job` of `file` (bytes `start..end`, see [`ToWorker::Part`]),
/// posting progress, then the part's state. `cancelled` says whether the job was cancelled.
pub async fn serve_part(job: u32, file: &File, start: u64, end: u64, cancelled: impl Fn() -> bool) {
    let (error, wire) = match read_part(job, file, start, end, cancelled).await {
        Ok(Some(wire)) => (None, Some(wire)),
        Ok(None) => (None, None),
        Err(e) => (Some(e), None),
    };
    let msg = FromWorker::PartDone {
        job,
        error,
        wasm_bytes: crate::fit::wasm_bytes(),
    };
    let obj = envelope(&msg);
    let scope = worker_scope();
    match wire {
        Some(w) => {
            let _ = Reflect::set(&obj, &"wire".into(), &w);
            let _ = scope.post_message_with_transfer(&obj, &js_sys::Array::of1(&w));
        }
        None => {
            let _ = scope.post_message(&obj);
        }
    }
}

/// The part's wire bytes in a buffer of their own (to be transferred); `None` when it cannot
/// travel or was cancelled.
async fn read_part(
    job: u32,
    file: &File,
    start: u64,
    end: u64,
    cancelled: impl Fn() -> bool,
) -> Result<Option<ArrayBuffer>, String> {
    let meta = FileMeta {
        name: file.name(),
        size: Some(end - start),
        last_modified_ms: Some(file.last_modified() as i64),
    };
    let mut part = FileIngest::part(meta, Format::AuditLog, start);
    let read = push_range(file, start, end, &mut part, cancelled, |_, at| {
        post(&FromWorker::PartProgress { job, bytes_in: at })
    });
    if !read.await? {
        return Ok(None);
    }
    let Some(wire) = part.to_wire() else {
        return Ok(None);
    };
    drop(part);
    let buf = Uint8Array::new_with_length(wire.len() as u32);
    buf.copy_from(&wire);
    Ok(Some(buf.buffer()))
}
