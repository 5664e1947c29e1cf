//! EKS control-plane audit logs from CloudWatch Logs (log group `/aws/eks/<cluster>/cluster`,
//! streams `kube-apiserver-audit-*`), where each log event's `message` is the apiserver's
//! audit Event as a JSON string:
//!
//! - `aws logs filter-log-events` / `get-log-events` output: `{"events":[{"logStreamName",
//!   "timestamp","message",…}],…}`;
//! - subscription / Firehose payloads: `{"messageType":"DATA_MESSAGE","logGroup","logStream",
//!   "logEvents":[{"id","timestamp","message"}]}` (the parser splits concatenated objects);
//! - Logs Insights JSON exports: rows `{"@timestamp","@message","@logStream","@log"}`;
//! - text: `aws logs tail` lines (`<time> <stream> <json>`) and S3 export task files
//!   (`<time> <json>`), see [`text_line`].

use super::{range_in, string_of, Body, Record};
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    events: Option<Vec<&'a RawValue>>,
    #[serde(rename = "messageType", borrow, default)]
    message_type: Option<&'a RawValue>,
    #[serde(rename = "logGroup", borrow, default)]
    log_group: Option<&'a RawValue>,
    #[serde(rename = "logStream", borrow, default)]
    log_stream: Option<&'a RawValue>,
    #[serde(rename = "logEvents", borrow, default)]
    log_events: Option<Vec<&'a RawValue>>,
    #[serde(rename = "@message", borrow, default)]
    at_message: Option<&'a RawValue>,
    #[serde(rename = "@logStream", borrow, default)]
    at_log_stream: Option<&'a RawValue>,
    #[serde(rename = "@log", borrow, default)]
    at_log: Option<&'a RawValue>,
}

/// One CloudWatch log event (an element of `events` / `logEvents`).
#[derive(Deserialize)]
struct LogEvent<'a> {
    #[serde(borrow, default)]
    message: Option<&'a RawValue>,
    #[serde(rename = "logStreamName", borrow, default)]
    log_stream_name: Option<&'a RawValue>,
}

/// The cluster of a log group `/aws/eks/<cluster>/cluster` (or of an Insights `@log`,
/// `<account>:/aws/eks/<cluster>/cluster`).
fn cluster_of(group: &str) -> Option<&str> {
    let g = group.rsplit_once(':').map_or(group, |(_, g)| g);
    let rest = g.strip_prefix("/aws/eks/")?;
    Some(rest.strip_suffix("/cluster").unwrap_or(rest))
}

fn record<'a>(
    doc: &'a str,
    at: &'a RawValue,
    message: Option<&'a RawValue>,
    apiserver: Option<String>,
) -> Record<'a> {
    let body = match message.and_then(string_of) {
        Some(m) if m.trim_start().starts_with('{') => Body::Event(m),
        Some(_) => Body::Other("CloudWatch log event whose message is not JSON".into()),
        None => Body::Bad("CloudWatch log event without a string message".into()),
    };
    Record {
        range: range_in(doc, at.get()),
        apiserver,
        body,
    }
}

/// See [`super::Unwrap`].
pub fn unwrap<'a>(doc: &'a str, out: &mut Vec<Record<'a>>) -> Option<&'static str> {
    let e: Envelope<'a> = serde_json::from_str(doc).ok()?;
    let s = |v: Option<&'a RawValue>| v.and_then(string_of);
    if let Some(mt) = s(e.message_type) {
        let group = s(e.log_group);
        let stream = s(e.log_stream);
        let cluster = group.as_deref().and_then(cluster_of);
        let apiserver = super::join(&[cluster, stream.as_deref()]);
        if mt != "DATA_MESSAGE" {
            out.push(Record {
                range: 0..doc.len(),
                apiserver,
                body: Body::Other(format!("CloudWatch Logs {mt} (not log events)")),
            });
            return Some("CloudWatch Logs subscription payload");
        }
        for ev in e.log_events.unwrap_or_default() {
            let le: LogEvent = serde_json::from_str(ev.get()).unwrap_or(LogEvent {
                message: None,
                log_stream_name: None,
            });
            out.push(record(doc, ev, le.message, apiserver.clone()));
        }
        return Some("CloudWatch Logs subscription payload");
    }
    if let Some(events) = e.events {
        for ev in events {
            let le: LogEvent = serde_json::from_str(ev.get()).unwrap_or(LogEvent {
                message: None,
                log_stream_name: None,
            });
            let stream = s(le.log_stream_name);
            out.push(record(doc, ev, le.message, stream.map(|x| x.into_owned())));
        }
        return Some("CloudWatch Logs filter-log-events/get-log-events JSON");
    }
    if e.at_message.is_some() {
        let group = s(e.at_log);
        let stream = s(e.at_log_stream);
        let cluster = group.as_deref().and_then(cluster_of);
        let apiserver = super::join(&[cluster, stream.as_deref()]);
        let whole = serde_json::from_str::<&RawValue>(doc).ok()?;
        out.push(record(doc, whole, e.at_message, apiserver));
        return Some("CloudWatch Logs Insights JSON export");
    }
    None
}

/// A CloudWatch text line: `aws logs tail` (`<time> <stream> <json>`) or an S3 export task
/// file (`<time> <json>`). Returns the JSON's start in the line and the stream, if any.
pub fn text_line(line: &[u8]) -> Option<(usize, Option<&str>)> {
    // The time is RFC 3339 (`2024-05-01T10:00:00.123Z`, `…+00:00`): digits first.
    if !line.first()?.is_ascii_digit() || line.get(4) != Some(&b'-') {
        return None;
    }
    let sp = memchr::memchr(b' ', line)?;
    let ts = std::str::from_utf8(&line[..sp]).ok()?;
    crate::time::parse_rfc3339(ts)?;
    let rest = &line[sp + 1..];
    if rest.first() == Some(&b'{') {
        return Some((sp + 1, None));
    }
    let sp2 = memchr::memchr(b' ', rest)?;
    let stream = std::str::from_utf8(&rest[..sp2]).ok()?;
    (rest.get(sp2 + 1) == Some(&b'{')).then_some((sp + 2 + sp2, Some(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lines_and_groups() {
        let l = br#"2024-05-01T10:00:00.123000+00:00 kube-apiserver-audit-abc {"kind":"Event"}"#;
        assert_eq!(text_line(l), Some((58, Some("kube-apiserver-audit-abc"))));
        let s = br#"2024-05-01T10:00:00.123Z {"kind":"Event"}"#;
        assert_eq!(text_line(s), Some((25, None)));
        assert_eq!(text_line(b"{\"kind\":1}"), None);
        assert_eq!(cluster_of("/aws/eks/prod/cluster"), Some("prod"));
        assert_eq!(cluster_of("123456:/aws/eks/prod/cluster"), Some("prod"));
    }
}
