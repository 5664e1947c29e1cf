//! An audit log's requests on the timeline: one event per request, with its kind (verb and
//! status class), label (verb and resource) and lane (the user).

use super::fasthash;
use super::store::Data;
use crate::event::{EventIds, Severity};
use crate::parse::ParseCx;
use crate::time::NO_TIME;

/// Timeline kind and severity of a response: kinds carry the severity (the event store keeps one
/// severity per kind), so failures get their own kinds.
pub fn kind_of(verb: &str, code: u16) -> (String, Severity) {
    let v = if verb.is_empty() { "request" } else { verb };
    match code {
        500..=599 => (format!("audit.{v}.error"), Severity::Error),
        429 => (format!("audit.{v}.throttled"), Severity::Warning),
        401 | 403 => (format!("audit.{v}.denied"), Severity::Warning),
        _ => (format!("audit.{v}"), Severity::Info),
    }
}

pub(super) fn push_timeline(d: &Data, cx: &mut ParseCx<'_>) {
    let r = &d.requests;
    // Ids remembered per verb and status class, per label key and per user: the same few dozen
    // strings would otherwise be hashed for every request. First seen, first interned, so ids
    // are what interning per event gives.
    let mut kinds: fasthash::FxMap<(u32, u16), u16> = Default::default();
    let mut labels: fasthash::FxMap<(u32, u32, u32), u32> = Default::default();
    let mut lanes: fasthash::FxMap<u32, u32> = Default::default();
    let mut text = String::new();
    let ev = &mut *cx.events;
    ev.reserve_exact(r.len());
    for i in 0..r.len() {
        let code_class = match r.code[i] {
            c @ (429 | 401 | 403) => c,
            500..=599 => 500,
            _ => 0,
        };
        let kind = *kinds.entry((r.verb[i], code_class)).or_insert_with(|| {
            let (name, severity) = kind_of(d.str(r.verb[i]), code_class);
            ev.kind_id(&name, severity)
        });
        let label = *labels
            .entry((r.verb[i], r.resource[i], r.subresource[i]))
            .or_insert_with(|| {
                text.clear();
                text.push_str(&d.str(r.verb[i]).to_uppercase());
                text.push(' ');
                text.push_str(d.str(r.resource[i]));
                if r.subresource[i] != 0 {
                    text.push('/');
                    text.push_str(d.str(r.subresource[i]));
                }
                ev.labels.intern(&text)
            });
        // One lane per user, grouped under `audit` on the timeline.
        let lane = *lanes.entry(r.user[i]).or_insert_with(|| {
            let user = d.str(r.user[i]);
            text.clear();
            text.push_str("audit/");
            text.push_str(if user.is_empty() { "(no user)" } else { user });
            ev.lanes.intern(&text)
        });
        let time = if r.received[i] != NO_TIME {
            r.received[i]
        } else {
            r.done[i]
        };
        let ids = EventIds { kind, lane, label };
        ev.push_ids(time, ids, r.line[i] as u64, r.offset[i], r.len[i] as u64);
    }
}
