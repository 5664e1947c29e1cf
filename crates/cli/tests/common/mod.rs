//! Running the built `whodunnit` binary from the CLI's integration tests (each test file is its
//! own crate and uses only some of these, hence the allow).
#![allow(dead_code)]

use std::process::{Command, Output};

/// `whodunnit ARGS` with `env` set; its output, whatever its exit status.
pub fn whodunnit(args: &[&str], env: &[(&str, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_whodunnit"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run whodunnit")
}

/// `whodunnit ARGS` with `env` set: its stdout, after checking it succeeded (its stderr and
/// arguments in the failure).
pub fn stdout_ok(args: &[&str], env: &[(&str, String)]) -> String {
    let out = whodunnit(args, env);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// `whodunnit ARGS --json`, checked, parsed.
pub fn json(args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&stdout_ok(&args, &[])).expect("JSON output")
}
