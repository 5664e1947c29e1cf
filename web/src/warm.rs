//! Warming the worker's parsers while the page waits for a file. A browser runs new wasm code
//! in a baseline tier first and compiles the functions that turn out hot into optimized code
//! later, on the same two cores the first file's reading needs: the first 137 MB klog file took
//! 922–964 ms in the worker, the same file read again right after 688–707 ms (Chromium 156).
//! So right after it starts, the worker reads bundled samples (a klog file through gzip, an
//! excerpt of an audit log, a goroutine dump) a few times and drops what it read, yielding to
//! messages between reads and stopping as soon as a file is queued. The audit excerpt took the
//! 1 GiB bench audit log from 2,145–2,246 to 2,029–2,087 ms (two interleaved runs of 5).
//! Tried and dropped: touching 256 MB of wasm memory here (wasm memory never shrinks, so the
//! first file would not pay for fresh pages) gained nothing measurable and kept the memory taken.

use whodunnit_core::{parse_bytes, FileMeta};

/// The bundled samples read (CC0 recordings, see `web/samples/SOURCES.md`): ~105 kB in the
/// worker's module.
const SAMPLES: [(&str, &[u8]); 3] = [
    (
        "controlplane-kube-apiserver.log.gz",
        include_bytes!("../samples/controlplane-kube-apiserver.log.gz"),
    ),
    (
        "controlplane-audit-excerpt.log.gz",
        include_bytes!("../samples/controlplane-audit-excerpt.log.gz"),
    ),
    (
        "containerd-goroutines-20261130T034254Z.txt",
        include_bytes!("../samples/containerd-goroutines-20261130T034254Z.txt"),
    ),
];

/// Times each sample is read (~0.1–0.2 s of the worker's time in all).
const ROUNDS: usize = 16;

/// Read the samples `ROUNDS` times, unless `file_waiting()` says a file was queued.
/// Returns whether it read them all.
pub async fn warm_up(file_waiting: impl Fn() -> bool) -> bool {
    for _ in 0..ROUNDS {
        for (name, bytes) in SAMPLES {
            if file_waiting() {
                return false;
            }
            let meta = FileMeta {
                name: name.to_string(),
                size: Some(bytes.len() as u64),
                ..FileMeta::default()
            };
            drop(parse_bytes(meta, bytes));
            crate::slices::yield_to_events().await;
        }
    }
    true
}
