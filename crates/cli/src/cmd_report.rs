//! `whodunnit report`: write one self-contained HTML file with the app and the analysis, to
//! share offline (see `whodunnit_core::report`).

use crate::disk::Disk;
use crate::input;
use clap::Args;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};
use whodunnit_core::findings::read_texts;
use whodunnit_core::report::{self, Assets, ExportOptions, ReportState};

include!(concat!(env!("OUT_DIR"), "/app_assets.rs"));

/// The built web app's files, embedded by build.rs.
pub struct AppFiles {
    app_js: &'static [u8],
    app_wasm: &'static [u8],
    worker_js: &'static [u8],
    worker_wasm: &'static [u8],
    css: &'static str,
}

/// Arguments of `whodunnit report`.
#[derive(Args)]
pub struct ReportArgs {
    /// Files to analyze (any format, .gz too; a whodunnit report re-opens its analysis).
    #[arg(required = true)]
    files: Vec<String>,
    /// Where to write the HTML report.
    #[arg(short, long)]
    output: String,
    /// Replace usernames, service accounts, IPs, node names and namespaces with pseudonyms.
    #[arg(long)]
    redact: bool,
    /// Embed this file's raw lines so the report's detail views can show them (repeatable;
    /// not with --redact).
    #[arg(long = "raw", value_name = "FILE")]
    raw: Vec<String>,
}

/// Run the command.
pub fn run(a: ReportArgs) -> ExitCode {
    let Some(app) = APP else {
        eprintln!(
            "whodunnit: report: this binary was built without the web app (looked in {LOOKED_IN}). \
             Run `trunk build --release` at the repository root, then rebuild the CLI (`cargo build --release -p whodunnit`)."
        );
        return ExitCode::from(2);
    };
    let (mut ds, failed) = input::read_all(&a.files);
    let mut include = Vec::new();
    for r in &a.raw {
        match ds.files.iter().position(|f| &f.meta.name == r) {
            Some(i) => include.push(i),
            None => {
                eprintln!("whodunnit: report: --raw {r}: not among the files given");
                return ExitCode::from(2);
            }
        }
    }
    // The lines the findings quote, read while the files are known by their paths: the report
    // carries them, so its findings show the same evidence as `whodunnit findings`.
    let texts = read_texts(&ds, &Disk::new(&ds));
    let originals = ds.files.clone();
    // Reports name files as the app does, by file name: a local path can carry a username.
    // Members keep their path inside the bundle, named by the bundle's file name.
    let base = |p: &str| {
        Path::new(p)
            .file_name()
            .map_or_else(|| p.to_string(), |b| b.to_string_lossy().into_owned())
    };
    for f in &mut ds.files {
        match f.source.as_mut() {
            Some(s) if s.bundle.is_some() => {
                let b = base(s.bundle.as_deref().unwrap_or_default());
                f.meta.name = whodunnit_core::Source::display_name(&b, &s.path);
                s.bundle = Some(b);
            }
            _ => f.meta.name = base(&f.meta.name),
        }
    }
    let opts = ExportOptions {
        redact: a.redact,
        salt: salt(),
        include_raw: include,
        created: now_rfc3339(),
        texts,
    };
    // Raw bytes of a file as it was read (a member's own bytes, out of its archive).
    let raw = |i: usize| -> Option<Vec<u8>> {
        let f = &originals[i];
        let mut whole = f.clone();
        whole.gzip = false;
        crate::disk::read_ranges(&whole, &[(0, u64::MAX)])?.pop()
    };
    let state = match ReportState::new(&ds, &opts, raw) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("whodunnit: report: {e}");
            return ExitCode::from(2);
        }
    };
    let assets = Assets {
        app_js: app.app_js.to_vec(),
        app_wasm: app.app_wasm.to_vec(),
        worker_js: app.worker_js.to_vec(),
        worker_wasm: app.worker_wasm.to_vec(),
        css: app.css.to_string(),
    };
    let html = report::build_html(&assets, &state);
    if let Err(e) = std::fs::write(&a.output, &html) {
        eprintln!("whodunnit: report: cannot write {}: {e}", a.output);
        return ExitCode::from(1);
    }
    let records: u64 = state.files.iter().map(|f| f.records).sum();
    eprintln!(
        "wrote {} ({} bytes): {} files, {records} records{}{}",
        a.output,
        html.len(),
        state.files.len(),
        if a.redact { ", redacted" } else { "" },
        if state.raw.is_empty() {
            String::new()
        } else {
            format!(", raw lines of {} files", state.raw.len())
        }
    );
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A fresh salt per report: std's RandomState is seeded from the OS's randomness.
fn salt() -> Vec<u8> {
    (0..4)
        .flat_map(|i| {
            let mut h = RandomState::new().build_hasher();
            h.write_u32(i);
            h.finish().to_le_bytes()
        })
        .collect()
}

fn now_rfc3339() -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0);
    // Whole seconds: the banner needs no more.
    whodunnit_core::time::fmt_micros(micros - micros % 1_000_000).replace(".000000", "")
}
