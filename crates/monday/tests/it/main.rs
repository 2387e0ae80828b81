//! All behaviour tests of the monday crate in one binary (one link step).
//! The schema contract test lives in `tests/contract.rs`.

mod classify;
mod columns;
mod http;
mod limits;
mod support;
mod validate;
mod webhooks;
