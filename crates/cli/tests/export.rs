//! `whodunnit export --parquet`: the files' layout, the schema version in their metadata, one
//! row per request of `whodunnit audit`, and re-runs replacing only their own files. The numbers
//! the tables give through `sql/` on DuckDB and Spark are tests/sql/run.py's (CI).

use parquet::file::reader::{FileReader, SerializedFileReader};
use std::path::{Path, PathBuf};
use whodunnit_testdata::fixture;

mod common;
use common::json as whodunnit;

fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(parquet_files(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn inputs() -> Vec<String> {
    [
        "audit2rbac-demo-head.log",
        "openshift-clo-k8s.log",
        "falco-k8s-audit.jsonl",
    ]
    .iter()
    .map(|f| fixture(&format!("audit/{f}")).display().to_string())
    .collect()
}

fn out_dir(name: &str) -> PathBuf {
    let d = whodunnit_testdata::root()
        .join("target/export-test")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn every_table_is_written_with_the_schema_version_and_one_row_per_request() {
    let out = out_dir("all");
    let files = inputs();
    let mut args = vec!["export", "--parquet", out.to_str().unwrap()];
    args.extend(files.iter().map(String::as_str));
    let m = whodunnit(&args);
    let audit = {
        let mut a = vec!["audit", "--top", "1000"];
        a.extend(files.iter().map(String::as_str));
        whodunnit(&a)
    };
    assert_eq!(m["schema_version"], 1);
    let tables: Vec<&str> = m["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["table"].as_str().unwrap())
        .collect();
    assert_eq!(
        tables,
        [
            "audit_requests",
            "node_events",
            "goroutines",
            "goroutine_groups",
            "findings",
            "finding_evidence"
        ]
    );
    assert_eq!(m["tables"][0]["rows"], audit["totals"]["requests"]);
    for t in tables {
        let fs = parquet_files(&out.join(t));
        assert_eq!(
            fs.len(),
            1,
            "{t}: one file (an empty table still has its schema)"
        );
        let r = SerializedFileReader::new(std::fs::File::open(&fs[0]).unwrap()).unwrap();
        let kv: Vec<(String, String)> = r
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .unwrap()
            .iter()
            .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
            .collect();
        assert!(
            kv.contains(&("whodunnit.schema_version".into(), "1".into())),
            "{t}: {kv:?}"
        );
        assert!(kv.contains(&("whodunnit.table".into(), t.into())), "{t}");
    }
    let r = SerializedFileReader::new(
        std::fs::File::open(&parquet_files(&out.join("audit_requests"))[0]).unwrap(),
    )
    .unwrap();
    assert_eq!(
        r.metadata().file_metadata().num_rows(),
        audit["totals"]["requests"].as_i64().unwrap()
    );
}

#[test]
fn hourly_partitions_and_reruns_replace_only_their_own_files() {
    let out = out_dir("hourly");
    let files = inputs();
    let run = |prefix: &str| {
        let mut args = vec![
            "export",
            "--parquet",
            out.to_str().unwrap(),
            "--partition",
            "hour",
            "--tables",
            "audit-requests",
            "--file-prefix",
            prefix,
        ];
        args.extend(files.iter().map(String::as_str));
        whodunnit(&args)
    };
    let m = run("a");
    let first = parquet_files(&out.join("audit_requests"));
    assert!(first.len() > 1, "{first:?}");
    for f in &first {
        let rel = f.strip_prefix(out.join("audit_requests")).unwrap();
        let parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into()).collect();
        assert!(
            parts[0].starts_with("dt=") && parts[1].starts_with("hour="),
            "{rel:?}"
        );
        assert!(parts[2].starts_with("a-"), "{rel:?}");
    }
    // The same export again: the same files, not twice as many.
    run("a");
    assert_eq!(parquet_files(&out.join("audit_requests")), first);
    // Another prefix writes beside them.
    run("b");
    assert_eq!(
        parquet_files(&out.join("audit_requests")).len(),
        2 * first.len()
    );
    assert_eq!(m["partition"], "hour");
}
