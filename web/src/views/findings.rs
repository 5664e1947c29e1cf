//! findings view (being built).
use crate::app::Tab;
use crate::views::Nothing;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
    pub show: Callback<(Tab, Option<(i64, i64)>)>,
}

#[function_component(FindingsView)]
pub fn view(_p: &Props) -> Html {
    html! { <Nothing title="findings">{"This view is being built."}</Nothing> }
}
