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
