//! The API cost view: who spends the apiserver's time, on what, and since when.
//!
//! A stacked area chart of mean in-flight query time for the top keys (brush it to choose a
//! window, shared with the timeline), a sortable table with drill-down (user → verb → resource
//! → example requests, each re-readable from its file), LIST-from-etcd highlighted, a per-week
//! share table, and object history.

mod chart;
mod examples;
mod history;
mod panels;

use crate::fmt;
use crate::views::{use_query, use_width, Nothing};
use chart::{draw_chart, series_color, shows_query_time, AXIS_W};
use examples::examples;
use history::History;
use panels::{cost_row, list_patterns, others_row, time_split, version_bar, weekly};
use web_sys::HtmlCanvasElement;
use whodunnit_core::audit::cost::{CostQuery, CostReport, GroupBy};
use whodunnit_core::query::Query;
use yew::prelude::*;

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
                    <b>{ if shows_query_time(&report.series) {
                        format!("Query time per {} (fewer than {} requests in flight on average)", report.series.bucket_text, chart::QUIET)
                    } else {
                        format!("Requests in flight (mean per {})", report.series.bucket_text)
                    } }</b>
                    <span class="legend">
                        { for keys.iter().enumerate().map(|(i, k)| html! { <span class="legend-item" title={k.clone()}><span class="swatch" style={format!("background:{}", series_color(i, keys.len(), k))}></span>{ fmt::ellipsize_middle(k, 48) }</span> }) }
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
