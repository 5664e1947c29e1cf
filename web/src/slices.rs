//! Reading a File slice by slice for the worker's parser.
//!
//! Getting a slice's bytes into a worker costs about as much as parsing them, and that cost
//! is paid on the thread that receives them: measured in the worker on the 1 GiB bench audit
//! log (Chromium 156), 2.3–2.9 s waiting for slices next to 2.3 s parsing, whether each slice
//! was awaited with `Blob.slice().arrayBuffer()`, asked for one ahead, or read with
//! `FileReaderSync`. So a second worker, `reader.js`, reads the slices on another core and
//! transfers them (no copy) to this one, a few ahead; the parse overlaps the reading. The
//! reader is started once and serves every file as a numbered job: with a reader started per
//! file, Firefox 153 now and then never delivered a file's slices (in 5 of 5 runs of the
//! bundle tests some file waited forever; a fresh worker spawned after 60 others never ran). Where
//! the reader cannot start (the offline report's inlined worker has no `reader.js` beside it),
//! fails, or sends nothing for `STALL_MS`, this worker reads the slices itself with
//! `FileReaderSync` from where it is, yielding to the event loop between a few slices so cancel
//! and queries get through. The bytes land in one reused buffer.

use crate::protocol::SLICE;
use js_sys::{ArrayBuffer, Date, Function, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, FileReaderSync, MessageEvent, Worker};
use whodunnit_core::FileIngest;

/// Slices read by this worker between two yields to the event loop (every 16 MiB).
const YIELD_EVERY: u32 = 4;

/// Slices the reader worker may send before this one has taken them (16 MiB in flight).
const AHEAD: u32 = 4;

/// How long this worker waits for the reader's next slice before reading the file itself (a
/// 4 MiB slice takes milliseconds; a reader that said nothing for this long is not coming).
const STALL_MS: f64 = 5_000.0;

/// A slice (its bytes and the offset just past it) or why it could not be read.
type Item = Result<(ArrayBuffer, u64), String>;

/// What the reader has sent and not yet been taken: items tagged with their job (0: the reader
/// itself failed), and the wake-up of a wait for the next one.
#[derive(Default)]
struct Inbox {
    queue: RefCell<VecDeque<(u32, Item)>>,
    waiter: RefCell<Option<Function>>,
}

impl Inbox {
    fn deliver(&self, job: u32, item: Item) {
        self.queue.borrow_mut().push_back((job, item));
        if let Some(wake) = self.waiter.borrow_mut().take() {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

/// The reader worker: one per parsing worker, serving its files job after job.
struct Reader {
    worker: Worker,
    inbox: Rc<Inbox>,
    next_job: std::cell::Cell<u32>,
    _onmessage: Closure<dyn FnMut(MessageEvent)>,
    _onerror: Closure<dyn FnMut(JsValue)>,
}

/// The reader's state in this worker: not started, running, or given up on (it could not
/// start, failed or stalled); then every file is read here.
enum ReaderState {
    NotStarted,
    Running(Rc<Reader>),
    GivenUp,
}

thread_local! {
    static READER: RefCell<ReaderState> = const { RefCell::new(ReaderState::NotStarted) };
}

/// The reader, started on first use; `None` once given up on.
fn reader() -> Option<Rc<Reader>> {
    READER.with(|r| {
        let mut r = r.borrow_mut();
        if matches!(*r, ReaderState::NotStarted) {
            *r = match Reader::start() {
                Some(reader) => ReaderState::Running(Rc::new(reader)),
                None => ReaderState::GivenUp,
            };
        }
        match &*r {
            ReaderState::Running(reader) => Some(reader.clone()),
            _ => None,
        }
    })
}

/// Stop using the reader for the rest of this worker's life.
fn give_up_reader() {
    READER.with(|r| {
        if let ReaderState::Running(reader) =
            std::mem::replace(&mut *r.borrow_mut(), ReaderState::GivenUp)
        {
            reader.worker.terminate();
        }
    });
}

/// See the module docs.
pub struct Slices<'a> {
    blob: &'a Blob,
    total: u64,
    slice: u64,
    at: u64,
    /// The reader and this file's job on it.
    remote: Option<(Rc<Reader>, u32)>,
    local: Option<FileReaderSync>,
    since_yield: u32,
    buf: Vec<u8>,
}

impl<'a> Slices<'a> {
    /// Read `blob` (of `total` bytes) in slices of `slice` bytes. A blob of one slice is read
    /// here: there is no parse for its reading to overlap.
    pub fn new(blob: &'a Blob, total: u64, slice: u64) -> Result<Self, String> {
        let remote = if total > slice {
            reader().and_then(|r| r.start_job(blob, slice).map(|job| (r, job)))
        } else {
            None
        };
        Ok(Self {
            blob,
            total,
            slice,
            at: 0,
            remote,
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
            Some((r, job)) => match r.take(*job).await {
                Ok(got) => Ok(got),
                // The reader failed or stalled: the slices so far came in order, so reading
                // goes on here from where it is (a file that cannot be read fails here too,
                // with its own reason).
                Err(_) => {
                    self.remote = None;
                    give_up_reader();
                    self.read_here().await
                }
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
        if let Some((r, job)) = &self.remote {
            r.ack(*job, &buf);
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

impl Drop for Slices<'_> {
    /// A file left before its end (cancelled, or a zip that jumped to its directory): the
    /// reader stops reading it.
    fn drop(&mut self) {
        if let Some((r, job)) = &self.remote {
            if self.at < self.total {
                r.post("stop", *job);
            }
        }
    }
}

impl Reader {
    /// Start `reader.js`; `None` when no worker can be started from here.
    fn start() -> Option<Reader> {
        let worker = Worker::new("./reader.js").ok()?;
        let inbox: Rc<Inbox> = Rc::default();
        let on_item = inbox.clone();
        let onmessage = Closure::<dyn FnMut(MessageEvent)>::new(move |ev: MessageEvent| {
            let data = ev.data();
            let field = |k: &str| Reflect::get(&data, &k.into()).ok();
            let job = field("job").and_then(|j| j.as_f64()).unwrap_or(0.0) as u32;
            let item = match field("buf").and_then(|b| b.dyn_into::<ArrayBuffer>().ok()) {
                Some(buf) => Ok((
                    buf,
                    field("end").and_then(|e| e.as_f64()).unwrap_or(0.0) as u64,
                )),
                None => Err(field("error")
                    .and_then(|e| e.as_string())
                    .unwrap_or_else(|| "the slice reader failed".into())),
            };
            on_item.deliver(job, item);
        });
        let on_error = inbox.clone();
        let onerror = Closure::<dyn FnMut(JsValue)>::new(move |_| {
            on_error.deliver(0, Err("the slice reader could not start".into()));
        });
        worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
        worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
        Some(Reader {
            worker,
            inbox,
            next_job: std::cell::Cell::new(1),
            _onmessage: onmessage,
            _onerror: onerror,
        })
    }

    /// Start reading `blob` as a new job (ending the one before); its number.
    fn start_job(&self, blob: &Blob, slice: u64) -> Option<u32> {
        let job = self.next_job.get();
        self.next_job.set(job + 1);
        // What is left of earlier jobs is of no use now.
        self.inbox.queue.borrow_mut().retain(|(j, _)| *j == 0);
        let msg = js_sys::Object::new();
        let _ = Reflect::set(&msg, &"job".into(), &job.into());
        let _ = Reflect::set(&msg, &"file".into(), blob);
        let _ = Reflect::set(&msg, &"slice".into(), &(slice as f64).into());
        let _ = Reflect::set(&msg, &"ahead".into(), &AHEAD.into());
        self.worker.post_message(&msg).ok()?;
        Some(job)
    }

    /// Tell the reader a slice of `job` was taken, handing its buffer back (transferred) for
    /// the reader to fill again: a fresh 4 MiB buffer per slice is garbage the reader's and
    /// this worker's collectors then have to find.
    fn ack(&self, job: u32, buf: &ArrayBuffer) {
        let msg = js_sys::Object::new();
        let _ = Reflect::set(&msg, &"ack".into(), &job.into());
        let _ = Reflect::set(&msg, &"buf".into(), buf);
        let _ = self
            .worker
            .post_message_with_transfer(&msg, &js_sys::Array::of1(buf));
    }

    /// Tell the reader `{key: job}` (`stop`: the job is over).
    fn post(&self, key: &str, job: u32) {
        let msg = js_sys::Object::new();
        let _ = Reflect::set(&msg, &key.into(), &job.into());
        let _ = self.worker.post_message(&msg);
    }

    /// The next item of `job`, waiting for it if need be; an error when the reader failed or
    /// sent nothing for [`STALL_MS`].
    async fn take(&self, job: u32) -> Item {
        let since = Date::now();
        loop {
            loop {
                let next = self.inbox.queue.borrow_mut().pop_front();
                match next {
                    Some((j, item)) if j == job || j == 0 => return item,
                    Some(_) => continue,
                    None => break,
                }
            }
            if Date::now() - since >= STALL_MS {
                return Err(format!(
                    "the slice reader sent nothing for {} s",
                    STALL_MS / 1000.0
                ));
            }
            let waiter = &self.inbox.waiter;
            let p = Promise::new(&mut |resolve, _| {
                set_timeout(&resolve, STALL_MS);
                *waiter.borrow_mut() = Some(resolve);
            });
            let _ = JsFuture::from(p).await;
        }
    }
}

/// `setTimeout(f, ms)` in whatever global this runs in; false where there is none.
fn set_timeout(f: &Function, ms: f64) -> bool {
    let global = js_sys::global();
    let set_timeout = Reflect::get(&global, &"setTimeout".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok());
    match set_timeout {
        Some(set_timeout) => set_timeout.call2(&global, f, &ms.into()).is_ok(),
        None => false,
    }
}

/// Let the event loop run (a `setTimeout(0)` task): messages queued meanwhile are handled.
pub(crate) async fn yield_to_events() {
    let p = Promise::new(&mut |resolve, _| {
        if !set_timeout(&resolve, 0.0) {
            let _ = resolve.call0(&JsValue::NULL);
        }
    });
    let _ = JsFuture::from(p).await;
}

/// Read bytes `start..end` of `blob` into `into`, slice by slice, calling `progress(into, bytes
/// of the range read so far)` after each; `Ok(false)` when `cancelled()` said so between
/// slices. How a part of an audit log is read on either worker (`split`, `helper`).
pub async fn push_range(
    blob: &Blob,
    start: u64,
    end: u64,
    into: &mut FileIngest,
    cancelled: impl Fn() -> bool,
    mut progress: impl FnMut(&FileIngest, u64),
) -> Result<bool, String> {
    let range = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(crate::blob::js_err)?;
    let mut slices = Slices::new(&range, end - start, SLICE)?;
    while let Some(got) = slices.next().await {
        let (bytes, at) = got?;
        into.push(bytes);
        if cancelled() {
            return Ok(false);
        }
        progress(into, at);
    }
    Ok(true)
}
