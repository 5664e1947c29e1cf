//! `whodunnit`: the native command. Reads the same files as the browser app, through the same
//! core, and prints the same numbers.

mod ahead;
mod cmd_audit;
mod cmd_findings;
mod cmd_goroutines;
mod cmd_report;
mod cmd_timeline;
mod disk;
mod export;
mod files;
mod input;
mod parallel;

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use whodunnit_core::FileSummary;

#[derive(Parser)]
#[command(
    name = "whodunnit",
    version,
    about = "Kubernetes incident forensics: audit logs, node logs, goroutine dumps"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Audit logs: who spends the apiserver's time (per user, agent, verb, resource, namespace,
    /// source IP), LIST-from-etcd calls; `audit history OBJECT FILE...` for an object's history.
    Audit(cmd_audit::AuditArgs),
    /// The analyses as Parquet tables for DuckDB, Spark, Trino, BigQuery (docs/schema.md, sql/):
    /// `export --parquet OUT_DIR FILE... [--partition hour]`.
    Export(export::ExportArgs),
    /// One self-contained HTML file with the app and the analysis, to share offline:
    /// `report FILE... -o report.html [--redact] [--raw FILE]...`.
    Report(cmd_report::ReportArgs),
    /// Goroutine dumps: lock contention and likely holder first, then every group.
    Goroutines {
        /// Dump files (panics, SIGQUIT dumps, pprof debug=1/2; wrapped in logs too; .gz, archives and folders too).
        #[arg(required = true)]
        files: Vec<String>,
        /// How alike goroutines must be to share a group: exact, pointer or any.
        #[arg(long, default_value = "pointer")]
        similarity: String,
        /// Only goroutines with this text in a function, path or state.
        #[arg(long, default_value = "")]
        search: String,
        /// Only goroutines in a state containing this (e.g. semacquire).
        #[arg(long, default_value = "")]
        state: String,
        /// Only goroutines with a frame in this package (or below it).
        #[arg(long, default_value = "")]
        package: String,
        /// Compare the first snapshot with the last one (two dumps of one process).
        #[arg(long)]
        diff: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Known incident patterns across all files (stalled namespace deletion, LIST storm, runtime hang, memory pressure, image pulls, hot loops, NotReady nodes, APIService outages), with evidence.
    Findings {
        /// Any mix of audit logs, node/component logs and goroutine dumps (.gz, archives and folders too).
        #[arg(required = true)]
        files: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Classified events of every file in time order (node logs, audit logs, dumps).
    Timeline {
        /// Files to read (any format, .gz too; archives and folders: every member).
        #[arg(required = true)]
        files: Vec<String>,
        /// Only this event kind (repeatable), e.g. pleg_unhealthy; `log` = unclassified lines.
        #[arg(long = "kind")]
        kinds: Vec<String>,
        /// Window start: RFC 3339 time or date (UTC).
        #[arg(long)]
        since: Option<String>,
        /// Window end (inclusive): RFC 3339 time or date (UTC).
        #[arg(long)]
        until: Option<String>,
        /// Also list unclassified log lines.
        #[arg(long)]
        all: bool,
        /// Show each line's mined message template instead of the line's own text.
        #[arg(long)]
        templates: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Most frequent message templates of node logs (unclassified lines by default).
    Templates {
        /// Files to read (.gz too; archives and folders: every member).
        #[arg(required = true)]
        files: Vec<String>,
        /// Rows to print (0 = all).
        #[arg(long, default_value_t = 40)]
        limit: usize,
        /// Include templates of classified lines too.
        #[arg(long)]
        all: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Per-file summary: format, records, time range, diagnostics; archives and folders list
    /// every member (read, or not read with the reason) and their totals.
    Analyze {
        /// Files, archives (.tar, .tar.gz, .tar.xz, .tar.zst, .zip) and folders to read.
        #[arg(required = true)]
        files: Vec<String>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.cmd {
        Command::Audit(a) => cmd_audit::run(a),
        Command::Report(a) => cmd_report::run(a),
        Command::Export(a) => export::run(a),
        Command::Goroutines {
            files,
            similarity,
            search,
            state,
            package,
            diff,
            json,
        } => cmd_goroutines::run(cmd_goroutines::Args {
            files,
            similarity,
            search,
            state,
            package,
            diff,
            json,
        }),
        Command::Findings { files, json } => cmd_findings::run(&files, json),
        Command::Timeline {
            files,
            kinds,
            since,
            until,
            all,
            templates,
            json,
        } => cmd_timeline::run(cmd_timeline::TimelineArgs {
            files,
            kinds,
            since,
            until,
            all,
            templates,
            json,
        }),
        Command::Templates {
            files,
            limit,
            all,
            json,
        } => cmd_timeline::run_templates(&files, limit, all, json),
        Command::Analyze { files, json } => analyze(&files, json),
    }
}

fn analyze(paths: &[String], json: bool) -> ExitCode {
    let (ds, failed) = input::read_all(paths);
    let summaries: Vec<FileSummary> = ds.summaries();
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&summaries).expect("summaries serialize")
        );
    } else {
        for s in &summaries {
            print!("{}", s.render_text());
        }
        for b in whodunnit_core::BundleTotals::of(&summaries) {
            println!("bundle {}", b.render_text());
        }
    }
    exit_code(failed)
}

/// Non-zero when any file could not be read at all; the others are still analyzed.
fn exit_code(failed: usize) -> ExitCode {
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
