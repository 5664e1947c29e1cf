//! Reading one audit event object into a [`RawEvent`]: the purpose-built scanner when it can,
//! serde_json otherwise; and the switch that turns the scanner off for tests and benches.

use super::parse::RawEvent;
use super::scan;

/// Parse one event: the purpose-built scanner ([`scan`]) when it can read the object, serde_json
/// otherwise (and for every error message). Validating UTF-8 once for the whole object is much
/// cheaper than validating every string borrowed from it.
pub(super) fn parse_event<'a>(b: &'a [u8], ev: &mut RawEvent<'a>) -> serde_json::Result<()> {
    match simdutf8::basic::from_utf8(b) {
        Ok(s) => {
            if !SERDE_ONLY.with(|c| c.get()) && scan::scan_event(s, ev).is_some() {
                return Ok(());
            }
            *ev = serde_json::from_str(s)?;
        }
        Err(_) => *ev = serde_json::from_slice(b)?,
    }
    Ok(())
}

/// Whether the scanner reads this event itself (no serde fallback): for tests.
#[doc(hidden)]
pub fn scanner_reads(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok_and(|s| scan::scan_event(s, &mut RawEvent::default()).is_some())
}

thread_local! {
    static SERDE_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with the scanner off on this thread (every event through serde_json): the reference
/// the scanner is tested against (`tests/audit_scanner.rs`), and the bench's "before".
#[doc(hidden)]
pub fn with_serde_only<R>(f: impl FnOnce() -> R) -> R {
    SERDE_ONLY.with(|c| c.set(true));
    let r = f();
    SERDE_ONLY.with(|c| c.set(false));
    r
}
