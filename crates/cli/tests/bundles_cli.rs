//! The CLI over archives and folders (bundles generated at test time from the corpus,
//! `whodunnit_testdata::bundles`): `analyze` lists every member with the counts the same
//! members give in another form of the bundle, and the other subcommands read archives too,
//! quoting members' own lines (re-read out of the archive).

use serde_json::Value;
use std::path::Path;
use whodunnit_testdata::bundles;

mod common;
use common::json as run;

fn p(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Member path (without its bundle's own top folder) → the counts analyze shows.
fn members(v: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let path = s["member"].as_str().unwrap().trim_start_matches("./");
            let path = path.strip_prefix("kind-logs/").unwrap_or(path).to_string();
            let counts = serde_json::json!([
                s["format"],
                s["detail"],
                s["records"],
                s["events"],
                s["skipped_lines"],
                s["lines"],
                s["not_read"]
            ]);
            (path, counts)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn analyze_lists_members_of_archives_and_folders_alike() {
    let Some(dir) = bundles::dir() else { return };
    let zip = run(&["analyze", &p(&dir.join("kind-logs.zip"))]);
    let folder = run(&["analyze", &p(&dir.join("kind-logs"))]);
    assert_eq!(members(&zip), members(&folder));
    assert_eq!(zip.as_array().unwrap().len(), 9);
    let bundle = zip[0]["bundle"].as_str().unwrap();
    assert!(bundle.ends_with("kind-logs.zip"), "{bundle}");
    // Text mode: the bundle's totals.
    let text = common::stdout_ok(&["analyze", &p(&dir.join("kind-logs.zip"))], &[]);
    assert!(
        text.contains("kind-logs.zip: 9 members, 5290 records, 0 lines skipped, 4 not read"),
        "{text}"
    );
    assert!(
        text.contains("  not read:  JSON, not in a format whodunnit reads"),
        "{text}"
    );
}

#[test]
fn timeline_quotes_members_lines_out_of_archives() {
    let Some(dir) = bundles::dir() else { return };
    let events = |v: &Value| -> Vec<(i64, String)> {
        let mut e: Vec<(i64, String)> = v["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["time"].as_i64().unwrap(),
                    e["label"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        e.sort();
        e
    };
    let zip = run(&["timeline", &p(&dir.join("kind-logs.zip"))]);
    let folder = run(&["timeline", &p(&dir.join("kind-logs"))]);
    let (a, b) = (events(&zip), events(&folder));
    assert!(!a.is_empty());
    assert_eq!(a, b);
    // The labels are the lines as written (CRI wrapper and all), not templates.
    assert!(a.iter().any(|(_, l)| l.contains("stderr F ")), "{a:?}");
    // A tar.gz inside a tar, with a .gz member inside it.
    let nested = run(&["timeline", &p(&dir.join("support-case.tar"))]);
    assert!(!events(&nested).is_empty());
}

#[test]
fn every_subcommand_reads_archives() {
    let Some(dir) = bundles::dir() else { return };
    let mg = p(&dir.join("must-gather.tar.zst"));
    let audit = run(&["audit", &mg]);
    assert!(audit.to_string().contains("requests"), "{audit}");
    let _ = run(&["findings", &p(&dir.join("support-case.zip"))]);
    let g = run(&["goroutines", &p(&dir.join("kubelet-and-dump.tar.gz"))]);
    assert!(g.to_string().contains("semacquire"));
}
