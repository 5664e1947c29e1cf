//! Waiters grouped by call site and wait state, on the live containerd dumps: the stuck
//! RunPodSandbox calls wait on a channel in go-cni, not on a mutex, so they form no lock group
//! but one wait site, arriving every 2 minutes.

use whodunnit_core::goroutine::report::{report, GoroutineQuery};
use whodunnit_core::goroutine::waits::wait_range;
use whodunnit_core::{parse_bytes, Dataset, FileMeta};

fn load(rel: &str) -> Option<Dataset> {
    let p = whodunnit_testdata::corpus(rel)?;
    let bytes = std::fs::read(&p).unwrap();
    let mut ds = Dataset::default();
    ds.add(parse_bytes(
        FileMeta {
            name: rel.to_string(),
            size: Some(bytes.len() as u64),
            last_modified_ms: None,
        },
        &bytes,
    ));
    Some(ds)
}

#[test]
fn stuck_sandbox_calls_form_one_wait_site() {
    // Both forms of the second dump: `ctr pprof goroutines` and the SIGUSR1 file.
    for rel in [
        "live-containerd/containerd-goroutines-20261130T034454Z.txt",
        "live-containerd/containerd-goroutines-20261130T034454Z-sigusr1.txt",
    ] {
        let Some(ds) = load(rel) else { return };
        let rep = report(&ds, &GoroutineQuery::default());
        assert!(rep.lock_groups.is_empty(), "{rel}: no mutex is contended");
        let site = rep
            .wait_sites
            .iter()
            .find(|w| w.func == "github.com/containerd/go-cni.(*libcni).attachNetworks")
            .unwrap_or_else(|| panic!("{rel}: {:#?}", rep.wait_sites));
        assert_eq!(site.waiters, 8, "{rel}");
        assert_eq!(site.state, "chan receive");
        assert_eq!(site.location, "cni.go:222");
        assert_eq!(site.oldest.map(|o| o.0), Some(82), "{rel}: pod-a's handler");
        assert!(
            site.periodicity
                .as_deref()
                .is_some_and(|p| p.starts_with("one new waiter every ~2m")),
            "{rel}: {:?}",
            site.periodicity
        );
    }
    // After the unwind (third dump) nothing waits there any more.
    let Some(ds) = load("live-containerd/containerd-goroutines-20261130T034531Z.txt") else {
        return;
    };
    let rep = report(&ds, &GoroutineQuery::default());
    assert!(rep.wait_sites.iter().all(|w| !w.func.contains("go-cni")));
}

#[test]
fn printed_minutes_are_ranges() {
    // pod-b at dump 1: printed 12 min, blocked 11.0 min (GROUND_TRUTH wait_minutes_accuracy).
    let (lo, hi) = wait_range(12);
    assert!(lo <= 11 && 11 <= hi);
    assert_eq!(wait_range(0), (0, 1));
}
