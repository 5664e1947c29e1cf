//! The API cost view: who spends the apiserver's time, on what, and since when.
//!
//! A stacked area chart of mean in-flight query time for the top keys (brush it to choose a
//! window, shared with the timeline), a sortable table with drill-down (user → verb → resource
//! → example requests, each re-readable from its file), LIST-from-etcd highlighted, a per-week
//! share table, and object history.

use crate::bridge::BridgeCtx;
use crate::fmt;
use crate::protocol::RawSlice;
use crate::views::canvas::{self, time_ticks};
use crate::views::{use_query, use_width, Nothing};
use web_sys::HtmlCanvasElement;
use whodunnit_core::audit::cost::{CostQuery, CostReport, CostRow, GroupBy, RequestRow, Series};
use whodunnit_core::audit::history::HistoryReport;
use whodunnit_core::query::Query;
use yew::prelude::*;

const CHART_H: f64 = 220.0;
const AXIS_W: f64 = 46.0;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
    pub window: Option<(i64, i64)>,
    pub set_window: Callback<Option<(i64, i64)>>,
    /// An evidence link's drill-down filters, applied when it changes.
    #[prop_or_default]
    pub focus: Option<crate::state::Focus>,
}

/// Sortable columns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Time,
    Requests,
    P99,
    Etcd,
    Errors,
}

#[function_component(CostView)]
pub fn cost_view(p: &Props) -> Html {
    let (width_ref, width) = use_width();
    let by = use_state(|| GroupBy::User);
    let filters = use_state(Vec::<(GroupBy, String)>::new);
    let sort = use_state(|| SortBy::Time);
    // `None`: the version the logs show; otherwise the user's choice (`1.30`).
    let version = use_state(|| None::<String>);
    {
        let filters = filters.clone();
        let by = by.clone();
        use_effect_with(p.focus.clone(), move |f| {
            if let Some(crate::state::Focus::Cost { filters: fs, .. }) = f {
                let last = fs.last().map(|(g, _)| *g).unwrap_or(GroupBy::User);
                filters.set(fs.clone());
                by.set(next_dimension(last, fs));
            }
        });
    }
    let q = CostQuery {
        by: *by,
        top: 25,
        series_top: 8,
        buckets: ((width - AXIS_W) / 6.0).clamp(20.0, 400.0) as usize,
        since: p.window.map(|w| w.0),
        until: p.window.map(|w| w.1),
        filters: (*filters).clone(),
        examples: 25,
        server_version: (*version).clone(),
        patterns: 12,
    };
    let answer = use_query::<CostReport>(Query::Cost(q), p.generation);
    let chart_ref = use_node_ref();
    let brush = use_mut_ref(|| None::<f64>);

    // Hooks run on every render, before any early return (Yew requires a stable order).
    {
        let chart_ref = chart_ref.clone();
        let series = match &*answer {
            Some(Ok(r)) => Some(r.series.clone()),
            _ => None,
        };
        use_effect_with((series, width as i64), move |(series, _)| {
            if let (Some(c), Some(series)) = (chart_ref.cast::<HtmlCanvasElement>(), series) {
                draw_chart(&c, series);
            }
        });
    }
    let report = match &*answer {
        Some(Ok(r)) => r.clone(),
        Some(Err(e)) => return html! { <div class="view error">{ e }</div> },
        None => {
            return html! { <div class="view muted" ref={width_ref}>{"Computing API cost…"}</div> }
        }
    };
    if report.files == 0 {
        return html! {
            <div class="view" ref={width_ref}>
                <Nothing title="No audit log loaded">
                    {"Drop Kubernetes audit logs (audit.k8s.io Event JSON lines, EventList, .gz): this view sums each user's query time, shows who keeps the apiserver busy, and which LIST calls bypass the watch cache and hit etcd."}
                </Nothing>
            </div>
        };
    }

    let series = report.series.clone();
    let over_down = {
        let brush = brush.clone();
        Callback::from(move |e: MouseEvent| *brush.borrow_mut() = Some(e.offset_x() as f64))
    };
    let over_up = {
        let brush = brush.clone();
        let set_window = p.set_window.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(x0) = brush.borrow_mut().take() else {
                return;
            };
            let x1 = e.offset_x() as f64;
            if (x1 - x0).abs() < 4.0 || series.times.is_empty() {
                return;
            }
            let plot = (width - AXIS_W).max(1.0);
            let lo = series.times[0];
            let hi = series.times[series.times.len() - 1] + series.bucket_us;
            let t = |x: f64| lo + (((x - AXIS_W) / plot).clamp(0.0, 1.0) * (hi - lo) as f64) as i64;
            set_window.emit(Some((t(x0.min(x1)), t(x0.max(x1)))));
        })
    };

    let drill = {
        let filters = filters.clone();
        let by = by.clone();
        Callback::from(move |key: String| {
            let mut f = (*filters).clone();
            f.push((*by, key));
            filters.set(f);
            by.set(next_dimension(*by, &filters));
        })
    };
    let crumbs = {
        let filters = filters.clone();
        html! {
            <span class="crumbs">
                <button class="link" onclick={{ let f = filters.clone(); Callback::from(move |_| f.set(Vec::new())) }}>{"all requests"}</button>
                { for filters.iter().enumerate().map(|(i, (g, v))| {
                    let f = filters.clone();
                    html! { <>{" › "}<button class="link" onclick={Callback::from(move |_| { let mut v2 = (*f).clone(); v2.truncate(i + 1); f.set(v2); })}>{ format!("{} = {}", g.label(), v) }</button></> }
                }) }
            </span>
        }
    };
    let t = &report.totals;
    let mut rows = report.rows.clone();
    match *sort {
        SortBy::Time => {}
        SortBy::Requests => rows.sort_by_key(|r| std::cmp::Reverse(r.requests)),
        SortBy::P99 => rows.sort_by_key(|r| std::cmp::Reverse(r.p99_us)),
        SortBy::Etcd => rows.sort_by(|a, b| {
            b.lists_etcd_time_us
                .cmp(&a.lists_etcd_time_us)
                .then(b.lists_etcd.cmp(&a.lists_etcd))
        }),
        SortBy::Errors => rows.sort_by(|a, b| {
            (b.errors_4xx + b.errors_5xx + b.throttled_429)
                .cmp(&(a.errors_4xx + a.errors_5xx + a.throttled_429))
        }),
    }
    let th = |label: &'static str, s: SortBy| {
        let sort = sort.clone();
        let on = *sort == s;
        html! { <th class={classes!("num", "sortable", on.then_some("sorted"))} onclick={Callback::from(move |_| sort.set(s))}>{ label }{ if on { " ▾" } else { "" } }</th> }
    };
    let keys = report.series.keys.clone();

    html! {
        <div class="view cost-view" ref={width_ref}>
            <div class="toolbar">
                <span class="muted small">{"group by"}</span>
                <span class="seg">
                    { for GroupBy::ALL.iter().map(|g| {
                        let g = *g;
                        let by2 = by.clone();
                        html! { <button class={classes!((*by == g).then_some("on"))} onclick={Callback::from(move |_| by2.set(g))}>{ g.label() }</button> }
                    }) }
                </span>
                { crumbs }
                <span class="spacer"></span>
                <span class="muted small">{ format!("{} → {} ({})", report.window.start_text, report.window.end_text, report.window.duration_text) }</span>
                if p.window.is_some() {
                    <button class="btn small" onclick={{ let s = p.set_window.clone(); Callback::from(move |_| s.emit(None)) }}>{"whole range"}</button>
                }
            </div>
            <div class="stat-row">
                <super::files::Stat label="requests" value={fmt::count(t.requests)} />
                <super::files::Stat label="query time" value={t.query_time_text.clone()} />
                <super::files::Stat label="mean in flight" value={format!("{:.2}", t.mean_in_flight)} />
                <super::files::Stat label="LISTs from etcd" value={if t.lists_unknown > 0 { format!("{} of {} ({} unknown)", fmt::count(t.lists_etcd), fmt::count(t.lists), fmt::count(t.lists_unknown)) } else { format!("{} of {}", fmt::count(t.lists_etcd), fmt::count(t.lists)) }} warn={t.lists_etcd > 0} />
                <super::files::Stat label="errors 4xx / 5xx / 429" value={format!("{} / {} / {}", t.errors_4xx, t.errors_5xx, t.throttled_429)} warn={t.errors_5xx + t.throttled_429 > 0} />
                <super::files::Stat label="long-running (watch, exec…)" value={fmt::count(t.long_running)} />
            </div>
            { version_bar(&report, version.clone()) }
            <div class="chart-card">
                <div class="chart-head">
                    <b>{"Requests in flight (mean per "}{ &report.series.bucket_text }{")"}</b>
                    <span class="legend">
                        { for keys.iter().enumerate().map(|(i, k)| html! { <span class="legend-item"><span class="swatch" style={format!("background:{}", series_color(i, keys.len(), k))}></span>{ fmt::ellipsize(k, 48) }</span> }) }
                    </span>
                </div>
                <canvas ref={chart_ref} class="cost-chart" onmousedown={over_down} onmouseup={over_up} title="Drag to choose a window (shared with the timeline)" />
            </div>
            <h2 class="section">{ format!("By {}", report.by_label) }</h2>
            <table class="grid cost-table">
                <thead><tr>
                    <th>{ report.by_label.clone() }</th>
                    { th("requests", SortBy::Requests) }
                    { th("query time", SortBy::Time) }
                    <th>{"share"}</th>
                    <th class="num">{"in flight"}</th>
                    <th class="num">{"p50"}</th><th class="num">{"p95"}</th>
                    { th("p99", SortBy::P99) }
                    { th("errors", SortBy::Errors) }
                    <th class="num">{"LIST"}</th>
                    { th("LIST from etcd", SortBy::Etcd) }
                    <th class="num">{"from cache"}</th>
                    <th class="num">{"long-running"}</th>
                </tr></thead>
                <tbody>
                    { for rows.iter().map(|r| cost_row(r, drill.clone())) }
                    if let Some(o) = &report.others { { others_row(o) } }
                </tbody>
            </table>
            { list_patterns(&report) }
            { time_split(&report) }
            { examples(&report.examples) }
            { weekly(&report) }
            <History generation={p.generation} />
        </div>
    }
}

/// After drilling into a key, the next natural question: user → verb → resource → namespace.
fn next_dimension(by: GroupBy, _filters: &[(GroupBy, String)]) -> GroupBy {
    match by {
        GroupBy::User | GroupBy::UserAgent | GroupBy::SourceIp | GroupBy::Apiserver => {
            GroupBy::Verb
        }
        GroupBy::Verb => GroupBy::Resource,
        GroupBy::Resource => GroupBy::Namespace,
        GroupBy::Namespace => GroupBy::User,
    }
}

/// Minor versions offered in the version control (the LIST rules change at 1.31, 1.33, 1.34).
const VERSIONS: [&str; 10] = [
    "1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36",
];

/// The apiserver version the LIST rules assume, where it comes from, and the control to change
/// it; then what the logs cannot tell.
fn version_bar(r: &CostReport, version: UseStateHandle<Option<String>>) -> Html {
    let lm = &r.list_model;
    let onchange = {
        let version = version.clone();
        Callback::from(move |e: Event| {
            let v = e
                .target_unchecked_into::<web_sys::HtmlSelectElement>()
                .value();
            version.set((!v.is_empty()).then_some(v));
        })
    };
    let inferred = match &lm.inferred {
        Some(i) => format!("as the logs show: {i}"),
        None => "as the logs show: unknown".to_string(),
    };
    let chosen = (*version).clone().unwrap_or_default();
    html! {
        <div class="version-bar">
            <label class="small">{"apiserver version "}
                <select class="version-select" {onchange}>
                    <option value="" selected={chosen.is_empty()}>{ inferred }</option>
                    { for VERSIONS.iter().map(|v| html! { <option value={*v} selected={chosen == *v}>{ *v }</option> }) }
                </select>
            </label>
            <span class="small list-model">{ format!(
                " LIST sources for {} ({}): {} by annotation evidence, {} by the version's rules, {} undecided.",
                lm.version.as_deref().unwrap_or("an unknown version"),
                lm.version_source,
                fmt::count(lm.by_annotation),
                fmt::count(lm.by_rule),
                fmt::count(lm.undecided)
            ) }</span>
            if !r.missing.is_empty() {
                <ul class="missing small muted">
                    { for r.missing.iter().map(|m| html! { <li>{ m }</li> }) }
                </ul>
            }
        </div>
    }
}

/// The largest LIST patterns, where they were served and what decided it.
fn list_patterns(r: &CostReport) -> Html {
    let pats = &r.list_model.patterns;
    if pats.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h2 class="section">{"LIST patterns: where they were served"}</h2>
            <table class="grid list-patterns">
                <thead><tr>
                    <th>{"user"}</th><th>{"resource"}</th><th>{"resourceVersion"}</th>
                    <th class="num">{"LISTs"}</th><th class="num">{"query time"}</th>
                    <th>{"served from"}</th><th>{"decided by"}</th><th>{"why"}</th>
                </tr></thead>
                <tbody>
                    { for pats.iter().map(|p| html! {
                        <tr class="list-pattern">
                            <td class="mono">{ fmt::ellipsize(&p.user, 48) }</td>
                            <td class="mono">{ &p.resource }</td>
                            <td>{ &p.class_label }</td>
                            <td class="num">{ fmt::count(p.lists) }</td>
                            <td class="num">{ whodunnit_core::time::fmt_duration(p.query_time_us) }</td>
                            <td class={classes!("source", (p.source == whodunnit_core::audit::version::ListSource::Etcd).then_some("etcd-hot"))}>{ p.source.label() }</td>
                            <td>{ &p.decided_by }</td>
                            <td class="small muted">{ &p.rule }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </>
    }
}

/// Where the time went: the latency annotations' sum, with their >500 ms caveat, and APF.
fn time_split(r: &CostReport) -> Html {
    if r.latency_breakdown.is_empty() && r.apf.is_empty() {
        return html! {};
    }
    html! {
        <>
            <h2 class="section">{"Where the time went"}</h2>
            if !r.latency_breakdown.is_empty() {
                <p class="small muted">{ format!("Sum of apiserver.latency.k8s.io/* annotations. The apiserver writes them only for requests slower than 500 ms: {} of {} requests here.", fmt::count(r.totals.annotated), fmt::count(r.totals.requests)) }</p>
                <table class="grid latency-split">
                    <tbody>
                        { for r.latency_breakdown.iter().map(|p| html! { <tr><td class="mono">{ &p.name }</td><td class="num">{ &p.text }</td></tr> }) }
                    </tbody>
                </table>
            }
            if !r.apf.is_empty() {
                <table class="grid apf">
                    <thead><tr><th>{"priority level"}</th><th>{"flow schema"}</th><th class="num">{"requests"}</th><th class="num">{"query time"}</th></tr></thead>
                    <tbody>
                        { for r.apf.iter().map(|a| html! { <tr><td>{ &a.priority_level }</td><td>{ &a.flow_schema }</td><td class="num">{ fmt::count(a.requests) }</td><td class="num">{ whodunnit_core::time::fmt_duration(a.query_time_us) }</td></tr> }) }
                    </tbody>
                </table>
            }
        </>
    }
}

fn cost_row(r: &CostRow, drill: Callback<String>) -> Html {
    let key = r.key.clone();
    let etcd_hot = r.lists_etcd > 0 && r.lists_etcd * 2 >= r.lists.max(1);
    let errors = r.errors_4xx + r.errors_5xx + r.throttled_429;
    html! {
        <tr class="cost-row" data-key={r.key.clone()}>
            <td class="mono key"><button class="link" title="Drill down" onclick={Callback::from(move |_| drill.emit(key.clone()))}>{ fmt::ellipsize(&r.key, 70) }</button></td>
            <td class="num">{ fmt::count(r.requests) }</td>
            <td class="num">{ &r.query_time_text }</td>
            <td class="share"><div class="sharebar"><div style={format!("width:{:.1}%", r.share * 100.0)}></div></div><span class="share-text">{ &r.share_text }</span></td>
            <td class="num">{ format!("{:.2}", r.mean_in_flight) }</td>
            <td class="num">{ &r.p50_text }</td>
            <td class="num">{ &r.p95_text }</td>
            <td class="num">{ &r.p99_text }</td>
            <td class={classes!("num", (errors > 0).then_some("warn"))} title={format!("4xx {} · 5xx {} · 429 {}", r.errors_4xx, r.errors_5xx, r.throttled_429)}>{ fmt::count(errors) }</td>
            <td class="num">{ fmt::count(r.lists) }</td>
            <td class={classes!("num", etcd_hot.then_some("etcd-hot"))} title="LISTs served from etcd, bypassing the watch cache: decided per pattern by annotation evidence, then by the apiserver version's rules (see LIST patterns)">
                { fmt::count(r.lists_etcd) }
                if r.lists_etcd_with_selector > 0 { <span class="muted small">{ format!(" ({} w/ selector)", r.lists_etcd_with_selector) }</span> }
            </td>
            <td class="num">{ fmt::count(r.lists_cache) }</td>
            <td class="num muted">{ fmt::count(r.long_running) }</td>
        </tr>
    }
}

fn others_row(o: &CostRow) -> Html {
    html! {
        <tr class="muted">
            <td>{ &o.key }</td><td class="num">{ fmt::count(o.requests) }</td><td class="num">{ &o.query_time_text }</td>
            <td class="share"><span class="share-text">{ &o.share_text }</span></td><td class="num">{ format!("{:.2}", o.mean_in_flight) }</td>
            <td></td><td></td><td></td><td></td><td class="num">{ fmt::count(o.lists) }</td><td class="num">{ fmt::count(o.lists_etcd) }</td><td class="num">{ fmt::count(o.lists_cache) }</td><td class="num">{ fmt::count(o.long_running) }</td>
        </tr>
    }
}

#[function_component(Examples)]
fn examples_inner(p: &ExamplesProps) -> Html {
    let bridge = use_context::<BridgeCtx>();
    let open = use_state(|| None::<(usize, Option<RawSlice>)>);
    html! {
        <>
        <h2 class="section">{"Slowest matching requests"}</h2>
        <table class="grid">
            <thead><tr><th>{"time"}</th><th>{"user"}</th><th>{"verb"}</th><th>{"resource"}</th><th>{"namespace/name"}</th><th class="num">{"code"}</th><th class="num">{"latency"}</th><th>{"LIST source"}</th><th>{"query"}</th><th></th></tr></thead>
            <tbody>
            { for p.rows.iter().enumerate().map(|(i, r)| {
                let onclick = {
                    let open = open.clone();
                    let bridge = bridge.clone();
                    let (file, offset, len) = (r.file as u32, r.offset, r.len);
                    Callback::from(move |_: MouseEvent| {
                        open.set(Some((i, None)));
                        if let Some(b) = &bridge {
                            let open = open.clone();
                            b.0.raw(file, offset, len, 0, Callback::from(move |raw| open.set(Some((i, Some(raw))))));
                        }
                    })
                };
                let shown = open.as_ref().filter(|(j, _)| *j == i).map(|(_, raw)| raw.clone());
                html! {
                    <>
                    <tr>
                        <td class="mono small">{ &r.time_text }</td>
                        <td class="mono small">{ fmt::ellipsize(&r.user, 40) }</td>
                        <td>{ &r.verb }</td>
                        <td>{ &r.resource }</td>
                        <td class="mono small">{ format!("{}/{}", r.namespace, r.name) }</td>
                        <td class={classes!("num", (r.code >= 400).then_some("warn"))}>{ r.code }</td>
                        <td class="num">{ &r.latency_text }</td>
                        <td class={classes!((r.list_source == "etcd").then_some("etcd-hot"))}>{ &r.list_source }</td>
                        <td class="mono small">{ &r.query }</td>
                        <td><button class="link" {onclick}>{"raw"}</button></td>
                    </tr>
                    if let Some(raw) = shown {
                        <tr><td colspan="10"><div class="raw mono wrap">{ match raw { Some(r) => r.lines.join("\n"), None => "reading…".into() } }</div></td></tr>
                    }
                    </>
                }
            }) }
            </tbody>
        </table>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct ExamplesProps {
    rows: Vec<RequestRow>,
}

fn examples(rows: &[RequestRow]) -> Html {
    if rows.is_empty() {
        return html! {};
    }
    html! { <Examples rows={rows.to_vec()} /> }
}

fn weekly(r: &CostReport) -> Html {
    let w = &r.weekly;
    if w.weeks.is_empty() {
        return html! {};
    }
    html! {
        <>
        <h2 class="section">{ format!("Share of query time per week, by {}", r.by_label) }</h2>
        <table class="grid">
            <thead><tr><th>{ r.by_label.clone() }</th>{ for w.week_labels.iter().map(|l| html!{ <th class="num">{ l }</th> }) }</tr></thead>
            <tbody>
            { for w.rows.iter().map(|row| html! {
                <tr><td class="mono small">{ fmt::ellipsize(&row.key, 60) }</td>{ for row.shares.iter().map(|s| html!{ <td class="num">{ fmt::pct(*s) }</td> }) }</tr>
            }) }
            </tbody>
        </table>
        </>
    }
}

#[derive(Properties, PartialEq)]
struct HistoryProps {
    generation: u32,
}

/// Object history: every request that touched an object, a namespace including its contents.
#[function_component(History)]
fn history(p: &HistoryProps) -> Html {
    let input = use_state(String::new);
    let object = use_state(String::new);
    let answer = use_query::<HistoryReport>(
        Query::History {
            object: (*object).clone(),
            max: 500,
        },
        p.generation,
    );
    let oninput = {
        let input = input.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                input.set(i.value());
            }
        })
    };
    let onsubmit = {
        let input = input.clone();
        let object = object.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            object.set((*input).clone());
        })
    };
    let body = if object.is_empty() {
        html! { <div class="muted small">{"Type an object — `namespace foo`, `pods/bar`, `foo/pods/bar` — to list every request that touched it, in order. A namespace's history includes the objects inside it."}</div> }
    } else {
        match &*answer {
            None => html! { <div class="muted">{"searching…"}</div> },
            Some(Err(e)) => html! { <div class="error">{ e }</div> },
            Some(Ok(h)) => history_table(h),
        }
    };
    html! {
        <>
        <h2 class="section">{"Object history"}</h2>
        <form class="toolbar" {onsubmit}>
            <input type="search" id="history-input" placeholder="namespace foo · pods/bar · foo/pods/bar" value={(*input).clone()} {oninput} />
            <button class="btn" type="submit">{"Show history"}</button>
        </form>
        { body }
        </>
    }
}

fn history_table(h: &HistoryReport) -> Html {
    html! {
        <>
        <div class="card">
            <h3>{ &h.label }{" — "}{ fmt::count(h.total) }{" requests"}</h3>
            <table class="grid">
                <thead><tr><th>{"what"}</th><th class="num">{"requests"}</th><th>{"first"}</th><th>{"last"}</th><th>{"first delete"}</th><th>{"by"}</th></tr></thead>
                <tbody>
                { for h.groups.iter().map(|g| html! {
                    <tr><td>{ &g.what }</td><td class="num">{ fmt::count(g.requests) }</td><td class="mono small">{ &g.first_text }</td><td class="mono small">{ &g.last_text }</td>
                    <td class={classes!("mono", "small", g.first_delete.is_some().then_some("warn"))}>{ &g.first_delete_text }</td><td class="mono small">{ &g.first_delete_by }</td></tr>
                }) }
                </tbody>
            </table>
        </div>
        <table class="grid history-table">
            <thead><tr><th>{"time"}</th><th>{"verb"}</th><th>{"object"}</th><th>{"user"}</th><th class="num">{"code"}</th></tr></thead>
            <tbody>
            { for h.entries.iter().map(|e| { let r = &e.request; html! {
                <tr class={classes!(e.mutating.then_some("mutating"))}>
                    <td class="mono small">{ &r.time_text }</td>
                    <td class={classes!((r.verb.starts_with("delete")).then_some("bad"))}>{ &r.verb }</td>
                    <td class="mono small">{ format!("{}{}/{}", if r.namespace.is_empty() { String::new() } else { format!("{}/", r.namespace) }, r.resource, r.name) }</td>
                    <td class="mono small">{ fmt::ellipsize(&r.user, 50) }</td>
                    <td class={classes!("num", (r.code >= 400).then_some("warn"))}>{ r.code }</td>
                </tr>
            }}) }
            </tbody>
        </table>
        if h.omitted > 0 { <div class="muted small">{ format!("{} more not shown", fmt::count(h.omitted)) }</div> }
        </>
    }
}

/// Series colors: distinct hues for the top keys, grey for "others".
fn series_color(i: usize, n: usize, key: &str) -> String {
    if key == "others" {
        return "hsl(220, 8%, 50%)".into();
    }
    let hue = (i * 360 / n.max(1) + 205) % 360;
    format!("hsl({hue}, 62%, 58%)")
}

/// Axis labels for in-flight counts, which range from thousandths (a quiet log) to hundreds.
fn fmt_in_flight(v: f64) -> String {
    if v == 0.0 {
        "0".into()
    } else if v >= 10.0 {
        format!("{v:.0}")
    } else if v >= 0.1 {
        format!("{v:.2}")
    } else {
        // Two significant digits as a plain decimal (0.052, 0.0031): SREs read an axis, not
        // scientific notation.
        let digits = (1 - v.log10().floor() as i32).clamp(2, 9) as usize;
        format!("{v:.digits$}")
    }
}

fn draw_chart(c: &HtmlCanvasElement, s: &Series) {
    let Some((ctx, w, h)) = canvas::prepare(c, CHART_H) else {
        return;
    };
    let n = s.times.len();
    if n == 0 {
        return;
    }
    let plot_w = w - AXIS_W;
    let plot_h = h - 22.0;
    let totals: Vec<f64> = (0..n)
        .map(|b| {
            s.values
                .iter()
                .map(|v| v.get(b).copied().unwrap_or(0.0))
                .sum()
        })
        .collect();
    let max = totals.iter().cloned().fold(0.0, f64::max).max(1e-9);
    let x = |b: usize| AXIS_W + b as f64 / n as f64 * plot_w;
    let y = |v: f64| plot_h - v / max * (plot_h - 8.0);
    // Grid and y labels.
    ctx.set_font("10px system-ui, sans-serif");
    ctx.set_stroke_style_str(&canvas::theme_color("--grid"));
    ctx.set_fill_style_str(&canvas::theme_color("--muted"));
    for i in 0..=4 {
        let v = max * i as f64 / 4.0;
        let yy = y(v);
        ctx.begin_path();
        ctx.move_to(AXIS_W, yy);
        ctx.line_to(w, yy);
        ctx.stroke();
        let _ = ctx.fill_text(&fmt_in_flight(v), 4.0, yy + 3.0);
    }
    let (lo, hi) = (s.times[0], s.times[n - 1] + s.bucket_us);
    for (t, label) in time_ticks(lo, hi, (plot_w / 110.0) as usize) {
        let xx = AXIS_W + (t - lo) as f64 / (hi - lo).max(1) as f64 * plot_w;
        let _ = ctx.fill_text(&label, xx + 2.0, h - 6.0);
    }
    // Stacked areas, bottom-up in key order.
    let mut base = vec![0.0; n];
    for (k, vals) in s.values.iter().enumerate() {
        let top: Vec<f64> = base
            .iter()
            .enumerate()
            .map(|(b, v)| v + vals.get(b).copied().unwrap_or(0.0))
            .collect();
        ctx.begin_path();
        ctx.move_to(x(0), y(base[0]));
        for (b, &t) in top.iter().enumerate() {
            ctx.line_to(x(b), y(t));
            ctx.line_to(x(b + 1), y(t));
        }
        for (b, &v) in base.iter().enumerate().rev() {
            ctx.line_to(x(b + 1), y(v));
            ctx.line_to(x(b), y(v));
        }
        ctx.close_path();
        ctx.set_fill_style_str(&series_color(k, s.keys.len(), &s.keys[k]));
        ctx.fill();
        base = top;
    }
}
