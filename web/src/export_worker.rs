//! The worker's side of offline reports: building one (`ToWorker::Export`) and re-opening one
//! that was dropped or that the page itself carries (`FromWorker::Restored`).

use crate::blob::slice_bytes;
use crate::protocol::{RawSlice, RestoredFile};
use js_sys::{Reflect, Uint8Array};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::File;
use whodunnit_core::findings::TextPiece;
use whodunnit_core::report::{self, Assets, EncodedAssets, ExportOptions, ReportInfo, ReportState};
use whodunnit_core::{Dataset, FileSummary, ParsedFile};

/// Name of the stand-in `File` of a restored file whose raw bytes the report does not carry.
pub const NO_RAW: &str = "whodunnit-report: raw text not included";

thread_local! {
    /// The app's files as sent by the UI with the last `Export` (taken from the message).
    static PENDING: RefCell<Option<JsValue>> = const { RefCell::new(None) };
    /// Encoded once: compressing the wasm is most of an export's time.
    static ENCODED: RefCell<Option<EncodedAssets>> = const { RefCell::new(None) };
}

/// Keep the `assets` property of an incoming message, if any (called for every message).
pub fn stash_assets(data: &JsValue) {
    if let Ok(a) = Reflect::get(data, &"assets".into()) {
        if a.is_object() {
            PENDING.with(|p| *p.borrow_mut() = Some(a));
        }
    }
}

/// The id the UI and the worker both use for file `i` of the report dropped as `id`.
pub fn sub_id(id: u32, i: usize) -> u32 {
    0x8000_0000 | (id.wrapping_mul(1024) & 0x7fff_fc00) | (i as u32 & 0x3ff)
}

/// What detail views get for a file whose raw text was left out of the report.
pub fn no_raw() -> RawSlice {
    RawSlice {
        lines: vec![
            "Raw text of this file was not included in this report. Export the report again with \
                     “include raw lines” for this file to see it here."
                .into(),
        ],
        ..RawSlice::default()
    }
}

/// Whether a handle is the stand-in for missing raw text.
pub fn is_no_raw(f: &File) -> bool {
    f.name() == NO_RAW
}

/// A restored report: its banner, its files with the handles detail views re-read, and the
/// lines its findings quote (file indices into `files`).
pub struct Restored {
    pub info: ReportInfo,
    pub files: Vec<(ParsedFile, File)>,
    pub texts: Vec<TextPiece>,
}

/// If `file` is a whodunnit report, read the analysis it carries instead of parsing it.
pub async fn try_restore(file: &File) -> Option<Result<Restored, String>> {
    let total = file.size() as u64;
    let head = slice_bytes(file, 0, total.min(report::SNIFF_BYTES as u64))
        .await
        .ok()?;
    if !report::is_report(&head) {
        return None;
    }
    Some(restore(file, total).await)
}

async fn restore(file: &File, total: u64) -> Result<Restored, String> {
    let all = slice_bytes(file, 0, total).await?;
    let state = report::extract(&all)?;
    let report::Restored {
        info,
        dataset,
        raws,
        texts,
    } = report::restore(state);
    let mut files = Vec::new();
    for (f, raw) in dataset.files.into_iter().zip(raws) {
        let handle = match raw {
            Some(b) => {
                let arr = js_sys::Array::of1(&Uint8Array::from(&b[..]));
                File::new_with_u8_array_sequence(&arr, &f.meta.name)
            }
            None => File::new_with_str_sequence(&js_sys::Array::new(), NO_RAW),
        }
        .map_err(|e| format!("{e:?}"))?;
        files.push((f, handle));
    }
    Ok(Restored { info, files, texts })
}

/// The message entry of a restored file.
pub fn restored_file(id: u32, f: &ParsedFile) -> RestoredFile {
    RestoredFile {
        id,
        name: f.meta.name.clone(),
        size: f.bytes_in,
        summary: Box::new(FileSummary::of(f)),
    }
}

/// Read the whole of each picked file (dataset position, handle, the re-read of its raw bytes:
/// a member's own out of its archive) for raw-line embedding.
pub async fn read_whole(
    picks: Vec<(usize, File, whodunnit_core::bundle::reread::Reread)>,
) -> Vec<(usize, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    for (i, f, rr) in picks {
        let b = if is_no_raw(&f) {
            None
        } else {
            crate::blob::read_ranges(&f, rr)
                .await
                .ok()
                .and_then(|mut v| v.pop())
        };
        out.push((i, b));
    }
    out
}

fn assets_from_js(a: &JsValue) -> Result<Assets, String> {
    let get = |k: &str| -> Result<Vec<u8>, String> {
        let v = Reflect::get(a, &k.into()).map_err(|_| format!("missing {k}"))?;
        let u = v
            .dyn_into::<Uint8Array>()
            .map_err(|_| format!("{k} is not bytes"))?;
        Ok(u.to_vec())
    };
    Ok(Assets {
        app_js: get("app_js")?,
        app_wasm: get("app_wasm")?,
        worker_js: get("worker_js")?,
        worker_wasm: get("worker_wasm")?,
        css: Reflect::get(a, &"css".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
    })
}

/// A per-report salt from the platform's CSPRNG.
fn salt() -> Vec<u8> {
    let buf = Uint8Array::new_with_length(32);
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).ok();
    let f = crypto
        .as_ref()
        .and_then(|c| Reflect::get(c, &"getRandomValues".into()).ok())
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
    if let (Some(c), Some(f)) = (crypto, f) {
        let _ = f.call1(&c, &buf);
    }
    let mut s = buf.to_vec();
    // Never an all-zero salt, even where `crypto` is missing.
    s.extend_from_slice(&js_sys::Math::random().to_le_bytes());
    s.extend_from_slice(&js_sys::Date::now().to_le_bytes());
    s
}

/// Build the report HTML: `{"html": …, "bytes": n}` or `{"error": …}`.
pub fn export(
    ds: &Dataset,
    redact: bool,
    raws: Vec<(usize, Option<Vec<u8>>)>,
    texts: Vec<TextPiece>,
    created: String,
) -> serde_json::Value {
    match build(ds, redact, raws, texts, created) {
        Ok(html) => serde_json::json!({ "bytes": html.len(), "html": html }),
        Err(e) => serde_json::json!({ "error": e }),
    }
}

fn build(
    ds: &Dataset,
    redact: bool,
    raws: Vec<(usize, Option<Vec<u8>>)>,
    texts: Vec<TextPiece>,
    created: String,
) -> Result<String, String> {
    let fresh = PENDING.with(|p| p.borrow_mut().take());
    if let Some(a) = fresh {
        let have = ENCODED.with(|e| e.borrow().is_some());
        if !have {
            let enc = EncodedAssets::encode(&assets_from_js(&a)?);
            ENCODED.with(|e| *e.borrow_mut() = Some(enc));
        }
    }
    let opts = ExportOptions {
        redact,
        salt: salt(),
        include_raw: raws.iter().map(|(i, _)| *i).collect(),
        created,
        texts,
    };
    let mut raws = raws;
    let state = ReportState::new(ds, &opts, |i| {
        raws.iter_mut()
            .find(|(j, _)| *j == i)
            .and_then(|(_, b)| b.take())
    })?;
    ENCODED.with(|e| match e.borrow().as_ref() {
        Some(enc) => Ok(report::build_html_encoded(enc, &state)),
        None => Err("the app's own files were not sent with the export request".to_string()),
    })
}
