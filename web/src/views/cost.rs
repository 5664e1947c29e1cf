//! cost view (being built).
use crate::views::Nothing;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
}

#[function_component(CostView)]
pub fn view(_p: &Props) -> Html {
    html! { <Nothing title="cost">{"This view is being built."}</Nothing> }
}
