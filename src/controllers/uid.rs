//! Deterministic UIDs for the objects the simulated cluster creates.
//!
//! A real API server gives every object a random UUIDv4. svcplay derives a UUIDv5 (SHA-1,
//! RFC 9562 §5.5) from the object's identity instead — `Kind/namespace/name` (or
//! `Kind/name` for cluster-scoped kinds) in the namespace [`svcplay_namespace`] — so the same
//! text always gives the same `targetRef.uid` and `ownerReferences[].uid`, and editing one
//! object never changes another's UID. Objects whose UID is written in the scenario keep it.
//!
//! The reference cases (`endpoints-dns/cases/README.md`) fix their UIDs as "UUIDv5 of
//! kind/namespace/name" but do not say which namespace UUID or exact input form; none of
//! the usual namespaces (DNS, URL, OID, X.500, nil) with the usual separators reproduces
//! them, so svcplay uses its own documented namespace. The cases write every UID they
//! compare, so nothing depends on this choice.
//!
//! SHA-1 is written here (about 60 lines) rather than pulled in as a crate: it is only
//! used for these identifiers, and the page's download budget is tight.

/// `uuid5(NAMESPACE_URL, "https://svcplay.dev/uid")`, the namespace of every derived UID
/// (computed once: every Service of a 5,000-Service dump asks for it on each edit).
pub fn svcplay_namespace() -> [u8; 16] {
    static NAMESPACE: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    *NAMESPACE.get_or_init(|| uuid5_bytes(&NAMESPACE_URL, b"https://svcplay.dev/uid"))
}

/// RFC 9562's URL namespace, `6ba7b811-9dad-11d1-80b4-00c04fd430c8`.
pub const NAMESPACE_URL: [u8; 16] = [
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];

/// The UID svcplay gives an object of `kind` it creates (or that was written without one).
pub fn object_uid(kind: &str, namespace: &str, name: &str) -> String {
    let input = if namespace.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{namespace}/{name}")
    };
    format_uuid(&uuid5_bytes(&svcplay_namespace(), input.as_bytes()))
}

/// A version-5 UUID of `name` in `namespace`, as bytes.
pub fn uuid5_bytes(namespace: &[u8; 16], name: &[u8]) -> [u8; 16] {
    let mut input = Vec::with_capacity(16 + name.len());
    input.extend_from_slice(namespace);
    input.extend_from_slice(name);
    let digest = sha1(&input);
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out[6] = (out[6] & 0x0f) | 0x50;
    out[8] = (out[8] & 0x3f) | 0x80;
    out
}

/// The canonical `8-4-4-4-12` lower-case form.
pub fn format_uuid(bytes: &[u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// SHA-1 (FIPS 180-4) of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks_exact(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks_exact(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    let mut out = [0u8; 20];
    for (i, x) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha1_matches_the_standard_vectors() {
        assert_eq!(hex(&sha1(b"")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(
            hex(&sha1(b"abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha1(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn uuid5_matches_python_uuid() {
        // uuid.uuid5(uuid.NAMESPACE_URL, "https://svcplay.dev/uid")
        assert_eq!(
            format_uuid(&svcplay_namespace()),
            "ff841494-2f54-59bd-a748-07ddf62b5f5f"
        );
        let uid = object_uid("Pod", "dev", "web-0");
        assert_eq!(uid.len(), 36);
        assert_eq!(&uid[14..15], "5");
        assert_ne!(uid, object_uid("Pod", "dev", "web-1"));
    }
}
