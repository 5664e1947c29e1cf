//! klog/zap JSON lines (`{"ts":1580306777.047,"msg":"…"}`) and other JSON logs with a message
//! and a time or level.

use super::{Head, LineFormat, Recognizer};
use crate::event::Severity;
use crate::nodelog::payload::level_word;
use crate::nodelog::stamp;
use crate::time::Micros;
use memchr::memmem::find;

/// JSON log lines (neither journald's nor Docker's objects).
pub struct JsonLogLine;

impl Recognizer for JsonLogLine {
    fn format(&self) -> LineFormat {
        LineFormat::JsonLog
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        (line.first() == Some(&b'{')
            && find(line, b"\"msg\"").is_some()
            && (find(line, b"\"ts\"").is_some() || find(line, b"\"level\"").is_some())
            && !super::journal_json::is_journal_json(line)
            && !super::docker::is_docker_json(line))
        .then_some(Head::JsonLog)
    }
}

/// klog / zap / generic JSON log line fields.
#[derive(serde::Deserialize, Default)]
pub struct JsonLog<'a> {
    #[serde(default)]
    pub ts: Option<serde_json::Value>,
    #[serde(default)]
    pub time: Option<&'a str>,
    #[serde(default, borrow)]
    pub msg: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    pub message: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    pub level: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    pub err: Option<serde::de::IgnoredAny>,
}

impl JsonLog<'_> {
    /// Time: numeric `ts` (epoch s or ms), string `ts`/`time` (RFC 3339).
    pub fn when(&self) -> Option<Micros> {
        match &self.ts {
            Some(serde_json::Value::Number(n)) => n.as_f64().and_then(stamp::epoch_number),
            Some(serde_json::Value::String(s)) => stamp::iso(s.as_bytes()).map(|t| t.0),
            _ => self
                .time
                .and_then(|s| stamp::iso(s.as_bytes()).map(|t| t.0)),
        }
    }

    pub fn sev(&self) -> Severity {
        if let Some(l) = self.level.as_deref().and_then(|l| level_word(l.as_bytes())) {
            return l;
        }
        if self.err.is_some() {
            Severity::Error
        } else {
            Severity::Info
        }
    }

    pub fn text(&self) -> &str {
        self.msg
            .as_deref()
            .or(self.message.as_deref())
            .unwrap_or("")
    }
}
