//! Integration tests: the whole application on real sockets, a real SQLite file, and the
//! sandbox standing in for Zoho Books and monday. One test binary (zero2prod style).

mod admin;
mod backfill;
mod check;
mod cli;
mod connect;
mod crash;
mod demo;
mod guarantees_queue;
mod guarantees_sync;
mod hardening;
mod helpers;
mod http_limits;
mod metrics;
mod monday_setup;
mod monday_webhooks;
mod payment_reconcile;
mod quota;
mod reconcile;
mod subitems;
mod sweep;
mod sync;
mod tokens;
mod trace;
mod unconfirmed_apis;
mod webhooks;
mod zoho_setup;
