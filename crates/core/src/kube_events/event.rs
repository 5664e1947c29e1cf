//! One Kubernetes Event, as the API serves it: `v1 Event` (`involvedObject`, `count`,
//! `firstTimestamp`/`lastTimestamp`) or `events.k8s.io/v1 Event` (`regarding`, `note`,
//! `deprecatedCount`, `series`, `eventTime`). JSON and YAML both land here.

use crate::time::{parse_rfc3339, Micros, NO_TIME};
use serde::Deserialize;

/// The fields whodunnit reads; the rest are skipped.
#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase", default)]
pub struct Event {
    pub kind: Option<String>,
    pub metadata: Option<Meta>,
    pub involved_object: Option<ObjectRef>,
    pub regarding: Option<ObjectRef>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub note: Option<String>,
    #[serde(rename = "type")]
    pub kind_type: Option<String>,
    pub count: Option<u64>,
    pub deprecated_count: Option<u64>,
    pub first_timestamp: Option<String>,
    pub last_timestamp: Option<String>,
    pub deprecated_first_timestamp: Option<String>,
    pub deprecated_last_timestamp: Option<String>,
    pub event_time: Option<String>,
    pub series: Option<Series>,
    pub source: Option<Source>,
    pub deprecated_source: Option<Source>,
    pub reporting_controller: Option<String>,
    pub reporting_component: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase", default)]
pub struct Meta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub creation_timestamp: Option<String>,
}

/// What the event is about.
#[derive(Deserialize, Default, Debug, Clone)]
#[serde(rename_all = "camelCase", default)]
pub struct ObjectRef {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    pub field_path: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(rename_all = "camelCase", default)]
pub struct Series {
    pub count: Option<u64>,
    pub last_observed_time: Option<String>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(default)]
pub struct Source {
    pub component: Option<String>,
    pub host: Option<String>,
}

fn time(s: &Option<String>) -> Option<Micros> {
    s.as_deref().and_then(parse_rfc3339)
}

impl Event {
    /// Whether the object is an Event at all (a List may hold other kinds).
    pub fn is_event(&self) -> bool {
        self.kind.as_deref().is_none_or(|k| k == "Event")
            && (self.involved_object.is_some() || self.regarding.is_some() || self.reason.is_some())
    }

    pub fn object(&self) -> ObjectRef {
        self.involved_object
            .clone()
            .or_else(|| self.regarding.clone())
            .unwrap_or_default()
    }

    pub fn text(&self) -> &str {
        self.message
            .as_deref()
            .or(self.note.as_deref())
            .unwrap_or("")
    }

    /// `Normal` or `Warning` (anything else is kept as written).
    pub fn event_type(&self) -> &str {
        self.kind_type.as_deref().unwrap_or("Normal")
    }

    /// First time seen: `firstTimestamp`, else the events.k8s.io fields, else creation.
    pub fn first(&self) -> Micros {
        time(&self.first_timestamp)
            .or_else(|| time(&self.deprecated_first_timestamp))
            .or_else(|| time(&self.event_time))
            .or_else(|| {
                self.metadata
                    .as_ref()
                    .and_then(|m| time(&m.creation_timestamp))
            })
            .unwrap_or(NO_TIME)
    }

    /// Last time seen (the first when the event happened once).
    pub fn last(&self) -> Micros {
        time(&self.last_timestamp)
            .or_else(|| time(&self.deprecated_last_timestamp))
            .or_else(|| {
                self.series
                    .as_ref()
                    .and_then(|s| time(&s.last_observed_time))
            })
            .unwrap_or_else(|| self.first())
    }

    pub fn count(&self) -> u64 {
        self.count
            .or(self.deprecated_count)
            .or_else(|| self.series.as_ref().and_then(|s| s.count))
            .unwrap_or(1)
            .max(1)
    }

    /// Who reported it: `source.component`, else the reporting controller.
    pub fn reporter(&self) -> String {
        let s = self.source.as_ref().or(self.deprecated_source.as_ref());
        let comp = s
            .and_then(|s| s.component.clone())
            .or_else(|| self.reporting_controller.clone())
            .or_else(|| self.reporting_component.clone())
            .unwrap_or_default();
        match s.and_then(|s| s.host.as_deref()) {
            Some(h) if !h.is_empty() => format!("{comp}, {h}"),
            _ => comp,
        }
    }
}
