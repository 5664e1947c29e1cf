//! Audit requests as CSV (`audit::csv`): one user's requests of the CC0 live recording, exported
//! to Parquet and written back as CSV by DuckDB and by Spark (`tests/fixtures/audit/csv/make.py`),
//! read into the cost model. They must give that user's row of the original log: the same
//! requests, query time, percentiles, errors, long-running calls and, under the apiserver version
//! the original log shows, the same LIST sources.

use whodunnit_core::audit::cost::CostRow;
use whodunnit_core::audit::{cost_report, CostQuery, GroupBy};
use whodunnit_core::format::Format;
use whodunnit_core::{parse_bytes, Dataset, FileMeta, ParsedFile};
use whodunnit_testdata::{corpus_bytes_or_skip, fixture, read};

const FIXTURES: [&str; 2] = ["audit/csv/carol-duckdb.csv", "audit/csv/carol-spark.csv"];

fn parse(name: &str, b: &[u8]) -> ParsedFile {
    parse_bytes(
        FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        },
        b,
    )
}

fn carol(ds: &Dataset, version: Option<&str>) -> CostRow {
    let rep = cost_report(
        ds,
        &CostQuery {
            by: GroupBy::User,
            top: usize::MAX,
            server_version: version.map(String::from),
            ..CostQuery::default()
        },
    );
    rep.rows
        .into_iter()
        .find(|r| r.key == "carol")
        .expect("carol's row")
}

/// The numbers a row is compared on (the window-dependent share and mean in flight aside).
fn numbers(r: &CostRow) -> Vec<i64> {
    vec![
        r.requests as i64,
        r.timed as i64,
        r.untimed as i64,
        r.query_time_us,
        r.p50_us,
        r.p95_us,
        r.p99_us,
        r.max_us,
        r.errors_4xx as i64,
        r.errors_5xx as i64,
        r.throttled_429 as i64,
        r.lists as i64,
        r.lists_etcd as i64,
        r.lists_cache as i64,
        r.lists_unknown as i64,
        r.lists_with_selector as i64,
        r.long_running as i64,
        r.long_running_us,
    ]
}

#[test]
fn csv_fixtures_are_audit_requests_every_line_accounted() {
    for name in FIXTURES {
        let b = read(fixture(name));
        let f = parse(name, &b);
        assert_eq!(f.format, Format::AuditLog, "{name}");
        assert_eq!(f.records, 383, "{name}");
        assert_eq!(f.records + 1, f.lines, "{name}: rows + header = lines");
        assert_eq!(f.diags.skipped_lines, 0, "{name}");
        assert!(f.detail.contains("CSV"), "{}", f.detail);
    }
}

#[test]
fn csv_gives_the_users_row_of_the_original_log() {
    let live = corpus_bytes_or_skip!("live-controlplane/audit.log.gz");
    let mut orig = Dataset::default();
    orig.add(parse("audit.log.gz", &live));
    // The log's control plane shows 1.36.2; one user's requests do not, so the version is set.
    let want = carol(&orig, None);
    assert_eq!(want, carol(&orig, Some("1.36.2")));
    for name in FIXTURES {
        let mut ds = Dataset::default();
        ds.add(parse(name, &read(fixture(name))));
        assert_eq!(
            numbers(&carol(&ds, Some("1.36.2"))),
            numbers(&want),
            "{name}"
        );
        // Without the version the LISTs whose source depends on it are unknown, as the view says.
        let blind = carol(&ds, None);
        assert_eq!(blind.requests, want.requests);
        assert_eq!(blind.lists_unknown + blind.lists_cache, want.lists);
    }
}

#[test]
fn csv_chunking_does_not_matter() {
    for name in FIXTURES {
        let b = read(fixture(name));
        let whole = parse(name, &b);
        let mut ing = whodunnit_core::FileIngest::new(FileMeta {
            name: name.to_string(),
            ..FileMeta::default()
        });
        for c in b.chunks(7) {
            ing.push(c);
        }
        let f = ing.finish();
        assert_eq!(f.records, whole.records, "{name}");
        let (mut a, mut c) = (Dataset::default(), Dataset::default());
        a.add(whole);
        c.add(f);
        assert_eq!(
            numbers(&carol(&a, None)),
            numbers(&carol(&c, None)),
            "{name}"
        );
    }
}

#[test]
fn bad_csv_rows_are_counted_with_their_line() {
    let b = b"start_us,username,verb,received_us\n1,alice,get,5\n2,bob,get\n3,carol,list,notanumber\n4,dave,get,7\n";
    let f = parse("x.csv", b);
    assert_eq!(f.records, 2);
    assert_eq!(f.diags.skipped_lines, 2);
    let text: Vec<String> = f
        .diags
        .kept
        .iter()
        .map(|d| format!("{}: {}", d.line, d.reason))
        .collect();
    assert!(
        text[0].starts_with("3: CSV row has 3 fields, the header 4"),
        "{text:?}"
    );
    assert!(text[1].starts_with("4: column received_us"), "{text:?}");
}
