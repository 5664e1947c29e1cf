//! What one audit event deserializes into: borrowed strings, the annotations the cost model
//! reads, and the user and `objectRef` kept raw until needed.

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fmt;

/// A string borrowed from the input when it has no escapes, owned otherwise.
pub(crate) struct S<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for S<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = S<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<S<'de>, E> {
                Ok(S(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<S<'de>, E> {
                Ok(S(Cow::Owned(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<S<'de>, E> {
                Ok(S(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The first string of a JSON array (`sourceIPs`); the rest is skipped.
pub(crate) struct FirstStr<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for FirstStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FirstStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FirstStr<'de>, A::Error> {
                let first = seq.next_element::<S<'de>>()?.map(|s| s.0);
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(FirstStr(first))
            }
        }
        d.deserialize_seq(V)
    }
}

/// The annotations the cost model reads: `apiserver.latency.k8s.io/*` and priority-and-fairness
/// level / flow schema. Other annotations (authorization reasons, …) are skipped.
#[derive(Default)]
pub(crate) struct Annotations<'a> {
    pub latency: Vec<(Cow<'a, str>, Cow<'a, str>)>,
    pub apf_pl: Option<Cow<'a, str>>,
    pub apf_fs: Option<Cow<'a, str>>,
}

/// Prefix of the apiserver's latency-tracker annotations.
pub const LATENCY_PREFIX: &str = "apiserver.latency.k8s.io/";

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Annotations<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of annotations")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Annotations<'de>, A::Error> {
                let mut out = Annotations::default();
                while let Some(S(k)) = m.next_key::<S<'de>>()? {
                    if let Some(rest) = k.strip_prefix(LATENCY_PREFIX) {
                        let rest = rest.to_string();
                        let v = m.next_value::<S<'de>>()?.0;
                        out.latency.push((Cow::Owned(rest), v));
                    } else if is_apf_level_key(&k) {
                        out.apf_pl = Some(m.next_value::<S<'de>>()?.0);
                    } else if is_apf_schema_key(&k) {
                        out.apf_fs = Some(m.next_value::<S<'de>>()?.0);
                    } else {
                        m.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Annotation keys naming the APF priority level (`apf_pl` as in the apiserver's httplog, or a
/// prefixed `…/apf_pl` / `…apf-pl`).
fn is_apf_level_key(k: &str) -> bool {
    k == "apf_pl" || k.ends_with("/apf_pl") || k.ends_with("apf-pl")
}

/// Annotation keys naming the APF flow schema.
fn is_apf_schema_key(k: &str) -> bool {
    k == "apf_fs" || k.ends_with("/apf_fs") || k.ends_with("apf-fs")
}

#[derive(Deserialize)]
pub(crate) struct RawUser<'a> {
    #[serde(borrow, default)]
    pub username: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub groups: Option<Groups<'a>>,
}

/// `user.groups`, kept on the stack for the usual handful (no allocation per event).
pub(crate) struct Groups<'a> {
    pub head: [Option<Cow<'a, str>>; 6],
    pub rest: Vec<Cow<'a, str>>,
}

impl<'a> Groups<'a> {
    /// The groups in order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.head
            .iter()
            .map_while(|g| g.as_deref())
            .chain(self.rest.iter().map(|g| g.as_ref()))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Groups<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Groups<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of group names")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Groups<'de>, A::Error> {
                let mut g = Groups {
                    head: Default::default(),
                    rest: Vec::new(),
                };
                let mut n = 0;
                while let Some(S(s)) = seq.next_element::<S<'de>>()? {
                    if n < g.head.len() {
                        g.head[n] = Some(s);
                    } else {
                        g.rest.push(s);
                    }
                    n += 1;
                }
                Ok(g)
            }
        }
        d.deserialize_seq(V)
    }
}

#[derive(Deserialize)]
pub(crate) struct RawObjectRef<'a> {
    #[serde(borrow, default)]
    pub resource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub name: Option<Cow<'a, str>>,
    #[serde(rename = "apiGroup", borrow, default)]
    pub api_group: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub subresource: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(crate) struct RawStatus {
    #[serde(default)]
    pub code: Option<i64>,
}

/// The raw text of a JSON value (as serde's `RawValue` gives it), also built by the scanner.
#[derive(Clone, Copy)]
pub(crate) struct Raw<'a>(pub &'a str);

impl<'de: 'a, 'a> Deserialize<'de> for Raw<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        <&'de RawValue>::deserialize(d).map(|r| Raw(r.get()))
    }
}

/// One audit event (any `audit.k8s.io` version), or the envelope of an `EventList`.
/// Unknown fields, including the request/response bodies, are skipped without being built.
/// Read by [`super::scan`](crate::audit::scan) when it can, by serde otherwise.
#[derive(Deserialize, Default)]
pub(crate) struct RawEvent<'a> {
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(rename = "apiVersion", borrow, default)]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(rename = "auditID", borrow, default)]
    pub audit_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub stage: Option<Cow<'a, str>>,
    #[serde(rename = "requestURI", borrow, default)]
    pub request_uri: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub verb: Option<Cow<'a, str>>,
    /// Kept raw: the same user object repeats on most events, so it is parsed once per
    /// distinct text (see [`Builder`](super::Builder)).
    #[serde(borrow, default)]
    pub user: Option<Raw<'a>>,
    #[serde(rename = "impersonatedUser", borrow, default)]
    pub impersonated: Option<Raw<'a>>,
    #[serde(rename = "sourceIPs", borrow, default)]
    pub source_ips: Option<FirstStr<'a>>,
    #[serde(rename = "userAgent", borrow, default)]
    pub user_agent: Option<Cow<'a, str>>,
    #[serde(rename = "objectRef", borrow, default)]
    pub object_ref: Option<Raw<'a>>,
    #[serde(rename = "responseStatus", default)]
    pub response_status: Option<RawStatus>,
    #[serde(rename = "requestReceivedTimestamp", borrow, default)]
    pub received: Option<Cow<'a, str>>,
    #[serde(rename = "stageTimestamp", borrow, default)]
    pub stage_ts: Option<Cow<'a, str>>,
    /// v1beta1 / v1alpha1 event time.
    #[serde(borrow, default)]
    pub timestamp: Option<Cow<'a, str>>,
    /// Kept raw and parsed only when it holds latency or APF annotations (most do not).
    #[serde(borrow, default)]
    pub annotations: Option<Raw<'a>>,
}

impl RawEvent<'_> {
    /// Whether this object is an audit event at all (and not, say, some other JSON log).
    pub fn looks_like_event(&self) -> bool {
        self.audit_id.is_some() || (self.stage.is_some() && self.verb.is_some())
    }
}
