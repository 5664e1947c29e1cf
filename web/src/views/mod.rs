//! The views that slot into the shell, one module each, plus the hooks they share.

pub mod canvas;
pub mod cost;
pub mod empty;
pub mod files;
pub mod findings;
pub mod goroutines;
pub mod sidebar;
pub mod timeline;

use crate::bridge::BridgeCtx;
use serde::de::DeserializeOwned;
use whodunnit_core::query::Query;
use yew::prelude::*;

/// Run `q` in the worker whenever it or the dataset generation changes; `None` until answered.
/// Answers that arrive for an outdated query are dropped.
// Yew's #[hook] macro adds its own bounds to the generics it rewrites; clippy then sees the
// bound in two places.
#[allow(clippy::multiple_bound_locations)]
#[hook]
pub fn use_query<T: DeserializeOwned + 'static>(
    q: Query,
    generation: u32,
) -> UseStateHandle<Option<Result<T, String>>> {
    let bridge = use_context::<BridgeCtx>();
    let out = use_state(|| None);
    let key = serde_json::to_string(&q).unwrap_or_default();
    let seq = use_mut_ref(|| 0u64);
    {
        let out = out.clone();
        use_effect_with((key, generation), move |_| {
            *seq.borrow_mut() += 1;
            let mine = *seq.borrow();
            if let Some(b) = bridge {
                let seq = seq.clone();
                b.0.query(
                    &q,
                    Callback::from(move |v: serde_json::Value| {
                        if *seq.borrow() != mine {
                            return;
                        }
                        if let Some(e) = v.get("error").and_then(|e| e.as_str()) {
                            out.set(Some(Err(e.to_string())));
                        } else {
                            out.set(Some(serde_json::from_value(v).map_err(|e| e.to_string())));
                        }
                    }),
                );
            }
        });
    }
    out
}

/// The panel shown when a view has nothing to show yet, saying what would fill it.
#[derive(Properties, PartialEq)]
pub struct NothingProps {
    pub title: AttrValue,
    pub children: Children,
}

#[function_component(Nothing)]
pub fn nothing(p: &NothingProps) -> Html {
    html! {
        <div class="nothing">
            <h3>{ p.title.clone() }</h3>
            <div class="muted">{ for p.children.iter() }</div>
        </div>
    }
}

/// Track the width of an element (for canvases): returns the ref to attach and the current
/// width in CSS pixels, updated on window resize.
#[hook]
pub fn use_width() -> (NodeRef, f64) {
    let node = use_node_ref();
    let width = use_state(|| 1000.0);
    {
        let node = node.clone();
        let width = width.clone();
        use_effect_with((), move |_| {
            let measure = {
                let node = node.clone();
                let width = width.clone();
                move || {
                    if let Some(el) = node.cast::<web_sys::Element>() {
                        let w = el.client_width() as f64 - 40.0;
                        if w > 0.0 && (w - *width).abs() > 1.0 {
                            width.set(w);
                        }
                    }
                }
            };
            measure();
            let listener =
                gloo::events::EventListener::new(&gloo::utils::window(), "resize", move |_| {
                    measure()
                });
            move || drop(listener)
        });
    }
    (node, *width)
}
