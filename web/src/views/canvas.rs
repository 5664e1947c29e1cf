//! Canvas helpers shared by the charts: sizing for the device pixel ratio, colors, time ticks.

use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use whodunnit_core::Severity;

/// Size the canvas to its CSS box times the device pixel ratio; returns the context (scaled so
/// drawing uses CSS pixels) and the CSS width and height.
pub fn prepare(
    canvas: &HtmlCanvasElement,
    css_height: f64,
) -> Option<(CanvasRenderingContext2d, f64, f64)> {
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0);
    let width = canvas.client_width().max(100) as f64;
    canvas.set_width((width * dpr) as u32);
    canvas.set_height((css_height * dpr) as u32);
    let _ = canvas
        .style()
        .set_property("height", &format!("{css_height}px"));
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, width, css_height);
    Some((ctx, width, css_height))
}

/// A CSS custom property of the app root (theme colors live there).
pub fn theme_color(name: &str) -> String {
    gloo::utils::document()
        .query_selector(".app")
        .ok()
        .flatten()
        .and_then(|el| web_sys::window()?.get_computed_style(&el).ok().flatten())
        .and_then(|st| st.get_property_value(name).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "#888".into())
}

/// Stable small hash of a name, for picking hues and shapes.
pub fn hash(name: &str) -> u32 {
    name.bytes()
        .fold(2166136261u32, |h, b| (h ^ b as u32).wrapping_mul(16777619))
}

/// Color of an event kind: the hue band says how bad it is (reds for errors, ambers for
/// warnings, blues/greens for information), the exact hue tells kinds apart.
pub fn kind_color(name: &str, sev: Severity) -> String {
    let h = hash(name);
    let (base, spread, sat, light) = match sev {
        Severity::Critical => (350, 16, 85, 55),
        Severity::Error => (0, 30, 78, 58),
        Severity::Warning => (32, 24, 90, 55),
        Severity::Info => (170, 110, 55, 58),
        Severity::Debug => (210, 30, 12, 55),
    };
    let hue = (base + (h % spread) as i32 - (spread as i32) / 2).rem_euclid(360);
    format!("hsl({hue}, {sat}%, {light}%)")
}

/// Marker shape per kind, so colors are not the only cue.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Circle,
    Square,
    Diamond,
    Triangle,
}

pub fn kind_shape(name: &str) -> Shape {
    match hash(name) % 4 {
        0 => Shape::Circle,
        1 => Shape::Square,
        2 => Shape::Diamond,
        _ => Shape::Triangle,
    }
}

pub fn draw_shape(ctx: &CanvasRenderingContext2d, shape: Shape, x: f64, y: f64, r: f64) {
    ctx.begin_path();
    match shape {
        Shape::Circle => {
            let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
        }
        Shape::Square => ctx.rect(x - r, y - r, 2.0 * r, 2.0 * r),
        Shape::Diamond => {
            ctx.move_to(x, y - r * 1.3);
            ctx.line_to(x + r * 1.3, y);
            ctx.line_to(x, y + r * 1.3);
            ctx.line_to(x - r * 1.3, y);
            ctx.close_path();
        }
        Shape::Triangle => {
            ctx.move_to(x, y - r * 1.2);
            ctx.line_to(x + r * 1.2, y + r);
            ctx.line_to(x - r * 1.2, y + r);
            ctx.close_path();
        }
    }
    ctx.fill();
}

/// Tick positions and labels for a time axis from `from` to `to` (µs) about `target` ticks wide.
pub fn time_ticks(from: i64, to: i64, target: usize) -> Vec<(i64, String)> {
    const STEPS: &[i64] = &[
        1,
        2,
        5,
        10,
        20,
        50,
        100,
        200,
        500,
        1_000,
        2_000,
        5_000,
        10_000,
        20_000,
        50_000,
        100_000,
        200_000,
        500_000,
        1_000_000,
        2_000_000,
        5_000_000,
        10_000_000,
        15_000_000,
        30_000_000,
        60_000_000,
        120_000_000,
        300_000_000,
        600_000_000,
        900_000_000,
        1_800_000_000,
        3_600_000_000,
        7_200_000_000,
        10_800_000_000,
        21_600_000_000,
        43_200_000_000,
        86_400_000_000,
        172_800_000_000,
        604_800_000_000,
        2_592_000_000_000,
        7_776_000_000_000,
        31_536_000_000_000,
    ];
    let span = (to - from).max(1);
    let step = *STEPS
        .iter()
        .find(|&&s| span / s <= target as i64)
        .unwrap_or(&31_536_000_000_000);
    let first = from.div_euclid(step) * step + if from.rem_euclid(step) == 0 { 0 } else { step };
    let mut out = Vec::new();
    let mut t = first;
    while t <= to && out.len() < 200 {
        out.push((t, tick_label(t, step)));
        t += step;
    }
    out
}

fn tick_label(t: i64, step: i64) -> String {
    let Some(dt) = chrono::DateTime::<chrono::Utc>::from_timestamp_micros(t) else {
        return String::new();
    };
    if step >= 86_400_000_000 {
        dt.format("%Y-%m-%d").to_string()
    } else if step >= 60_000_000 {
        if dt.format("%H:%M").to_string() == "00:00" {
            dt.format("%m-%d").to_string()
        } else {
            dt.format("%H:%M").to_string()
        }
    } else if step >= 1_000_000 {
        dt.format("%H:%M:%S").to_string()
    } else if step >= 1_000 {
        dt.format("%S.%3fs").to_string()
    } else {
        dt.format("%S.%6fs").to_string()
    }
}
