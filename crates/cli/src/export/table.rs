//! One Parquet table on disk: columns built batch by batch ([`Cols`]), written in row groups to
//! one file per partition ([`TableWriter`]), each file stamped with the schema version.

use super::SCHEMA_VERSION;
use arrow_array::builder::{Int64Builder, ListBuilder, MapBuilder, StringBuilder};
use arrow_array::{
    ArrayRef, BooleanArray, Int32Array, Int64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray,
};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use whodunnit_core::time::{fmt_micros, Micros, NO_TIME};

/// Rows per batch handed to the writer: what the exporter holds in Arrow arrays at a time.
pub const BATCH_ROWS: usize = 64 * 1024;

/// Rows per Parquet row group: engines split work by row group (DuckDB's own are 122,880).
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The Hive convention for a NULL partition value, read as NULL by Spark and DuckDB.
pub const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The columns of one batch, in schema order. Every column is nullable: a column added by a
/// later schema version reads as NULL from older files.
#[derive(Default)]
pub struct Cols {
    cols: Vec<(&'static str, ArrayRef)>,
}

impl Cols {
    /// A text column; `None` and `""` are both written as NULL.
    pub fn str<'a>(&mut self, name: &'static str, v: impl IntoIterator<Item = Option<&'a str>>) {
        let a: StringArray = v.into_iter().map(|s| s.filter(|s| !s.is_empty())).collect();
        self.cols.push((name, Arc::new(a)));
    }

    /// A 64-bit integer column.
    pub fn i64(&mut self, name: &'static str, v: Vec<Option<i64>>) {
        self.cols.push((name, Arc::new(Int64Array::from(v))));
    }

    /// A 32-bit integer column.
    pub fn i32(&mut self, name: &'static str, v: Vec<Option<i32>>) {
        self.cols.push((name, Arc::new(Int32Array::from(v))));
    }

    /// A boolean column.
    pub fn bool(&mut self, name: &'static str, v: Vec<Option<bool>>) {
        self.cols.push((name, Arc::new(BooleanArray::from(v))));
    }

    /// A UTC timestamp column (µs); [`NO_TIME`] is written as NULL.
    pub fn time(&mut self, name: &'static str, v: impl IntoIterator<Item = Micros>) {
        let a: TimestampMicrosecondArray =
            v.into_iter().map(|t| (t != NO_TIME).then_some(t)).collect();
        self.cols.push((name, Arc::new(a.with_timezone("UTC"))));
    }

    /// µs since the epoch as a plain integer (portable arithmetic across engines); [`NO_TIME`]
    /// is written as NULL.
    pub fn micros(&mut self, name: &'static str, v: impl IntoIterator<Item = Micros>) {
        let a: Int64Array = v.into_iter().map(|t| (t != NO_TIME).then_some(t)).collect();
        self.cols.push((name, Arc::new(a)));
    }

    /// A list-of-text column.
    pub fn str_list<'a, I>(&mut self, name: &'static str, v: impl IntoIterator<Item = I>)
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut b = ListBuilder::new(StringBuilder::new());
        for row in v {
            for s in row {
                b.values().append_value(s);
            }
            b.append(true);
        }
        self.cols.push((name, Arc::new(b.finish())));
    }

    /// A map column (text → 64-bit integer).
    pub fn map_i64<'a, I>(&mut self, name: &'static str, v: impl IntoIterator<Item = I>)
    where
        I: IntoIterator<Item = (&'a str, i64)>,
    {
        let mut b = MapBuilder::new(None, StringBuilder::new(), Int64Builder::new());
        for row in v {
            for (k, x) in row {
                b.keys().append_value(k);
                b.values().append_value(x);
            }
            b.append(true).expect("keys and values appended in pairs");
        }
        self.cols.push((name, Arc::new(b.finish())));
    }

    /// The batch.
    pub fn finish(self) -> RecordBatch {
        RecordBatch::try_from_iter_with_nullable(self.cols.into_iter().map(|(n, a)| (n, a, true)))
            .expect("columns of one batch have one length")
    }
}

/// The Hive partition (`dt=2024-05-01/hour=07`) of a time; NULL values when unknown.
pub fn hour_partition(t: Micros) -> String {
    if t == NO_TIME {
        return format!("dt={NULL_PARTITION}/hour={NULL_PARTITION}");
    }
    let s = fmt_micros(t);
    format!("dt={}/hour={}", &s[..10], &s[11..13])
}

/// What a table writer wrote.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Written {
    pub table: String,
    pub rows: u64,
    pub files: u64,
    pub bytes: u64,
    pub row_groups: u64,
}

/// Writes one table: `OUT_DIR/<table>/[<partition>/]<prefix>-<n>.parquet`. Batches arrive
/// grouped by partition (the exporters sort rows by time first), so one file is open at a time
/// and memory holds one row group, whatever the input size.
pub struct TableWriter {
    dir: PathBuf,
    prefix: String,
    meta: Vec<KeyValue>,
    open: Option<(String, ArrowWriter<File>)>,
    seq: usize,
    done: Written,
}

impl TableWriter {
    /// A writer for `table` under `out`; `meta` is added to every file's key-value metadata
    /// after the schema version and table name.
    pub fn new(out: &Path, table: &str, prefix: &str, meta: &[(&str, String)]) -> Self {
        let mut kv = vec![
            KeyValue::new(
                "whodunnit.schema_version".into(),
                SCHEMA_VERSION.to_string(),
            ),
            KeyValue::new("whodunnit.table".into(), table.to_string()),
            KeyValue::new(
                "whodunnit.writer".into(),
                format!("whodunnit {}", env!("CARGO_PKG_VERSION")),
            ),
        ];
        kv.extend(
            meta.iter()
                .map(|(k, v)| KeyValue::new(format!("whodunnit.{k}"), v.clone())),
        );
        Self {
            dir: out.join(table),
            prefix: prefix.to_string(),
            meta: kv,
            open: None,
            seq: 0,
            done: Written {
                table: table.to_string(),
                ..Written::default()
            },
        }
    }

    /// Append `batch` to partition `part` (`""`: not partitioned). Starting another partition
    /// closes the file of the last one.
    pub fn write(&mut self, part: &str, batch: &RecordBatch) -> io::Result<()> {
        if self.open.as_ref().is_some_and(|(p, _)| p != part) {
            self.close_file()?;
        }
        if self.open.is_none() {
            let dir = if part.is_empty() {
                self.dir.clone()
            } else {
                self.dir.join(part)
            };
            std::fs::create_dir_all(&dir)?;
            let path = dir.join(format!("{}-{:05}.parquet", self.prefix, self.seq));
            self.seq += 1;
            let props = WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
                .set_created_by(format!("whodunnit {}", env!("CARGO_PKG_VERSION")))
                .set_key_value_metadata(Some(self.meta.clone()))
                .build();
            let w = ArrowWriter::try_new(File::create(&path)?, batch.schema(), Some(props))
                .map_err(io::Error::other)?;
            self.open = Some((part.to_string(), w));
        }
        let (_, w) = self.open.as_mut().expect("opened above");
        w.write(batch).map_err(io::Error::other)?;
        self.done.rows += batch.num_rows() as u64;
        Ok(())
    }

    fn close_file(&mut self) -> io::Result<()> {
        if let Some((_, w)) = self.open.take() {
            let md = w.close().map_err(io::Error::other)?;
            self.done.files += 1;
            self.done.row_groups += md.num_row_groups() as u64;
        }
        Ok(())
    }

    /// Close the last file. A table without rows still gets one empty file (`empty`, in
    /// partition `part`), so engines see its schema.
    pub fn finish(mut self, part: &str, empty: RecordBatch) -> io::Result<Written> {
        if self.done.files == 0 && self.open.is_none() {
            self.write(part, &empty)?;
        }
        self.close_file()?;
        self.done.bytes = dir_bytes(&self.dir, &self.prefix);
        Ok(self.done)
    }
}

/// Bytes of this writer's files under `dir` (other writers' files, e.g. a parallel export
/// into the same table, are not counted).
fn dir_bytes(dir: &Path, prefix: &str) -> u64 {
    let mut n = 0;
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            n += dir_bytes(&p, prefix);
        } else if is_ours(&p, prefix) {
            n += e.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    n
}

/// Remove the files an earlier export with this prefix wrote under `dir` (re-running an
/// export replaces them; other prefixes' files stay).
pub fn clear(dir: &Path, prefix: &str) -> io::Result<()> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            clear(&p, prefix)?;
        } else if is_ours(&p, prefix) {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

fn is_ours(p: &Path, prefix: &str) -> bool {
    p.file_name()
        .and_then(|f| f.to_str())
        .is_some_and(|f| f.starts_with(&format!("{prefix}-")) && f.ends_with(".parquet"))
}
