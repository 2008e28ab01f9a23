//! Simulated time: the only clock the core knows.
//!
//! The core reads no clock. Everything that lets time pass — IPVS connection timers and
//! persistence, affinity lists, a session's requests — takes the current [`SimTime`] as
//! an argument, so the same inputs always give the same outputs.

/// Simulated time in milliseconds since the simulation started.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub fn from_secs(seconds: u64) -> SimTime {
        SimTime(seconds.saturating_mul(1000))
    }

    /// This time plus whole seconds (saturating).
    pub fn plus_secs(self, seconds: u64) -> SimTime {
        SimTime(self.0.saturating_add(seconds.saturating_mul(1000)))
    }
}
