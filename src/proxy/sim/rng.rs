//! The simulator's seeded random numbers: xoshiro256++ seeded through SplitMix64.
//!
//! The core draws no randomness of its own (tests/tidy.rs), so the generator lives here
//! as plain arithmetic: the same seed gives the same sequence on every platform, native
//! and wasm alike. The draws are shaped like the kernel's: `statistic` compares 31 random
//! bits with the probability stored as `p · 2³¹`, and nftables' `numgen random mod n`
//! scales a 32-bit draw by `n` (`reciprocal_scale`).

/// One step of SplitMix64 (used to spread a seed over xoshiro's state).
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ (Blackman and Vigna), a fast generator with a 256-bit state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
    /// The low 32 bits of the last 64-bit draw, not yet used by [`Rng::statistic`].
    spare: Option<u32>,
}

impl Rng {
    /// A generator whose whole sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Rng {
        let mut sm = seed;
        Rng {
            s: [
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
                splitmix64(&mut sm),
            ],
            spare: None,
        }
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// The upper 32 bits of a draw (the better bits of xoshiro's output).
    #[inline]
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    /// A uniform choice in `0..n` the way the kernel scales a 32-bit random number
    /// (`reciprocal_scale`, used by nftables' `numgen random mod n`). `n` = 0 gives 0.
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        ((u64::from(self.next_u32()) * u64::from(n)) >> 32) as u32
    }

    /// xt_statistic's random mode: the rule matches when 31 random bits are below the
    /// stored threshold (`p · 2³¹`, rounded). Each 64-bit draw serves two rules (its
    /// upper half, then its lower half): a cascade needs one number per rule it passes.
    #[inline]
    pub fn statistic(&mut self, threshold: u32) -> bool {
        let bits = match self.spare.take() {
            Some(low) => low,
            None => {
                let x = self.next_u64();
                self.spare = Some(x as u32);
                (x >> 32) as u32
            }
        };
        (bits & 0x7FFF_FFFF) < threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_and_uniform_enough() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        assert_ne!(Rng::new(1).next_u64(), Rng::new(2).next_u64());
        let mut counts = [0u32; 4];
        let mut r = Rng::new(7);
        for _ in 0..40_000 {
            counts[r.below(4) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn splitmix_reference_value() {
        // The first output of SplitMix64 seeded with 0 (Vigna's reference code).
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
    }
}
