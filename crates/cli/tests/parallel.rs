//! Reading on several threads gives what one thread gives, on real files: one audit log cut
//! into ranges (requests whose stages straddle a cut, line numbers, diagnostics), a file whose
//! cut falls inside a pretty-printed document (read again sequentially), and several files at
//! once (klog year resolution across files included), archives and folders among them.

use std::path::PathBuf;
mod common;
use std::sync::OnceLock;

/// `whodunnit ARGS` with `threads` threads, ranges down to 1 MiB and any plain file read ahead
/// on a spare core; stdout, checked.
fn run(threads: usize, args: &[&str]) -> String {
    common::stdout_ok(
        args,
        &[
            ("WHODUNNIT_THREADS", threads.to_string()),
            ("WHODUNNIT_SPLIT_MIN", (1 << 20).to_string()),
            ("WHODUNNIT_AHEAD_MIN", "1".to_string()),
        ],
    )
}

/// The live control-plane recording (CC0), gunzipped into the test's temp dir once per process:
/// splitting reads plain files only, and the tests run concurrently, so rewriting the file under
/// another test's running CLI would hand it a truncated log.
fn live_audit() -> Option<PathBuf> {
    static PATH: OnceLock<Option<PathBuf>> = OnceLock::new();
    PATH.get_or_init(|| {
        let gz = whodunnit_testdata::corpus("live-controlplane/audit.log.gz")?;
        let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("parallel-live-audit.log");
        let bytes = whodunnit_testdata::gunzip_if(whodunnit_testdata::read(gz));
        if std::fs::read(&p).ok().as_deref() != Some(&bytes[..]) {
            let tmp = p.with_extension(format!("tmp{}", std::process::id()));
            std::fs::write(&tmp, &bytes).unwrap();
            std::fs::rename(&tmp, &p).unwrap();
        }
        Some(p)
    })
    .clone()
}

#[test]
fn one_audit_log_in_ranges_equals_one_thread() {
    let Some(p) = live_audit() else { return };
    let p = p.to_string_lossy().into_owned();
    for args in [
        vec!["analyze", &p, "--json"],
        vec!["audit", &p, "--by", "user", "--top", "1000", "--json"],
        vec!["timeline", &p, "--json"],
    ] {
        let one = run(1, &args);
        for threads in [2, 5] {
            assert!(
                run(threads, &args) == one,
                "{args:?}: {threads} threads differ"
            );
        }
    }
}

#[test]
fn a_cut_inside_a_pretty_printed_document_reads_sequentially() {
    let Some(live) = live_audit() else { return };
    let lines = std::fs::read(live).unwrap();
    let pretty = whodunnit_testdata::read(whodunnit_testdata::fixture(
        "audit/pretty-openshift-clo-crc.json",
    ));
    // JSON lines, then ~3 MiB of pretty-printed events around the middle, then JSON lines.
    let mut b = lines[..lines.len() / 2].to_vec();
    while b.len() < lines.len() / 2 + (3 << 20) {
        b.extend_from_slice(&pretty);
        if !b.ends_with(b"\n") {
            b.push(b'\n');
        }
    }
    b.extend_from_slice(&lines[lines.len() / 2..]);
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("parallel-mixed-audit.log");
    std::fs::write(&p, &b).unwrap();
    let p = p.to_string_lossy().into_owned();
    let args = ["analyze", &p, "--json"];
    let one = run(1, &args);
    assert!(one.contains("pretty-printed JSON"), "{one}");
    assert!(run(2, &args) == one, "2 threads differ");
}

#[test]
fn several_files_at_once_equal_one_thread() {
    let Some(root) = whodunnit_testdata::corpus_root() else {
        return;
    };
    let mut files: Vec<String> = [
        "live-controlplane/audit.log.gz",
        "live-controlplane/etcd.log.gz",
        "live-controlplane/kube-apiserver.log.gz",
        "live-controlplane/kube-controller-manager.log.gz",
        "kubelet/windows-kubelet-klogfile-v1.17.log",
    ]
    .iter()
    .map(|f| root.join(f).to_string_lossy().into_owned())
    .collect();
    files.push(live_audit().unwrap().to_string_lossy().into_owned());
    let mut args: Vec<&str> = vec!["analyze"];
    args.extend(files.iter().map(String::as_str));
    args.push("--json");
    let one = run(1, &args);
    assert!(run(2, &args) == one, "analyze: 2 threads differ");
    args[0] = "timeline";
    let one = run(1, &args);
    assert!(run(3, &args) == one, "timeline: 3 threads differ");
}

/// Real node logs, each alone and then together, on two threads and more: their lines split
/// ahead of the parser on a spare core give what one thread gives (the live recordings'
/// component logs gunzipped and as they lie, gzipped, with the live audit log; klog years
/// resolved across files).
#[test]
fn node_logs_and_gzipped_files_read_ahead_equal_one_thread() {
    let Some(root) = whodunnit_testdata::corpus_root() else {
        return;
    };
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let mut files = Vec::new();
    for f in [
        "kubelet/windows-kubelet-klogfile-v1.17.log",
        "kubelet/lnav-logfile_journald.json",
        "live-containerd/containerd.log",
        "live-controlplane/etcd.log.gz",
        "live-controlplane/kube-apiserver.log.gz",
        "live-controlplane/kube-controller-manager.log.gz",
    ] {
        let src = root.join(f);
        let name = src
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".gz", "");
        let p = tmp.join(format!("ahead-{name}"));
        std::fs::write(
            &p,
            whodunnit_testdata::gunzip_if(whodunnit_testdata::read(&src)),
        )
        .unwrap();
        files.push(p.to_string_lossy().into_owned());
        if f.ends_with(".gz") {
            files.push(src.to_string_lossy().into_owned());
        }
    }
    files.push(
        root.join("live-controlplane/audit.log.gz")
            .to_string_lossy()
            .into_owned(),
    );
    for f in &files {
        for cmd in ["analyze", "timeline"] {
            let args = [cmd, f.as_str(), "--json"];
            assert!(
                run(2, &args) == run(1, &args),
                "{cmd} {f}: 2 threads differ"
            );
        }
    }
    let mut args: Vec<&str> = vec!["analyze"];
    args.extend(files.iter().map(String::as_str));
    args.push("--json");
    let one = run(1, &args);
    assert!(run(8, &args) == one, "analyze: 8 threads differ");
}

/// Archives and folders beside a plain audit log that is cut into ranges: each is read whole,
/// member by member, on its own thread, and the result is one thread's.
#[test]
fn archives_and_folders_among_split_files_equal_one_thread() {
    let (Some(dir), Some(live)) = (whodunnit_testdata::bundles::dir(), live_audit()) else {
        return;
    };
    let paths: Vec<String> = [
        dir.join("support-case.zip"),
        dir.join(whodunnit_testdata::bundles::FOLDERS[0]),
        live,
        dir.join("kubelet-and-dump.tar.gz"),
    ]
    .iter()
    .map(|p| p.to_string_lossy().into_owned())
    .collect();
    let mut args: Vec<&str> = vec!["analyze"];
    args.extend(paths.iter().map(String::as_str));
    args.push("--json");
    let one = run(1, &args);
    assert!(one.contains("support-case.zip"), "members listed");
    assert!(run(3, &args) == one, "analyze: 3 threads differ");
    args[0] = "findings";
    let one = run(1, &args);
    assert!(run(2, &args) == one, "findings: 2 threads differ");
}

/// Periodic dumps of one process in one file (the live containerd dumps, SIGUSR1 and debug=2,
/// repeated past two ranges' worth): cut where a dump starts, read on several threads, the
/// report, timeline and findings are one thread's.
#[test]
fn a_file_of_periodic_goroutine_dumps_in_ranges_equals_one_thread() {
    let Some(dir) = whodunnit_testdata::corpus("live-containerd") else {
        return;
    };
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("containerd-goroutines"))
        .collect();
    names.sort();
    let mut unit = Vec::new();
    for n in &names {
        unit.extend_from_slice(&whodunnit_testdata::read(dir.join(n)));
        unit.extend_from_slice(b"\n\n");
    }
    let b = unit.repeat((5 << 20) / unit.len() + 1);
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("parallel-periodic-dumps.txt");
    std::fs::write(&p, &b).unwrap();
    let p = p.to_string_lossy().into_owned();
    for args in [
        vec!["goroutines", &p, "--json"],
        vec!["timeline", &p, "--json"],
        vec!["findings", &p, "--json"],
        vec!["analyze", &p, "--json"],
    ] {
        let one = run(1, &args);
        for threads in [2, 5] {
            assert!(
                run(threads, &args) == one,
                "{args:?}: {threads} threads differ"
            );
        }
    }
}
