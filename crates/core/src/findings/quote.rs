//! Evidence quotes the user's own text: the line as it was written, re-read by byte range,
//! never the mined template that stands for many lines (`err=<*>`).

/// Longest quote shown, in characters; longer lines end in `…` (the full line is one click
/// away in the Timeline).
pub const MAX_QUOTE: usize = 400;

/// The message of one raw line as evidence shows it: a structured JSON line (journald
/// `MESSAGE`, logrus/zap `msg`, Docker `log`) gives its message field, any other line itself;
/// trimmed and cut to [`MAX_QUOTE`] characters.
pub fn quote(raw: &str) -> String {
    cut(&message(raw), MAX_QUOTE)
}

/// The whole message of one raw line, trimmed: a structured JSON line's message field, any other
/// line itself ([`quote`] without the cut).
pub fn message(raw: &str) -> String {
    let line = raw.trim();
    let msg = json_message(line).unwrap_or_else(|| line.to_string());
    msg.trim().to_string()
}

/// The message field of a JSON log line, with the fields that say where it came from.
fn json_message(line: &str) -> Option<String> {
    if !line.starts_with('{') {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    ["MESSAGE", "msg", "message", "log"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|m| m.as_str()).map(str::to_string))
}

/// `s` cut to at most `max` characters (on a char boundary), `…` appended when cut.
pub fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_the_line_not_a_template() {
        let l = "E1130 03:39:36.036392    6185 namespace_controller.go:164] \"Deletion of namespace failed\" err=\"x\"\n";
        assert_eq!(quote(l), l.trim());
        assert_eq!(
            quote(r#"{"MESSAGE":"PLEG is not healthy","_HOSTNAME":"n1"}"#),
            "PLEG is not healthy"
        );
        assert_eq!(cut("ééé", 2), "éé…");
        assert_eq!(quote("{not json"), "{not json");
    }
}
