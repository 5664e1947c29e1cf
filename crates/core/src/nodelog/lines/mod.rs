//! Per-line recognizers: one module per line format, each behind [`Recognizer`].
//!
//! A recognizer looks at one line alone, cheaply (a first-byte test, then the header), and
//! says what it read from the header ([`Head`]); the parser does the rest (dates, lanes,
//! entries). Recognizers are exclusive — no line is claimed by two of them — so the order in
//! which [`Recognize`] tries them (the file's dominant format first) changes the cost only,
//! never the result. Lines no recognizer claims are plain text: a record of their own, or a
//! continuation of the previous record when they really continue it (see the parser).

pub mod cri;
pub mod docker;
pub mod iso_text;
pub mod journal_json;
pub mod journal_text;
pub mod json_log;
pub mod kernel;
pub mod klog;
pub mod logfmt;

use crate::nodelog::stamp::Yearless;
use crate::time::Micros;

/// The format of one line, recognized from that line alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineFormat {
    Klog,
    KlogFileHeader,
    JournalJson,
    DockerJson,
    JsonLog,
    Cri,
    JournalIso,
    Iso,
    Syslog,
    Logfmt,
    JournalMarker,
    Dmesg,
}

impl LineFormat {
    /// Every line format (the index is the format's slot in per-format counters).
    pub const ALL: [LineFormat; 12] = [
        LineFormat::Klog,
        LineFormat::KlogFileHeader,
        LineFormat::JournalJson,
        LineFormat::DockerJson,
        LineFormat::JsonLog,
        LineFormat::Cri,
        LineFormat::JournalIso,
        LineFormat::Iso,
        LineFormat::Syslog,
        LineFormat::Logfmt,
        LineFormat::JournalMarker,
        LineFormat::Dmesg,
    ];

    /// What the format is called in the UI (`Data::shapes`, the file's detail).
    pub fn label(self) -> &'static str {
        match self {
            LineFormat::Klog => "klog",
            LineFormat::KlogFileHeader => "klog file (--log-file)",
            LineFormat::JournalJson => "journalctl -o json",
            LineFormat::DockerJson => "Docker json-file",
            LineFormat::JsonLog => "JSON log (klog/zap)",
            LineFormat::Cri => "CRI container log",
            LineFormat::JournalIso => "journalctl -o short-iso",
            LineFormat::Iso => "ISO-timestamped text",
            LineFormat::Syslog => "journalctl short / syslog",
            LineFormat::Logfmt => "logrus/logfmt (containerd)",
            LineFormat::JournalMarker => "journalctl marker",
            LineFormat::Dmesg => "kernel ring buffer (dmesg)",
        }
    }

    /// Short name of the format, for the lane of a line that is not in its file's main format
    /// (`kubelet.log/logrus`).
    pub fn short(self) -> &'static str {
        match self {
            LineFormat::Klog | LineFormat::KlogFileHeader => "klog",
            LineFormat::JournalJson | LineFormat::JournalIso | LineFormat::JournalMarker => {
                "journal"
            }
            LineFormat::Syslog => "syslog",
            LineFormat::DockerJson => "docker",
            LineFormat::JsonLog => "json",
            LineFormat::Cri => "cri",
            LineFormat::Iso => "text",
            LineFormat::Logfmt => "logrus",
            LineFormat::Dmesg => "kernel",
        }
    }
}

/// What a recognizer read from a line's header.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Head<'a> {
    Klog(klog::KlogHead),
    KlogFile(klog::FileLine<'a>),
    /// The JSON formats are decoded once, by the parser.
    JournalJson,
    DockerJson,
    JsonLog,
    Cri {
        time: Micros,
        zoned: bool,
        /// A `P` (partial) line, continued by the next lines up to an `F` line.
        partial: bool,
        msg: usize,
    },
    JournalIso {
        time: Micros,
        zoned: bool,
        host: &'a [u8],
        ident: &'a [u8],
        msg: usize,
    },
    Iso {
        time: Micros,
        zoned: bool,
        end: usize,
    },
    Syslog {
        when: Yearless,
        end: usize,
    },
    Logfmt(logfmt::Fields<'a>),
    Marker(journal_text::Marker),
    Dmesg {
        time: Option<Micros>,
        msg: usize,
    },
}

/// One line format's recognizer: cheap, context-free, exclusive.
pub trait Recognizer: Sync {
    /// The format this recognizer claims lines for.
    fn format(&self) -> LineFormat;
    /// The header read from `line`, or `None` when the line is not in this format.
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>>;
}

/// Every line format's recognizer, in the order tried when nothing is known about the file.
pub static CHAIN: [&dyn Recognizer; 12] = [
    &klog::Klog,
    &journal_json::JournalJson,
    &cri::Cri,
    &journal_text::Syslog,
    &logfmt::Logfmt,
    &journal_text::JournalIso,
    &docker::DockerJson,
    &json_log::JsonLogLine,
    &iso_text::IsoText,
    &kernel::Dmesg,
    &journal_text::JournalMarker,
    &klog::KlogFileHeader,
];

/// The recognizer chain for one file: the format that claimed most lines so far is tried
/// first, then the rest in [`CHAIN`] order.
#[derive(Default)]
pub struct Recognize {
    first: Option<usize>,
    hits: [u64; 12],
}

impl Recognize {
    /// The format and header of `line`, or `None` for plain text.
    pub fn line<'a>(&mut self, line: &'a [u8]) -> Option<(LineFormat, Head<'a>)> {
        if let Some(i) = self.first {
            if let Some(h) = CHAIN[i].recognize(line) {
                self.hits[i] += 1;
                return Some((CHAIN[i].format(), h));
            }
        }
        for (i, r) in CHAIN.iter().enumerate() {
            if Some(i) == self.first {
                continue;
            }
            if let Some(h) = r.recognize(line) {
                self.hits[i] += 1;
                if self.first.is_none_or(|f| self.hits[i] > self.hits[f]) {
                    self.first = Some(i);
                }
                return Some((r.format(), h));
            }
        }
        None
    }
}

/// The format of `line` from the whole chain (sniffing, tests).
pub fn recognize(line: &[u8]) -> Option<(LineFormat, Head<'_>)> {
    CHAIN
        .iter()
        .find_map(|r| r.recognize(line).map(|h| (r.format(), h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One real line per format (from the corpus' public sources and the docs' examples):
    /// exactly one recognizer claims it, and it is the expected one.
    #[test]
    fn recognizers_are_exclusive() {
        let lines: &[(&[u8], LineFormat)] = &[
            (b"E0413 10:53:52.844381    3263 kubelet.go:2055] skipping pod synchronization", LineFormat::Klog),
            (b"Log file created at: 2019/08/20 20:28:26", LineFormat::KlogFileHeader),
            (b"Running on machine: 4256k8s010", LineFormat::KlogFileHeader),
            (br#"{"__REALTIME_TIMESTAMP":"1513183110000000","MESSAGE":"x"}"#, LineFormat::JournalJson),
            (br#"{"log":"I0101 00:00:00.000000 1 a.go:1] x\n","stream":"stderr","time":"2019-01-01T00:00:00Z"}"#, LineFormat::DockerJson),
            (br#"{"ts":1580306777.047,"msg":"Starting","v":0}"#, LineFormat::JsonLog),
            (b"2023-05-11T16:09:21.812345678Z stderr F I0511 16:09:21.812 1 main.go:1] x", LineFormat::Cri),
            (b"2017-12-13T16:58:30+0000 ip-10-0-0-1 kubelet[2975]: I1213 x", LineFormat::JournalIso),
            (b"2019-05-20T10:00:00.000Z INFO something happened", LineFormat::Iso),
            (b"hang-cni: 2026-11-30T03:29:54.109080927Z pid=7269 ADD container=4023b3bedd8c: waiting for /srv/cni-lab/run/hang-cni.lock", LineFormat::Iso),
            (b"my-plugin[812]: 2026-11-30T03:29:54Z lock acquired", LineFormat::Iso),
            (b"Apr 13 10:53:52 node-1 kubelet[3263]: E0413 10:53:52.844381 3263 x.go:1] y", LineFormat::Syslog),
            (br#"time="2021-09-15T21:17:10.220731Z" level=error msg="x""#, LineFormat::Logfmt),
            (b"-- Logs begin at Wed 2017-12-13 16:56:37 UTC, end at Wed 2017-12-13 17:05:01 UTC. --", LineFormat::JournalMarker),
            (b"[  123.456789] EXT4-fs error (device sda1)", LineFormat::Dmesg),
        ];
        for (l, want) in lines {
            let claimed: Vec<LineFormat> = CHAIN
                .iter()
                .filter(|r| r.recognize(l).is_some())
                .map(|r| r.format())
                .collect();
            assert_eq!(claimed, vec![*want], "{}", String::from_utf8_lossy(l));
        }
        assert!(recognize(b"dhclient: DHCPREQUEST on eth0").is_none());
        // A tag must be one word before `: ` and a timestamp.
        for l in [
            &b"two words: 2026-11-30T03:29:54Z x"[..],
            b"x[]: 2026-11-30T03:29:54Z x",
            b"x:2026-11-30T03:29:54Z x",
            b"x: 20261130 x",
        ] {
            assert!(recognize(l).is_none(), "{}", String::from_utf8_lossy(l));
        }
    }

    #[test]
    fn dominant_format_goes_first_and_results_do_not_change() {
        let mut r = Recognize::default();
        let klog = b"I0413 10:53:52.844381    3263 kubelet.go:2055] x";
        let logrus = br#"time="2021-09-15T21:17:10Z" level=info msg="y""#;
        for _ in 0..3 {
            assert_eq!(r.line(logrus).map(|x| x.0), Some(LineFormat::Logfmt));
        }
        assert_eq!(r.first, Some(4));
        assert_eq!(r.line(klog).map(|x| x.0), Some(LineFormat::Klog));
        assert_eq!(r.line(b"plain"), None);
    }
}
