//! The timeline bench (`timeline_common`) as a bare wasm module, so the browser figure comes
//! from the same workload as the native one; `tests/browser/bench-timeline.mjs` runs it in
//! Chromium:
//!
//! ```text
//! cargo build --profile wasm-release --target wasm32-unknown-unknown -p whodunnit-core \
//!     --example bench_timeline_wasm
//! node tests/browser/bench-timeline.mjs [MILLIONS]
//! ```
//!
//! No wasm-bindgen: the page copies the corpus files into buffers this module hands out, calls
//! `run`, and reads the report back; the only import is the clock (`performance.now`).
//! On other targets this builds to nothing.

#[cfg(target_arch = "wasm32")]
mod timeline_common;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::timeline_common;
    use std::cell::RefCell;

    #[link(wasm_import_module = "bench")]
    extern "C" {
        fn now() -> f64;
    }

    thread_local! {
        static FILES: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
        static REPORT: RefCell<String> = const { RefCell::new(String::new()) };
    }

    fn wall_ms() -> f64 {
        // SAFETY: an import taking and returning plain numbers.
        unsafe { now() }
    }

    /// A buffer of `len` bytes for the next input file; the page writes the file into it.
    #[no_mangle]
    pub extern "C" fn buffer(len: usize) -> *mut u8 {
        FILES.with(|f| {
            let mut f = f.borrow_mut();
            f.push(vec![0; len]);
            f.last_mut().unwrap().as_mut_ptr()
        })
    }

    /// Run the bench over the files given so far, grown to `millions` million events; returns
    /// the report's address ([`report_len`] bytes of UTF-8).
    #[no_mangle]
    pub extern "C" fn run(millions: f64) -> *const u8 {
        let files = FILES.with(|f| std::mem::take(&mut *f.borrow_mut()));
        let files = files
            .into_iter()
            .enumerate()
            .map(|(i, b)| (format!("file{i}"), b))
            .collect();
        let (ds, what) = timeline_common::dataset(files, millions);
        let clock = timeline_common::Clock {
            wall: wall_ms,
            cpu: None,
        };
        let report = timeline_common::run(&ds, &what, &clock);
        REPORT.with(|r| {
            *r.borrow_mut() = report;
            r.borrow().as_ptr()
        })
    }

    /// Length of the report [`run`] returned.
    #[no_mangle]
    pub extern "C" fn report_len() -> usize {
        REPORT.with(|r| r.borrow().len())
    }
}
