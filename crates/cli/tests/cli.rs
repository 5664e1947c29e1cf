//! The CLI as users run it.

use std::process::Command;

/// A corpus dump, read in place; skips the calling test without the corpus.
macro_rules! waitsince {
    () => {
        whodunnit_testdata::corpus_or_skip!("goroutines/gostackparse_waitsince.txt")
            .to_string_lossy()
            .into_owned()
    };
}

#[test]
fn missing_file_is_reported_and_the_others_still_analyzed() {
    let good = waitsince!();
    let out = Command::new(env!("CARGO_BIN_EXE_whodunnit"))
        .args(["analyze", "/definitely/not/here.log", &good, "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/definitely/not/here.log: cannot read"),
        "{stderr}"
    );
    let summaries: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summaries.as_array().unwrap().len(), 1);
    assert!(summaries[0]["name"]
        .as_str()
        .unwrap()
        .ends_with("gostackparse_waitsince.txt"));
}

#[test]
fn text_summary_names_format_and_counts() {
    let dump = waitsince!();
    let out = Command::new(env!("CARGO_BIN_EXE_whodunnit"))
        .args(["analyze", &dump])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("format:    Go goroutine dump"), "{text}");
    assert!(text.contains("records:"), "{text}");
}
