//! The Findings view: what the known incident patterns say happened, most severe first, each
//! with its span, an explanation, and evidence that opens in the other views.

use crate::fmt;
use crate::state::Focus;
use crate::views::timeline::sev_class;
use crate::views::{use_query, Nothing};
use whodunnit_core::findings::{Evidence, EvidenceKind, Finding, FindingsReport};
use whodunnit_core::query::Query;
use whodunnit_core::time::NO_TIME;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub generation: u32,
    pub show: Callback<Focus>,
}

#[function_component(FindingsView)]
pub fn findings_view(p: &Props) -> Html {
    let answer = use_query::<FindingsReport>(Query::Findings, p.generation);
    let r = match &*answer {
        Some(Ok(r)) => r.clone(),
        Some(Err(e)) => return html! { <div class="view error">{ e }</div> },
        None => {
            return html! { <div class="view muted">{"Looking for known incident patterns…"}</div> }
        }
    };
    let not_run: Vec<_> = r.detectors.iter().filter(|d| !d.had_input).collect();
    html! {
        <div class="view findings-view">
            if r.findings.is_empty() {
                <Nothing title="No known incident pattern found">
                    {"The detectors below looked at what was dropped and found nothing they recognize. Detectors without input say which files would let them look."}
                </Nothing>
            }
            { for r.findings.iter().map(|f| finding_card(f, &p.show)) }
            <h2 class="section">{"Detectors"}</h2>
            <table class="grid">
                <thead><tr><th>{"pattern"}</th><th class="num">{"findings"}</th><th>{"input"}</th><th>{"would look at / confirm with"}</th></tr></thead>
                <tbody>
                { for r.detectors.iter().map(|d| html! {
                    <tr>
                        <td>{ &d.title }</td>
                        <td class={classes!("num", (d.findings > 0).then_some("bad"))}>{ d.findings }</td>
                        <td class={classes!((!d.had_input).then_some("muted"))}>{ if d.had_input { "looked" } else { "no input" } }</td>
                        <td class="small">{ d.missing.join("; ") }</td>
                    </tr>
                }) }
                </tbody>
            </table>
            if !not_run.is_empty() {
                <div class="muted small" style="margin-top:6px">{ format!("{} of {} detectors had nothing to look at.", not_run.len(), r.detectors.len()) }</div>
            }
        </div>
    }
}

fn finding_card(f: &Finding, show: &Callback<Focus>) -> Html {
    let card = match f.severity {
        whodunnit_core::Severity::Critical | whodunnit_core::Severity::Error => "alert",
        _ => "warnc",
    };
    let span = if f.from != NO_TIME {
        format!(
            "{} → {}{}",
            f.from_text,
            f.to_text,
            if f.duration_text.is_empty() {
                String::new()
            } else {
                format!(" ({})", f.duration_text)
            }
        )
    } else {
        "time unknown".into()
    };
    let open_span = (f.from != NO_TIME).then(|| {
        let show = show.clone();
        let pad = ((f.to - f.from) / 10).max(30_000_000);
        let w = (f.from - pad, f.to + pad);
        Callback::from(move |_: MouseEvent| show.emit(Focus::Timeline { window: w }))
    });
    html! {
        <div class={classes!("card", "finding", card)} data-detector={f.detector.name()} id={f.id.clone()}>
            <h3>
                <span class={classes!("pill", sev_class(f.severity))}>{ f.severity.label() }</span>
                { &f.title }
            </h3>
            <div class="small muted mono">
                { span }
                if let Some(cb) = open_span { {" · "}<button class="link" onclick={cb}>{"show on timeline"}</button> }
            </div>
            <p class="summary">{ &f.summary }</p>
            if !f.evidence.is_empty() {
                <div class="small muted">{ format!("Evidence ({})", f.evidence.len()) }</div>
                <ul class="evidence">
                    { for f.evidence.iter().take(12).map(|e| evidence_item(e, show)) }
                </ul>
                if f.evidence.len() > 12 { <div class="muted small">{ format!("… and {} more", fmt::count((f.evidence.len() - 12) as u64)) }</div> }
            }
            if !f.missing.is_empty() {
                <div class="note small">{"To confirm: "}{ f.missing.join("; ") }</div>
            }
        </div>
    }
}

fn evidence_item(e: &Evidence, show: &Callback<Focus>) -> Html {
    let (target, focus) = match &e.kind {
        EvidenceKind::Event {
            file_name, line, ..
        } => {
            let w = if e.time != NO_TIME {
                Some((e.time - 60_000_000, e.time + 60_000_000))
            } else {
                None
            };
            (
                format!("{file_name}:{line}"),
                w.map(|window| Focus::Timeline { window }),
            )
        }
        EvidenceKind::Requests {
            filters,
            since,
            until,
        } => (
            "API cost".to_string(),
            Some(Focus::Cost {
                filters: filters.clone(),
                window: match (since, until) {
                    (Some(a), Some(b)) => Some((*a, *b)),
                    _ => None,
                },
            }),
        ),
        EvidenceKind::LockGroup {
            file,
            snapshot,
            lock,
        } => (
            format!("lock {lock}"),
            Some(Focus::Goroutines {
                file: *file,
                snapshot: *snapshot,
            }),
        ),
        EvidenceKind::Window { from, to } => (
            "timeline".to_string(),
            Some(Focus::Timeline {
                window: (*from, *to),
            }),
        ),
    };
    let link = focus.map(|f| {
        let show = show.clone();
        html! { <button class="link" onclick={Callback::from(move |_| show.emit(f.clone()))}>{ format!("open {target} →") }</button> }
    });
    html! {
        <li>
            <span class="mono small muted">{ &e.time_text }</span>{" "}
            <span>{ &e.label }</span>{" "}
            { for link }
        </li>
    }
}
