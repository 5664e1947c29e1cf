//! The Timeline view: every event of every file on one zoomable axis.
//!
//! Drawn on canvas from level-of-detail bins the worker computes, so ten million events cost the
//! same as ten thousand. Wheel/keys zoom (years down to microseconds), drag pans, the overview
//! strip brushes a window; once few enough events are in view each one is drawn, hoverable and
//! clickable (its raw text is re-read from the file by byte offset).

mod draw;
mod geometry;
mod navigate;
mod panels;
mod rows;
mod templates;

pub use panels::sev_class;

use crate::bridge::BridgeCtx;
use crate::protocol::RawSlice;
use crate::views::{use_query, use_width, Nothing};
use geometry::{clamp, findings_at, hit_test, t_of, AXIS_H, LABEL_W, ROW_H};
use rows::{build_rows, row_names, Row};
use std::collections::HashSet;
use templates::Templates;
use web_sys::HtmlCanvasElement;
use whodunnit_core::findings::{Finding, FindingsReport};
use whodunnit_core::query::Query;
use whodunnit_core::time::NO_TIME;
use whodunnit_core::timeline::{EventRow, LaneOrder, TimelineAnswer, TimelineQuery};
use whodunnit_core::Severity;
use yew::prelude::*;

/// Individual events are drawn once the window holds at most this many.
const MAX_EVENTS: u32 = 4000;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
    pub window: Option<(i64, i64)>,
    pub set_window: Callback<Option<(i64, i64)>>,
    /// Open a finding (by id) in the Findings view.
    #[prop_or_default]
    pub open_finding: Callback<String>,
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
                        draw::draw_main(&c, a, &rows, sel.as_ref(), &findings, findings_pending);
                    }
                    if let Some(c) = over_ref.cast::<HtmlCanvasElement>() {
                        draw::draw_overview(&c, a);
                    }
                }
            },
        );
    }

    let window_now = ans.as_ref().and_then(|a| a.window);
    let extent = ans.as_ref().and_then(|a| a.extent);

    navigate::use_zoom_keys(window_now, extent, p.set_window.clone());

    let onwheel = navigate::on_wheel(window_now, extent, plot_w, p.set_window.clone());
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

    let (over_down, over_up) =
        navigate::overview_brush(brush, width, window_now, extent, p.set_window.clone());

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
    let tooltip = hover
        .as_ref()
        .map(|(ev, x, y)| panels::tooltip(&a, ev, *x, *y));

    html! {
        <div class="view timeline-view" ref={width_ref}>
            { panels::toolbar(&a, &text, &min_sev, &order, &p.set_window) }
            <canvas ref={over_ref} class="overview" onmousedown={over_down} onmouseup={over_up} title="Density over all time; drag to choose a window" />
            <div class="canvas-wrap">
                <canvas ref={main_ref} class="lanes" style={format!("height:{canvas_h}px")}
                    data-rows={row_names(&a, &rows)} data-window={format!("{wa},{wb}")} data-label-width={LABEL_W.to_string()} data-axis-height={AXIS_H.to_string()} data-row-height={ROW_H.to_string()}
                    {onwheel} {onmousedown} {onmousemove} {onmouseup} {onmouseleave} />
                { for tooltip }
            </div>
            { panels::events_list(&a, &select_event) }
            <Templates generation={p.generation} />
            <div class="split">
                <div>
                    <h2 class="section">{"Event kinds in view"}</h2>
                    { panels::kinds_table(&a, &kinds_on, &p.set_window, bridge.clone()) }
                </div>
                <div>
                    <h2 class="section">{"Selected event"}</h2>
                    { panels::detail(&a, (*selected).as_ref(), (*raw).as_ref()) }
                </div>
            </div>
        </div>
    }
}
