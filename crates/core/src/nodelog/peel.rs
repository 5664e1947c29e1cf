//! The innermost layer of a log entry: what is left once the line's own format and any wrapper
//! (journald, CRI, Docker) are peeled — klog text, logrus/logfmt, a JSON log, or plain text.
//! [`inner`] reads it with the line formats' own readers ([`super::lines`]).

use super::lines::{json_log, kernel, klog, logfmt};
use super::payload::starts_panic;
use super::stamp::Yearless;
use crate::event::Severity;

/// Where the template text of an entry lives.
pub enum Tmpl {
    Range(usize, usize),
    Scratch,
}

/// The innermost payload of an entry.
pub struct Inner {
    pub sev: Option<Severity>,
    /// Time of an inner klog header (for zone derivation) — yearless.
    pub klog: Option<Yearless>,
    pub tmpl: Tmpl,
    /// Structured klog value continues on the next lines (`key=<`).
    pub multiline: bool,
    pub panic: bool,
    /// Inner payload is itself headed (klog/logfmt/json): it cannot be a panic trace line.
    pub headed: bool,
    /// Start of the klog message body (0 without a klog header): classification skips the
    /// header, a third of a typical line.
    pub body: usize,
    /// The klog header names `httplog.go` (apiserver request log).
    pub httplog: bool,
}

/// Peel the innermost payload of `msg` (see [`Inner`]).
pub fn inner(msg: &[u8], scratch: &mut Vec<u8>) -> Inner {
    let mut out = Inner {
        sev: None,
        klog: None,
        tmpl: Tmpl::Range(0, msg.len()),
        multiline: false,
        panic: false,
        headed: false,
        body: 0,
        httplog: false,
    };
    if let Some(klog::KlogHead { sev, when, msg: m }) = klog::klog(msg) {
        out.sev = Some(sev);
        out.klog = Some(when);
        out.headed = true;
        out.body = m.min(msg.len());
        // The `file:line]` token ends the header; only its start needs checking.
        let hdr = &msg[..out.body];
        let file = hdr[..hdr.len().saturating_sub(2)]
            .iter()
            .rposition(|c| *c == b' ')
            .map_or(0, |p| p + 1);
        out.httplog = hdr[file..].starts_with(b"httplog.go");
        let body = &msg[m.min(msg.len())..];
        scratch.clear();
        if klog::structured_key(body, scratch) {
            out.tmpl = Tmpl::Scratch;
            out.multiline = body.ends_with(b"=<");
        } else {
            out.tmpl = Tmpl::Range(m.min(msg.len()), msg.len());
            out.panic = starts_panic(body);
        }
        return out;
    }
    if let Some(l) = logfmt::logfmt(msg) {
        out.sev = l.sev;
        out.headed = true;
        let start = (l.msg.as_ptr() as usize)
            .checked_sub(msg.as_ptr() as usize)
            .filter(|s| s + l.msg.len() <= msg.len())
            .unwrap_or(msg.len());
        out.tmpl = Tmpl::Range(start, start + l.msg.len().min(msg.len() - start));
        return out;
    }
    if msg.first() == Some(&b'{') {
        if let Ok(j) = serde_json::from_slice::<json_log::JsonLog>(msg) {
            out.sev = Some(j.sev());
            out.headed = true;
            scratch.clear();
            scratch.extend_from_slice(j.text().as_bytes());
            out.tmpl = Tmpl::Scratch;
            return out;
        }
    }
    // Kernel messages carry `[  12.345678] ` when relayed by journald text outputs.
    if msg.first() == Some(&b'[') {
        if let Some((_, m)) = kernel::dmesg(msg) {
            out.tmpl = Tmpl::Range(m, msg.len());
        }
    }
    out.panic = starts_panic(msg);
    out
}
