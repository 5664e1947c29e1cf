//! The `templates` report: the most frequent message templates across the dataset's node logs,
//! so the top noise is visible next to the classified events.

use crate::dataset::Dataset;
use crate::format::FormatData;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// What to list.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct TemplatesQuery {
    /// Most rows returned (0 = all).
    pub limit: usize,
    /// Include templates of classified entries (default: only unclassified `log*` entries).
    pub include_classified: bool,
    /// Only these files (indices into `Dataset::files`); empty = all.
    pub files: Vec<usize>,
}

impl Default for TemplatesQuery {
    fn default() -> Self {
        TemplatesQuery {
            limit: 50,
            include_classified: false,
            files: Vec::new(),
        }
    }
}

/// One template row, merged across files by identical text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRow {
    pub template: String,
    pub count: u64,
    /// Event kind (`log` when unclassified).
    pub kind: String,
    /// Share of the listed entries, in percent, display-ready (`12.5%`).
    pub share: String,
    /// Files it occurs in (names).
    pub files: Vec<String>,
    /// Where the first example is: file index, file name, 1-based line, byte offset.
    pub example_file: usize,
    pub example_file_name: String,
    pub example_line: u64,
    pub example_offset: u64,
}

/// Top templates; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatesReport {
    pub rows: Vec<TemplateRow>,
    /// Distinct templates before the limit.
    pub distinct: usize,
    /// Entries counted (of the selected kinds).
    pub entries: u64,
}

/// Whether a kind is one of the unclassified `log` kinds (`log`, `log.error` …).
pub fn is_unclassified(kind: &str) -> bool {
    kind == "log" || kind.starts_with("log.")
}

/// Build the templates report over every node-log file of `ds`.
pub fn templates_report(ds: &Dataset, q: &TemplatesQuery) -> TemplatesReport {
    let mut rows: Vec<TemplateRow> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut entries = 0u64;
    for (fi, f) in ds.files.iter().enumerate() {
        if !q.files.is_empty() && !q.files.contains(&fi) {
            continue;
        }
        let FormatData::NodeLog(d) = &f.data else {
            continue;
        };
        for t in &d.templates {
            if !q.include_classified && !is_unclassified(&t.kind) {
                continue;
            }
            entries += t.count;
            match index.get(t.text.as_str()) {
                Some(&r) => {
                    let row = &mut rows[r];
                    row.count += t.count;
                    if !row.files.contains(&f.meta.name) {
                        row.files.push(f.meta.name.clone());
                    }
                }
                None => {
                    index.insert(&t.text, rows.len());
                    rows.push(TemplateRow {
                        template: t.text.clone(),
                        count: t.count,
                        kind: t.kind.clone(),
                        share: String::new(),
                        files: vec![f.meta.name.clone()],
                        example_file: fi,
                        example_file_name: f.meta.name.clone(),
                        example_line: t.example_line,
                        example_offset: t.example_offset,
                    });
                }
            }
        }
    }
    rows.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.template.cmp(&b.template))
    });
    let distinct = rows.len();
    if q.limit > 0 {
        rows.truncate(q.limit);
    }
    for r in &mut rows {
        let pct = if entries == 0 {
            0.0
        } else {
            r.count as f64 * 100.0 / entries as f64
        };
        r.share = format!("{pct:.1}%");
    }
    TemplatesReport {
        rows,
        distinct,
        entries,
    }
}
