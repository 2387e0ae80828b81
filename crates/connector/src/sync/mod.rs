//! The sync flows, above the queue: workers claim jobs and bring monday in step with Zoho.
//!
//! - `worker`: claim → run with a heartbeat → one queue transition per outcome.
//! - `document`: one document → one monday item (the heart of it); `subitems`: its lines.
//! - `board_scan`: fills the item map from the board when it may be incomplete.
//! - `mapping`: Zoho fields → monday column values.
//! - `payment`, `payment_poll`: payments re-sync the documents they settle.
//! - `reconcile`, `sweep`: polls that catch what webhooks missed, deletions included.
//! - `listing`: paged listings for reconciliation and backfill.
//! - `audit`: people's status changes on monday → audit log (+ optional Zoho comment).

pub mod audit;
mod board_scan;
mod document;
pub(crate) mod listing;
pub mod mapping;
mod payment;
pub(crate) mod payment_poll;
pub mod reconcile;
mod subitems;
pub mod sweep;
mod worker;

pub use worker::{run_worker, spawn_workers};
