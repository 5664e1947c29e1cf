//! Canvas drawing of the Timeline: the lanes (axis, findings marks, level-of-detail bins or single
//! events) and the overview density strip with the current window on it.

use super::geometry::{x_of, AXIS_H, LABEL_W, ROW_H};
use super::rows::Row;
use crate::fmt;
use crate::views::canvas::{self, draw_shape, kind_color, kind_shape, time_ticks};
use web_sys::HtmlCanvasElement;
use whodunnit_core::findings::Finding;
use whodunnit_core::time::fmt_micros;
use whodunnit_core::timeline::{EventRow, TimelineAnswer};
use whodunnit_core::Severity;

const OVERVIEW_H: f64 = 46.0;

pub(super) fn draw_main(
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
        let _ = ctx.fill_text(&fmt::ellipsize_middle(&label, 36), 6.0, y + 15.0);
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

pub(super) fn draw_overview(c: &HtmlCanvasElement, a: &TimelineAnswer) {
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
