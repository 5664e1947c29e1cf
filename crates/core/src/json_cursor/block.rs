//! Which of 16 bytes matter to a JSON reader, as a bit mask (bit k = byte k), computed 16 at a
//! time where the target has 128-bit SIMD (SSE2 on every x86_64; wasm32 built with `simd128`,
//! as `.cargo/config.toml` builds it) and byte by byte elsewhere, with the same answer.
//!
//! Request and response bodies are most of an audit log's bytes and the reader only skips them:
//! a string's end or a bracket is found per 16 bytes instead of per byte (the byte loops were
//! ~40% of reading an audit log; docs/benchmarks.md).

/// The width of a block.
pub(crate) const W: usize = 16;

/// Bytes that end a string run: `"` and `\`.
#[inline(always)]
pub(crate) fn quote_escape(b: &[u8; W]) -> u32 {
    imp::quote_escape(b)
}

/// Bytes that end a string the reader keeps: `"`, `\` and control bytes (< 0x20, which a JSON
/// string may not hold raw).
#[inline(always)]
pub(crate) fn string_stops(b: &[u8; W]) -> u32 {
    imp::string_stops(b)
}

/// The bytes of structure for bracket matching, by class.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Structure {
    /// `"`.
    pub quotes: u32,
    /// `\`.
    pub escapes: u32,
    /// `{`, `}`, `[`, `]`.
    pub brackets: u32,
}

/// Bytes of structure for bracket matching: `"`, `\`, `{`, `}`, `[`, `]`.
#[inline(always)]
pub(crate) fn structure(b: &[u8; W]) -> Structure {
    imp::structure(b)
}

/// Bit k set when byte k of a block is inside a string, given the block's unescaped quotes
/// and whether a string is open at its start: the XOR of the quote bits up to k, so an opening
/// quote's bit is set and a closing one's is not — no bracket is ever at either.
#[inline(always)]
pub(crate) fn inside_strings(quotes: u32, open: bool) -> u32 {
    let mut x = quotes;
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    (x ^ if open { 0xffff } else { 0 }) & 0xffff
}

/// The byte-by-byte definitions, which the SIMD ones must equal (tested below) and which
/// targets without 128-bit SIMD use.
#[allow(dead_code)]
mod scalar {
    use super::W;

    fn mask(b: &[u8; W], hit: impl Fn(u8) -> bool) -> u32 {
        b.iter()
            .enumerate()
            .fold(0, |m, (k, &c)| m | (hit(c) as u32) << k)
    }

    pub fn quote_escape(b: &[u8; W]) -> u32 {
        mask(b, |c| c == b'"' || c == b'\\')
    }

    pub fn string_stops(b: &[u8; W]) -> u32 {
        mask(b, |c| c == b'"' || c == b'\\' || c < 0x20)
    }

    pub fn structure(b: &[u8; W]) -> super::Structure {
        super::Structure {
            quotes: mask(b, |c| c == b'"'),
            escapes: mask(b, |c| c == b'\\'),
            brackets: mask(b, |c| matches!(c, b'{' | b'}' | b'[' | b']')),
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod imp {
    use super::W;
    use core::arch::x86_64::*;

    // SAFETY (every block below): SSE2 is part of the x86_64 baseline, so these instructions
    // exist on every CPU this code runs on; `load` reads the 16 bytes `b` borrows, unaligned.

    #[inline(always)]
    unsafe fn load(b: &[u8; W]) -> __m128i {
        _mm_loadu_si128(b.as_ptr().cast())
    }

    #[inline(always)]
    unsafe fn eq(v: __m128i, c: u8) -> __m128i {
        _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8))
    }

    #[inline(always)]
    pub fn quote_escape(b: &[u8; W]) -> u32 {
        unsafe {
            let v = load(b);
            _mm_movemask_epi8(_mm_or_si128(eq(v, b'"'), eq(v, b'\\'))) as u32
        }
    }

    #[inline(always)]
    pub fn string_stops(b: &[u8; W]) -> u32 {
        unsafe {
            let v = load(b);
            // c ≤ 0x1f ⇔ min(c, 0x1f) == c (unsigned).
            let ctrl = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
            let q = _mm_or_si128(eq(v, b'"'), eq(v, b'\\'));
            _mm_movemask_epi8(_mm_or_si128(q, ctrl)) as u32
        }
    }

    #[inline(always)]
    pub fn structure(b: &[u8; W]) -> super::Structure {
        unsafe {
            let v = load(b);
            // `[` and `{` differ in bit 5 only, as do `]` and `}`; no other byte maps onto them.
            let l = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let br = _mm_or_si128(eq(l, b'{'), eq(l, b'}'));
            super::Structure {
                quotes: _mm_movemask_epi8(eq(v, b'"')) as u32,
                escapes: _mm_movemask_epi8(eq(v, b'\\')) as u32,
                brackets: _mm_movemask_epi8(br) as u32,
            }
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use super::W;
    use core::arch::wasm32::*;

    #[inline(always)]
    fn load(b: &[u8; W]) -> v128 {
        // SAFETY: `b` is 16 readable bytes; `v128_load` has no alignment requirement.
        unsafe { v128_load(b.as_ptr().cast()) }
    }

    #[inline(always)]
    fn eq(v: v128, c: u8) -> v128 {
        u8x16_eq(v, u8x16_splat(c))
    }

    #[inline(always)]
    pub fn quote_escape(b: &[u8; W]) -> u32 {
        let v = load(b);
        u8x16_bitmask(v128_or(eq(v, b'"'), eq(v, b'\\'))) as u32
    }

    #[inline(always)]
    pub fn string_stops(b: &[u8; W]) -> u32 {
        let v = load(b);
        let ctrl = u8x16_lt(v, u8x16_splat(0x20));
        u8x16_bitmask(v128_or(v128_or(eq(v, b'"'), eq(v, b'\\')), ctrl)) as u32
    }

    #[inline(always)]
    pub fn structure(b: &[u8; W]) -> super::Structure {
        let v = load(b);
        let l = v128_or(v, u8x16_splat(0x20));
        super::Structure {
            quotes: u8x16_bitmask(eq(v, b'"')) as u32,
            escapes: u8x16_bitmask(eq(v, b'\\')) as u32,
            brackets: u8x16_bitmask(v128_or(eq(l, b'{'), eq(l, b'}'))) as u32,
        }
    }
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
use scalar as imp;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every byte value at every position, among neighbours of every class: the SIMD masks equal
    /// the byte-by-byte definitions.
    #[test]
    fn simd_equals_scalar() {
        let fillers = [
            b'a', b'"', b'\\', b'{', b']', 0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff,
        ];
        for fill in fillers {
            for pos in 0..W {
                for c in 0..=255u8 {
                    let mut b = [fill; W];
                    b[pos] = c;
                    assert_eq!(quote_escape(&b), scalar::quote_escape(&b), "{b:?}");
                    assert_eq!(string_stops(&b), scalar::string_stops(&b), "{b:?}");
                    assert_eq!(structure(&b), scalar::structure(&b), "{b:?}");
                }
            }
        }
    }

    /// `inside_strings` against a byte-by-byte walk, for every 16-bit quote mask and both
    /// states at the block's start.
    #[test]
    fn inside_strings_is_the_running_parity() {
        for quotes in 0..=0xffffu32 {
            for open in [false, true] {
                let mut inside = open;
                let mut want = 0;
                for k in 0..W {
                    if quotes >> k & 1 == 1 {
                        inside = !inside;
                    }
                    // An opening quote counts as inside, a closing one as outside.
                    want |= (inside as u32) << k;
                }
                assert_eq!(inside_strings(quotes, open), want, "{quotes:#x} {open}");
            }
        }
    }
}
