//! `whodunnit findings FILE… [--json]`: the known incident patterns found across all files,
//! most severe first, each with its evidence.

use crate::disk::Disk;
use crate::input;
use std::fmt::Write as _;
use std::process::ExitCode;
use whodunnit_core::findings::{detect_with, EvidenceKind, FindingsReport};
use whodunnit_core::nodelog::resolve_years;

/// Run the subcommand.
pub fn run(paths: &[String], json: bool) -> ExitCode {
    let (mut ds, failed) = input::read_all(paths);
    resolve_years(&mut ds);
    let disk = Disk::new(&ds);
    let rep = detect_with(&ds, &disk);
    let out = if json {
        let mut j = serde_json::to_string_pretty(&rep).expect("report serializes");
        j.push('\n');
        j
    } else {
        render_text(&rep)
    };
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The report as text: one block per finding, then what each detector could not see.
pub fn render_text(rep: &FindingsReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} finding(s) in {} file(s)\n",
        rep.findings.len(),
        rep.files
    );
    for f in &rep.findings {
        let span = match (f.from_text.is_empty(), f.to_text.is_empty()) {
            (false, false) => format!("{} → {} ({})", f.from_text, f.to_text, f.duration_text),
            _ => "time unknown".to_string(),
        };
        let _ = writeln!(s, "[{}] {} — {}", f.severity.label(), f.title, f.id);
        let _ = writeln!(s, "  {span}");
        let _ = writeln!(s, "  {}", f.summary);
        for e in &f.evidence {
            let at = match &e.kind {
                EvidenceKind::Event {
                    file_name, line, ..
                } => format!("{file_name}:{line}"),
                EvidenceKind::Requests {
                    filters,
                    since,
                    until,
                } => {
                    let f: Vec<String> = filters
                        .iter()
                        .map(|(g, v)| format!("{}={v}", g.label()))
                        .collect();
                    format!(
                        "audit requests [{}] {}",
                        f.join(", "),
                        match (since, until) {
                            (Some(a), Some(b)) => format!(
                                "{} → {}",
                                whodunnit_core::time::fmt_micros(*a),
                                whodunnit_core::time::fmt_micros(*b)
                            ),
                            _ => String::new(),
                        }
                    )
                }
                EvidenceKind::LockGroup {
                    file,
                    snapshot,
                    lock,
                } => format!("goroutines: file {file} snapshot {snapshot} lock {lock}"),
                EvidenceKind::Window { .. } => "timeline window".to_string(),
            };
            let _ = writeln!(s, "    - {} {} ({at})", e.time_text, e.label);
        }
        for m in &f.missing {
            let _ = writeln!(s, "    missing: {m}");
        }
        s.push('\n');
    }
    let mut quiet = Vec::new();
    for d in &rep.detectors {
        if d.findings == 0 {
            let why = if d.had_input {
                "nothing found".to_string()
            } else {
                format!("could not look: needs {}", d.missing.join("; "))
            };
            quiet.push(format!("  {}: {why}", d.title));
        }
    }
    if !quiet.is_empty() {
        let _ = writeln!(s, "Detectors without findings:\n{}", quiet.join("\n"));
    }
    s
}
