//! Audit requests as CSV: a query result over the Parquet export's `audit_requests` table
//! (docs/schema.md), written with a header by DuckDB (`COPY … TO 'x.csv' (HEADER)`) or Spark
//! (`df.write.option("header", true).csv(…)`), read back into the same store as an audit log so
//! the API cost view shows it (one user's requests over a month, say).
//!
//! Columns are found by name and any subset will do: what is missing is unknown (no
//! `latency_us` and no `received_us`: the requests are untimed). The query flags
//! (`resource_version`, `list_limit`, `continue_token`, …) give back the LIST class, so LIST
//! sources are decided as for the original log (annotation evidence when `latency_annotations`
//! is there, else the apiserver version's rules: a subset without control-plane requests needs
//! the version set). Fields are RFC 4180 (quoted when they hold commas, quotes or newlines).

use super::store::*;
use crate::diag::DiagKind;
use crate::lines::LineAt;
use crate::parse::ParseCx;
use crate::time::{parse_rfc3339, Micros, NO_TIME};

/// Columns that make a header ours: a user and a verb, and a time.
const NEEDED: [&str; 2] = ["username", "verb"];
const TIMES: [&str; 4] = ["start_us", "received_us", "received", "start"];

/// Whether `line` is the header of an `audit_requests` CSV.
pub fn is_header(line: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(line) else {
        return false;
    };
    let Some(cols) = split(s.trim_end_matches('\r')) else {
        return false;
    };
    let has = |n: &str| cols.iter().any(|c| c == n);
    NEEDED.iter().all(|n| has(n)) && TIMES.iter().any(|n| has(n))
}

/// Split one CSV record into fields; `None` while a quoted field is still open (it continues on
/// the next line).
fn split(s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
            at_start = true;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return None;
    }
    out.push(cur);
    Some(out)
}

/// Reads the rows after the header into a [`Data`].
pub struct Reader {
    cols: Vec<String>,
    data: Data,
    /// A record whose quoted field spans lines: its text so far and where it started.
    pending: Option<(String, LineAt)>,
}

/// A field of the current row by column name (`None`: no such column, or empty = NULL).
struct Row<'a> {
    cols: &'a [String],
    f: &'a [String],
}

impl<'a> Row<'a> {
    fn get(&self, name: &str) -> Option<&'a str> {
        let i = self.cols.iter().position(|c| c == name)?;
        self.f.get(i).map(String::as_str).filter(|s| !s.is_empty())
    }
    fn int(&self, name: &str) -> Result<Option<i64>, String> {
        match self.get(name) {
            None => Ok(None),
            Some(s) => s
                .trim()
                .parse::<i64>()
                .map(Some)
                .map_err(|_| format!("column {name}: {s:?} is not an integer")),
        }
    }
    fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name)?.trim() {
            "true" | "True" | "TRUE" | "1" | "t" => Some(true),
            _ => Some(false),
        }
    }
    /// A time: the µs column, else the timestamp text (`2026-11-30 03:31:47.373455+00` from
    /// DuckDB, `2026-11-30T03:31:47.373Z` from Spark).
    fn time(&self, us: &str, text: &str) -> Result<Micros, String> {
        if let Some(t) = self.int(us)? {
            return Ok(t);
        }
        let Some(s) = self.get(text) else {
            return Ok(NO_TIME);
        };
        let mut t = s.trim().replacen(' ', "T", 1);
        if t.ends_with("+00") {
            t.push_str(":00");
        } else if !t.ends_with('Z') && !t[10..].contains(['+', '-']) {
            t.push('Z');
        }
        parse_rfc3339(&t).ok_or_else(|| format!("column {text}: {s:?} is not a time"))
    }
}

impl Reader {
    /// A reader for the columns of `header`.
    pub fn new(header: &[u8]) -> Self {
        let s = String::from_utf8_lossy(header);
        let cols = split(s.trim_end_matches('\r')).unwrap_or_default();
        let mut data = Data::default();
        data.strings.intern("");
        Self {
            cols: cols.into_iter().map(|c| c.trim().to_string()).collect(),
            data,
            pending: None,
        }
    }

    /// One line after the header.
    pub fn line(&mut self, line: &[u8], at: LineAt, cx: &mut ParseCx<'_>) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end_matches('\r');
        let (record, start) = match self.pending.take() {
            Some((mut s, start)) => {
                s.push('\n');
                s.push_str(text);
                (s, start)
            }
            None if text.trim().is_empty() => return,
            None => (text.to_string(), at),
        };
        let Some(fields) = split(&record) else {
            self.pending = Some((record, start));
            return;
        };
        let len = at.offset + line.len() as u64 - start.offset;
        if fields.len() != self.cols.len() {
            cx.diags.skip(
                start.line,
                start.offset,
                DiagKind::Malformed,
                format!(
                    "CSV row has {} fields, the header {}",
                    fields.len(),
                    self.cols.len()
                ),
            );
            return;
        }
        let cols = std::mem::take(&mut self.cols);
        let row = Row {
            cols: &cols,
            f: &fields,
        };
        let pushed = self.push(&row, start, len);
        self.cols = cols;
        match pushed {
            Ok(()) => *cx.records += 1,
            Err(why) => cx
                .diags
                .skip(start.line, start.offset, DiagKind::Malformed, why),
        }
    }

    fn sym(&mut self, s: Option<&str>) -> Sym {
        match s {
            Some(s) if !s.is_empty() => self.data.strings.intern(s),
            _ => 0,
        }
    }

    fn push(&mut self, row: &Row<'_>, at: LineAt, len: u64) -> Result<(), String> {
        let mut received = row.time("received_us", "received")?;
        let done = row.time("completed_us", "completed")?;
        if received == NO_TIME && done == NO_TIME {
            // Only the start is there (`start_us`): the request is dated but untimed.
            received = row.time("start_us", "start")?;
        }
        let mut flags: Flags = 0;
        match row.get("stages") {
            Some(st) => {
                for (name, bit) in [
                    ("RequestReceived", F_RECEIVED),
                    ("ResponseStarted", F_STARTED),
                    ("ResponseComplete", F_COMPLETE),
                    ("Panic", F_PANIC),
                ] {
                    if st.split(',').any(|s| s.trim() == name) {
                        flags |= bit;
                    }
                }
            }
            None => {
                if row.flag("finished").unwrap_or(done != NO_TIME) {
                    flags |= F_COMPLETE;
                }
            }
        }
        let set = |flags: &mut Flags, on: Option<bool>, bit: Flags| {
            if on == Some(true) {
                *flags |= bit;
            }
        };
        set(&mut flags, row.flag("long_running"), F_LONG_RUNNING);
        set(&mut flags, row.flag("non_resource"), F_NON_RESOURCE);
        set(&mut flags, row.flag("continue_token"), F_CONTINUE);
        set(&mut flags, row.flag("label_selector"), F_LABEL_SELECTOR);
        set(&mut flags, row.flag("field_selector"), F_FIELD_SELECTOR);
        set(&mut flags, row.flag("watch_param"), F_WATCH_PARAM);
        set(&mut flags, row.flag("follow"), F_FOLLOW);
        match row.get("resource_version").map(str::trim) {
            Some("0") => flags |= F_RV | F_RV_ZERO,
            Some("set") => flags |= F_RV,
            Some(_) => {}
            // No URI in the original log, or no such column: the class is unknown.
            None => flags |= F_NO_URI,
        }
        if row.flag("has_uri") == Some(false) {
            flags |= F_NO_URI;
        }
        match row.get("resource_version_match").map(str::trim) {
            Some("Exact") => flags |= F_RVM_EXACT,
            Some("NotOlderThan") => flags |= F_RVM_NOT_OLDER,
            _ => {}
        }
        let limit = row
            .int("list_limit")?
            .unwrap_or(0)
            .clamp(0, u32::MAX as i64) as u32;
        if limit > 0 {
            flags |= F_LIMIT;
        }
        let code = row.int("code")?.unwrap_or(0).clamp(0, u16::MAX as i64) as u16;
        let groups: Vec<Sym> = list_items(row.get("user_groups"))
            .into_iter()
            .map(|g| self.sym(Some(g)))
            .collect();
        let g = match self.data.groupsets.iter().position(|x| *x == groups) {
            Some(i) => i as u32,
            None => {
                self.data.groupsets.push(groups);
                self.data.groupsets.len() as u32 - 1
            }
        };
        let req = self.data.requests.len() as u32;
        for (k, us) in map_items(row.get("latency_annotations"))? {
            let key = self.sym(Some(k));
            self.data.latency_parts.push(LatencyPart {
                req,
                key,
                micros: us,
            });
        }
        let s: Vec<Sym> = [
            "username",
            "impersonated_user",
            "user_agent",
            "source_ip",
            "verb",
            "resource",
            "subresource",
            "api_group",
            "namespace",
            "name",
            "apf_priority_level",
            "apf_flow_schema",
            "apiserver",
        ]
        .iter()
        .map(|c| {
            let v = row.get(c);
            self.sym(v)
        })
        .collect();
        let r = &mut self.data.requests;
        r.received.push(received);
        r.done.push(if flags & (F_COMPLETE | F_PANIC) != 0 {
            done
        } else {
            NO_TIME
        });
        r.user.push(s[0]);
        r.groups.push(g);
        r.impersonated.push(s[1]);
        r.user_agent.push(s[2]);
        r.source_ip.push(s[3]);
        r.verb.push(s[4]);
        r.resource.push(s[5]);
        r.subresource.push(s[6]);
        r.api_group.push(s[7]);
        r.namespace.push(s[8]);
        r.name.push(s[9]);
        r.code.push(code);
        r.flags.push(flags);
        r.limit.push(limit);
        r.apf_pl.push(s[10]);
        r.apf_fs.push(s[11]);
        r.apiserver.push(s[12]);
        r.line.push(at.line.min(u32::MAX as u64) as u32);
        r.offset.push(at.offset);
        r.len.push(len.min(u32::MAX as u64) as u32);
        Ok(())
    }

    /// The store; a record left open by a quote that never closed is reported.
    pub fn finish(mut self, cx: &mut ParseCx<'_>) -> Data {
        if let Some((_, at)) = self.pending.take() {
            cx.diags.skip(
                at.line,
                at.offset,
                DiagKind::Truncated,
                "CSV record with a quoted field that never closes",
            );
        }
        self.data
            .stages
            .insert("(CSV rows)".into(), self.data.requests.len() as u64);
        self.data
    }
}

/// Items of a list written as text: `[a, b]` (DuckDB) or `a,b`.
fn list_items(s: Option<&str>) -> Vec<&str> {
    let Some(s) = s else { return Vec::new() };
    let s = s.trim();
    let s = s
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(s);
    s.split(',')
        .map(|x| x.trim().trim_matches(['\'', '"']))
        .filter(|x| !x.is_empty())
        .collect()
}

/// Entries of a map written as text: `{etcd=301000, total=402000}` (DuckDB) or JSON
/// `{"etcd":301000}` (Spark's `to_json`).
fn map_items(s: Option<&str>) -> Result<Vec<(&str, i64)>, String> {
    let Some(s) = s else { return Ok(Vec::new()) };
    let inner = s
        .trim()
        .strip_prefix('{')
        .and_then(|x| x.strip_suffix('}'))
        .ok_or_else(|| format!("column latency_annotations: {s:?} is not a map"))?;
    let mut out = Vec::new();
    for kv in inner.split(',').filter(|x| !x.trim().is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .or_else(|| kv.split_once(':'))
            .ok_or_else(|| format!("column latency_annotations: {kv:?} is not key=value"))?;
        let v: i64 = v
            .trim()
            .parse()
            .map_err(|_| format!("column latency_annotations: {v:?} is not an integer"))?;
        out.push((k.trim().trim_matches('"'), v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_quotes_and_continuations() {
        assert_eq!(
            split(r#"a,"b,c","d""e",,f"#).unwrap(),
            ["a", "b,c", "d\"e", "", "f"]
        );
        assert_eq!(split("\"open"), None);
        assert_eq!(
            list_items(Some("[system:masters, system:authenticated]")),
            ["system:masters", "system:authenticated"]
        );
        assert_eq!(
            map_items(Some("{etcd=301000, total=402000}")).unwrap(),
            [("etcd", 301000), ("total", 402000)]
        );
        assert_eq!(map_items(Some(r#"{"etcd":5}"#)).unwrap(), [("etcd", 5)]);
        assert!(is_header(b"start_us,username,verb,resource"));
        assert!(!is_header(b"time,level,msg"));
    }
}
