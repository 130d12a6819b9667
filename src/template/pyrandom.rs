//! Python's `random.Random(seed)` (MT19937 with CPython's seeding), so that Ansible's seeded
//! `random` and `shuffle` filters pick exactly what ansible-core picks: `59 | random(seed=
//! inventory_hostname)` gives each host the same cron minute under both tools.

use sha2::Digest as _;

const N: usize = 624;
const M: usize = 397;

pub struct PyRandom {
    mt: [u32; N],
    index: usize,
}

/// A seed as Python sees it: an integer, or text (hashed with SHA-512 as `random.seed` version 2).
pub enum Seed<'a> {
    Int(i128),
    Text(&'a str),
}

impl PyRandom {
    pub fn new(seed: Seed<'_>) -> PyRandom {
        let bytes_be: Vec<u8> = match seed {
            Seed::Int(n) => n.unsigned_abs().to_be_bytes().to_vec(),
            Seed::Text(s) => {
                let mut b = s.as_bytes().to_vec();
                b.extend_from_slice(&sha2::Sha512::digest(s.as_bytes()));
                b
            }
        };
        PyRandom::from_key(&key_words(&bytes_be))
    }

    fn from_key(key: &[u32]) -> PyRandom {
        let mut mt = [0u32; N];
        mt[0] = 19_650_218;
        for i in 1..N {
            mt[i] = 1_812_433_253u32
                .wrapping_mul(mt[i - 1] ^ (mt[i - 1] >> 30))
                .wrapping_add(i as u32);
        }
        let (mut i, mut j) = (1usize, 0usize);
        for _ in 0..N.max(key.len()) {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            mt[i] = (mt[i] ^ (mt[i - 1] ^ (mt[i - 1] >> 30)).wrapping_mul(1_566_083_941))
                .wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
        PyRandom { mt, index: N }
    }

    fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.mt[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        for i in 0..N {
            let y = (self.mt[i] & 0x8000_0000) | (self.mt[(i + 1) % N] & 0x7fff_ffff);
            let mag = if y & 1 == 1 { 0x9908_b0df } else { 0 };
            self.mt[i] = self.mt[(i + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// `getrandbits(k)` for k ≤ 64: 32-bit words, least significant first.
    fn getrandbits(&mut self, k: u32) -> u64 {
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32() >> (64 - k));
        (high << 32) | low
    }

    /// `_randbelow(n)`: rejection sampling on `n.bit_length()` bits.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let k = 64 - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// `randrange(start, stop, step)`; `None` for an empty range (Python raises ValueError).
    pub fn randrange(&mut self, start: i64, stop: i64, step: i64) -> Option<i64> {
        let width = i128::from(stop) - i128::from(start);
        let step = i128::from(step);
        let n = if step > 0 {
            (width + step - 1) / step
        } else if step < 0 {
            (width + step + 1) / step
        } else {
            0
        };
        if n <= 0 {
            return None;
        }
        let picked = self.below(u64::try_from(n).ok()?);
        i64::try_from(i128::from(start) + step * i128::from(picked)).ok()
    }

    /// `shuffle(x)` in place, as CPython does it.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// A big-endian integer as CPython's `init_by_array` key: 32-bit words, least significant first,
/// without leading zero words (at least one word).
fn key_words(bytes_be: &[u8]) -> Vec<u32> {
    let mut words: Vec<u32> = bytes_be
        .rchunks(4)
        .map(|chunk| chunk.iter().fold(0u32, |w, b| (w << 8) | u32::from(*b)))
        .collect();
    while words.len() > 1 && words.last() == Some(&0) {
        words.pop();
    }
    if words.is_empty() {
        words.push(0);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `random.Random(42).random()`-independent checks: CPython 3.11's `getrandbits(32)` values.
    #[test]
    fn matches_cpython() {
        let mut r = PyRandom::new(Seed::Int(42));
        // python3 -c "import random; r=random.Random(42); print([r.getrandbits(32) for _ in range(3)])"
        assert_eq!(
            [r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)],
            [2746317213, 478163327, 107420369]
        );
        let mut r = PyRandom::new(Seed::Text("web1"));
        assert_eq!(r.randrange(0, 59, 1), Some(52));
    }
}
