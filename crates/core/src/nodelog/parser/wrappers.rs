//! The lines that wrap an entry in another format: CRI container logs, journald (`-o json`
//! and the syslog-style text outputs), Docker json-file and JSON logs.

use super::{trim_start, Parser, Partial};
use crate::diag::DiagKind;
use crate::lines::LineAt;
use crate::nodelog::classes;
use crate::nodelog::lines::journal_json::{scan_entry, Entry};
use crate::nodelog::lines::journal_text::syslog_tail;
use crate::nodelog::lines::json_log::JsonLog;
use crate::nodelog::lines::LineFormat;
use crate::nodelog::payload::level_word;
use crate::nodelog::stamp::{self, Yearless};
use crate::parse::ParseCx;
use crate::time::{Micros, NO_TIME};
use serde::Deserialize;

impl Parser {
    /// A CRI line: `P` partials are joined up to the `F` line, which completes the entry.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn cri_line(
        &mut self,
        line: &[u8],
        t: Micros,
        zoned: bool,
        partial: bool,
        msg: usize,
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        self.count(LineFormat::Cri);
        self.stamped(t, zoned, cx);
        let msg = &line[msg..];
        if partial {
            match &mut self.partial {
                Some(p) => {
                    self.continuations += 1;
                    if p.buf.len() < 1 << 20 {
                        p.buf.extend_from_slice(msg);
                    }
                }
                None => {
                    self.partial = Some(Partial {
                        line: at.line,
                        offset: at.offset,
                        time: t,
                        buf: msg.to_vec(),
                    })
                }
            }
            return;
        }
        if self.partial.is_none() && self.continues_stamped(t, msg) {
            self.extend(cx, line, at, end);
            return;
        }
        let lane = self.take_lane(Some(LineFormat::Cri));
        self.utc_wrapper = zoned;
        match self.partial.take() {
            Some(mut p) => {
                self.continuations += 1;
                p.buf.extend_from_slice(msg);
                let first = LineAt {
                    line: p.line,
                    offset: p.offset,
                };
                self.entry_with_inner(
                    cx,
                    first,
                    end - p.offset,
                    p.time,
                    false,
                    None,
                    &lane,
                    &p.buf,
                    &p.buf,
                );
            }
            None => {
                self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, msg, msg);
                self.stamped_record(t, msg);
            }
        }
        self.utc_wrapper = false;
        self.put_lane(Some(LineFormat::Cri), lane);
    }

    pub(super) fn syslog_line(
        &mut self,
        line: &[u8],
        y: Yearless,
        i: usize,
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        self.count(LineFormat::Syslog);
        if self.journal_utc.is_none() {
            self.zone_assumed = true;
        }
        let (t, prov) = self.years.date(&y);
        match syslog_tail(line, i) {
            Some((host, ident, m)) => {
                let lane = self.lane_for(host, ident);
                let msg = &line[m..];
                self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, msg, msg);
            }
            None => {
                let msg = trim_start(&line[i..]);
                let lane = self.take_lane(Some(LineFormat::Syslog));
                self.entry_with_inner(cx, at, end - at.offset, t, prov, None, &lane, msg, msg);
                self.put_lane(Some(LineFormat::Syslog), lane);
            }
        }
    }

    /// A JSON line of `format` (`None`: JSON no recognizer claimed).
    pub(super) fn json(
        &mut self,
        format: Option<LineFormat>,
        line: &[u8],
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        self.utc_wrapper = true;
        self.json_inner(format, line, at, end, cx);
        self.utc_wrapper = false;
    }

    fn json_inner(
        &mut self,
        format: Option<LineFormat>,
        line: &[u8],
        at: LineAt,
        end: u64,
        cx: &mut ParseCx<'_>,
    ) {
        match format {
            Some(LineFormat::JournalJson) => {
                self.count(LineFormat::JournalJson);
                let e: Entry =
                    match scan_entry(line).map_or_else(|| serde_json::from_slice(line), Ok) {
                        Ok(e) => e,
                        Err(err) => return self.bad_json(at, err, cx),
                    };
                let t = e
                    .realtime
                    .as_ref()
                    .and_then(|f| f.0.trim().parse::<i64>().ok())
                    .unwrap_or(NO_TIME);
                let host = e.host.as_ref().map_or("", |f| f.0.as_ref());
                let lane = self.lane_for(host.as_bytes(), e.component().as_bytes());
                let prio = e.priority.as_ref().and_then(|f| level_word(f.0.as_bytes()));
                let msg = e.message.as_ref().map_or("", |f| f.0.as_ref()).as_bytes();
                self.entry_with_inner(cx, at, end - at.offset, t, false, prio, &lane, msg, msg);
            }
            Some(LineFormat::DockerJson) => {
                self.count(LineFormat::DockerJson);
                #[derive(Deserialize)]
                struct Docker<'a> {
                    #[serde(borrow)]
                    log: std::borrow::Cow<'a, str>,
                    #[serde(default)]
                    time: Option<&'a str>,
                }
                let d: Docker = match serde_json::from_slice(line) {
                    Ok(d) => d,
                    Err(err) => return self.bad_json(at, err, cx),
                };
                let t = d
                    .time
                    .and_then(|s| stamp::iso(s.as_bytes()))
                    .map_or(NO_TIME, |x| x.0);
                if t != NO_TIME {
                    self.anchor_from(t, cx);
                }
                let msg = d.log.trim_end_matches(['\n', '\r']).as_bytes();
                let lane = self.take_lane(Some(LineFormat::DockerJson));
                self.entry_with_inner(cx, at, end - at.offset, t, false, None, &lane, msg, msg);
                self.put_lane(Some(LineFormat::DockerJson), lane);
            }
            _ => {
                let j: JsonLog = match serde_json::from_slice(line) {
                    Ok(j) => j,
                    Err(err) => return self.bad_json(at, err, cx),
                };
                if j.msg.is_none() && j.message.is_none() {
                    return self.orphan(line, at, end, cx);
                }
                self.count(LineFormat::JsonLog);
                let t = j.when().unwrap_or(self.cur_time);
                if t != NO_TIME {
                    self.anchor_from(t, cx);
                }
                let text = j.text().as_bytes().to_vec();
                let sev = j.sev();
                let lane = self.take_lane(Some(LineFormat::JsonLog));
                self.entry(
                    cx,
                    at,
                    end - at.offset,
                    t,
                    false,
                    sev,
                    &lane,
                    classes::classify(line),
                    line,
                    &text,
                    false,
                );
                self.put_lane(Some(LineFormat::JsonLog), lane);
            }
        }
    }

    fn bad_json(&mut self, at: LineAt, err: serde_json::Error, cx: &mut ParseCx<'_>) {
        cx.diags.skip(
            at.line,
            at.offset,
            DiagKind::BadJson,
            format!("unreadable JSON log line: {err}"),
        );
    }
}
