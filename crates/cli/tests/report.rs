//! `whodunnit report` as users run it, and re-opening the report with `whodunnit analyze`.

use serde_json::Value;
use std::process::Command;

fn path(p: std::path::PathBuf) -> String {
    p.to_string_lossy().into_owned()
}

fn whodunnit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_whodunnit"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn report_reopens_with_the_same_numbers_or_says_how_to_build_the_app() {
    let inputs = [
        path(whodunnit_testdata::fixture("audit/openshift-clo-k8s.log")),
        path(whodunnit_testdata::corpus_or_skip!(
            "goroutines/gostackparse_waitsince.txt"
        )),
        path(whodunnit_testdata::corpus_or_skip!(
            "kubelet/sonobuoy-systemd-logs/results-0.9-ip-10-0-9-206.journal.jsonl"
        )),
    ];
    let out_path =
        std::env::temp_dir().join(format!("whodunnit-cli-report-{}.html", std::process::id()));
    let out_s = out_path.to_string_lossy().to_string();
    let mut args = vec!["report"];
    args.extend(inputs.iter().map(String::as_str));
    args.extend(["-o", &out_s]);
    let out = whodunnit(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("built without the web app") {
        // A CLI compiled before `trunk build`: a real error with the fix, and no file.
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr.contains("trunk build --release"), "{stderr}");
        assert!(!out_path.exists());
        return;
    }
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("3 files"), "{stderr}");

    let mut orig = vec!["analyze", "--json"];
    orig.extend(inputs.iter().map(String::as_str));
    let orig: Value = serde_json::from_slice(&whodunnit(&orig).stdout).unwrap();
    let back = whodunnit(&["analyze", "--json", &out_s]);
    assert!(
        back.status.success(),
        "{}",
        String::from_utf8_lossy(&back.stderr)
    );
    let back: Value = serde_json::from_slice(&back.stdout).unwrap();
    let (orig, back) = (orig.as_array().unwrap(), back.as_array().unwrap());
    assert_eq!(orig.len(), back.len());
    for (a, b) in orig.iter().zip(back) {
        // Reports name files by file name, not by local path.
        assert!(a["name"]
            .as_str()
            .unwrap()
            .ends_with(b["name"].as_str().unwrap()));
        for k in [
            "format",
            "records",
            "events",
            "lines",
            "first",
            "last",
            "skipped_lines",
        ] {
            assert_eq!(a[k], b[k], "{k} of {}", b["name"]);
        }
    }
    let html = std::fs::read_to_string(&out_path).unwrap();
    assert!(html.contains("id=\"whodunnit-asset-app-wasm\""));
    // Redacted and raw lines exclude each other; asking for both is an error, not a leak.
    let out = whodunnit(&[
        "report", &inputs[0], "-o", &out_s, "--redact", "--raw", &inputs[0],
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("redacted"));
    let _ = std::fs::remove_file(&out_path);
}
