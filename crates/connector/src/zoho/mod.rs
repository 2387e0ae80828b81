//! The connector's use of Zoho Books: per-connection token caches and clients.

pub mod tokens;

pub use tokens::{TokenCache, TokenError};
