//! timeline view (being built).
use crate::views::Nothing;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
}

#[function_component(TimelineView)]
pub fn view(_p: &Props) -> Html {
    html! { <Nothing title="timeline">{"This view is being built."}</Nothing> }
}
