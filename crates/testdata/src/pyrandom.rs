//! CPython's `random.Random` (MT19937 and the few methods the scenario generator calls), so the
//! scenarios built here are byte-for-byte those the original Python generator wrote and the
//! tests' expected numbers (and the IDs some tests search for) stay fixed.

const N: usize = 624;
const M: usize = 397;

/// `random.Random(seed)` for a seed below 2³², with CPython's exact sequence.
pub struct PyRandom {
    mt: [u32; N],
    index: usize,
}

impl PyRandom {
    /// `random.Random(seed)`: CPython seeds an int through `init_by_array` with its 32-bit words.
    pub fn new(seed: u32) -> Self {
        let mut r = PyRandom {
            mt: [0; N],
            index: N,
        };
        r.init_genrand(19_650_218);
        let key = [seed];
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                r.mt[0] = r.mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = r.mt[i - 1] ^ (r.mt[i - 1] >> 30);
            r.mt[i] = (r.mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                r.mt[0] = r.mt[N - 1];
                i = 1;
            }
        }
        r.mt[0] = 0x8000_0000;
        r
    }

    fn init_genrand(&mut self, s: u32) {
        self.mt[0] = s;
        for i in 1..N {
            let prev = self.mt[i - 1] ^ (self.mt[i - 1] >> 30);
            self.mt[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            for k in 0..N {
                let y = (self.mt[k] & 0x8000_0000) | (self.mt[(k + 1) % N] & 0x7fff_ffff);
                let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
                self.mt[k] = self.mt[(k + M) % N] ^ (y >> 1) ^ mag;
            }
            self.index = 0;
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    /// `random()`: 53 bits from two draws.
    pub fn random(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67_108_864.0 + b) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// `uniform(a, b)`.
    pub fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.random()
    }

    /// `getrandbits(k)` for k ≤ 128: 32-bit words, least significant first, the last one
    /// keeping its top bits.
    pub fn getrandbits(&mut self, k: u32) -> u128 {
        assert!((1..=128).contains(&k), "getrandbits({k})");
        if k <= 32 {
            return (self.next_u32() >> (32 - k)) as u128;
        }
        let mut out = 0u128;
        let (mut left, mut shift) = (k, 0);
        while left > 0 {
            let mut w = self.next_u32();
            if left < 32 {
                w >>= 32 - left;
            }
            out |= (w as u128) << shift;
            shift += 32;
            left = left.saturating_sub(32);
        }
        out
    }

    /// `randrange(start, stop)`: rejection sampling over `getrandbits(bit_length(width))`.
    pub fn randrange(&mut self, start: u64, stop: u64) -> u64 {
        let n = stop - start;
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k) as u64;
            if r < n {
                return start + r;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PyRandom;

    /// Values printed by CPython 3.11: `r = random.Random(20201119)`, then in order
    /// `r.random()`, `r.getrandbits(128)`, `r.randrange(1000, 900000)`, `r.uniform(-3, 3)`,
    /// `r.getrandbits(40)`.
    #[test]
    fn matches_cpython() {
        let mut r = PyRandom::new(20201119);
        assert_eq!(r.random().to_bits(), PY_RANDOM.to_bits());
        assert_eq!(r.getrandbits(128), PY_BITS128);
        assert_eq!(r.randrange(1000, 900000), PY_RANGE);
        assert_eq!(r.uniform(-3.0, 3.0).to_bits(), PY_UNIFORM.to_bits());
        assert_eq!(r.getrandbits(40), PY_BITS40);
    }
    const PY_RANDOM: f64 = 0.1374884653023245;
    const PY_BITS128: u128 = 316854781063315552130731914104579556944;
    const PY_RANGE: u64 = 530023;
    const PY_UNIFORM: f64 = -1.8715200878810077;
    const PY_BITS40: u128 = 644139170619;
}
