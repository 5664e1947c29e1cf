//! Arbitrary lines through every node-log line recognizer, the chain with a dominant format,
//! and the preamble check: nothing may panic, and the chain agrees with the recognizers (at
//! most one claims a line, and the chain reports that one whatever format it tries first).
#![no_main]

use libfuzzer_sys::fuzz_target;
use whodunnit_core::nodelog::lines::{recognize, Recognize, CHAIN};

fuzz_target!(|bytes: &[u8]| {
    let mut chain = Recognize::default();
    for l in bytes.split(|&c| c == b'\n') {
        let claimed: Vec<_> = CHAIN.iter().filter_map(|r| r.recognize(l).map(|_| r.format())).collect();
        assert!(claimed.len() <= 1, "{claimed:?} claim {:?}", String::from_utf8_lossy(l));
        assert_eq!(recognize(l).map(|r| r.0), claimed.first().copied());
        assert_eq!(chain.line(l).map(|r| r.0), claimed.first().copied());
        let _ = whodunnit_core::preamble::reason(l);
    }
});
