//! The kernel ring buffer: `[  123.456789] msg` (seconds since boot), `[Mon Dec 13 16:58:30
//! 2017] msg` (`dmesg -T`), or no stamp at all (`dmesg` text recognized by its words); oops and
//! hung-task reports continue over several lines ([`kernel_cont`]).

use super::{Head, LineFormat, Recognizer};
use crate::nodelog::stamp;
use crate::time::Micros;

/// `dmesg` lines with a `[…]` stamp.
pub struct Dmesg;

impl Recognizer for Dmesg {
    fn format(&self) -> LineFormat {
        LineFormat::Dmesg
    }
    fn recognize<'a>(&self, line: &'a [u8]) -> Option<Head<'a>> {
        if line.first() != Some(&b'[') {
            return None;
        }
        let (time, msg) = dmesg(line)?;
        Some(Head::Dmesg { time, msg })
    }
}

/// Words that mark kernel ring-buffer text without timestamps (`dmesg` output).
pub const KERNEL_WORDS: &[&str] = &[
    "EXT4-fs",
    "aufs",
    "unregister_netdevice",
    "Memory cgroup",
    "Killed process",
    "INFO: task",
    "BUG: ",
    "divide error",
    "Oops",
    "Call Trace",
    "segfault",
    "oom-kill",
    "Out of memory",
    "blocked for more than",
    "Kernel panic",
    "kernel:",
];

/// `[  123.456789] msg` (seconds since boot) or `[Mon Dec 13 16:58:30 2017] msg` (`dmesg -T`).
/// Returns the wall time if the stamp has one, and the message index.
pub fn dmesg(l: &[u8]) -> Option<(Option<Micros>, usize)> {
    let close = memchr::memchr(b']', &l[..l.len().min(40)])?;
    let inner = &l[1..close];
    let mut msg = close + 1;
    if l.get(msg) == Some(&b' ') {
        msg += 1;
    }
    let t = inner
        .iter()
        .position(|c| *c != b' ')
        .map_or(inner, |i| &inner[i..]);
    if !t.is_empty() && t.iter().all(|c| c.is_ascii_digit() || *c == b'.') && t.contains(&b'.') {
        return Some((None, msg));
    }
    // `Mon Dec 13 16:58:30 2017`
    if t.len() >= 24 && t[3] == b' ' {
        let (y, end) = stamp::syslog(&t[4..])?;
        let year = stamp::digits(&t[4..], end + 1, 4)?;
        return Some((y.in_year(year as i32), msg));
    }
    None
}

/// Kernel oops / hung-task continuation lines (register dumps, stacks, module lists).
pub fn kernel_cont(l: &[u8]) -> bool {
    const P: &[&str] = &[
        "Tainted:",
        "\"echo 0 >",
        "Call Trace:",
        "Code:",
        "RIP",
        "RSP",
        "Stack:",
        "Modules linked in:",
        "CPU:",
        "Hardware name:",
        "task:",
        "RAX:",
        "RBX:",
        "RCX:",
        "RDX:",
        "RSI:",
        "RDI:",
        "RBP:",
        "R08:",
        "R09:",
        "R10:",
        "R11:",
        "R12:",
        "R13:",
        "R14:",
        "R15:",
        "FS:",
        "GS:",
        "CS:",
        "CR2:",
        "IP:",
        "PGD",
        "PUD",
        "PMD",
        "PTE",
        "Oops:",
        "---[ end",
        "<TASK>",
        "</TASK>",
        "Workqueue:",
        "Mem-Info:",
        "? ",
    ];
    if matches!(l.first(), Some(b' ' | b'\t')) || P.iter().any(|p| l.starts_with(p.as_bytes())) {
        return true;
    }
    // `umount.aufs     D ffff8802111a9848     0 21568  21567 0x00000000` (task state line)
    let mut it = l.split(|c| *c == b' ').filter(|t| !t.is_empty());
    let (_, st, hex) = (it.next(), it.next(), it.next());
    matches!(st, Some([b'D' | b'R' | b'S' | b'T' | b'Z']))
        && hex.is_some_and(|h| h.len() >= 8 && h.iter().all(u8::is_ascii_hexdigit))
}
