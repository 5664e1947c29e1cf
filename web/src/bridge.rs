//! The UI's handle on the worker: sends requests, routes answers back to whoever asked.

use crate::protocol::{envelope, opened, FromWorker, RawSlice, ToWorker};
use js_sys::Reflect;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{File, MessageEvent, Worker};
use whodunnit_core::query::Query;
use yew::Callback;

/// Where the worker script lives next to the page (Trunk emits it with `filehash = false`).
/// The offline report replaces this with a `blob:` URL holding the inlined worker.
pub fn worker_url() -> String {
    let inlined = web_sys::window()
        .and_then(|w| Reflect::get(&w, &"WHODUNNIT_WORKER_URL".into()).ok())
        .and_then(|v| v.as_string());
    let url = inlined.unwrap_or_else(|| "./worker_loader.js".to_string());
    // `?helper=always` on the page: a helper worker even on two cores (tests; see
    // `crate::helper`).
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    if search.contains("helper=always") {
        format!("{url}{}", crate::helper::ALWAYS_MARK)
    } else {
        url
    }
}

/// Say on the page how far the worker is (`html[data-worker=ready|warm]`, and
/// `html[data-helper=ready]` once its helper is up): tests and benchmarks wait for it before
/// timing.
fn mark(attr: &str, how: &str) {
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.set_attribute(attr, how);
    }
}

/// See the module docs. Shared through a Yew context; compared by identity.
pub struct Bridge {
    worker: Worker,
    next_req: Cell<u32>,
    answers: RefCell<HashMap<u32, Callback<serde_json::Value>>>,
    raws: RefCell<HashMap<u32, Callback<RawSlice>>>,
    /// Messages sent before the worker's wasm finished loading. A worker only installs its
    /// message handler after instantiation; anything posted earlier would be dropped, so we
    /// hold messages until it says `Ready`.
    backlog: RefCell<Option<Vec<js_sys::Object>>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
}

impl Bridge {
    /// Start the worker; `events` receives everything that is not an answer to a request.
    pub fn start(events: Callback<FromWorker>) -> Result<Rc<Bridge>, String> {
        let worker =
            Worker::new(&worker_url()).map_err(|e| format!("cannot start the worker: {e:?}"))?;
        let bridge = Rc::new_cyclic(|weak: &std::rc::Weak<Bridge>| {
            let weak = weak.clone();
            let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
                let Some(msg) = opened::<FromWorker>(&ev.data()) else {
                    return;
                };
                let Some(bridge) = weak.upgrade() else { return };
                match msg {
                    FromWorker::Answer { req, answer } => {
                        let cb = bridge.answers.borrow_mut().remove(&req);
                        if let Some(cb) = cb {
                            cb.emit(answer);
                        }
                    }
                    FromWorker::RawText { req, text } => {
                        let cb = bridge.raws.borrow_mut().remove(&req);
                        if let Some(cb) = cb {
                            cb.emit(text);
                        }
                    }
                    FromWorker::Warm => mark("data-worker", "warm"),
                    FromWorker::HelperReady => mark("data-helper", "ready"),
                    FromWorker::Ready => {
                        mark("data-worker", "ready");
                        let backlog = bridge.backlog.borrow_mut().take().unwrap_or_default();
                        for m in backlog {
                            let _ = bridge.worker.post_message(&m);
                        }
                        events.emit(FromWorker::Ready);
                    }
                    other => events.emit(other),
                }
            });
            worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
            Bridge {
                worker: worker.clone(),
                next_req: Cell::new(1),
                answers: RefCell::default(),
                raws: RefCell::default(),
                backlog: RefCell::new(Some(Vec::new())),
                _onmessage: onmessage,
            }
        });
        Ok(bridge)
    }

    fn send(&self, msg: &ToWorker, file: Option<&File>) {
        let obj = envelope(msg);
        if let Some(f) = file {
            let _ = Reflect::set(&obj, &"file".into(), f);
        }
        if let Some(backlog) = self.backlog.borrow_mut().as_mut() {
            backlog.push(obj);
            return;
        }
        let _ = self.worker.post_message(&obj);
    }

    fn req(&self) -> u32 {
        let r = self.next_req.get();
        self.next_req.set(r.wrapping_add(1));
        r
    }

    /// Read `file`; `folder` = (folder name, path inside it) when it came in a folder.
    pub fn load(&self, id: u32, file: &File, folder: Option<(String, String)>) {
        self.send(&ToWorker::Load { id, folder }, Some(file));
    }

    pub fn cancel(&self, id: u32) {
        self.send(&ToWorker::Cancel { id }, None);
    }

    pub fn correct_time(&self, id: u32, years: i32, minutes: i64) {
        self.send(&ToWorker::CorrectTime { id, years, minutes }, None);
    }

    pub fn remove(&self, id: u32) {
        self.send(&ToWorker::Remove { id }, None);
    }

    /// Ask a core query; `cb` gets the JSON answer.
    pub fn query(&self, q: &Query, cb: Callback<serde_json::Value>) {
        let req = self.req();
        self.answers.borrow_mut().insert(req, cb);
        let query = serde_json::to_value(q).unwrap_or_default();
        self.send(&ToWorker::Query { req, query }, None);
    }

    /// Re-read raw text of dataset file number `file` at `offset..offset+len` with context lines.
    pub fn raw(
        &self,
        file: u32,
        offset: u64,
        len: u64,
        context_lines: u32,
        cb: Callback<RawSlice>,
    ) {
        let req = self.req();
        self.raws.borrow_mut().insert(req, cb);
        self.send(
            &ToWorker::Raw {
                req,
                file,
                offset,
                len,
                context_lines,
            },
            None,
        );
    }

    /// Build an offline report from the worker's dataset; `assets` is the app's own files
    /// (`{app_js, app_wasm, worker_js, worker_wasm}` as bytes, `css` as text).
    pub fn export(
        &self,
        redact: bool,
        include_raw: Vec<u32>,
        created: String,
        assets: &JsValue,
        cb: Callback<serde_json::Value>,
    ) {
        let req = self.req();
        self.answers.borrow_mut().insert(req, cb);
        let msg = ToWorker::Export {
            req,
            redact,
            include_raw,
            created,
        };
        let obj = envelope(&msg);
        let _ = Reflect::set(&obj, &"assets".into(), assets);
        if let Some(backlog) = self.backlog.borrow_mut().as_mut() {
            backlog.push(obj);
            return;
        }
        let _ = self.worker.post_message(&obj);
    }
}

/// Context wrapper so views can reach the bridge.
#[derive(Clone)]
pub struct BridgeCtx(pub Rc<Bridge>);

impl PartialEq for BridgeCtx {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}
