//! A compact binary form for state that crosses between Web Workers (a part of a file read on
//! another worker, [`crate::FileIngest::to_wire`]): workers share no memory, and JSON costs as
//! much as the parse it would hand over.
//!
//! Little-endian numbers, length-prefixed strings and columns; a [`Reader`] never panics on
//! short or damaged input, it returns `None` (the caller then reads the bytes itself). The form
//! is private to one build: both ends are the same wasm module, so there is no versioning
//! beyond a magic number.

/// Appends values to a byte buffer.
#[derive(Default)]
pub(crate) struct Writer {
    pub out: Vec<u8>,
}

impl Writer {
    /// Room for `n` bytes more: a buffer grown by doubling ends up to twice the size it needs
    /// and holds both sizes while it moves (in wasm, memory that is never given back).
    pub fn reserve(&mut self, n: usize) {
        self.out.reserve_exact(n);
    }
    pub fn u8(&mut self, v: u8) {
        self.out.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.u64(b.len() as u64);
        self.out.extend_from_slice(b);
    }
    pub fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
    /// A column of fixed-width numbers: its length, then each value's little-endian bytes.
    pub fn col<T: Num>(&mut self, v: &[T]) {
        self.u64(v.len() as u64);
        // Sized once and filled in place: the loop then compiles to plain copies, where a push
        // per value checked the capacity every time (a part of a 1 GB log has 15 M values).
        let at = self.out.len();
        self.out.resize(at + v.len() * T::SIZE, 0);
        for (dst, x) in self.out[at..].chunks_exact_mut(T::SIZE).zip(v) {
            x.put(dst);
        }
    }
}

/// Reads what a [`Writer`] wrote, in the same order.
pub(crate) struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(b: &'a [u8]) -> Self {
        Self { b }
    }
    /// Whether everything was read (trailing bytes mean the two ends disagree).
    pub fn done(&self) -> bool {
        self.b.is_empty()
    }
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.b.len() {
            return None;
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Some(head)
    }
    pub fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    pub fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    /// A length that must fit in what is left (`unit` bytes per item): a damaged length cannot
    /// make the reader allocate more than the input holds.
    pub fn len(&mut self, unit: usize) -> Option<usize> {
        let n = usize::try_from(self.u64()?).ok()?;
        (n.checked_mul(unit.max(1))? <= self.b.len()).then_some(n)
    }
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len(1)?;
        self.take(n)
    }
    pub fn str(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.bytes()?).ok()
    }
    pub fn col<T: Num>(&mut self) -> Option<Vec<T>> {
        let n = self.len(T::SIZE)?;
        let b = self.take(n * T::SIZE)?;
        Some(b.chunks_exact(T::SIZE).map(T::get).collect())
    }
}

/// A fixed-width number a column holds.
pub(crate) trait Num: Copy {
    const SIZE: usize;
    /// Into exactly `SIZE` bytes.
    fn put(self, out: &mut [u8]);
    /// From exactly `SIZE` bytes.
    fn get(b: &[u8]) -> Self;
}

macro_rules! num {
    ($($t:ty),*) => {$(
        impl Num for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn put(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn get(b: &[u8]) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                <$t>::from_le_bytes(a)
            }
        }
    )*};
}
num!(u16, u32, u64, i64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_back_and_short_input_is_none() {
        let mut w = Writer::default();
        w.u8(7);
        w.u32(0xdead_beef);
        w.str("héllo");
        w.col(&[1u16, 2, 65535]);
        w.col(&[-5i64, i64::MAX]);
        let b = w.out;
        let mut r = Reader::new(&b);
        assert_eq!(r.u8(), Some(7));
        assert_eq!(r.u32(), Some(0xdead_beef));
        assert_eq!(r.str(), Some("héllo"));
        assert_eq!(r.col::<u16>(), Some(vec![1, 2, 65535]));
        assert_eq!(r.col::<i64>(), Some(vec![-5, i64::MAX]));
        assert!(r.done());
        for cut in 0..b.len() {
            let mut r = Reader::new(&b[..cut]);
            let all = (|| {
                r.u8()?;
                r.u32()?;
                r.str()?;
                r.col::<u16>()?;
                r.col::<i64>()
            })();
            assert!(all.is_none(), "a prefix of {cut} bytes read as whole");
        }
    }

    #[test]
    fn a_huge_length_is_refused_before_allocating() {
        let mut w = Writer::default();
        w.u64(u64::MAX / 2);
        let b = w.out;
        assert!(Reader::new(&b).col::<u64>().is_none());
        assert!(Reader::new(&b).bytes().is_none());
    }
}
