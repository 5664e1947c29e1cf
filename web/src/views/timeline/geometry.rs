//! The pure geometry of the lane canvas: time ↔ pixel, zoom and clamp of the window, and which
//! event or finding lies under the pointer. No drawing and no DOM, so the drawing and the pointer
//! handlers agree by construction.

use super::rows::Row;
use whodunnit_core::findings::Finding;
use whodunnit_core::timeline::{EventRow, TimelineAnswer};

// The lane canvas's layout in CSS pixels; the canvas also states it in data-* attributes, so the
// browser tests aim their clicks by it rather than by copies of these numbers.
pub(super) const LABEL_W: f64 = 230.0;
pub(super) const AXIS_H: f64 = 26.0;
pub(super) const ROW_H: f64 = 22.0;
/// The shortest window: "down to microseconds".
pub(super) const MIN_SPAN: i64 = 10;

/// Scale the window by `factor` around the point at `frac` of its width.
pub(super) fn zoom((a, b): (i64, i64), factor: f64, frac: f64) -> (i64, i64) {
    let span = (b - a) as f64;
    let new = (span * factor).max(MIN_SPAN as f64);
    let c = a as f64 + span * frac;
    ((c - new * frac) as i64, (c + new * (1.0 - frac)) as i64)
}

/// Keep the window overlapping the data (some margin allowed).
pub(super) fn clamp((a, b): (i64, i64), extent: Option<(i64, i64)>) -> Option<(i64, i64)> {
    let (lo, hi) = extent?;
    let span = (b - a).max(MIN_SPAN);
    let margin = span / 2;
    let a = a.clamp(lo - margin, hi + margin - span / 2);
    Some((a, a + span))
}

pub(super) fn x_of(a: &TimelineAnswer, t: i64, plot_w: f64) -> f64 {
    let (wa, wb) = a.window.unwrap_or((0, 1));
    LABEL_W + (t - wa) as f64 / (wb - wa).max(1) as f64 * plot_w
}

pub(super) fn hit_test(
    a: &TimelineAnswer,
    rows: &[Row],
    x: f64,
    y: f64,
    plot_w: f64,
) -> Option<EventRow> {
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

pub(super) fn t_of(a: &TimelineAnswer, x: f64, plot_w: f64) -> i64 {
    let (wa, wb) = a.window.unwrap_or((0, 1));
    wa + ((x - LABEL_W) / plot_w * (wb - wa) as f64) as i64
}

/// The finding whose span (widened to a few pixels) covers time `t`.
pub(super) fn findings_at<'f>(
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
