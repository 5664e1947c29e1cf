//! A small YAML reader limited to what `kubectl get -o yaml` prints (go-yaml's emitter):
//! block mappings and sequences (`- ` items at the parent key's indentation or deeper), plain,
//! single- and double-quoted scalars (folded over several lines when long), `|`/`>` block
//! scalars, `{}`/`[]` empties and `#` comments. It yields `serde_json::Value`, so YAML and
//! JSON Events share one reader ([`super::event::Event`]). Anything outside that shape
//! (anchors, flow collections with content, tags) is read as a plain string, never a panic.
//!
//! Why not a YAML crate: only this one shape is needed, it must build for wasm32, and the
//! reader is ~200 lines that the fuzz target covers; the maintained pure-Rust parsers bring
//! their own event model and an encoding dependency for no gain here.

use serde_json::{Map, Value};

/// One line: its indentation and its text without indentation or line end.
#[derive(Clone, Debug)]
struct Line {
    indent: usize,
    text: String,
}

/// Read one YAML document (lines without their `\n`).
pub fn parse(lines: &[&[u8]]) -> Value {
    let mut ls: Vec<Line> = lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).trim_end().to_string())
        .filter(|t| {
            let s = t.trim_start();
            !s.is_empty() && !s.starts_with('#') && s != "---"
        })
        .map(|t| {
            let indent = t.len() - t.trim_start_matches(' ').len();
            Line {
                indent,
                text: t[indent..].to_string(),
            }
        })
        .collect();
    if ls.is_empty() {
        return Value::Null;
    }
    let indent = ls[0].indent;
    let mut i = 0;
    block(&mut ls, &mut i, indent, 0)
}

/// Nesting deeper than this is read as null (hostile input must not exhaust the stack).
const MAX_DEPTH: usize = 64;

fn is_item(t: &str) -> bool {
    t == "-" || t.starts_with("- ")
}

/// The key of `key: value` / `key:` (quoted keys too), and where the value starts.
fn split_key(t: &str) -> Option<(String, &str)> {
    let b = t.as_bytes();
    let (key, rest_at) = match b.first()? {
        q @ (b'"' | b'\'') => {
            let end = t[1..].find(*q as char)? + 1;
            (t[1..end].to_string(), end + 1)
        }
        _ => {
            let mut i = 0;
            loop {
                let c = t[i..].find(':')? + i;
                if t[c + 1..].is_empty() || t[c + 1..].starts_with(' ') {
                    break (t[..c].to_string(), c);
                }
                i = c + 1;
            }
        }
    };
    let rest = t.get(rest_at..)?.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim_start()))
}

fn block(ls: &mut [Line], i: &mut usize, indent: usize, depth: usize) -> Value {
    if *i >= ls.len() || depth > MAX_DEPTH {
        *i = ls.len().max(*i);
        return Value::Null;
    }
    if is_item(&ls[*i].text) {
        return sequence(ls, i, indent, depth);
    }
    if split_key(&ls[*i].text).is_some() {
        return mapping(ls, i, indent, depth);
    }
    scalar(ls, i, indent.saturating_sub(1))
}

fn sequence(ls: &mut [Line], i: &mut usize, indent: usize, depth: usize) -> Value {
    let mut out = Vec::new();
    while *i < ls.len() && ls[*i].indent == indent && is_item(&ls[*i].text) {
        let rest = ls[*i].text[1..].trim_start().to_string();
        if rest.is_empty() {
            *i += 1;
            let v = match ls.get(*i) {
                Some(n) if n.indent > indent => {
                    let ni = n.indent;
                    block(ls, i, ni, depth + 1)
                }
                _ => Value::Null,
            };
            out.push(v);
            continue;
        }
        // `- key: value` opens a mapping whose keys sit two columns in.
        let inner = indent + (ls[*i].text.len() - rest.len());
        ls[*i] = Line {
            indent: inner,
            text: rest,
        };
        out.push(block(ls, i, inner, depth + 1));
    }
    Value::Array(out)
}

fn mapping(ls: &mut [Line], i: &mut usize, indent: usize, depth: usize) -> Value {
    let mut m = Map::new();
    while *i < ls.len() && ls[*i].indent == indent && !is_item(&ls[*i].text) {
        let Some((key, rest)) = split_key(&ls[*i].text) else {
            // Not a key: stray text at this level; skip it.
            *i += 1;
            continue;
        };
        let rest = rest.to_string();
        let v = if rest.is_empty() {
            *i += 1;
            match ls.get(*i) {
                Some(n) if n.indent > indent || (n.indent == indent && is_item(&n.text)) => {
                    let ni = n.indent;
                    block(ls, i, ni, depth + 1)
                }
                _ => Value::Null,
            }
        } else if let Some(style) = rest.strip_prefix(['|', '>']).map(|_| rest.as_bytes()[0]) {
            *i += 1;
            block_scalar(ls, i, indent, style == b'>', rest.ends_with('-'))
        } else {
            ls[*i].text = rest;
            scalar(ls, i, indent)
        };
        m.insert(key, v);
    }
    Value::Object(m)
}

/// A scalar starting at `ls[*i].text`, continued by the following lines indented deeper than
/// `indent` (go-yaml folds long scalars).
fn scalar(ls: &mut [Line], i: &mut usize, indent: usize) -> Value {
    let first = std::mem::take(&mut ls[*i].text);
    *i += 1;
    let mut parts = vec![first];
    let quoted = matches!(parts[0].as_bytes().first(), Some(b'"' | b'\''));
    while *i < ls.len() && ls[*i].indent > indent {
        if !quoted && (is_item(&ls[*i].text) || split_key(&ls[*i].text).is_some()) {
            break;
        }
        parts.push(ls[*i].text.clone());
        *i += 1;
        if quoted && closes(&parts) {
            break;
        }
    }
    let text = parts.join(" ");
    match text.as_bytes().first() {
        Some(b'\'') => Value::String(
            text[1..]
                .strip_suffix('\'')
                .unwrap_or(&text[1..])
                .replace("''", "'"),
        ),
        Some(b'"') => Value::String(unescape(text[1..].strip_suffix('"').unwrap_or(&text[1..]))),
        _ => plain(&text),
    }
}

/// Whether the quoted scalar in `parts` is closed (its last quote is not escaped).
fn closes(parts: &[String]) -> bool {
    let s = parts.join(" ");
    let q = s.as_bytes()[0];
    let body = &s.as_bytes()[1..];
    let mut j = 0;
    while j < body.len() {
        match body[j] {
            b'\\' if q == b'"' => j += 2,
            c if c == q => {
                if q == b'\'' && body.get(j + 1) == Some(&b'\'') {
                    j += 2;
                } else {
                    return true;
                }
            }
            _ => j += 1,
        }
    }
    false
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some(' ') => out.push(' '),
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => {}
        }
    }
    out
}

fn plain(t: &str) -> Value {
    match t {
        "null" | "~" => Value::Null,
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        "{}" => Value::Object(Map::new()),
        "[]" => Value::Array(Vec::new()),
        _ => {
            if let Ok(n) = t.parse::<u64>() {
                return Value::from(n);
            }
            if let Ok(n) = t.parse::<i64>() {
                return Value::from(n);
            }
            Value::String(t.to_string())
        }
    }
}

fn block_scalar(ls: &mut [Line], i: &mut usize, indent: usize, folded: bool, strip: bool) -> Value {
    let mut parts = Vec::new();
    let base = ls.get(*i).map_or(0, |l| l.indent);
    while *i < ls.len() && ls[*i].indent > indent {
        let pad = " ".repeat(ls[*i].indent.saturating_sub(base));
        parts.push(format!("{pad}{}", ls[*i].text));
        *i += 1;
    }
    let mut s = parts.join(if folded { " " } else { "\n" });
    if !strip {
        s.push('\n');
    }
    Value::String(s)
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_json::json;

    fn p(s: &str) -> serde_json::Value {
        let lines: Vec<&[u8]> = s.lines().map(str::as_bytes).collect();
        parse(&lines)
    }

    #[test]
    fn kubectl_shapes() {
        let v = p("apiVersion: v1\nitems:\n- apiVersion: v1\n  count: 2\n  involvedObject:\n    kind: Pod\n    name: a\n  message: 'Created pod: x'\n  metadata: {}\n  reason: \"Back\\\"off\"\n  lastTimestamp: null\nkind: List\n");
        assert_eq!(
            v,
            json!({"apiVersion":"v1","items":[{"apiVersion":"v1","count":2,"involvedObject":{"kind":"Pod","name":"a"},"message":"Created pod: x","metadata":{},"reason":"Back\"off","lastTimestamp":null}],"kind":"List"})
        );
        // go-yaml folds long scalars onto indented continuation lines
        let v = p("message: '0/3 nodes are available: 1 node(s) had untolerated\n  taint, 2 Insufficient cpu.'\ntype: Warning\n");
        assert_eq!(
            v["message"],
            "0/3 nodes are available: 1 node(s) had untolerated taint, 2 Insufficient cpu."
        );
        assert_eq!(v["type"], "Warning");
        let v = p("note: |-\n  line one\n  line two\nx: 1\n");
        assert_eq!(v["note"], "line one\nline two");
        assert_eq!(v["x"], 1);
    }
}
