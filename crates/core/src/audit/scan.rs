//! A purpose-built reader for one audit `Event` object: it pulls the fields the store needs
//! straight from the bytes, without building a JSON tree and without serde's per-field dispatch.
//!
//! Any key order and any spacing are read; strings with escapes are unescaped (`\uXXXX` with
//! surrogate pairs included); nested values the store does not use (`requestObject`,
//! `responseObject`, `metadata`, …) are skipped by bracket matching; `user`, `objectRef` and
//! `annotations` are located the same way and handed over as raw text, as serde's `RawValue`
//! would. Anything unusual — a duplicate or escaped key, a field of an unexpected type, a number
//! serde would reject, trailing bytes, nesting deeper than 64 — makes [`scan_event`] return
//! `None`, and the caller falls back to serde_json, which then reads it or says exactly what is
//! wrong. The property test `audit_scanner` checks that both paths give identical requests.
//!
//! One deliberate difference: skipped values are checked for balanced brackets and closed
//! strings only, not validated as JSON, so a body with, say, a missing colon deep inside is read
//! here where serde would reject the whole event. Cut-off lines (the damage real files show)
//! are unbalanced and still fall back.

use super::parse::{FirstStr, Raw, RawEvent, RawStatus};
use crate::json_cursor::{once, Cursor};

/// Read one event object (the whole of `s`, surrounding JSON whitespace allowed) into `ev`, a
/// default one: filled in place, as an event is ~400 bytes and moving it out through `Option`
/// and `Result` took 5% of reading a log. `None`: not read here (`ev` is then partly filled);
/// use serde_json.
pub(crate) fn scan_event<'a>(s: &'a str, ev: &mut RawEvent<'a>) -> Option<()> {
    let mut c = Cursor::new(s);
    let mut seen = 0u32;
    c.object(|c, key| c.field(key, ev, &mut seen))?;
    c.at_end().then_some(())
}

impl<'a> Cursor<'a> {
    /// The value of one top-level field; `seen` has a bit per field already read.
    fn field(&mut self, key: &[u8], ev: &mut RawEvent<'a>, seen: &mut u32) -> Option<()> {
        match key {
            b"kind" => once!(*seen, 0, ev.kind, self.opt_str()?),
            b"apiVersion" => once!(*seen, 1, ev.api_version, self.opt_str()?),
            b"auditID" => once!(*seen, 2, ev.audit_id, self.opt_str()?),
            b"stage" => once!(*seen, 3, ev.stage, self.opt_str()?),
            b"requestURI" => once!(*seen, 4, ev.request_uri, self.opt_str()?),
            b"verb" => once!(*seen, 5, ev.verb, self.opt_str()?),
            b"user" => once!(*seen, 6, ev.user, self.opt_raw()?),
            b"impersonatedUser" => once!(*seen, 7, ev.impersonated, self.opt_raw()?),
            b"sourceIPs" => once!(*seen, 8, ev.source_ips, self.opt_first_str()?),
            b"userAgent" => once!(*seen, 9, ev.user_agent, self.opt_str()?),
            b"objectRef" => once!(*seen, 10, ev.object_ref, self.opt_raw()?),
            b"responseStatus" => once!(*seen, 11, ev.response_status, self.opt_status()?),
            b"requestReceivedTimestamp" => once!(*seen, 12, ev.received, self.opt_str()?),
            b"stageTimestamp" => once!(*seen, 13, ev.stage_ts, self.opt_str()?),
            b"timestamp" => once!(*seen, 14, ev.timestamp, self.opt_str()?),
            b"annotations" => once!(*seen, 15, ev.annotations, self.opt_raw()?),
            _ => {
                self.skip_value()?;
            }
        }
        Some(())
    }

    #[inline]
    fn opt_raw(&mut self) -> Option<Option<Raw<'a>>> {
        if self.null() {
            return Some(None);
        }
        let start = self.i;
        self.skip_value()?;
        Some(Some(Raw(&self.s[start..self.i])))
    }

    /// `sourceIPs`: the first string of an array; the other elements may be anything.
    fn opt_first_str(&mut self) -> Option<Option<FirstStr<'a>>> {
        if self.null() {
            return Some(None);
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Some(FirstStr(None)));
        }
        let first = self.string()?;
        loop {
            self.ws();
            match self.next()? {
                b']' => return Some(Some(FirstStr(Some(first)))),
                b',' => {
                    self.ws();
                    self.skip_value()?;
                }
                _ => return None,
            }
        }
    }

    /// `responseStatus`: only `code` is read.
    fn opt_status(&mut self) -> Option<Option<RawStatus>> {
        if self.null() {
            return Some(None);
        }
        let mut st = RawStatus { code: None };
        let mut seen = false;
        self.object(|c, key| {
            if key != b"code" {
                return c.skip_value();
            }
            if seen {
                return None;
            }
            seen = true;
            st.code = if c.null() { None } else { Some(c.int()?) };
            Some(())
        })?;
        Some(Some(st))
    }

    /// An integer as serde reads it into an `i64`: no fraction, exponent or leading zero.
    fn int(&mut self) -> Option<i64> {
        let neg = self.peek()? == b'-';
        if neg {
            self.i += 1;
        }
        let start = self.i;
        let mut v: i64 = 0;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            let d = (c - b'0') as i64;
            v = v.checked_mul(10)?;
            v = if neg {
                v.checked_sub(d)?
            } else {
                v.checked_add(d)?
            };
            self.i += 1;
        }
        let n = self.i - start;
        if n == 0 || (n > 1 && self.b[start] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_in_any_order_with_escapes() {
        let doc = r#" { "verb" : "list", "objectRef":{"resource":"pods","x":[1,{"y":"}"}]},
            "requestURI":"/api/v1/pods?limit=500\u0026watch=1", "sourceIPs":["10.0.0.1",2],
            "responseStatus":{"metadata":{},"code":200}, "user":{"username":"a\"b"},
            "requestObject":{"deep":[[["\\"]]]}, "auditID":"\ud83d\ude00x" } "#;
        let mut ev = RawEvent::default();
        scan_event(doc, &mut ev).expect("scanned");
        assert_eq!(ev.verb.as_deref(), Some("list"));
        assert_eq!(
            ev.request_uri.as_deref(),
            Some("/api/v1/pods?limit=500&watch=1")
        );
        assert_eq!(
            ev.object_ref.map(|r| r.0),
            Some(r#"{"resource":"pods","x":[1,{"y":"}"}]}"#)
        );
        assert_eq!(ev.user.map(|r| r.0), Some(r#"{"username":"a\"b"}"#));
        assert_eq!(ev.source_ips.and_then(|s| s.0).as_deref(), Some("10.0.0.1"));
        assert_eq!(ev.response_status.and_then(|s| s.code), Some(200));
        assert_eq!(ev.audit_id.as_deref(), Some("\u{1F600}x"));
    }

    #[test]
    fn falls_back_on_what_serde_would_judge() {
        for doc in [
            r#"{"verb":"get","verb":"list"}"#,
            r#"{"verb":null,"verb":"list"}"#,
            r#"{"verb":5}"#,
            r#"{"responseStatus":{"code":2.0}}"#,
            r#"{"responseStatus":{"code":0200}}"#,
            r#"{"responseStatus":{"code":99999999999999999999}}"#,
            r#"{"verb":"get"} x"#,
            r#"{"verb":"get",}"#,
            r#"{"a":{"b":[}]}"#,
            r#"{"verb":"\ud83dx"}"#,
            r#"{"ver\u0062":"get"}"#,
            r#"{"verb":"get""#,
            "{\"verb\":\"g\tet\"}",
        ] {
            assert!(scan_event(doc, &mut RawEvent::default()).is_none(), "{doc}");
        }
        let mut ev = RawEvent::default();
        scan_event(r#"{"verb":null,"responseStatus":{"code":-1}}"#, &mut ev).unwrap();
        assert!(ev.verb.is_none());
        assert_eq!(ev.response_status.and_then(|s| s.code), Some(-1));
    }
}
