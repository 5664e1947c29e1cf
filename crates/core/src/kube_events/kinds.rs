//! Event reasons → timeline kinds, named like the node-log classes where one fits
//! (`node_not_ready`, `volume_mount_failed` …) so detectors and filters treat an Event and
//! the log line that reports the same thing alike.

use crate::event::Severity;
use crate::nodelog::classes::{classify, CLASSES};

/// Reasons with a kind of their own, from the reasons kubelet, the scheduler, the node
/// controller and node-problem-detector emit.
const REASONS: &[(&str, &str)] = &[
    ("NodeNotReady", "node_not_ready"),
    ("FailedMount", "volume_mount_failed"),
    ("FailedAttachVolume", "volume_mount_failed"),
    ("Evicted", "evicted"),
    ("EvictionThresholdMet", "eviction_begin"),
    ("OOMKilling", "kernel_oom_kill"),
    ("SystemOOM", "kernel_oom_kill"),
    ("Unhealthy", "probe_failed"),
    ("FailedCreatePodSandBox", "sandbox_failed"),
    ("ErrImagePull", "image_pull_error"),
    ("ImagePullBackOff", "image_pull_backoff"),
    ("KernelOops", "kernel_oops"),
    ("TaskHung", "kernel_hung_task"),
    ("FilesystemIsReadOnly", "kernel_fs_readonly"),
    ("LeaderElection", "leader_election"),
    ("FreeDiskSpaceFailed", "image_gc_disk_pressure"),
    ("ImageGCFailed", "image_gc_disk_pressure"),
];

/// Kinds that only Events have.
const EVENT_KINDS: &[(&str, &str, Severity)] = &[
    ("FailedScheduling", "failed_scheduling", Severity::Warning),
    ("Rebooted", "node_rebooted", Severity::Warning),
];

/// Kind name and severity of an Event with `reason`, `type` and message `text`.
pub fn kind_of(reason: &str, event_type: &str, text: &str) -> (&'static str, Severity) {
    let class = |name: &str| CLASSES.iter().find(|c| c.name == name);
    if let Some((_, k)) = REASONS.iter().find(|(r, _)| *r == reason) {
        if let Some(c) = class(k) {
            return (c.name, c.severity);
        }
    }
    if let Some((_, k, s)) = EVENT_KINDS.iter().find(|(r, _, _)| *r == reason) {
        return (k, *s);
    }
    let warning = event_type == "Warning";
    if warning {
        // `BackOff`, `Failed` … say what failed in the message (image pull, crash loop).
        if let Some(c) = classify(text.as_bytes()) {
            return (CLASSES[c].name, CLASSES[c].severity);
        }
        ("k8s_event.warning", Severity::Warning)
    } else {
        ("k8s_event", Severity::Info)
    }
}

#[cfg(test)]
mod tests {
    use super::kind_of;

    #[test]
    fn reasons_and_messages_classify() {
        assert_eq!(kind_of("NodeNotReady", "Normal", "").0, "node_not_ready");
        assert_eq!(
            kind_of(
                "FailedScheduling",
                "Warning",
                "0/1 nodes are available: 1 Insufficient cpu."
            )
            .0,
            "failed_scheduling"
        );
        assert_eq!(
            kind_of("BackOff", "Warning", "Back-off restarting failed container").0,
            "crash_loop"
        );
        assert_eq!(
            kind_of(
                "Scheduled",
                "Normal",
                "Successfully assigned default/x to n"
            )
            .0,
            "k8s_event"
        );
        assert_eq!(
            kind_of("Whatever", "Warning", "nothing known").0,
            "k8s_event.warning"
        );
    }
}
