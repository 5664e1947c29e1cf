//! `scale-audit MIN_REQUESTS`: build (once) the large audit log of
//! [`whodunnit_testdata::audit_scale::live_audit`] and print its path. Used by tests/sql.

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    match whodunnit_testdata::audit_scale::live_audit(n) {
        Some(p) => println!("{}", p.display()),
        None => std::process::exit(3),
    }
}
