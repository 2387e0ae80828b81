//! ml-connector: Zoho Books invoices, bills and purchase orders, kept in step with monday.com.
//!
//! Layers, each depending only on those before it (no import loops):
//! 1. `clock`, `domain` (newtypes), `money` (amounts as people read them), `config`, `crypto`, `outbound` (the HTTP client).
//! 2. `store` — every SQL statement but the queue's.
//! 3. `queue` — the engine: job kinds, states and outcomes, intake, claims, every jobs query.
//! 4. `zoho`, `monday` — the connector's use of each API (`zoho::api` is the one Zoho call path).
//! 5. `runtime` — everything a worker or handler needs, built once from the configuration.
//! 6. `sync` — the flows that run jobs; `trace`.
//! 7. `http` (webhooks, admin, OAuth), `backfill`, `check`, `setup`.
//! 8. `serve` — the service's lifecycle; `sandboxed`, `demo`; `cli` — one file per command.

pub mod backfill;
pub mod check;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod http;
pub mod monday;
pub mod money;
pub mod outbound;
pub mod queue;
pub mod runtime;
pub mod sandboxed;
pub mod serve;
pub mod setup;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod trace;
pub mod zoho;

pub use serve::Application;
