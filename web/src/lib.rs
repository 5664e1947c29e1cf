//! The whodunnit browser app.
//!
//! Two wasm binaries share this library: `app` (the Yew UI on the main thread) and `worker`
//! (a dedicated Web Worker that reads Files in slices and runs the core). The main thread only
//! renders; every byte of parsing and every query runs in the worker, so a 200 MB file loads
//! while the page stays responsive. Nothing is ever sent over the network.

pub mod app;
pub mod blob;
pub mod bridge;
pub mod export;
pub mod export_worker;
pub mod fit;
pub mod fmt;
pub mod folders;
pub mod helper;
pub mod protocol;
pub mod slices;
pub mod split;
pub mod state;
pub mod views;
pub mod warm;
pub mod worker;
