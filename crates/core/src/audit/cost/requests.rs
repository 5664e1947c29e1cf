//! Single requests as [`RequestRow`]s: the report's slowest examples, and the rows
//! `history` lists.

use super::report::RequestRow;
use crate::audit::keys::resource_key;
use crate::audit::store::*;
use crate::audit::version::ListSource;
use crate::audit::view::{AuditFiles, Req};
use crate::dataset::Dataset;
use crate::time::{fmt_duration, fmt_micros};

pub(super) fn examples(
    af: &AuditFiles<'_>,
    ds: &Dataset,
    picked: &[(u32, u32)],
    n: usize,
    sources: &[Option<ListSource>],
) -> Vec<RequestRow> {
    if n == 0 {
        return Vec::new();
    }
    // Long-running requests are open for minutes by design: list them after the slow ones.
    let mut v: Vec<(i64, u32)> = picked
        .iter()
        .map(|&(ri, _)| {
            let q = &af.reqs[ri as usize];
            let lat = q.latency().unwrap_or(-1);
            let lat = if q.flags & F_LONG_RUNNING != 0 {
                -2 - lat.max(0) / 1000
            } else {
                lat
            };
            (lat, ri)
        })
        .collect();
    let cmp = |a: &(i64, u32), b: &(i64, u32)| b.0.cmp(&a.0).then(a.1.cmp(&b.1));
    if v.len() > n {
        v.select_nth_unstable_by(n - 1, cmp);
        v.truncate(n);
    }
    v.sort_by(cmp);
    v.into_iter()
        .map(|(_, ri)| {
            let src = sources.get(ri as usize).copied().flatten();
            request_row(af, ds, &af.reqs[ri as usize], src)
        })
        .collect()
}

/// Display form of one request.
pub(crate) fn request_row(
    af: &AuditFiles<'_>,
    ds: &Dataset,
    q: &Req,
    list_source: Option<ListSource>,
) -> RequestRow {
    let d = af.data(q);
    let r = &d.requests;
    let i = q.row as usize;
    let (lf, ld) = af.files[q.loc_file as usize];
    let li = q.loc_row as usize;
    let lat = q.latency().filter(|_| q.finished());
    let f = q.flags;
    let mut query = Vec::new();
    if r.verb.get(i).map(|&v| d.str(v)) == Some("list") {
        query.push(if f & F_NO_URI != 0 {
            "rv=unknown".to_string()
        } else if f & F_RV == 0 {
            "rv=unset".to_string()
        } else if f & F_RV_ZERO != 0 {
            "rv=0".to_string()
        } else {
            "rv=set".to_string()
        });
    }
    if f & F_RVM_EXACT != 0 {
        query.push("match=Exact".into());
    }
    if f & F_RVM_NOT_OLDER != 0 {
        query.push("match=NotOlderThan".into());
    }
    if f & F_LIMIT != 0 {
        query.push(format!("limit={}", r.limit[i]));
    }
    if f & F_CONTINUE != 0 {
        query.push("continue".into());
    }
    if f & F_LABEL_SELECTOR != 0 {
        query.push("labelSelector".into());
    }
    if f & F_FIELD_SELECTOR != 0 {
        query.push("fieldSelector".into());
    }
    if f & F_WATCH_PARAM != 0 {
        query.push("watch".into());
    }
    RequestRow {
        file: lf,
        file_name: ds
            .files
            .get(lf)
            .map(|x| x.meta.name.clone())
            .unwrap_or_default(),
        line: ld.requests.line[li] as u64,
        offset: ld.requests.offset[li],
        len: ld.requests.len[li] as u64,
        time: q.start(),
        time_text: fmt_micros(q.start()),
        user: d.str(r.user[i]).to_string(),
        impersonated: d.str(r.impersonated[i]).to_string(),
        user_agent: d.str(r.user_agent[i]).to_string(),
        source_ip: d.str(r.source_ip[i]).to_string(),
        verb: d.str(r.verb[i]).to_string(),
        resource: resource_key(d, i),
        namespace: d.str(r.namespace[i]).to_string(),
        name: d.str(r.name[i]).to_string(),
        code: q.code,
        latency_us: lat,
        latency_text: lat.map(fmt_duration).unwrap_or_else(|| "-".into()),
        long_running: f & F_LONG_RUNNING != 0,
        list_source: list_source
            .map(|s| s.label().to_string())
            .unwrap_or_default(),
        query: query.join(" "),
    }
}
