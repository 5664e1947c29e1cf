//! `audit_requests`: one row per request after stage merging (across rotated files too), with
//! every field the cost model reads and what the core decided about it: query time, long-running,
//! the LIST source and the pattern decision behind it. docs/schema.md lists the columns.

use super::table::{hour_partition, Cols, TableWriter, Written, BATCH_ROWS};
use arrow_array::RecordBatch;
use std::io;
use whodunnit_core::audit::attribution::{attribute, ListAttribution};
use whodunnit_core::audit::cost::resource_key;
use whodunnit_core::audit::store::*;
use whodunnit_core::audit::view::AuditFiles;
use whodunnit_core::time::NO_TIME;
use whodunnit_core::Dataset;

/// Stage names of the flags, in the order a request goes through them.
const STAGES: [(Flags, &str); 4] = [
    (F_RECEIVED, "RequestReceived"),
    (F_STARTED, "ResponseStarted"),
    (F_COMPLETE, "ResponseComplete"),
    (F_PANIC, "Panic"),
];

/// Write every request of `af`, oldest first.
pub fn export(
    ds: &Dataset,
    af: &AuditFiles<'_>,
    la: &ListAttribution,
    w: &mut TableWriter,
    partitioned: bool,
) -> io::Result<()> {
    // Time order: row-group statistics on time then prune, and each hour's rows are contiguous.
    let mut order: Vec<u32> = (0..af.reqs.len() as u32).collect();
    order.sort_by_key(|&ri| (af.reqs[ri as usize].start(), ri));
    // Latency annotations (sparse), by request.
    let mut parts: Vec<(u32, u32, u32)> = Vec::new(); // (request, file, index in latency_parts)
    for (fi, (_, d)) in af.files.iter().enumerate() {
        for (pi, p) in d.latency_parts.iter().enumerate() {
            if let Some(&ri) = af.slot[fi].get(p.req as usize) {
                parts.push((ri, fi as u32, pi as u32));
            }
        }
    }
    parts.sort_unstable();
    let mut i = 0;
    while i < order.len() {
        let part = partition(af, order[i], partitioned);
        let mut j = i + 1;
        while j < order.len() && j - i < BATCH_ROWS && partition(af, order[j], partitioned) == part
        {
            j += 1;
        }
        w.write(&part, &batch(ds, af, la, &parts, &order[i..j]))?;
        i = j;
    }
    Ok(())
}

/// Close the table (an empty file when there were no requests).
pub fn finish(ds: &Dataset, w: TableWriter, partitioned: bool) -> io::Result<Written> {
    let none = AuditFiles {
        files: Vec::new(),
        reqs: Vec::new(),
        slot: Vec::new(),
    };
    let la = attribute(&none, None, 0);
    let part = if partitioned {
        hour_partition(NO_TIME)
    } else {
        String::new()
    };
    w.finish(&part, batch(ds, &none, &la, &[], &[]))
}

fn partition(af: &AuditFiles<'_>, ri: u32, partitioned: bool) -> String {
    if partitioned {
        hour_partition(af.reqs[ri as usize].start())
    } else {
        String::new()
    }
}

/// The `resourceVersion` of a request's query: `unset`, `0`, `set`, or NULL without a URI.
fn rv(f: Flags) -> Option<&'static str> {
    if f & F_NO_URI != 0 {
        None
    } else if f & F_RV == 0 {
        Some("unset")
    } else if f & F_RV_ZERO != 0 {
        Some("0")
    } else {
        Some("set")
    }
}

/// A known query flag, NULL when the log carries no URI.
fn flag(f: Flags, bit: Flags) -> Option<bool> {
    (f & F_NO_URI == 0).then_some(f & bit != 0)
}

fn batch(
    ds: &Dataset,
    af: &AuditFiles<'_>,
    la: &ListAttribution,
    parts: &[(u32, u32, u32)],
    rows: &[u32],
) -> RecordBatch {
    let reqs: Vec<_> = rows.iter().map(|&ri| &af.reqs[ri as usize]).collect();
    // (store, row) of the attributes and of the final stage's location.
    let at: Vec<(&Data, usize)> = reqs.iter().map(|q| (af.data(q), q.row as usize)).collect();
    let loc: Vec<(usize, &Data, usize)> = reqs
        .iter()
        .map(|q| {
            let (fi, d) = af.files[q.loc_file as usize];
            (fi, d, q.loc_row as usize)
        })
        .collect();
    let sym = |f: fn(&Requests) -> &Vec<Sym>| -> Vec<Option<&str>> {
        at.iter()
            .map(|(d, i)| Some(d.str(f(&d.requests)[*i])))
            .collect()
    };
    let decision = |ri: &u32| la.decision(*ri as usize);
    let mut c = Cols::default();
    c.time("start", reqs.iter().map(|q| q.start()));
    c.micros("start_us", reqs.iter().map(|q| q.start()));
    c.time("received", reqs.iter().map(|q| q.received));
    c.micros("received_us", reqs.iter().map(|q| q.received));
    c.time("completed", reqs.iter().map(|q| q.done));
    c.micros("completed_us", reqs.iter().map(|q| q.done));
    c.i64("latency_us", reqs.iter().map(|q| q.latency()).collect());
    c.i64(
        "query_time_us",
        reqs.iter().map(|q| q.query_time()).collect(),
    );
    c.bool(
        "finished",
        reqs.iter().map(|q| Some(q.finished())).collect(),
    );
    c.bool(
        "long_running",
        reqs.iter()
            .map(|q| Some(q.flags & F_LONG_RUNNING != 0))
            .collect(),
    );
    c.str(
        "stages",
        reqs.iter()
            .map(|q| {
                let s: Vec<&str> = STAGES
                    .iter()
                    .filter(|(b, _)| q.flags & b != 0)
                    .map(|(_, n)| *n)
                    .collect();
                Some(s.join(","))
            })
            .collect::<Vec<_>>()
            .iter()
            .map(|s| s.as_deref()),
    );
    c.str("username", sym(|r| &r.user));
    c.str_list(
        "user_groups",
        at.iter().map(|(d, i)| {
            let g = d.groupsets.get(d.requests.groups[*i] as usize);
            g.into_iter().flatten().map(|&s| d.str(s))
        }),
    );
    c.str("impersonated_user", sym(|r| &r.impersonated));
    c.str("user_agent", sym(|r| &r.user_agent));
    c.str("source_ip", sym(|r| &r.source_ip));
    c.str("verb", sym(|r| &r.verb));
    c.str("resource", sym(|r| &r.resource));
    c.str("subresource", sym(|r| &r.subresource));
    c.str("api_group", sym(|r| &r.api_group));
    c.str("namespace", sym(|r| &r.namespace));
    c.str("name", sym(|r| &r.name));
    let keys: Vec<String> = at.iter().map(|(d, i)| resource_key(d, *i)).collect();
    c.str("resource_key", keys.iter().map(|k| Some(k.as_str())));
    c.bool(
        "non_resource",
        reqs.iter()
            .map(|q| Some(q.flags & F_NON_RESOURCE != 0))
            .collect(),
    );
    c.i32(
        "code",
        reqs.iter()
            .map(|q| (q.code != 0).then_some(q.code as i32))
            .collect(),
    );
    c.str(
        "list_class",
        rows.iter().map(|ri| decision(ri).map(|d| d.class.label())),
    );
    c.str(
        "list_source",
        rows.iter().map(|ri| decision(ri).map(|d| d.source.label())),
    );
    c.str(
        "list_decided_by",
        rows.iter().map(|ri| decision(ri).map(|d| d.decided_by)),
    );
    c.str(
        "list_rule",
        rows.iter().map(|ri| decision(ri).map(|d| d.rule.as_str())),
    );
    c.str("resource_version", reqs.iter().map(|q| rv(q.flags)));
    c.str(
        "resource_version_match",
        reqs.iter().map(|q| {
            if q.flags & F_RVM_EXACT != 0 {
                Some("Exact")
            } else if q.flags & F_RVM_NOT_OLDER != 0 {
                Some("NotOlderThan")
            } else {
                None
            }
        }),
    );
    c.i64(
        "list_limit",
        reqs.iter()
            .zip(&at)
            .map(|(q, (d, i))| (q.flags & F_LIMIT != 0).then_some(d.requests.limit[*i] as i64))
            .collect(),
    );
    for (name, bit) in [
        ("continue_token", F_CONTINUE),
        ("label_selector", F_LABEL_SELECTOR),
        ("field_selector", F_FIELD_SELECTOR),
        ("watch_param", F_WATCH_PARAM),
        ("follow", F_FOLLOW),
    ] {
        c.bool(name, reqs.iter().map(|q| flag(q.flags, bit)).collect());
    }
    c.bool(
        "has_uri",
        reqs.iter().map(|q| Some(q.flags & F_NO_URI == 0)).collect(),
    );
    c.str("apf_priority_level", sym(|r| &r.apf_pl));
    c.str("apf_flow_schema", sym(|r| &r.apf_fs));
    c.bool(
        "annotated",
        rows.iter()
            .map(|&ri| Some(la.annotated.get(ri as usize).copied().unwrap_or(false)))
            .collect(),
    );
    c.map_i64(
        "latency_annotations",
        rows.iter().map(|&ri| {
            let a = parts.partition_point(|p| p.0 < ri);
            let b = parts.partition_point(|p| p.0 <= ri);
            parts[a..b].iter().map(|&(_, fi, pi)| {
                let d = af.files[fi as usize].1;
                let p = &d.latency_parts[pi as usize];
                (d.str(p.key), p.micros)
            })
        }),
    );
    c.str("apiserver", sym(|r| &r.apiserver));
    c.str(
        "source_file",
        loc.iter()
            .map(|(fi, _, _)| ds.files.get(*fi).map(|f| f.meta.name.as_str())),
    );
    c.i64(
        "line",
        loc.iter()
            .map(|(_, d, i)| Some(d.requests.line[*i] as i64))
            .collect(),
    );
    c.i64(
        "byte_offset",
        loc.iter()
            .map(|(_, d, i)| Some(d.requests.offset[*i] as i64))
            .collect(),
    );
    c.i64(
        "byte_len",
        loc.iter()
            .map(|(_, d, i)| Some(d.requests.len[*i] as i64))
            .collect(),
    );
    c.finish()
}
