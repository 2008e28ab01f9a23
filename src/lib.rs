//! # svcplay — a Kubernetes Service playground
//!
//! (The crate map is written below, once the modules it names exist.)

pub mod apiserver;
pub mod controllers;
pub mod diag;
pub mod manifest;
pub mod model;
pub mod proxy;
pub mod scenario;
