//! Whether a file fits in the tab: wasm32 gives the worker at most 4 GiB of memory, for every
//! file of the investigation and the queries on them. After the first slices of a file the
//! worker projects what the whole file will take (`BundleReader::projected_memory`) and, when it
//! would not fit, stops and says so — with how much of it would — instead of failing at the
//! end of a long read.

use wasm_bindgen::JsCast;

/// What the dataset may take of the 4 GiB: the rest is headroom for finishing a file (string
/// tables, timeline) and for queries (timeline pyramids).
pub const LIMIT: u64 = 3584 << 20;

/// Bytes read before the projection is trusted (a few hundred thousand records).
pub const SAMPLE: u64 = 32 << 20;

/// The worker's wasm memory now (it never shrinks: this is also its high-water mark).
pub fn wasm_bytes() -> u64 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64
}

/// Publish the wasm memory as `self.whodunnitWasmBytes` (read by tests/browser/bench-memory.mjs).
pub fn report_memory() {
    let _ = js_sys::Reflect::set(
        &js_sys::global(),
        &"whodunnitWasmBytes".into(),
        &(wasm_bytes() as f64).into(),
    );
}

/// `Err(message)` when the file being read will not fit next to what is already loaded.
/// `need` is what reading all `total` bytes would take as projected after `read` of them
/// (`BundleReader::projected_memory`); `before` is the wasm memory when it started.
pub fn check(need: Option<u64>, read: u64, total: u64, before: u64) -> Result<(), String> {
    let Some(need) = need else {
        return Ok(());
    };
    if read < SAMPLE.min(total) || before + need <= LIMIT {
        return Ok(());
    }
    let gb = |b: u64| b as f64 / (1u64 << 30) as f64;
    let room = LIMIT.saturating_sub(before);
    let fits = (total as f64 * room as f64 / need as f64) as u64;
    Err(format!(
        "too large for a browser tab: reading all of it would take about {:.1} GiB of the {:.1} GiB \
         the tab can hold ({:.1} GiB already in use); about the first {:.1} GiB of its {:.1} GiB \
         would fit. Split the file, or read it with the whodunnit CLI, which has no such limit.",
        gb(need),
        gb(LIMIT),
        gb(before),
        gb(fits),
        gb(total)
    ))
}
