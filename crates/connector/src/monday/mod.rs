//! The connector's use of monday: board structure cache and the one-writer-per-board rule,
//! client-side limits, the token's own user, and what monday's errors mean for a job.

mod boards;
pub mod limits;
mod me;
mod outcome;

pub use boards::Boards;
pub use me::MeCache;
