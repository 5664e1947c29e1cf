//! JSON as the scenario generator edits it: objects keep their key order (an edited key stays in
//! place, a new one goes last) and `dumps` writes what CPython's `json.dumps` writes
//! (`ensure_ascii`, chosen separators), so generated lines equal the original generator's.

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value whose objects keep their key order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// Parse one JSON text.
    pub fn parse(text: &str) -> serde_json::Result<Json> {
        serde_json::from_str(text)
    }

    /// A string value.
    pub fn str(s: &str) -> Json {
        Json::Str(s.to_string())
    }

    /// `self[key]` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(kv) => kv.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string value, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    /// `self[key] = value`: replaced in place, or appended (Python dict semantics).
    pub fn set(&mut self, key: &str, value: Json) {
        let Json::Obj(kv) = self else {
            panic!("set {key} on a non-object")
        };
        match kv.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => kv.push((key.to_string(), value)),
        }
    }

    /// `self.setdefault(key, {})`: the object under `key`, created last when absent.
    pub fn entry_obj(&mut self, key: &str) -> &mut Json {
        if self.get(key).is_none() {
            self.set(key, Json::Obj(Vec::new()));
        }
        let Json::Obj(kv) = self else { unreachable!() };
        &mut kv.iter_mut().find(|(k, _)| k == key).unwrap().1
    }

    /// `{**self, **edit}` for two objects.
    pub fn merged(&self, edit: &Json) -> Json {
        let mut out = self.clone();
        if let Json::Obj(kv) = edit {
            for (k, v) in kv {
                out.set(k, v.clone());
            }
        }
        out
    }

    /// `self.pop(key, None)`.
    pub fn remove(&mut self, key: &str) {
        if let Json::Obj(kv) = self {
            kv.retain(|(k, _)| k != key);
        }
    }

    /// `json.dumps(self, separators=(item, key))` with `ensure_ascii=True`.
    pub fn dumps(&self, item: &str, key: &str) -> String {
        let mut out = String::new();
        self.write(&mut out, item, key);
        out
    }

    fn write(&self, out: &mut String, item: &str, key: &str) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => write_number(out, n),
            Json::Str(s) => write_str(out, s),
            Json::Arr(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item);
                    }
                    v.write(out, item, key);
                }
                out.push(']');
            }
            Json::Obj(kv) => {
                out.push('{');
                for (i, (k, v)) in kv.iter().enumerate() {
                    if i > 0 {
                        out.push_str(item);
                    }
                    write_str(out, k);
                    out.push_str(key);
                    v.write(out, item, key);
                }
                out.push('}');
            }
        }
    }
}

/// Integers as they are; floats as Python's `repr` (shortest round trip, exponent outside
/// 1e-4 ≤ |x| < 1e16).
fn write_number(out: &mut String, n: &serde_json::Number) {
    if n.is_f64() {
        out.push_str(&py_float_repr(n.as_f64().unwrap()));
    } else {
        out.push_str(&n.to_string());
    }
}

/// Python's `repr(float)` for a finite value.
pub fn py_float_repr(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        // Rust's `{:e}` is also the shortest round trip: "1.5e-7" → Python's "1.5e-07".
        let s = format!("{x:e}");
        let (m, e) = s.split_once('e').unwrap();
        let (sign, digits) = match e.strip_prefix('-') {
            Some(d) => ("-", d),
            None => ("+", e),
        };
        return format!("{m}e{sign}{digits:0>2}");
    }
    let s = format!("{x}");
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e && (c as u32) != 0x7f => {
                let mut buf = [0u16; 2];
                for u in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Num(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Num(n.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(n)
            .map(Json::Num)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Json::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut kv: Vec<(String, Json)> = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            // A repeated key keeps its first place and its last value, as Python's json.loads.
            match kv.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => kv.push((k, v)),
            }
        }
        Ok(Json::Obj(kv))
    }
}

#[cfg(test)]
mod tests {
    use super::{py_float_repr, Json};

    #[test]
    fn dumps_like_python() {
        // json.dumps(json.loads(s), separators=(",", ":")) in CPython 3.11.
        let s = r#"{"b": 1, "a": [true, null, 1.5, "é\u2028/\"x"], "b": 2, "c": 1e-7}"#;
        assert_eq!(
            Json::parse(s).unwrap().dumps(",", ":"),
            r#"{"b":2,"a":[true,null,1.5,"\u00e9\u2028/\"x"],"c":1e-07}"#
        );
        assert_eq!(py_float_repr(12.0), "12.0");
        assert_eq!(py_float_repr(1e16), "1e+16");
        assert_eq!(py_float_repr(0.0001), "0.0001");
    }
}
