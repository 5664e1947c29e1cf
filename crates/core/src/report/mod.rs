//! Offline shareable reports: one self-contained HTML file holding the app and its analysis.
//!
//! ```text
//! Dataset ─▶ [redact] ─▶ ReportState ─▶ JSON ─▶ gzip ─▶ base64 ─▶ <script type="application/x-whodunnit-report">
//!                                                                  + inlined app/worker (html.rs)
//! ```
//! The state is the core's own [`Dataset`] (summaries, events, per-format data), so a report
//! answers every view's query with the numbers the live app showed. Raw log text is not in the
//! dataset; it travels only for files the user opted in ([`RawFile`]).
//!
//! Versioning: [`SCHEMA`] is bumped whenever the serialized shape of [`ReportState`] or of
//! anything inside [`Dataset`] changes incompatibly. Optional fields added with a default are
//! compatible both ways and keep the number: `ParsedFile::source` (bundle members) is absent
//! from older reports (read as `None`) and ignored by older builds (which then cannot re-read a
//! member's raw lines, nothing else). [`extract`] reads reports from
//! [`MIN_SCHEMA`]..=[`SCHEMA`] and rejects others with a message naming both versions.
//! The core does no I/O and reads no clock: the caller supplies the creation time and the salt.

pub mod html;
pub mod redact;

pub use html::{build_html, build_html_encoded, Assets, EncodedAssets};

use crate::dataset::Dataset;
use crate::findings::TextPiece;
use crate::ingest::ParsedFile;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

/// The `format` tag of every report state.
pub const FORMAT: &str = "whodunnit-report";
/// The state layout this build writes.
pub const SCHEMA: u32 = 1;
/// The oldest state layout this build still reads.
pub const MIN_SCHEMA: u32 = 1;
/// MIME type of the `<script>` element that carries the state; also how reports are recognized.
pub const STATE_MIME: &str = "application/x-whodunnit-report";
/// `id` of the state element.
pub const STATE_ID: &str = "whodunnit-state";

/// A source file as the report's banner names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// File name (pseudonymized when the report is redacted).
    pub name: String,
    /// Bytes read (compressed size for `.gz`).
    pub size: u64,
    /// Format label, e.g. `Kubernetes audit log`.
    pub format: String,
    /// Records read.
    pub records: u64,
    /// Whether the file's raw bytes are embedded, so detail views can show its lines.
    pub raw_included: bool,
}

/// What the user chose to put in the report. The redaction salt is deliberately not here:
/// written into the file it would let anyone confirm a guessed original value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Usernames, service accounts, IPs, node names and namespaces were replaced by pseudonyms.
    pub redact: bool,
    /// Names of the files whose raw bytes are embedded.
    pub include_raw: Vec<String>,
}

/// The raw bytes of one source file, for detail views inside the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawFile {
    /// Index into `dataset.files`.
    pub file: u32,
    /// The file's bytes exactly as read (gzip files stay gzip), gzipped again and base64-encoded.
    pub gz_b64: String,
}

/// Everything a report carries besides the app itself; see the module docs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReportState {
    /// Always [`FORMAT`].
    pub format: String,
    /// Layout version, [`SCHEMA`] when written by this build.
    pub schema: u32,
    /// whodunnit version that wrote the report.
    pub app_version: String,
    /// Creation time, RFC 3339, as given by the caller.
    pub created: String,
    /// The files the analysis was made from, parallel to `dataset.files`.
    pub files: Vec<SourceFile>,
    pub options: ReportOptions,
    /// The analysis itself (redacted when `options.redact`).
    pub dataset: Dataset,
    /// Raw bytes of the opted-in files.
    #[serde(default)]
    pub raw: Vec<RawFile>,
    /// The lines the findings quote (redacted with the dataset), so a report shows the same
    /// evidence as the app that wrote it without carrying whole files. Added within schema 1:
    /// older reports simply have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<TextPiece>,
}

/// The report's banner: what a reader sees about where the analysis came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInfo {
    /// whodunnit version that wrote the report.
    pub app_version: String,
    /// Report layout version.
    pub schema: u32,
    /// Creation time, RFC 3339.
    pub created: String,
    /// The files the analysis was made from.
    pub files: Vec<SourceFile>,
    /// Whether names and addresses are pseudonyms.
    pub redacted: bool,
}

/// Inputs of [`ReportState::new`] besides the dataset.
#[derive(Clone, Debug, Default)]
pub struct ExportOptions {
    /// Replace sensitive values by pseudonyms (see [`redact`]).
    pub redact: bool,
    /// Per-report secret for pseudonyms; pick it at random for every report.
    pub salt: Vec<u8>,
    /// Files (indices into `dataset.files`) whose raw bytes to embed.
    pub include_raw: Vec<usize>,
    /// RFC 3339 creation time.
    pub created: String,
    /// The lines the findings quote, as read by the caller ([`crate::findings::read_texts`]
    /// natively; the worker's read-and-ask loop in the browser).
    pub texts: Vec<TextPiece>,
}

impl ReportState {
    /// Build the state from a dataset. `raw(i)` returns the bytes of `dataset.files[i]` for
    /// files listed in `include_raw`. Fails when raw lines are requested together with
    /// redaction (raw text would carry every original value), or when a requested file is
    /// not in the dataset or has no bytes.
    pub fn new(
        dataset: &Dataset,
        opts: &ExportOptions,
        mut raw: impl FnMut(usize) -> Option<Vec<u8>>,
    ) -> Result<ReportState, String> {
        if opts.redact && !opts.include_raw.is_empty() {
            return Err(
                "raw lines cannot be included in a redacted report: they would carry the original names and addresses"
                    .into(),
            );
        }
        let mut raws = Vec::new();
        for &i in &opts.include_raw {
            let name = &dataset
                .files
                .get(i)
                .ok_or_else(|| format!("file #{i} is not among the report's files"))?
                .meta
                .name;
            let bytes = raw(i).ok_or_else(|| format!("{name}: raw bytes are not available"))?;
            raws.push(RawFile {
                file: i as u32,
                gz_b64: B64.encode(gzip(&bytes)),
            });
        }
        raws.sort_by_key(|r| r.file);
        raws.dedup_by_key(|r| r.file);
        let (dataset, texts) = if opts.redact {
            redact::redact_with_texts(dataset, &opts.texts, &opts.salt)?
        } else {
            (dataset.clone(), opts.texts.clone())
        };
        let files = dataset
            .files
            .iter()
            .enumerate()
            .map(|(i, f)| source_file(f, raws.iter().any(|r| r.file as usize == i)))
            .collect();
        Ok(ReportState {
            format: FORMAT.into(),
            schema: SCHEMA,
            app_version: crate::VERSION.into(),
            created: opts.created.clone(),
            files,
            options: ReportOptions {
                redact: opts.redact,
                include_raw: raws
                    .iter()
                    .map(|r| dataset.files[r.file as usize].meta.name.clone())
                    .collect(),
            },
            dataset,
            raw: raws,
            texts,
        })
    }

    /// The banner information.
    pub fn info(&self) -> ReportInfo {
        ReportInfo {
            app_version: self.app_version.clone(),
            schema: self.schema,
            created: self.created.clone(),
            files: self.files.clone(),
            redacted: self.options.redact,
        }
    }

    /// The embedded raw bytes of `dataset.files[file]`, if they were included.
    pub fn raw_bytes(&self, file: usize) -> Option<Vec<u8>> {
        let r = self.raw.iter().find(|r| r.file as usize == file)?;
        gunzip(&B64.decode(r.gz_b64.as_bytes()).ok()?).ok()
    }

    /// The state as it is written into the HTML: base64 of gzipped JSON.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("report state serializes");
        B64.encode(gzip(&json))
    }
}

fn source_file(f: &ParsedFile, raw_included: bool) -> SourceFile {
    SourceFile {
        name: f.meta.name.clone(),
        size: f.bytes_in,
        format: f.format.label().into(),
        records: f.records,
        raw_included,
    }
}

pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("writing to a Vec cannot fail");
    e.finish().expect("writing to a Vec cannot fail")
}

fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// How far into a file [`is_report`] looks.
pub const SNIFF_BYTES: usize = 64 << 10;

/// Whether the first bytes of a file are those of a whodunnit report (the generator marker sits
/// in the `<head>`, before anything large).
pub fn is_report(head: &[u8]) -> bool {
    let head = &head[..head.len().min(SNIFF_BYTES)];
    memchr::memmem::find(head, STATE_MIME.as_bytes()).is_some()
}

/// Read the state out of a report file. Errors say what is wrong in words a user can act on.
pub fn extract(html: &[u8]) -> Result<ReportState, String> {
    if !is_report(html) {
        return Err("not a whodunnit report (no report marker in the file's head)".into());
    }
    let open = format!("<script type=\"{STATE_MIME}\" id=\"{STATE_ID}\">");
    let start = memchr::memmem::find(html, open.as_bytes())
        .ok_or("this whodunnit report has no analysis state (was the file truncated or edited?)")?
        + open.len();
    let len = memchr::memmem::find(&html[start..], b"</script>")
        .ok_or("the report's analysis state is cut off (was the file truncated?)")?;
    let payload: Vec<u8> = html[start..start + len]
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    decode(&payload)
}

/// Decode the state element's text; see [`extract`].
pub fn decode(payload: &[u8]) -> Result<ReportState, String> {
    let gz = B64
        .decode(payload)
        .map_err(|e| format!("the report's analysis state is damaged (base64: {e})"))?;
    let json =
        gunzip(&gz).map_err(|e| format!("the report's analysis state is damaged (gzip: {e})"))?;
    let v: serde_json::Value = serde_json::from_slice(&json)
        .map_err(|e| format!("the report's analysis state is damaged (JSON: {e})"))?;
    if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err("not a whodunnit report state (missing format tag)".into());
    }
    let schema = v.get("schema").and_then(|s| s.as_u64()).unwrap_or(0) as u32;
    let by = v
        .get("app_version")
        .and_then(|s| s.as_str())
        .unwrap_or("an unknown version")
        .to_string();
    if schema > SCHEMA {
        return Err(format!(
            "this report was made by whodunnit {by} (report schema {schema}); this build ({}) reads up to schema {SCHEMA}: open it with whodunnit {by} or newer",
            crate::VERSION
        ));
    }
    if schema < MIN_SCHEMA {
        return Err(format!(
            "this report was made by whodunnit {by} (report schema {schema}); this build ({}) reads schemas {MIN_SCHEMA} to {SCHEMA}: re-export it from the original files",
            crate::VERSION
        ));
    }
    // Migrations from older schemas go here, as Value rewrites, once SCHEMA > MIN_SCHEMA.
    serde_json::from_value::<ReportState>(v).map_err(|e| {
        format!(
            "this report was made by whodunnit {by} (report schema {schema}) but its analysis data does not match this build ({}): {e}",
            crate::VERSION
        )
    })
}

/// A report turned back into what the app works with: see [`restore`].
pub struct Restored {
    pub info: ReportInfo,
    pub dataset: Dataset,
    /// Raw bytes per file of `dataset`, where the report carries them.
    pub raws: Vec<Option<Vec<u8>>>,
    /// The lines its findings quote (file indices into `dataset`).
    pub texts: Vec<TextPiece>,
}

/// Turn a report state back into dataset files, so a report can be re-opened to keep working.
pub fn restore(state: ReportState) -> Restored {
    let info = state.info();
    let raws: Vec<Option<Vec<u8>>> = (0..state.dataset.files.len())
        .map(|i| state.raw_bytes(i))
        .collect();
    let mut dataset = state.dataset;
    // A member's embedded raw bytes are its own: no archive to reach it through any more.
    for (f, raw) in dataset.files.iter_mut().zip(&raws) {
        if let (Some(s), Some(_)) = (f.source.as_mut(), raw) {
            s.reach.clear();
            s.holder.clear();
        }
    }
    Restored {
        info,
        dataset,
        raws,
        texts: state.texts,
    }
}
