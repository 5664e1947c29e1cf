//! The Timeline view: every event of every file on one zoomable axis.
//!
//! Drawn on canvas from level-of-detail bins the worker computes, so ten million events cost the
//! same as ten thousand. Wheel/keys zoom (years down to microseconds), drag pans, the overview
//! strip brushes a window; once few enough events are in view each one is drawn, hoverable and
//! clickable (its raw text is re-read from the file by byte offset).

use crate::bridge::BridgeCtx;
use crate::fmt;
use crate::protocol::RawSlice;
use crate::views::canvas::{self, draw_shape, kind_color, kind_shape, time_ticks};
use crate::views::{use_query, use_width, Nothing};
use gloo::events::EventListener;
use std::collections::HashSet;
use wasm_bindgen::JsCast;
use web_sys::{HtmlCanvasElement, KeyboardEvent};
use whodunnit_core::findings::{Finding, FindingsReport};
use whodunnit_core::query::Query;
use whodunnit_core::time::NO_TIME;
use whodunnit_core::time::{fmt_duration, fmt_micros};
use whodunnit_core::timeline::{EventRow, LaneOrder, TimelineAnswer, TimelineQuery};
use whodunnit_core::Severity;
use yew::prelude::*;

const LABEL_W: f64 = 230.0;
const AXIS_H: f64 = 26.0;
const ROW_H: f64 = 22.0;
const OVERVIEW_H: f64 = 46.0;
/// Individual events are drawn once the window holds at most this many.
const MAX_EVENTS: u32 = 4000;
/// The shortest window: "down to microseconds".
const MIN_SPAN: i64 = 10;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
    pub window: Option<(i64, i64)>,
    pub set_window: Callback<Option<(i64, i64)>>,
    /// Open a finding (by id) in the Findings view.
    #[prop_or_default]
    pub open_finding: Callback<String>,
}

/// A row of the lane area: a group header or one lane.
#[derive(Clone, PartialEq)]
enum Row {
    /// Marks of the findings (incident patterns) over their time spans.
    Findings,
    Group {
        name: String,
        lanes: Vec<usize>,
        collapsed: bool,
    },
    Lane(usize),
}

#[function_component(TimelineView)]
pub fn timeline_view(p: &Props) -> Html {
    let bridge = use_context::<BridgeCtx>();
    let (width_ref, width) = use_width();
    let text = use_state(String::new);
    let min_sev = use_state(|| None::<Severity>);
    let kinds_on = use_state(HashSet::<String>::new);
    let collapsed = use_state(HashSet::<String>::new);
    let order = use_state(LaneOrder::default);
    let hover = use_state(|| None::<(EventRow, f64, f64)>);
    let selected = use_state(|| None::<EventRow>);
    let raw = use_state(|| None::<RawSlice>);
    let drag = use_mut_ref(|| None::<(f64, i64, i64, bool)>);
    let brush = use_mut_ref(|| None::<f64>);
    let main_ref = use_node_ref();
    let over_ref = use_node_ref();

    let plot_w = (width - LABEL_W).max(100.0);
    let q = TimelineQuery {
        from: p.window.map(|w| w.0),
        to: p.window.map(|w| w.1),
        bins: (plot_w / 2.0) as u32,
        kinds: kinds_on.iter().cloned().collect(),
        min_severity: *min_sev,
        text: (*text).clone(),
        lanes: Vec::new(),
        max_events: MAX_EVENTS,
        order: *order,
    };
    let answer = use_query::<TimelineAnswer>(Query::Timeline(q), p.generation);
    let findings_answer = use_query::<FindingsReport>(Query::Findings, p.generation);
    let findings: Vec<Finding> = match &*findings_answer {
        Some(Ok(r)) => r
            .findings
            .iter()
            .filter(|f| f.from != NO_TIME)
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    // The findings lane is there while findings are computed, so that its arrival does not push
    // the lanes and the kinds table down under the user's pointer.
    let findings_pending = findings_answer.is_none();
    let ans: Option<TimelineAnswer> = match &*answer {
        Some(Ok(a)) => Some(a.clone()),
        _ => None,
    };

    // Rows: groups with their lanes (collapsible).
    let rows: Vec<Row> = ans
        .as_ref()
        .map(|a| build_rows(a, &collapsed, findings_pending || !findings.is_empty()))
        .unwrap_or_default();

    // Draw whenever the answer, size or hover changes.
    {
        let main_ref = main_ref.clone();
        let over_ref = over_ref.clone();
        let ans = ans.clone();
        let rows = rows.clone();
        let sel = (*selected).clone();
        let findings = findings.clone();
        use_effect_with(
            (
                ans.clone(),
                rows.clone(),
                width as i64,
                sel.clone(),
                findings.clone(),
                findings_pending,
            ),
            move |_| {
                if let Some(a) = &ans {
                    if let Some(c) = main_ref.cast::<HtmlCanvasElement>() {
                        draw_main(&c, a, &rows, sel.as_ref(), &findings, findings_pending);
                    }
                    if let Some(c) = over_ref.cast::<HtmlCanvasElement>() {
                        draw_overview(&c, a);
                    }
                }
            },
        );
    }

    let window_now = ans.as_ref().and_then(|a| a.window);
    let extent = ans.as_ref().and_then(|a| a.extent);

    // Keyboard zoom and pan.
    {
        let set_window = p.set_window.clone();
        use_effect_with((window_now, extent), move |&(w, ext)| {
            let listener = EventListener::new(&gloo::utils::document(), "keydown", move |e| {
                let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                let Some((a, b)) = w else { return };
                let span = b - a;
                let next = match e.key().as_str() {
                    "+" | "=" => Some(zoom((a, b), 0.5, 0.5)),
                    "-" | "_" => Some(zoom((a, b), 2.0, 0.5)),
                    "ArrowLeft" => Some((a - span / 4, b - span / 4)),
                    "ArrowRight" => Some((a + span / 4, b + span / 4)),
                    "0" => {
                        set_window.emit(None);
                        None
                    }
                    _ => None,
                };
                if let Some(n) = next {
                    e.prevent_default();
                    set_window.emit(clamp(n, ext));
                }
            });
            move || drop(listener)
        });
    }

    let onwheel = {
        let set_window = p.set_window.clone();
        Callback::from(move |e: WheelEvent| {
            let Some((a, b)) = window_now else { return };
            e.prevent_default();
            let x = e.offset_x() as f64 - LABEL_W;
            let frac = (x / plot_w).clamp(0.0, 1.0);
            let factor = if e.delta_y() < 0.0 { 0.8 } else { 1.25 };
            set_window.emit(clamp(zoom((a, b), factor, frac), extent));
        })
    };
    let onmousedown = {
        let drag = drag.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some((a, b)) = window_now {
                *drag.borrow_mut() = Some((e.offset_x() as f64, a, b, false));
            }
        })
    };
    let onmousemove = {
        let drag = drag.clone();
        let set_window = p.set_window.clone();
        let hover = hover.clone();
        let ans = ans.clone();
        let rows = rows.clone();
        Callback::from(move |e: MouseEvent| {
            let x = e.offset_x() as f64;
            let y = e.offset_y() as f64;
            let mut d = drag.borrow_mut();
            if let Some((x0, a, b, moved)) = d.as_mut() {
                if (x - *x0).abs() > 3.0 || *moved {
                    *moved = true;
                    let dt = ((x - *x0) / plot_w * (*b - *a) as f64) as i64;
                    set_window.emit(clamp((*a - dt, *b - dt), extent));
                }
                return;
            }
            drop(d);
            let hit = ans.as_ref().and_then(|a| hit_test(a, &rows, x, y, plot_w));
            hover.set(hit.map(|ev| (ev, x, y)));
        })
    };
    // Select an event (from the canvas or the list) and re-read its raw lines.
    let select_event = {
        let selected = selected.clone();
        let raw = raw.clone();
        let bridge = bridge.clone();
        Callback::from(move |ev: EventRow| {
            raw.set(None);
            if let Some(b) = &bridge {
                let raw = raw.clone();
                b.0.raw(
                    ev.file,
                    ev.offset,
                    ev.len as u64,
                    4,
                    Callback::from(move |r| raw.set(Some(r))),
                );
            }
            selected.set(Some(ev));
        })
    };
    let onmouseup = {
        let findings_c = findings.clone();
        let open_finding = p.open_finding.clone();
        let drag = drag.clone();
        let select_event = select_event.clone();
        let collapsed = collapsed.clone();
        let ans = ans.clone();
        let rows = rows.clone();
        Callback::from(move |e: MouseEvent| {
            let was = drag.borrow_mut().take();
            if matches!(was, Some((_, _, _, true))) {
                return;
            }
            let (x, y) = (e.offset_x() as f64, e.offset_y() as f64);
            let row = ((y - AXIS_H) / ROW_H).floor();
            if row >= 0.0 && matches!(rows.get(row as usize), Some(Row::Findings)) {
                if let Some(a) = ans.as_ref() {
                    let t = t_of(a, x, plot_w);
                    if let Some(f) = findings_at(&findings_c, a, t, plot_w) {
                        open_finding.emit(f.id.clone());
                    }
                }
                return;
            }
            if row >= 0.0 && x < LABEL_W {
                if let Some(Row::Group { name, .. }) = rows.get(row as usize) {
                    let mut c = (*collapsed).clone();
                    if !c.remove(name) {
                        c.insert(name.clone());
                    }
                    collapsed.set(c);
                }
                return;
            }
            if let Some(ev) = ans.as_ref().and_then(|a| hit_test(a, &rows, x, y, plot_w)) {
                select_event.emit(ev);
            }
        })
    };
    let onmouseleave = {
        let drag = drag.clone();
        let hover = hover.clone();
        Callback::from(move |_: MouseEvent| {
            *drag.borrow_mut() = None;
            hover.set(None);
        })
    };

    // Overview brush: drag across the strip to choose a window.
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
            let Some((lo, hi)) = extent else { return };
            let x1 = e.offset_x() as f64;
            let w = width.max(1.0);
            let t = |x: f64| lo + ((x / w).clamp(0.0, 1.0) * (hi + 1 - lo) as f64) as i64;
            if (x1 - x0).abs() < 4.0 {
                // A click centers the current span there.
                if let Some((a, b)) = window_now {
                    let c = t(x1);
                    set_window.emit(clamp((c - (b - a) / 2, c + (b - a) / 2), extent));
                }
            } else {
                set_window.emit(Some((
                    t(x0.min(x1)),
                    t(x0.max(x1)).max(t(x0.min(x1)) + MIN_SPAN),
                )));
            }
        })
    };

    let on_text = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
                text.set(i.value());
            }
        })
    };
    let sev_button = |label: &'static str, s: Option<Severity>| {
        let min_sev = min_sev.clone();
        let on = *min_sev == s;
        html! { <button class={classes!(on.then_some("on"))} onclick={Callback::from(move |_| min_sev.set(s))}>{ label }</button> }
    };

    let Some(a) = ans.clone() else {
        return html! { <div class="view" ref={width_ref}><div class="muted">{"Computing the timeline…"}</div></div> };
    };
    if a.extent.is_none()
        && a.untimed == 0
        && text.is_empty()
        && kinds_on.is_empty()
        && min_sev.is_none()
    {
        return html! {
            <div class="view" ref={width_ref}>
                <Nothing title="No timed events yet">
                    {"Drop node logs (kubelet, controller-manager, containerd, journald, dmesg) or audit logs: every event with a time lands here on one axis."}
                </Nothing>
            </div>
        };
    }
    let (wa, wb) = a.window.unwrap_or((0, 1));
    let canvas_h = AXIS_H + rows.len() as f64 * ROW_H + 4.0;
    let tooltip = hover.as_ref().map(|(ev, x, y)| {
        let k = &a.kinds[ev.kind as usize];
        html! {
            <div class="tooltip" style={format!("left:{}px;top:{}px", x + 14.0, y + 60.0)}>
                <div><b>{ &k.name }</b>{" · "}{ ev.severity.label() }</div>
                <div class="mono small">{ &ev.time_text }</div>
                <div class="small">{ &ev.label }</div>
                <div class="muted small">{ format!("{}:{}", ev.file_name, ev.line) }</div>
            </div>
        }
    });

    html! {
        <div class="view timeline-view" ref={width_ref}>
            <div class="toolbar">
                <input type="search" placeholder="filter: text, kind or lane" value={(*text).clone()} oninput={on_text} />
                <span class="seg">
                    { sev_button("all", None) }
                    { sev_button("warning+", Some(Severity::Warning)) }
                    { sev_button("error+", Some(Severity::Error)) }
                </span>
                <span class="muted small">{"lanes"}</span>
                <span class="seg">
                    { for [(LaneOrder::Severity, "worst first"), (LaneOrder::Busiest, "busiest"), (LaneOrder::Name, "by name")].into_iter().map(|(o, label)| {
                        let order = order.clone();
                        html! { <button class={classes!((*order == o).then_some("on"))} onclick={Callback::from(move |_| order.set(o))}>{ label }</button> }
                    }) }
                </span>
                <button class="btn small" onclick={{ let s = p.set_window.clone(); Callback::from(move |_| s.emit(None)) }} title="Show everything (0)">{"reset zoom"}</button>
                <span class="muted small">
                    { format!("{} → {} · span {} · {} events in view", fmt_micros(wa), fmt_micros(wb), fmt_duration(wb - wa), fmt::count(a.in_window)) }
                    if a.untimed > 0 { { format!(" · {} events without a timestamp (not drawn)", fmt::count(a.untimed)) } }
                </span>
                <span class="muted small">{"wheel/+/− zoom · drag/←→ pan · 0 reset"}</span>
            </div>
            <canvas ref={over_ref} class="overview" onmousedown={over_down} onmouseup={over_up} title="Density over all time; drag to choose a window" />
            <div class="canvas-wrap">
                <canvas ref={main_ref} class="lanes" style={format!("height:{canvas_h}px")}
                    data-rows={row_names(&a, &rows)} data-window={format!("{wa},{wb}")} data-label-width={LABEL_W.to_string()} data-axis-height={AXIS_H.to_string()} data-row-height={ROW_H.to_string()}
                    {onwheel} {onmousedown} {onmousemove} {onmouseup} {onmouseleave} />
                { for tooltip }
            </div>
            { events_list(&a, &select_event) }
            <Templates generation={p.generation} />
            <div class="split">
                <div>
                    <h2 class="section">{"Event kinds in view"}</h2>
                    { kinds_table(&a, &kinds_on, &p.set_window, bridge.clone()) }
                </div>
                <div>
                    <h2 class="section">{"Selected event"}</h2>
                    { detail(&a, (*selected).as_ref(), (*raw).as_ref()) }
                </div>
            </div>
        </div>
    }
}

/// Row names, one per line, as the canvas draws them (for assistive tech and tests).
fn row_names(a: &TimelineAnswer, rows: &[Row]) -> String {
    rows.iter()
        .map(|r| match r {
            Row::Findings => "findings".to_string(),
            Row::Group { name, .. } => name.clone(),
            Row::Lane(l) => a.lanes[*l].name.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Up to this many events in view are also listed under the canvas.
const LIST_EVENTS: usize = 200;

fn events_list(a: &TimelineAnswer, select: &Callback<EventRow>) -> Html {
    let Some(events) = a
        .events
        .as_ref()
        .filter(|e| !e.is_empty() && e.len() <= LIST_EVENTS)
    else {
        return html! {};
    };
    html! {
        <details class="events-list" open={events.len() <= 40}>
            <summary class="small muted">{ format!("{} events in view", events.len()) }</summary>
            <table class="grid">
                <thead><tr><th>{"time (UTC)"}</th><th>{"kind"}</th><th>{"lane"}</th><th>{"message"}</th><th>{"source"}</th></tr></thead>
                <tbody>
                { for events.iter().map(|e| {
                    let k = &a.kinds[e.kind as usize];
                    let lane = a.lanes.get(e.lane as usize).map(|l| l.name.clone()).unwrap_or_default();
                    let onclick = { let select = select.clone(); let e = e.clone(); Callback::from(move |_| select.emit(e.clone())) };
                    html! {
                        <tr class="event-row" data-time={e.time.to_string()} data-lane={lane.clone()} data-kind={k.name.clone()} {onclick} style="cursor:pointer">
                            <td class="mono small">{ &e.time_text }</td>
                            <td class={sev_class(k.severity)}>{ &k.name }</td>
                            <td class="mono small">{ lane }</td>
                            <td class="small">{ fmt::ellipsize(&e.label, 140) }</td>
                            <td class="muted small">{ format!("{}:{}", e.file_name, e.line) }</td>
                        </tr>
                    }
                }) }
                </tbody>
            </table>
        </details>
    }
}

fn build_rows(a: &TimelineAnswer, collapsed: &HashSet<String>, findings: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    if findings {
        rows.push(Row::Findings);
    }
    let mut i = 0;
    while i < a.lanes.len() {
        let g = a.lanes[i].group.clone();
        let lanes: Vec<usize> = (i..a.lanes.len())
            .take_while(|&j| a.lanes[j].group == g)
            .collect();
        i += lanes.len();
        // A source with a single lane of its own name needs no header row.
        if let [only] = lanes[..] {
            if a.lanes[only].name == g {
                rows.push(Row::Lane(only));
                continue;
            }
        }
        let is_collapsed = collapsed.contains(&g);
        rows.push(Row::Group {
            name: g,
            lanes: lanes.clone(),
            collapsed: is_collapsed,
        });
        if !is_collapsed {
            rows.extend(lanes.into_iter().map(Row::Lane));
        }
    }
    rows
}

/// Scale the window by `factor` around the point at `frac` of its width.
fn zoom((a, b): (i64, i64), factor: f64, frac: f64) -> (i64, i64) {
    let span = (b - a) as f64;
    let new = (span * factor).max(MIN_SPAN as f64);
    let c = a as f64 + span * frac;
    ((c - new * frac) as i64, (c + new * (1.0 - frac)) as i64)
}

/// Keep the window overlapping the data (some margin allowed).
fn clamp((a, b): (i64, i64), extent: Option<(i64, i64)>) -> Option<(i64, i64)> {
    let (lo, hi) = extent?;
    let span = (b - a).max(MIN_SPAN);
    let margin = span / 2;
    let a = a.clamp(lo - margin, hi + margin - span / 2);
    Some((a, a + span))
}

fn x_of(a: &TimelineAnswer, t: i64, plot_w: f64) -> f64 {
    let (wa, wb) = a.window.unwrap_or((0, 1));
    LABEL_W + (t - wa) as f64 / (wb - wa).max(1) as f64 * plot_w
}

fn hit_test(a: &TimelineAnswer, rows: &[Row], x: f64, y: f64, plot_w: f64) -> Option<EventRow> {
    let events = a.events.as_ref()?;
    let row = ((y - AXIS_H) / ROW_H).floor();
    if row < 0.0 || x < LABEL_W {
        return None;
    }
    let lanes: Vec<usize> = match rows.get(row as usize)? {
        Row::Findings => return None,
        Row::Lane(l) => vec![*l],
        Row::Group {
            lanes,
            collapsed: true,
            ..
        } => lanes.clone(),
        Row::Group { .. } => return None,
    };
    events
        .iter()
        .filter(|e| lanes.contains(&(e.lane as usize)))
        .map(|e| ((x_of(a, e.time, plot_w) - x).abs(), e))
        .filter(|(d, _)| *d <= 6.0)
        .min_by(|p, q| p.0.total_cmp(&q.0))
        .map(|(_, e)| e.clone())
}

fn t_of(a: &TimelineAnswer, x: f64, plot_w: f64) -> i64 {
    let (wa, wb) = a.window.unwrap_or((0, 1));
    wa + ((x - LABEL_W) / plot_w * (wb - wa) as f64) as i64
}

/// The finding whose span (widened to a few pixels) covers time `t`.
fn findings_at<'f>(
    findings: &'f [Finding],
    a: &TimelineAnswer,
    t: i64,
    plot_w: f64,
) -> Option<&'f Finding> {
    let (wa, wb) = a.window.unwrap_or((0, 1));
    let slack = ((wb - wa) as f64 / plot_w * 4.0) as i64;
    findings
        .iter()
        .find(|f| t >= f.from - slack && t <= f.to + slack)
}

fn draw_main(
    c: &HtmlCanvasElement,
    a: &TimelineAnswer,
    rows: &[Row],
    selected: Option<&EventRow>,
    findings: &[Finding],
    findings_pending: bool,
) {
    let h = AXIS_H + rows.len() as f64 * ROW_H + 4.0;
    let Some((ctx, w, _)) = canvas::prepare(c, h) else {
        return;
    };
    let plot_w = w - LABEL_W;
    let (text, muted, grid, panel2, accent) = (
        canvas::theme_color("--text"),
        canvas::theme_color("--muted"),
        canvas::theme_color("--grid"),
        canvas::theme_color("--panel2"),
        canvas::theme_color("--accent"),
    );
    let (wa, wb) = a.window.unwrap_or((0, 1));
    ctx.set_font("11px system-ui, sans-serif");
    // Axis and grid.
    ctx.set_fill_style_str(&muted);
    ctx.set_stroke_style_str(&grid);
    for (t, label) in time_ticks(wa, wb, (plot_w / 110.0) as usize) {
        let x = x_of(a, t, plot_w);
        ctx.begin_path();
        ctx.move_to(x, AXIS_H - 6.0);
        ctx.line_to(x, h);
        ctx.stroke();
        let _ = ctx.fill_text(&label, x + 3.0, 14.0);
    }
    let max_count = a
        .lanes
        .iter()
        .flat_map(|l| l.bins.iter().map(|b| b.count))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bin_px = plot_w / ((wb - wa) as f64 / a.bin_width.max(1) as f64).max(1.0);
    for (r, row) in rows.iter().enumerate() {
        let y = AXIS_H + r as f64 * ROW_H;
        let (lanes, label, is_group): (Vec<usize>, String, bool) = match row {
            Row::Findings => {
                ctx.set_fill_style_str(&text);
                let count = if findings_pending {
                    "…".to_string()
                } else {
                    findings.len().to_string()
                };
                let _ = ctx.fill_text(&format!("⚑ findings ({count})"), 6.0, y + 15.0);
                for f in findings {
                    let x0 = x_of(a, f.from, plot_w).max(LABEL_W);
                    let x1 = x_of(a, f.to, plot_w).min(w);
                    if x1 < LABEL_W || x0 > w {
                        continue;
                    }
                    ctx.set_fill_style_str(match f.severity {
                        Severity::Critical | Severity::Error => "rgba(242,73,92,0.75)",
                        Severity::Warning => "rgba(242,204,12,0.7)",
                        _ => "rgba(87,148,242,0.7)",
                    });
                    ctx.fill_rect(x0, y + 4.0, (x1 - x0).max(4.0), ROW_H - 8.0);
                    if x1 - x0 > 60.0 {
                        ctx.set_fill_style_str("#111");
                        let _ = ctx.fill_text(
                            &fmt::ellipsize(&f.title, ((x1 - x0) / 6.5) as usize),
                            x0 + 4.0,
                            y + 15.0,
                        );
                    }
                }
                continue;
            }
            Row::Group {
                name,
                lanes,
                collapsed,
            } => {
                let n: u64 = lanes.iter().map(|&l| a.lanes[l].count).sum();
                (
                    if *collapsed {
                        lanes.clone()
                    } else {
                        Vec::new()
                    },
                    format!(
                        "{} {}  ({})",
                        if *collapsed { "▸" } else { "▾" },
                        name,
                        fmt::count(n)
                    ),
                    true,
                )
            }
            Row::Lane(l) => {
                let lane = &a.lanes[*l];
                let short = lane
                    .name
                    .strip_prefix(&format!("{}/", lane.group))
                    .unwrap_or(&lane.name);
                (
                    vec![*l],
                    format!("   {}  ({})", short, fmt::count(lane.count)),
                    false,
                )
            }
        };
        if is_group {
            ctx.set_fill_style_str(&panel2);
            ctx.fill_rect(0.0, y, w, ROW_H);
        }
        ctx.set_fill_style_str(if is_group { &text } else { &muted });
        let _ = ctx.fill_text(&fmt::ellipsize(&label, 36), 6.0, y + 15.0);
        ctx.set_stroke_style_str(&grid);
        ctx.begin_path();
        ctx.move_to(0.0, y + ROW_H);
        ctx.line_to(w, y + ROW_H);
        ctx.stroke();
        if lanes.is_empty() {
            continue;
        }
        if let Some(events) = &a.events {
            for e in events.iter().filter(|e| lanes.contains(&(e.lane as usize))) {
                let k = &a.kinds[e.kind as usize];
                ctx.set_fill_style_str(&kind_color(&k.name, k.severity));
                draw_shape(
                    &ctx,
                    kind_shape(&k.name),
                    x_of(a, e.time, plot_w),
                    y + ROW_H / 2.0,
                    4.0,
                );
            }
        } else {
            for &l in &lanes {
                for b in &a.lanes[l].bins {
                    let k = &a.kinds[b.kind as usize];
                    let frac = ((b.count as f64).ln_1p() / max_count.ln_1p()).clamp(0.15, 1.0);
                    let bh = (ROW_H - 6.0) * frac;
                    ctx.set_fill_style_str(&kind_color(&k.name, b.severity.max(k.severity)));
                    ctx.fill_rect(
                        LABEL_W + b.i as f64 * bin_px,
                        y + ROW_H - 3.0 - bh,
                        bin_px.max(1.5),
                        bh,
                    );
                }
            }
        }
    }
    if let Some(s) = selected {
        let x = x_of(a, s.time, plot_w);
        if x >= LABEL_W {
            ctx.set_stroke_style_str(&accent);
            ctx.begin_path();
            ctx.move_to(x, AXIS_H);
            ctx.line_to(x, h);
            ctx.stroke();
        }
    }
}

fn draw_overview(c: &HtmlCanvasElement, a: &TimelineAnswer) {
    let Some((ctx, w, h)) = canvas::prepare(c, OVERVIEW_H) else {
        return;
    };
    let (Some((lo, hi)), Some((wa, wb))) = (a.extent, a.window) else {
        return;
    };
    let max = *a.overview.iter().max().unwrap_or(&1) as f64;
    let bw = w / a.overview.len().max(1) as f64;
    ctx.set_fill_style_str(&canvas::theme_color("--accent"));
    for (i, &n) in a.overview.iter().enumerate() {
        if n > 0 {
            let bh = ((n as f64).ln_1p() / max.ln_1p()).max(0.08) * (h - 14.0);
            ctx.fill_rect(i as f64 * bw, h - bh, bw.max(1.0), bh);
        }
    }
    let span = (hi + 1 - lo) as f64;
    let x0 = ((wa - lo) as f64 / span * w).clamp(0.0, w);
    let x1 = ((wb - lo) as f64 / span * w).clamp(0.0, w);
    ctx.set_fill_style_str("rgba(128,128,128,0.18)");
    ctx.fill_rect(x0, 0.0, (x1 - x0).max(2.0), h);
    ctx.set_stroke_style_str(&canvas::theme_color("--text"));
    ctx.stroke_rect(x0, 0.5, (x1 - x0).max(2.0), h - 1.0);
    ctx.set_fill_style_str(&canvas::theme_color("--muted"));
    ctx.set_font("10px system-ui, sans-serif");
    let _ = ctx.fill_text(&fmt_micros(lo), 4.0, 10.0);
    let end = fmt_micros(hi);
    let tw = ctx.measure_text(&end).map(|m| m.width()).unwrap_or(120.0);
    let _ = ctx.fill_text(&end, w - tw - 4.0, 10.0);
}

fn kinds_table(
    a: &TimelineAnswer,
    on: &UseStateHandle<HashSet<String>>,
    set_window: &Callback<Option<(i64, i64)>>,
    bridge: Option<BridgeCtx>,
) -> Html {
    let mut kinds: Vec<(usize, &whodunnit_core::timeline::KindStat)> = a
        .kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| k.total > 0)
        .collect();
    kinds.sort_by(|x, y| {
        y.1.severity
            .cmp(&x.1.severity)
            .then(y.1.count.cmp(&x.1.count))
    });
    let window = a.window;
    html! {
        <table class="grid kinds-table">
            <thead><tr><th></th><th>{"kind"}</th><th>{"severity"}</th><th class="num">{"in view"}</th><th class="num">{"total"}</th><th>{"recurs"}</th><th>{"jump"}</th></tr></thead>
            <tbody>
            { for kinds.into_iter().map(|(_, k)| {
                let name = k.name.clone();
                let active = on.contains(&name);
                let toggle = {
                    let on = on.clone();
                    let name = name.clone();
                    Callback::from(move |_: MouseEvent| {
                        let mut s = (*on).clone();
                        if !s.remove(&name) { s.insert(name.clone()); }
                        on.set(s);
                    })
                };
                let jump = |forward: bool| {
                    let name = name.clone();
                    let set_window = set_window.clone();
                    let bridge = bridge.clone();
                    Callback::from(move |_: MouseEvent| jump_to(bridge.clone(), &name, window, forward, set_window.clone()))
                };
                let shape = match kind_shape(&k.name) { canvas::Shape::Circle => "●", canvas::Shape::Square => "■", canvas::Shape::Diamond => "◆", canvas::Shape::Triangle => "▲" };
                html! {
                    <tr class={classes!(active.then_some("selected"))}>
                        <td style={format!("color:{}", kind_color(&k.name, k.severity))}>{ shape }</td>
                        <td><button class="link" title="Show only this kind (click again to clear)" onclick={toggle}>{ &k.name }</button></td>
                        <td class={sev_class(k.severity)}>{ k.severity.label() }</td>
                        <td class="num">{ fmt::count(k.count) }</td>
                        <td class="num">{ fmt::count(k.total) }</td>
                        <td class="period">{ k.period.clone().unwrap_or_default() }</td>
                        <td><button class="link" title="Previous occurrence" onclick={jump(false)}>{"◀"}</button>{" "}<button class="link" title="Next occurrence" onclick={jump(true)}>{"▶"}</button></td>
                    </tr>
                }
            }) }
            </tbody>
        </table>
    }
}

pub fn sev_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::Error => "bad",
        Severity::Warning => "warn",
        _ => "muted",
    }
}

/// Center the window on the next (or previous) occurrence of `kind` outside the current center.
fn jump_to(
    bridge: Option<BridgeCtx>,
    kind: &str,
    window: Option<(i64, i64)>,
    forward: bool,
    set_window: Callback<Option<(i64, i64)>>,
) {
    let (Some(b), Some((wa, wb))) = (bridge, window) else {
        return;
    };
    let center = wa + (wb - wa) / 2;
    let span = wb - wa;
    let q = Query::Timeline(TimelineQuery {
        kinds: vec![kind.to_string()],
        bins: 1,
        max_events: 200_000,
        ..TimelineQuery::default()
    });
    b.0.query(
        &q,
        Callback::from(move |v: serde_json::Value| {
            let Ok(a) = serde_json::from_value::<TimelineAnswer>(v) else {
                return;
            };
            let times: Vec<i64> = a
                .events
                .unwrap_or_default()
                .into_iter()
                .map(|e| e.time)
                .collect();
            let slack = span / 20;
            let t = if forward {
                times.iter().copied().find(|&t| t > center + slack)
            } else {
                times.iter().rev().copied().find(|&t| t < center - slack)
            };
            if let Some(t) = t {
                set_window.emit(Some((t - span / 2, t + span / 2)));
            }
        }),
    );
}

fn detail(a: &TimelineAnswer, sel: Option<&EventRow>, raw: Option<&RawSlice>) -> Html {
    let Some(e) = sel else {
        return html! { <div class="muted small">{"Zoom in until single events are drawn, then click one to read its raw lines (re-read from the file)."}</div> };
    };
    let k = &a.kinds[e.kind as usize];
    let lane = a
        .lanes
        .get(e.lane as usize)
        .map(|l| l.name.clone())
        .unwrap_or_default();
    html! {
        <div class="card event-detail">
            <h3>{ &k.name }{" "}<span class={classes!("pill", sev_class(e.severity))}>{ e.severity.label() }</span></h3>
            <div class="mono small">{ &e.time_text }{" · "}{ lane }</div>
            <div class="muted small">{ format!("{}:{} (byte {})", e.file_name, e.line, e.offset) }</div>
            <div class="small" style="margin:6px 0">{ &e.label }</div>
            { match raw {
                None => html! { <div class="muted small">{"reading…"}</div> },
                Some(r) => html! {
                    <div class="raw mono" id="raw-text">
                        { for r.before.iter().map(|l| html!{ <span class="ctx">{ l }{"\n"}</span> }) }
                        { for r.lines.iter().map(|l| html!{ <span class="hit">{ l }</span> }) }
                        { for r.after.iter().map(|l| html!{ <span class="ctx">{ l }{"\n"}</span> }) }
                    </div>
                },
            } }
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct TemplatesProps {
    generation: u32,
}

/// The most frequent unclassified message templates: the noise, so it can be recognized and
/// filtered, and so a frequent message no class knows yet is not missed.
#[function_component(Templates)]
fn templates(p: &TemplatesProps) -> Html {
    use whodunnit_core::nodelog::{TemplatesQuery, TemplatesReport};
    let q = TemplatesQuery {
        limit: 30,
        ..TemplatesQuery::default()
    };
    let answer = use_query::<TemplatesReport>(Query::Templates(q), p.generation);
    let Some(Ok(r)) = &*answer else {
        return html! {};
    };
    if r.rows.is_empty() {
        return html! {};
    }
    html! {
        <details class="templates">
            <summary><h2 class="section" style="display:inline">{ format!("Top message templates of unclassified lines ({} distinct in {} lines)", fmt::count(r.distinct as u64), fmt::count(r.entries)) }</h2></summary>
            <table class="grid">
                <thead><tr><th class="num">{"count"}</th><th class="num">{"share"}</th><th>{"template"}</th><th>{"first seen"}</th></tr></thead>
                <tbody>
                { for r.rows.iter().map(|t| html! {
                    <tr>
                        <td class="num">{ fmt::count(t.count) }</td>
                        <td class="num">{ &t.share }</td>
                        <td class="mono small">{ &t.template }</td>
                        <td class="muted small">{ format!("{}:{}", t.example_file_name, t.example_line) }</td>
                    </tr>
                }) }
                </tbody>
            </table>
        </details>
    }
}
