//! Built-in scenarios: the page's default scenario and the examples gallery.
//!
//! They are data compiled into the crate (`include_str!`), so the page works offline and
//! the CLI's tests can use them.

/// The page's starting scenario: the seed tutorial's ClusterIP lab.
pub const DEFAULT: &str = include_str!("seed-clusterip.yaml");
