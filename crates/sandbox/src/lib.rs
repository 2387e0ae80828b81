//! Simulated Zoho Books and monday.com servers on loopback, following the documented contracts.
//!
//! Used by the integration tests and by `ml-connector demo`; never by production code paths.

pub mod monday;
pub mod zoho;
