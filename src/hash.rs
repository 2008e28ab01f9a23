//! The deterministic hash svcplay derives generated values from.
//!
//! Where the real system chooses at random (ClusterIPs, NodePorts, name suffixes, MAC
//! addresses), svcplay starts from FNV-1a of the object's identity, so the same text
//! always gives the same values and editing one object never moves another's. The API
//! server's allocators, the workload controllers and the views all use this one hash.

/// 32-bit FNV-1a.
pub fn fnv32a(data: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for b in data {
        hash ^= u32::from(*b);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// 64-bit FNV-1a.
pub fn fnv64a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// 64-bit FNV-1a as a [`std::hash::Hasher`], for the hash maps of a large scenario's
/// object names (the API server's per-object bookkeeping): far cheaper than the
/// standard library's SipHash on short keys, and the keys are the user's own text, so
/// nothing needs SipHash's resistance to chosen collisions.
#[derive(Clone, Copy, Debug)]
pub struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv64 {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`Fnv64`] hashers: `HashMap<K, V, FnvBuild>`.
pub type FnvBuild = std::hash::BuildHasherDefault<Fnv64>;

/// A hash of a text that an edit updates without reading the whole text again: a
/// polynomial in a fixed odd base over the bytes (each plus one), wrapping at 2⁶⁴, so
/// that the hash of two pieces put together is `poly(a) · BASE^len(b) + poly(b)`
/// ([`poly_joined`]); finished with the length and MurmurHash3's 64-bit mix. The page's
/// worker says which text it analysed with it, updated piece by piece as keys are typed
/// into a 6 MB text (`ui::worker`); the end-to-end tests compute it whole. Not for
/// anything that must resist chosen collisions.
pub fn text_hash(data: &[u8]) -> u64 {
    text_hash_of(poly(data), data.len())
}

/// [`text_hash`] of a text whose [`poly`] is `poly` and whose length is `len`.
pub fn text_hash_of(poly: u64, len: usize) -> u64 {
    let mut h = poly ^ (len as u64).rotate_left(32);
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The base of [`poly`] (odd, so that every power of it is too).
pub const POLY_BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// The polynomial of [`text_hash`]: `Σ (data[i] + 1) · POLY_BASE^(n-1-i)`, wrapping.
pub fn poly(data: &[u8]) -> u64 {
    // Four bytes a step (the same sum): one multiplication by BASE⁴ on the chain
    // instead of four.
    let b2 = POLY_BASE.wrapping_mul(POLY_BASE);
    let b3 = b2.wrapping_mul(POLY_BASE);
    let b4 = b3.wrapping_mul(POLY_BASE);
    let mut chunks = data.chunks_exact(4);
    let mut h: u64 = 0;
    for c in &mut chunks {
        let step = (u64::from(c[0]) + 1)
            .wrapping_mul(b3)
            .wrapping_add((u64::from(c[1]) + 1).wrapping_mul(b2))
            .wrapping_add((u64::from(c[2]) + 1).wrapping_mul(POLY_BASE))
            .wrapping_add(u64::from(c[3]) + 1);
        h = h.wrapping_mul(b4).wrapping_add(step);
    }
    chunks.remainder().iter().fold(h, |h, &b| {
        h.wrapping_mul(POLY_BASE).wrapping_add(u64::from(b) + 1)
    })
}

/// [`poly`] of `a` followed by `b`, from `poly(a)`, `poly(b)` and the length of `b`.
pub fn poly_joined(a: u64, b: u64, b_len: usize) -> u64 {
    a.wrapping_mul(poly_power(b_len)).wrapping_add(b)
}

/// `POLY_BASE^n`, wrapping.
pub fn poly_power(mut n: usize) -> u64 {
    let (mut base, mut out) = (POLY_BASE, 1u64);
    while n > 0 {
        if n & 1 == 1 {
            out = out.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        n >>= 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poly_bytewise(data: &[u8]) -> u64 {
        data.iter().fold(0, |h, &b| {
            h.wrapping_mul(POLY_BASE).wrapping_add(u64::from(b) + 1)
        })
    }

    /// The four-bytes-a-step sum is the polynomial, and pieces join into the whole.
    #[test]
    fn a_texts_poly_is_its_pieces_joined() {
        let text: Vec<u8> = (0..300u32).map(|i| (i * 7 % 251) as u8).collect();
        for n in 0..text.len() {
            assert_eq!(poly(&text[..n]), poly_bytewise(&text[..n]), "{n}");
        }
        for cut in 0..=text.len() {
            let (a, b) = text.split_at(cut);
            assert_eq!(poly_joined(poly(a), poly(b), b.len()), poly(&text), "{cut}");
        }
        assert_eq!(poly_power(0), 1);
        assert_eq!(
            poly_power(3),
            POLY_BASE.wrapping_mul(POLY_BASE).wrapping_mul(POLY_BASE)
        );
        // Leading zero bytes and the length count.
        assert_ne!(text_hash(b""), text_hash(b"\0"));
        assert_ne!(text_hash(b"\0a"), text_hash(b"a"));
        assert_ne!(text_hash(b"ab"), text_hash(b"ba"));
        assert_eq!(text_hash(b"abc"), text_hash_of(poly(b"abc"), 3));
    }
}
