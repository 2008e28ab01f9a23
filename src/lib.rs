//! # svcplay — a Kubernetes Service playground
//!
//! (The crate map is written below, once the modules it names exist.)

pub mod diag;
pub mod manifest;
pub mod model;
