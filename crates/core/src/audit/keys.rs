//! The dimensions requests are grouped by, and a request's key in each: what the cost report's
//! rows and the LIST patterns are keyed on.

use super::store::*;
use super::view::{AuditFiles, Req};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The dimension rows are grouped by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    #[default]
    User,
    UserAgent,
    Verb,
    /// `resource[.group][/subresource]`, or the path of a non-resource request.
    Resource,
    Namespace,
    SourceIp,
    /// The apiserver instance / cluster, from the cloud wrapping (see `Requests::apiserver`).
    Apiserver,
}

impl GroupBy {
    /// Every dimension, in display order.
    pub const ALL: [GroupBy; 7] = [
        GroupBy::User,
        GroupBy::UserAgent,
        GroupBy::Verb,
        GroupBy::Resource,
        GroupBy::Namespace,
        GroupBy::SourceIp,
        GroupBy::Apiserver,
    ];

    /// Column header.
    pub fn label(self) -> &'static str {
        match self {
            GroupBy::User => "user",
            GroupBy::UserAgent => "user agent",
            GroupBy::Verb => "verb",
            GroupBy::Resource => "resource",
            GroupBy::Namespace => "namespace",
            GroupBy::SourceIp => "source IP",
            GroupBy::Apiserver => "apiserver / cluster",
        }
    }
}

/// Maps a request to its key in one dimension, caching per file.
pub struct Keyer {
    by: GroupBy,
    /// Key names by id.
    pub names: Vec<String>,
    index: HashMap<String, u32>,
    sym_cache: Vec<Vec<u32>>,
    res_cache: Vec<HashMap<(Sym, Sym, Sym, bool), u32>>,
}

impl Keyer {
    /// A keyer for `by` over `files` audit files.
    pub fn new(by: GroupBy, files: usize) -> Self {
        Self {
            by,
            names: Vec::new(),
            index: HashMap::new(),
            sym_cache: vec![Vec::new(); files],
            res_cache: vec![HashMap::new(); files],
        }
    }

    fn id(&mut self, s: String) -> u32 {
        if let Some(&i) = self.index.get(&s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(s.clone(), i);
        self.names.push(s);
        i
    }

    /// Id of a key string, if any request had it.
    pub fn find(&self, s: &str) -> Option<u32> {
        self.index.get(s).copied()
    }

    /// The key id of request `q` (its name is `names[id]`).
    pub fn key(&mut self, af: &AuditFiles<'_>, q: &Req) -> u32 {
        let d = af.data(q);
        let r = &d.requests;
        let i = q.row as usize;
        let f = q.file as usize;
        let (sym, empty) = match self.by {
            GroupBy::User => (r.user[i], "(no user)"),
            GroupBy::UserAgent => (r.user_agent[i], "(no user agent)"),
            GroupBy::Verb => (r.verb[i], "(no verb)"),
            GroupBy::Namespace => (r.namespace[i], "(cluster-scoped)"),
            GroupBy::SourceIp => (r.source_ip[i], "(no source IP)"),
            GroupBy::Apiserver => (r.apiserver[i], "(not in the log)"),
            GroupBy::Resource => {
                let k = (
                    r.resource[i],
                    r.api_group[i],
                    r.subresource[i],
                    r.flags[i] & F_NON_RESOURCE != 0,
                );
                if let Some(&id) = self.res_cache[f].get(&k) {
                    return id;
                }
                let id = self.id(resource_key(d, i));
                self.res_cache[f].insert(k, id);
                return id;
            }
        };
        let cache = &mut self.sym_cache[f];
        if cache.len() < d.strings.len() {
            cache.resize(d.strings.len(), u32::MAX);
        }
        let c = cache[sym as usize];
        if c != u32::MAX {
            return c;
        }
        let s = d.str(sym);
        let id = self.id(if s.is_empty() {
            empty.to_string()
        } else {
            s.to_string()
        });
        self.sym_cache[f][sym as usize] = id;
        id
    }
}

/// `resource[.group][/subresource]`, or the path of a non-resource request.
pub fn resource_key(d: &Data, i: usize) -> String {
    let r = &d.requests;
    let res = d.str(r.resource[i]);
    if r.flags[i] & F_NON_RESOURCE != 0 {
        return if res.is_empty() {
            "(no path)".into()
        } else {
            res.to_string()
        };
    }
    let mut s = if res.is_empty() {
        "(no resource)".to_string()
    } else {
        res.to_string()
    };
    let g = d.str(r.api_group[i]);
    if !g.is_empty() {
        s.push('.');
        s.push_str(g);
    }
    let sub = d.str(r.subresource[i]);
    if !sub.is_empty() {
        s.push('/');
        s.push_str(sub);
    }
    s
}
