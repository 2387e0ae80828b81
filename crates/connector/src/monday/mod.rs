//! The connector's use of monday: board structure cache and per-board writer locks.

mod boards;
pub mod limits;
mod me;

pub use boards::Boards;
pub use me::MeCache;
