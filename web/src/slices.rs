//! Reading a File slice by slice for the worker's parser.
//!
//! Getting a slice's bytes into a worker costs about as much as parsing them, and that cost
//! is paid on the thread that receives them: measured in the worker on the 1 GiB bench audit
//! log (Chromium 156), 2.3–2.9 s waiting for slices next to 2.3 s parsing, whether each slice
//! was awaited with `Blob.slice().arrayBuffer()`, asked for one ahead, or read with
//! `FileReaderSync`. So a second worker, `reader.js`, reads the slices on another core and
//! transfers them (no copy) to this one, a few ahead; the parse overlaps the reading. Where
//! that worker cannot start (the offline report's inlined worker has no `reader.js` beside it),
//! this worker reads the slices itself with `FileReaderSync`, yielding to the event loop
//! between a few slices so cancel and queries get through. The bytes land in one reused buffer.

use js_sys::{ArrayBuffer, Function, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileReaderSync, MessageEvent, Worker};

/// Slices read by this worker between two yields to the event loop (every 16 MiB).
const YIELD_EVERY: u32 = 4;

/// Slices the reader worker may send before this one has taken them (16 MiB in flight).
const AHEAD: u32 = 4;

/// A slice (its bytes and the offset just past it) or why it could not be read.
type Item = Result<(ArrayBuffer, u64), String>;

/// The reader worker and what it has sent.
struct Remote {
    worker: Worker,
    queue: Rc<RefCell<VecDeque<Item>>>,
    waiter: Rc<RefCell<Option<Function>>>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Remote {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}

/// See the module docs.
pub struct Slices<'a> {
    blob: &'a Blob,
    total: u64,
    slice: u64,
    at: u64,
    remote: Option<Remote>,
    local: Option<FileReaderSync>,
    since_yield: u32,
    buf: Vec<u8>,
}

impl<'a> Slices<'a> {
    /// Read `blob` (of `total` bytes) in slices of `slice` bytes.
    pub fn new(blob: &'a Blob, total: u64, slice: u64) -> Result<Self, String> {
        Ok(Self {
            blob,
            total,
            slice,
            at: 0,
            remote: start_reader(blob, slice),
            local: None,
            since_yield: 0,
            buf: Vec::new(),
        })
    }

    /// The offset of the next slice.
    pub fn position(&self) -> u64 {
        self.at
    }

    /// The next slice and the offset just past it; `None` at the end.
    pub async fn next(&mut self) -> Option<Result<(&[u8], u64), String>> {
        if self.at >= self.total {
            return None;
        }
        let got = match &self.remote {
            Some(r) => match take(r).await {
                Ok(got) => Ok(got),
                // The reader never delivered: read here instead.
                Err(_) if self.at == 0 => {
                    self.remote = None;
                    self.read_here().await
                }
                Err(e) => Err(e),
            },
            None => self.read_here().await,
        };
        let (buf, end) = match got {
            Ok(g) => g,
            Err(e) => return Some(Err(e)),
        };
        let arr = Uint8Array::new(&buf);
        self.buf.resize(arr.length() as usize, 0);
        arr.copy_to(&mut self.buf);
        if let Some(r) = &self.remote {
            let ack = js_sys::Object::new();
            let _ = Reflect::set(&ack, &"ack".into(), &true.into());
            let _ = r.worker.post_message(&ack);
        }
        self.at = end;
        Some(Ok((&self.buf, end)))
    }

    /// One slice read on this worker's thread.
    async fn read_here(&mut self) -> Item {
        self.since_yield += 1;
        if self.since_yield >= YIELD_EVERY {
            self.since_yield = 0;
            yield_to_events().await;
        }
        if self.local.is_none() {
            self.local = Some(FileReaderSync::new().map_err(crate::blob::js_err)?);
        }
        let reader = self.local.as_ref().expect("set above");
        let end = (self.at + self.slice).min(self.total);
        let part = self
            .blob
            .slice_with_f64_and_f64(self.at as f64, end as f64)
            .map_err(crate::blob::js_err)?;
        let buf = reader
            .read_as_array_buffer(&part)
            .map_err(crate::blob::js_err)?;
        Ok((buf, end))
    }
}

/// Start `reader.js` on `blob`; `None` when no worker can be started from here.
fn start_reader(blob: &Blob, slice: u64) -> Option<Remote> {
    let worker = Worker::new("./reader.js").ok()?;
    let queue: Rc<RefCell<VecDeque<Item>>> = Rc::default();
    let waiter: Rc<RefCell<Option<Function>>> = Rc::default();
    let deliver = {
        let (queue, waiter) = (queue.clone(), waiter.clone());
        move |item: Item| {
            queue.borrow_mut().push_back(item);
            if let Some(wake) = waiter.borrow_mut().take() {
                let _ = wake.call0(&JsValue::NULL);
            }
        }
    };
    let on_item = deliver.clone();
    let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
        let data = ev.data();
        let field = |k: &str| Reflect::get(&data, &k.into()).ok();
        let item = match field("buf").and_then(|b| b.dyn_into::<ArrayBuffer>().ok()) {
            Some(buf) => Ok((
                buf,
                field("end").and_then(|e| e.as_f64()).unwrap_or(0.0) as u64,
            )),
            None => Err(field("error")
                .and_then(|e| e.as_string())
                .unwrap_or_else(|| "the slice reader failed".into())),
        };
        on_item(item);
    });
    let onerror = Closure::<dyn FnMut(JsValue)>::new(move |_| {
        deliver(Err("the slice reader could not start".into()));
    });
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    let msg = js_sys::Object::new();
    let _ = Reflect::set(&msg, &"file".into(), blob);
    let _ = Reflect::set(&msg, &"slice".into(), &(slice as f64).into());
    let _ = Reflect::set(&msg, &"ahead".into(), &AHEAD.into());
    worker.post_message(&msg).ok()?;
    Some(Remote {
        worker,
        queue,
        waiter,
        _onmessage: onmessage,
        _onerror: onerror,
    })
}

/// The next item the reader worker sent, waiting for it if need be.
async fn take(r: &Remote) -> Item {
    loop {
        if let Some(item) = r.queue.borrow_mut().pop_front() {
            return item;
        }
        let waiter = r.waiter.clone();
        let p = Promise::new(&mut |resolve, _| {
            *waiter.borrow_mut() = Some(resolve);
        });
        let _ = JsFuture::from(p).await;
    }
}

/// Let the event loop run (a `setTimeout(0)` task): messages queued meanwhile are handled.
async fn yield_to_events() {
    let global = js_sys::global();
    let set_timeout = Reflect::get(&global, &"setTimeout".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(set_timeout) = set_timeout else {
        return;
    };
    let p = Promise::new(&mut |resolve, _| {
        let _ = set_timeout.call1(&global, &resolve);
    });
    let _ = JsFuture::from(p).await;
}
