//! The connector's use of Zoho Books: connecting (OAuth), stored refresh tokens, per-connection
//! token caches and their background refresher, connection health.

pub mod connect;
pub mod connect_terminal;
pub mod quota;
pub mod refresher;
pub mod secrets;
pub mod status;
pub mod tokens;

pub use tokens::{TokenCache, TokenError};
