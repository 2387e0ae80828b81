//! The connector's use of Zoho Books: the one call path every Books call takes (`api`),
//! connecting (OAuth), stored refresh tokens, per-connection token caches and their background
//! refresher, the shared quota, connection health.

pub mod api;
pub mod connect;
pub mod connect_terminal;
pub mod quota;
pub mod rejections;
pub mod secrets;
pub mod status;
pub mod tokens;

pub use api::{CallError, Op, ZohoApi};
pub use tokens::{TokenCache, TokenError};
