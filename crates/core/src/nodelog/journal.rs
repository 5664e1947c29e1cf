//! journald: `journalctl -o json` objects and the text outputs' header/marker lines.

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A journal field value. journald writes strings, but fields with non-UTF-8 or control bytes
/// as arrays of byte numbers, and repeated fields as arrays of strings.
#[derive(Default, Debug)]
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
#[derive(Deserialize, Default)]
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

/// A `journalctl` text marker line.
pub enum Marker {
    /// `-- Logs begin at Wed 2017-12-13 16:56:37 UTC, end at …. --`: year anchor (year, month)
    /// and whether the zone was UTC.
    Begin { year: i32, mon: u32, utc: bool },
    /// `-- Boot 0dc8… --` or `-- Reboot --`.
    Boot,
    /// `-- No entries --` and other markers.
    Other,
}

/// Parse a `-- … --` marker line.
pub fn marker(b: &[u8]) -> Option<Marker> {
    let rest = b.strip_prefix(b"-- ")?;
    if rest.starts_with(b"Reboot") || rest.starts_with(b"Boot ") {
        return Some(Marker::Boot);
    }
    let after = rest
        .strip_prefix(b"Logs begin at ")
        .or_else(|| rest.strip_prefix(b"Journal begins at "));
    if let Some(after) = after {
        // `Wed 2017-12-13 16:56:37 UTC, end at …`
        let date = after
            .iter()
            .position(u8::is_ascii_digit)
            .map(|i| &after[i..]);
        if let Some(d) = date {
            if let (Some(y), Some(m)) =
                (super::stamp::digits(d, 0, 4), super::stamp::digits(d, 5, 2))
            {
                let zone = d.get(20..).unwrap_or(b"");
                let utc = zone.starts_with(b"UTC") || zone.starts_with(b"GMT");
                return Some(Marker::Begin {
                    year: y as i32,
                    mon: m,
                    utc,
                });
            }
        }
    }
    b.ends_with(b"--").then_some(Marker::Other)
}

/// The `host ident[pid]: ` part after a journalctl/syslog timestamp. Returns host, identifier
/// and the index of the message.
pub fn syslog_tail(b: &[u8], mut i: usize) -> Option<(&[u8], &[u8], usize)> {
    while b.get(i) == Some(&b' ') {
        i += 1;
    }
    let hs = i;
    while i < b.len() && b[i] != b' ' {
        i += 1;
    }
    let host = &b[hs..i];
    i += 1;
    let is = i;
    // The identifier ends at `[pid]:` or `:`; it has no spaces.
    while i < b.len() && b[i] != b':' && b[i] != b'[' && b[i] != b' ' {
        i += 1;
    }
    let ident = b.get(is..i)?;
    if ident.is_empty() || host.is_empty() {
        return None;
    }
    if b.get(i) == Some(&b'[') {
        let close = memchr::memchr(b']', &b[i..])? + i;
        i = close + 1;
    }
    if b.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    if b.get(i) == Some(&b' ') {
        i += 1;
    }
    Some((host, ident, i))
}
