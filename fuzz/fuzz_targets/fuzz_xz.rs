//! Arbitrary bytes after the xz magic through the streaming xz decoder, in two chunkings:
//! nothing may panic; the verdict does not depend on the chunking, nor the output of a sound
//! stream (of a corrupt one, one output is the start of the other).
#![no_main]

#[path = "common/mod.rs"]
mod common;

use libfuzzer_sys::fuzz_target;
use whodunnit_core::bundle::codec::XZ_MAGIC;
use whodunnit_core::source::Codec;

fuzz_target!(|bytes: &[u8]| common::decode_in_two_chunkings(Codec::Xz, &XZ_MAGIC, bytes));
