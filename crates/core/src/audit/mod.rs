//! Kubernetes audit logs: `audit.k8s.io/v1` and `v1beta1` `Event`s as JSON lines (log backend,
//! rotated, `.gz` via ingest), `EventList` documents (webhook backend), JSON arrays, and
//! pretty-printed multi-line JSON; and the managed clouds' wrappings of them ([`cloud`]: GKE
//! Cloud Logging, EKS CloudWatch Logs, AKS Azure Monitor), several per file if need be.
//!
//! Reading keeps one compact row per request ([`store`]); the analyses are in [`cost`]
//! (who spends the apiserver's time, with LIST sources per apiserver version from
//! [`version`]) and [`history`](mod@history) (every request that touched an object).
//!
//! Here: [`sniff`], which tells an audit log by its content. Reading one is `parser`'s
//! ([`Parser`]: lines and documents to events), `decode`'s (one event object: the scanner, or
//! serde_json) and `timeline`'s (one timeline event per request).

pub mod attribution;
pub mod cloud;
pub mod cost;
pub mod csv;
mod decode;
pub(crate) mod fasthash;
pub(crate) mod frame;
pub mod history;
pub mod keys;
mod merge;
pub mod parse;
mod parser;
pub(crate) mod scan;
pub mod store;
mod timeline;
pub mod version;
pub mod view;
mod wire;

pub use cost::{cost_report, CostQuery, CostReport, GroupBy};
pub use decode::{scanner_reads, with_serde_only};
pub use history::{history, HistoryReport, ObjectSpec};
pub use parser::Parser;
pub use store::Data;
pub use timeline::kind_of;

/// Confidence that the sample is an audit log, from content only.
pub fn sniff(sample: &[&[u8]]) -> u32 {
    // A query result over the Parquet export, as CSV with its header (`csv`).
    if sample.first().is_some_and(|l| csv::is_header(l)) {
        return 96;
    }
    let mut score = 0;
    let mut pretty_hits = 0;
    let (mut cloud_logging, mut k8s_service) = (false, false);
    let (mut aks_audit_id, mut aks_verb) = (false, false);
    for l in sample {
        let has = |n: &[u8]| memchr::memmem::find(l, n).is_some();
        // GKE: Cloud Logging entries with an AuditLog payload, compact or pretty-printed.
        if has(b"google.cloud.audit.AuditLog")
            || has(b"\"protoPayload\"")
            || has(b"\"AuditPayload\"")
        {
            cloud_logging = true;
        }
        if has(b"\"k8s.io\"") || has(b"\"io.k8s.") || has(b"\\\"io.k8s.") {
            k8s_service = true;
        }
        // AKS: Log Analytics AKSAudit rows (one field per line when pretty-printed).
        aks_audit_id |= has(b"\"AuditId\"");
        aks_verb |= has(b"\"Verb\"") || has(b"\"RequestUri\"");
        // EKS: CloudWatch text (`<time> [<stream>] <event>`), which also looks like a timestamped
        // node log: the event decides.
        if let Some((j, _)) = cloud::eks::text_line(l) {
            let j = &l[j..];
            if memchr::memmem::find(j, b"audit.k8s.io/").is_some()
                && memchr::memmem::find(j, b"\"auditID\"").is_some()
            {
                score = score.max(97);
            }
        }
        if has(b"audit.k8s.io/") && (has(b"\"Event") || has(b"EventList")) {
            score = score.max(95);
        } else if has(b"\"auditID\"") && has(b"\"stage\"") && has(b"\"verb\"") {
            score = score.max(85);
        } else if has(b"\"auditID\"")
            || has(b"\"requestReceivedTimestamp\"")
            || has(b"\"stageTimestamp\"")
            || has(b"\"audit.k8s.io/v")
        {
            // A pretty-printed event puts each field on its own line.
            pretty_hits += 1;
        }
    }
    if cloud_logging {
        score = score.max(if k8s_service { 90 } else { 50 });
    }
    if aks_audit_id && aks_verb {
        score = score.max(90);
    }
    if pretty_hits >= 2 {
        score = score.max(70);
    } else if pretty_hits == 1 {
        score = score.max(40);
    }
    score
}
