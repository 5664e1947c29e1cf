//! Image pull stampede: ErrImagePull / ImagePullBackOff across several nodes at once — a
//! registry down or rate-limiting, a tag deleted, credentials expired — with the images and
//! nodes involved.

use super::scan::{list_text, spread, window_evidence, Cx};
use super::{finding, Detector, Outcome};
use crate::event::Severity;
use crate::format::Format;
use std::collections::BTreeMap;

/// Event kinds of failed pulls.
pub const KINDS: &[&str] = &["image_pull_error", "image_pull_backoff"];
/// Failures on at least this many nodes make a stampede …
pub const MIN_NODES: usize = 2;
/// … with at least this many failures in all; one node alone needs [`MIN_SINGLE`].
pub const MIN_FAILURES: usize = 6;
/// Failures on a single node that are reported anyway.
pub const MIN_SINGLE: usize = 30;

/// The image a pull line names: `image "nginx:1.2"`, `image="…"`, `image \"…\"`.
pub fn image_in(text: &str) -> Option<String> {
    // JSON-wrapped lines escape the quotes (`image \\\"x\\\"`): drop the escapes first.
    let text = text.replace('\\', "");
    for key in ["image \"", "image=\"", "Image: "] {
        if let Some(i) = text.find(key) {
            let rest = &text[i + key.len()..];
            let end = rest.find(['"', '\\', ' ', ',']).unwrap_or(rest.len());
            let v = &rest[..end];
            if !v.is_empty() && v != "<*>" {
                return Some(v.to_string());
            }
        }
    }
    None
}

pub(crate) fn detect(cx: &Cx<'_>) -> Outcome {
    let mut out = Outcome {
        had_input: cx.has(Format::NodeLog),
        ..Default::default()
    };
    if !out.had_input {
        out.missing
            .push("kubelet logs of the nodes (journalctl -u kubelet)".into());
        return out;
    }
    let evs = cx.node_events(KINDS);
    let mut nodes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut images: BTreeMap<String, usize> = BTreeMap::new();
    for e in &evs {
        *nodes.entry(e.host()).or_default() += 1;
        if let Some(img) = image_in(
            &cx.text_sampled("image_pull", e, 20)
                .unwrap_or_else(|| e.label.to_string()),
        ) {
            *images.entry(img).or_default() += 1;
        }
    }
    let n = evs.len();
    if !((nodes.len() >= MIN_NODES && n >= MIN_FAILURES) || n >= MIN_SINGLE) {
        return out;
    }
    let (from, to) = (evs[0].time, evs[n - 1].time);
    let half = from + (to - from) / 2;
    let (early, late) = (
        evs.iter().filter(|e| e.time < half).count(),
        evs.iter().filter(|e| e.time >= half).count(),
    );
    let top = |m: &BTreeMap<String, usize>| -> Vec<String> {
        let mut v: Vec<(&String, &usize)> = m.iter().collect();
        v.sort_by_key(|x| std::cmp::Reverse(*x.1));
        v.into_iter().map(|(k, c)| format!("{k} ({c}×)")).collect()
    };
    let node_list = top(&nodes.iter().map(|(k, v)| (k.to_string(), *v)).collect());
    let mut summary = format!(
        "{n} image pull failures (ErrImagePull / ImagePullBackOff) on {} node(s) over {}: {}.",
        nodes.len(),
        crate::time::fmt_duration(to - from),
        list_text(&node_list, 5)
    );
    if late > early {
        summary.push_str(&format!(
            " The rate is rising ({early} in the first half, {late} in the second)."
        ));
    }
    if images.is_empty() {
        summary.push_str(
            " The image names were not readable from the event templates; open the lines.",
        );
    } else {
        summary.push_str(&format!(" Images: {}.", list_text(&top(&images), 5)));
    }
    summary.push_str(" The same failure on many nodes at once points at the registry (down, rate-limited, unreachable), a deleted tag, or expired pull credentials, not at the nodes; every retry adds back-off, so pods stay down long after the cause is fixed.");
    let mut evidence: Vec<_> = spread(&evs, 6)
        .iter()
        .map(|e| cx.line_evidence(e, ""))
        .collect();
    evidence.push(window_evidence("image pull failures".into(), from, to));
    let mut lanes: Vec<String> = evs.iter().map(|e| e.lane.to_string()).collect();
    lanes.sort();
    lanes.dedup();
    let missing = if cx.has_component("containerd") || cx.has_component("docker") {
        Vec::new()
    } else {
        vec!["container runtime log (containerd / dockerd) of a node: the registry's HTTP error behind the failed pulls".to_string()]
    };
    out.findings.push(finding(
        Detector::ImagePullStampede,
        format!("Image pulls failing on {} node(s) ({n}×)", nodes.len()),
        if nodes.len() >= 3 {
            Severity::Error
        } else {
            Severity::Warning
        },
        from,
        to,
        summary,
        lanes,
        evidence,
        missing,
    ));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn image_names() {
        assert_eq!(
            super::image_in(r#"Failed to pull image "k8s.gcr.io/pause:3.1": rpc error"#).as_deref(),
            Some("k8s.gcr.io/pause:3.1")
        );
        assert_eq!(super::image_in("Back-off pulling image <*>"), None);
    }
}
