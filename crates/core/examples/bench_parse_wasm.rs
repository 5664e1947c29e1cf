//! The browser worker's parse, without the browser: one file read from memory through
//! `BundleReader` in the worker's 4 MiB slices (format sniffing, parsing, the timeline), timed
//! natively and as a bare wasm module in V8, so the wasm cost per byte is measured apart from
//! reading, messaging and rendering:
//!
//! ```text
//! cargo build --release -p whodunnit-core --example bench_parse
//! cargo build --profile wasm-release --target wasm32-unknown-unknown -p whodunnit-core \
//!     --example bench_parse_wasm
//! node tests/browser/bench-parse.mjs FILE [ROUNDS]    # add --cpu-prof to node to profile it
//! ```
//!
//! The native side is `bench_parse`; this module exports `buffer`, `run` and the report, as
//! `bench_timeline_wasm` does. On other targets it builds to nothing.

#[cfg(target_arch = "wasm32")]
mod parse_common;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::parse_common;
    use std::cell::RefCell;

    #[link(wasm_import_module = "bench")]
    extern "C" {
        fn now() -> f64;
    }

    thread_local! {
        static FILE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        static REPORT: RefCell<String> = const { RefCell::new(String::new()) };
    }

    /// A buffer of `len` bytes for the file; the caller writes the file into it.
    #[no_mangle]
    pub extern "C" fn buffer(len: usize) -> *mut u8 {
        FILE.with(|f| {
            let mut f = f.borrow_mut();
            *f = vec![0; len];
            f.as_mut_ptr()
        })
    }

    /// Parse the file `rounds` times; returns the report's address ([`report_len`] bytes).
    #[no_mangle]
    pub extern "C" fn run(rounds: u32) -> *const u8 {
        run_with(rounds, false)
    }

    /// [`run`], timing only the parser's side of a read-ahead (batches made untimed).
    #[no_mangle]
    pub extern "C" fn run_ahead(rounds: u32) -> *const u8 {
        run_with(rounds, true)
    }

    fn run_with(rounds: u32, ahead: bool) -> *const u8 {
        let mut out = String::new();
        FILE.with(|f| {
            let bytes = f.borrow();
            for round in 1..=rounds {
                // SAFETY: an import taking and returning plain numbers.
                let input = parse_common::prepare(&bytes, ahead);
                let t = unsafe { now() };
                let got = parse_common::run(&bytes, input);
                let ms = unsafe { now() } - t;
                out += &parse_common::line(round, ms, bytes.len(), got);
            }
        });
        REPORT.with(|r| {
            *r.borrow_mut() = out;
            r.borrow().as_ptr()
        })
    }

    /// The length in bytes of the last report.
    #[no_mangle]
    pub extern "C" fn report_len() -> usize {
        REPORT.with(|r| r.borrow().len())
    }
}
