//! A small, typed client for the monday.com GraphQL API (version 2026-10).
//!
//! The crate exists so that the rest of the connector never builds GraphQL by
//! hand, never guesses a column-value format and never decides on its own
//! whether a failed call may be retried:
//!
//! * [`MondayClient`] sends every document in [`queries`] with the pinned
//!   `API-Version`, and turns every answer (including errors on HTTP 200) into
//!   data or one [`MondayError`] whose variant says what the caller must do.
//! * [`columns`] knows monday's per-type JSON encodings and checks values
//!   against a board's real columns before anything is written.
//! * [`limits`] reads the rate-limit headers and complexity budget so a
//!   scheduler can pace itself instead of hitting 429s.
//! * [`webhooks`] answers challenges, parses events and verifies the JWT that
//!   app-token webhooks carry.
//!
//! The crate depends on nothing else in the workspace so it can be published
//! on its own.

pub mod board;
pub mod classify;
pub mod client;
pub mod columns;
pub mod error;
mod items;
pub mod limits;
pub mod queries;
mod structure;
pub mod subitems;
pub mod webhooks;

pub use board::{Board, Column, Group};
pub use classify::{
    classify_errors, classify_response, next_utc_midnight, parse_envelope, parse_response,
    ApiError, Envelope,
};
pub use client::{Clock, GatePermit, MondayClient, RequestGate, DEFAULT_REQUEST_TIMEOUT};
pub use columns::{
    truncate_item_name, truncate_long_text, validate, ColumnType, ColumnValue, ColumnValues,
    MappingMismatch, PersonKind,
};
pub use error::MondayError;
pub use items::ColumnScan;
pub use limits::LimitSnapshot;
pub use subitems::{Subitem, SubitemOp, MAX_SUBITEM_OPS_PER_REQUEST};
pub use webhooks::{challenge_response, parse_event, verify_jwt, WebhookEvent, WebhookInfo};

/// The API version every request pins. The GraphQL documents in [`queries`]
/// are contract-tested against this version's schema, so a silent version
/// change by monday would otherwise make fields come back `null`.
pub const API_VERSION: &str = "2026-10";

/// A monday board id. monday ids exceed 32 bits and arrive as JSON strings, so
/// they are kept as strings end to end and never turned into numbers.
pub type BoardId = String;

/// A monday item (or subitem) id; a string for the same reason as [`BoardId`].
pub type ItemId = String;
