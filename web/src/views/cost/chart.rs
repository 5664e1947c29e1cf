//! The API cost chart: requests in flight per bucket, stacked by key, drawn on canvas (query
//! time per bucket where nearly nothing is in flight); and the series colours its legend shares.

use crate::views::canvas::{self, time_ticks};
use web_sys::HtmlCanvasElement;
use whodunnit_core::audit::cost::Series;

const CHART_H: f64 = 220.0;
/// The y-axis labels' width, left of the plot: the view sizes its buckets and its brush by it too.
pub(super) const AXIS_W: f64 = 46.0;

/// Series colors: distinct hues for the top keys, grey for "others".
pub(super) fn series_color(i: usize, n: usize, key: &str) -> String {
    if key == "others" {
        return "hsl(220, 8%, 50%)".into();
    }
    let hue = (i * 360 / n.max(1) + 205) % 360;
    format!("hsl({hue}, 62%, 58%)")
}

/// Below this peak of mean requests in flight the chart shows query time per bucket instead:
/// 24 requests spread over four years are 0.00000002 in flight, an axis nobody reads, but 59 ms
/// of query time in a 30-day bucket. The shape is the same (a bucket's query time is its mean
/// in flight times its width); only the unit changes, and the title says which it is.
pub(super) const QUIET: f64 = 0.01;

/// The highest stacked total of the series (mean requests in flight in one bucket).
fn peak(s: &Series) -> f64 {
    (0..s.times.len())
        .map(|b| {
            s.values
                .iter()
                .map(|v| v.get(b).copied().unwrap_or(0.0))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// Whether the chart shows query time per bucket rather than requests in flight (see [`QUIET`]).
pub(super) fn shows_query_time(s: &Series) -> bool {
    !s.times.is_empty() && peak(s) < QUIET
}

/// Axis labels for in-flight counts, which range from hundredths (a quiet log) to hundreds.
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

pub(super) fn draw_chart(c: &HtmlCanvasElement, s: &Series) {
    let Some((ctx, w, h)) = canvas::prepare(c, CHART_H) else {
        return;
    };
    let n = s.times.len();
    if n == 0 {
        return;
    }
    let plot_w = w - AXIS_W;
    let plot_h = h - 22.0;
    // Query time per bucket in µs, or mean requests in flight.
    let (unit, label): (f64, fn(f64) -> String) = if shows_query_time(s) {
        (s.bucket_us as f64, |v| {
            if v == 0.0 {
                "0".into()
            } else {
                whodunnit_core::time::fmt_duration(v.round() as i64)
            }
        })
    } else {
        (1.0, fmt_in_flight)
    };
    let max = (peak(s) * unit).max(1e-9);
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
        let _ = ctx.fill_text(&label(v), 4.0, yy + 3.0);
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
            .map(|(b, v)| v + vals.get(b).copied().unwrap_or(0.0) * unit)
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
