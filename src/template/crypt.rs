//! SHA-crypt (`$5$`, `$6$`), as glibc's `crypt(3)` and passlib compute it (Ulrich Drepper's
//! specification), for Ansible's `password_hash`. Byte-equal to ansible-core's output for the same
//! salt and rounds (fixtures in `fixtures/ansible_cases.json`).

use sha2::digest::Digest;

const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEFAULT_ROUNDS: u32 = 5000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scheme {
    Sha256,
    Sha512,
}

impl Scheme {
    fn id(self) -> &'static str {
        match self {
            Scheme::Sha256 => "5",
            Scheme::Sha512 => "6",
        }
    }

    /// Ansible's rounds when none are given (`implicit_rounds` in ansible/utils/encrypt.py).
    pub fn ansible_default_rounds(self) -> u32 {
        match self {
            Scheme::Sha256 => 535_000,
            Scheme::Sha512 => 656_000,
        }
    }
}

/// `$6$rounds=N$salt$hash` (the rounds part only when not 5000, as crypt writes it). The salt is
/// cut to 16 characters and rounds are clamped to 1000..=999,999,999, as the specification says.
pub fn sha_crypt(scheme: Scheme, password: &[u8], salt: &str, rounds: u32) -> String {
    let salt = &salt.as_bytes()[..salt.len().min(16)];
    let rounds = rounds.clamp(1000, 999_999_999);
    let hash = match scheme {
        Scheme::Sha256 => encode_256(&digest::<sha2::Sha256>(password, salt, rounds)),
        Scheme::Sha512 => encode_512(&digest::<sha2::Sha512>(password, salt, rounds)),
    };
    let salt = String::from_utf8_lossy(salt);
    if rounds == DEFAULT_ROUNDS {
        format!("${}${salt}${hash}", scheme.id())
    } else {
        format!("${}$rounds={rounds}${salt}${hash}", scheme.id())
    }
}

fn digest<D: Digest + Clone>(password: &[u8], salt: &[u8], rounds: u32) -> Vec<u8> {
    let size = <D as Digest>::output_size();
    let b = D::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut a = D::new().chain_update(password).chain_update(salt);
    let mut left = password.len();
    while left > size {
        a.update(&b[..]);
        left -= size;
    }
    a.update(&b[..left]);
    let mut n = password.len();
    while n > 0 {
        if n & 1 == 1 {
            a.update(&b[..]);
        } else {
            a.update(password);
        }
        n >>= 1;
    }
    let a = a.finalize();
    let mut dp = D::new();
    for _ in 0..password.len() {
        dp.update(password);
    }
    let p = repeat_to(&dp.finalize(), password.len());
    let mut ds = D::new();
    for _ in 0..16 + usize::from(a[0]) {
        ds.update(salt);
    }
    let s = repeat_to(&ds.finalize(), salt.len());
    let mut c = a.to_vec();
    for i in 0..rounds {
        let mut d = D::new();
        if i % 2 == 1 {
            d.update(&p);
        } else {
            d.update(&c);
        }
        if i % 3 != 0 {
            d.update(&s);
        }
        if i % 7 != 0 {
            d.update(&p);
        }
        if i % 2 == 1 {
            d.update(&c);
        } else {
            d.update(&p);
        }
        c = d.finalize().to_vec();
    }
    c
}

fn repeat_to(block: &[u8], len: usize) -> Vec<u8> {
    block.iter().copied().cycle().take(len).collect()
}

fn b64_from_24bit(b2: u8, b1: u8, b0: u8, n: usize, out: &mut String) {
    let mut w = (u32::from(b2) << 16) | (u32::from(b1) << 8) | u32::from(b0);
    for _ in 0..n {
        out.push(char::from(ALPHABET[(w & 0x3f) as usize]));
        w >>= 6;
    }
}

fn encode_512(c: &[u8]) -> String {
    let mut out = String::with_capacity(86);
    for i in 0..21 {
        // The specification's byte triples: (0,21,42), (22,43,1), (44,2,23), (3,24,45), …
        let (x, y, z) = (i, i + 21, i + 42);
        let (x, y, z) = match i % 3 {
            0 => (x, y, z),
            1 => (y, z, x),
            _ => (z, x, y),
        };
        b64_from_24bit(c[x], c[y], c[z], 4, &mut out);
    }
    b64_from_24bit(0, 0, c[63], 2, &mut out);
    out
}

fn encode_256(c: &[u8]) -> String {
    let mut out = String::with_capacity(43);
    for i in 0..10 {
        // (0,10,20), (21,1,11), (12,22,2), (3,13,23), …
        let (x, y, z) = (i, i + 10, i + 20);
        let (x, y, z) = match i % 3 {
            0 => (x, y, z),
            1 => (z, x, y),
            _ => (y, z, x),
        };
        b64_from_24bit(c[x], c[y], c[z], 4, &mut out);
    }
    b64_from_24bit(0, c[31], c[30], 3, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's test vectors (glibc's `crypt` gives the same).
    #[test]
    fn drepper_vectors() {
        assert_eq!(
            sha_crypt(Scheme::Sha512, b"Hello world!", "saltstring", 5000),
            "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
        );
        assert_eq!(
            sha_crypt(Scheme::Sha256, b"Hello world!", "saltstring", 5000),
            "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"
        );
        assert_eq!(
            sha_crypt(
                Scheme::Sha512,
                b"Hello world!",
                "saltstringsaltstring",
                10000
            ),
            "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."
        );
    }
}
