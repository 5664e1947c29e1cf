//! Reading a File's bytes in the worker: one slice, or byte ranges of its content as the core's
//! `Reread` names them (members of archives, gzip files). The worker, the report side and the
//! slice reader share these; none of them imports another for it.

use crate::protocol::SLICE;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, File};
use whodunnit_core::bundle::reread::Reread;

/// Bytes `start..end` of a Blob (one async `slice().arrayBuffer()`).
pub(crate) async fn slice_bytes(blob: &Blob, start: u64, end: u64) -> Result<Vec<u8>, String> {
    let part = blob
        .slice_with_f64_and_f64(start as f64, end as f64)
        .map_err(js_err)?;
    let buf = JsFuture::from(part.array_buffer()).await.map_err(js_err)?;
    Ok(Uint8Array::new(&buf).to_vec())
}

/// A JavaScript error as text.
pub(crate) fn js_err(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            Reflect::get(&e, &"message".into())
                .ok()
                .and_then(|m| m.as_string())
        })
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Read byte ranges of a file's content: direct slices for plain files and plain tar members,
/// one decompression pass from the start for gzip files and members of compressed archives
/// (the core's `Reread` says which bytes of the File to read).
pub(crate) async fn read_ranges(file: &File, mut rr: Reread) -> Result<Vec<Vec<u8>>, String> {
    let total = file.size() as u64;
    while let Some((a, b)) = rr.want() {
        let (a, b) = (a.min(total), b.min(total).min(a.saturating_add(SLICE)));
        rr.feed(&slice_bytes(file, a, b.max(a)).await?);
    }
    Ok(rr.finish())
}
