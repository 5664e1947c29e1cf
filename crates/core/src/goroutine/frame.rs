//! One stack frame: the `pkg.Func(args)` line, the `\tpath/file.go:123 +0x1d` line after it,
//! and what can be derived from them (package, stdlib/runtime flags, normalized arguments).

/// Trim ASCII spaces and tabs on both sides (copy-pasted dumps often lose or add them).
#[inline]
pub fn trim(s: &[u8]) -> &[u8] {
    let mut a = 0;
    let mut b = s.len();
    while a < b && (s[a] == b' ' || s[a] == b'\t') {
        a += 1;
    }
    while b > a && (s[b - 1] == b' ' || s[b - 1] == b'\t' || s[b - 1] == b'\r') {
        b -= 1;
    }
    &s[a..b]
}

/// `pkg.(*T).Method(0x1, {0x2?, 0x3}, ...)` → (`pkg.(*T).Method`, `0x1, {0x2?, 0x3}, ...`).
/// The arguments are the last balanced parenthesized group; the name may contain
/// parentheses itself (`(*T)`) and generic brackets (`[...]`) but no spaces.
pub fn parse_func(s: &[u8]) -> Option<(&[u8], &[u8])> {
    if s.len() < 3 || *s.last()? != b')' {
        return None;
    }
    let mut depth = 0i32;
    let mut open = None;
    for i in (0..s.len()).rev() {
        match s[i] {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    open = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let open = open?;
    let name = &s[..open];
    if name.is_empty() || name.iter().any(|&c| c == b' ' || c == b'\t') {
        return None;
    }
    // A name ends in an identifier character, `)` of a receiver is never last, `]` of generics.
    let last = *name.last()?;
    if !(last.is_ascii_alphanumeric() || last == b'_' || last == b']' || last >= 0x80) {
        return None;
    }
    Some((name, &s[open + 1..s.len() - 1]))
}

/// `/src/pkg/x.go:123 +0x1d fp=0x.. sp=0x.. pc=0x..` → (`/src/pkg/x.go`, 123).
/// Windows paths keep their drive colon (`C:/Program Files/Go/src/x.go:45`).
pub fn parse_file(s: &[u8]) -> Option<(&[u8], u32)> {
    let mut s = s;
    for key in [&b" fp="[..], b" sp=", b" pc="] {
        if let Some(i) = memchr::memmem::find(s, key) {
            s = &s[..i];
        }
    }
    if let Some(i) = memchr::memmem::rfind(s, b" +0x") {
        s = &s[..i];
    }
    let s = trim(s);
    let colon = memchr::memrchr(b':', s)?;
    let digits = &s[colon + 1..];
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let path = &s[..colon];
    if path.is_empty() {
        return None;
    }
    let mut line = 0u32;
    for &d in digits {
        line = line * 10 + (d - b'0') as u32;
    }
    Some((path, line))
}

/// The package of a fully qualified function name:
/// `github.com/a/b.(*T).M` → `github.com/a/b`, `main.main.func1` → `main`.
pub fn package_of(func: &str) -> &str {
    let base = func.rfind('/').map(|i| i + 1).unwrap_or(0);
    // Generic instantiations (`[...]`) and receivers come after the first dot of the last
    // path element.
    match func[base..].find('.') {
        Some(d) => &func[..base + d],
        None => func,
    }
}

/// Go standard library (incl. `runtime`): the first path element has no dot, and it is not
/// `main` or a module that merely lacks a dot: the file must then live under a GOROOT-like
/// `src/<pkg>/` directory (or a `GOROOT/` prefix, as bazel prints it).
pub fn is_stdlib(pkg: &str, file: &str) -> bool {
    let first = pkg.split('/').next().unwrap_or("");
    if first.contains('.') || pkg == "main" || pkg.is_empty() {
        return false;
    }
    if file.is_empty() || file.starts_with("GOROOT/") || file.starts_with('<') {
        return true;
    }
    if file.contains("/stdlib~/src/")
        || file.contains("/go/src/")
        || file.contains("Go/src/")
        || file.contains("/src/runtime/")
    {
        return true;
    }
    let mut needle = String::with_capacity(pkg.len() + 6);
    needle.push_str("/src/");
    needle.push_str(pkg);
    needle.push('/');
    file.contains(&needle) || file.ends_with(".s") || file.ends_with(".c") || file.ends_with(".goc")
}

/// The runtime's own frames, which the UI collapses by default.
pub fn is_runtime(pkg: &str) -> bool {
    pkg == "runtime"
        || pkg.starts_with("runtime/internal")
        || pkg.starts_with("internal/runtime")
        || pkg == "sync/atomic"
}

/// How strictly arguments must match for two frames to be "the same" when grouping.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Similarity {
    /// Arguments must be equal (and the locked-to-thread flag too).
    Exact,
    /// Arguments that look like pointers may differ; other values must be equal (default).
    #[default]
    Pointer,
    /// Argument values are ignored; only their number and shape must match.
    Any,
}

impl Similarity {
    /// Parse `exact`, `pointer` (or `any-pointer`) and `any` (or `any-value`).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "exact" => Some(Similarity::Exact),
            "pointer" | "any-pointer" | "anypointer" => Some(Similarity::Pointer),
            "any" | "any-value" | "anyvalue" => Some(Similarity::Any),
            _ => None,
        }
    }
}

/// Values above this look like heap/stack pointers (panicparse's heuristic: 512 KiB up to
/// the sign bit; it can be fooled by large bitmasks, as theirs can).
const POINTER_FLOOR: u64 = 512 * 1024;

/// Parse one numeric argument token (`0xc000192068`, `0x0?`, `42`).
pub fn arg_value(tok: &[u8]) -> Option<u64> {
    let tok = tok.strip_suffix(b"?").unwrap_or(tok);
    if let Some(h) = tok.strip_prefix(b"0x") {
        if h.is_empty() || h.len() > 16 {
            return None;
        }
        let mut v = 0u64;
        for &c in h {
            let d = (c as char).to_digit(16)? as u64;
            v = (v << 4) | d;
        }
        Some(v)
    } else if !tok.is_empty() && tok.len() <= 19 && tok.iter().all(u8::is_ascii_digit) {
        std::str::from_utf8(tok).ok()?.parse().ok()
    } else {
        None
    }
}

/// Whether an argument value is probably a pointer.
pub fn looks_like_pointer(v: u64) -> bool {
    v > POINTER_FLOOR && v < (1u64 << 63)
}

/// Rewrite an argument list so that two lists are similar iff their rewrites are equal:
/// pointers become `*` (pointer similarity) or every value becomes `_` (any).
pub fn normalize_args(args: &str, sim: Similarity, out: &mut String) {
    out.clear();
    if sim == Similarity::Exact {
        out.push_str(args);
        return;
    }
    let b = args.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'?') {
                i += 1;
            }
            let tok = &b[start..i];
            match (sim, arg_value(tok)) {
                (Similarity::Any, _) => out.push('v'),
                (_, Some(v)) if looks_like_pointer(v) => out.push('*'),
                (_, Some(v)) => {
                    out.push_str(&v.to_string());
                }
                _ => out.push_str(&args[start..i]),
            }
        } else {
            if c != b' ' {
                out.push(c as char);
            }
            i += 1;
        }
    }
}

/// All pointer-looking values among the arguments (to match lock addresses and owners).
pub fn pointer_args(args: &str) -> impl Iterator<Item = u64> + '_ {
    args.split([',', '{', '}', ' '])
        .filter_map(|t| arg_value(t.as_bytes()))
        .filter(|&v| looks_like_pointer(v))
}

/// The first argument's value (a method's receiver), if it is a plain number.
pub fn first_arg(args: &str) -> Option<u64> {
    let t = args.split(',').next()?.trim();
    arg_value(t.as_bytes())
}

/// `path/to/file.go` → `file.go`.
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn funcs_and_files() {
        assert_eq!(
            parse_func(b"sync.(*Mutex).lockSlow(0xc000192068)"),
            Some((&b"sync.(*Mutex).lockSlow"[..], &b"0xc000192068"[..]))
        );
        assert_eq!(
            parse_func(b"main.F[...]({0x1?, 0x2}, ...)"),
            Some((&b"main.F[...]"[..], &b"{0x1?, 0x2}, ..."[..]))
        );
        assert_eq!(parse_func(b"main.main)("), None);
        assert_eq!(parse_func(b"foo bar()"), None);
        assert_eq!(
            parse_file(b"C:/Program Files/Go/src/x.go:45 +0x25"),
            Some((&b"C:/Program Files/Go/src/x.go"[..], 45))
        );
        assert_eq!(
            parse_file(b"GOROOT/src/runtime/panic.go:551 +0x3c1 fp=0xc sp=0xd pc=0x4"),
            Some((&b"GOROOT/src/runtime/panic.go"[..], 551))
        );
        assert_eq!(
            parse_file(b"_cgo_gotypes.go:56"),
            Some((&b"_cgo_gotypes.go"[..], 56))
        );
        assert_eq!(
            parse_file(b"\t<autogenerated>:1 +0x25"),
            Some((&b"<autogenerated>"[..], 1))
        );
        assert_eq!(parse_file(b"??:0"), Some((&b"??"[..], 0)));
        assert_eq!(
            parse_func("testing.func·007()".as_bytes()),
            Some(("testing.func·007".as_bytes(), &b""[..]))
        );
        assert_eq!(package_of("github.com/a/b.(*T).M"), "github.com/a/b");
        assert_eq!(package_of("main.main.func1"), "main");
        assert!(is_stdlib(
            "net/http",
            "/usr/local/go/src/net/http/server.go"
        ));
        assert!(!is_stdlib(
            "distributed-kv/consensus",
            "C:/Users/x/consensus/c.go"
        ));
    }

    #[test]
    fn similarity_rewrites() {
        let mut s = String::new();
        normalize_args("0xc000192068, 0x0, 0x1", Similarity::Pointer, &mut s);
        assert_eq!(s, "*,0,1");
        normalize_args("{0xc000192068?, 0x2}, ...", Similarity::Any, &mut s);
        assert_eq!(s, "{v,v},...");
    }
}
