//! Redaction: consistent, salted pseudonyms for usernames, service accounts, IPs, node names and
//! namespaces, applied to a dataset before anything is written.
//!
//! It works on the dataset's JSON value tree, so it covers every string any parser keeps
//! (interned tables, labels, lanes, file names, diagnostics, notes) without depending on each
//! format's types. Two passes per string:
//! 1. patterns found anywhere: IPv4 and IPv6 literals, `ip-10-0-9-16`-style host names,
//!    `system:serviceaccount:<ns>:<name>`;
//! 2. values known from structured fields (audit users, namespaces, node names, source IPs;
//!    node-log hosts and lanes), replaced where they stand as a whole token.
//!
//! The same value always gets the same pseudonym within a report (a map), different values get
//! different ones (the hash is lengthened on collision), and the salt makes pseudonyms differ
//! between reports, so they cannot be compared or reversed by guessing without the salt.
//! A service account's bare name is known too (it appears in user agents and messages) and has
//! the same pseudonym as the account. Built-in identities are kept: `system:` users other than service accounts and nodes
//! (`system:kube-scheduler` names a component, not a person) and the namespaces Kubernetes itself
//! creates (`default`, `kube-system`, `kube-public`, `kube-node-lease`).

use crate::dataset::Dataset;
use crate::findings::TextPiece;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Namespaces every cluster has; they identify nothing.
pub const BUILTIN_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

const SA_PREFIX: &str = "system:serviceaccount:";
const NODE_PREFIX: &str = "system:node:";

/// What a value is; the pseudonym's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    /// A person or external identity (`user-…`).
    User,
    /// `system:serviceaccount:<ns>:<name>`'s name part (`sa-…`).
    ServiceAccount,
    /// An IPv4 or IPv6 address (`ip-…`).
    Ip,
    /// A node or host name (`node-…`).
    Node,
    /// A namespace (`ns-…`).
    Namespace,
}

impl Category {
    fn prefix(self) -> &'static str {
        match self {
            Category::User => "user",
            Category::ServiceAccount => "sa",
            Category::Ip => "ip",
            Category::Node => "node",
            Category::Namespace => "ns",
        }
    }
}

/// The pseudonym table of one report; see the module docs.
pub struct Redactor {
    salt: Vec<u8>,
    map: HashMap<(Category, String), String>,
    taken: HashSet<String>,
    /// Values known from structured fields, by their text.
    known: HashMap<String, Category>,
}

/// Redact a whole dataset: see the module docs. Fails only if the redacted tree no longer reads
/// back as a dataset (a pseudonym landed on a structural string), which a test guards.
pub fn redact_dataset(ds: &Dataset, salt: &[u8]) -> Result<Dataset, String> {
    redact_with_texts(ds, &[], salt).map(|(ds, _)| ds)
}

/// [`redact_dataset`], and the quoted lines a report carries for its findings with the same
/// pseudonyms (they are the user's own lines: every identifier in them must go too).
pub fn redact_with_texts(
    ds: &Dataset,
    texts: &[TextPiece],
    salt: &[u8],
) -> Result<(Dataset, Vec<TextPiece>), String> {
    let mut v = serde_json::to_value(ds).map_err(|e| e.to_string())?;
    let mut r = Redactor::new(salt);
    r.learn(&v);
    r.redact_value(&mut v);
    let ds = serde_json::from_value(v)
        .map_err(|e| format!("redaction broke the dataset's structure: {e}"))?;
    let texts = texts
        .iter()
        .map(|t| TextPiece {
            text: r.redact_str(&t.text),
            ..t.clone()
        })
        .collect();
    Ok((ds, texts))
}

impl Redactor {
    /// An empty table with this report's salt.
    pub fn new(salt: &[u8]) -> Self {
        Redactor {
            salt: salt.to_vec(),
            map: HashMap::new(),
            taken: HashSet::new(),
            known: HashMap::new(),
        }
    }

    /// The pseudonym of `value`: `user-3f2a`, `ip-7c1d`, …
    pub fn pseudonym(&mut self, cat: Category, value: &str) -> String {
        if let Some(p) = self.map.get(&(cat, value.to_string())) {
            return p.clone();
        }
        let mut h = Sha256::new();
        h.update(&self.salt);
        h.update([0, cat as u8, 0]);
        h.update(value.as_bytes());
        let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let mut n = 4;
        let p = loop {
            let p = format!("{}-{}", cat.prefix(), &hex[..n]);
            if !self.taken.contains(&p) || n == hex.len() {
                break p;
            }
            n += 2;
        };
        self.taken.insert(p.clone());
        self.map.insert((cat, value.to_string()), p.clone());
        p
    }

    /// Register a value known to be sensitive.
    pub fn know(&mut self, cat: Category, value: &str) {
        let value = value.trim();
        if value.is_empty() || value == "-" {
            return;
        }
        if cat == Category::Namespace && BUILTIN_NAMESPACES.contains(&value) {
            return;
        }
        self.known.entry(value.to_string()).or_insert(cat);
    }

    /// Register a username (or service account / node identity) as audit logs spell it.
    pub fn know_user(&mut self, u: &str) {
        if let Some(rest) = u.strip_prefix(SA_PREFIX) {
            if let Some((ns, name)) = rest.split_once(':') {
                self.know(Category::Namespace, ns);
                // The bare name shows up elsewhere — in the user agent it sends
                // (`nodegroup-controller/v1.19.3`), in messages — and must get the same pseudonym.
                if name != "default" && name.len() >= 3 {
                    self.know(Category::ServiceAccount, name);
                }
            }
        } else if let Some(node) = u.strip_prefix(NODE_PREFIX) {
            self.know(Category::Node, node);
        } else if !u.starts_with("system:") {
            self.know(Category::User, u);
        }
    }

    /// Collect sensitive values from the structured fields of a serialized dataset.
    pub fn learn(&mut self, ds: &Value) {
        let files = ds.get("files").and_then(Value::as_array);
        for f in files.into_iter().flatten() {
            let data = &f["data"];
            match data["format"].as_str() {
                Some("audit") => self.learn_audit(data),
                Some("node_log") => {
                    if let Some(h) = data["host"].as_str() {
                        self.know(Category::Node, h);
                    }
                    for lane in strings(&f["events"]["lanes"]["strings"]) {
                        if let Some((host, _)) = lane.split_once('/') {
                            self.know(Category::Node, host);
                        }
                    }
                    for p in data["panics"].as_array().into_iter().flatten() {
                        if let Some((host, _)) = p["lane"].as_str().and_then(|l| l.split_once('/'))
                        {
                            self.know(Category::Node, host);
                        }
                    }
                }
                _ => {}
            }
        }
        // A value that is also a field name or an enum tag would break the tree's structure; such
        // names ("info", "records") identify nobody.
        let mut vocab = HashSet::new();
        vocabulary(ds, &mut vocab);
        self.known.retain(|k, _| !vocab.contains(k.as_str()));
    }

    fn learn_audit(&mut self, data: &Value) {
        let table: Vec<&str> = strings(&data["strings"]["strings"]).collect();
        let col = |name: &str| -> Vec<&str> {
            data["requests"][name]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    s.as_u64()
                        .and_then(|i| table.get(i as usize))
                        .copied()
                        .unwrap_or("")
                })
                .collect()
        };
        for u in col("user").into_iter().chain(col("impersonated")) {
            self.know_user(u);
        }
        for ip in col("source_ip") {
            self.know(Category::Ip, ip);
        }
        for ns in col("namespace") {
            self.know(Category::Namespace, ns);
        }
        let (res, names) = (col("resource"), col("name"));
        for (r, n) in res.iter().zip(&names) {
            match *r {
                "nodes" => self.know(Category::Node, n),
                "namespaces" => self.know(Category::Namespace, n),
                _ => {}
            }
        }
    }

    /// Redact every string (and object key) in a value tree in place.
    pub fn redact_value(&mut self, v: &mut Value) {
        match v {
            Value::String(s) => {
                let r = self.redact_str(s);
                if r != *s {
                    *s = r;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.redact_value(x)),
            Value::Object(o) => {
                let old = std::mem::take(o);
                for (k, mut x) in old {
                    self.redact_value(&mut x);
                    o.insert(self.redact_str(&k), x);
                }
            }
            _ => {}
        }
    }

    /// Redact one string: patterns first, then known values standing as whole tokens.
    pub fn redact_str(&mut self, s: &str) -> String {
        if let Some(&cat) = self.known.get(s) {
            return self.pseudonym(cat, s);
        }
        let s = self.patterns(s);
        self.known_tokens(&s)
    }

    fn patterns(&mut self, s: &str) -> String {
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let (mut i, mut copied) = (0, 0);
        while i < b.len() {
            let at_boundary = i == 0 || !is_word(b[i - 1]);
            let found = if let Some((start, end)) = home_dir_at(b, i) {
                // `/home/<user>/`, `/Users/<user>/`, `C:\Users\<user>\`: a person's login name.
                let p = self.pseudonym(Category::User, &s[start..end]);
                Some((end, format!("{}{p}", &s[i..start])))
            } else if !at_boundary {
                None
            } else if b[i..].starts_with(SA_PREFIX.as_bytes()) {
                self.service_account(s, i)
            } else if b[i].is_ascii_digit() {
                // Not the tail of a longer dotted number (`v1.2.3.4.5`).
                let dotted = i > 0 && b[i - 1] == b'.';
                (!dotted)
                    .then(|| ipv4_at(b, i))
                    .flatten()
                    .map(|end| (end, Category::Ip))
                    .or_else(|| ipv6_at(s, i).map(|end| (end, Category::Ip)))
                    .map(|(end, cat)| (end, self.pseudonym(cat, &s[i..end])))
            } else if b[i..].len() > 3 && b[i..i + 3].eq_ignore_ascii_case(b"ip-") {
                dashed_ip_at(b, i + 3).map(|end| (end, self.pseudonym(Category::Node, &s[i..end])))
            } else if b[i].is_ascii_hexdigit() || b[i] == b':' {
                ipv6_at(s, i).map(|end| (end, self.pseudonym(Category::Ip, &s[i..end])))
            } else {
                None
            };
            match found {
                Some((end, rep)) => {
                    out.push_str(&s[copied..i]);
                    out.push_str(&rep);
                    i = end;
                    copied = end;
                }
                None => i += 1,
            }
        }
        if copied == 0 {
            return s.to_string();
        }
        out.push_str(&s[copied..]);
        out
    }

    /// `system:serviceaccount:<ns>:<name>` at `i`: the end and the replacement.
    fn service_account(&mut self, s: &str, i: usize) -> Option<(usize, String)> {
        let rest = &s[i + SA_PREFIX.len()..];
        let ns_len = rest.bytes().take_while(|&c| is_name(c)).count();
        if ns_len == 0 || rest.as_bytes().get(ns_len) != Some(&b':') {
            return None;
        }
        let name_len = rest[ns_len + 1..]
            .bytes()
            .take_while(|&c| is_name(c))
            .count();
        if name_len == 0 {
            return None;
        }
        let ns = &rest[..ns_len];
        let name = &rest[ns_len + 1..ns_len + 1 + name_len];
        let ns_p = if BUILTIN_NAMESPACES.contains(&ns) {
            ns.to_string()
        } else {
            self.pseudonym(Category::Namespace, ns)
        };
        // Keyed by the bare name, so the name in a user agent or message gets the same pseudonym
        // (two namespaces' service accounts of one name share it).
        let sa_p = self.pseudonym(Category::ServiceAccount, name);
        Some((
            i + SA_PREFIX.len() + ns_len + 1 + name_len,
            format!("{SA_PREFIX}{ns_p}:{sa_p}"),
        ))
    }

    /// Replace known values that stand as whole tokens: a run of name characters, or a part of
    /// one cut at `.`, `:`, `@` or `=` (so `ip-1-2-3-4.ec2.internal` and `system:node:x` match).
    fn known_tokens(&mut self, s: &str) -> String {
        if self.known.is_empty() {
            return s.to_string();
        }
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut copied = 0;
        let mut i = 0;
        while i < b.len() {
            if !is_token(b[i]) {
                i += 1;
                continue;
            }
            let run_end = i + b[i..].iter().take_while(|&&c| is_token(c)).count();
            let cuts: Vec<usize> = std::iter::once(i)
                .chain(
                    (i..run_end)
                        .filter(|&j| is_cut(b[j]))
                        .flat_map(|j| [j, j + 1]),
                )
                .chain(std::iter::once(run_end))
                .collect();
            let mut pos = i;
            'scan: while pos < run_end {
                // Longest known span starting at `pos`.
                for &end in cuts.iter().rev().filter(|&&e| e > pos) {
                    if let Some(&cat) = self.known.get(&s[pos..end]) {
                        out.push_str(&s[copied..pos]);
                        let p = self.pseudonym(cat, &s[pos..end]);
                        out.push_str(&p);
                        copied = end;
                        pos = end;
                        continue 'scan;
                    }
                }
                match cuts
                    .iter()
                    .find(|&&c| c > pos && (c == run_end || is_cut(b[c - 1])))
                {
                    Some(&next) => pos = next,
                    None => break,
                }
            }
            i = run_end;
        }
        if copied == 0 {
            return s.to_string();
        }
        out.push_str(&s[copied..]);
        out
    }
}

fn strings(v: &Value) -> impl Iterator<Item = &str> {
    v.as_array().into_iter().flatten().filter_map(Value::as_str)
}

/// Object keys and short snake_case strings: the tree's structural words.
fn vocabulary<'a>(v: &'a Value, out: &mut HashSet<&'a str>) {
    match v {
        Value::Array(a) => a.iter().for_each(|x| vocabulary(x, out)),
        Value::Object(o) => {
            for (k, x) in o {
                out.insert(k.as_str());
                if k == "format" || k == "severity" || k == "kind" {
                    if let Some(s) = x.as_str() {
                        out.insert(s);
                    }
                }
                vocabulary(x, out);
            }
        }
        _ => {}
    }
}

/// Characters that continue a word: a pattern must not start right after one.
fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Characters of Kubernetes names.
fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_'
}

/// Characters of a token that may hold a known value.
fn is_token(c: u8) -> bool {
    is_name(c) || is_cut(c) || c >= 0x80
}

/// Where a token may be cut into parts.
fn is_cut(c: u8) -> bool {
    matches!(c, b'.' | b':' | b'@' | b'=')
}

/// A home directory (`/home/ej/`, `/Users/ej/`, `\Users\ej\`) at `i`: the user name's range.
fn home_dir_at(b: &[u8], i: usize) -> Option<(usize, usize)> {
    let rest = &b[i..];
    let prefix = [&b"/home/"[..], b"/Users/", b"\\Users\\"]
        .into_iter()
        .find(|p| rest.starts_with(p))?;
    let name = rest[prefix.len()..]
        .iter()
        .take_while(|&&c| is_name(c) && c != b'.')
        .count();
    let after = rest.get(prefix.len() + name);
    // Only a directory: `/home/ej/…`, not `/home/` alone or a file right under it.
    let start = i + prefix.len();
    (name > 0 && matches!(after, Some(b'/' | b'\\'))).then_some((start, start + name))
}

/// A dotted IPv4 address starting at `i`; returns its end.
fn ipv4_at(b: &[u8], i: usize) -> Option<usize> {
    let mut p = i;
    for k in 0..4 {
        let n = b[p..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n == 0 || n > 3 {
            return None;
        }
        let v: u32 = std::str::from_utf8(&b[p..p + n]).ok()?.parse().ok()?;
        if v > 255 {
            return None;
        }
        p += n;
        if k < 3 {
            if b.get(p) != Some(&b'.') {
                return None;
            }
            p += 1;
        }
    }
    // Not part of a longer dotted number (a version such as 1.2.3.4.5). A letter right after
    // (`10.0.0.1ms`) does not save it: leaking an address is worse than over-redacting.
    let longer = b.get(p) == Some(&b'.') && b.get(p + 1).is_some_and(u8::is_ascii_digit);
    if longer {
        return None;
    }
    Some(p)
}

/// The `10-0-9-16` of an `ip-10-0-9-16` host name, starting at `i`; returns its end.
fn dashed_ip_at(b: &[u8], i: usize) -> Option<usize> {
    let mut p = i;
    for k in 0..4 {
        let n = b[p..]
            .iter()
            .take(4)
            .take_while(|c| c.is_ascii_digit())
            .count();
        if n == 0 || n > 3 {
            return None;
        }
        p += n;
        if k < 3 {
            if b.get(p) != Some(&b'-') {
                return None;
            }
            p += 1;
        }
    }
    if b.get(p).is_some_and(|&c| is_word(c)) {
        return None;
    }
    Some(p)
}

/// An IPv6 literal starting at `i` (at least two colons and one hex digit, accepted by the
/// standard parser); returns its end.
fn ipv6_at(s: &str, i: usize) -> Option<usize> {
    let b = s.as_bytes();
    let len = b[i..]
        .iter()
        .take(45)
        .take_while(|c| c.is_ascii_hexdigit() || **c == b':' || **c == b'.')
        .count();
    let mut cand = &s[i..i + len];
    if cand.bytes().filter(|&c| c == b':').count() < 2
        || !cand.bytes().any(|c| c.is_ascii_hexdigit())
    {
        return None;
    }
    // Trailing punctuation is not part of the address (`fe80::1:` in "addr fe80::1: down").
    while cand.len() > 2 && (cand.ends_with('.') || (cand.ends_with(':') && !cand.ends_with("::")))
    {
        cand = &cand[..cand.len() - 1];
    }
    if b.get(i + cand.len()).is_some_and(|&c| is_word(c)) {
        return None;
    }
    cand.parse::<std::net::Ipv6Addr>().ok()?;
    Some(i + cand.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_consistency() {
        let mut r = Redactor::new(b"salt");
        let a = r.redact_str(
            "from 10.0.9.16:443 via ip-10-0-9-16.ec2.internal and fe80::1ff:fe23:4567:890a",
        );
        assert!(
            !a.contains("10.0.9.16") && !a.contains("ip-10-0-9-16") && !a.contains("fe80"),
            "{a}"
        );
        assert!(a.contains(":443") && a.contains(".ec2.internal"), "{a}");
        let b = r.redact_str("10.0.9.16");
        assert!(a.contains(&b), "same IP, same pseudonym: {a} / {b}");
        // Versions and times are not addresses.
        assert_eq!(
            r.redact_str("v1.2.3.4.5 at 12:34:56"),
            "v1.2.3.4.5 at 12:34:56"
        );
        let sa = r.redact_str("system:serviceaccount:team-a:builder");
        assert!(
            sa.starts_with("system:serviceaccount:ns-") && sa.contains(":sa-"),
            "{sa}"
        );
        let home = r.redact_str("/Users/ej/go/src/net/dial.go:222 and /home/ej/x.go");
        assert!(
            home.starts_with("/Users/user-") && !home.contains("/ej/"),
            "{home}"
        );
        assert!(home.contains("/go/src/net/dial.go:222"), "{home}");
        let win = r.redact_str("C:\\Users\\ej\\go\\main.go");
        assert!(!win.contains("ej"), "{win}");
        let sys = r.redact_str("system:serviceaccount:kube-system:replicaset-controller");
        assert!(
            sys.starts_with("system:serviceaccount:kube-system:sa-"),
            "{sys}"
        );
    }

    #[test]
    fn known_values_as_tokens() {
        let mut r = Redactor::new(b"x");
        r.know_user("alice@example.com");
        r.know_user("system:node:worker-7");
        r.know(Category::Namespace, "payments");
        let p = r.redact_str("alice@example.com");
        assert!(p.starts_with("user-"));
        assert_eq!(
            r.redact_str("GET by alice@example.com"),
            format!("GET by {p}")
        );
        let n = r.redact_str("system:node:worker-7");
        assert!(n.starts_with("system:node:node-"), "{n}");
        let ns = r.redact_str("payments/api");
        assert!(ns.starts_with("ns-") && ns.ends_with("/api"), "{ns}");
        // Part of a longer name is left alone.
        assert_eq!(r.redact_str("payments_v2"), "payments_v2");
    }

    #[test]
    fn service_account_name_in_user_agent() {
        let mut r = Redactor::new(b"x");
        r.know_user("system:serviceaccount:kube-system:nodegroup-controller");
        let sa = r.redact_str("system:serviceaccount:kube-system:nodegroup-controller");
        let ua = r.redact_str("nodegroup-controller/v1.19.3 (linux/amd64)");
        let p = sa.rsplit(':').next().unwrap();
        assert!(p.starts_with("sa-"), "{sa}");
        assert_eq!(ua, format!("{p}/v1.19.3 (linux/amd64)"));
    }

    #[test]
    fn salt_changes_pseudonyms_collisions_lengthen() {
        let a = Redactor::new(b"one").pseudonym(Category::User, "bob");
        let b = Redactor::new(b"two").pseudonym(Category::User, "bob");
        assert_ne!(a, b);
        let mut r = Redactor::new(b"s");
        let names: Vec<String> = (0..3000)
            .map(|i| r.pseudonym(Category::User, &format!("u{i}")))
            .collect();
        let distinct: HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "pseudonyms are distinct");
    }
}
