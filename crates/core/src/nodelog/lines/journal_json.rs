//! `journalctl -o json` (and `-o export`-style JSON) entries: one object per line.

use super::{Head, LineFormat, Recognizer};
use crate::json_cursor::{once, Cursor};
use memchr::memmem::Finder;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

/// `journalctl -o json` lines.
pub struct JournalJson;

impl Recognizer for JournalJson {
    fn format(&self) -> LineFormat {
        LineFormat::JournalJson
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        is_journal_json(line).then_some(Head::JournalJson)
    }
}

/// An object with journald's `__REALTIME_TIMESTAMP` field.
pub fn is_journal_json(line: &[u8]) -> bool {
    // Built once: `memmem::find` builds its searcher on every call (3% of reading a journal).
    static KEY: OnceLock<Finder<'static>> = OnceLock::new();
    line.first() == Some(&b'{')
        && KEY
            .get_or_init(|| Finder::new(b"\"__REALTIME_TIMESTAMP\""))
            .find(line)
            .is_some()
}

/// Read an entry's fields straight from the bytes (see `crate::json_cursor`); `None` where
/// serde_json is to read it: not UTF-8, a field that is not a string or `null` (byte arrays,
/// repeated fields, numbers), a duplicate or escaped key, anything malformed. Unused fields
/// are skipped by bracket matching, as the audit scanner skips bodies: checked for balanced
/// brackets and closed strings, not validated, so a line broken only inside a field we do not
/// read is read here where serde would reject it. `journal_scanner` checks that both readers
/// give the same entries on real journals.
pub fn scan_entry(line: &[u8]) -> Option<Entry<'_>> {
    let s = simdutf8::basic::from_utf8(line).ok()?;
    let mut c = Cursor::new(s);
    let mut e = Entry::default();
    let mut seen = 0u32;
    c.object(|c, key| {
        let (bit, slot) = match key {
            b"__REALTIME_TIMESTAMP" => (0, &mut e.realtime),
            b"MESSAGE" => (1, &mut e.message),
            b"SYSLOG_IDENTIFIER" => (2, &mut e.ident),
            b"_SYSTEMD_UNIT" => (3, &mut e.unit),
            b"_COMM" => (4, &mut e.comm),
            b"_HOSTNAME" => (5, &mut e.host),
            b"PRIORITY" => (6, &mut e.priority),
            _ => return c.skip_value(),
        };
        once!(seen, bit, *slot, c.opt_str()?.map(Field));
        Some(())
    })?;
    c.at_end().then_some(e)
}

/// A journal field value. journald writes strings, but fields with non-UTF-8 or control bytes
/// as arrays of byte numbers, and repeated fields as arrays of strings.
#[derive(Default, Debug, PartialEq, Eq)]
pub struct Field<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a journal field (string, number, byte array or null)")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Field(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Field(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Field(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Field(Cow::Owned(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Field(Cow::Borrowed("")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut bytes = Vec::new();
                let mut first_str: Option<String> = None;
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    match v {
                        serde_json::Value::Number(n) => {
                            bytes.push(n.as_u64().unwrap_or(b'?' as u64).min(255) as u8)
                        }
                        serde_json::Value::String(s) if first_str.is_none() => first_str = Some(s),
                        _ => {}
                    }
                }
                Ok(Field(Cow::Owned(match first_str {
                    Some(s) => s,
                    None => String::from_utf8_lossy(&bytes).into_owned(),
                })))
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields of a `journalctl -o json` entry whoknows reads; the rest are skipped unparsed.
#[derive(Deserialize, Default, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    #[serde(rename = "__REALTIME_TIMESTAMP", borrow, default)]
    pub realtime: Option<Field<'a>>,
    #[serde(rename = "MESSAGE", borrow, default)]
    pub message: Option<Field<'a>>,
    #[serde(rename = "SYSLOG_IDENTIFIER", borrow, default)]
    pub ident: Option<Field<'a>>,
    #[serde(rename = "_SYSTEMD_UNIT", borrow, default)]
    pub unit: Option<Field<'a>>,
    #[serde(rename = "_COMM", borrow, default)]
    pub comm: Option<Field<'a>>,
    #[serde(rename = "_HOSTNAME", borrow, default)]
    pub host: Option<Field<'a>>,
    #[serde(rename = "PRIORITY", borrow, default)]
    pub priority: Option<Field<'a>>,
}

impl Entry<'_> {
    /// The component name: the syslog identifier, else the unit without `.service`, else comm.
    pub fn component(&self) -> &str {
        let raw = self
            .ident
            .as_ref()
            .map(|f| f.0.as_ref())
            .filter(|s| !s.is_empty())
            .or_else(|| self.unit.as_ref().map(|f| f.0.trim_end_matches(".service")))
            .or_else(|| self.comm.as_ref().map(|f| f.0.as_ref()))
            .unwrap_or("journal");
        normalize_component(raw)
    }
}

/// Collapse wrapper names onto the component they run (`kubenswrapper` is OpenShift's
/// kubelet; `hyperkube` and `kubelet-wrapper` ran kubelet on older distros).
pub fn normalize_component(raw: &str) -> &str {
    match raw {
        "kubenswrapper" | "kubelet-wrapper" | "hyperkube" => "kubelet",
        "dockerd-current" | "docker" => "dockerd",
        "crio" | "cri-o" => "crio",
        s => s,
    }
}
