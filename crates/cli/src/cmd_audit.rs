//! `whodunnit audit` (who spends the apiserver's time) and `whodunnit audit history OBJECT`
//! (every request that touched an object).

use crate::input;
use clap::{Args, Subcommand, ValueEnum};
use std::process::ExitCode;
use whodunnit_core::audit::cost::CostRow;
use whodunnit_core::audit::{cost_report, history, CostQuery, CostReport, GroupBy, ObjectSpec};
use whodunnit_core::time::fmt_duration;

/// Options of `whodunnit audit`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub sub: Option<AuditSub>,
    /// Audit logs (JSON lines, EventList, pretty-printed JSON; rotated and .gz too).
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Group rows by this dimension.
    #[arg(long, value_enum, default_value = "user")]
    pub by: By,
    /// Rows to print; the rest are summed as "others".
    #[arg(long, default_value_t = 20)]
    pub top: usize,
    /// Window start: RFC 3339 time or date (UTC).
    #[arg(long)]
    pub since: Option<String>,
    /// Window end (inclusive): RFC 3339 time or date (UTC).
    #[arg(long)]
    pub until: Option<String>,
    /// Drill down: only requests of this user.
    #[arg(long)]
    pub user: Option<String>,
    /// Drill down: only requests with this verb (list, get, …).
    #[arg(long)]
    pub verb: Option<String>,
    /// Drill down: only requests on this resource (as printed by --by resource).
    #[arg(long)]
    pub resource: Option<String>,
    /// Drill down: only requests in this namespace.
    #[arg(long)]
    pub namespace: Option<String>,
    /// Slowest requests to list.
    #[arg(long, default_value_t = 10)]
    pub examples: usize,
    /// The apiserver version whose LIST rules apply (`1.30`, `v1.31.2`); default: the version
    /// the log's control-plane user agents show.
    #[arg(long)]
    pub server_version: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `whodunnit audit` subcommands.
#[derive(Subcommand)]
pub enum AuditSub {
    /// Every request that touched an object, oldest first: `namespace foo`, `pods/bar`,
    /// `ns/pods/bar`. A namespace's history includes the objects inside it.
    History {
        /// The object: `namespace foo`, `ns/foo`, `pods/bar`, `foo/pods/bar`.
        object: String,
        /// Audit logs.
        #[arg(required = true)]
        files: Vec<String>,
        /// Requests to list (the summary always covers all).
        #[arg(long, default_value_t = 200)]
        limit: usize,
        /// Only requests that changed something (not get/list/watch).
        #[arg(long)]
        writes: bool,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Grouping dimension on the command line.
#[derive(Clone, Copy, ValueEnum)]
pub enum By {
    User,
    #[value(alias = "user-agent", alias = "ua")]
    Useragent,
    Verb,
    Resource,
    Namespace,
    #[value(alias = "source-ip", alias = "ip")]
    Sourceip,
    /// The apiserver instance / cluster named by a cloud log's wrapping.
    #[value(alias = "cluster")]
    Apiserver,
}

impl From<By> for GroupBy {
    fn from(b: By) -> Self {
        match b {
            By::User => GroupBy::User,
            By::Useragent => GroupBy::UserAgent,
            By::Verb => GroupBy::Verb,
            By::Resource => GroupBy::Resource,
            By::Namespace => GroupBy::Namespace,
            By::Sourceip => GroupBy::SourceIp,
            By::Apiserver => GroupBy::Apiserver,
        }
    }
}

/// Run `whodunnit audit …`.
pub fn run(a: AuditArgs) -> ExitCode {
    if let Some(AuditSub::History {
        object,
        files,
        limit,
        writes,
        json,
    }) = a.sub
    {
        return run_history(&object, &files, limit, writes, json);
    }
    let Ok((since, until)) = input::time_window(&a.since, &a.until) else {
        return ExitCode::from(2);
    };
    let until = until.map(|t| t + 1);
    let mut filters = Vec::new();
    for (by, v) in [
        (GroupBy::User, &a.user),
        (GroupBy::Verb, &a.verb),
        (GroupBy::Resource, &a.resource),
        (GroupBy::Namespace, &a.namespace),
    ] {
        if let Some(v) = v {
            filters.push((by, v.clone()));
        }
    }
    let (ds, failed) = input::read_all(&a.files);
    let q = CostQuery {
        by: a.by.into(),
        top: a.top,
        since,
        until,
        filters,
        examples: a.examples,
        server_version: a.server_version.clone(),
        ..CostQuery::default()
    };
    let r = cost_report(&ds, &q);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&r).expect("report serializes")
        );
    } else {
        if r.files == 0 {
            eprintln!("whodunnit: no audit log among the files (see `whodunnit analyze`)");
        }
        print!("{}", render(&r));
    }
    exit(failed)
}

fn exit(failed: usize) -> ExitCode {
    if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn row_line(r: &CostRow) -> String {
    let lists = if r.lists > 0 {
        if r.lists_unknown > 0 {
            format!(
                "{} ({}/{}/{}?)",
                r.lists, r.lists_etcd, r.lists_cache, r.lists_unknown
            )
        } else {
            format!("{} ({}/{})", r.lists, r.lists_etcd, r.lists_cache)
        }
    } else {
        "-".into()
    };
    format!(
        "{:>6} {:>10} {:>9.3} {:>8} {:>8} {:>8} {:>8} {:>5} {:>5} {:>4} {:>16}  {}\n",
        r.share_text,
        r.query_time_text,
        r.mean_in_flight,
        r.requests,
        r.p50_text,
        r.p95_text,
        r.p99_text,
        r.errors_4xx,
        r.errors_5xx,
        r.throttled_429,
        lists,
        if r.key.is_empty() { "(none)" } else { &r.key }
    )
}

/// The text report.
fn render(r: &CostReport) -> String {
    let t = &r.totals;
    let mut s = format!(
        "API cost by {} — {} audit file(s), window {} … {} ({})\n",
        r.by_label, r.files, r.window.start_text, r.window.end_text, r.window.duration_text
    );
    for (by, v) in &r.filters {
        s += &format!("  only {} = {v}\n", by.label());
    }
    s += &format!(
        "requests {} ({} long-running, kept out of query time; {} without a latency), query time {}, mean in flight {:.3}\n",
        t.requests, t.long_running, t.untimed, t.query_time_text, t.mean_in_flight
    );
    s += &format!(
        "errors: 4xx {}, 5xx {}, 429 {}; LIST {} (from etcd {}, from cache {}, unknown {})\n",
        t.errors_4xx,
        t.errors_5xx,
        t.throttled_429,
        t.lists,
        t.lists_etcd,
        t.lists_cache,
        t.lists_unknown
    );
    let lm = &r.list_model;
    s += &format!(
        "LIST sources for apiserver {} ({}): {} by annotation evidence, {} by the version's rules, {} undecided\n",
        lm.version.as_deref().unwrap_or("version unknown"),
        lm.version_source,
        lm.by_annotation,
        lm.by_rule,
        lm.undecided
    );
    for m in &r.missing {
        s += &format!("missing: {m}\n");
    }
    s += "\n";
    s += &format!(
        "{:>6} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>5} {:>5} {:>4} {:>16}  {}\n",
        "SHARE",
        "QUERY",
        "INFLIGHT",
        "REQS",
        "P50",
        "P95",
        "P99",
        "4XX",
        "5XX",
        "429",
        "LIST(etcd/cache)",
        r.by_label.to_uppercase()
    );
    for row in &r.rows {
        s += &row_line(row);
    }
    if let Some(o) = &r.others {
        s += &row_line(o);
    }
    if !lm.patterns.is_empty() {
        s += "\nLIST patterns (user × resource × resourceVersion class):\n";
        for p in lm.patterns.iter().take(15) {
            s += &format!(
                "  {:>6}  {:<7} {:<12} {:<18} {}  {}\n",
                p.lists,
                p.source.label(),
                p.decided_by,
                p.class_label,
                p.resource,
                p.user
            );
        }
    }
    if !r.long_running.is_empty() {
        s += "\nLong-running requests (watch, exec, attach, port-forward, proxy, log -f), not in query time:\n";
        for row in &r.long_running {
            s += &format!(
                "  {:>8}  open {:>10}  {}\n",
                row.long_running,
                fmt_duration(row.long_running_us),
                row.key
            );
        }
    }
    if !r.latency_breakdown.is_empty() {
        s += "\nLatency breakdown (apiserver.latency.k8s.io annotations):\n";
        for p in &r.latency_breakdown {
            s += &format!("  {:>10}  {}\n", p.text, p.name);
        }
    }
    if !r.apf.is_empty() {
        s += "\nPriority and fairness (priority level / flow schema):\n";
        for a in r.apf.iter().take(20) {
            s += &format!(
                "  {:>8} reqs {:>10}  {} / {}\n",
                a.requests,
                fmt_duration(a.query_time_us),
                a.priority_level,
                a.flow_schema
            );
        }
    }
    if r.weekly.weeks.len() > 1 {
        s += "\nShare of query time per week:\n  ";
        for w in &r.weekly.week_labels {
            s += &format!("{w:>11}");
        }
        s += "\n";
        for row in &r.weekly.rows {
            s += "  ";
            for v in &row.shares {
                s += &format!("{:>10.1}%", v * 100.0);
            }
            s += &format!("  {}\n", row.key);
        }
    }
    if !r.examples.is_empty() {
        s += "\nSlowest requests:\n";
        for e in &r.examples {
            let obj = match (e.namespace.is_empty(), e.name.is_empty()) {
                (true, true) => e.resource.clone(),
                (true, false) => format!("{}/{}", e.resource, e.name),
                (false, true) => format!("{} -n {}", e.resource, e.namespace),
                (false, false) => format!("{}/{} -n {}", e.resource, e.name, e.namespace),
            };
            s += &format!(
                "  {}  {:>9}  {:>3}  {:<6} {}  {}{}  {}:{}\n",
                e.time_text,
                e.latency_text,
                e.code,
                e.verb,
                obj,
                e.user,
                if e.query.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", e.query)
                },
                e.file_name,
                e.line
            );
        }
    }
    s
}

fn run_history(object: &str, files: &[String], limit: usize, writes: bool, json: bool) -> ExitCode {
    // `audit history namespace foo FILE…`: the shell split the object in two words.
    let mut files = files;
    let joined;
    let mut object = object;
    if matches!(object, "namespace" | "namespaces" | "ns") && files.len() > 1 {
        joined = format!("{object} {}", files[0]);
        object = &joined;
        files = &files[1..];
    }
    let Some(spec) = ObjectSpec::parse(object) else {
        eprintln!(
            "whodunnit: {object:?}: not an object (use `namespace foo`, `pods/bar` or `foo/pods/bar`)"
        );
        return ExitCode::from(2);
    };
    let (ds, failed) = input::read_all(files);
    let mut h = history(&ds, &spec, if writes { usize::MAX } else { limit });
    if writes {
        h.entries.retain(|e| e.mutating);
        let keep = limit.min(h.entries.len());
        h.omitted = (h.entries.len() - keep) as u64;
        h.entries.truncate(keep);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&h).expect("report serializes")
        );
        return exit(failed);
    }
    let mut s = format!("History of {} — {} request(s)\n", h.label, h.total);
    if !h.groups.is_empty() {
        s += "\nSummary:\n";
        for g in &h.groups {
            s += &format!(
                "  {:<40} {:>6} req  {} … {}",
                g.what, g.requests, g.first_text, g.last_text
            );
            if g.first_delete.is_some() {
                s += &format!(
                    "  deleted {} by {} ({} delete(s))",
                    g.first_delete_text, g.first_delete_by, g.deletes
                );
            }
            s += "\n";
        }
    }
    if !h.entries.is_empty() {
        s += "\nRequests:\n";
    }
    for e in &h.entries {
        let r = &e.request;
        let obj = if r.name.is_empty() {
            r.resource.clone()
        } else {
            format!("{}/{}", r.resource, r.name)
        };
        let ns = if r.namespace.is_empty() {
            String::new()
        } else {
            format!(" -n {}", r.namespace)
        };
        s += &format!(
            "  {}  {:<16} {:>3}  {}{}  {}  {}:{}\n",
            r.time_text, r.verb, r.code, obj, ns, r.user, r.file_name, r.line
        );
    }
    if h.omitted > 0 {
        s += &format!("  … {} more (raise --limit)\n", h.omitted);
    }
    print!("{s}");
    exit(failed)
}
