//! The inputs that move the Timeline's window: keys, the wheel over the lanes and the brush on the
//! overview strip. They only emit the new window: the app owns it, shared with the API cost view.

use super::geometry::{clamp, zoom, LABEL_W, MIN_SPAN};
use gloo::events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::KeyboardEvent;
use yew::prelude::*;

/// Keyboard zoom and pan.
#[hook]
pub(super) fn use_zoom_keys(
    window_now: Option<(i64, i64)>,
    extent: Option<(i64, i64)>,
    set_window: Callback<Option<(i64, i64)>>,
) {
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

/// The wheel over the lanes zooms around the pointer.
pub(super) fn on_wheel(
    window_now: Option<(i64, i64)>,
    extent: Option<(i64, i64)>,
    plot_w: f64,
    set_window: Callback<Option<(i64, i64)>>,
) -> Callback<WheelEvent> {
    Callback::from(move |e: WheelEvent| {
        let Some((a, b)) = window_now else { return };
        e.prevent_default();
        let x = e.offset_x() as f64 - LABEL_W;
        let frac = (x / plot_w).clamp(0.0, 1.0);
        let factor = if e.delta_y() < 0.0 { 0.8 } else { 1.25 };
        set_window.emit(clamp(zoom((a, b), factor, frac), extent));
    })
}

/// Overview brush: drag across the strip to choose a window. Returns the strip's mousedown and
/// mouseup handlers; `brush` holds where the drag began, `width` is the strip's width.
pub(super) fn overview_brush(
    brush: Rc<RefCell<Option<f64>>>,
    width: f64,
    window_now: Option<(i64, i64)>,
    extent: Option<(i64, i64)>,
    set_window: Callback<Option<(i64, i64)>>,
) -> (Callback<MouseEvent>, Callback<MouseEvent>) {
    let over_down = {
        let brush = brush.clone();
        Callback::from(move |e: MouseEvent| *brush.borrow_mut() = Some(e.offset_x() as f64))
    };
    let over_up = Callback::from(move |e: MouseEvent| {
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
    });
    (over_down, over_up)
}
