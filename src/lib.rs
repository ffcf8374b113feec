//! Madoguchi: a grievance and remedy mechanism for migrant workers in Japan.
//!
//! The binary in `main.rs` is a thin shell over this library so that every
//! part can be exercised by the integration tests.

pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod cors;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod export;
pub mod metrics;
pub mod notify;
pub mod routes;
pub mod seal;
pub mod service;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod worker;
