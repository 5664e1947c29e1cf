//! Reading one audit `Event` object into the store.
//!
//! Deserialization borrows from the input wherever the JSON has no escapes and skips everything
//! the analyses do not use (`requestObject`, `responseObject`, `responseStatus.message`, …)
//! without building it: that is most of the bytes of a `RequestResponse`-level log.
//!
//! `raw` holds what an event deserializes into, `builder` turns events into rows (stages
//! merged, strings interned), and `fields` reads single values (query flags, auditIDs, Go
//! durations).

mod builder;
mod fields;
mod raw;

pub(in crate::audit) use builder::STAGE_FLAGS;
pub(crate) use builder::{Annot, AnnotKind, Builder, Loc, PartRows, RunTally};
pub use fields::{hash_id, is_long_running, parse_go_duration, QueryFlags};
pub use raw::LATENCY_PREFIX;
pub(crate) use raw::{FirstStr, Raw, RawEvent, RawStatus, S};
