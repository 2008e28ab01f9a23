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
