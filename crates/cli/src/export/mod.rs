//! `whodunnit export --parquet OUT_DIR FILE...`: the core's analyses as Parquet tables that a
//! distributed SQL engine (Spark, Trino/Athena, BigQuery, DuckDB) queries with `sql/`.
//!
//! One module per table; [`table`] holds what they share (columns, partitioned writing, the
//! schema version in every file's key-value metadata). The schema is docs/schema.md.

mod table;
mod text;

mod events;
mod findings;
mod goroutines;
mod requests;

use crate::disk::Disk;
use crate::input;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;
use table::{TableWriter, Written};
use whodunnit_core::audit::attribution::attribute;
use whodunnit_core::audit::view::AuditFiles;
use whodunnit_core::findings::detect_with;

/// The version of docs/schema.md the files follow. Adding a column is a new version; engines
/// reading older files see it as NULL (every column is nullable), so shipped queries keep working.
pub const SCHEMA_VERSION: u32 = 1;

/// Options of `whodunnit export`.
#[derive(Args)]
pub struct ExportArgs {
    /// Write Parquet tables into this folder, one subfolder per table (docs/schema.md).
    #[arg(long, value_name = "OUT_DIR", required = true)]
    pub parquet: PathBuf,
    /// Input files (any format the app reads, .gz too).
    #[arg(required = true)]
    pub files: Vec<String>,
    /// `hour`: Hive partitions `dt=YYYY-MM-DD/hour=HH` (UTC) so engines prune by time.
    #[arg(long, value_enum, default_value = "none")]
    pub partition: Partition,
    /// The apiserver version whose LIST rules apply (as `whodunnit audit --server-version`).
    #[arg(long)]
    pub server_version: Option<String>,
    /// File name prefix: give each export writing into one shared folder its own
    /// (e.g. the input's name), so parallel exports never overwrite each other. An export
    /// replaces the files of its own prefix only.
    #[arg(long, default_value = "part")]
    pub file_prefix: String,
    /// Tables to write (comma-separated); default: all.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub tables: Vec<Table>,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

/// How tables are split into folders.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Partition {
    None,
    Hour,
}

/// The tables (docs/schema.md).
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    AuditRequests,
    NodeEvents,
    /// `goroutines` and `goroutine_groups`.
    Goroutines,
    /// `findings` and `finding_evidence`.
    Findings,
}

impl Table {
    const ALL: [Table; 4] = [
        Table::AuditRequests,
        Table::NodeEvents,
        Table::Goroutines,
        Table::Findings,
    ];

    /// The table folders this choice writes.
    fn names(self) -> &'static [&'static str] {
        match self {
            Table::AuditRequests => &["audit_requests"],
            Table::NodeEvents => &["node_events"],
            Table::Goroutines => &["goroutines", "goroutine_groups"],
            Table::Findings => &["findings", "finding_evidence"],
        }
    }
}

/// The summary printed and written to `OUT_DIR/_whodunnit_export.json`.
#[derive(Serialize)]
struct Manifest {
    schema_version: u32,
    writer: String,
    inputs: Vec<String>,
    input_bytes: u64,
    partition: &'static str,
    /// The apiserver version whose LIST rules were applied, and where it came from.
    list_rules_version: Option<String>,
    list_rules_version_source: String,
    tables: Vec<Written>,
    read_seconds: f64,
    write_seconds: f64,
}

/// Run `whodunnit export`.
pub fn run(a: ExportArgs) -> ExitCode {
    let t0 = Instant::now();
    let (ds, failed) = input::read_all(&a.files);
    let read_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let partitioned = a.partition == Partition::Hour;
    let tables: Vec<Table> = if a.tables.is_empty() {
        Table::ALL.to_vec()
    } else {
        a.tables.clone()
    };
    let af = AuditFiles::of(&ds);
    let la = attribute(&af, a.server_version.as_deref(), 0);
    let list_meta = [
        (
            "list_rules_version",
            la.model.version.clone().unwrap_or_default(),
        ),
        ("list_rules_version_source", la.model.version_source.clone()),
    ];
    let mut written = Vec::new();
    for t in &tables {
        for name in t.names() {
            if let Err(e) = table::clear(&a.parquet.join(name), &a.file_prefix) {
                eprintln!("whodunnit: {}: {e}", a.parquet.display());
                return ExitCode::from(2);
            }
        }
        let w = |name: &str, meta: &[(&str, String)]| {
            TableWriter::new(&a.parquet, name, &a.file_prefix, meta)
        };
        let r = match t {
            Table::AuditRequests => {
                let mut rw = w("audit_requests", &list_meta);
                requests::export(&ds, &af, &la, &mut rw, partitioned)
                    .and_then(|_| requests::finish(&ds, rw, partitioned))
                    .map(|x| vec![x])
            }
            Table::NodeEvents => {
                let mut ew = w("node_events", &[]);
                events::export(&ds, &mut ew, partitioned)
                    .and_then(|_| events::finish(ew, partitioned))
                    .map(|x| vec![x])
            }
            Table::Goroutines => {
                let (mut gw, mut cw) = (w("goroutines", &[]), w("goroutine_groups", &[]));
                goroutines::export(&ds, &mut gw, &mut cw)
                    .and_then(|_| goroutines::finish(gw, cw))
                    .map(|(x, y)| vec![x, y])
            }
            Table::Findings => {
                let rep = detect_with(&ds, &Disk::new(&ds));
                let (mut fw, mut ew) = (w("findings", &[]), w("finding_evidence", &[]));
                findings::export(&rep.findings, &mut fw, &mut ew)
                    .and_then(|_| findings::finish(fw, ew))
                    .map(|(x, y)| vec![x, y])
            }
        };
        match r {
            Ok(w) => written.extend(w),
            Err(e) => {
                eprintln!("whodunnit: writing {}: {e}", t.names().join(", "));
                return ExitCode::from(2);
            }
        }
    }
    let m = Manifest {
        schema_version: SCHEMA_VERSION,
        writer: format!("whodunnit {}", env!("CARGO_PKG_VERSION")),
        inputs: a.files.clone(),
        input_bytes: ds.files.iter().filter_map(|f| f.meta.size).sum(),
        partition: if partitioned { "hour" } else { "none" },
        list_rules_version: la.model.version.clone(),
        list_rules_version_source: la.model.version_source.clone(),
        tables: written,
        read_seconds: read_s,
        write_seconds: t1.elapsed().as_secs_f64(),
    };
    if let Err(e) = write_manifest(&a.parquet, &a.file_prefix, &m) {
        eprintln!("whodunnit: {}: {e}", a.parquet.display());
        return ExitCode::from(2);
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&m).expect("manifest serializes")
        );
    } else {
        for t in &m.tables {
            println!(
                "{:<18} {:>10} rows {:>5} files {:>12} bytes  {}",
                t.table,
                t.rows,
                t.files,
                t.bytes,
                a.parquet.join(&t.table).display()
            );
        }
        println!(
            "schema v{SCHEMA_VERSION}; read {:.2}s, wrote {:.2}s",
            m.read_seconds, m.write_seconds
        );
    }
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `OUT_DIR/_whodunnit_export[-PREFIX].json`: engines skip files starting with `_`.
fn write_manifest(out: &Path, prefix: &str, m: &Manifest) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let name = if prefix == "part" {
        "_whodunnit_export.json".to_string()
    } else {
        format!("_whodunnit_export-{prefix}.json")
    };
    let j = serde_json::to_string_pretty(m).map_err(std::io::Error::other)?;
    std::fs::write(out.join(name), j + "\n")
}
