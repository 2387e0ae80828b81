//! ml-connector: Zoho Books invoices, bills and purchase orders, kept in step with monday.com.
//!
//! Layout: `config` (what the operator declares), `store` (SQLite), `queue` (durable jobs),
//! `sync` (workers and mapping), `zoho` and `monday` (the connector's use of each API),
//! `http` (webhooks, admin pages), `cli` (commands), `demo` (sandbox-backed showcase).

pub mod backfill;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod http;
pub mod monday;
pub mod queue;
pub mod runtime;
pub mod setup;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod trace;
pub mod zoho;

pub use http::Application;
