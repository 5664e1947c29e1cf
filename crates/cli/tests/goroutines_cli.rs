//! `whodunnit goroutines` end to end: text, JSON, filters, diff, exit codes.

use std::process::Command;

/// A dump in the corpus's `goroutines/`, read in place; skips the calling test without it.
macro_rules! dump {
    ($name:expr) => {
        whodunnit_testdata::corpus_or_skip!(concat!("goroutines/", $name))
            .to_string_lossy()
            .into_owned()
    };
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_whodunnit"))
        .arg("goroutines")
        .args(args)
        .output()
        .expect("run whodunnit");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn text_and_json_show_the_lock_pile_up() {
    let f = dump!("combinestacks_write-stacks-2.txt");
    let (code, text, _) = run(&[&f]);
    assert_eq!(code, 0);
    assert!(
        text.contains("150 goroutines wait on sync.Mutex 0xc000192068"),
        "{text}"
    );
    let (code, json, _) = run(&["--json", "--similarity", "exact", &f]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["lock_groups"][0]["address"], "0xc000192068");
    assert_eq!(v["similarity"], "exact");
    let (_, json, _) = run(&["--json", "--search", "main.b2", &f]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["matched_goroutines"], 50);
}

#[test]
fn diff_compares_first_and_last_snapshot() {
    let a = dump!("gostackparse_waitsince.txt");
    let b = dump!("combinestacks_write-stacks-2.txt");
    let (code, json, _) = run(&["--diff", "--json", &a, &b]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(v["summary"].as_str().unwrap().starts_with("+"));
}

#[test]
fn bad_input_is_reported_and_the_rest_analyzed() {
    let f = dump!("gostackparse_cgo.txt");
    let (code, text, err) = run(&["/nonexistent/dump.txt", &f]);
    assert_eq!(code, 1);
    assert!(err.contains("/nonexistent/dump.txt"));
    assert!(text.contains("gostackparse_cgo.txt"));
    let (code, _, err) = run(&["--similarity", "bogus", &f]);
    assert_eq!(code, 2);
    assert!(err.contains("--similarity"));
}
