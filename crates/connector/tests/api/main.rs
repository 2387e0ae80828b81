//! Integration tests: the whole application on real sockets, a real SQLite file, and the
//! sandbox standing in for Zoho Books and monday. One test binary (zero2prod style).

mod admin;
mod check;
mod crash;
mod helpers;
mod sync;
mod webhooks;
