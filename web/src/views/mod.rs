//! The views that slot into the shell, one module each, plus the hooks they share.

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
