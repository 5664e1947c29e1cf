//! One large audit log read on two workers: this one reads the first half, the helper
//! (`crate::helper`) the second, cut at a line break; the halves are joined in order into what
//! one reader builds (`FileIngest::absorb`; the same parts the CLI reads on its threads).
//!
//! Only a plain file that `FileIngest::splittable` says is cut: uncompressed, one JSON
//! document per line as far as its head shows. Where the helper's half cannot be joined (it
//! ends in an open document, or failed), this worker reads that half itself, on from the cut:
//! a split never changes what a file reads as, only how fast.

use crate::blob::slice_bytes;
use crate::helper::Helper;
use crate::protocol::{FromWorker, SLICE};
use crate::slices::{push_range, Slices};
use js_sys::Uint8Array;
use web_sys::File;
use whodunnit_core::{FileIngest, FileMeta, ParsedFile, Progress};

/// The smallest half worth the helper (as the CLI's smallest range per thread): below it, the
/// hand-over costs more than the second core saves.
const MIN_PART: u64 = 32 << 20;

/// This worker's share of the file, in percent. More than half: the helper's half also has to
/// be written out as bytes and handed over before this worker can join it (measured on the
/// 1 GiB bench log in Chromium: ~200 ms of ~1 s for half the file).
const OWN_SHARE: u64 = 55;

/// The largest file split. Above it, memory matters more than time: the helper's half crosses
/// as a copy that both workers hold for a moment (a 1 GiB log: the worker's peak 176 → 265 MB,
/// the helper's 315 MB, tests/browser/bench-memory.mjs), and a tab's workers share one
/// renderer process.
const MAX_SPLIT: u64 = 2 << 30;

/// Bytes looked at to decide whether a file splits, and for the cut.
const HEAD: u64 = 1 << 20;

/// What reading a file in two parts came to: its result (`None`: cancelled), and the workers
/// that parsed it.
pub type Split = (Result<Option<ParsedFile>, String>, u32);

/// Read `file` in two parts when it is a large plain audit log and the helper is ready;
/// `None` when it is not split (read it as usual; `ahead` is untouched then). `ahead` reads the
/// file from its start; `cancelled` says whether the user cancelled it.
pub async fn read(
    id: u32,
    file: &File,
    meta: &FileMeta,
    ahead: &mut Option<Slices<'_>>,
    cancelled: impl Fn() -> bool,
) -> Option<Split> {
    let total = file.size() as u64;
    if !(2 * MIN_PART..=MAX_SPLIT).contains(&total) {
        return None;
    }
    let helper = crate::helper::ready()?;
    let head = slice_bytes(file, 0, HEAD).await.ok()?;
    let format = FileIngest::splittable(&head)?;
    if format != whodunnit_core::format::Format::AuditLog {
        return None;
    }
    let mid = total / 100 * OWN_SHARE;
    let window = slice_bytes(file, mid, mid + HEAD).await.ok()?;
    let cut = mid + FileIngest::part_start(format, &window)? as u64;
    if cut >= total {
        return None;
    }
    let job = helper.read_part(file, cut, total)?;
    Some(read_halves(id, file, meta, ahead, cancelled, &helper, job, cut).await)
}

#[allow(clippy::too_many_arguments)]
async fn read_halves(
    id: u32,
    file: &File,
    meta: &FileMeta,
    ahead: &mut Option<Slices<'_>>,
    cancelled: impl Fn() -> bool,
    helper: &Helper,
    job: u32,
    cut: u64,
) -> Split {
    let total = file.size() as u64;
    let before = crate::fit::wasm_bytes();
    let mut first = FileIngest::new(meta.clone());
    // This half: from the reader already started on the file, up to the cut.
    let mut own = match ahead.take() {
        Some(s) => s,
        None => match Slices::new(file, total, SLICE) {
            Ok(s) => s,
            Err(e) => return (Err(e), 1),
        },
    };
    while own.position() < cut {
        let Some(got) = own.next().await else { break };
        let (bytes, end) = match got {
            Ok(g) => g,
            Err(e) => {
                helper.cancel(job);
                return (Err(e), 1);
            }
        };
        let start = end - bytes.len() as u64;
        let keep = (cut.min(end) - start) as usize;
        first.push(&bytes[..keep]);
        if cancelled() {
            helper.cancel(job);
            return (Ok(None), 1);
        }
        let theirs = helper.progress(job);
        if let Err(e) = crate::fit::check(
            first.projected_memory(total),
            first.progress().bytes_in,
            total,
            before,
        ) {
            helper.cancel(job);
            return (Err(e), 1);
        }
        post_progress(id, total, first.progress(), theirs);
    }
    drop(own);
    // The helper's half, joined; or read here on from the cut.
    let joined = match helper.result(job).await {
        Ok(Some(wire)) => {
            let bytes = Uint8Array::new(&wire).to_vec();
            drop(wire);
            let part = FileIngest::from_wire(meta.clone(), &bytes);
            drop(bytes);
            match part {
                // `absorb` declines before changing anything it was given.
                Some(p) => first.absorb(p),
                None => false,
            }
        }
        Ok(None) | Err(_) => false,
    };
    if joined {
        return (Ok(Some(first.finish())), 2);
    }
    match read_rest(id, file, &mut first, cut, &cancelled).await {
        Ok(true) => (Ok(Some(first.finish())), 1),
        Ok(false) => (Ok(None), 1),
        Err(e) => (Err(e), 1),
    }
}

/// Read bytes `cut..` of `file` into `first`, which read up to `cut`; `false` when cancelled.
async fn read_rest(
    id: u32,
    file: &File,
    first: &mut FileIngest,
    cut: u64,
    cancelled: impl Fn() -> bool,
) -> Result<bool, String> {
    let total = file.size() as u64;
    push_range(file, cut, total, first, cancelled, |f, _| {
        post_progress(id, total, f.progress(), 0)
    })
    .await
}

/// Progress of both halves: bytes read by this worker and the helper, records of this one.
fn post_progress(id: u32, total: u64, mut progress: Progress, theirs: u64) {
    progress.bytes_in += theirs;
    crate::protocol::post(&FromWorker::Progress {
        id,
        total,
        progress,
    });
}
